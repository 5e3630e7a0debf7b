//! Recorders that measure while a network runs, holding per-neuron
//! statistics only: memory independent of the sample count.
//!
//! Range-fitted quantizers (equal-width, zero-and-equal-width) need each
//! neuron's range on the analysis set before anything can be counted, so the
//! streaming path takes two passes over the data: [`RangeRecorder`] first,
//! [`LayerQuantizer::from_ranges`], then [`StreamingRecorder`]. Binary needs
//! no fit ([`LayerQuantizer::fixed`]). Equal-frequency edges are quantiles,
//! which a bounded-memory stream cannot find exactly: fit that quantizer up
//! front with [`LayerQuantizer::fit`] (on the analysis set, or a sample of it)
//! and give it to the [`StreamingRecorder`].

use ndarray::ArrayView2;

use super::MeasureError;
use super::accumulate::LayerAccumulator;
use super::counts::LayerCounts;
use super::quantize::{LayerQuantizer, Ranges};
use crate::Result;
use crate::record::{ActivationRecorder, RecordError, kept_layer};

fn sorted_distinct(layers: &[usize]) -> Result<(), RecordError> {
    if layers.is_empty() || layers.windows(2).any(|w| w[0] >= w[1]) {
        return Err(RecordError::Layers(layers.to_vec()));
    }
    Ok(())
}

/// First pass of the streaming path: each neuron's minimum and maximum.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::data::Dataset;
/// use infoablate::measures::{LayerQuantizer, Quantizer, RangeRecorder, StreamingRecorder};
/// use infoablate::network::{Activation, Mlp};
/// use infoablate::record::record;
/// use ndarray::array;
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, -1.0]], array![0.0, 0.0]), (array![[1.0, 1.0]], array![0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[1.0_f32, 2.0], [3.0, -4.0], [0.5, 1.0]], vec![0, 1, 0], 2)?;
/// let ranges = record(&mlp, &data, RangeRecorder::new(&[0])?, 2, &mut |_| {})?;
/// assert_eq!((ranges[0].1.min(), ranges[0].1.max()), (&[0.5_f32, 0.0][..], &[3.0_f32, 4.0][..]));
/// let q = LayerQuantizer::from_ranges(Quantizer::equal_width(2)?, &ranges[0].1)?;
/// let counts = record(&mlp, &data, StreamingRecorder::new(vec![(0, q)], 2)?, 2, &mut |_| {})?;
/// assert_eq!(counts[0].table(1).unwrap().as_slice(), &[2, 0, 0, 1]);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RangeRecorder {
    layers: Vec<usize>,
    ranges: Vec<Option<Ranges>>,
}

impl RangeRecorder {
    /// Records the ranges of these hidden layers (distinct, increasing).
    ///
    /// # Errors
    /// [`RecordError::Layers`] for an empty, repeated or unsorted selection.
    pub fn new(layers: &[usize]) -> Result<Self> {
        sorted_distinct(layers)?;
        Ok(RangeRecorder {
            layers: layers.to_vec(),
            ranges: vec![None; layers.len()],
        })
    }
}

impl ActivationRecorder for RangeRecorder {
    type Output = Vec<(usize, Ranges)>;

    fn layers(&self) -> Vec<usize> {
        self.layers.clone()
    }

    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, _labels: &[usize]) -> Result<()> {
        let Some(j) = kept_layer(&self.layers, layer, offset, outputs)? else {
            return Ok(());
        };
        Ok(self.ranges[j]
            .get_or_insert_with(|| Ranges::new(outputs.ncols()))
            .observe(outputs)?)
    }

    fn finish(self) -> Result<Self::Output> {
        self.layers
            .into_iter()
            .zip(self.ranges)
            .map(|(layer, ranges)| {
                let ranges = ranges.ok_or_else(|| MeasureError::Empty {
                    what: format!("the recording of hidden layer {layer}"),
                })?;
                Ok((layer, ranges))
            })
            .collect()
    }
}

/// Fills [`LayerCounts`] batch by batch while a network runs, never holding
/// the `samples × neurons` matrix. Gives exactly what
/// [`LayerCounts::from_activations`] gives on the same samples in the same
/// order; see the module documentation for how quantizers are fitted first.
#[derive(Debug, Clone)]
pub struct StreamingRecorder {
    layers: Vec<usize>,
    accumulators: Vec<LayerAccumulator>,
}

impl StreamingRecorder {
    /// Counts each `(layer, fitted quantizer)` (distinct layers) for labels
    /// `0 … num_classes − 1`.
    ///
    /// # Errors
    /// [`RecordError::Layers`] for no or repeated layers,
    /// [`MeasureError::Parameter`] for `num_classes == 0`.
    pub fn new(mut quantizers: Vec<(usize, LayerQuantizer)>, num_classes: usize) -> Result<Self> {
        quantizers.sort_by_key(|&(layer, _)| layer);
        let layers: Vec<usize> = quantizers.iter().map(|&(layer, _)| layer).collect();
        sorted_distinct(&layers)?;
        let accumulators = quantizers
            .into_iter()
            .map(|(layer, q)| LayerAccumulator::new(layer, q, num_classes))
            .collect::<Result<_, _>>()?;
        Ok(StreamingRecorder { layers, accumulators })
    }
}

impl ActivationRecorder for StreamingRecorder {
    type Output = Vec<LayerCounts>;

    fn layers(&self) -> Vec<usize> {
        self.layers.clone()
    }

    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, labels: &[usize]) -> Result<()> {
        match self.accumulators.iter_mut().find(|a| a.layer() == layer) {
            Some(acc) => acc.observe(offset, outputs, labels),
            None => Ok(()),
        }
    }

    fn finish(self) -> Result<Self::Output> {
        self.accumulators.into_iter().map(LayerAccumulator::finish).collect()
    }
}
