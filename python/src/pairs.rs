//! `pairs`: redundancy, synergy and partial information decomposition of
//! neuron pairs.

use infoablate::measures::LayerQuantizer;
use infoablate::pairs::{COLUMNS, OnFailure, PairAnalysis, PairCounts, PairSettings, all_pairs};
use numpy::{PyArray1, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{self, error};
use crate::measures;

/// The pairs of an `n × 2` integer array (0-based neuron indices).
fn pair_list(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(usize, usize)>> {
    let wrong = || PyTypeError::new_err("pairs must be None or an n × 2 integer array of neuron indices");
    let array = obj.cast::<PyUntypedArray>().map_err(|_| wrong())?;
    if array.ndim() != 2 || array.shape()[1] != 2 || !matches!(array.dtype().kind(), b'i' | b'u') {
        return Err(wrong());
    }
    let flat = convert::labels(&array.call_method1("reshape", (-1,))?, "pairs (flattened)")?;
    Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

/// `"stop"` or `"record"`.
fn on_failure(name: &str) -> PyResult<OnFailure> {
    match name {
        "stop" => Ok(OnFailure::Stop),
        "record" => Ok(OnFailure::Record),
        _ => Err(PyValueError::new_err(format!(
            "on_failure must be \"stop\" or \"record\", not {name:?}"
        ))),
    }
}

/// `{"i", "j", column: float64 array}`: the pairs, then every column of the
/// crate's `COLUMNS` computed (without `red_broja`, `red_prec` and their
/// atoms with `closed_forms_only`), one value per pair; with
/// `OnFailure::Record`, `"failures"`: the failed pairs as `(i, j, message)`.
fn to_dict<'py>(py: Python<'py>, analysis: &PairAnalysis, settings: &PairSettings) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let index =
        |f: fn(&(usize, usize)) -> usize| -> Vec<i64> { analysis.pairs().iter().map(|p| f(p) as i64).collect() };
    dict.set_item("i", PyArray1::from_vec(py, index(|p| p.0)))?;
    dict.set_item("j", PyArray1::from_vec(py, index(|p| p.1)))?;
    let skipped = |name: &str| settings.closed_forms_only && (name.ends_with("_broja") || name.ends_with("_prec"));
    for name in COLUMNS.iter().filter(|name| !skipped(name)) {
        let values = analysis.column(name).map_err(|e| error(e.into()))?;
        dict.set_item(name, PyArray1::from_vec(py, values))?;
    }
    if settings.on_failure == OnFailure::Record {
        let failures = analysis.failures().iter().map(|f| (f.i, f.j, f.error.to_string()));
        dict.set_item("failures", PyList::new(py, failures)?)?;
    }
    Ok(dict)
}

/// Measures pairs of neurons (columns) of `acts` (float32, samples ×
/// neurons) against `labels` (integers), as the Rust crate's `pairs` module
/// and example compute them: `{"i", "j", "mi_1", "mi_2", "joint_mi",
/// "interaction_info", "red_mmi", "red_wb", "red_broja", "red_prec", then
/// "unique_1_R", "unique_2_R", "synergy_R" for R = mmi, wb, broja, prec}`,
/// one value per pair (`i`, `j` int64, the rest float64).
///
/// `pairs`: None for every pair `i < j`, else an `n × 2` integer array.
/// `closed_forms_only`: without `red_broja`, `red_prec` and their atoms
/// (the programs), for quick scans. `on_failure`: `"stop"` raises on the
/// first pair whose programs fail (past their size limits), `"record"`
/// leaves it out and lists it in `"failures"` (a key only then) as
/// `(i, j, message)`.
/// The other options are those of `scores`; the estimator applies to the
/// mutual-information terms only. Fewer samples than about
/// `10 · B1 · B2 · C` raise a `UserWarning`.
#[pyfunction]
#[pyo3(signature = (acts, labels, quantizer = "binary", threshold = None, bins = None, estimator = "plugin", units = "bits", num_classes = None, pairs = None, closed_forms_only = false, on_failure = "stop"))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of the Python API
pub fn pairs<'py>(
    py: Python<'py>,
    acts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    quantizer: &str,
    threshold: Option<f64>,
    bins: Option<usize>,
    estimator: &str,
    units: &str,
    num_classes: Option<usize>,
    pairs: Option<&Bound<'py, PyAny>>,
    closed_forms_only: bool,
    on_failure: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let named = measures::settings(quantizer, bins, threshold, estimator, units)?;
    let settings = PairSettings {
        estimator: named.estimator,
        units: named.units,
        closed_forms_only,
        on_failure: self::on_failure(on_failure)?,
    };
    let (acts, labels, num_classes) = convert::layer(acts, labels, num_classes)?;
    let view = acts.as_array();
    let pairs = match pairs {
        Some(pairs) => pair_list(pairs)?,
        None => all_pairs(view.ncols()),
    };
    let analysis = py
        .detach(|| {
            let fitted = LayerQuantizer::fit(named.quantizer, view)?;
            let counts = PairCounts::from_activations(view, &labels, num_classes, &fitted, &pairs)?;
            PairAnalysis::compute(&counts, &settings)
        })
        .map_err(error)?;
    if let Some(warning) = analysis.sample_size_warning() {
        PyErr::warn(
            py,
            &py.get_type::<PyUserWarning>(),
            &std::ffi::CString::new(warning.to_string())?,
            1,
        )?;
    }
    to_dict(py, &analysis, &settings)
}
