//! What an ablated neuron outputs.

use std::fmt;

use super::means::LayerSums;
use super::per_layer::PerLayer;
use super::{AblationError, Neuron};
use crate::Result;
use crate::record::Recording;

/// One constant per neuron of some hidden layers.
#[derive(Debug, Clone, PartialEq)]
pub struct NeuronValues {
    per_layer: PerLayer<f32>,
}

impl NeuronValues {
    /// Values given per hidden layer (an empty vector for a layer without
    /// values).
    ///
    /// # Errors
    /// [`AblationError::NonFinite`] for NaN or infinite values.
    pub fn new(per_layer: Vec<Vec<f32>>) -> Result<Self> {
        let per_layer = PerLayer::dense(per_layer);
        for (layer, row) in per_layer.iter() {
            if let Some((neuron, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(AblationError::NonFinite {
                    what: "replacement value".into(),
                    layer,
                    neuron,
                    value: f64::from(v),
                }
                .into());
            }
        }
        Ok(NeuronValues { per_layer })
    }

    /// Each recorded neuron's mean output on the recording (computed in
    /// `f64`): the values of "bias balancing" when the recording is the
    /// analysis set. [`MeanRecorder`](super::MeanRecorder) gives the same
    /// values, to the bit, straight from a network's forward passes,
    /// without a recording.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::ablation::NeuronValues;
    /// use infoablate::record::Recording;
    /// use ndarray::array;
    ///
    /// let rec = Recording::new(vec![1], vec![array![[1.0_f32, 0.0], [2.0, 4.0]]], vec![0, 1], 2)?;
    /// let means = NeuronValues::means_of(&rec);
    /// assert_eq!(means.value((1, 0))?, 1.5);
    /// assert_eq!(means.value((1, 1))?, 2.0);
    /// assert!(means.value((0, 0)).is_err());
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn means_of(recording: &Recording) -> Self {
        Self::from_per_layer(PerLayer::new(recording.iter().map(|(layer, acts)| {
            let mut sums = LayerSums::default();
            sums.add(acts);
            (layer, sums.means())
        })))
    }

    /// Values already known to be finite.
    pub(super) fn from_per_layer(per_layer: PerLayer<f32>) -> Self {
        NeuronValues { per_layer }
    }

    /// The value of one neuron.
    ///
    /// # Errors
    /// [`AblationError::MissingReplacement`] when its layer has no values,
    /// [`AblationError::NeuronOutOfRange`] when the index is beyond them.
    pub fn value(&self, (layer, neuron): Neuron) -> Result<f32> {
        let row = self.per_layer.get(layer);
        if row.is_empty() {
            return Err(AblationError::MissingReplacement { layer }.into());
        }
        row.get(neuron).copied().ok_or_else(|| {
            AblationError::NeuronOutOfRange {
                layer,
                neuron,
                width: row.len(),
            }
            .into()
        })
    }
}

/// The constant an ablated neuron's output is replaced by.
#[derive(Debug, Clone, PartialEq)]
pub enum Replacement {
    /// Zero: the neuron is removed (Morcos et al.'s default).
    Zero,
    /// The neuron's mean on the analysis set ("bias balancing"); build it
    /// with [`NeuronValues::means_of`] or [`MeanRecorder`](super::MeanRecorder).
    Mean(NeuronValues),
    /// Any per-neuron constants.
    Constant(NeuronValues),
}

impl Replacement {
    /// The value neuron `neuron` is clamped to.
    ///
    /// # Errors
    /// As [`NeuronValues::value`].
    pub fn value(&self, neuron: Neuron) -> Result<f32> {
        match self {
            Replacement::Zero => Ok(0.0),
            Replacement::Mean(values) | Replacement::Constant(values) => values.value(neuron),
        }
    }

    /// `zero`, `mean` or `constant`.
    pub fn name(&self) -> &'static str {
        match self {
            Replacement::Zero => "zero",
            Replacement::Mean(_) => "mean",
            Replacement::Constant(_) => "constant",
        }
    }
}

impl fmt::Display for Replacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
