//! Redundancy, synergy and partial information decomposition of neuron pairs.
//!
//! ```text
//! cargo run --release --example pairs -- --acts A.npy|A.npz [--layer L] --labels L.npy --quantizer Q \
//!     [--bins B] [--threshold T] (--pairs P.csv | --all) --out OUT.csv [--nats] [--miller-madow] \
//!     [--keep-going]
//! ```
//!
//! `A.npy`: one layer's activations, samples × neurons (float16/32/64), or
//! `A.npz`: every layer's (`h0, h1, …` or named arrays in order), of which
//! `--layer` (default 0) is measured;
//! `L.npy`: integer labels (uint8/int32/int64), at least two classes;
//! `P.csv`: header `i,j`, then one pair a line (0-based neuron indices);
//! `--all`: every pair `i < j`. Writes `i,j,mi_1,mi_2,joint_mi,
//! interaction_info,red_mmi,red_wb,red_broja,red_prec` and then the atoms
//! `unique_1_R,unique_2_R,synergy_R` of each redundancy `R`, one row a pair,
//! in full precision. Bad input gives one `error: …` line on stderr and exit
//! status 1 (2 for a bad argument). A pair whose measures fail (a BROJA or
//! `I_∩^≺` program past its size limit) stops the run, naming the pair; with
//! `--keep-going` it is left out of the CSV, named on stderr (`failed: …`),
//! and the exit status is 3.

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Parser};
use infoablate::measures::{Estimator, LayerQuantizer, Quantizer, Units};
use infoablate::pairs::{OnFailure, PairAnalysis, PairCounts, PairSettings, all_pairs};

/// Measures pairs of neurons (columns) of ACTS against LABELS and writes one CSV row per pair.
#[derive(Debug, Parser)]
#[command(group(ArgGroup::new("which_pairs").required(true).args(["pairs", "all"])))]
struct Args {
    /// Activations, samples × neurons: a .npy, or an .npz of layers.
    #[arg(long)]
    acts: PathBuf,
    /// Read raw 2-byte activations (dtype '<V2', what np.save writes for ml_dtypes.bfloat16) as
    /// bfloat16.
    #[arg(long)]
    bf16: bool,
    /// The layer of an .npz measured (from 0, in the order `analyze` lists).
    #[arg(long, default_value_t = 0)]
    layer: usize,
    /// Class labels, one per sample.
    #[arg(long)]
    labels: PathBuf,
    /// The quantizer.
    #[command(flatten)]
    quantizer: cli::QuantizerArgs,
    /// CSV of pairs: header `i,j`, then one pair a line.
    #[arg(long, conflicts_with = "all")]
    pairs: Option<PathBuf>,
    /// Every pair i < j.
    #[arg(long)]
    all: bool,
    /// Output CSV.
    #[arg(long)]
    out: PathBuf,
    /// Natural logarithms (default: bits).
    #[arg(long)]
    nats: bool,
    /// Miller–Madow mutual-information terms.
    #[arg(long)]
    miller_madow: bool,
    /// Leave out and list the pairs whose measures fail instead of stopping.
    #[arg(long)]
    keep_going: bool,
}

/// The pairs of a CSV file with header `i,j`.
fn read_pairs(path: &Path) -> cli::Result<Vec<(usize, usize)>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, header)) if header.trim().replace(' ', "") == "i,j" => {}
        _ => return Err(format!("`{}`: the first line must be the header `i,j`", path.display()).into()),
    }
    lines
        .map(|(n, line)| {
            let bad = || {
                format!(
                    "`{}` line {}: `{line}` is not a pair `i,j` of neuron indices",
                    path.display(),
                    n + 1
                )
            };
            let (i, j) = line.split_once(',').ok_or_else(bad)?;
            Ok((
                i.trim().parse().map_err(|_| bad())?,
                j.trim().parse().map_err(|_| bad())?,
            ))
        })
        .collect()
}

/// The number of pairs that failed (with `--keep-going`).
fn run(args: &Args) -> cli::Result<usize> {
    let quantizer = args.quantizer.quantizer(Quantizer::binary(0.0)?)?;
    let recording = cli::read_activations(&args.acts, &args.labels, args.bf16)?;
    let acts = recording.layer(args.layer)?;
    let pairs = match &args.pairs {
        Some(path) => read_pairs(path)?,
        None => all_pairs(acts.ncols()),
    };
    let settings = PairSettings {
        units: if args.nats { Units::Nats } else { Units::Bits },
        estimator: if args.miller_madow {
            Estimator::MillerMadow
        } else {
            Estimator::PlugIn
        },
        closed_forms_only: false,
        on_failure: if args.keep_going {
            OnFailure::Record
        } else {
            OnFailure::Stop
        },
    };
    let layer_quantizer = LayerQuantizer::fit(quantizer, acts)?;
    let counts = PairCounts::from_activations(
        acts,
        recording.labels(),
        recording.num_classes(),
        &layer_quantizer,
        &pairs,
    )?;
    let analysis = PairAnalysis::compute(&counts, &settings)?;
    infoablate::atomic_file::write(&args.out, analysis.to_csv())?;
    if let Some(warning) = analysis.sample_size_warning() {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "{} pairs of {} neurons x {} samples, {} classes, {quantizer}: wrote {}",
        pairs.len(),
        acts.ncols(),
        recording.num_samples(),
        recording.num_classes(),
        args.out.display()
    );
    for f in analysis.failures() {
        eprintln!("failed: pair ({}, {}): {}", f.i, f.j, f.error);
    }
    Ok(analysis.failures().len())
}

fn main() -> ExitCode {
    match run(&cli::parse()) {
        Ok(failed) if failed > 0 => ExitCode::from(3),
        result => cli::finish(result.map(|_| ())),
    }
}
