//! The recorder that keeps every activation.

use ndarray::{Array2, ArrayView2, s};

use super::{ActivationRecorder, RecordError, check_finite, check_same_width, distinct_layers, kept_layer};
use crate::Result;
use crate::data::{DataError, check_labels, check_num_classes};
use crate::network::NetworkError;

/// The largest hidden-layer index a [`Recording`] may hold: 65 535. Per-layer
/// tables (the replacement values of ablation, say) are indexed by layer, so
/// a sparse huge index would size them.
pub const MAX_LAYER_INDEX: usize = u16::MAX as usize;

/// Hidden-layer outputs as `samples × neurons` matrices, with the labels.
///
/// Made by [`DenseRecorder`], or from activations recorded anywhere (a
/// PyTorch forward hook exported to `.npy`, say) with [`Recording::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    layers: Vec<usize>,
    activations: Vec<Array2<f32>>,
    labels: Vec<usize>,
    num_classes: usize,
}

impl Recording {
    /// Wraps activations recorded elsewhere: `activations[j]` is the output of
    /// hidden layer `layers[j]`, `samples × neurons`.
    ///
    /// # Errors
    /// [`RecordError::Layers`] for no or repeated layers or one above
    /// [`MAX_LAYER_INDEX`], [`RecordError::SampleCount`] when a matrix and
    /// the labels disagree, [`RecordError::NonFinite`],
    /// [`DataError::LabelOutOfRange`], [`DataError::Empty`],
    /// [`DataError::Parameter`] for `num_classes` above
    /// [`MAX_CLASSES`](crate::data::MAX_CLASSES).
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::record::Recording;
    /// use ndarray::array;
    ///
    /// let rec = Recording::new(vec![0], vec![array![[0.0_f32, 1.0], [2.0, 3.0]]], vec![0, 1], 2)?;
    /// assert_eq!(rec.num_samples(), 2);
    /// assert!(Recording::new(vec![0], vec![array![[f32::NAN]]], vec![0], 1).is_err());
    /// assert!(Recording::new(vec![usize::MAX], vec![array![[0.0]]], vec![0], 1).is_err());
    /// assert!(Recording::new(vec![0], vec![array![[0.0]]], vec![0], usize::MAX).is_err());
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn new(
        layers: Vec<usize>,
        activations: Vec<Array2<f32>>,
        labels: Vec<usize>,
        num_classes: usize,
    ) -> Result<Self> {
        if distinct_layers(&layers).is_err() || activations.len() != layers.len() {
            return Err(RecordError::Layers(layers).into());
        }
        if labels.is_empty() {
            return Err(DataError::Empty.into());
        }
        check_labels(&labels, num_classes)?;
        check_num_classes(num_classes)?;
        for (&layer, acts) in layers.iter().zip(&activations) {
            if acts.nrows() != labels.len() {
                return Err(RecordError::SampleCount {
                    what: format!("activations of hidden layer {layer} vs labels"),
                    expected: labels.len(),
                    got: acts.nrows(),
                }
                .into());
            }
            check_finite(layer, 0, acts.view())?;
        }
        Ok(Recording {
            layers,
            activations,
            labels,
            num_classes,
        })
    }

    /// The recorded hidden layers.
    pub fn layers(&self) -> &[usize] {
        &self.layers
    }

    /// Output of hidden layer `layer`, `samples × neurons`.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`] when the layer was not recorded.
    pub fn layer(&self, layer: usize) -> Result<ArrayView2<'_, f32>> {
        self.layers
            .iter()
            .position(|&l| l == layer)
            .map(|j| self.activations[j].view())
            .ok_or_else(|| {
                NetworkError::NoSuchLayer {
                    layer,
                    num_hidden: self.layers.len(),
                }
                .into()
            })
    }

    /// `(layer, outputs)` for every recorded layer.
    pub fn iter(&self) -> impl Iterator<Item = (usize, ArrayView2<'_, f32>)> {
        self.layers
            .iter()
            .copied()
            .zip(self.activations.iter().map(|a| a.view()))
    }

    /// The labels.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The class count.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The sample count.
    pub fn num_samples(&self) -> usize {
        self.labels.len()
    }
}

/// Keeps every requested hidden layer's output in memory.
#[derive(Debug, Clone)]
pub struct DenseRecorder {
    layers: Vec<usize>,
    activations: Vec<Vec<f32>>,
    widths: Vec<usize>,
    labels: Vec<usize>,
    num_classes: usize,
}

impl DenseRecorder {
    /// Records the given hidden layers (distinct; any order).
    ///
    /// # Errors
    /// [`RecordError::Layers`] for an empty or repeated selection, or a
    /// layer above [`MAX_LAYER_INDEX`].
    pub fn new(layers: &[usize]) -> Result<Self> {
        let sorted = distinct_layers(layers)?;
        Ok(DenseRecorder {
            activations: vec![Vec::new(); sorted.len()],
            widths: vec![0; sorted.len()],
            layers: sorted,
            labels: Vec::new(),
            num_classes: 0,
        })
    }

    /// Records all hidden layers `0 … num_hidden − 1`.
    ///
    /// # Errors
    /// [`RecordError::Layers`] when `num_hidden` is 0.
    pub fn all(num_hidden: usize) -> Result<Self> {
        Self::new(&(0..num_hidden).collect::<Vec<_>>())
    }

    /// The class count the recording will carry; by default the largest label
    /// seen plus one. Set it when a class may have no sample.
    pub fn with_num_classes(mut self, num_classes: usize) -> Self {
        self.num_classes = num_classes;
        self
    }
}

impl ActivationRecorder for DenseRecorder {
    type Output = Recording;

    fn layers(&self) -> Vec<usize> {
        self.layers.clone()
    }

    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, labels: &[usize]) -> Result<()> {
        let Some(j) = kept_layer(&self.layers, layer, offset, outputs)? else {
            return Ok(());
        };
        let seen = (!self.activations[j].is_empty()).then_some(self.widths[j]);
        check_same_width(layer, offset, seen, outputs)?;
        self.widths[j] = outputs.ncols();
        self.activations[j].extend(outputs.iter().copied());
        if j == 0 {
            self.labels.extend_from_slice(labels);
        }
        Ok(())
    }

    fn finish(self) -> Result<Recording> {
        let samples = self.labels.len();
        let num_classes = self.num_classes.max(self.labels.iter().max().map_or(0, |&m| m + 1));
        let mut activations = Vec::with_capacity(self.layers.len());
        for ((&layer, data), width) in self.layers.iter().zip(self.activations).zip(self.widths) {
            let got = data.len().checked_div(width).unwrap_or(0);
            let matrix = Array2::from_shape_vec((got, width), data).map_err(|_| RecordError::SampleCount {
                what: format!("recorded outputs of hidden layer {layer}"),
                expected: samples,
                got,
            })?;
            activations.push(matrix);
        }
        Recording::new(self.layers, activations, self.labels, num_classes)
    }
}

impl Recording {
    /// The samples `start … end` of every layer, as a new recording.
    ///
    /// # Errors
    /// [`DataError::IndexOutOfRange`] / [`DataError::Empty`] for a bad range.
    pub fn slice(&self, start: usize, end: usize) -> Result<Recording> {
        if end > self.num_samples() {
            return Err(DataError::IndexOutOfRange {
                index: end,
                len: self.num_samples(),
            }
            .into());
        }
        if start >= end {
            return Err(DataError::Empty.into());
        }
        Ok(Recording {
            layers: self.layers.clone(),
            activations: self
                .activations
                .iter()
                .map(|a| a.slice(s![start..end, ..]).to_owned())
                .collect(),
            labels: self.labels[start..end].to_vec(),
            num_classes: self.num_classes,
        })
    }
}
