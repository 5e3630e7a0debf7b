//! Running a [`Network`] over a [`Dataset`] and keeping what its hidden layers do.
//!
//! An [`ActivationRecorder`] is a sink: [`record`] drives the network over the
//! data in batches and hands each requested hidden layer's output to the
//! recorder, which keeps what it needs. [`DenseRecorder`] keeps everything, as
//! `samples × neurons` matrices ([`Recording`]); the measures module has a
//! streaming recorder that keeps only count tables.

mod dense;
#[cfg(feature = "npy")]
mod npy;

pub use dense::{DenseRecorder, MAX_LAYER_INDEX, Recording};
#[cfg(feature = "npy")]
pub use npy::{MAX_NPY_FILE_BYTES, MAX_NPY_HEADER_BYTES, NpyError};

use ndarray::ArrayView2;

use crate::Result;
use crate::data::Dataset;
use crate::network::{Clamps, Network, NetworkError, validate_inputs};

/// Errors from recording activations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A neuron's output is NaN or infinite.
    #[error("activation of hidden layer {layer}, neuron {neuron}, sample {sample} is {value} (not finite)")]
    NonFinite {
        /// The hidden layer.
        layer: usize,
        /// The neuron.
        neuron: usize,
        /// The sample (index in the data set).
        sample: usize,
        /// The value.
        value: f32,
    },
    /// Activations and labels disagree on the sample count, or layers disagree with each other.
    #[error("{what}: {got} samples, expected {expected}")]
    SampleCount {
        /// What disagrees.
        what: String,
        /// The expected count.
        expected: usize,
        /// The count found.
        got: usize,
    },
    /// The batch size must be positive.
    #[error("batch size must be positive")]
    BatchSize,
    /// No layer requested, a layer requested twice, or a layer index above
    /// [`MAX_LAYER_INDEX`].
    #[error("invalid layer selection {0:?}: give distinct hidden layers, numbered at most {MAX_LAYER_INDEX}")]
    Layers(Vec<usize>),
    /// A `.npy` file cannot be read as activations or labels.
    #[cfg(feature = "npy")]
    #[error(transparent)]
    Npy(#[from] NpyError),
}

/// How far a long computation has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub stage: &'static str,
    /// Units done so far.
    pub done: usize,
    /// Units in all.
    pub total: usize,
}

/// A sink for hidden-layer outputs, fed batch by batch by [`record`].
///
/// Implement it to keep exactly what a study needs (sums, histograms, count
/// tables) without holding the `samples × neurons` matrices.
pub trait ActivationRecorder {
    /// What the recorder yields at the end.
    type Output;

    /// The hidden layers this recorder wants to see, in increasing order.
    fn layers(&self) -> &[usize];

    /// Takes the output of hidden layer `layer` for the samples
    /// `offset … offset + outputs.nrows()` of the data set, with their labels.
    ///
    /// # Errors
    /// Whatever the recorder rejects, such as [`RecordError::NonFinite`].
    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, labels: &[usize]) -> Result<()>;

    /// Ends the recording.
    ///
    /// # Errors
    /// Whatever the recorder rejects at the end.
    fn finish(self) -> Result<Self::Output>;
}

/// Runs `network` over `data` in batches of `batch_size` samples, feeding the
/// recorder's layers to it, and returns its output. `progress` is called after
/// each batch with samples done; the library never prints.
///
/// # Errors
/// [`RecordError::BatchSize`], [`NetworkError::NoSuchLayer`] for a layer the
/// network lacks, [`NetworkError::InputWidth`], and whatever the network or
/// recorder returns.
///
/// # Examples
///
/// ```
/// use infoablate::data::Dataset;
/// use infoablate::network::{Activation, Mlp};
/// use infoablate::record::{DenseRecorder, record};
/// use ndarray::array;
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, -1.0]], array![0.0, 0.0]), (array![[1.0, 1.0]], array![0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[1.0_f32, 2.0], [3.0, -4.0]], vec![0, 0], 1)?;
/// let rec = record(&mlp, &data, DenseRecorder::new(&[0])?, 1, &mut |_| {})?;
/// assert_eq!(rec.layer(0)?, array![[1.0_f32, 0.0], [3.0, 4.0]].view());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn record<N, R>(
    network: &N,
    data: &Dataset,
    mut recorder: R,
    batch_size: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<R::Output>
where
    N: Network + ?Sized,
    R: ActivationRecorder,
{
    if batch_size == 0 {
        return Err(RecordError::BatchSize.into());
    }
    let num_hidden = network.num_hidden();
    if let Some(&layer) = recorder.layers().iter().find(|&&l| l >= num_hidden) {
        return Err(NetworkError::NoSuchLayer { layer, num_hidden }.into());
    }
    validate_inputs(data.inputs(), network.input_width())?;
    let wanted: Vec<bool> = (0..num_hidden).map(|l| recorder.layers().contains(&l)).collect();
    let clamps = Clamps::new();
    let total = data.len();
    let mut offset = 0;
    while offset < total {
        let end = (offset + batch_size).min(total);
        let inputs = data.inputs().slice_move(ndarray::s![offset..end, ..]);
        let labels = &data.labels()[offset..end];
        let mut failure = None;
        network.forward_hooked(inputs, &clamps, &mut |layer, h| {
            if failure.is_none() && wanted.get(layer).copied().unwrap_or(false) {
                if let Err(e) = recorder.observe(layer, offset, h, labels) {
                    failure = Some(e);
                }
            }
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        offset = end;
        progress(Progress {
            stage: "record",
            done: offset,
            total,
        });
    }
    recorder.finish()
}

/// Checks a layer's outputs for NaN or infinities, naming the first one.
///
/// # Errors
/// [`RecordError::NonFinite`], with `sample` counted from `offset`.
pub fn check_finite(layer: usize, offset: usize, outputs: ArrayView2<'_, f32>) -> Result<(), RecordError> {
    match outputs.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((row, neuron), &value)) => Err(RecordError::NonFinite {
            layer,
            neuron,
            sample: offset + row,
            value,
        }),
    }
}
