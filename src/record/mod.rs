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
#[cfg(feature = "npy")]
mod npz;

pub use dense::{DenseRecorder, MAX_LAYER_INDEX, Recording};
#[cfg(feature = "npy")]
pub use npy::{MAX_NPY_FILE_BYTES, MAX_NPY_HEADER_BYTES, NpyError, NpyOptions, Raw16};
#[cfg(feature = "npy")]
pub(crate) use npy::{read_labels, read_matrix};
#[cfg(feature = "npy")]
pub use npz::{MAX_NPZ_ARRAYS, MAX_NPZ_DECOMPRESSED_BYTES};

use ndarray::ArrayView2;

use crate::data::Dataset;
use crate::network::{Clamps, DatasetRows, Network, NetworkError, check_input_width};
use crate::{Progress, Result};

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

/// A sink for hidden-layer outputs, fed batch by batch by [`record`].
///
/// Implement it to keep exactly what a study needs (sums, histograms, count
/// tables) without holding the `samples × neurons` matrices. A tuple of
/// recorders is a recorder: one pass over the data feeds them all, each the
/// layers it asks for, and yields their outputs as a tuple.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::data::Dataset;
/// use infoablate::measures::RangeRecorder;
/// use infoablate::network::{Activation, Mlp};
/// use infoablate::record::{DenseRecorder, record};
/// use ndarray::array;
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, -1.0]], array![0.0, 0.0]), (array![[1.0, 1.0]], array![0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[1.0_f32, 2.0], [3.0, -4.0]], vec![0, 0], 1)?;
/// let both = (DenseRecorder::new(&[0])?, RangeRecorder::new(&[0])?);
/// let (dense, ranges) = record(&mlp, &data, both, 1, &mut |_| {})?;
/// assert_eq!(dense.layer(0)?, array![[1.0_f32, 0.0], [3.0, 4.0]].view());
/// assert_eq!(ranges[0].1.max(), &[3.0_f32, 4.0]);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
pub trait ActivationRecorder {
    /// What the recorder yields at the end.
    type Output;

    /// The hidden layers this recorder wants to see, in increasing order.
    fn layers(&self) -> Vec<usize>;

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

macro_rules! tuple_recorder {
    ($($r:ident . $i:tt),+) => {
        impl<$($r: ActivationRecorder),+> ActivationRecorder for ($($r,)+) {
            type Output = ($($r::Output,)+);

            fn layers(&self) -> Vec<usize> {
                let mut layers = Vec::new();
                $(layers.extend(self.$i.layers());)+
                layers.sort_unstable();
                layers.dedup();
                layers
            }

            fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, labels: &[usize]) -> Result<()> {
                $(if self.$i.layers().contains(&layer) {
                    self.$i.observe(layer, offset, outputs, labels)?;
                })+
                Ok(())
            }

            fn finish(self) -> Result<Self::Output> {
                Ok(($(self.$i.finish()?,)+))
            }
        }
    };
}

tuple_recorder!(A.0, B.1);
tuple_recorder!(A.0, B.1, C.2);
tuple_recorder!(A.0, B.1, C.2, D.3);

/// Runs `network` over `data` in batches of `batch_size` samples, feeding the
/// recorder's layers to it, and returns its output. `progress` is called after
/// each batch with samples done; the library never prints.
///
/// With the feature `parallel`, a round of a few batches (twice the rayon
/// pool's threads) is forwarded in parallel, then handed to the recorder in
/// sample order, then the next round: every recorder sees exactly the calls
/// of a one-batch-at-a-time loop, in the same order, so its output does not
/// depend on the number of threads, and only copies of a round's hidden
/// outputs are held at once. With one thread (or one batch left), a batch is
/// observed as the network shows it, without a copy.
///
/// # Errors
/// [`RecordError::BatchSize`], [`NetworkError::NoSuchLayer`] for a layer the
/// network lacks, [`NetworkError::InputWidth`], [`NetworkError::Shape`] for a
/// network that does not show a wanted layer exactly once per batch with
/// one row per sample, and whatever the network or recorder returns: the
/// first in sample order, as a one-batch-at-a-time loop would meet it.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
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
/// # }
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
    N: Network + Sync + ?Sized,
    R: ActivationRecorder,
{
    if batch_size == 0 {
        return Err(RecordError::BatchSize.into());
    }
    // The length of a real vector, not an overridable count.
    let num_hidden = network.hidden_widths().len();
    let layers = recorder.layers();
    if let Some(&layer) = layers.iter().find(|&&l| l >= num_hidden) {
        return Err(NetworkError::NoSuchLayer { layer, num_hidden }.into());
    }
    // A data set's inputs are finite by construction: only the width is checked.
    check_input_width(data.inputs(), network.input_width())?;
    let mut wanted = vec![false; num_hidden];
    for &layer in &layers {
        wanted[layer] = true;
    }
    let clamps = Clamps::new();
    let total = data.len();
    // One thread: each batch observed as the network shows it, without a copy.
    let threads = crate::parallel::threads();
    let round = if threads > 1 { 2 * threads } else { 1 };
    let mut offset = 0;
    while offset < total {
        let batches = (total - offset).div_ceil(batch_size).min(round);
        let bounds = move |i: usize| {
            let start = offset + i * batch_size;
            (start, start.saturating_add(batch_size).min(total))
        };
        let rows = |i: usize| {
            let (start, end) = bounds(i);
            DatasetRows::of(data, start, end)
        };
        let mut done = |end: usize| {
            progress(Progress {
                stage: "record",
                done: end,
                total,
            })
        };
        if batches == 1 {
            let (start, end) = bounds(0);
            let labels = &data.labels()[start..end];
            let observe = &mut |layer, h: ArrayView2<'_, f32>| recorder.observe(layer, start, h, labels);
            if let Some(e) = forward_batch(network, rows(0), &clamps, &wanted, observe)? {
                return Err(e);
            }
            done(end);
        } else {
            let kept = crate::parallel::map_indices(batches, |i| {
                let mut kept = Vec::new();
                let keep = &mut |layer, h: ArrayView2<'_, f32>| {
                    kept.push((layer, h.to_owned()));
                    Ok(())
                };
                forward_batch(network, rows(i), &clamps, &wanted, keep).map(|wrong| (kept, wrong))
            });
            for (i, batch) in kept.into_iter().enumerate() {
                let (start, end) = bounds(i);
                let (kept, wrong) = batch?;
                for (layer, h) in &kept {
                    recorder.observe(*layer, start, h.view(), &data.labels()[start..end])?;
                }
                if let Some(e) = wrong {
                    return Err(e);
                }
                done(end);
            }
        }
        offset = bounds(batches - 1).1;
    }
    recorder.finish()
}

/// Forwards one batch, handing each wanted layer's output to `sink` as the
/// network shows it. The outer error is the network's; the inner one, the
/// first of the sink's errors and a wanted layer shown twice, with another
/// row count than the batch, or never.
fn forward_batch<N: Network + ?Sized>(
    network: &N,
    rows: DatasetRows<'_>,
    clamps: &Clamps,
    wanted: &[bool],
    sink: &mut dyn FnMut(usize, ArrayView2<'_, f32>) -> Result<()>,
) -> Result<Option<crate::Error>> {
    let batch = rows.view().nrows();
    let mut shown = vec![0_usize; wanted.len()];
    let mut failure = None;
    network.forward_dataset_rows(rows, clamps, &mut |layer, h| {
        if failure.is_some() || !wanted.get(layer).copied().unwrap_or(false) {
            return;
        }
        shown[layer] += 1;
        failure = if shown[layer] > 1 || h.nrows() != batch {
            Some(shown_wrong(layer, batch, h.nrows(), shown[layer]))
        } else {
            sink(layer, h).err()
        };
    })?;
    Ok(failure.or_else(|| {
        (0..wanted.len())
            .find(|&l| wanted[l] && shown[l] == 0)
            .map(|layer| shown_wrong(layer, batch, 0, 0))
    }))
}

/// A network that shows a hidden layer other than once per batch, or with
/// another row count than the batch (a broken [`Network`] implementation).
fn shown_wrong(layer: usize, rows: usize, got: usize, times: usize) -> crate::Error {
    NetworkError::Shape {
        what: format!("output of hidden layer {layer} as shown by the forward pass (shown {times} time(s))"),
        expected: vec![rows],
        got: vec![got],
    }
    .into()
}

/// Checks a layer's outputs for NaN or infinities, naming the first one.
///
/// # Errors
/// [`RecordError::NonFinite`], with `sample` counted from `offset`.
pub fn check_finite(layer: usize, offset: usize, outputs: ArrayView2<'_, f32>) -> Result<(), RecordError> {
    match crate::finite::first_non_finite(outputs) {
        None => Ok(()),
        Some(((row, neuron), value)) => Err(RecordError::NonFinite {
            layer,
            neuron,
            sample: offset + row,
            value,
        }),
    }
}

/// The index of `layer` among a recorder's `layers` once its outputs are
/// checked finite (as [`check_finite`]); `None`, nothing checked, for a
/// layer the recorder does not keep.
pub(crate) fn kept_layer(
    layers: &[usize],
    layer: usize,
    offset: usize,
    outputs: ArrayView2<'_, f32>,
) -> Result<Option<usize>, RecordError> {
    let Some(j) = layers.iter().position(|&l| l == layer) else {
        return Ok(None);
    };
    check_finite(layer, offset, outputs)?;
    Ok(Some(j))
}

/// `layers` sorted, when they are a non-empty selection of distinct hidden
/// layers numbered at most [`MAX_LAYER_INDEX`].
///
/// # Errors
/// [`RecordError::Layers`] otherwise.
pub(crate) fn distinct_layers(layers: &[usize]) -> Result<Vec<usize>, RecordError> {
    let mut sorted = layers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() || sorted.len() != layers.len() || sorted.last().is_some_and(|&l| l > MAX_LAYER_INDEX) {
        return Err(RecordError::Layers(layers.to_vec()));
    }
    Ok(sorted)
}

/// Checks that a batch of hidden layer `layer`'s outputs (from sample
/// `offset`) is as wide as the batches before it (`seen`, `None` for the first).
///
/// # Errors
/// [`NetworkError::Shape`] for a network whose layer changes width.
pub(crate) fn check_same_width(
    layer: usize,
    offset: usize,
    seen: Option<usize>,
    outputs: ArrayView2<'_, f32>,
) -> Result<(), NetworkError> {
    match seen {
        Some(width) if width != outputs.ncols() => Err(NetworkError::Shape {
            what: format!("output of hidden layer {layer} at sample {offset}"),
            expected: vec![outputs.nrows(), width],
            got: outputs.shape().to_vec(),
        }),
        _ => Ok(()),
    }
}
