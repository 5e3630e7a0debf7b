//! Reproduce Amjad, Liu & Geiger's study on one network: train it (or load
//! it), hold out a validation split as the analysis set, score every hidden
//! neuron, ablate cumulatively per layer and across the network in every
//! measure's two orders beside a random band, and write CSV, JSON, SVG
//! figures and a Markdown summary.
//!
//! ```text
//! cargo run --release --example paper -- [--data DIR] [--dataset mnist|fashion-mnist|cifar10] \
//!     [--act relu|tanh|sigmoid] [--hidden 100,100,100] [--epochs E] [--model M.safetensors] \
//!     [--quantizer Q [--bins B] [--threshold T]] [--value zero|mean] [--seeds R] [--out OUTDIR]
//! ```
//!
//! Without `--data` it runs on the MNIST sample shipped in `data/mnist-sample`.
//! `--help` lists every option.

mod bars;
#[path = "../common/cli.rs"]
mod cli;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use infoablate::ablation::{
    AblationCurve, CurveIntervals, DEFAULT_RANDOM_ORDERS, Engine, NeuronValues, Order, RandomBand, Replacement,
    Schedule, Scope, evaluate,
};
use infoablate::data::{Dataset, Split, load_cifar10_dir, load_mnist_dir, stratified_split};
use infoablate::measures::{Bootstrap, MeasureSettings, Quantizer, ScoreIntervals, analyze};
use infoablate::network::{Activation, Init, Mlp, Network, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};

use cli::Result;
use report::{Report, Timings};

/// The data sets the example can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DatasetKind {
    /// MNIST-format IDX files (`train-images-idx3-ubyte[.gz]`, …).
    Mnist,
    /// Fashion-MNIST, same file format as MNIST.
    FashionMnist,
    /// CIFAR-10 binary batches (`data_batch_N.bin[.gz]`, `test_batch.bin[.gz]`).
    Cifar10,
}

/// The replacement value of an ablated neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Value {
    /// Zero (removing the neuron).
    Zero,
    /// The neuron's mean on the analysis set ("bias balancing").
    Mean,
}

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    about = "Train (or load) an MLP, score every hidden neuron, ablate cumulatively, write CSV/JSON/SVG/Markdown."
)]
struct Args {
    /// Directory of the data set's files; the shipped MNIST sample when absent.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Which data set `--data` holds.
    #[arg(long, value_enum, default_value = "mnist")]
    dataset: DatasetKind,
    /// Hidden activation of the network.
    #[arg(long, default_value = "relu")]
    act: Activation,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "100,100,100")]
    hidden: Vec<usize>,
    /// Training epochs (Adam, learning rate 1e-3, batch 128).
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Load this `nn.Sequential` safetensors model instead of training.
    #[arg(long)]
    model: Option<PathBuf>,
    /// The quantizer of the measures (the paper's one bit per neuron for the
    /// activation when absent).
    #[command(flatten)]
    quantizer: cli::QuantizerArgs,
    /// Replacement value of an ablated neuron.
    #[arg(long, value_enum, default_value = "zero")]
    value: Value,
    /// Random orders per scope (R): the band, and the permutation test of
    /// each order's AUC, whose smallest p-value is 1/(R + 1).
    #[arg(long, default_value_t = DEFAULT_RANDOM_ORDERS as u64, value_parser = clap::value_parser!(u64).range(1..))]
    seeds: u64,
    /// Bootstrap resamples for the confidence intervals of the ordered
    /// curves' accuracy and AUC (over the test samples); 0 for none.
    #[arg(long, default_value_t = Bootstrap::DEFAULT_REPLICATES as u64)]
    bootstrap: u64,
    /// Bootstrap resamples for the per-neuron measures' confidence intervals
    /// (over the analysis samples, every measure recomputed on each
    /// resample); 0 for none.
    #[arg(long, default_value_t = 200)]
    measure_bootstrap: u64,
    /// Measures that order the curves, comma-separated (default: entropy,
    /// mutual_info, kl_selectivity, and csi unless the activation can be
    /// negative: the class selectivity index assumes non-negative activations).
    #[arg(long, value_delimiter = ',')]
    measures: Option<Vec<String>>,
    /// Validation images held out of training as the analysis set
    /// (default: 10,000, at most a fifth of the training set).
    #[arg(long)]
    validation: Option<usize>,
    /// Seed of the split, the initialisation and the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output directory (default `target/paper/<dataset>-<act>-<value>`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The random band's percentiles.
const BAND: (f64, f64) = (5.0, 95.0);
/// Confidence level of the bootstrap intervals.
const LEVEL: f64 = 0.95;

/// The measures ordering the curves by default: `csi` only for activations
/// that are never negative.
fn default_measures(act: Activation) -> Vec<String> {
    let mut measures = vec!["entropy", "mutual_info", "kl_selectivity"];
    if matches!(act, Activation::Relu | Activation::Sigmoid) {
        measures.push("csi");
    }
    measures.into_iter().map(String::from).collect()
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}

fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    // Settings are checked before the long steps.
    let quantizer = args.quantizer.quantizer(Quantizer::for_activation(args.act))?;
    let settings = MeasureSettings::new(quantizer).with_variance().with_weight_norms();
    let known: Vec<String> = settings.measures().iter().map(|m| m.name().to_string()).collect();
    let measures = args.measures.clone().unwrap_or_else(|| default_measures(args.act));
    if let Some(unknown) = measures.iter().find(|m| !known.contains(m)) {
        return Err(format!("--measures: no measure named `{unknown}` (have: {})", known.join(", ")).into());
    }
    let resampling = |replicates: u64| -> Result<Option<Bootstrap>> {
        match replicates {
            0 => Ok(None),
            b => Ok(Some(Bootstrap::new(usize::try_from(b)?, LEVEL, args.seed)?)),
        }
    };
    let bootstrap = resampling(args.bootstrap)?;
    let measure_bootstrap = resampling(args.measure_bootstrap)?;

    let (all_train, test, source) = load(args)?;
    let held_out = args.validation.unwrap_or((all_train.len() / 5).min(10_000));
    let (train, analysis) = stratified_split(&all_train, held_out, args.seed)?;
    println!(
        "{source}: {} train, {} validation (analysis set), {} test",
        train.len(),
        analysis.len(),
        test.len()
    );
    let out = args.out.clone().unwrap_or_else(|| {
        let dataset = args
            .dataset
            .to_possible_value()
            .map_or("data".into(), |v| v.get_name().to_string());
        let value = args
            .value
            .to_possible_value()
            .map_or("value".into(), |v| v.get_name().to_string());
        Path::new("target/paper").join(format!("{dataset}-{}-{value}", args.act))
    });
    std::fs::create_dir_all(&out).map_err(|e| infoablate::Error::io("create", &out, e))?;

    let mut timings = Timings::default();
    let clock = Instant::now();
    let mlp = network(args, &train)?;
    timings.train = clock.elapsed().as_secs_f64();
    let model_path = out.join("model.safetensors");
    mlp.save_safetensors(&model_path, "")?;
    let base = evaluate(&mlp, &test, 1000)?;
    println!(
        "network {:?} {}: test accuracy {:.4}, loss {:.4} nats",
        mlp.sizes(),
        args.act,
        base.accuracy,
        base.loss
    );

    let clock = Instant::now();
    let bar = bars::bar("record", analysis.len());
    let recording = record(
        &mlp,
        &analysis,
        DenseRecorder::all(mlp.num_hidden())?,
        1000,
        &mut bars::follow(&bar),
    )?;
    bar.finish_and_clear();
    timings.record = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let scores = analyze(&recording, &settings, Some(&mlp))?;
    let score_intervals = match measure_bootstrap {
        Some(b) => Some(ScoreIntervals::compute(&recording, &settings, Some(&mlp), b)?),
        None => None,
    };
    timings.measures = clock.elapsed().as_secs_f64();
    let signed: Vec<usize> = scores
        .layers()
        .into_iter()
        .filter(|&l| scores.signed(l).unwrap_or(false))
        .collect();
    if measures.iter().any(|m| m == "csi") && !signed.is_empty() {
        eprintln!(
            "warning: hidden layers {signed:?} have negative class means (signed activations): the class selectivity \
             index assumes non-negative activations and is unbounded there; its curves are reported as computed"
        );
    }

    let clock = Instant::now();
    let replacement = match args.value {
        Value::Zero => Replacement::Zero,
        Value::Mean => Replacement::Mean(NeuronValues::means_of(&recording)),
    };
    let engine = Engine::new(&mlp, &test)?.replacement(replacement);
    let scopes: Vec<Scope> = (0..mlp.num_hidden()).map(Scope::Layer).chain([Scope::Global]).collect();
    let seeds: Vec<u64> = (0..args.seeds).collect();
    let per_scope = 2 * measures.len() + seeds.len();
    let bar = bars::bar("ablate", scopes.len() * per_scope);
    let mut curves = Vec::new();
    let mut intervals = Vec::new();
    let mut bands: Vec<RandomBand> = Vec::new();
    for (j, &scope) in scopes.iter().enumerate() {
        let mut done = j * per_scope;
        for measure in &measures {
            for order in [Order::Descending, Order::Ascending] {
                let schedule = Schedule::by_measure(&scores, measure, order, scope)?;
                let (curve, ci) = ordered_curve(&engine, &schedule, bootstrap)?;
                curves.push(curve);
                intervals.extend(ci);
                done += 1;
                bar.set_position(done as u64);
            }
        }
        bands.push(engine.random_band(scope, &seeds, None, BAND, &mut bars::follow_from(&bar, done))?);
    }
    bar.finish_and_clear();
    timings.curves = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let report = Report {
        source: &source,
        args: &std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        network: &mlp,
        activation: args.act,
        epochs: if args.model.is_some() { 0 } else { args.epochs },
        split: (train.len(), analysis.len(), test.len()),
        base,
        scores: &scores,
        score_intervals: score_intervals.as_ref(),
        signed: &signed,
        measures: &measures,
        curves: &curves,
        intervals: &intervals,
        bands: &bands,
    };
    report.write(&out)?;
    timings.write = clock.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();
    report.write_summary(&out, &timings)?;
    println!(
        "wrote {} (train {:.1} s, record {:.1} s, measures {:.1} s, curves {:.1} s, write {:.1} s, total {:.1} s)",
        out.display(),
        timings.train,
        timings.record,
        timings.measures,
        timings.curves,
        timings.write,
        timings.total
    );
    Ok(())
}

/// One ordered curve and, with `bootstrap`, its confidence intervals over
/// the evaluation samples (the per-sample outcomes are dropped here).
fn ordered_curve(
    engine: &Engine<'_, Mlp>,
    schedule: &Schedule,
    bootstrap: Option<Bootstrap>,
) -> Result<(AblationCurve, Option<CurveIntervals>)> {
    Ok(match bootstrap {
        Some(b) => {
            let (curve, outcomes) = engine.run_with_outcomes(schedule)?;
            (curve, Some(outcomes.bootstrap(b)))
        }
        None => (engine.run(schedule)?, None),
    })
}

/// Training and test sets, and a description of where they came from.
fn load(args: &Args) -> Result<(Dataset, Dataset, String)> {
    let Some(dir) = &args.data else {
        if args.dataset != DatasetKind::Mnist {
            return Err("the shipped sample is MNIST; pass --data DIR for another data set".into());
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
        let train = load_mnist_dir(&dir, Split::Train)?;
        let test = load_mnist_dir(&dir, Split::Test)?;
        return Ok((train, test, "MNIST sample (data/mnist-sample)".into()));
    };
    let (train, test, name) = match args.dataset {
        DatasetKind::Mnist => (
            load_mnist_dir(dir, Split::Train)?,
            load_mnist_dir(dir, Split::Test)?,
            "MNIST",
        ),
        DatasetKind::FashionMnist => (
            load_mnist_dir(dir, Split::Train)?,
            load_mnist_dir(dir, Split::Test)?,
            "Fashion-MNIST",
        ),
        DatasetKind::Cifar10 => (
            load_cifar10_dir(dir, Split::Train)?,
            load_cifar10_dir(dir, Split::Test)?,
            "CIFAR-10",
        ),
    };
    Ok((train, test, format!("{name} ({})", dir.display())))
}

/// The `--model` network, or a new one trained on `train`.
fn network(args: &Args, train: &Dataset) -> Result<Mlp> {
    if let Some(path) = &args.model {
        let mlp = Mlp::load_safetensors(path, args.act)?;
        let sizes = mlp.sizes();
        if sizes.first() != Some(&train.inputs().ncols()) || sizes.last() != Some(&train.num_classes()) {
            return Err(format!(
                "`{}` maps {:?} but the data have {} inputs and {} classes",
                path.display(),
                sizes,
                train.inputs().ncols(),
                train.num_classes()
            )
            .into());
        }
        return Ok(mlp);
    }
    let mut sizes = vec![train.inputs().ncols()];
    sizes.extend(&args.hidden);
    sizes.push(train.num_classes());
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut mlp = Mlp::new(&sizes, args.act, Init::for_activation(args.act), &mut rng)?;
    let config = TrainConfig {
        epochs: args.epochs,
        seed: args.seed,
        ..TrainConfig::default()
    };
    let bar = bars::bar("train", args.epochs);
    mlp.train(train, &config, &mut |r| {
        bar.set_position(r.epoch as u64);
        bar.set_message(format!("loss {:.4}, accuracy {:.4}", r.train_loss, r.train_accuracy));
    })?;
    bar.finish_and_clear();
    Ok(mlp)
}
