//! Reproduce Amjad, Liu & Geiger's study on one network: train it (or load
//! it), hold out a validation split as the analysis set, score every hidden
//! neuron, ablate cumulatively per layer and across the network in every
//! measure's two orders beside a random band, and write CSV, JSON, SVG
//! figures and a Markdown summary.
//!
//! ```text
//! cargo run --release --example paper -- [--data DIR] [--dataset mnist|fashion-mnist|cifar10] \
//!     [--inputs X.npy --labels Y.npy [--test-inputs XT.npy --test-labels YT.npy]] [--normalize MEAN,STD] \
//!     [--act ACT] [--hidden 100,100,100] [--epochs E] \
//!     [--model M.safetensors [--force-act] [--layers fc1,fc2,fc3]] [--expect-accuracy 0.93±0.01] \
//!     [--quantizer Q [--bins B] [--threshold T]] [--value zero|mean] [--seeds R] [--out OUTDIR] \
//!     [--pairs [--pair-shuffles S]]
//! ```
//!
//! `--pairs` adds the neuron-pair step (`pairs.rs`): per layer, the PID of
//! every pair, its within-class-shuffle null, the causal pair interaction,
//! their correlations and the pair-ordered curves, in `pairs.md` and `pairs/`.
//!
//! Without `--data` or `--inputs` it runs on the MNIST sample shipped in
//! `data/mnist-sample`. Progress goes to stderr: a bar on a terminal, plain
//! lines with rate and ETA otherwise, and one line per training epoch.
//! `--help` lists every option.

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "../common/cli.rs"]
mod cli;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "../common/data.rs"]
mod data;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "../common/model.rs"]
mod model;
mod pairs;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "../common/progress.rs"]
mod progress;
mod report;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use infoablate::ablation::{
    AblationCurve, CurveIntervals, DEFAULT_RANDOM_ORDERS, Engine, NeuronValues, Order, RandomBand, Replacement,
    Schedule, Scope, evaluate,
};
use infoablate::data::Dataset;
use infoablate::measures::{Bootstrap, MeasureSettings, Quantizer, ScoreIntervals, analyze};
use infoablate::network::{Activation, Init, Mlp, ModelMetadata, Network, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;

use cli::Result;
use progress::Bar;
use report::{Report, Timings};

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
    /// The data.
    #[command(flatten)]
    data: data::DataArgs,
    /// The network to load instead of training one (`--model`), its
    /// activation (`--act`, also that of a trained network: relu by
    /// default), and the accuracy it should reach.
    #[command(flatten)]
    model: model::ModelArgs,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "100,100,100")]
    hidden: Vec<usize>,
    /// Training epochs (Adam, learning rate 1e-3, batch 128).
    #[arg(long, default_value_t = 10)]
    epochs: usize,
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
    /// curves' accuracy, loss and AUC (over the test samples); 0 for none.
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
    /// Also analyse the neuron pairs of every hidden layer: PID maps, their
    /// within-class-shuffle null, the causal pair interaction, and curves
    /// ordered by pairs (`pairs.md` and `pairs/`).
    #[arg(long)]
    pairs: bool,
    /// Null draws of the `--pairs` step.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pair_shuffles: u64,
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
    // Settings (and a model to load) are checked before the long steps.
    let (loaded, metadata) = args.model.load()?.unzip();
    let act = loaded
        .as_ref()
        .map_or(args.model.act.unwrap_or(Activation::Relu), Mlp::activation);
    let recorded = metadata.as_ref().map(model::recorded_normalize).transpose()?.flatten();
    let quantizer = args.quantizer.quantizer(Quantizer::for_activation(act))?;
    let settings = MeasureSettings::new(quantizer).with_variance().with_weight_norms();
    let known: Vec<String> = settings.measures().iter().map(|m| m.name().to_string()).collect();
    let measures = args.measures.clone().unwrap_or_else(|| default_measures(act));
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

    let data::Loaded {
        train: all_train,
        test,
        source,
        short,
        normalize,
    } = args.data.load_for_model(args.seed, recorded)?;
    let (train, analysis) = data::hold_out_validation(&all_train, args.validation, args.seed)?;
    println!(
        "{source}: {} train, {} validation (analysis set), {} test",
        train.len(),
        analysis.len(),
        test.len()
    );
    let out = args.out.clone().unwrap_or_else(|| {
        let value = args
            .value
            .to_possible_value()
            .map_or("value".into(), |v| v.get_name().to_string());
        Path::new("target/paper").join(format!("{short}-{act}-{value}"))
    });
    std::fs::create_dir_all(&out).map_err(|e| infoablate::Error::io("create", &out, e))?;

    let mut timings = Timings::default();
    let clock = Instant::now();
    let mlp = network(args, loaded, act, &train)?;
    timings.train = clock.elapsed().as_secs_f64();
    let model_path = out.join("model.safetensors");
    // The file records the activation and the input normalisation, which a
    // later `--model` load applies.
    let (normalize_mean, normalize_std) = normalize.map(|n| (n.mean().to_vec(), n.std().to_vec())).unzip();
    let metadata = ModelMetadata {
        normalize_mean,
        normalize_std,
        ..ModelMetadata::default()
    };
    mlp.save_safetensors_with(&model_path, "", &metadata)?;
    let base = evaluate(&mlp, &test, 1000)?;
    println!(
        "network {:?} {act}: test accuracy {:.4}, loss {:.4} nats",
        mlp.sizes(),
        base.accuracy,
        base.loss
    );
    args.model.check_accuracy(base.accuracy)?;

    let clock = Instant::now();
    let recording = progress::record_all(&mlp, &analysis)?;
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
    let bar = Bar::new("ablate", scopes.len() * per_scope);
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
                bar.set(done);
            }
        }
        bands.push(engine.random_band(scope, &seeds, None, BAND, &mut bar.follow_from(done))?);
    }
    bar.finish();
    timings.curves = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let report = Report {
        source: &source,
        args: &std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        network: &mlp,
        activation: act,
        epochs: if args.model.model.is_some() { 0 } else { args.epochs },
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
    if args.pairs {
        let clock = Instant::now();
        let inputs = pairs::Inputs {
            recording: &recording,
            quantizer,
            scores: &scores,
            engine: &engine,
            bands: &bands[..mlp.num_hidden()],
            shuffles: usize::try_from(args.pair_shuffles)?,
            seed: args.seed,
        };
        pairs::run(&inputs, &out)?;
        println!("pairs: {:.1} s", clock.elapsed().as_secs_f64());
    }
    // The total printed here includes the pairs; summary.md, written before them, does not.
    println!(
        "wrote {} (train {:.1} s, record {:.1} s, measures {:.1} s, curves {:.1} s, write {:.1} s, total {:.1} s)",
        out.display(),
        timings.train,
        timings.record,
        timings.measures,
        timings.curves,
        timings.write,
        started.elapsed().as_secs_f64()
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

/// The `--model` network `loaded`, checked against the data, or a new one
/// with activation `act` trained on `train`.
fn network(args: &Args, loaded: Option<Mlp>, act: Activation, train: &Dataset) -> Result<Mlp> {
    if let (Some(mlp), Some(path)) = (loaded, &args.model.model) {
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
    let mut mlp = Mlp::new(&sizes, act, Init::for_activation(act), &mut rng)?;
    let config = TrainConfig {
        epochs: args.epochs,
        seed: args.seed,
        ..TrainConfig::default()
    };
    let bar = Bar::new("train", args.epochs);
    mlp.train(train, &config, &mut |r| {
        let line = format!(
            "epoch {}/{}: train loss {:.4} nats, train accuracy {:.4}",
            r.epoch, args.epochs, r.train_loss, r.train_accuracy
        );
        bar.step(r.epoch, &line);
    })?;
    bar.finish();
    Ok(mlp)
}
