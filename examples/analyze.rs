//! Scores the neurons of activations recorded anywhere.
//!
//! ```text
//! cargo run --release --example analyze -- --acts ACTS.npy --labels LABELS.npy \
//!     [--quantizer binary|equal-width|zero-equal-width|equal-frequency] [--bins B] \
//!     [--threshold T] [--units bits|nats] [--miller-madow] --out SCORES.csv
//! ```
//!
//! Writes `neuron,entropy,mutual_info,kl_selectivity,csi`, one row per neuron
//! in index order, in full precision. Bad input gives one `error: …` line on
//! stderr and exit status 1 (2 for a bad argument).

#[path = "common/cli.rs"]
mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use infoablate::measures::{Estimator, MeasureSettings, Quantizer, Units, analyze};
use infoablate::record::Recording;

/// Units of the information measures.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum UnitsArg {
    /// Base-2 logarithms.
    Bits,
    /// Natural logarithms.
    Nats,
}

/// Scores every neuron (column) of ACTS (2-D float32/float64 .npy, samples × neurons) against
/// LABELS (1-D uint8/int32/int64 .npy) and writes neuron,entropy,mutual_info,kl_selectivity,csi.
#[derive(Debug, Parser)]
struct Args {
    /// Activations, samples × neurons.
    #[arg(long)]
    acts: PathBuf,
    /// Class labels, one per sample.
    #[arg(long)]
    labels: PathBuf,
    /// Output CSV.
    #[arg(long)]
    out: PathBuf,
    /// The quantizer of the measures.
    #[command(flatten)]
    quantizer: cli::QuantizerArgs,
    /// Units of entropy, MI and KL selectivity.
    #[arg(long, value_enum, default_value = "bits")]
    units: UnitsArg,
    /// Miller–Madow entropy and mutual information; KL selectivity stays
    /// plug-in (no Miller–Madow form is defined for it).
    #[arg(long)]
    miller_madow: bool,
}

fn run(args: &Args) -> cli::Result<()> {
    let quantizer = args.quantizer.quantizer(Quantizer::binary(0.0)?)?;
    let units = match args.units {
        UnitsArg::Bits => Units::Bits,
        UnitsArg::Nats => Units::Nats,
    };
    let estimator = if args.miller_madow {
        Estimator::MillerMadow
    } else {
        Estimator::PlugIn
    };
    let settings = MeasureSettings::new(quantizer)
        .with_units(units)
        .with_estimator(estimator);
    let recording = Recording::from_npy(&args.acts, &args.labels)?;
    let scores = analyze(&recording, &settings, None)?;
    scores.save_csv(&args.out, Some(0))?;
    let width = scores.get("entropy", 0)?.len();
    eprintln!(
        "{width} neurons x {} samples, {} classes, {}: wrote {}",
        scores.num_samples(),
        scores.num_classes(),
        scores.quantizer(),
        args.out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}
