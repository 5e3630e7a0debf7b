//! Cumulative ablation of a saved model on MNIST-format data, to a CSV curve.
//!
//! ```text
//! cargo run --release --example ablate -- --model M.safetensors --act relu|tanh|sigmoid --data DIR \
//!     [--analysis train|test] [--eval test|train] \
//!     (--ranking RANKING.csv | --measure entropy|mutual_info|kl_selectivity|csi|random \
//!      --order ascending|descending [--quantizer Q --bins B --threshold T] [--seed S]) \
//!     --scope layer:L|global [--value zero|mean] --out CURVE.csv
//! ```
//!
//! `M.safetensors` uses PyTorch's `nn.Sequential` naming; `DIR` holds the four
//! MNIST-format IDX files; layers are numbered from 0 (the first hidden
//! layer). `--ranking` gives the order explicitly (CSV `layer,neuron`, first
//! row ablated first); otherwise the scores are computed on the analysis
//! split. The output has the columns `k,fraction,accuracy,loss`, every `k`.

use std::collections::HashMap;
use std::process::ExitCode;

use infoablate::ablation::{AblationSchedule, Engine, NeuronValues, Order, Replacement, Schedule, Scope};
use infoablate::data::{Split, load_mnist_dir};
use infoablate::measures::{MeasureSettings, Quantizer, analyze};
use infoablate::network::{Activation, Mlp, Network};
use infoablate::record::{DenseRecorder, record};

const FLAGS: [&str; 14] = [
    "--model",
    "--act",
    "--data",
    "--analysis",
    "--eval",
    "--ranking",
    "--measure",
    "--order",
    "--quantizer",
    "--bins",
    "--threshold",
    "--seed",
    "--scope",
    "--value",
];

fn parse_args() -> Result<HashMap<String, String>, String> {
    let mut args = std::env::args().skip(1);
    let mut map = HashMap::new();
    while let Some(flag) = args.next() {
        if !FLAGS.contains(&flag.as_str()) && flag != "--out" {
            return Err(format!("unknown option `{flag}` (see the example's documentation)"));
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        map.insert(flag, value);
    }
    Ok(map)
}

fn split(name: &str) -> Result<Split, String> {
    match name {
        "train" => Ok(Split::Train),
        "test" => Ok(Split::Test),
        other => Err(format!("`{other}`: expected train or test")),
    }
}

fn parse<T: std::str::FromStr>(flag: &str, value: Option<&String>) -> Result<Option<T>, String> {
    value
        .map(|v| v.parse().map_err(|_| format!("{flag} `{v}` is not a valid number")))
        .transpose()
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let required = |flag: &str| args.get(flag).ok_or(format!("{flag} is required"));
    let activation: Activation = required("--act")?
        .parse()
        .map_err(|e: infoablate::network::NetworkError| e.to_string())?;
    let mlp = Mlp::load_safetensors(required("--model")?, activation).map_err(|e| e.to_string())?;
    let data = required("--data")?;
    let analysis_split = split(args.get("--analysis").map_or("train", String::as_str))?;
    let eval =
        load_mnist_dir(data, split(args.get("--eval").map_or("test", String::as_str))?).map_err(|e| e.to_string())?;
    let scope = match required("--scope")?.as_str() {
        "global" => Scope::Global,
        s => Scope::Layer(
            s.strip_prefix("layer:")
                .and_then(|l| l.parse().ok())
                .ok_or(format!("--scope `{s}`: expected layer:L or global"))?,
        ),
    };
    let value = args.get("--value").map_or("zero", String::as_str);
    let needs_analysis = value == "mean" || (args.contains_key("--measure") && args["--measure"] != "random");
    let recording = if needs_analysis {
        let analysis = load_mnist_dir(data, analysis_split).map_err(|e| e.to_string())?;
        let recorder = DenseRecorder::all(mlp.num_hidden()).map_err(|e| e.to_string())?;
        Some(record(&mlp, &analysis, recorder, 1000, &mut |_| {}).map_err(|e| e.to_string())?)
    } else {
        None
    };
    let replacement = match (value, &recording) {
        ("zero", _) => Replacement::Zero,
        ("mean", Some(rec)) => Replacement::Mean(NeuronValues::means_of(rec)),
        (other, _) => return Err(format!("--value `{other}`: expected zero or mean")),
    };
    let schedule: Schedule = match (args.get("--ranking"), args.get("--measure")) {
        (Some(path), None) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
            let mut lines = text.lines();
            if lines.next().map(str::trim) != Some("layer,neuron") {
                return Err(format!("`{path}`: the header must be `layer,neuron`"));
            }
            let neurons = lines
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(row, line)| {
                    let parsed = line
                        .split_once(',')
                        .and_then(|(l, n)| Some((l.trim().parse().ok()?, n.trim().parse().ok()?)));
                    parsed.ok_or(format!(
                        "`{path}` row {}: expected `layer,neuron`, got `{line}`",
                        row + 2
                    ))
                })
                .collect::<Result<Vec<(usize, usize)>, String>>()?;
            Schedule::explicit(neurons)
        }
        (None, Some(measure)) if measure == "random" => {
            Schedule::random(parse("--seed", args.get("--seed"))?.unwrap_or(0), scope)
        }
        (None, Some(measure)) => {
            let order = match required("--order")?.as_str() {
                "ascending" => Order::Ascending,
                "descending" => Order::Descending,
                other => return Err(format!("--order `{other}`: expected ascending or descending")),
            };
            let quantizer = Quantizer::from_options(
                args.get("--quantizer").map_or("binary", String::as_str),
                parse("--bins", args.get("--bins"))?,
                parse("--threshold", args.get("--threshold"))?,
            )
            .map_err(|e| e.to_string())?;
            let rec = recording.as_ref().ok_or("no analysis recording")?;
            let scores = analyze(rec, &MeasureSettings::new(quantizer), Some(&mlp)).map_err(|e| e.to_string())?;
            Schedule::by_measure(&scores, measure, order, scope).map_err(|e| e.to_string())?
        }
        _ => return Err("give exactly one of --ranking and --measure".into()),
    };
    if args.contains_key("--ranking") && scope != Scope::Global && schedule.scope() != scope {
        return Err(format!("the ranking's neurons are not all in --scope {scope}"));
    }
    schedule.neurons(&mlp.hidden_widths()).map_err(|e| e.to_string())?;
    let engine = Engine::new(&mlp, &eval)
        .map_err(|e| e.to_string())?
        .replacement(replacement);
    let curve = engine.run(&schedule).map_err(|e| e.to_string())?;
    let out = required("--out")?;
    std::fs::write(out, curve.to_csv()).map_err(|e| format!("cannot write `{out}`: {e}"))?;
    eprintln!(
        "{} curve, {} neurons, {} replacement: accuracy {:.4} → {:.4}, AUC {:.4}; written to {out}",
        curve.label.measure,
        curve.label.neurons,
        curve.label.replacement,
        curve.points[0].accuracy,
        curve.points[curve.points.len() - 1].accuracy,
        curve.auc()
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
