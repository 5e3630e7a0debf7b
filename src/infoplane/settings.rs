//! What the information-plane estimates are computed with.

use super::InfoPlaneError;
use crate::measures::{Quantizer, Units};

/// Settings of the layer-level estimates, validated by
/// [`InfoPlaneSettings::validate`].
///
/// The default: 30 equal-width bins per neuron fitted on the analysis set at
/// each point (Saxe et al.'s bin count, ranges from the data), bits, 20 label
/// permutations with seed 0, saturation threshold 0.5, no noise model (so no
/// `I(X;T)`), summaries only, no pair measures, recorded at epoch ends in
/// batches of 500.
///
/// # Examples
///
/// ```
/// use infoablate::infoplane::InfoPlaneSettings;
///
/// let settings = InfoPlaneSettings { noise_variance: Some(0.1), ..InfoPlaneSettings::default() };
/// assert!(settings.validate().is_ok());
/// let bad = InfoPlaneSettings { saturation_threshold: 1.5, ..InfoPlaneSettings::default() };
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InfoPlaneSettings {
    /// The per-neuron quantizer, fitted on the analysis set at every point.
    pub quantizer: Quantizer,
    /// Units of every information quantity.
    pub units: Units,
    /// Label permutations of the null of `I(T;Y)`; 0 for none.
    pub permutations: usize,
    /// Seed of the permutations (the same permutations for every layer and point).
    pub seed: u64,
    /// A layer is `saturated` when distinct codewords over samples exceed this, in `[0, 1]`.
    pub saturation_threshold: f64,
    /// `σ²` of the Gaussian noise model of `I(X;T)`; `None`: not estimated.
    pub noise_variance: Option<f64>,
    /// Keep every neuron's values, not only their summaries.
    pub neuron_values: bool,
    /// Record every this many optimizer steps instead of at epoch ends.
    pub every_steps: Option<usize>,
    /// Samples per forward pass when recording the analysis set.
    pub batch_size: usize,
    /// With a quantizer (binary is the sensible one, e.g.
    /// `Quantizer::binary(0.0)` for ReLU and tanh), the layer's mean pairwise
    /// redundancy and synergy over every pair of its neurons
    /// ([`PairMeans`](super::PairMeans): the closed forms of a
    /// [`PairAnalysis`](crate::pairs::PairAnalysis)); `None` (the default):
    /// not computed. The cost is one pair analysis of `w·(w−1)/2` pairs per
    /// layer and point: for a binary 100-neuron layer on 1,000 samples, a few
    /// milliseconds of CPU (about the price of the rest of the snapshot).
    pub pairs: Option<Quantizer>,
}

impl Default for InfoPlaneSettings {
    fn default() -> Self {
        InfoPlaneSettings {
            quantizer: Quantizer::equal_width(30).expect("30 bins is a valid bin count"),
            units: Units::Bits,
            permutations: 20,
            seed: 0,
            saturation_threshold: 0.5,
            noise_variance: None,
            neuron_values: false,
            every_steps: None,
            batch_size: 500,
            pairs: None,
        }
    }
}

impl InfoPlaneSettings {
    /// Checks every setting's range.
    ///
    /// # Errors
    /// [`InfoPlaneError::Parameter`] naming the setting.
    pub fn validate(&self) -> Result<(), InfoPlaneError> {
        let bad = |name, reason: String| Err(InfoPlaneError::Parameter { name, reason });
        if !(0.0..=1.0).contains(&self.saturation_threshold) {
            return bad(
                "saturation_threshold",
                format!("{} is outside [0, 1]", self.saturation_threshold),
            );
        }
        if let Some(v) = self.noise_variance.filter(|v| !(v.is_finite() && *v > 0.0)) {
            return bad("noise_variance", format!("{v} is not finite and positive"));
        }
        if self.every_steps == Some(0) {
            return bad("every_steps", "0: give a positive step count or none".into());
        }
        if self.batch_size == 0 {
            return bad("batch_size", "0: must be positive".into());
        }
        Ok(())
    }
}
