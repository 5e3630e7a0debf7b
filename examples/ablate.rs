//! Cumulative ablation of a saved model, to a CSV curve.
//!
//! ```text
//! cargo run --release --example ablate -- --model M.safetensors [--act ACT [--force-act]] \
//!     [--layers fc1,fc2,fc3] [--expect-accuracy 0.93±0.01] \
//!     [--data DIR [--dataset mnist|fashion-mnist|cifar10] | --inputs X.npy --labels Y.npy \
//!      [--test-inputs XT.npy --test-labels YT.npy]] [--normalize MEAN,STD] \
//!     [--analysis train|test|validation] [--eval test|train|validation] [--validation N] \
//!     (--ranking RANKING.csv | --scores SCORES.csv --measure M --order O \
//!      | --measure entropy|mutual_info|kl_selectivity|csi|random \
//!      --order ascending|descending [--quantizer Q --bins B --threshold T] [--seed S]) \
//!     --scope layer:L|global [--value zero|mean] --out CURVE.csv
//! ```
//!
//! `M.safetensors` uses PyTorch's `nn.Sequential` naming (or names its
//! layers with `--layers`); its activation is the one it records, or
//! `--act`; its recorded input normalisation applies unless `--normalize`
//! names the same one. The data are the
//! shipped MNIST sample, a directory (`--data`) or `.npy` arrays
//! (`--inputs`, whose "train" split is the given samples and "test" split
//! `--test-inputs` or a held-out part); layers are numbered from 0 (the
//! first hidden layer). `--ranking` gives the order explicitly (CSV
//! `layer,neuron`, more columns ignored, first row ablated first);
//! `--scores` orders by a column of `analyze`'s output
//! (`layer,neuron,entropy,mutual_info,…`); otherwise the scores are computed
//! on the analysis split. The output has the columns `k,fraction,accuracy,loss`, every `k`;
//! `fraction` is `k` over the neurons of the scope (the ranking's layer, or
//! all hidden neurons when it spans layers), so a partial ranking ends below 1.

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/data.rs"]
mod data;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/model.rs"]
mod model;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/progress.rs"]
mod progress;
#[path = "common/ranking.rs"]
mod ranking;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Parser, ValueEnum};
use infoablate::ablation::{
    AblationSchedule, Engine, MeanRecorder, NeuronValues, Order, Replacement, Schedule, Scope, evaluate,
};
use infoablate::measures::{MeasureSettings, Quantizer, analyze};
use infoablate::network::Network;

/// A split of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SplitArg {
    /// The training files (`--inputs`).
    Train,
    /// The test files (`--test-inputs`, or the part held out of `--inputs`).
    Test,
    /// The validation images the `paper` example holds out of the training
    /// files as its analysis set: `--validation` of them (default a fifth,
    /// at most 10,000), stratified, drawn with `--seed` — so that `ablate`
    /// reproduces `paper`'s curves on the same model.
    Validation,
}

/// Ranking direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OrderArg {
    /// Lowest score first.
    Ascending,
    /// Highest score first.
    Descending,
}

/// Replacement value of an ablated neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ValueArg {
    /// Zero.
    Zero,
    /// The neuron's mean on the analysis split.
    Mean,
}

/// Cumulative ablation of a saved model, to a CSV curve `k,fraction,accuracy,loss`.
#[derive(Debug, Parser)]
#[command(mut_arg("model", |a| a.required(true)))]
#[command(group(ArgGroup::new("order_from").required(true).args(["ranking", "measure"])))]
struct Args {
    /// The model and how to load it.
    #[command(flatten)]
    model: model::ModelArgs,
    /// The data.
    #[command(flatten)]
    data: data::DataArgs,
    /// Split the scores and mean values are estimated on.
    #[arg(long, value_enum, default_value = "train")]
    analysis: SplitArg,
    /// Split the curve is scored on.
    #[arg(long, value_enum, default_value = "test")]
    eval: SplitArg,
    /// Size of the `validation` split (default: a fifth of the training
    /// images, at most 10,000, as `paper`).
    #[arg(long)]
    validation: Option<usize>,
    /// CSV `layer,neuron` giving the order explicitly (first row ablated first).
    #[arg(long, conflicts_with_all = ["measure", "scores"])]
    ranking: Option<PathBuf>,
    /// `analyze`'s CSV (`layer,neuron,entropy,mutual_info,…`): order by its `--measure` column.
    #[arg(long, requires_all = ["measure", "order"])]
    scores: Option<PathBuf>,
    /// entropy, mutual_info, kl_selectivity, csi (each with --order) or
    /// random (with --seed).
    #[arg(long)]
    measure: Option<String>,
    /// Ranking direction of a measure: ascending or descending (required
    /// with every --measure but random).
    #[arg(long, value_enum, required_if_eq_any = [
        ("measure", "entropy"), ("measure", "mutual_info"), ("measure", "kl_selectivity"), ("measure", "csi"),
    ])]
    order: Option<OrderArg>,
    /// The quantizer of the measures.
    #[command(flatten)]
    quantizer: cli::QuantizerArgs,
    /// Seed of the random order (and of a held-out test split of `--inputs`).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// `layer:L` (from 0, the first hidden layer) or `global`.
    #[arg(long, value_parser = parse_scope)]
    scope: Scope,
    /// Replacement value.
    #[arg(long, value_enum, default_value = "zero")]
    value: ValueArg,
    /// Output CSV.
    #[arg(long)]
    out: PathBuf,
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    match text {
        "global" => Ok(Scope::Global),
        s => s
            .strip_prefix("layer:")
            .and_then(|l| l.parse().ok())
            .map(Scope::Layer)
            .ok_or(format!("`{s}`: expected layer:L or global")),
    }
}

fn run(args: &Args) -> cli::Result<()> {
    let (mlp, metadata) = args.model.load()?.ok_or("--model is required")?;
    let recorded = model::recorded_normalize(&metadata)?;
    let scored = args.scores.is_none() && args.measure.as_deref().is_some_and(|m| m != "random");
    let analysed = args.value == ValueArg::Mean || scored;
    // The training files are read only when a split that needs them is used.
    let needs_train = |s: SplitArg| s != SplitArg::Test;
    let (train, test) = if needs_train(args.eval) || (analysed && needs_train(args.analysis)) {
        let loaded = args.data.load_for_model(args.seed, recorded)?;
        (Some(loaded.train), loaded.test)
    } else {
        (None, args.data.load_test_for_model(args.seed, recorded)?)
    };
    let validation = match &train {
        Some(train) if args.eval == SplitArg::Validation || args.analysis == SplitArg::Validation => {
            Some(data::hold_out_validation(train, args.validation, args.seed)?.1)
        }
        _ => None,
    };
    let split = |s: SplitArg| match s {
        SplitArg::Train => train.as_ref().ok_or("the training split was not loaded"),
        SplitArg::Test => Ok(&test),
        SplitArg::Validation => validation.as_ref().ok_or("the validation split was not drawn"),
    };
    let eval = split(args.eval)?;
    if args.model.expect_accuracy.is_some() {
        args.model.check_accuracy(evaluate(&mlp, eval, 1000)?.accuracy)?;
    }
    // The outputs are recorded only for the measures; the means alone are
    // summed batch by batch.
    let recording = if scored {
        Some(progress::record_all(&mlp, split(args.analysis)?)?)
    } else {
        None
    };
    let replacement = match (&recording, args.value) {
        (_, ValueArg::Zero) => Replacement::Zero,
        (Some(rec), ValueArg::Mean) => Replacement::Mean(NeuronValues::means_of(rec)),
        (None, ValueArg::Mean) => {
            let all: Vec<usize> = (0..mlp.num_hidden()).collect();
            let means = progress::record_into(&mlp, split(args.analysis)?, MeanRecorder::new(&all)?)?;
            Replacement::Mean(means)
        }
    };
    let order = match args.order {
        Some(OrderArg::Ascending) => Order::Ascending,
        _ => Order::Descending,
    };
    let schedule = match (&args.ranking, args.measure.as_deref(), &recording) {
        (None, Some(measure), _) if args.scores.is_some() => {
            let path = args.scores.as_deref().ok_or("--scores")?;
            let per_layer = ranking::read_scores(path, measure)?;
            if per_layer.len() != mlp.num_hidden() {
                return Err(format!(
                    "`{}` scores {} layers but the model has {} hidden layers",
                    path.display(),
                    per_layer.len(),
                    mlp.num_hidden()
                )
                .into());
            }
            Schedule::by_scores(measure, per_layer, order, args.scope)
        }
        (Some(path), _, _) => {
            let schedule = Schedule::explicit(ranking::read_ranking(path)?);
            if args.scope != Scope::Global && schedule.scope() != args.scope {
                return Err(format!("the ranking's neurons are not all in --scope {}", args.scope).into());
            }
            schedule
        }
        (None, Some("random"), _) => Schedule::random(args.seed, args.scope),
        (None, Some(measure), Some(rec)) => {
            // The paper's quantizer for the model's activation (0.5 for sigmoid, 0 otherwise).
            let quantizer = args.quantizer.quantizer(Quantizer::for_activation(mlp.activation()))?;
            let scores = analyze(rec, &MeasureSettings::new(quantizer), Some(&mlp))?;
            Schedule::by_measure(&scores, measure, order, args.scope)?
        }
        _ => return Err("give exactly one of --ranking and --measure".into()),
    };
    let widths = mlp.hidden_widths();
    let ranked = schedule.neurons(&widths)?.len();
    let scope_size = schedule.scope().neurons(&widths)?.len();
    if ranked < scope_size {
        eprintln!(
            "note: the order covers {ranked} of the {scope_size} neurons of {}: the curve stops at k = {ranked}, \
             fraction {:.3}, and its AUC covers that part only",
            schedule.scope(),
            ranked as f64 / scope_size as f64
        );
    }
    let curve = Engine::new(&mlp, eval)?.replacement(replacement).run(&schedule)?;
    let out = &args.out;
    infoablate::atomic_file::write(out, curve.to_csv())?;
    eprintln!(
        "{} curve, {} neurons, {} replacement: accuracy {:.4} → {:.4}, AUC {:.4}; written to {}",
        curve.label.measure,
        curve.label.neurons,
        curve.label.replacement,
        curve.points[0].accuracy,
        curve.points[curve.points.len() - 1].accuracy,
        curve.auc(),
        out.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}
