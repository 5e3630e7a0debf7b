//! The built-in MLP from PyTorch weights, its forward pass, and `record`.

use std::path::PathBuf;

use infoablate::ablation::{MeanRecorder, NeuronValues};
use infoablate::data::Dataset;
use infoablate::network::{Activation, LayerNames, LoadOptions, Network};
use infoablate::record::{ActivationRecorder, DenseRecorder, record as record_layers};
use numpy::{IntoPyArray, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use safetensors::{Dtype, tensor::TensorView};

use crate::convert::{self, error};
use crate::progress::Reporter;

fn activation(name: &str) -> PyResult<Activation> {
    name.parse()
        .map_err(|e: infoablate::network::NetworkError| error(e.into()))
}

/// The load options of `activation`, `layers` and `force_activation`.
fn load_options(activation: Option<&str>, layers: Option<&str>, force_activation: bool) -> PyResult<LoadOptions> {
    let layers = layers
        .map(|l| l.parse::<LayerNames>())
        .transpose()
        .map_err(|e| error(e.into()))?;
    Ok(LoadOptions {
        activation: activation.map(self::activation).transpose()?,
        force_activation,
        layers,
        ..LoadOptions::default()
    })
}

/// One tensor of a state dict: its name, dtype, shape and little-endian bytes.
fn tensor_bytes(name: &str, value: &Bound<'_, PyAny>) -> PyResult<(String, Dtype, Vec<usize>, Vec<u8>)> {
    let wrong = || {
        PyTypeError::new_err(format!(
            "state_dict[{name:?}] must be a float32 or float64 numpy array (use {{k: v.numpy() for k, v in model.state_dict().items()}})"
        ))
    };
    let array = value.cast::<PyUntypedArray>().map_err(|_| wrong())?;
    let shape = array.shape().to_vec();
    let py = value.py();
    let (dtype, bytes): (Dtype, Vec<u8>) = if array.dtype().is_equiv_to(&numpy::dtype::<f32>(py)) {
        let a = value.cast::<numpy::PyArrayDyn<f32>>()?.readonly();
        (Dtype::F32, a.as_array().iter().flat_map(|v| v.to_le_bytes()).collect())
    } else if array.dtype().is_equiv_to(&numpy::dtype::<f64>(py)) {
        let a = value.cast::<numpy::PyArrayDyn<f64>>()?.readonly();
        (Dtype::F64, a.as_array().iter().flat_map(|v| v.to_le_bytes()).collect())
    } else {
        return Err(wrong());
    };
    Ok((name.to_string(), dtype, shape, bytes))
}

/// A feed-forward classifier: PyTorch `nn.Linear` layers (BatchNorm1d
/// folded in) with one hidden activation.
#[pyclass(module = "infoablate", frozen)]
pub struct Mlp {
    pub(crate) inner: infoablate::network::Mlp,
}

#[pymethods]
impl Mlp {
    /// Loads `safetensors.torch.save_file(model.state_dict(), path)` of an
    /// `nn.Sequential` of `nn.Linear` layers (bias or not), BatchNorm1d
    /// right after a Linear, and activations, or of any module layout with
    /// `layers` (`"fc1+bn1,fc2,fc3"`). `activation` is `relu`, `tanh`,
    /// `sigmoid`, `gelu`, `gelu_tanh`, `silu`, `leaky_relu[:SLOPE]` or `elu[:ALPHA]`;
    /// `None` takes the one the file records, and one contradicting the
    /// record is an error unless `force_activation`.
    #[staticmethod]
    #[pyo3(signature = (path, activation = None, layers = None, force_activation = false))]
    fn from_safetensors(
        py: Python<'_>,
        path: PathBuf,
        activation: Option<&str>,
        layers: Option<&str>,
        force_activation: bool,
    ) -> PyResult<Self> {
        let options = load_options(activation, layers, force_activation)?;
        let (inner, _) = py
            .detach(|| infoablate::network::Mlp::load_safetensors_with(&path, &options))
            .map_err(error)?;
        Ok(Mlp { inner })
    }

    /// The same from a dict of numpy arrays in `state_dict` naming
    /// (`0.weight`, `0.bias`, `2.weight`, …; one shared prefix allowed; or
    /// named modules with `layers`).
    #[staticmethod]
    #[pyo3(signature = (state_dict, activation, layers = None))]
    fn from_state_dict(state_dict: &Bound<'_, PyDict>, activation: &str, layers: Option<&str>) -> PyResult<Self> {
        let options = load_options(Some(activation), layers, false)?;
        let mut tensors = Vec::with_capacity(state_dict.len());
        for (key, value) in state_dict.iter() {
            let name: String = key
                .extract()
                .map_err(|_| PyTypeError::new_err("state_dict keys must be strings"))?;
            tensors.push(tensor_bytes(&name, &value)?);
        }
        let views = tensors
            .iter()
            .map(|(name, dtype, shape, bytes)| {
                TensorView::new(*dtype, shape.clone(), bytes)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| convert::invalid(format!("state_dict[{name:?}]: {e}")))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let bytes = safetensors::serialize(views, None).map_err(|e| convert::invalid(e.to_string()))?;
        let (inner, _) = infoablate::network::Mlp::from_safetensors_bytes_with(&bytes, &options).map_err(error)?;
        Ok(Mlp { inner })
    }

    /// The logits of `x` (`samples × inputs`, float32), `samples × classes`.
    fn forward<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let x = convert::f32_matrix(x, "x")?;
        let view = x.as_array();
        let logits = py.detach(|| self.inner.forward(view)).map_err(error)?;
        Ok(logits.into_pyarray(py))
    }

    /// Layer widths, input first, classes last.
    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.inner.sizes()
    }

    /// The hidden activation in its text form: `relu`, `gelu`,
    /// `leaky_relu:0.01`, …
    #[getter]
    fn activation(&self) -> String {
        self.inner.activation().to_string()
    }

    /// Number of hidden layers.
    #[getter]
    fn num_hidden(&self) -> usize {
        self.inner.num_hidden()
    }

    fn __repr__(&self) -> String {
        format!(
            "Mlp(sizes={:?}, activation={:?})",
            self.inner.sizes(),
            self.activation()
        )
    }
}

/// The mean output of every hidden neuron of `mlp` on `x`, summed batch by
/// batch without keeping the outputs.
pub(crate) fn means_all(
    py: Python<'_>,
    mlp: &Mlp,
    x: &Bound<'_, PyAny>,
    batch_size: usize,
    reporter: &mut Reporter,
) -> PyResult<NeuronValues> {
    let layers: Vec<usize> = (0..mlp.inner.num_hidden()).collect();
    let recorder = MeanRecorder::new(&layers).map_err(error)?;
    record_into(py, mlp, x, recorder, batch_size, reporter)
}

/// Runs `mlp` over `x` into `recorder`.
fn record_into<R>(
    py: Python<'_>,
    mlp: &Mlp,
    x: &Bound<'_, PyAny>,
    recorder: R,
    batch_size: usize,
    reporter: &mut Reporter,
) -> PyResult<R::Output>
where
    R: ActivationRecorder + Send,
    R::Output: Send,
{
    let x = convert::f32_matrix(x, "x")?;
    let view = x.as_array();
    py.detach(|| {
        // The recorder reads labels; none are needed for activations.
        let data = Dataset::new(view.to_owned(), vec![0; view.nrows()], 1)?;
        record_layers(&mlp.inner, &data, recorder, batch_size, &mut |p| {
            reporter.report(p);
        })
    })
    .map_err(error)
}

/// The outputs (post-activation) of hidden layers of `mlp` on `x`: one
/// `samples × width` float32 array per layer of `layers` (all by default).
#[pyfunction]
#[pyo3(signature = (mlp, x, layers = None, batch_size = 256, progress = None))]
pub fn record<'py>(
    py: Python<'py>,
    mlp: &Mlp,
    x: &Bound<'py, PyAny>,
    layers: Option<Vec<usize>>,
    batch_size: usize,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let layers = layers.unwrap_or_else(|| (0..mlp.inner.num_hidden()).collect());
    let mut sorted = layers.clone();
    sorted.sort_unstable();
    let mut reporter = Reporter::new(progress);
    let recorded = DenseRecorder::new(&sorted)
        .map_err(error)
        .and_then(|recorder| record_into(py, mlp, x, recorder, batch_size, &mut reporter));
    let recording = reporter.finish(recorded)?;
    let arrays = layers
        .iter()
        .map(|&l| Ok(recording.layer(l).map_err(error)?.to_owned().into_pyarray(py)))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, arrays)
}
