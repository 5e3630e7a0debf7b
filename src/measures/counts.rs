//! Count tables and the other mergeable per-neuron statistics.

use super::MeasureError;
use super::quantize::LayerQuantizer;

/// The most count cells (`classes × bins × neurons`, 8 bytes each) one
/// layer's count tables may have: 2^27, 1 GiB of counts. Labels decide the
/// class count, so a hostile label (65535 in a two-class file) would
/// otherwise size tables of many gigabytes; such a layer is refused before
/// anything is allocated. A larger study can score its neurons in groups
/// (each group its own activations) or merge fewer classes.
pub const MAX_COUNT_CELLS: usize = 1 << 27;

/// [`MeasureError::Parameter`] unless one layer's tables, `classes × bins ×
/// neurons` cells, fit in [`MAX_COUNT_CELLS`].
pub(super) fn check_table_cells(classes: usize, bins: usize, neurons: usize) -> Result<(), MeasureError> {
    let cells = classes.checked_mul(bins).and_then(|c| c.checked_mul(neurons));
    if cells.is_some_and(|c| c <= MAX_COUNT_CELLS) {
        return Ok(());
    }
    let cells = cells.map_or_else(|| "more than 2^64".to_string(), |c| c.to_string());
    Err(MeasureError::Parameter {
        name: "num_classes",
        reason: format!(
            "{classes} classes (labels up to {}) × {bins} bins × {neurons} neurons = {cells} count cells, \
             above the limit of {MAX_COUNT_CELLS} (MAX_COUNT_CELLS)",
            classes.saturating_sub(1)
        ),
    })
}

/// [`MeasureError::Parameter`] unless a layer's fitted bin edges, `edges ×
/// neurons` values, fit in [`MAX_COUNT_CELLS`] (an equal-frequency quantizer
/// keeps `bins − 1` edges per neuron).
pub(super) fn check_edge_count(edges: usize, neurons: usize) -> Result<(), MeasureError> {
    match edges.checked_mul(neurons) {
        Some(n) if n <= MAX_COUNT_CELLS => Ok(()),
        n => Err(MeasureError::Parameter {
            name: "bins",
            reason: format!(
                "{edges} bin edges per neuron × {neurons} neurons = {} edges, above the limit of \
                 {MAX_COUNT_CELLS} (MAX_COUNT_CELLS)",
                n.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string())
            ),
        }),
    }
}

/// The joint counts `n[b][y]` of one neuron's bins and the class labels,
/// `bins × classes`.
///
/// Tables of disjoint sample sets [`merge`](CountTable::merge) into exactly
/// the table of their union.
///
/// # Examples
///
/// ```
/// use infoablate::measures::CountTable;
///
/// let mut a = CountTable::from_counts(2, 2, vec![3, 0, 1, 4])?; // n[0] = [3, 0], n[1] = [1, 4]
/// let b = CountTable::from_counts(2, 2, vec![0, 1, 0, 0])?;
/// a.merge(&b)?;
/// assert_eq!(a.get(0, 1), Some(1));
/// assert_eq!(a.total(), 9);
/// assert_eq!(a.bin_totals(), vec![4, 5]);
/// assert_eq!(a.class_totals(), vec![4, 5]);
/// assert!(a.merge(&CountTable::new(3, 2)?).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CountTable {
    bins: usize,
    classes: usize,
    /// Row-major: `counts[b * classes + y]`.
    counts: Vec<u64>,
}

impl CountTable {
    /// An all-zero table.
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] when `bins` or `classes` is 0 or the table
    /// would have more than [`MAX_COUNT_CELLS`] cells.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::measures::CountTable;
    ///
    /// assert_eq!(CountTable::new(3, 2)?.as_slice(), &[0; 6]);
    /// assert!(CountTable::new(0, 2).is_err());
    /// assert!(CountTable::new(usize::MAX, 2).is_err()); // no overflow, no allocation
    /// # Ok::<(), infoablate::measures::MeasureError>(())
    /// ```
    pub fn new(bins: usize, classes: usize) -> Result<Self, MeasureError> {
        if bins == 0 || classes == 0 {
            return Err(MeasureError::Parameter {
                name: "count table",
                reason: format!("{bins} bins × {classes} classes: both must be positive"),
            });
        }
        check_table_cells(classes, bins, 1)?;
        Self::from_counts(bins, classes, vec![0; bins * classes])
    }

    /// A table from its counts, row-major (`counts[b * classes + y]`).
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] when `bins` or `classes` is 0, the
    /// length is not `bins × classes`, or the counts add up to more than
    /// `u64::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::measures::CountTable;
    ///
    /// assert_eq!(CountTable::from_counts(1, 2, vec![u64::MAX - 1, 1])?.total(), u64::MAX);
    /// assert!(CountTable::from_counts(1, 2, vec![u64::MAX, 1]).is_err());
    /// assert!(CountTable::from_counts(usize::MAX, 2, vec![0; 2]).is_err());
    /// # Ok::<(), infoablate::measures::MeasureError>(())
    /// ```
    pub fn from_counts(bins: usize, classes: usize, counts: Vec<u64>) -> Result<Self, MeasureError> {
        if bins == 0 || classes == 0 || bins.checked_mul(classes) != Some(counts.len()) {
            return Err(MeasureError::Parameter {
                name: "count table",
                reason: format!("{} counts for {bins} bins × {classes} classes", counts.len()),
            });
        }
        if counts.iter().try_fold(0_u64, |sum, &n| sum.checked_add(n)).is_none() {
            return Err(total_overflow());
        }
        Ok(CountTable { bins, classes, counts })
    }

    /// Number of bins (rows).
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Number of classes (columns).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// `n[bin][class]`, or `None` outside the table.
    pub fn get(&self, bin: usize, class: usize) -> Option<u64> {
        (bin < self.bins && class < self.classes).then(|| self.counts[bin * self.classes + class])
    }

    /// The counts, row-major (`[b * classes + y]`).
    pub fn as_slice(&self) -> &[u64] {
        &self.counts
    }

    /// The rows: `n[b][·]` for each bin.
    pub fn rows(&self) -> impl Iterator<Item = &[u64]> {
        self.counts.chunks_exact(self.classes)
    }

    /// `N`, the number of samples counted (at most `u64::MAX`: the
    /// constructors and [`merge`](CountTable::merge) refuse more).
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `n[b] = Σ_y n[b][y]` per bin.
    pub fn bin_totals(&self) -> Vec<u64> {
        self.rows().map(|row| row.iter().sum()).collect()
    }

    /// `n[y] = Σ_b n[b][y]` per class.
    pub fn class_totals(&self) -> Vec<u64> {
        let mut totals = vec![0; self.classes];
        for row in self.rows() {
            totals.iter_mut().zip(row).for_each(|(t, &n)| *t += n);
        }
        totals
    }

    /// Adds the counts of another table of the same shape (of a disjoint
    /// sample set, for the table of the union).
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] for another shape, [`MeasureError::Parameter`]
    /// when the union would count more than `u64::MAX` samples (the table
    /// is then left as it was).
    pub fn merge(&mut self, other: &CountTable) -> Result<(), MeasureError> {
        if (self.bins, self.classes) != (other.bins, other.classes) {
            return Err(MeasureError::Mismatch {
                what: format!(
                    "count tables of {} × {} and {} × {}",
                    self.bins, self.classes, other.bins, other.classes
                ),
            });
        }
        // Every cell is at most its table's total, so a union whose total
        // fits cannot overflow a cell.
        if self.total().checked_add(other.total()).is_none() {
            return Err(total_overflow());
        }
        self.counts.iter_mut().zip(&other.counts).for_each(|(a, &b)| *a += b);
        Ok(())
    }
}

fn total_overflow() -> MeasureError {
    MeasureError::Parameter {
        name: "count table",
        reason: "the counts add up to more than u64::MAX samples".into(),
    }
}

/// Count, mean and variance of one neuron's activations, accumulated as
/// `f64` sums of deviations from a shift (the neuron's first value), which
/// keeps the variance free of catastrophic cancellation; mergeable.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Moments {
    count: u64,
    shift: f64,
    sum: f64,
    sum_sq: f64,
}

impl Moments {
    pub(super) fn from_sums(count: u64, shift: f64, sum: f64, sum_sq: f64) -> Self {
        Moments {
            count,
            shift,
            sum,
            sum_sq,
        }
    }

    /// The moments of these values (shifted by the first, as the
    /// accumulators do).
    ///
    /// ```
    /// use infoablate::measures::Moments;
    /// let m = Moments::from_values([1.0, 2.0, 4.0, 5.0]);
    /// assert_eq!((m.count(), m.mean(), m.variance()), (4, 3.0, 2.5));
    /// ```
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Self {
        let mut values = values.into_iter().peekable();
        let shift = values.peek().copied().unwrap_or(0.0);
        let (mut count, mut sum, mut sum_sq) = (0, 0.0, 0.0);
        for v in values {
            let d = v - shift;
            count += 1;
            sum += d;
            sum_sq += d * d;
        }
        Self::from_sums(count, shift, sum, sum_sq)
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        self.shift + self.sum / self.count as f64
    }

    /// The population variance (divided by the count, NumPy's `var` default),
    /// never below 0.
    pub fn variance(&self) -> f64 {
        let n = self.count as f64;
        ((self.sum_sq - self.sum * self.sum / n) / n).max(0.0)
    }

    /// Adds the moments of another, disjoint set of values.
    pub fn merge(&mut self, other: &Moments) {
        let delta = other.shift - self.shift;
        let n = other.count as f64;
        self.sum_sq += other.sum_sq + 2.0 * delta * other.sum + n * delta * delta;
        self.sum += other.sum + n * delta;
        self.count += other.count;
    }
}

/// Everything the measures need about one hidden layer, from one pass over
/// its activations: per neuron a [`CountTable`], per-class sums of the raw
/// activations (for the class selectivity index) and [`Moments`]; per layer
/// the class counts and the [`LayerQuantizer`] used.
///
/// Built densely by [`from_activations`](LayerCounts::from_activations) or
/// batch by batch by a [`StreamingRecorder`](super::StreamingRecorder) — the
/// two give identical results for the same samples in the same order — and
/// [`merge`](LayerCounts::merge)able across shards.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{LayerCounts, LayerQuantizer, Quantizer};
/// use ndarray::array;
///
/// let acts = array![[0.0_f32, 2.0], [1.0, 0.0], [3.0, 1.0]];
/// let q = LayerQuantizer::fit(Quantizer::binary(0.0)?, acts.view())?;
/// let mut counts = LayerCounts::from_activations(0, acts.slice(ndarray::s![..2, ..]), &[0, 1], 2, &q)?;
/// let rest = LayerCounts::from_activations(0, acts.slice(ndarray::s![2.., ..]), &[1], 2, &q)?;
/// counts.merge(&rest)?;
/// let union = LayerCounts::from_activations(0, acts.view(), &[0, 1, 1], 2, &q)?;
/// assert_eq!(counts.table(0), union.table(0));
/// assert_eq!(counts.table(0).unwrap().as_slice(), &[1, 0, 0, 2]);
/// assert_eq!(counts.class_counts(), &[1, 2]);
/// assert_eq!(counts.class_sums(1).unwrap(), &[2.0, 1.0]);
/// assert!((counts.moments(1).unwrap().mean() - 1.0).abs() < 1e-12);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LayerCounts {
    pub(super) layer: usize,
    pub(super) quantizer: LayerQuantizer,
    pub(super) num_classes: usize,
    pub(super) class_counts: Vec<u64>,
    pub(super) tables: Vec<CountTable>,
    /// `width × classes`, neuron-major.
    pub(super) class_sums: Vec<f64>,
    pub(super) moments: Vec<Moments>,
}

impl LayerCounts {
    /// The hidden layer.
    pub fn layer(&self) -> usize {
        self.layer
    }

    /// Number of neurons.
    pub fn width(&self) -> usize {
        self.tables.len()
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Number of samples counted (the sum of the class counts, which every
    /// constructor and merge keeps within `u64`).
    pub fn num_samples(&self) -> u64 {
        self.class_counts.iter().sum()
    }

    /// Samples per class.
    pub fn class_counts(&self) -> &[u64] {
        &self.class_counts
    }

    /// The fitted quantizers the tables were binned with.
    pub fn quantizer(&self) -> &LayerQuantizer {
        &self.quantizer
    }

    /// Neuron `neuron`'s count table.
    pub fn table(&self, neuron: usize) -> Option<&CountTable> {
        self.tables.get(neuron)
    }

    /// Neuron `neuron`'s per-class sums of raw activations.
    pub fn class_sums(&self, neuron: usize) -> Option<&[f64]> {
        let c = self.num_classes;
        (neuron < self.width()).then(|| &self.class_sums[neuron * c..(neuron + 1) * c])
    }

    /// Neuron `neuron`'s count, mean and variance.
    pub fn moments(&self, neuron: usize) -> Option<&Moments> {
        self.moments.get(neuron)
    }

    /// Every neuron's mean activation (the value of `Mean` ablation).
    pub fn means(&self) -> Vec<f64> {
        self.moments.iter().map(Moments::mean).collect()
    }

    /// Adds the statistics of another, disjoint set of samples of the same
    /// layer binned with the same fitted quantizers. Count tables and class
    /// counts become exactly those of the union; sums and moments equal
    /// those of the union up to `f64` rounding.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] for another layer, width, class count or
    /// quantizer; [`MeasureError::Parameter`] when the union would count
    /// more than `u64::MAX` samples. After an error `self` is unchanged.
    pub fn merge(&mut self, other: &LayerCounts) -> Result<(), MeasureError> {
        let mismatch = |what: String| Err(MeasureError::Mismatch { what });
        if self.num_samples().checked_add(other.num_samples()).is_none() {
            return Err(total_overflow());
        }
        if self.layer != other.layer {
            return mismatch(format!("counts of hidden layers {} and {}", self.layer, other.layer));
        }
        if self.num_classes != other.num_classes {
            return mismatch(format!(
                "counts of {} and {} classes",
                self.num_classes, other.num_classes
            ));
        }
        if self.quantizer != other.quantizer {
            return mismatch(format!(
                "counts of hidden layer {} binned with different fitted quantizers",
                self.layer
            ));
        }
        for (a, b) in self.tables.iter_mut().zip(&other.tables) {
            a.merge(b)?;
        }
        self.class_counts
            .iter_mut()
            .zip(&other.class_counts)
            .for_each(|(a, &b)| *a += b);
        self.class_sums
            .iter_mut()
            .zip(&other.class_sums)
            .for_each(|(a, &b)| *a += b);
        self.moments
            .iter_mut()
            .zip(&other.moments)
            .for_each(|(a, b)| a.merge(b));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_merge_matches_the_union() {
        let xs = [1e6 + 1.0, 1e6 + 2.0, 1e6 + 4.0, 1e6 + 5.0];
        let build = |v: &[f64]| {
            let shift = v[0];
            let sum = v.iter().map(|a| a - shift).sum();
            let sum_sq = v.iter().map(|a| (a - shift) * (a - shift)).sum();
            Moments::from_sums(v.len() as u64, shift, sum, sum_sq)
        };
        let mut a = build(&xs[..1]);
        a.merge(&build(&xs[1..]));
        let all = build(&xs);
        assert!((a.mean() - all.mean()).abs() < 1e-9);
        assert!((a.variance() - 2.5).abs() < 1e-9);
        assert!((all.variance() - 2.5).abs() < 1e-12);
    }
}
