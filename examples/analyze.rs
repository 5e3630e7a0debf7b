//! Scores the neurons of activations recorded anywhere, or recorded here
//! from a saved model.
//!
//! ```text
//! cargo run --release --example analyze -- \
//!     (--acts ACTS.npy|ACTS.npz | --model M.safetensors --act relu|tanh|sigmoid --inputs X.npy \
//!      [--normalize MEAN,STD]) --labels LABELS.npy \
//!     [--quantizer binary|equal-width|zero-equal-width|equal-frequency] [--bins B] \
//!     [--threshold T] [--units bits|nats] [--miller-madow] --out SCORES.csv
//! ```
//!
//! `ACTS.npy` is one layer (layer 0); `ACTS.npz` holds every hidden layer,
//! `np.savez(path, h0=…, h1=…)` (layers by number) or named arrays (layers
//! in the archive's order, which is the order of `np.savez`'s keywords).
//! Writes `layer,neuron,entropy,mutual_info,kl_selectivity,csi`, one row per
//! neuron in layer and index order, in full precision: a valid `ablate
//! --ranking` once sorted, and `ablate --scores` reads it as it is. Bad input
//! gives one `error: …` line on stderr and exit status 1 (2 for a bad argument).

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/progress.rs"]
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use infoablate::data::{Dataset, Normalize};
use infoablate::measures::{Estimator, MeasureSettings, Quantizer, Units, analyze};
use infoablate::network::{Activation, Mlp, Network};
use infoablate::record::Recording;

/// Units of the information measures.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum UnitsArg {
    /// Base-2 logarithms.
    Bits,
    /// Natural logarithms.
    Nats,
}

/// Scores every neuron (column) of ACTS (2-D float16/float32/float64 .npy, samples × neurons, or
/// an .npz of such arrays, one per layer) or of a model's hidden layers on INPUTS, against LABELS
/// (1-D uint8/int32/int64 .npy), and writes layer,neuron,entropy,mutual_info,kl_selectivity,csi.
#[derive(Debug, Parser)]
struct Args {
    /// Activations: a .npy (one layer, samples × neurons) or an .npz (arrays h0, h1, … or named
    /// arrays in order).
    #[arg(long, required_unless_present = "model", conflicts_with = "model")]
    acts: Option<PathBuf>,
    /// Read raw 2-byte activations (dtype '<V2', what np.save writes for ml_dtypes.bfloat16) as
    /// bfloat16.
    #[arg(long, requires = "acts")]
    bf16: bool,
    /// Record the activations of this model (`nn.Sequential` safetensors) on `--inputs`.
    #[arg(long, requires_all = ["act", "inputs"])]
    model: Option<PathBuf>,
    /// The model's hidden activation.
    #[arg(long, requires = "model")]
    act: Option<Activation>,
    /// The model's inputs: a 2-D float .npy, samples × features.
    #[arg(long, requires = "model")]
    inputs: Option<PathBuf>,
    /// Per-channel normalisation of `--inputs`: `MEAN,STD` or `M1,…,MC:S1,…,SC`.
    #[arg(long, requires = "inputs", value_parser = cli::normalize, allow_hyphen_values = true)]
    normalize: Option<Normalize>,
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
    let recording = recording(args)?;
    let scores = analyze(&recording, &settings, None)?;
    scores.save_csv(&args.out, None)?;
    let widths: Vec<usize> = recording.iter().map(|(_, a)| a.ncols()).collect();
    eprintln!(
        "layers of {widths:?} neurons x {} samples, {} classes, {}: wrote {}",
        scores.num_samples(),
        scores.num_classes(),
        scores.quantizer(),
        args.out.display()
    );
    Ok(())
}

/// The activations: read from `--acts`, or recorded from `--model` on `--inputs`.
fn recording(args: &Args) -> cli::Result<Recording> {
    if let Some(acts) = &args.acts {
        return cli::read_activations(acts, &args.labels, args.bf16);
    }
    let (Some(model), Some(act), Some(inputs)) = (&args.model, args.act, &args.inputs) else {
        return Err("give --acts, or --model with --act and --inputs".into());
    };
    let mlp = Mlp::load_safetensors(model, act)?;
    let mut data = Dataset::from_npy(inputs, &args.labels, Some(mlp.num_classes()))?;
    if let Some(norm) = &args.normalize {
        data = norm.apply(data)?;
    }
    Ok(progress::record_all(&mlp, &data)?)
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}
