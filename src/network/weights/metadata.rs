//! What a model file records besides its tensors: safetensors
//! `__metadata__` entries `infoablate.*`.

use std::collections::{BTreeMap, HashMap};

use super::WeightsError;
use crate::network::Activation;

/// The metadata key of the hidden activation (its text form, `tanh`,
/// `leaky_relu:0.01`, …).
pub const ACTIVATION_KEY: &str = "infoablate.activation";
/// The metadata key of the input normalisation's per-channel means
/// (comma-separated floats).
pub const NORMALIZE_MEAN_KEY: &str = "infoablate.normalize_mean";
/// The metadata key of the input normalisation's per-channel standard
/// deviations (comma-separated floats).
pub const NORMALIZE_STD_KEY: &str = "infoablate.normalize_std";

/// What a model file says about how to run the model: the hidden activation
/// and the input normalisation (`x' = (x − mean[c]) / std[c]` per channel
/// `c`, as torchvision's `Normalize`, channels the input's equal-sized
/// contiguous blocks), kept in the safetensors `__metadata__` under
/// [`ACTIVATION_KEY`], [`NORMALIZE_MEAN_KEY`] and [`NORMALIZE_STD_KEY`].
/// Other entries (PyTorch writes `format: pt`) are kept in `other`.
///
/// [`Mlp::save_safetensors`](crate::network::Mlp::save_safetensors) records
/// the activation, [`Mlp::save_safetensors_with`](crate::network::Mlp::save_safetensors_with)
/// the normalisation too; [`Mlp::load_safetensors_with`](crate::network::Mlp::load_safetensors_with)
/// reads them back.
///
/// # Examples
///
/// ```
/// use infoablate::network::{Activation, ModelMetadata};
///
/// let meta = ModelMetadata {
///     activation: Some(Activation::Tanh),
///     normalize_mean: Some(vec![0.1307]),
///     normalize_std: Some(vec![0.3081]),
///     ..ModelMetadata::default()
/// };
/// let map = meta.to_map();
/// assert_eq!(map["infoablate.activation"], "tanh");
/// assert_eq!(map["infoablate.normalize_mean"], "0.1307");
/// assert_eq!(ModelMetadata::from_map(&map, false)?, meta);
/// assert_eq!(meta.normalization(), Some((&[0.1307_f32][..], &[0.3081_f32][..])));
/// # Ok::<(), infoablate::network::WeightsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelMetadata {
    /// The hidden activation.
    pub activation: Option<Activation>,
    /// Per-channel means of the input normalisation.
    pub normalize_mean: Option<Vec<f32>>,
    /// Per-channel standard deviations of the input normalisation.
    pub normalize_std: Option<Vec<f32>>,
    /// Every other metadata entry, by key.
    pub other: BTreeMap<String, String>,
}

/// `0.1307,0.3081`: floats printed so that they parse back exactly.
fn join(values: &[f32]) -> String {
    values.iter().map(f32::to_string).collect::<Vec<_>>().join(",")
}

/// The error for entry `key` = `value`.
fn bad(key: &str, value: &str, reason: impl Into<String>) -> WeightsError {
    WeightsError::Metadata {
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Comma-separated finite floats.
fn floats(key: &str, value: &str) -> Result<Vec<f32>, WeightsError> {
    value
        .split(',')
        .map(|v| match v.trim().parse::<f32>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(bad(key, value, format!("`{}` is not a finite number", v.trim()))),
        })
        .collect()
}

impl ModelMetadata {
    /// Reads the entries of a safetensors `__metadata__` map. With
    /// `ignore_activation`, an activation entry that does not parse is kept
    /// in `other` instead of refused.
    ///
    /// # Errors
    /// [`WeightsError::Metadata`] naming an `infoablate.*` entry that does
    /// not parse or a normalisation that is not a pair of equally long
    /// vectors with positive standard deviations.
    pub fn from_map(map: &HashMap<String, String>, ignore_activation: bool) -> Result<Self, WeightsError> {
        let mut meta = ModelMetadata::default();
        for (key, value) in map {
            match key.as_str() {
                ACTIVATION_KEY => match value.parse::<Activation>() {
                    Ok(act) => meta.activation = Some(act),
                    Err(_) if ignore_activation => {
                        meta.other.insert(key.clone(), value.clone());
                    }
                    Err(e) => return Err(bad(key, value, e.to_string())),
                },
                NORMALIZE_MEAN_KEY => meta.normalize_mean = Some(floats(key, value)?),
                NORMALIZE_STD_KEY => meta.normalize_std = Some(floats(key, value)?),
                _ => {
                    meta.other.insert(key.clone(), value.clone());
                }
            }
        }
        meta.check_normalization(None)?;
        Ok(meta)
    }

    /// The entries to write: every field that is set, and `other`.
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = self.other.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Some(act) = self.activation {
            map.insert(ACTIVATION_KEY.to_string(), act.to_string());
        }
        if let Some(mean) = &self.normalize_mean {
            map.insert(NORMALIZE_MEAN_KEY.to_string(), join(mean));
        }
        if let Some(std) = &self.normalize_std {
            map.insert(NORMALIZE_STD_KEY.to_string(), join(std));
        }
        map
    }

    /// Checks the normalisation: mean and std both present or both absent,
    /// equally long and non-empty, std positive, and (given the model's
    /// input width) as many channels as divide the width evenly.
    ///
    /// # Errors
    /// [`WeightsError::Metadata`] naming the entry at fault.
    pub fn check_normalization(&self, input_width: Option<usize>) -> Result<(), WeightsError> {
        let (mean, std) = match (&self.normalize_mean, &self.normalize_std) {
            (None, None) => return Ok(()),
            (Some(mean), Some(std)) => (mean, std),
            (Some(mean), None) => {
                return Err(bad(
                    NORMALIZE_MEAN_KEY,
                    &join(mean),
                    format!("{NORMALIZE_STD_KEY} is missing"),
                ));
            }
            (None, Some(std)) => {
                return Err(bad(
                    NORMALIZE_STD_KEY,
                    &join(std),
                    format!("{NORMALIZE_MEAN_KEY} is missing"),
                ));
            }
        };
        if mean.is_empty() || mean.len() != std.len() {
            return Err(bad(
                NORMALIZE_STD_KEY,
                &join(std),
                format!("{} value(s), but {NORMALIZE_MEAN_KEY} has {}", std.len(), mean.len()),
            ));
        }
        if let Some(s) = std.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(bad(
                NORMALIZE_STD_KEY,
                &join(std),
                format!("{s} is not a positive standard deviation"),
            ));
        }
        if let Some(m) = mean.iter().find(|m| !m.is_finite()) {
            return Err(bad(NORMALIZE_MEAN_KEY, &join(mean), format!("{m} is not finite")));
        }
        if let Some(width) = input_width.filter(|w| w % mean.len() != 0) {
            return Err(bad(
                NORMALIZE_MEAN_KEY,
                &join(mean),
                format!("{} channels do not divide the model's input width {width}", mean.len()),
            ));
        }
        Ok(())
    }

    /// The normalisation as `(mean, std)`, when the file records one.
    pub fn normalization(&self) -> Option<(&[f32], &[f32])> {
        Some((self.normalize_mean.as_deref()?, self.normalize_std.as_deref()?))
    }
}
