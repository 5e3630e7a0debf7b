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
//! stderr and exit status 1.

use std::path::PathBuf;
use std::process::ExitCode;

use infoablate::measures::{Estimator, MeasureSettings, Quantizer, Units, analyze};
use infoablate::record::Recording;

const USAGE: &str = "\
usage: analyze --acts ACTS.npy --labels LABELS.npy --out SCORES.csv [options]

Scores every neuron (column) of ACTS (2-D float32/float64 .npy, samples x neurons)
against LABELS (1-D uint8/int32/int64 .npy) and writes
neuron,entropy,mutual_info,kl_selectivity,csi to SCORES.csv.

options:
  --quantizer Q    binary (default), equal-width, zero-equal-width, equal-frequency
  --bins B         bins of the multi-bin quantizers (default 10)
  --threshold T    threshold of the binary quantizer (default 0; 0.5 for sigmoid)
  --units U        bits (default) or nats
  --miller-madow   Miller-Madow entropy and mutual information; KL selectivity
                   stays plug-in (no Miller-Madow form is defined for it)
  --help           this text";

/// The options that take a value.
const VALUED: [&str; 7] = [
    "--acts",
    "--labels",
    "--out",
    "--quantizer",
    "--bins",
    "--threshold",
    "--units",
];

struct Options {
    acts: PathBuf,
    labels: PathBuf,
    out: PathBuf,
    settings: MeasureSettings,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let (mut acts, mut labels, mut out) = (None, None, None);
    let (mut quantizer, mut bins, mut threshold) = ("binary".to_string(), None, None);
    let (mut units, mut estimator) = (Units::Bits, Estimator::PlugIn);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        if flag == "--miller-madow" {
            estimator = Estimator::MillerMadow;
            continue;
        }
        if !VALUED.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag} (see --help)"));
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value (see --help)"))?;
        match flag.as_str() {
            "--acts" => acts = Some(PathBuf::from(value)),
            "--labels" => labels = Some(PathBuf::from(value)),
            "--out" => out = Some(PathBuf::from(value)),
            "--quantizer" => quantizer = value,
            "--bins" => {
                bins = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("--bins {value}: not a count"))?,
                )
            }
            "--threshold" => {
                threshold = Some(
                    value
                        .parse::<f64>()
                        .map_err(|_| format!("--threshold {value}: not a number"))?,
                )
            }
            "--units" => {
                units = match value.as_str() {
                    "bits" => Units::Bits,
                    "nats" => Units::Nats,
                    _ => return Err(format!("--units {value}: expected bits or nats")),
                }
            }
            _ => unreachable!("flags with a value are listed in VALUED"),
        }
    }
    let quantizer = Quantizer::from_options(&quantizer, bins, threshold).map_err(|e| e.to_string())?;
    let missing = |name: &str| format!("{name} is required (see --help)");
    Ok(Some(Options {
        acts: acts.ok_or_else(|| missing("--acts"))?,
        labels: labels.ok_or_else(|| missing("--labels"))?,
        out: out.ok_or_else(|| missing("--out"))?,
        settings: MeasureSettings::new(quantizer)
            .with_units(units)
            .with_estimator(estimator),
    }))
}

fn run() -> Result<(), String> {
    let Some(options) = parse(std::env::args().skip(1))? else {
        println!("{USAGE}");
        return Ok(());
    };
    let recording = Recording::from_npy(&options.acts, &options.labels).map_err(|e| e.to_string())?;
    let scores = analyze(&recording, &options.settings, None).map_err(|e| e.to_string())?;
    scores.save_csv(&options.out, Some(0)).map_err(|e| e.to_string())?;
    let width = scores.get("entropy", 0).map_err(|e| e.to_string())?.len();
    eprintln!(
        "{width} neurons x {} samples, {} classes, {}: wrote {}",
        scores.num_samples(),
        scores.num_classes(),
        scores.quantizer(),
        options.out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
