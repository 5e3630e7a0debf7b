//! Train an MLP on the shipped MNIST sample (or the data the options name),
//! record its hidden layers, score every neuron, and ablate them cumulatively.
//!
//! ```text
//! cargo run --release --example quickstart -- [--data DIR [--dataset D] | --inputs X.npy --labels Y.npy \
//!     [--test-inputs XT.npy --test-labels YT.npy]] [--normalize MEAN,STD] [--hidden 100,100,100] \
//!     [--epochs E] [--seed S]
//! ```

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/data.rs"]
mod data;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use infoablate::ablation::{AblationCurve, Engine, Order, Schedule, Scope, evaluate};
use infoablate::data::stratified_split;
use infoablate::measures::{MeasureSettings, Quantizer, analyze};
use infoablate::network::{Activation, Init, Mlp, Network, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};

/// Fractions of a layer ablated at which the curves are printed.
const SHOWN: [f64; 7] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];

/// Trains a ReLU MLP, scores every hidden neuron on a held-out analysis split
/// (binary quantizer, bits) and prints cumulative ablation curves.
#[derive(Debug, Parser)]
struct Args {
    /// The data.
    #[command(flatten)]
    data: data::DataArgs,
    /// Hidden layer widths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "100,100,100")]
    hidden: Vec<usize>,
    /// Training epochs (Adam, learning rate 1e-3, batch 128).
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Seed of the splits, the initialisation and the shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}

fn run(args: &Args) -> cli::Result<()> {
    let started = Instant::now();
    let loaded = args.data.load(args.seed)?;
    let test = loaded.test;
    // The paper estimates the measures on a validation split held out from training.
    let held_out = (loaded.train.len() / 5).min(2000);
    let (train, analysis) = stratified_split(&loaded.train, held_out, args.seed)?;
    println!(
        "{}: {} train, {} analysis (held out), {} test",
        loaded.source,
        train.len(),
        analysis.len(),
        test.len()
    );

    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut sizes = vec![train.num_features()];
    sizes.extend(&args.hidden);
    sizes.push(train.num_classes());
    let mut mlp = Mlp::new(&sizes, Activation::Relu, Init::He, &mut rng)?;
    let config = TrainConfig {
        epochs: args.epochs,
        seed: args.seed,
        ..TrainConfig::default()
    };
    mlp.train(&train, &config, &mut |r| {
        println!(
            "epoch {:>2}: train loss {:.4} nats, train accuracy {:.4}",
            r.epoch, r.train_loss, r.train_accuracy
        );
    })?;
    let base = evaluate(&mlp, &test, 1000)?;
    println!("test accuracy {:.4}, loss {:.4} nats", base.accuracy, base.loss);

    let recording = record(&mlp, &analysis, DenseRecorder::all(mlp.num_hidden())?, 500, &mut |_| {})?;
    for (layer, acts) in recording.iter() {
        let active = acts.iter().filter(|&&v| v > 0.0).count() as f64 / acts.len() as f64;
        let dead = (0..acts.ncols())
            .filter(|&i| acts.column(i).iter().all(|&v| v <= 0.0))
            .count();
        println!(
            "layer {layer}: {} x {} activations recorded, {:.1}% active, {dead} dead neurons",
            acts.nrows(),
            acts.ncols(),
            100.0 * active
        );
    }

    // One bit per neuron (active or not), as in the paper; bits.
    let settings = MeasureSettings::new(Quantizer::for_activation(Activation::Relu));
    let scores = analyze(&recording, &settings, Some(&mlp))?;
    println!("\nmeasures on the analysis set (binary quantizer, bits): min / median / max");
    for s in scores.summary() {
        println!(
            "layer {} {:<15} {:>8.4} {:>8.4} {:>8.4}",
            s.layer, s.measure, s.min, s.median, s.max
        );
    }
    for layer in scores.layers() {
        let top: Vec<String> = scores
            .top_k("mutual_info", layer, 5)?
            .iter()
            .map(|(i, v)| format!("{i} ({v:.3})"))
            .collect();
        println!("layer {layer} highest-MI neurons: {}", top.join(", "));
    }

    println!("\ncumulative ablation (zero), test accuracy at % of the layer ablated:");
    print!("{:<28}", "curve");
    for f in SHOWN {
        print!("{:>7}", format!("{:.0}%", 100.0 * f));
    }
    println!();
    let engine = Engine::new(&mlp, &test)?;
    let seeds: Vec<u64> = (0..10).collect();
    for layer in 0..mlp.num_hidden() {
        for order in [Order::Descending, Order::Ascending] {
            let curve = engine.run(&Schedule::by_measure(
                &scores,
                "mutual_info",
                order,
                Scope::Layer(layer),
            )?)?;
            print_row(&format!("layer {layer} MI {order}"), &curve);
        }
        let band = engine.random_band(Scope::Layer(layer), &seeds, None, (5.0, 95.0), &mut |_| {})?;
        for (name, values) in [
            ("random (mean of 10)", &band.mean_accuracy),
            ("random 5th pct", &band.lower_accuracy),
            ("random 95th pct", &band.upper_accuracy),
        ] {
            print!("{:<28}", format!("layer {layer} {name}"));
            for f in SHOWN {
                let j = band.nearest(f).unwrap_or(0);
                print!("{:>7.3}", values[j]);
            }
            println!();
        }
    }
    println!("\ndone in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn print_row(name: &str, curve: &AblationCurve) {
    print!("{name:<28}");
    for f in SHOWN {
        print!("{:>7.3}", curve.nearest(f).map_or(f64::NAN, |p| p.accuracy));
    }
    println!();
}
