//! From Python objects to the crate's inputs, and from the crate's errors to
//! Python exceptions.

use numpy::{PyArrayDescrMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods, dtype};
use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;

/// The crate's error as a Python exception with its one-line message:
/// `OSError` for a file that cannot be read or written, `ValueError` for
/// everything else (bad input, named).
pub fn error(e: infoablate::Error) -> PyErr {
    match e {
        infoablate::Error::Io { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A `ValueError` from a message of the option parsers.
pub fn invalid(message: String) -> PyErr {
    PyValueError::new_err(message)
}

fn numpy_array<'a, 'py>(obj: &'a Bound<'py, PyAny>, what: &str) -> PyResult<&'a Bound<'py, PyUntypedArray>> {
    obj.cast::<PyUntypedArray>().map_err(|_| {
        let type_name = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!("{what} must be a numpy array, got {type_name}"))
    })
}

/// A 2-D `float32` array (`samples × columns`), borrowed without a copy.
pub fn f32_matrix<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<PyReadonlyArray2<'py, f32>> {
    let array = numpy_array(obj, what)?;
    let dt = array.dtype();
    if array.ndim() != 2 || !dt.is_equiv_to(&dtype::<f32>(obj.py())) {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a 2-D float32 array (samples × columns), got a {}-D {} array; convert with .astype(numpy.float32)",
            array.ndim(),
            dt
        )));
    }
    obj.extract()
}

/// A 1-D array of integer labels (any integer dtype), as `usize`.
pub fn labels(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<usize>> {
    let array = numpy_array(obj, what)?;
    let kind = array.dtype().kind();
    if array.ndim() != 1 || !matches!(kind, b'i' | b'u') {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a 1-D integer array, got a {}-D {} array",
            array.ndim(),
            array.dtype()
        )));
    }
    let negative = |sample: usize, label: i64| PyValueError::new_err(format!("{what}[{sample}] is {label} (negative)"));
    if kind == b'i' {
        let wide: PyReadonlyArray1<'_, i64> = obj.call_method1("astype", ("int64",))?.extract()?;
        let view = wide.as_array();
        view.iter()
            .enumerate()
            .map(|(s, &l)| usize::try_from(l).map_err(|_| negative(s, l)))
            .collect()
    } else {
        let wide: PyReadonlyArray1<'_, u64> = obj.call_method1("astype", ("uint64",))?.extract()?;
        let view = wide.as_array();
        view.iter()
            .enumerate()
            .map(|(s, &l)| {
                usize::try_from(l).map_err(|_| PyValueError::new_err(format!("{what}[{s}] = {l} is too large")))
            })
            .collect()
    }
}

/// The most classes the bindings accept: count tables hold `bins × classes`
/// cells per neuron, so a stray huge label must not size an allocation.
pub const MAX_CLASSES: usize = 1 << 16;

/// The class count: `given`, or one more than the largest label; at most
/// [`MAX_CLASSES`].
pub fn num_classes(given: Option<usize>, labels: &[usize]) -> PyResult<usize> {
    let n = given.unwrap_or_else(|| labels.iter().max().map_or(0, |&m| m.saturating_add(1)));
    if n > MAX_CLASSES {
        return Err(PyValueError::new_err(format!(
            "{n} classes (from num_classes or the largest label) exceed the limit of {MAX_CLASSES}"
        )));
    }
    Ok(n)
}

/// One layer's activations (`acts`, 2-D float32), its `labels` and the class
/// count (`num_classes`, or one more than the largest label).
pub fn layer<'py>(
    acts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    num_classes: Option<usize>,
) -> PyResult<(PyReadonlyArray2<'py, f32>, Vec<usize>, usize)> {
    let acts = f32_matrix(acts, "acts")?;
    let labels = self::labels(labels, "labels")?;
    let num_classes = self::num_classes(num_classes, &labels)?;
    Ok((acts, labels, num_classes))
}
