//! Pair count tables of many pairs of a layer at once, dense or a batch at
//! a time, mergeable.
//!
//! For class `y`, let `X_y` be the one-hot matrix of the samples of class
//! `y` (a row per sample, a column per neuron and bin `b ≥ 1`). The cells
//! `n[b1][b2][y]` with `b1, b2 ≥ 1` of every pair are the blocks of the Gram
//! matrix `X_yᵀ X_y` (for binary neurons, the `(1,1)` cells of all pairs are
//! `A_yᵀ A_y`), one matrix product per class; the cells with a bin 0 follow
//! from the neurons' own counts `n_i[b][y]`. Where the Gram matrices would
//! not fit in [`MAX_GRAM_ENTRIES`], each pair's table is counted by a pass
//! over the samples instead.

use ndarray::ArrayView2;

use super::PairsError;
use super::table::PairTable;
use crate::Result;
use crate::measures::{FittedQuantizer, LayerQuantizer};
use crate::parallel::map_indices;
use crate::record::check_finite;

/// The most 64-bit words of the one-hot bit sets (about the pairs' neurons
/// × `(bins − 1)` × samples / 64, twice for a within-class shuffle) built at
/// once: 128 MiB.
pub const MAX_GRAM_WORDS: usize = 1 << 24;

/// The most cells of all the tables of one [`PairCounts`] (1 GiB of counts).
pub const MAX_COUNTED_CELLS: usize = 1 << 27;

/// Every pair `(i, j)`, `i < j`, of a layer of `width` neurons, in
/// lexicographic order.
///
/// ```
/// assert_eq!(infoablate::pairs::all_pairs(3), vec![(0, 1), (0, 2), (1, 2)]);
/// ```
pub fn all_pairs(width: usize) -> Vec<(usize, usize)> {
    (0..width).flat_map(|i| (i + 1..width).map(move |j| (i, j))).collect()
}

/// Counts one pair's table from its two code sequences and the labels.
fn count_pass(table: &mut PairTable, codes1: &[u16], codes2: impl Iterator<Item = u16>, labels: &[usize]) {
    for ((&b1, b2), &y) in codes1.iter().zip(codes2).zip(labels) {
        let k = table.index(b1 as usize, b2 as usize, y);
        table.as_mut_slice()[k] += 1;
    }
}

impl PairTable {
    /// The table of two neurons' activations, by one pass over the samples
    /// (the plain way; [`PairCounts`] builds many pairs at once).
    ///
    /// # Errors
    /// [`PairsError::Shape`] for lengths that differ, a label `≥ classes`, or
    /// a non-finite activation.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::measures::Quantizer;
    /// use infoablate::pairs::PairTable;
    ///
    /// let q = Quantizer::binary(0.0)?.fit_range(0.0, 1.0)?;
    /// let t = PairTable::from_activations(&[0.0, 1.0, 1.0], &[1.0, 1.0, 0.0], &[0, 1, 1], 2, (&q, &q))?;
    /// assert_eq!((t.get(0, 1, 0), t.get(1, 1, 1), t.get(1, 0, 1)), (Some(1), Some(1), Some(1)));
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn from_activations(
        a1: &[f32],
        a2: &[f32],
        labels: &[usize],
        classes: usize,
        (q1, q2): (&FittedQuantizer, &FittedQuantizer),
    ) -> Result<PairTable> {
        if a1.len() != labels.len() || a2.len() != labels.len() {
            return Err(PairsError::Shape(format!(
                "{} and {} activations for {} labels",
                a1.len(),
                a2.len(),
                labels.len()
            ))
            .into());
        }
        check_labels(labels, classes)?;
        if let Some(v) = a1.iter().chain(a2).find(|v| !v.is_finite()) {
            return Err(PairsError::Shape(format!("non-finite activation {v}")).into());
        }
        let mut table = PairTable::new(q1.bins(), q2.bins(), classes)?;
        let codes1: Vec<u16> = a1.iter().map(|&a| q1.bin(a) as u16).collect();
        count_pass(&mut table, &codes1, a2.iter().map(|&a| q2.bin(a) as u16), labels);
        Ok(table)
    }
}

fn check_labels(labels: &[usize], classes: usize) -> Result<(), PairsError> {
    match labels.iter().enumerate().find(|(_, y)| **y >= classes) {
        Some((s, y)) => Err(PairsError::Shape(format!(
            "label {y} of sample {s} is not below {classes} classes"
        ))),
        None => Ok(()),
    }
}

/// A batch quantized: `codes[i * samples + s]` is neuron `i`'s bin of sample `s`.
pub(super) struct Codes {
    pub samples: usize,
    pub bins: usize,
    pub data: Vec<u16>,
}

impl Codes {
    pub fn new(batch: ArrayView2<'_, f32>, quantizer: &LayerQuantizer) -> Result<Self> {
        let (samples, width) = batch.dim();
        let mut data = vec![0_u16; samples * width];
        // In blocks of rows binned by the measures' one binning loop
        // (`bin_rows`, which refuses a batch of another width), then written
        // out neuron by neuron, each neuron's codes of the block one
        // contiguous run, while the block's bins stay in cache.
        const BLOCK: usize = 64;
        let mut rows = Vec::new();
        for start in (0..samples).step_by(BLOCK) {
            let end = (start + BLOCK).min(samples);
            quantizer.bin_rows(batch.slice(ndarray::s![start..end, ..]), &mut rows)?;
            for (i, neuron) in data.chunks_exact_mut(samples).enumerate() {
                for (o, row) in neuron[start..end].iter_mut().zip(rows.chunks_exact(width)) {
                    *o = row[i];
                }
            }
        }
        Ok(Codes {
            samples,
            bins: quantizer.bins(),
            data,
        })
    }

    pub fn neuron(&self, i: usize) -> &[u16] {
        &self.data[i * self.samples..(i + 1) * self.samples]
    }
}

/// The tables of `pairs` from quantized samples, the second neuron of each
/// pair read in the sample order `second` (the identity when `None`).
pub(super) fn count_pairs(
    codes: &Codes,
    labels: &[usize],
    classes: usize,
    pairs: &[(usize, usize)],
    second: Option<&[usize]>,
) -> Result<Vec<PairTable>> {
    let bins = codes.bins;
    let mut neurons: Vec<usize> = pairs.iter().flat_map(|&(i, j)| [i, j]).collect();
    neurons.sort_unstable();
    neurons.dedup();
    let columns = neurons.len() * (bins - 1);
    let words = codes.samples.div_ceil(64) + classes;
    if columns
        .saturating_mul(words)
        .saturating_mul(1 + usize::from(second.is_some()))
        > MAX_GRAM_WORDS
    {
        return map_indices(pairs.len(), |p| {
            let (i, j) = pairs[p];
            let mut table = PairTable::new(bins, bins, classes)?;
            let c2 = codes.neuron(j);
            match second {
                None => count_pass(&mut table, codes.neuron(i), c2.iter().copied(), labels),
                Some(order) => count_pass(&mut table, codes.neuron(i), order.iter().map(|&s| c2[s]), labels),
            }
            Ok(table)
        })
        .into_iter()
        .collect();
    }
    let mut position = vec![usize::MAX; neurons.last().map_or(0, |&n| n + 1)];
    neurons.iter().enumerate().for_each(|(k, &n)| position[n] = k);
    let by_class: Vec<Vec<usize>> = (0..classes)
        .map(|y| (0..codes.samples).filter(|&s| labels[s] == y).collect())
        .collect();
    let first = map_indices(classes, |y| OneHot::new(codes, &neurons, &by_class[y], |s| s));
    let permuted =
        second.map(|order| map_indices(classes, |y| OneHot::new(codes, &neurons, &by_class[y], |s| order[s])));
    let second_hot = permuted.as_ref().unwrap_or(&first);
    map_indices(pairs.len(), |p| {
        let (ki, kj) = (position[pairs[p].0], position[pairs[p].1]);
        let mut table = PairTable::new(bins, bins, classes)?;
        for (y, (a, b)) in first.iter().zip(second_hot).enumerate() {
            fill_class(
                &mut table,
                y,
                bins,
                |b1, b2| a.dot(ki, b1, b, kj, b2),
                (a.own(ki), b.own(kj)),
            );
        }
        Ok(table)
    })
    .into_iter()
    .collect()
}

/// The one-hot matrix `X_y` of one class as bit sets: a column per neuron
/// and bin `b ≥ 1`, a bit per sample of the class; the Gram matrix entry of
/// two columns is the popcount of their intersection.
struct OneHot {
    bins: usize,
    words: usize,
    /// `bits[(k * (bins − 1) + b − 1) * words ..]`: neuron `k`'s bin `b`.
    bits: Vec<u64>,
    /// `own[k * bins + b]`: the class's samples in bin `b` of neuron `k`.
    own: Vec<u64>,
}

impl OneHot {
    fn new(codes: &Codes, neurons: &[usize], members: &[usize], sample: impl Fn(usize) -> usize) -> Self {
        let (bins, words) = (codes.bins, members.len().div_ceil(64));
        let mut bits = vec![0_u64; neurons.len() * (bins - 1) * words];
        let mut own = vec![0_u64; neurons.len() * bins];
        // One word per bin for 64 members at a time, then counted and stored.
        let mut word = vec![0_u64; bins];
        for (k, &n) in neurons.iter().enumerate() {
            let c = codes.neuron(n);
            for (w, chunk) in members.chunks(64).enumerate() {
                word.fill(0);
                for (r, &s) in chunk.iter().enumerate() {
                    word[c[sample(s)] as usize] |= 1 << r;
                }
                for (b, &bits_b) in word.iter().enumerate() {
                    own[k * bins + b] += u64::from(bits_b.count_ones());
                    if b > 0 {
                        bits[(k * (bins - 1) + b - 1) * words + w] = bits_b;
                    }
                }
            }
        }
        OneHot { bins, words, bits, own }
    }

    fn column(&self, k: usize, b: usize) -> &[u64] {
        let start = (k * (self.bins - 1) + b - 1) * self.words;
        &self.bits[start..start + self.words]
    }

    fn own(&self, k: usize) -> &[u64] {
        &self.own[k * self.bins..(k + 1) * self.bins]
    }

    /// `Σ_s [T_k = b1][T'_l = b2]` with `T'` read from `other` (same rows).
    fn dot(&self, k: usize, b1: usize, other: &OneHot, l: usize, b2: usize) -> u64 {
        let (x, y) = (self.column(k, b1), other.column(l, b2));
        x.iter().zip(y).map(|(a, b)| u64::from((a & b).count_ones())).sum()
    }
}

/// Writes class `y` of a table from its cells with both bins `≥ 1` and the
/// two neurons' own counts.
fn fill_class(
    table: &mut PairTable,
    y: usize,
    bins: usize,
    cell: impl Fn(usize, usize) -> u64,
    (own1, own2): (&[u64], &[u64]),
) {
    let mut row_rest = own1.to_vec(); // n_1[b1] minus the cells with b2 ≥ 1
    let mut col_rest = own2.to_vec();
    for (b1, rest1) in row_rest.iter_mut().enumerate().skip(1) {
        for (b2, rest2) in col_rest.iter_mut().enumerate().skip(1) {
            let n = cell(b1, b2);
            let k = table.index(b1, b2, y);
            table.as_mut_slice()[k] = n;
            *rest1 -= n;
            *rest2 -= n;
        }
    }
    for b in 1..bins {
        let (k1, k2) = (table.index(b, 0, y), table.index(0, b, y));
        table.as_mut_slice()[k1] = row_rest[b];
        table.as_mut_slice()[k2] = col_rest[b];
    }
    // n[0][0] = n_1[0] − Σ_{b2 ≥ 1} n[0][b2].
    let k = table.index(0, 0, y);
    table.as_mut_slice()[k] = row_rest[0] - col_rest[1..].iter().sum::<u64>();
}

/// The tables of a set of pairs of one layer, [`merge`](PairCounts::merge)able
/// across shards of samples and (feature `serde`) serializable. Built
/// densely by [`from_activations`](PairCounts::from_activations) or a batch
/// at a time by a [`PairRecorder`]; the two agree exactly.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{LayerQuantizer, Quantizer};
/// use infoablate::pairs::{PairCounts, PairRecorder, all_pairs};
/// use ndarray::{array, s};
///
/// let acts = array![[0.0_f32, 1.0, 2.0], [1.0, 0.0, 2.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]];
/// let labels = [0, 1, 1, 0];
/// let q = LayerQuantizer::fit(Quantizer::binary(0.5)?, acts.view())?;
/// let dense = PairCounts::from_activations(acts.view(), &labels, 2, &q, &all_pairs(3))?;
/// let mut recorder = PairRecorder::new(q, 2, &all_pairs(3))?;
/// recorder.observe(acts.slice(s![..1, ..]), &labels[..1])?;
/// recorder.observe(acts.slice(s![1.., ..]), &labels[1..])?;
/// assert_eq!(recorder.counts(), &dense);
/// // neurons 0 and 1 both fire only on sample 2, of class 1
/// assert_eq!(dense.table(0, 1).unwrap().get(1, 1, 1), Some(1));
/// assert_eq!(dense.num_samples(), 4);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawPairCounts")
)]
pub struct PairCounts {
    width: usize,
    classes: usize,
    bins: usize,
    num_samples: u64,
    pairs: Vec<(usize, usize)>,
    tables: Vec<PairTable>,
}

/// Deserialized pair counts before they are checked.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawPairCounts {
    width: usize,
    classes: usize,
    bins: usize,
    num_samples: u64,
    pairs: Vec<(usize, usize)>,
    tables: Vec<PairTable>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawPairCounts> for PairCounts {
    type Error = PairsError;
    fn try_from(raw: RawPairCounts) -> Result<Self, PairsError> {
        check_pairs(raw.width, &raw.pairs)?;
        let fits = raw.tables.len() == raw.pairs.len()
            && raw.tables.iter().all(|t| {
                t.bins() == (raw.bins, raw.bins) && t.classes() == raw.classes && t.total() == raw.num_samples
            });
        if !fits {
            return Err(PairsError::Mismatch(format!(
                "{} tables for {} pairs of {} bins, {} classes and {} samples",
                raw.tables.len(),
                raw.pairs.len(),
                raw.bins,
                raw.classes,
                raw.num_samples
            )));
        }
        Ok(PairCounts {
            width: raw.width,
            classes: raw.classes,
            bins: raw.bins,
            num_samples: raw.num_samples,
            pairs: raw.pairs,
            tables: raw.tables,
        })
    }
}

fn check_pairs(width: usize, pairs: &[(usize, usize)]) -> Result<(), PairsError> {
    for &(i, j) in pairs {
        if i >= width || j >= width {
            return Err(PairsError::Pair(format!(
                "({i}, {j}) names a neuron outside the layer's {width}"
            )));
        }
        if i == j {
            return Err(PairsError::Pair(format!("({i}, {j}) repeats neuron {i}")));
        }
    }
    Ok(())
}

impl PairCounts {
    /// Empty tables of `pairs` of a layer of `width` neurons with `bins`
    /// bins each, for `classes` classes.
    ///
    /// # Errors
    /// [`PairsError::Pair`] for a neuron outside the layer or a pair of a
    /// neuron with itself; [`PairsError::Shape`] for tables too large
    /// ([`MAX_CELLS`](super::MAX_CELLS) a table, [`MAX_COUNTED_CELLS`] in all).
    pub fn new(width: usize, bins: usize, classes: usize, pairs: &[(usize, usize)]) -> Result<Self, PairsError> {
        check_pairs(width, pairs)?;
        let empty = PairTable::new(bins, bins, classes)?;
        let cells = empty.as_slice().len().saturating_mul(pairs.len());
        if cells > MAX_COUNTED_CELLS {
            return Err(PairsError::Shape(format!(
                "{} pairs of {bins} × {bins} bins × {classes} classes need {cells} cells, more than {MAX_COUNTED_CELLS}; count fewer pairs at a time",
                pairs.len()
            )));
        }
        Ok(PairCounts {
            width,
            classes,
            bins,
            num_samples: 0,
            pairs: pairs.to_vec(),
            tables: vec![empty; pairs.len()],
        })
    }

    /// The tables of `pairs` over a layer's activations (`samples × neurons`).
    ///
    /// # Errors
    /// As [`PairRecorder::new`] and [`PairRecorder::observe`].
    pub fn from_activations(
        activations: ArrayView2<'_, f32>,
        labels: &[usize],
        classes: usize,
        quantizer: &LayerQuantizer,
        pairs: &[(usize, usize)],
    ) -> Result<Self> {
        let mut recorder = PairRecorder::new(quantizer.clone(), classes, pairs)?;
        recorder.observe(activations, labels)?;
        Ok(recorder.into_counts())
    }

    /// Adds the counts of another shard of samples over the same pairs.
    ///
    /// # Errors
    /// [`PairsError::Mismatch`] for other pairs, classes or bins.
    pub fn merge(&mut self, other: &PairCounts) -> Result<(), PairsError> {
        let shape = |c: &PairCounts| (c.width, c.classes, c.bins);
        if shape(self) != shape(other) || self.pairs != other.pairs {
            return Err(PairsError::Mismatch(format!(
                "pair counts of {} pairs and (width, classes, bins) {:?}, and of {} pairs and {:?}",
                self.pairs.len(),
                shape(self),
                other.pairs.len(),
                shape(other)
            )));
        }
        self.add(&other.tables, other.num_samples)
    }

    fn add(&mut self, tables: &[PairTable], samples: u64) -> Result<(), PairsError> {
        self.tables.iter_mut().zip(tables).try_for_each(|(a, b)| a.merge(b))?;
        self.num_samples += samples;
        Ok(())
    }

    /// The neurons of the layer.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Bins per neuron.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// Samples counted.
    pub fn num_samples(&self) -> u64 {
        self.num_samples
    }

    /// The pairs, in the order given.
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// The tables, one per pair.
    pub fn tables(&self) -> &[PairTable] {
        &self.tables
    }

    /// The table of pair `(i, j)` as given (not `(j, i)`), if counted.
    pub fn table(&self, i: usize, j: usize) -> Option<&PairTable> {
        self.pairs.iter().position(|&p| p == (i, j)).map(|k| &self.tables[k])
    }
}

/// Streams batches of a layer's activations into [`PairCounts`], with the
/// layer's quantizer fitted up front (memory independent of the sample count).
#[derive(Debug, Clone)]
pub struct PairRecorder {
    quantizer: LayerQuantizer,
    counts: PairCounts,
}

impl PairRecorder {
    /// A recorder of `pairs` of the layer `quantizer` bins, for `classes` classes.
    ///
    /// # Errors
    /// As [`PairCounts::new`].
    pub fn new(quantizer: LayerQuantizer, classes: usize, pairs: &[(usize, usize)]) -> Result<Self, PairsError> {
        let counts = PairCounts::new(quantizer.width(), quantizer.bins(), classes, pairs)?;
        Ok(PairRecorder { quantizer, counts })
    }

    /// Counts a batch of samples (`samples × neurons`) and their labels.
    ///
    /// # Errors
    /// [`PairsError::Shape`] for a batch of another width, labels of
    /// another length or a label `≥ classes`; a
    /// [`RecordError::NonFinite`](crate::record::RecordError::NonFinite)
    /// naming a NaN or infinity (samples counted across batches).
    pub fn observe(&mut self, batch: ArrayView2<'_, f32>, labels: &[usize]) -> Result<()> {
        let counts = &mut self.counts;
        if batch.ncols() != counts.width || batch.nrows() != labels.len() {
            return Err(PairsError::Shape(format!(
                "a batch of {} × {} with {} labels for a layer of {} neurons",
                batch.nrows(),
                batch.ncols(),
                labels.len(),
                counts.width
            ))
            .into());
        }
        check_labels(labels, counts.classes)?;
        if !batch.iter().all(|a| a.is_finite()) {
            check_finite(0, counts.num_samples as usize, batch)?; // names the value
        }
        let codes = Codes::new(batch, &self.quantizer)?;
        let tables = count_pairs(&codes, labels, counts.classes, &counts.pairs, None)?;
        counts.add(&tables, labels.len() as u64)?;
        Ok(())
    }

    /// The counts so far.
    pub fn counts(&self) -> &PairCounts {
        &self.counts
    }

    /// The counts, ending the recording.
    pub fn into_counts(self) -> PairCounts {
        self.counts
    }
}
