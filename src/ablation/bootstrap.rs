//! Every evaluation sample's outcome along a curve, and bootstrap
//! confidence intervals of the curve's accuracy and loss over the evaluation
//! samples.

use ndarray::{Array2, ArrayView2, s};
use rand::Rng;

use super::AblationError;
use super::curve::trapezoid;
use crate::Result;
use crate::measures::Bootstrap;
use crate::parallel::{map_items, threads};

/// Each evaluation sample's outcome at each checkpoint of one curve, as
/// [`Engine::run_with_outcomes`](super::Engine::run_with_outcomes) returns
/// them: whether it is classified right and its cross-entropy.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOutcomes {
    /// `(k, fraction)` of each checkpoint.
    checkpoints: Vec<(usize, f64)>,
    /// `correct[j][s]`: sample `s` classified right at checkpoint `j`.
    correct: Vec<Vec<bool>>,
    /// `loss[j][s]`: its cross-entropy at checkpoint `j`, in nats.
    loss: Vec<Vec<f64>>,
}

impl SampleOutcomes {
    /// Outcomes per checkpoint (`(k, fraction)`), each over the same samples.
    ///
    /// # Errors
    /// [`AblationError::Parameter`] for no checkpoint, no sample, or rows
    /// of different lengths.
    pub fn new(checkpoints: Vec<(usize, f64)>, correct: Vec<Vec<bool>>, loss: Vec<Vec<f64>>) -> Result<Self> {
        let samples = correct.first().map_or(0, Vec::len);
        let rows_fit = correct.len() == checkpoints.len()
            && loss.len() == checkpoints.len()
            && correct.iter().all(|r| r.len() == samples)
            && loss.iter().all(|r| r.len() == samples);
        if checkpoints.is_empty() || samples == 0 || !rows_fit {
            return Err(AblationError::Parameter {
                name: "outcomes",
                reason: format!(
                    "need one row of outcomes per checkpoint ({}), all over the same samples, at least one",
                    checkpoints.len()
                ),
            }
            .into());
        }
        Ok(SampleOutcomes {
            checkpoints,
            correct,
            loss,
        })
    }

    /// Evaluation samples.
    pub fn samples(&self) -> usize {
        self.correct[0].len()
    }

    /// `(k, fraction)` of each checkpoint.
    pub fn checkpoints(&self) -> &[(usize, f64)] {
        &self.checkpoints
    }

    /// Whether each sample is classified right at checkpoint index `j`.
    pub fn correct(&self, j: usize) -> Option<&[bool]> {
        self.correct.get(j).map(Vec::as_slice)
    }

    /// Each sample's cross-entropy at checkpoint index `j`, in nats.
    pub fn loss(&self, j: usize) -> Option<&[f64]> {
        self.loss.get(j).map(Vec::as_slice)
    }

    /// Percentile-bootstrap intervals of the accuracy and the mean loss at
    /// every checkpoint and of the accuracy's AUC, resampling the evaluation
    /// samples (the same resample for every checkpoint and both quantities
    /// of a replicate, so the AUC's interval accounts for the points'
    /// correlation).
    ///
    /// A sample's correctness changes at few checkpoints, so a replicate's
    /// accuracies cost `O(samples + changes + checkpoints)`, not
    /// `O(samples × checkpoints)`. Every loss changes, so the replicates'
    /// mean losses are one matrix product, resample counts (replicates ×
    /// samples, 64 replicates at a time) by losses (samples × checkpoints).
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::ablation::SampleOutcomes;
    /// use infoablate::measures::Bootstrap;
    ///
    /// // 1000 samples, 70 % right before ablation and 10 % after.
    /// let before: Vec<bool> = (0..1000).map(|s| s % 10 < 7).collect();
    /// let after: Vec<bool> = (0..1000).map(|s| s % 10 == 0).collect();
    /// let outcomes = SampleOutcomes::new(vec![(0, 0.0), (1, 1.0)], vec![before, after], vec![vec![0.0; 1000]; 2])?;
    /// let ci = outcomes.bootstrap(Bootstrap::new(1000, 0.95, 3)?);
    /// assert!(ci.lower_accuracy[0] < 0.7 && 0.7 < ci.upper_accuracy[0]);
    /// assert!(ci.upper_accuracy[0] - ci.lower_accuracy[0] < 0.07); // about ±1.96·√(0.21/1000)
    /// assert!(ci.lower_auc < 0.4 && 0.4 < ci.upper_auc);
    /// // Every loss 0: the loss's interval is the point.
    /// assert_eq!((ci.lower_loss[1], ci.upper_loss[1]), (0.0, 0.0));
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn bootstrap(&self, bootstrap: Bootstrap) -> CurveIntervals {
        let n = self.samples();
        let checkpoints = self.checkpoints.len();
        // Per sample, the checkpoints where its correctness flips, as ±1.
        let mut starts = Vec::with_capacity(n + 1);
        let mut flips: Vec<(usize, i64)> = Vec::new();
        for s in 0..n {
            starts.push(flips.len());
            for j in 1..checkpoints {
                let (was, is) = (self.correct[j - 1][s], self.correct[j][s]);
                if was != is {
                    flips.push((j, if is { 1 } else { -1 }));
                }
            }
        }
        starts.push(flips.len());
        let mut rng = bootstrap.rng();
        let mut weights = vec![0_i64; n];
        let mut accuracy = vec![Vec::with_capacity(bootstrap.replicates); checkpoints];
        let mut aucs = Vec::with_capacity(bootstrap.replicates);
        let mut change = vec![0_i64; checkpoints];
        // The losses, checkpoints × samples, and a block of resample counts.
        let losses = Array2::from_shape_fn((checkpoints, n), |(j, s)| self.loss[j][s]);
        let mut counts = Array2::<f64>::zeros((LOSS_BLOCK.min(bootstrap.replicates), n));
        let mut mean_loss = vec![Vec::with_capacity(bootstrap.replicates); checkpoints];
        for replicate in 0..bootstrap.replicates {
            weights.fill(0);
            for _ in 0..n {
                weights[rng.random_range(0..n)] += 1;
            }
            let row = replicate % LOSS_BLOCK;
            for (c, &w) in counts.row_mut(row).iter_mut().zip(&weights) {
                *c = w as f64;
            }
            if row + 1 == counts.nrows() || replicate + 1 == bootstrap.replicates {
                push_mean_losses(counts.slice(s![..=row, ..]), losses.t(), &mut mean_loss);
            }
            change.fill(0);
            for (s, &w) in weights.iter().enumerate().filter(|(_, w)| **w > 0) {
                change[0] += w * i64::from(self.correct[0][s]);
                for &(j, sign) in &flips[starts[s]..starts[s + 1]] {
                    change[j] += w * sign;
                }
            }
            let mut right = 0;
            for (j, &c) in change.iter().enumerate() {
                right += c;
                accuracy[j].push(right as f64 / n as f64);
            }
            let points = self
                .checkpoints
                .iter()
                .zip(&accuracy)
                .map(|(&(_, x), a)| (x, a[a.len() - 1]));
            aucs.push(trapezoid(points));
        }
        let (mut lower_accuracy, mut upper_accuracy) = (Vec::new(), Vec::new());
        for values in &mut accuracy {
            let (lo, hi) = bootstrap.interval(values);
            lower_accuracy.push(lo);
            upper_accuracy.push(hi);
        }
        let (lower_auc, upper_auc) = bootstrap.interval(&mut aucs);
        let (mut lower_loss, mut upper_loss) = (Vec::new(), Vec::new());
        for values in &mut mean_loss {
            let (lo, hi) = bootstrap.interval(values);
            lower_loss.push(lo);
            upper_loss.push(hi);
        }
        CurveIntervals {
            bootstrap,
            k: self.checkpoints.iter().map(|c| c.0).collect(),
            lower_accuracy,
            upper_accuracy,
            lower_auc,
            upper_auc,
            lower_loss,
            upper_loss,
        }
    }
}

/// Replicates whose resample counts are turned into mean losses by one
/// matrix product (a block of counts is `LOSS_BLOCK × samples` values).
const LOSS_BLOCK: usize = 64;

/// Appends each replicate's mean loss at each checkpoint to `mean_loss`
/// (one vector per checkpoint): `counts` (replicates × samples) times
/// `losses` (samples × checkpoints), over the number of samples; the
/// checkpoints split between the threads.
fn push_mean_losses(counts: ArrayView2<'_, f64>, losses: ArrayView2<'_, f64>, mean_loss: &mut [Vec<f64>]) {
    let (n, checkpoints) = (losses.nrows() as f64, losses.ncols());
    let step = checkpoints.div_ceil(threads().max(1)).max(1);
    let starts: Vec<usize> = (0..checkpoints).step_by(step).collect();
    let parts = map_items(&starts, |&from| {
        counts.dot(&losses.slice(s![.., from..(from + step).min(checkpoints)]))
    });
    for (&from, sums) in starts.iter().zip(&parts) {
        for replicate in sums.rows() {
            for (values, &sum) in mean_loss[from..].iter_mut().zip(replicate) {
                values.push(sum / n);
            }
        }
    }
}

/// Bootstrap intervals of one curve over its evaluation samples
/// ([`SampleOutcomes::bootstrap`]).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CurveIntervals {
    /// The resampling.
    pub bootstrap: Bootstrap,
    /// Checkpoints `k`.
    pub k: Vec<usize>,
    /// Lower end of the accuracy's interval at each checkpoint.
    pub lower_accuracy: Vec<f64>,
    /// Upper end of the accuracy's interval at each checkpoint.
    pub upper_accuracy: Vec<f64>,
    /// Lower end of the AUC's interval.
    pub lower_auc: f64,
    /// Upper end of the AUC's interval.
    pub upper_auc: f64,
    /// Lower end of the mean loss's interval at each checkpoint (nats).
    pub lower_loss: Vec<f64>,
    /// Upper end of the mean loss's interval at each checkpoint (nats).
    pub upper_loss: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use rand::Rng;

    use super::SampleOutcomes;
    use crate::measures::Bootstrap;

    /// Two means of the same resample, summed in different orders.
    const SUM_ORDER_TOL: f64 = 1e-13;

    /// The loss's interval is what resampling the samples and averaging
    /// their losses gives, replicate by replicate, with the accuracy's
    /// resamples (the same generator, the same draws); over more than one
    /// block of replicates and a block cut short.
    #[test]
    fn loss_intervals_are_the_resampled_means_percentiles() {
        let (n, checkpoints) = (37, 5);
        let correct: Vec<Vec<bool>> = (0..checkpoints)
            .map(|j| (0..n).map(|s| (s * 7 + j * 3) % 5 < 3).collect())
            .collect();
        let loss: Vec<Vec<f64>> = (0..checkpoints)
            .map(|j| {
                (0..n)
                    .map(|s| ((s * 13 + j * 5) % 11) as f64 * 0.3 + j as f64)
                    .collect()
            })
            .collect();
        let outcomes = SampleOutcomes::new(
            (0..checkpoints).map(|j| (j, j as f64 / 4.0)).collect(),
            correct,
            loss.clone(),
        )
        .unwrap();
        let bootstrap = Bootstrap::new(150, 0.9, 11).unwrap();
        let ci = outcomes.bootstrap(bootstrap);
        let mut rng = bootstrap.rng();
        let mut means = vec![Vec::new(); checkpoints];
        for _ in 0..bootstrap.replicates {
            let mut weights = vec![0_usize; n];
            for _ in 0..n {
                weights[rng.random_range(0..n)] += 1;
            }
            for (j, means) in means.iter_mut().enumerate() {
                let sum: f64 = (0..n).map(|s| weights[s] as f64 * loss[j][s]).sum();
                means.push(sum / n as f64);
            }
        }
        for (j, values) in means.iter_mut().enumerate() {
            let (lo, hi) = bootstrap.interval(values);
            assert_relative_eq!(ci.lower_loss[j], lo, max_relative = SUM_ORDER_TOL);
            assert_relative_eq!(ci.upper_loss[j], hi, max_relative = SUM_ORDER_TOL);
            let mean = loss[j].iter().sum::<f64>() / n as f64;
            assert!(ci.lower_loss[j] < mean && mean < ci.upper_loss[j], "checkpoint {j}");
        }
    }
}
