//! Each neuron's mean output, from a recording or batch by batch without one.

use ndarray::ArrayView2;

use super::per_layer::PerLayer;
use super::replacement::NeuronValues;
use crate::Result;
use crate::data::DataError;
use crate::record::{ActivationRecorder, check_same_width, distinct_layers, kept_layer};

/// Running per-neuron sums of one hidden layer's outputs, in `f64`, added
/// sample after sample: the one summation behind [`NeuronValues::means_of`]
/// and [`MeanRecorder`], so the two give the same bits.
#[derive(Debug, Clone, Default)]
pub(super) struct LayerSums {
    /// One sum per neuron (empty before the first batch).
    sums: Vec<f64>,
    /// Samples added.
    samples: usize,
}

impl LayerSums {
    /// Adds the outputs of a batch (`samples × neurons`), row by row.
    pub(super) fn add(&mut self, outputs: ArrayView2<'_, f32>) {
        if self.samples == 0 && self.sums.is_empty() {
            self.sums = vec![0.0; outputs.ncols()];
        }
        for row in outputs.outer_iter() {
            for (s, &v) in self.sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        self.samples += outputs.nrows();
    }

    /// Each neuron's mean (NaN for none added).
    pub(super) fn means(&self) -> Vec<f32> {
        let n = self.samples as f64;
        self.sums.iter().map(|&s| (s / n) as f32).collect()
    }
}

/// An [`ActivationRecorder`] that keeps only each neuron's running sum and
/// yields the means as [`NeuronValues`] — what [`NeuronValues::means_of`]
/// computes from a [`Recording`](crate::record::Recording), to the bit,
/// without holding the `samples × neurons` matrices. Like
/// [`DenseRecorder`](crate::record::DenseRecorder) it refuses a NaN or
/// infinite output.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::ablation::{MeanRecorder, Replacement};
/// use infoablate::data::Dataset;
/// use infoablate::network::{Activation, Mlp};
/// use infoablate::record::record;
/// use ndarray::array;
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, -1.0]], array![0.0, 0.0]), (array![[1.0, 1.0]], array![0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[1.0_f32, 2.0], [3.0, -4.0]], vec![0, 0], 1)?;
/// // Layer 0 outputs [1, 0] and [3, 4]: means 2 and 2, in batches of one sample.
/// let means = record(&mlp, &data, MeanRecorder::new(&[0])?, 1, &mut |_| {})?;
/// assert_eq!(means.value((0, 0))?, 2.0);
/// assert_eq!(means.value((0, 1))?, 2.0);
/// assert_eq!(Replacement::Mean(means).value((0, 1))?, 2.0);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MeanRecorder {
    /// The layers, increasing.
    layers: Vec<usize>,
    /// The sums of each layer, in the order of `layers`.
    sums: Vec<LayerSums>,
}

impl MeanRecorder {
    /// Averages the given hidden layers (distinct; any order).
    ///
    /// # Errors
    /// [`RecordError::Layers`](crate::record::RecordError::Layers) for an empty or repeated selection, or a
    /// layer above [`MAX_LAYER_INDEX`](crate::record::MAX_LAYER_INDEX).
    pub fn new(layers: &[usize]) -> Result<Self> {
        let layers = distinct_layers(layers)?;
        Ok(MeanRecorder {
            sums: vec![LayerSums::default(); layers.len()],
            layers,
        })
    }
}

impl ActivationRecorder for MeanRecorder {
    type Output = NeuronValues;

    fn layers(&self) -> Vec<usize> {
        self.layers.clone()
    }

    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, _labels: &[usize]) -> Result<()> {
        let Some(j) = kept_layer(&self.layers, layer, offset, outputs)? else {
            return Ok(());
        };
        let sums = &mut self.sums[j];
        check_same_width(layer, offset, (sums.samples > 0).then_some(sums.sums.len()), outputs)?;
        sums.add(outputs);
        Ok(())
    }

    /// # Errors
    /// [`DataError::Empty`] when a layer saw no sample.
    fn finish(self) -> Result<NeuronValues> {
        if self.sums.iter().any(|s| s.samples == 0) {
            return Err(DataError::Empty.into());
        }
        Ok(NeuronValues::from_per_layer(PerLayer::new(
            self.layers.into_iter().zip(self.sums.iter().map(LayerSums::means)),
        )))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, s};

    use super::MeanRecorder;
    use crate::ablation::NeuronValues;
    use crate::error::Error;
    use crate::record::{ActivationRecorder, RecordError, Recording};

    /// Values whose `f64` sum depends on the order of addition.
    fn outputs(rows: usize, cols: usize) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |(i, j)| {
            let h = ((i * 31 + j * 7) as u32).wrapping_mul(2_654_435_761);
            (h % 1_000_003) as f32 * 1e-3 * if h.is_multiple_of(3) { -1.0 } else { 1e4 }
        })
    }

    /// Fed in uneven batches, the recorder gives `means_of`'s bits.
    #[test]
    fn batch_means_equal_the_recording_means_bit_for_bit() {
        let (a, b) = (outputs(1001, 13), outputs(1001, 4));
        let labels = vec![0; 1001];
        let rec = Recording::new(vec![1, 3], vec![a.clone(), b.clone()], labels.clone(), 1).unwrap();
        let expected = NeuronValues::means_of(&rec);
        let mut recorder = MeanRecorder::new(&[3, 1]).unwrap();
        for (start, end) in [(0, 1), (1, 400), (400, 1000), (1000, 1001)] {
            let labels = &labels[start..end];
            recorder.observe(1, start, a.slice(s![start..end, ..]), labels).unwrap();
            recorder.observe(3, start, b.slice(s![start..end, ..]), labels).unwrap();
            recorder.observe(2, start, b.slice(s![start..end, ..]), labels).unwrap();
        }
        let got = recorder.finish().unwrap();
        assert_eq!(got, expected);
        for (layer, width) in [(1, 13), (3, 4)] {
            for neuron in 0..width {
                let bits = |v: &NeuronValues| v.value((layer, neuron)).unwrap().to_bits();
                assert_eq!(bits(&got), bits(&expected), "layer {layer}, neuron {neuron}");
            }
        }
    }

    #[test]
    fn bad_outputs_and_selections_are_refused() {
        let mut recorder = MeanRecorder::new(&[0]).unwrap();
        let mut bad = outputs(3, 2);
        bad[[2, 1]] = f32::NAN;
        let err = recorder.observe(0, 10, bad.view(), &[0; 3]).unwrap_err();
        assert!(matches!(
            err,
            Error::Record(RecordError::NonFinite {
                layer: 0,
                neuron: 1,
                sample: 12,
                ..
            })
        ));
        recorder.observe(0, 0, outputs(2, 2).view(), &[0; 2]).unwrap();
        assert!(recorder.observe(0, 2, outputs(2, 3).view(), &[0; 2]).is_err());
        assert!(MeanRecorder::new(&[]).is_err());
        assert!(MeanRecorder::new(&[1, 1]).is_err());
        assert!(MeanRecorder::new(&[usize::MAX]).is_err());
        assert!(MeanRecorder::new(&[0]).unwrap().finish().is_err());
    }
}
