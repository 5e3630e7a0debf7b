//! Reference values for the Python tests, computed by the crate's own entry
//! points on `.npy` files (no Python involved):
//!
//! ```text
//! cargo run --release -p infoablate-reference -- \
//!     scores ACTS.npy LABELS.npy QUANTIZER BINS|- THRESHOLD|- ESTIMATOR UNITS
//! cargo run --release -p infoablate-reference -- \
//!     curve MODEL.safetensors ACTIVATION X.npy Y.npy SCOPE zero|mean:X_ANALYSIS.npy \
//!     random:SEED|ascending:S0.npy,S1.npy,…|descending:…|explicit:ORDER.npy
//! ```
//!
//! `scores` prints one line per measure, `curve` the lines `k`, `fraction`,
//! `accuracy`, `loss` and `auc`: the name, then the values in shortest
//! round-trip form. Activations and inputs are float32, labels int64,
//! scores float64, an explicit order an `n × 2` int64 array.

#[path = "../../src/options.rs"]
mod options;

use std::error::Error;
use std::path::Path;

use infoablate::ablation::{Engine, MeanRecorder, Replacement, Schedule};
use infoablate::data::Dataset;
use infoablate::measures::{MeasureSettings, analyze};
use infoablate::network::{Activation, Mlp, Network};
use infoablate::record::{Recording, record};
use ndarray::{Array1, Array2};
use ndarray_npy::read_npy;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn optional<T: std::str::FromStr>(arg: &str) -> Result<Option<T>>
where
    T::Err: Error + 'static,
{
    Ok(if arg == "-" { None } else { Some(arg.parse()?) })
}

fn labels(path: &str) -> Result<Vec<usize>> {
    let raw: Array1<i64> = read_npy(path)?;
    Ok(raw
        .iter()
        .map(|&l| usize::try_from(l))
        .collect::<std::result::Result<_, _>>()?)
}

fn print_line(name: &str, values: impl IntoIterator<Item = impl std::fmt::Debug>) {
    let values: Vec<String> = values.into_iter().map(|v| format!("{v:?}")).collect();
    println!("{name} {}", values.join(" "));
}

fn scores(args: &[String]) -> Result<()> {
    let [acts, labels_path, quantizer, bins, threshold, estimator, units] = args else {
        return Err("scores ACTS LABELS QUANTIZER BINS THRESHOLD ESTIMATOR UNITS".into());
    };
    let acts: Array2<f32> = read_npy(acts)?;
    let labels = labels(labels_path)?;
    let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
    let settings = MeasureSettings::new(options::quantizer(quantizer, optional(bins)?, optional(threshold)?)?)
        .with_estimator(options::estimator(estimator)?)
        .with_units(options::units(units)?);
    let scores = analyze(
        &Recording::new(vec![0], vec![acts], labels, num_classes)?,
        &settings,
        None,
    )?;
    for column in scores.measures() {
        print_line(&column.name, scores.get(&column.name, 0)?);
    }
    Ok(())
}

fn curve(args: &[String]) -> Result<()> {
    let [model, activation, x, y, scope, replacement, order] = args else {
        return Err("curve MODEL ACTIVATION X Y SCOPE REPLACEMENT ORDER".into());
    };
    let mlp = Mlp::load_safetensors(Path::new(model), activation.parse::<Activation>()?)?;
    let labels = labels(y)?;
    let data = Dataset::new(read_npy(x)?, labels, mlp.num_classes())?;
    let scope = options::scope(scope)?;
    let replacement = match replacement.split_once(':') {
        None if replacement == "zero" => Replacement::Zero,
        Some(("mean", analysis)) => {
            let inputs: Array2<f32> = read_npy(analysis)?;
            let n = inputs.nrows();
            let analysis = Dataset::new(inputs, vec![0; n], 1)?;
            let means = MeanRecorder::new(&(0..mlp.num_hidden()).collect::<Vec<_>>())?;
            Replacement::Mean(record(&mlp, &analysis, means, 256, &mut |_| {})?)
        }
        _ => return Err(format!("replacement {replacement}: expected zero or mean:X.npy").into()),
    };
    let schedule = match order.split_once(':') {
        Some(("random", seed)) => Schedule::random(seed.parse()?, scope),
        Some(("explicit", path)) => {
            let rows: Array2<i64> = read_npy(path)?;
            let neurons = rows
                .rows()
                .into_iter()
                .map(|r| Ok((usize::try_from(r[0])?, usize::try_from(r[1])?)))
                .collect::<Result<Vec<_>>>()?;
            Schedule::explicit(neurons)
        }
        Some((direction, paths)) => {
            let per_layer = paths
                .split(',')
                .map(|p| Ok(read_npy::<_, Array1<f64>>(p)?.to_vec()))
                .collect::<Result<Vec<_>>>()?;
            Schedule::by_scores("scores", per_layer, options::order(direction)?, scope)
        }
        None => return Err(format!("order {order}: expected KIND:VALUE").into()),
    };
    let curve = Engine::new(&mlp, &data)?.replacement(replacement).run(&schedule)?;
    print_line("k", curve.points.iter().map(|p| p.k));
    print_line("fraction", curve.points.iter().map(|p| p.fraction));
    print_line("accuracy", curve.points.iter().map(|p| p.accuracy));
    print_line("loss", curve.points.iter().map(|p| p.loss));
    print_line("auc", [curve.auc()]);
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((command, rest)) if command == "scores" => scores(rest),
        Some((command, rest)) if command == "curve" => curve(rest),
        _ => Err("usage: reference scores … | reference curve … (see the file's documentation)".into()),
    }
}
