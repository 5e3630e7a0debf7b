//! Reproduce Amjad, Liu & Geiger's study on one network: train it (or load
//! it), hold out a validation split as the analysis set, score every hidden
//! neuron, ablate cumulatively per layer and across the network in every
//! measure's two orders beside a random band, and write CSV, JSON, SVG
//! figures and a Markdown summary.
//!
//! ```text
//! cargo run --release --example paper -- [--data DIR] [--dataset mnist|fashion-mnist|cifar10] \
//!     [--inputs X.npy --labels Y.npy [--test-inputs XT.npy --test-labels YT.npy]] [--normalize MEAN,STD] \
//!     [--act relu|tanh|sigmoid] [--hidden 100,100,100] [--epochs E] [--model M.safetensors] \
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
    AblationSchedule, Engine, NeuronValues, Order, RandomBand, Replacement, Schedule, Scope, evaluate,
};
use infoablate::data::{Dataset, stratified_split};
use infoablate::measures::{MeasureSettings, Quantizer, analyze};
use infoablate::network::{Activation, Init, Mlp, Network, TrainConfig};
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
    /// Random orders in each band.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    seeds: u64,
    /// Measures that order the curves, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "entropy,mutual_info,kl_selectivity,csi"
    )]
    measures: Vec<String>,
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

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}

fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    // Settings are checked before the long steps.
    let quantizer = args.quantizer.quantizer(Quantizer::for_activation(args.act))?;
    let settings = MeasureSettings::new(quantizer).with_variance().with_weight_norms();
    let known: Vec<String> = settings.measures().iter().map(|m| m.name().to_string()).collect();
    if let Some(unknown) = args.measures.iter().find(|m| !known.contains(m)) {
        return Err(format!("--measures: no measure named `{unknown}` (have: {})", known.join(", ")).into());
    }

    let data::Loaded {
        train: all_train,
        test,
        source,
        short,
    } = args.data.load(args.seed)?;
    let held_out = args.validation.unwrap_or((all_train.len() / 5).min(10_000));
    let (train, analysis) = stratified_split(&all_train, held_out, args.seed)?;
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
        Path::new("target/paper").join(format!("{short}-{}-{value}", args.act))
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
    let recording = progress::record_all(&mlp, &analysis)?;
    timings.record = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let scores = analyze(&recording, &settings, Some(&mlp))?;
    timings.measures = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let replacement = match args.value {
        Value::Zero => Replacement::Zero,
        Value::Mean => Replacement::Mean(NeuronValues::means_of(&recording)),
    };
    let engine = Engine::new(&mlp, &test)?.replacement(replacement);
    let scopes: Vec<Scope> = (0..mlp.num_hidden()).map(Scope::Layer).chain([Scope::Global]).collect();
    let seeds: Vec<u64> = (0..args.seeds).collect();
    let per_scope = 2 * args.measures.len() + seeds.len();
    let bar = Bar::new("ablate", scopes.len() * per_scope);
    let mut curves = Vec::new();
    let mut bands: Vec<RandomBand> = Vec::new();
    for (j, &scope) in scopes.iter().enumerate() {
        let mut schedules = Vec::new();
        for measure in &args.measures {
            for order in [Order::Descending, Order::Ascending] {
                schedules.push(Schedule::by_measure(&scores, measure, order, scope)?);
            }
        }
        let refs: Vec<&dyn AblationSchedule> = schedules.iter().map(|s| s as &dyn AblationSchedule).collect();
        let offset = j * per_scope;
        curves.extend(engine.run_many(&refs, &mut bar.follow_from(offset))?);
        let offset = offset + refs.len();
        bands.push(engine.random_band(scope, &seeds, None, BAND, &mut bar.follow_from(offset))?);
    }
    bar.finish();
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
        measures: &args.measures,
        curves: &curves,
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
