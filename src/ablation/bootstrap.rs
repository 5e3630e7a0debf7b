//! Every evaluation sample's outcome along a curve, and bootstrap
//! confidence intervals of the curve's accuracy over the evaluation samples.

use rand::Rng;

use super::AblationError;
use super::curve::trapezoid;
use crate::Result;
use crate::measures::Bootstrap;

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

    /// Percentile-bootstrap intervals of the accuracy at every checkpoint and
    /// of the AUC, resampling the evaluation samples (the same resample for
    /// every checkpoint of a replicate, so the AUC's interval accounts for
    /// the points' correlation).
    ///
    /// A sample's correctness changes at few checkpoints, so a replicate
    /// costs `O(samples + changes + checkpoints)`, not
    /// `O(samples × checkpoints)`.
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
        for _ in 0..bootstrap.replicates {
            weights.fill(0);
            for _ in 0..n {
                weights[rng.random_range(0..n)] += 1;
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
        CurveIntervals {
            bootstrap,
            k: self.checkpoints.iter().map(|c| c.0).collect(),
            lower_accuracy,
            upper_accuracy,
            lower_auc,
            upper_auc,
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
}
