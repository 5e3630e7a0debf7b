//! `ablation_curve` and `random_band`.

use infoablate::ablation::{AblationCurve, CurveIntervals, Engine, Neuron, RandomBand, Replacement, Schedule, Scope};
use infoablate::data::Dataset;
use infoablate::measures::Bootstrap;
use infoablate::network::Network;
use numpy::{PyArray1, PyArrayDescrMethods, PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{self, error, invalid};
use crate::network::{Mlp, means_all};
use crate::options;
use crate::progress::Reporter;

/// Samples per forward pass when averaging the analysis set for `mean`.
const RECORD_BATCH: usize = 256;

/// The evaluation set and what ablated neurons output.
fn setup(
    py: Python<'_>,
    mlp: &Mlp,
    x_eval: &Bound<'_, PyAny>,
    y_eval: &Bound<'_, PyAny>,
    replacement: &str,
    mean_from: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Dataset, Replacement)> {
    let replacement = match (replacement, mean_from) {
        ("zero", None) => Replacement::Zero,
        ("zero", Some(_)) => return Err(invalid("mean_from applies to replacement=\"mean\" only".into())),
        ("mean", Some(analysis)) => {
            Replacement::Mean(means_all(py, mlp, analysis, RECORD_BATCH, &mut Reporter::new(None))?)
        }
        ("mean", None) => {
            return Err(invalid(
                "replacement=\"mean\" needs mean_from= (inputs of the analysis set)".into(),
            ));
        }
        (other, _) => return Err(invalid(format!("unknown replacement `{other}`: expected zero or mean"))),
    };
    let x = convert::f32_matrix(x_eval, "x_eval")?;
    let labels = convert::labels(y_eval, "y_eval")?;
    let view = x.as_array();
    let num_classes = mlp.inner.num_classes();
    let data = py
        .detach(|| Dataset::new(view.to_owned(), labels, num_classes))
        .map_err(error)?;
    Ok((data, replacement))
}

/// Per-layer scores for `Schedule::by_scores`: a list of 1-D arrays (one per
/// hidden layer), or one array for the layer of a layer scope.
fn per_layer_scores(scores: &Bound<'_, PyAny>, scope: Scope) -> PyResult<Vec<Vec<f64>>> {
    let one = |obj: &Bound<'_, PyAny>| -> PyResult<Vec<f64>> {
        let array: PyReadonlyArray1<'_, f64> = obj
            .call_method1("astype", ("float64",))
            .and_then(|a| a.extract())
            .map_err(|_| PyTypeError::new_err("scores must be 1-D numeric arrays, one per hidden layer"))?;
        Ok(array.as_array().to_vec())
    };
    if scores.cast::<PyUntypedArray>().is_ok() {
        return match scope {
            Scope::Layer(layer) => {
                let mut per_layer = vec![Vec::new(); layer + 1];
                per_layer[layer] = one(scores)?;
                Ok(per_layer)
            }
            Scope::Global => Err(invalid(
                "a global scope needs scores as a list of arrays, one per hidden layer".into(),
            )),
        };
    }
    scores.try_iter()?.map(|item| one(&item?)).collect()
}

/// An explicit order: neuron indices of the scope's layer (1-D) or
/// `(layer, neuron)` rows (`n × 2`).
fn explicit(order: &Bound<'_, PyUntypedArray>, scope: Scope) -> PyResult<Vec<Neuron>> {
    let wrong = || PyTypeError::new_err("order must be \"ascending\", \"descending\", \"random\" or an integer array");
    if !matches!(order.dtype().kind(), b'i' | b'u') {
        return Err(wrong());
    }
    let flat = convert::labels(&order.call_method1("reshape", (-1,))?, "order")?;
    match (order.ndim(), scope) {
        (1, Scope::Layer(layer)) => Ok(flat.into_iter().map(|i| (layer, i)).collect()),
        (1, Scope::Global) => Err(invalid(
            "a global order is an n × 2 array of (layer, neuron) rows".into(),
        )),
        (2, _) if order.shape()[1] == 2 => Ok(flat.chunks_exact(2).map(|r| (r[0], r[1])).collect()),
        _ => Err(wrong()),
    }
}

/// The schedule named by `order` and its companions.
fn schedule(
    order: &Bound<'_, PyAny>,
    scope: Scope,
    scores: Option<&Bound<'_, PyAny>>,
    seed: Option<u64>,
    measure: &str,
) -> PyResult<Schedule> {
    if order.cast::<PyString>().is_ok() {
        let name: String = order.extract()?;
        let name = name.as_str();
        return match (name, scores, seed) {
            ("random", None, Some(seed)) => Ok(Schedule::random(seed, scope)),
            ("random", _, None) => Err(invalid("order=\"random\" needs seed=".into())),
            ("random", Some(_), _) => Err(invalid("scores do not apply to order=\"random\"".into())),
            (_, _, Some(_)) => Err(invalid(format!("seed applies to order=\"random\" only, not {name:?}"))),
            (_, None, None) => Err(invalid(format!("order={name:?} needs scores="))),
            (_, Some(scores), None) => {
                let direction = options::order(name).map_err(invalid)?;
                Ok(Schedule::by_scores(
                    measure,
                    per_layer_scores(scores, scope)?,
                    direction,
                    scope,
                ))
            }
        };
    }
    if scores.is_some() || seed.is_some() {
        return Err(invalid("scores and seed do not apply to an explicit order".into()));
    }
    let array = order.cast::<PyUntypedArray>().map_err(|_| {
        PyTypeError::new_err("order must be \"ascending\", \"descending\", \"random\" or an integer array")
    })?;
    Ok(Schedule::explicit(explicit(array, scope)?))
}

fn curve_dict<'py>(py: Python<'py>, curve: &AblationCurve) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let column = |f: fn(&infoablate::ablation::CurvePoint) -> f64| curve.points.iter().map(f).collect::<Vec<f64>>();
    let k: Vec<u64> = curve.points.iter().map(|p| p.k as u64).collect();
    dict.set_item("k", PyArray1::from_vec(py, k))?;
    dict.set_item("fraction", PyArray1::from_vec(py, column(|p| p.fraction)))?;
    dict.set_item("accuracy", PyArray1::from_vec(py, column(|p| p.accuracy)))?;
    dict.set_item("loss", PyArray1::from_vec(py, column(|p| p.loss)))?;
    dict.set_item("auc", curve.auc())?;
    dict.set_item("label", curve.label.name())?;
    dict.set_item("replacement", &curve.label.replacement)?;
    Ok(dict)
}

/// The checked `bootstrap=`, `level=` (default 0.95) and `bootstrap_seed=`
/// (default 0) of `ablation_curve`: the last two only with the first.
fn bootstrap(replicates: Option<i64>, level: Option<f64>, seed: Option<u64>) -> PyResult<Option<Bootstrap>> {
    let Some(replicates) = replicates else {
        return match (level, seed) {
            (None, None) => Ok(None),
            _ => Err(PyValueError::new_err(
                "level and bootstrap_seed apply only with bootstrap=N",
            )),
        };
    };
    let replicates = usize::try_from(replicates)
        .ok()
        .filter(|&n| (1..=Bootstrap::MAX_REPLICATES).contains(&n))
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "bootstrap must be a number of resamples from 1 to {}, not {replicates}",
                Bootstrap::MAX_REPLICATES
            ))
        })?;
    Bootstrap::new(replicates, level.unwrap_or(0.95), seed.unwrap_or(0))
        .map(Some)
        .map_err(error)
}

/// Adds a curve's bootstrap intervals to its dict.
fn add_intervals(py: Python<'_>, dict: &Bound<'_, PyDict>, ci: &CurveIntervals) -> PyResult<()> {
    for (name, values) in [
        ("accuracy_lower", &ci.lower_accuracy),
        ("accuracy_upper", &ci.upper_accuracy),
        ("loss_lower", &ci.lower_loss),
        ("loss_upper", &ci.upper_loss),
    ] {
        dict.set_item(name, PyArray1::from_slice(py, values))?;
    }
    dict.set_item("auc_interval", (ci.lower_auc, ci.upper_auc))?;
    dict.set_item(
        "bootstrap",
        (ci.bootstrap.replicates, ci.bootstrap.level, ci.bootstrap.seed),
    )?;
    Ok(())
}

/// Cumulative ablation of `mlp` scored on `(x_eval, y_eval)`: a dict of `k`,
/// `fraction` (k / n), `accuracy`, `loss` (mean cross-entropy, nats), `auc`,
/// `label` and `replacement`.
///
/// `order`: "descending" / "ascending" with `scores=` (one array for the
/// layer of `scope="layer:L"`, or one array per hidden layer), "random" with
/// `seed=`, or an integer array (neurons of the scope's layer, or
/// `(layer, neuron)` rows), first ablated first. `scope`: "layer:L" or
/// "global". `replacement`: "zero" or "mean" (means on the analysis inputs
/// `mean_from`). `ks`: the k to score (all by default). `bootstrap`: that
/// many resamples of the evaluation samples give percentile intervals
/// (`level`, resamples drawn with `bootstrap_seed`): `accuracy_lower` /
/// `accuracy_upper`, `loss_lower` / `loss_upper`, `auc_interval`, and
/// `bootstrap` (replicates, level, seed).
#[pyfunction]
#[pyo3(signature = (mlp, x_eval, y_eval, order, scope = "layer:0", replacement = "zero", mean_from = None, scores = None, seed = None, ks = None, measure = "scores", bootstrap = None, level = None, bootstrap_seed = None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of the Python API
pub fn ablation_curve<'py>(
    py: Python<'py>,
    mlp: &Mlp,
    x_eval: &Bound<'py, PyAny>,
    y_eval: &Bound<'py, PyAny>,
    order: &Bound<'py, PyAny>,
    scope: &str,
    replacement: &str,
    mean_from: Option<&Bound<'py, PyAny>>,
    scores: Option<&Bound<'py, PyAny>>,
    seed: Option<u64>,
    ks: Option<Vec<usize>>,
    measure: &str,
    bootstrap: Option<i64>,
    level: Option<f64>,
    bootstrap_seed: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let scope = options::scope(scope).map_err(invalid)?;
    let bootstrap = self::bootstrap(bootstrap, level, bootstrap_seed)?;
    let mut schedule = schedule(order, scope, scores, seed, measure)?;
    if let Some(ks) = ks {
        schedule = schedule.at(ks);
    }
    let (data, replacement) = setup(py, mlp, x_eval, y_eval, replacement, mean_from)?;
    let (curve, intervals) = py
        .detach(|| {
            let engine = Engine::new(&mlp.inner, &data)?.replacement(replacement);
            match bootstrap {
                None => Ok((engine.run(&schedule)?, None)),
                Some(bootstrap) => {
                    let (curve, outcomes) = engine.run_with_outcomes(&schedule)?;
                    infoablate::Result::Ok((curve, Some(outcomes.bootstrap(bootstrap))))
                }
            }
        })
        .map_err(error)?;
    let dict = curve_dict(py, &curve)?;
    if let Some(ci) = &intervals {
        add_intervals(py, &dict, ci)?;
    }
    Ok(dict)
}

fn band_dict<'py>(py: Python<'py>, band: &RandomBand) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let k: Vec<u64> = band.k.iter().map(|&k| k as u64).collect();
    dict.set_item("k", PyArray1::from_vec(py, k))?;
    for (name, values) in [
        ("fraction", &band.fraction),
        ("mean_accuracy", &band.mean_accuracy),
        ("min_accuracy", &band.min_accuracy),
        ("max_accuracy", &band.max_accuracy),
        ("lower_accuracy", &band.lower_accuracy),
        ("upper_accuracy", &band.upper_accuracy),
        ("mean_loss", &band.mean_loss),
        ("aucs", &band.aucs),
    ] {
        dict.set_item(name, PyArray1::from_slice(py, values))?;
    }
    dict.set_item("mean_auc", band.mean_auc())?;
    dict.set_item("seeds", PyArray1::from_slice(py, &band.seeds))?;
    dict.set_item("percentiles", band.percentiles)?;
    Ok(dict)
}

/// Random-order ablation curves of `mlp`, one per seed, summarised point by
/// point: `k`, `fraction`, `mean_accuracy`, `min_accuracy`, `max_accuracy`,
/// `lower_accuracy` / `upper_accuracy` (the `percentiles`), `mean_loss`,
/// `aucs`, `mean_auc`, `seeds`, `percentiles`. `progress(stage, done,
/// total)` is called after each seed.
#[pyfunction]
#[pyo3(signature = (mlp, x_eval, y_eval, seeds, scope = "layer:0", replacement = "zero", mean_from = None, ks = None, percentiles = (5.0, 95.0), progress = None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of the Python API
pub fn random_band<'py>(
    py: Python<'py>,
    mlp: &Mlp,
    x_eval: &Bound<'py, PyAny>,
    y_eval: &Bound<'py, PyAny>,
    seeds: Vec<u64>,
    scope: &str,
    replacement: &str,
    mean_from: Option<&Bound<'py, PyAny>>,
    ks: Option<Vec<usize>>,
    percentiles: (f64, f64),
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let scope = options::scope(scope).map_err(invalid)?;
    let (data, replacement) = setup(py, mlp, x_eval, y_eval, replacement, mean_from)?;
    let mut reporter = Reporter::new(progress);
    let band = py
        .detach(|| {
            Engine::new(&mlp.inner, &data)?.replacement(replacement).random_band(
                scope,
                &seeds,
                ks.as_deref(),
                percentiles,
                &mut |p| reporter.report(p),
            )
        })
        .map_err(error);
    let band = reporter.finish(band)?;
    band_dict(py, &band)
}
