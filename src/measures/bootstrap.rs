//! Seeded percentile-bootstrap confidence intervals: the settings, the
//! percentile rule, and intervals for the per-neuron measures by resampling
//! the analysis set.

use ndarray::Axis;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::MeasureError;
use super::scores::{MeasureSettings, Scores};
use crate::Result;
use crate::network::Network;
use crate::parallel::map_items;
use crate::record::Recording;

/// How a percentile bootstrap resamples: `replicates` resamples of the `N`
/// samples, drawn with replacement by a [`StdRng`] seeded with `seed`, and a
/// two-sided interval of confidence `level` from the `(1 − level)/2` and
/// `(1 + level)/2` percentiles of the replicates' values (linear
/// interpolation, NumPy's default).
///
/// # Examples
///
/// ```
/// use infoablate::measures::Bootstrap;
/// let b = Bootstrap::new(1000, 0.95, 7)?;
/// assert_eq!(b.percentiles(), (2.5, 97.5));
/// assert!(Bootstrap::new(0, 0.95, 7).is_err());
/// assert!(Bootstrap::new(1000, 1.0, 7).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bootstrap {
    /// Resamples drawn.
    pub replicates: usize,
    /// Confidence level of the interval, in `(0, 1)`.
    pub level: f64,
    /// Seed of the resampling.
    pub seed: u64,
}

impl Bootstrap {
    /// Replicates by default: 1000, enough for the 2.5 and 97.5 percentiles
    /// of a 95 % interval to rest on 25 replicates each.
    pub const DEFAULT_REPLICATES: usize = 1000;

    /// The most replicates [`new`](Bootstrap::new) accepts: each quantity
    /// keeps one value per replicate and checkpoint (a 301-point curve's
    /// accuracy and loss at this many replicates hold about 0.5 GB).
    pub const MAX_REPLICATES: usize = 100_000;

    /// Checked settings.
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] for no replicate, more than
    /// [`MAX_REPLICATES`](Bootstrap::MAX_REPLICATES), or a level outside `(0, 1)`.
    pub fn new(replicates: usize, level: f64, seed: u64) -> Result<Self> {
        if replicates == 0 {
            return Err(parameter("replicates", "at least one resample is needed".into()));
        }
        if replicates > Self::MAX_REPLICATES {
            return Err(parameter(
                "replicates",
                format!("{replicates} is more than the {} allowed", Self::MAX_REPLICATES),
            ));
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(parameter("level", format!("{level} must lie strictly between 0 and 1")));
        }
        Ok(Bootstrap {
            replicates,
            level,
            seed,
        })
    }

    /// The interval's lower and upper percentiles, in `[0, 100]`.
    pub fn percentiles(&self) -> (f64, f64) {
        let level = 100.0 * self.level;
        ((100.0 - level) / 2.0, (100.0 + level) / 2.0)
    }

    /// The seeded generator of the resamples.
    pub(crate) fn rng(&self) -> StdRng {
        StdRng::seed_from_u64(self.seed)
    }

    /// The interval of `values` (the replicates' values of one quantity),
    /// which it sorts.
    pub(crate) fn interval(&self, values: &mut [f64]) -> (f64, f64) {
        values.sort_by(f64::total_cmp);
        let (lo, hi) = self.percentiles();
        (percentile(values, lo), percentile(values, hi))
    }
}

fn parameter(name: &'static str, reason: String) -> crate::Error {
    MeasureError::Parameter { name, reason }.into()
}

/// Percentile `q ∈ [0, 100]` of sorted, non-empty values, linear
/// interpolation (Hyndman–Fan type 7, NumPy's default).
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Bootstrap intervals of every measure of every neuron: for each layer and
/// measure, the lower and upper ends per neuron.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ScoreIntervals {
    /// The resampling.
    pub bootstrap: Bootstrap,
    /// The scores of the analysis set itself.
    pub scores: Scores,
    /// `(layer, measure, lower, upper)`, layers in increasing order and
    /// measures in column order, one value per neuron.
    intervals: Vec<(usize, String, Vec<f64>, Vec<f64>)>,
}

impl ScoreIntervals {
    /// Resamples the analysis set's samples (rows of every layer together,
    /// with their labels) `bootstrap.replicates` times, scores each resample
    /// as [`analyze`](super::analyze) does (quantizers refitted on the
    /// resample: the fit is part of the estimate) and keeps each neuron's
    /// percentile interval of each measure.
    ///
    /// # Errors
    /// As [`analyze`](super::analyze), on the recording or on a resample (a
    /// resample can lose a class the class selectivity index needs).
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::measures::{Bootstrap, MeasureSettings, ScoreIntervals};
    /// use infoablate::record::Recording;
    /// use ndarray::Array2;
    ///
    /// // Neuron 0 copies the class, neuron 1 is constant.
    /// let labels: Vec<usize> = (0..200).map(|s| s % 2).collect();
    /// let acts = Array2::from_shape_fn((200, 2), |(s, i)| if i == 0 { labels[s] as f32 } else { 1.0 });
    /// let rec = Recording::new(vec![0], vec![acts], labels, 2)?;
    /// let ci = ScoreIntervals::compute(&rec, &MeasureSettings::default(), None, Bootstrap::new(200, 0.9, 1)?)?;
    /// let (lower, upper) = ci.get("mutual_info", 0)?;
    /// assert!(lower[0] > 0.97 && upper[0] <= 1.0 + 1e-12); // about 1 bit: the class of a resample is near 50/50
    /// assert_eq!((lower[1], upper[1]), (0.0, 0.0));
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn compute(
        recording: &Recording,
        settings: &MeasureSettings,
        network: Option<&(dyn Network + Sync)>,
        bootstrap: Bootstrap,
    ) -> Result<Self> {
        let scores = super::analyze(recording, settings, network.map(|n| n as &dyn Network))?;
        let n = recording.labels().len();
        let mut rng = bootstrap.rng();
        // Drawn in sequence from one generator, scored in parallel: the same
        // intervals whatever the thread count.
        let resamples: Vec<Vec<usize>> = (0..bootstrap.replicates)
            .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
            .collect();
        let score = |rows: &Vec<usize>| -> Result<Vec<f64>> {
            let layers: Vec<usize> = recording.iter().map(|(l, _)| l).collect();
            let acts = recording.iter().map(|(_, a)| a.select(Axis(0), rows)).collect();
            let labels = rows.iter().map(|&s| recording.labels()[s]).collect();
            let resample = Recording::new(layers, acts, labels, recording.num_classes())?;
            flatten(&super::analyze(
                &resample,
                settings,
                network.map(|n| n as &dyn Network),
            )?)
        };
        // replicates[b] holds, layer by layer and measure by measure, every neuron's value.
        let replicates: Vec<Vec<f64>> = map_items(&resamples, score).into_iter().collect::<Result<_>>()?;
        let mut intervals = Vec::new();
        let mut offset = 0;
        for layer in scores.layers() {
            for column in scores.measures() {
                let width = scores.get(&column.name, layer)?.len();
                let (mut lower, mut upper) = (Vec::with_capacity(width), Vec::with_capacity(width));
                let mut values = vec![0.0; replicates.len()];
                for i in offset..offset + width {
                    for (v, r) in values.iter_mut().zip(&replicates) {
                        *v = r[i];
                    }
                    let (lo, hi) = bootstrap.interval(&mut values);
                    lower.push(lo);
                    upper.push(hi);
                }
                offset += width;
                intervals.push((layer, column.name.clone(), lower, upper));
            }
        }
        Ok(ScoreIntervals {
            bootstrap,
            scores,
            intervals,
        })
    }

    /// The lower and upper ends of one measure's intervals over one layer's
    /// neurons, in neuron order.
    ///
    /// # Errors
    /// [`MeasureError::UnknownMeasure`], [`MeasureError::UnknownLayer`].
    pub fn get(&self, measure: &str, layer: usize) -> Result<(&[f64], &[f64])> {
        self.scores.get(measure, layer)?;
        let (_, _, lower, upper) = self
            .intervals
            .iter()
            .find(|(l, m, _, _)| *l == layer && m == measure)
            .ok_or(MeasureError::UnknownLayer { layer })?;
        Ok((lower, upper))
    }

    /// CSV with header `layer,neuron,measure,value,lower,upper`, one row per
    /// neuron and measure, floats in shortest round-trip form.
    pub fn to_csv(&self) -> String {
        use std::fmt::Write as _;
        let mut csv = String::from("layer,neuron,measure,value,lower,upper\n");
        for (layer, measure, lower, upper) in &self.intervals {
            let values = self.scores.get(measure, *layer).unwrap_or_default();
            for (i, ((v, lo), hi)) in values.iter().zip(lower).zip(upper).enumerate() {
                let _ = writeln!(csv, "{layer},{i},{measure},{v},{lo},{hi}");
            }
        }
        csv
    }
}

/// Every value of `scores`, layer by layer, measure by measure, neuron by neuron.
fn flatten(scores: &Scores) -> Result<Vec<f64>> {
    let mut values = Vec::new();
    for layer in scores.layers() {
        for column in scores.measures() {
            values.extend_from_slice(scores.get(&column.name, layer)?);
        }
    }
    Ok(values)
}
