//! The record of a training run: one snapshot of every layer per point.

use std::fmt::Write as _;

use super::layer::{LayerPoint, PAIR_MEAN_COLUMNS};
use super::settings::InfoPlaneSettings;

/// Every layer's estimates at one point of training.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Snapshot {
    /// Epochs completed (0 before training; during an epoch, the epoch under way).
    pub epoch: usize,
    /// Optimizer steps taken so far.
    pub step: usize,
    /// Mean training loss of the epoch (nats), at epoch ends.
    pub train_loss: Option<f64>,
    /// Training accuracy of the epoch, at epoch ends.
    pub train_accuracy: Option<f64>,
    /// One point per hidden layer, first hidden layer first.
    pub layers: Vec<LayerPoint>,
}

/// The snapshots of a run, with the settings that produced them.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InfoPlaneTrace {
    /// The settings of every estimate.
    pub settings: InfoPlaneSettings,
    /// The snapshots, in the order taken.
    pub snapshots: Vec<Snapshot>,
}

/// The columns of [`InfoPlaneTrace::to_csv`] before the per-neuron summaries.
const COLUMNS: &str = "epoch,step,train_loss,train_accuracy,layer,width,samples,distinct,distinct_fraction,saturated,\
entropy,entropy_mm,mutual_info,mutual_info_mm,null_mean,null_sd,null_p_value,mutual_info_debiased,\
sum_neuron_mi,total_correlation,noise_variance,input_info_upper_bound";

fn optional(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

impl InfoPlaneTrace {
    /// CSV, one row per snapshot and layer (empty cells where a quantity was
    /// not estimated), then `<measure>_mean,_min,_median,_max` for each
    /// per-neuron measure, then (with [`InfoPlaneSettings::pairs`])
    /// `pair_<column>_mean` for each column of [`PairMeans`](super::PairMeans);
    /// values in shortest round-trip form.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::infoplane::{InfoPlaneSettings, InfoPlaneTrace};
    ///
    /// let trace = InfoPlaneTrace { settings: InfoPlaneSettings::default(), snapshots: vec![] };
    /// assert!(trace.to_csv().starts_with("epoch,step,train_loss"));
    /// ```
    pub fn to_csv(&self) -> String {
        let mut out = String::from(COLUMNS);
        let first = self.snapshots.iter().flat_map(|s| s.layers.first()).next();
        for summary in first.map_or(&[][..], |l| &l.neurons[..]) {
            let m = &summary.measure;
            let _ = write!(out, ",{m}_mean,{m}_min,{m}_median,{m}_max");
        }
        if self.settings.pairs.is_some() {
            for c in PAIR_MEAN_COLUMNS {
                let _ = write!(out, ",pair_{c}_mean");
            }
        }
        out.push('\n');
        for snap in &self.snapshots {
            for l in &snap.layers {
                let null = l.null.as_ref();
                let fields = [
                    snap.epoch.to_string(),
                    snap.step.to_string(),
                    optional(snap.train_loss),
                    optional(snap.train_accuracy),
                    l.layer.to_string(),
                    l.width.to_string(),
                    l.samples.to_string(),
                    l.distinct.to_string(),
                    l.distinct_fraction.to_string(),
                    l.saturated.to_string(),
                    l.entropy.to_string(),
                    l.entropy_mm.to_string(),
                    l.mutual_info.to_string(),
                    l.mutual_info_mm.to_string(),
                    optional(null.map(|n| n.mean)),
                    optional(null.map(|n| n.sd)),
                    optional(null.map(|n| n.p_value)),
                    optional(null.map(|n| n.debiased)),
                    l.sum_neuron_mi.to_string(),
                    l.total_correlation.to_string(),
                    optional(l.input_info.map(|i| i.noise_variance)),
                    optional(l.input_info.map(|i| i.upper_bound)),
                ];
                out.push_str(&fields.join(","));
                for s in &l.neurons {
                    let _ = write!(out, ",{},{},{},{}", s.mean, s.min, s.median, s.max);
                }
                if self.settings.pairs.is_some() {
                    for c in PAIR_MEAN_COLUMNS {
                        let _ = write!(out, ",{}", optional(l.pairs.as_ref().and_then(|p| p.get(c))));
                    }
                }
                out.push('\n');
            }
        }
        out
    }

    /// The trace as JSON (settings and every snapshot).
    ///
    /// # Errors
    /// [`InfoPlaneError::Serialize`](super::InfoPlaneError::Serialize) if
    /// serialization fails (a non-finite number has no JSON form).
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> Result<String, super::InfoPlaneError> {
        serde_json::to_string_pretty(self).map_err(|e| super::InfoPlaneError::Serialize(e.to_string()))
    }
}
