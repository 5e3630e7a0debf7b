//! What a measure sees of one neuron.

use ndarray::ArrayView1;

use super::MeasureError;
use super::counts::{CountTable, LayerCounts, Moments};

/// What a measure sees of one neuron: its count table, the per-class sums and
/// counts of its raw activations, its moments, and — when the network exposes
/// them — its outgoing weights.
#[derive(Debug, Clone, Copy)]
pub struct NeuronStats<'a> {
    layer: usize,
    neuron: usize,
    table: &'a CountTable,
    class_sums: &'a [f64],
    class_counts: &'a [u64],
    moments: &'a Moments,
    weights: Option<ArrayView1<'a, f32>>,
}

impl<'a> NeuronStats<'a> {
    /// What a measure sees of neuron `(layer, neuron)`, from
    /// statistics of the caller's own: to test a measure on a hand-made
    /// table, or to score statistics gathered elsewhere.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] when `class_sums` or `class_counts` do not
    /// have one entry per class of the table, or the class counts, the
    /// table's total and the moments' count disagree on the sample count.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::measures::{ClassSelectivityIndex, CountTable, InfoMeasure, Moments, MutualInformation, NeuronStats};
    ///
    /// // Four samples, two classes: the neuron fires (bin 1) for class 1 only.
    /// let table = CountTable::from_counts(2, 2, vec![2, 0, 0, 2])?;
    /// let values = [0.0, 0.0, 3.0, 1.0];
    /// let moments = Moments::from_values(values.iter().copied());
    /// let stats = NeuronStats::new((0, 5), &table, &[0.0, 4.0], &[2, 2], &moments)?;
    /// assert_eq!(MutualInformation::default().score(&stats)?, 1.0);
    /// assert_eq!(ClassSelectivityIndex.score(&stats)?, 1.0);
    /// assert!(NeuronStats::new((0, 5), &table, &[0.0], &[2, 2], &moments).is_err());
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn new(
        (layer, neuron): (usize, usize),
        table: &'a CountTable,
        class_sums: &'a [f64],
        class_counts: &'a [u64],
        moments: &'a Moments,
    ) -> Result<Self, MeasureError> {
        let classes = table.classes();
        let samples: Option<u64> = class_counts.iter().try_fold(0_u64, |sum, &n| sum.checked_add(n));
        if class_sums.len() != classes
            || class_counts.len() != classes
            || samples != Some(table.total())
            || moments.count() != table.total()
        {
            return Err(MeasureError::Mismatch {
                what: format!(
                    "statistics of neuron {neuron}: a table of {classes} classes and {} samples, {} class sums, {} class counts, moments of {} values",
                    table.total(),
                    class_sums.len(),
                    class_counts.len(),
                    moments.count()
                ),
            });
        }
        Ok(NeuronStats {
            layer,
            neuron,
            table,
            class_sums,
            class_counts,
            moments,
            weights: None,
        })
    }

    /// The same neuron with its outgoing weights: column `neuron` of the
    /// matrix that reads its layer ([`Resumable::readout`](crate::network::Resumable::readout)).
    pub fn with_weights(mut self, weights: ArrayView1<'a, f32>) -> Self {
        self.weights = Some(weights);
        self
    }

    /// The hidden layer.
    pub fn layer(&self) -> usize {
        self.layer
    }

    /// The neuron's index in its layer.
    pub fn neuron(&self) -> usize {
        self.neuron
    }

    /// The `bins × classes` count table.
    pub fn counts(&self) -> &'a CountTable {
        self.table
    }

    /// Per-class sums of the raw activations.
    pub fn class_sums(&self) -> &'a [f64] {
        self.class_sums
    }

    /// Samples per class.
    pub fn class_counts(&self) -> &'a [u64] {
        self.class_counts
    }

    /// Per-class means `μ_y` of the raw activations; `None` for a class with no sample.
    pub fn class_means(&self) -> Vec<Option<f64>> {
        self.class_sums
            .iter()
            .zip(self.class_counts)
            .map(|(&s, &n)| (n > 0).then(|| s / n as f64))
            .collect()
    }

    /// Count, mean and variance of the raw activations.
    pub fn moments(&self) -> &'a Moments {
        self.moments
    }

    /// The outgoing weights, if the network exposes them.
    pub fn outgoing_weights(&self) -> Option<ArrayView1<'a, f32>> {
        self.weights
    }
}

impl LayerCounts {
    /// What a measure sees of neuron `neuron` (without outgoing weights; see
    /// [`NeuronStats::with_weights`]).
    pub fn neuron(&self, neuron: usize) -> Option<NeuronStats<'_>> {
        Some(NeuronStats {
            layer: self.layer,
            neuron,
            table: self.tables.get(neuron)?,
            class_sums: self.class_sums(neuron)?,
            class_counts: &self.class_counts,
            moments: self.moments.get(neuron)?,
            weights: None,
        })
    }
}
