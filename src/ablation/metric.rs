//! The curve metric: accuracy and cross-entropy of logits against labels.

use ndarray::ArrayView2;

use super::softmax::{RowScorer, score_row};
use crate::network::{Clamps, Network, NetworkError};

/// Accuracy and mean cross-entropy of a classifier's logits, summed sample by
/// sample: what every [`CurvePoint`](super::CurvePoint) and
/// [`evaluate`](super::evaluate) report.
///
/// A sample is right when its arg-max logit (ties → the lowest class, as
/// PyTorch's `argmax`) is its label; its loss is `−log softmax(logits)[y]` in
/// nats, computed in `f64` after subtracting the row maximum (each
/// `e^{z − max}` by a vectorisable exponential within 2 ulp of the C
/// library's, so the loss is within `1e-15` nats, plus one rounding of
/// `max + ln(sum)`, of the same formula with it). A logit that is
/// NaN or infinite has no score: [`Metric::score`] gives `None`, and the
/// engine turns it into [`NetworkError::NonFiniteOutput`].
///
/// # Examples
///
/// ```
/// use infoablate::ablation::Metric;
///
/// let mut metric = Metric::new();
/// assert!(metric.add(&[2.0, 0.0], 0)); // right, loss ln(1 + e⁻²)
/// assert!(metric.add(&[1.0, 1.0], 1)); // a tie goes to class 0: wrong, loss ln 2
/// assert!(!metric.add(&[f32::NAN, 0.0], 0)); // no score, nothing added
/// assert_eq!((metric.correct(), metric.samples()), (1, 2));
/// assert_eq!(metric.accuracy(), 0.5);
/// let expected = ((1.0 + (-2.0f64).exp()).ln() + 2.0f64.ln()) / 2.0;
/// assert!((metric.mean_loss() - expected).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metric {
    correct: usize,
    loss: f64,
    samples: usize,
}

impl Metric {
    /// No sample yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether logits `row` classify a sample as `label`, and its
    /// cross-entropy in nats; `None` when a logit is NaN or infinite or
    /// `label` is not below the number of logits.
    pub fn score(row: &[f32], label: usize) -> Option<(bool, f64)> {
        score_row(row, label)
    }

    /// Adds one sample; `false`, with nothing added, when it has no
    /// [`score`](Metric::score).
    pub fn add(&mut self, row: &[f32], label: usize) -> bool {
        match Self::score(row, label) {
            Some((right, loss)) => {
                self.add_score(right, loss);
                true
            }
            None => false,
        }
    }

    /// Adds a sample already scored.
    pub(super) fn add_score(&mut self, right: bool, loss: f64) {
        self.correct += usize::from(right);
        self.loss += loss;
        self.samples += 1;
    }

    /// Adds a batch of samples from their logits (`samples × classes`) and
    /// labels, scored eight rows at a time (one per SIMD lane): the same
    /// numbers as [`add`](Metric::add) row by row, faster.
    ///
    /// # Errors
    /// Nothing is added on an error: [`NetworkError::Shape`] when there are
    /// not as many labels as rows, [`NetworkError::Parameter`] for a label
    /// not below the number of classes, and [`NetworkError::NonFiniteOutput`]
    /// (no layer) naming the first row with a NaN or infinite logit.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::ablation::Metric;
    /// use ndarray::array;
    ///
    /// let mut metric = Metric::new();
    /// metric.add_logits(array![[2.0f32, 0.0], [1.0, 1.0]].view(), &[0, 1])?;
    /// assert_eq!((metric.correct(), metric.samples()), (1, 2));
    /// let expected = ((1.0 + (-2.0f64).exp()).ln() + 2.0f64.ln()) / 2.0;
    /// assert!((metric.mean_loss() - expected).abs() < 1e-15);
    /// assert!(metric.add_logits(array![[0.0f32, f32::NAN]].view(), &[0]).is_err());
    /// assert!(metric.add_logits(array![[0.0f32, 1.0]].view(), &[2]).is_err());
    /// assert_eq!(metric.samples(), 2);
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn add_logits(&mut self, logits: ArrayView2<'_, f32>, labels: &[usize]) -> crate::Result<()> {
        if labels.len() != logits.nrows() {
            return Err(NetworkError::Shape {
                what: "labels of a batch of logits".into(),
                expected: vec![logits.nrows()],
                got: vec![labels.len()],
            }
            .into());
        }
        if let Some(&label) = labels.iter().find(|&&y| y >= logits.ncols()) {
            return Err(NetworkError::Parameter {
                name: "label",
                value: label.to_string(),
                reason: "must be below the number of classes (logits per row)",
            }
            .into());
        }
        let mut batch = Metric::new();
        batch
            .add_batch(logits, labels)
            .map_err(|sample| NetworkError::NonFiniteOutput {
                layer: None,
                sample,
                value: logits
                    .row(sample)
                    .iter()
                    .copied()
                    .find(|v| !v.is_finite())
                    .unwrap_or(f32::NAN),
            })?;
        self.merge(&batch);
        Ok(())
    }

    /// Adds a batch of logits (rows = samples, as many as labels); on a row
    /// without a score, stops there and gives its index.
    pub(crate) fn add_batch(&mut self, logits: ArrayView2<'_, f32>, labels: &[usize]) -> Result<(), usize> {
        let failed = score_rows(logits, labels.iter().copied(), |_, right, loss| {
            self.add_score(right, loss)
        });
        failed.map_or(Ok(()), Err)
    }

    /// Adds the sums of another set of samples.
    pub fn merge(&mut self, other: &Metric) {
        self.correct += other.correct;
        self.loss += other.loss;
        self.samples += other.samples;
    }

    /// Samples classified right.
    pub fn correct(&self) -> usize {
        self.correct
    }

    /// Total cross-entropy, in nats.
    pub fn loss_sum(&self) -> f64 {
        self.loss
    }

    /// Samples added.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Fraction of the samples classified right (0 for no sample).
    pub fn accuracy(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.correct as f64 / self.samples as f64
        }
    }

    /// Mean cross-entropy in nats (0 for no sample).
    pub fn mean_loss(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.loss / self.samples as f64
        }
    }
}

/// What a path reports per chunk at each checkpoint, built from the
/// chunk's per-sample scores (right or not, cross-entropy) in sample order:
/// the summed [`Metric`] for a curve, or the scores themselves as well when
/// the caller asked for per-sample outcomes.
pub(super) trait Tally: Send + Sized {
    /// The tally of one chunk's samples.
    fn from_samples(correct: &[bool], loss: &[f64]) -> Self;
    /// The summed metric.
    fn metric(&self) -> Metric;
}

impl Tally for Metric {
    fn from_samples(correct: &[bool], loss: &[f64]) -> Self {
        let mut metric = Metric::new();
        for (&right, &loss) in correct.iter().zip(loss) {
            metric.add_score(right, loss);
        }
        metric
    }

    fn metric(&self) -> Metric {
        *self
    }
}

/// A chunk's per-sample scores at one checkpoint, and their sum.
pub(super) struct SampleScores {
    /// The chunk's summed metric, as [`Metric`]'s tally sums it.
    pub(super) metric: Metric,
    /// Whether each sample is classified right.
    pub(super) correct: Vec<bool>,
    /// Each sample's cross-entropy, in nats.
    pub(super) loss: Vec<f64>,
}

impl Tally for SampleScores {
    fn from_samples(correct: &[bool], loss: &[f64]) -> Self {
        SampleScores {
            metric: Metric::from_samples(correct, loss),
            correct: correct.to_vec(),
            loss: loss.to_vec(),
        }
    }

    fn metric(&self) -> Metric {
        self.metric
    }
}

/// Scores every row of a batch of logits (rows = samples, as many as
/// labels) into `correct` and `loss`; on a row without a score, stops there
/// and gives its index.
pub(super) fn score_batch(
    logits: ArrayView2<'_, f32>,
    labels: &[usize],
    (correct, loss): (&mut Vec<bool>, &mut Vec<f64>),
) -> Result<(), usize> {
    correct.clear();
    loss.clear();
    let failed = score_rows(logits, labels.iter().copied(), |_, right, l| {
        correct.push(right);
        loss.push(l);
    });
    failed.map_or(Ok(()), Err)
}

/// Scores the rows of a batch of logits (rows = samples, as many as
/// `labels`) in blocks through a [`RowScorer`], handing `set` each row's
/// index, whether it is right and its cross-entropy, in row order; gives the
/// first row without a score (none after it is scored).
pub(super) fn score_rows(
    logits: ArrayView2<'_, f32>,
    labels: impl IntoIterator<Item = usize>,
    set: impl FnMut(usize, bool, f64),
) -> Option<usize> {
    let logits = logits.as_standard_layout();
    let copy: Vec<f32>;
    let values = match logits.as_slice() {
        Some(values) => values,
        None => {
            copy = logits.iter().copied().collect();
            &copy
        }
    };
    RowScorer::default().score(values, logits.ncols(), labels, set)
}

/// Checks that a network's logits for `rows` samples have one column per class.
pub(super) fn check_logits(logits: ArrayView2<'_, f32>, rows: usize, classes: usize) -> crate::Result<()> {
    if logits.dim() == (rows, classes) {
        return Ok(());
    }
    Err(NetworkError::Shape {
        what: "logits".into(),
        expected: vec![rows, classes],
        got: logits.shape().to_vec(),
    }
    .into())
}

/// The error for sample `sample` (the one row of `input`), whose logits are
/// not all finite: the sample is run again with `clamps` to find the first
/// hidden layer whose output is not finite (`None`: the logits).
pub(super) fn overflow<N: Network + ?Sized>(
    network: &N,
    input: ArrayView2<'_, f32>,
    clamps: &Clamps,
    sample: usize,
) -> crate::Error {
    let mut first: Option<(usize, f32)> = None;
    let rerun = network.forward_hooked(input, clamps, &mut |layer, h| {
        if first.is_none() {
            first = h.iter().find(|v| !v.is_finite()).map(|&v| (layer, v));
        }
    });
    let logits = match rerun {
        Ok(logits) => logits,
        Err(e) => return e,
    };
    let (layer, value) = match first {
        Some((layer, value)) => (Some(layer), value),
        None => (
            None,
            logits.iter().copied().find(|v| !v.is_finite()).unwrap_or(f32::NAN),
        ),
    };
    NetworkError::NonFiniteOutput { layer, sample, value }.into()
}
