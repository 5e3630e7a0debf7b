//! Ablation curves and random bands.

use std::fmt::Write as _;

use super::{AblationError, Order, Scope};
use crate::Result;
use crate::measures::percentile;

/// One point of a curve: the network scored with `k` neurons ablated.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurvePoint {
    /// Neurons ablated.
    pub k: usize,
    /// `k / N`, `N` the hidden neurons in the schedule's scope (the layer's
    /// width, or all hidden neurons for a global scope). For a complete
    /// schedule — every built-in one but a partial explicit list — `N` is
    /// the schedule's `n` and the last point is at 1; a partial ranking of 3
    /// of a layer's 16 neurons ends at 3/16.
    pub fraction: f64,
    /// Fraction of evaluation samples classified right (arg-max, ties → lowest class).
    pub accuracy: f64,
    /// Mean cross-entropy `−log softmax(logits)[y]`, in nats.
    pub loss: f64,
}

/// The settings a curve was made with.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurveLabel {
    /// The measure that ordered the neurons; `random` or `explicit` otherwise.
    pub measure: String,
    /// Ranking direction, for score-ordered schedules.
    pub order: Option<Order>,
    /// The scope.
    pub scope: Scope,
    /// The replacement: `zero`, `mean` or `constant`.
    pub replacement: String,
    /// The seed of a random order.
    pub seed: Option<u64>,
    /// Neurons in the schedule (`n`).
    pub neurons: usize,
}

impl CurveLabel {
    /// A short name for legends and tables: the measure and its order
    /// (`mutual_info descending`), the seed of a random order
    /// (`random (seed 7)`), or the measure alone.
    ///
    /// ```
    /// use infoablate::ablation::{CurveLabel, Order, Scope};
    /// let label = CurveLabel { measure: "csi".into(), order: Some(Order::Ascending), scope: Scope::Global, replacement: "zero".into(), seed: None, neurons: 3 };
    /// assert_eq!(label.name(), "csi ascending");
    /// let random = CurveLabel { measure: "random".into(), order: None, seed: Some(7), ..label };
    /// assert_eq!(random.name(), "random (seed 7)");
    /// ```
    pub fn name(&self) -> String {
        match (self.order, self.seed) {
            (Some(order), _) => format!("{} {order}", self.measure),
            (None, Some(seed)) => format!("{} (seed {seed})", self.measure),
            (None, None) => self.measure.clone(),
        }
    }
}

/// Accuracy and loss against the number of ablated neurons.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AblationCurve {
    /// How the curve was made.
    pub label: CurveLabel,
    /// The points, by increasing `k`.
    pub points: Vec<CurvePoint>,
}

impl AblationCurve {
    /// Area under the accuracy curve over `x = k/N ∈ [0, 1]`, by the
    /// trapezoid rule over the scored points (over `[0, n/N]` for a partial
    /// schedule, see [`CurvePoint::fraction`]).
    ///
    /// ```
    /// use infoablate::ablation::{AblationCurve, CurveLabel, CurvePoint, Scope};
    /// let p = |k: usize, accuracy: f64| CurvePoint { k, fraction: k as f64 / 2.0, accuracy, loss: 0.0 };
    /// let label = CurveLabel { measure: "x".into(), order: None, scope: Scope::Global, replacement: "zero".into(), seed: None, neurons: 2 };
    /// let curve = AblationCurve { label, points: vec![p(0, 1.0), p(1, 0.5), p(2, 0.0)] };
    /// assert_eq!(curve.auc(), 0.5);
    /// ```
    pub fn auc(&self) -> f64 {
        trapezoid(self.points.iter().map(|p| (p.fraction, p.accuracy)))
    }

    /// The point scored at `k`, if any.
    pub fn at(&self, k: usize) -> Option<&CurvePoint> {
        self.points.iter().find(|p| p.k == k)
    }

    /// The point nearest to a fraction ablated (the lower `k` on ties).
    pub fn nearest(&self, fraction: f64) -> Option<&CurvePoint> {
        self.points
            .iter()
            .min_by(|a, b| (a.fraction - fraction).abs().total_cmp(&(b.fraction - fraction).abs()))
    }

    /// The curve as CSV with header `k,fraction,accuracy,loss`, floats in
    /// shortest round-trip form.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("k,fraction,accuracy,loss\n");
        for p in &self.points {
            // Writing to a String cannot fail.
            let _ = writeln!(out, "{},{},{},{}", p.k, p.fraction, p.accuracy, p.loss);
        }
        out
    }
}

/// Trapezoid rule over `(x, y)` points in increasing `x`.
pub(super) fn trapezoid(points: impl Iterator<Item = (f64, f64)>) -> f64 {
    let mut area = 0.0;
    let mut prev: Option<(f64, f64)> = None;
    for (x, y) in points {
        if let Some((px, py)) = prev {
            area += (x - px) * (y + py) / 2.0;
        }
        prev = Some((x, y));
    }
    area
}

/// Random-order curves summarised point by point: mean, min/max and a
/// percentile band of accuracy, and mean and percentile band of loss.
///
/// The mean is clamped to `[min, max]` against rounding, so where every
/// order gives the same value (all neurons ablated) mean and percentiles are
/// that value exactly. Otherwise the mean is outside the percentile band
/// only when the orders' values are that skewed.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RandomBand {
    /// The scope.
    pub scope: Scope,
    /// The replacement.
    pub replacement: String,
    /// The seeds, one curve each.
    pub seeds: Vec<u64>,
    /// The band's percentiles, e.g. `(5.0, 95.0)`.
    pub percentiles: (f64, f64),
    /// Checkpoints `k`.
    pub k: Vec<usize>,
    /// `k / N` ([`CurvePoint::fraction`]).
    pub fraction: Vec<f64>,
    /// Mean accuracy over seeds.
    pub mean_accuracy: Vec<f64>,
    /// Lowest accuracy over seeds.
    pub min_accuracy: Vec<f64>,
    /// Highest accuracy over seeds.
    pub max_accuracy: Vec<f64>,
    /// Lower percentile of accuracy (linear interpolation, NumPy's default).
    pub lower_accuracy: Vec<f64>,
    /// Upper percentile of accuracy.
    pub upper_accuracy: Vec<f64>,
    /// Mean loss over seeds, in nats.
    pub mean_loss: Vec<f64>,
    /// Lower percentile of loss, in nats.
    pub lower_loss: Vec<f64>,
    /// Upper percentile of loss, in nats.
    pub upper_loss: Vec<f64>,
    /// Area under each seed's accuracy curve.
    pub aucs: Vec<f64>,
}

impl RandomBand {
    /// Summarises curves of the same checkpoints (one per seed).
    ///
    /// # Errors
    /// [`AblationError::Parameter`] for no curves, curves with different
    /// checkpoints, or percentiles outside `0 ≤ lo ≤ hi ≤ 100`.
    pub fn from_curves(curves: &[AblationCurve], percentiles: (f64, f64)) -> Result<Self> {
        let (lo, hi) = percentiles;
        if !(0.0..=hi).contains(&lo) || hi > 100.0 {
            return Err(AblationError::Parameter {
                name: "percentiles",
                reason: format!("({lo}, {hi}) must satisfy 0 ≤ lo ≤ hi ≤ 100"),
            }
            .into());
        }
        let first = curves.first().ok_or(AblationError::Parameter {
            name: "seeds",
            reason: "a random band needs at least one seed".into(),
        })?;
        let k: Vec<usize> = first.points.iter().map(|p| p.k).collect();
        if curves
            .iter()
            .any(|c| !c.points.iter().map(|p| p.k).eq(k.iter().copied()))
        {
            return Err(AblationError::Parameter {
                name: "curves",
                reason: "random curves must share their checkpoints".into(),
            }
            .into());
        }
        let mut band = RandomBand {
            scope: first.label.scope,
            replacement: first.label.replacement.clone(),
            seeds: curves.iter().filter_map(|c| c.label.seed).collect(),
            percentiles,
            fraction: first.points.iter().map(|p| p.fraction).collect(),
            k,
            mean_accuracy: Vec::new(),
            min_accuracy: Vec::new(),
            max_accuracy: Vec::new(),
            lower_accuracy: Vec::new(),
            upper_accuracy: Vec::new(),
            mean_loss: Vec::new(),
            lower_loss: Vec::new(),
            upper_loss: Vec::new(),
            aucs: curves.iter().map(AblationCurve::auc).collect(),
        };
        for j in 0..band.k.len() {
            let mut acc: Vec<f64> = curves.iter().map(|c| c.points[j].accuracy).collect();
            acc.sort_by(f64::total_cmp);
            band.mean_accuracy.push(mean_of_sorted(&acc));
            band.min_accuracy.push(acc[0]);
            band.max_accuracy.push(acc[acc.len() - 1]);
            band.lower_accuracy.push(percentile(&acc, lo));
            band.upper_accuracy.push(percentile(&acc, hi));
            let mut loss: Vec<f64> = curves.iter().map(|c| c.points[j].loss).collect();
            loss.sort_by(f64::total_cmp);
            band.mean_loss.push(mean_of_sorted(&loss));
            band.lower_loss.push(percentile(&loss, lo));
            band.upper_loss.push(percentile(&loss, hi));
        }
        Ok(band)
    }

    /// Area under the mean accuracy curve (trapezoid over `k/n`).
    pub fn mean_auc(&self) -> f64 {
        trapezoid(self.fraction.iter().copied().zip(self.mean_accuracy.iter().copied()))
    }

    /// Index of the checkpoint nearest to a fraction ablated.
    pub fn nearest(&self, fraction: f64) -> Option<usize> {
        (0..self.fraction.len()).min_by(|&a, &b| {
            (self.fraction[a] - fraction)
                .abs()
                .total_cmp(&(self.fraction[b] - fraction).abs())
        })
    }
}

/// The mean of sorted values, clamped to their range: a sum rounded up or
/// down cannot put the mean of equal values (every random order at `k = n`
/// ablates the same neurons) outside `[min, max]` and so outside a band
/// whose percentiles are then that same value.
fn mean_of_sorted(sorted: &[f64]) -> f64 {
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    mean.clamp(sorted[0], sorted[sorted.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_of_equal_values_is_that_value() {
        // 0.0895 summed ten times is 0.8950000000000001: divided by ten it
        // printed outside a band of ten equal values.
        let equal = [0.0895; 10];
        assert_eq!(mean_of_sorted(&equal), 0.0895);
        assert_eq!(percentile(&equal, 5.0), 0.0895);
        assert_eq!(percentile(&equal, 95.0), 0.0895);
    }

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = [1, 1.75, 2.5, 3.7, 4]
        let x = [1.0, 2.0, 3.0, 4.0];
        let got: Vec<f64> = [0.0, 25.0, 50.0, 90.0, 100.0]
            .iter()
            .map(|&q| percentile(&x, q))
            .collect();
        for (g, e) in got.iter().zip([1.0, 1.75, 2.5, 3.7, 4.0]) {
            assert!((g - e).abs() < 1e-12, "{g} vs {e}");
        }
    }
}
