//! A layer's codewords: the tuple of its neurons' bins, as one variable.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rustc_hash::FxHashMap;

use crate::Result;
use crate::measures::{CountTable, LayerQuantizer, MeasureError, Units};

/// Every sample's codeword of one layer, numbered by first occurrence.
///
/// # Examples
///
/// ```
/// use infoablate::infoplane::Codewords;
/// use infoablate::measures::{Estimator, LayerQuantizer, Quantizer, Units, entropy};
/// use ndarray::array;
///
/// // Two binary neurons: codewords (0,1), (1,0), (0,1), (1,1).
/// let acts = array![[0.0_f32, 2.0], [3.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
/// let q = LayerQuantizer::fit(Quantizer::binary(0.0)?, acts.view())?;
/// let words = Codewords::new(acts.view(), &q)?;
/// assert_eq!(words.ids(), &[0, 1, 0, 2]);
/// assert_eq!(words.distinct(), 3);
/// let table = words.table(&[0, 1, 0, 1], 2)?;
/// assert_eq!(entropy(&table, Estimator::PlugIn, Units::Bits)?, 1.5);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codewords {
    ids: Vec<usize>,
    distinct: usize,
}

impl Codewords {
    /// Bins every neuron (column) of `activations` (`samples × neurons`)
    /// with its fitted quantizer and numbers the distinct rows of bins.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] when the quantizer is for another width,
    /// [`MeasureError::Empty`] for no sample.
    pub fn new(activations: ArrayView2<'_, f32>, quantizer: &LayerQuantizer) -> Result<Self, MeasureError> {
        let mut bins = Vec::new();
        quantizer.bin_rows(activations, &mut bins)?;
        Self::from_bins(&bins, activations.nrows())
    }

    /// Numbers the distinct rows of `bins`, `samples` rows of neuron bins
    /// (as [`LayerQuantizer::bin_rows`] gives them).
    ///
    /// # Errors
    /// [`MeasureError::Empty`] for no sample, [`MeasureError::Mismatch`]
    /// when `bins` is not `samples` rows.
    pub(super) fn from_bins(bins: &[u16], samples: usize) -> Result<Self, MeasureError> {
        if samples == 0 {
            return Err(MeasureError::Empty {
                what: "the layer's activations".into(),
            });
        }
        if !bins.len().is_multiple_of(samples) {
            return Err(MeasureError::Mismatch {
                what: format!("{} bins are not {samples} rows", bins.len()),
            });
        }
        let width = bins.len() / samples;
        // Codewords come from the network, not an adversary: the fast
        // (not DoS-resistant) hash is the right one here.
        let mut seen: FxHashMap<&[u16], usize> = FxHashMap::with_capacity_and_hasher(samples, Default::default());
        let ids = (0..samples)
            .map(|s| {
                let next = seen.len();
                *seen.entry(&bins[s * width..(s + 1) * width]).or_insert(next)
            })
            .collect();
        let distinct = seen.len();
        Ok(Codewords { ids, distinct })
    }

    /// Each sample's codeword number, `0 … distinct − 1` in order of first occurrence.
    pub fn ids(&self) -> &[usize] {
        &self.ids
    }

    /// `D`, the number of distinct codewords.
    pub fn distinct(&self) -> usize {
        self.distinct
    }

    /// The count table `n[c][y]`, `distinct × num_classes`.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] for a label count other than the samples,
    /// [`MeasureError::Parameter`] for a label `≥ num_classes` (or no class).
    pub fn table(&self, labels: &[usize], num_classes: usize) -> Result<CountTable, MeasureError> {
        if labels.len() != self.ids.len() {
            return Err(MeasureError::Mismatch {
                what: format!("{} labels for {} codewords", labels.len(), self.ids.len()),
            });
        }
        if let Some(&y) = labels.iter().find(|&&y| y >= num_classes) {
            return Err(MeasureError::Parameter {
                name: "labels",
                reason: format!("label {y} with {num_classes} classes"),
            });
        }
        let mut counts = vec![0_u64; self.distinct * num_classes];
        for (&c, &y) in self.ids.iter().zip(labels) {
            counts[c * num_classes + y] += 1;
        }
        CountTable::from_counts(self.distinct, num_classes, counts)
    }

    /// The plug-in `I(T;Y)` for `permutations` seeded permutations of the
    /// labels over the samples (the codewords kept), in order.
    ///
    /// The marginals `n[c]` and `n[y]` do not change under a permutation, so
    /// only the joint counts are recounted, into one reused table; each value
    /// is summed exactly as [`mutual_information`](crate::measures::mutual_information) sums the plug-in estimate
    /// (cells in row-major order, `n[c][y]/N · ln(n[c][y]·N / (n[c]·n[y]))`),
    /// so it equals that function on the permuted table.
    ///
    /// # Errors
    /// As [`table`](Codewords::table).
    pub fn permutation_null(
        &self,
        labels: &[usize],
        num_classes: usize,
        permutations: usize,
        seed: u64,
        units: Units,
    ) -> Result<Vec<f64>> {
        let observed = self.table(labels, num_classes)?;
        let (codeword_totals, class_totals) = (observed.bin_totals(), observed.class_totals());
        let n = labels.len() as f64;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut shuffled = labels.to_vec();
        // A cell holding its whole codeword (`n[c][y] = n[c]`, every cell of
        // a codeword seen once) has the ratio `n/n[y]`: the products are
        // exact integers in `f64` and the division is correctly rounded, so
        // the logarithm taken once per class is the very value of the sum.
        let ln_whole: Vec<f64> = class_totals.iter().map(|&ny| (n / ny as f64).ln()).collect();
        // A codeword seen once has one cell, its sample's label: it is read
        // off the permutation. Only the others' rows are counted, compactly.
        let mut rows = vec![Row::Once(0); self.distinct];
        let mut repeated = 0;
        for (c, &nc) in codeword_totals.iter().enumerate() {
            if nc > 1 {
                rows[c] = Row::Counted(repeated);
                repeated += 1;
            }
        }
        for (s, &c) in self.ids.iter().enumerate() {
            if let Row::Once(sample) = &mut rows[c] {
                *sample = s;
            }
        }
        let mut joint = vec![0_u64; repeated * num_classes];
        let mut null = Vec::new();
        for _ in 0..permutations {
            shuffled.shuffle(&mut rng);
            joint.fill(0);
            for (&c, &y) in self.ids.iter().zip(&shuffled) {
                if let Row::Counted(r) = rows[c] {
                    joint[r * num_classes + y] += 1;
                }
            }
            // Rows in order, cells of a row in class order: the order of the
            // sum over the whole table, its empty cells skipped.
            let mut nats = 0.0;
            for (row, &nc) in rows.iter().zip(&codeword_totals) {
                match *row {
                    Row::Once(sample) => nats += 1.0 / n * ln_whole[shuffled[sample]],
                    Row::Counted(r) => {
                        let cells = &joint[r * num_classes..(r + 1) * num_classes];
                        for (y, &count) in cells.iter().enumerate().filter(|(_, count)| **count > 0) {
                            let ln = if count == nc {
                                ln_whole[y]
                            } else {
                                ((count as f64 * n) / (nc as f64 * class_totals[y] as f64)).ln()
                            };
                            nats += count as f64 / n * ln;
                        }
                    }
                }
            }
            null.push(units.from_nats(nats));
        }
        Ok(null)
    }
}

/// A codeword's row of the permuted table in [`Codewords::permutation_null`].
#[derive(Debug, Clone, Copy)]
enum Row {
    /// Seen once, by this sample.
    Once(usize),
    /// Seen more often: this row of the compact table of counts.
    Counted(usize),
}
