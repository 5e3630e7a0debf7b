//! The information plane of every hidden layer over training, for a ReLU and
//! a tanh MLP, with the estimators' pitfalls shown (saturation, the
//! permutation null, `I(X;T)` only under a noise model).
//!
//! ```text
//! cargo run --release --example infoplane -- [--data DIR [--dataset D] | --inputs X.npy --labels Y.npy] \
//!     [--normalize MEAN,STD] [--out DIR] [--epochs E] \
//!     [--hidden 10,7,5,4,3] [--train N] [--analysis N] [--noise-variance S2] \
//!     [--quantizer Q --bins B] [--permutations S] [--lr LR] [--seed SEED] [--act relu,tanh] \
//!     [--pair-threshold T | --no-pairs]
//! ```
//!
//! By default it reads the shipped MNIST sample (`data/mnist-sample`); `--data`
//! names a directory of IDX or CIFAR-10 files (the full data), `--inputs` a
//! `.npy` of any features. It
//! writes `trace_<act>.csv` and `.json`, the information planes
//! (`plane_<act>_entropy.svg`: `H(T)` against `I(T;Y)`; `plane_<act>_kde.svg`:
//! the KDE bound of `I(X;T)` against `I(T;Y)`) and quantities over training,
//! among them each layer's mean pairwise redundancy and synergy (Williams–Beer
//! closed forms, neurons binarized at `--pair-threshold`, default 0: active /
//! inactive for ReLU, the sign for tanh; `--no-pairs` skips them).

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/data.rs"]
mod data;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/progress.rs"]
mod progress;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use cli::Result;
use infoablate::ablation::evaluate;
use infoablate::data::{Dataset, stratified_split, stratified_subsample};
use infoablate::infoplane::{InfoPlaneObserver, InfoPlaneSettings, InfoPlaneTrace};
use infoablate::measures::Quantizer;
use infoablate::network::{Activation, EpochReport, Init, Mlp, Optimizer, TrainConfig, TrainObserver};
use infoablate::plot::{LayerQuantity, information_plane, layer_quantity_over_training};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;

/// The information plane over training for ReLU and tanh MLPs.
#[derive(Debug, Parser)]
struct Args {
    /// The data.
    #[command(flatten)]
    data: data::DataArgs,
    /// Output directory.
    #[arg(long, default_value = "target/infoplane")]
    out: PathBuf,
    /// Training epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,7,5,4,3")]
    hidden: Vec<usize>,
    /// Training samples (a stratified subsample; 0 for all but the analysis set).
    #[arg(long, default_value_t = 0)]
    train: usize,
    /// Analysis samples, held out from the training data.
    #[arg(long, default_value_t = 1000)]
    analysis: usize,
    /// σ² of the Gaussian noise model of I(X;T); 0 for no I(X;T).
    #[arg(long, default_value_t = 0.1)]
    noise_variance: f64,
    /// The per-neuron quantizer (default: equal-width, 8 bins).
    #[command(flatten)]
    quantizer: cli::QuantizerArgs,
    /// Label permutations of the I(T;Y) null.
    #[arg(long, default_value_t = 20)]
    permutations: usize,
    /// SGD learning rate (momentum 0.9).
    #[arg(long, default_value_t = 0.01)]
    lr: f32,
    /// Minibatch size.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Seed of the initialisation, the split and the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Hidden activations to train, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "relu,tanh")]
    act: Vec<Activation>,
    /// The threshold of the binary quantizer of the pair measures.
    #[arg(long, default_value_t = 0.0)]
    pair_threshold: f64,
    /// No pairwise redundancy and synergy.
    #[arg(long)]
    no_pairs: bool,
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}

fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    let data::Loaded {
        train: all_train,
        test,
        source,
        ..
    } = args.data.load(args.seed)?;
    let (rest, analysis) = stratified_split(&all_train, args.analysis, args.seed)?;
    let train = match args.train {
        0 => rest,
        n => stratified_subsample(&rest, n, args.seed)?,
    };
    let settings = InfoPlaneSettings {
        // 8 bins (not the library's 30) keep the narrow layers' codewords
        // below saturation at N = 1000.
        quantizer: args.quantizer.quantizer(Quantizer::equal_width(8)?)?,
        permutations: args.permutations,
        noise_variance: (args.noise_variance != 0.0).then_some(args.noise_variance),
        seed: args.seed,
        pairs: if args.no_pairs {
            None
        } else {
            Some(Quantizer::binary(args.pair_threshold)?)
        },
        ..InfoPlaneSettings::default()
    };
    settings.validate()?;
    if args.hidden.is_empty() || args.hidden.contains(&0) {
        return Err(format!("--hidden {:?}: give positive widths", args.hidden).into());
    }
    println!(
        "{}: {} train, {} analysis (held out), {} test; hidden {:?}; {} epochs of SGD (lr {}, momentum 0.9, batch {})",
        source,
        train.len(),
        analysis.len(),
        test.len(),
        args.hidden,
        args.epochs,
        args.lr,
        args.batch_size
    );
    println!(
        "estimates: {} per neuron fitted at every epoch, {} permutations, noise σ² {}",
        settings.quantizer,
        settings.permutations,
        settings.noise_variance.map_or("none".to_string(), |v| v.to_string())
    );
    fs::create_dir_all(&args.out).map_err(|e| infoablate::Error::io("create", &args.out, e))?;
    for &activation in &args.act {
        let trace = train_one(args, activation, &train, &analysis, &test, &settings)?;
        write_outputs(&args.out, activation, &trace)?;
    }
    println!(
        "\nwrote {} in {:.1} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// An observer that also logs each epoch's loss and accuracy on stderr.
struct Logged<'a, O> {
    inner: &'a mut O,
    bar: &'a progress::Bar,
    epochs: usize,
}

impl<O: TrainObserver> TrainObserver for Logged<'_, O> {
    fn every_steps(&self) -> Option<usize> {
        self.inner.every_steps()
    }

    fn at_step(&mut self, network: &Mlp, epoch: usize, step: usize) -> infoablate::Result<()> {
        self.inner.at_step(network, epoch, step)
    }

    fn at_epoch(&mut self, network: &Mlp, report: &EpochReport, step: usize) -> infoablate::Result<()> {
        self.inner.at_epoch(network, report, step)?;
        let line = format!(
            "epoch {}/{}: train loss {:.4} nats, train accuracy {:.4}",
            report.epoch, self.epochs, report.train_loss, report.train_accuracy
        );
        self.bar.step(report.epoch, &line);
        Ok(())
    }
}

fn train_one(
    args: &Args,
    activation: Activation,
    train: &Dataset,
    analysis: &Dataset,
    test: &Dataset,
    settings: &InfoPlaneSettings,
) -> Result<InfoPlaneTrace> {
    let mut sizes = vec![train.num_features()];
    sizes.extend(&args.hidden);
    sizes.push(train.num_classes());
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut mlp = Mlp::new(&sizes, activation, Init::for_activation(activation), &mut rng)?;
    let config = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        optimizer: Optimizer::Sgd {
            lr: args.lr,
            momentum: 0.9,
        },
        seed: args.seed,
        ..TrainConfig::default()
    };
    let mut observer = InfoPlaneObserver::new(analysis, settings.clone())?;
    observer.observe(&mlp, 0, 0)?;
    let timer = Instant::now();
    let bar = progress::Bar::new("train", args.epochs);
    mlp.train_observed(
        train,
        &config,
        &mut Logged {
            inner: &mut observer,
            bar: &bar,
            epochs: args.epochs,
        },
    )?;
    bar.finish();
    let base = evaluate(&mlp, test, 1000)?;
    println!(
        "\n{activation}: test accuracy {:.4} after {} epochs ({:.1} s with the observer)",
        base.accuracy,
        args.epochs,
        timer.elapsed().as_secs_f64()
    );
    let trace = observer.into_trace();
    println!("epoch layer   H(T)  H_MM(T)  I(T;Y)  I_MM   I-null  p     D/N   TC     ΣI_i   I(X;T)");
    for snap in &trace.snapshots {
        for l in &snap.layers {
            let null = l.null.as_ref();
            println!(
                "{:>5} {:>5} {:>7.3} {:>7.3} {:>6.3} {:>6.3} {:>6.3} {:>5.3} {:>5.3}{} {:>6.3} {:>6.3} {:>6.3}",
                snap.epoch,
                l.layer,
                l.entropy,
                l.entropy_mm,
                l.mutual_info,
                l.mutual_info_mm,
                null.map_or(f64::NAN, |n| n.debiased),
                null.map_or(f64::NAN, |n| n.p_value),
                l.distinct_fraction,
                if l.saturated { "*" } else { " " },
                l.total_correlation,
                l.sum_neuron_mi,
                l.input_info.map_or(f64::NAN, |i| i.upper_bound),
            );
        }
    }
    println!(
        "(* saturated: distinct codewords / N above {})",
        settings.saturation_threshold
    );
    print_compression(&trace);
    Ok(trace)
}

/// Fraction of its largest value at which a layer's `I(T;Y)` counts as fitted.
const FITTED: f64 = 0.95;

/// Per layer: `H(T)` at the start, at the end of fitting (the first snapshot
/// whose `I(T;Y)` reaches 95 % of the layer's largest) and at the end. A
/// compression phase is an `H(T)` that falls after fitting in a layer that is
/// not saturated.
fn print_compression(trace: &InfoPlaneTrace) {
    println!("layer | H(T): start  fitted (epoch)  end  end−fitted | I(T;Y): start  end | saturated at end");
    let Some(first) = trace.snapshots.first() else { return };
    for (j, start) in first.layers.iter().enumerate() {
        let path: Vec<_> = trace
            .snapshots
            .iter()
            .filter_map(|s| Some((s.epoch, s.layers.get(j)?)))
            .collect();
        let best = path
            .iter()
            .map(|(_, l)| l.mutual_info)
            .fold(f64::NEG_INFINITY, f64::max);
        let Some(&(fit_epoch, fitted)) = path.iter().find(|(_, l)| l.mutual_info >= FITTED * best) else {
            continue;
        };
        let end = path.last().map_or(start, |(_, l)| l);
        println!(
            "{:>5} | {:>11.3} {:>7.3} ({:>3}) {:>6.3} {:>+9.3} | {:>13.3} {:>5.3} | {}",
            start.layer,
            start.entropy,
            fitted.entropy,
            fit_epoch,
            end.entropy,
            end.entropy - fitted.entropy,
            start.mutual_info,
            end.mutual_info,
            end.saturated
        );
    }
}

fn write_outputs(out: &Path, activation: Activation, trace: &InfoPlaneTrace) -> Result<()> {
    let write = |name: String, text: &str| infoablate::atomic_file::write(out.join(name), text);
    write(format!("trace_{activation}.csv"), &trace.to_csv())?;
    write(format!("trace_{activation}.json"), &trace.to_json()?)?;
    let planes = [("entropy", LayerQuantity::Entropy), ("kde", LayerQuantity::InputInfo)];
    for (name, x) in planes {
        if x == LayerQuantity::InputInfo && trace.settings.noise_variance.is_none() {
            continue;
        }
        let title = format!("{activation}: information plane over training");
        write(
            format!("plane_{activation}_{name}.svg"),
            &information_plane(&title, trace, x, LayerQuantity::MutualInfo)?.svg()?,
        )?;
    }
    let over = [
        ("mutual_info", LayerQuantity::MutualInfo),
        ("mutual_info_debiased", LayerQuantity::MutualInfoDebiased),
        ("entropy", LayerQuantity::Entropy),
        ("distinct_fraction", LayerQuantity::DistinctFraction),
        ("total_correlation", LayerQuantity::TotalCorrelation),
        ("neuron_mean_mutual_info", LayerQuantity::NeuronMean("mutual_info")),
        ("neuron_mean_csi", LayerQuantity::NeuronMean("csi")),
        ("pair_mean_red_wb", LayerQuantity::PairMean("red_wb")),
        ("pair_mean_synergy_wb", LayerQuantity::PairMean("synergy_wb")),
        (
            "pair_mean_interaction_info",
            LayerQuantity::PairMean("interaction_info"),
        ),
    ];
    for (name, quantity) in over {
        if matches!(quantity, LayerQuantity::PairMean(_)) && trace.settings.pairs.is_none() {
            continue;
        }
        let title = format!("{activation}: {name} over training");
        write(
            format!("{name}_{activation}.svg"),
            &layer_quantity_over_training(&title, trace, quantity)?.svg()?,
        )?;
    }
    Ok(())
}
