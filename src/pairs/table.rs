//! The joint count table `n[b1][b2][y]` of two neurons and the class, and
//! its plug-in pmf with empty bins and classes dropped.

use super::PairsError;

/// The joint counts `n[b1][b2][y]` of two neurons' bins and the class
/// labels, `bins1 × bins2 × classes`.
///
/// Tables of disjoint sample sets [`merge`](PairTable::merge) into exactly
/// the table of their union.
///
/// # Examples
///
/// ```
/// use infoablate::pairs::PairTable;
///
/// // Two binary neurons, two classes: n[b1][b2][y], row-major.
/// let mut t = PairTable::from_counts(2, 2, 2, vec![3, 0, 0, 1, 0, 0, 1, 4])?;
/// t.merge(&PairTable::from_counts(2, 2, 2, vec![1, 0, 0, 0, 0, 0, 0, 0])?)?;
/// assert_eq!(t.get(0, 0, 0), Some(4));
/// assert_eq!(t.total(), 10);
/// assert_eq!(t.class_totals(), vec![5, 5]);
/// assert!(t.merge(&PairTable::new(3, 2, 2)?).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawPairTable")
)]
pub struct PairTable {
    bins1: usize,
    bins2: usize,
    classes: usize,
    /// Row-major: `counts[(b1 * bins2 + b2) * classes + y]`.
    counts: Vec<u64>,
}

/// A deserialized table before its shape is checked.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawPairTable {
    bins1: usize,
    bins2: usize,
    classes: usize,
    counts: Vec<u64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawPairTable> for PairTable {
    type Error = PairsError;
    fn try_from(raw: RawPairTable) -> Result<Self, PairsError> {
        PairTable::from_counts(raw.bins1, raw.bins2, raw.classes, raw.counts)
    }
}

impl PairTable {
    /// An all-zero table.
    ///
    /// # Errors
    /// [`PairsError::Shape`] when a dimension is 0 or the table would not
    /// fit in memory.
    pub fn new(bins1: usize, bins2: usize, classes: usize) -> Result<Self, PairsError> {
        let len = checked_len(bins1, bins2, classes)?;
        Ok(PairTable {
            bins1,
            bins2,
            classes,
            counts: vec![0; len],
        })
    }

    /// A table from its counts, row-major (`counts[(b1 * bins2 + b2) * classes + y]`).
    ///
    /// # Errors
    /// [`PairsError::Shape`] when a dimension is 0 or the length is not
    /// `bins1 × bins2 × classes`.
    pub fn from_counts(bins1: usize, bins2: usize, classes: usize, counts: Vec<u64>) -> Result<Self, PairsError> {
        if checked_len(bins1, bins2, classes)? != counts.len() {
            return Err(PairsError::Shape(format!(
                "{} counts for {bins1} × {bins2} bins × {classes} classes",
                counts.len()
            )));
        }
        Ok(PairTable {
            bins1,
            bins2,
            classes,
            counts,
        })
    }

    /// `(bins1, bins2)`.
    pub fn bins(&self) -> (usize, usize) {
        (self.bins1, self.bins2)
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// `n[b1][b2][y]`, or `None` outside the table.
    pub fn get(&self, b1: usize, b2: usize, y: usize) -> Option<u64> {
        (b1 < self.bins1 && b2 < self.bins2 && y < self.classes).then(|| self.counts[self.index(b1, b2, y)])
    }

    /// The counts, row-major (`[(b1 * bins2 + b2) * classes + y]`).
    pub fn as_slice(&self) -> &[u64] {
        &self.counts
    }

    pub(super) fn as_mut_slice(&mut self) -> &mut [u64] {
        &mut self.counts
    }

    pub(super) fn index(&self, b1: usize, b2: usize, y: usize) -> usize {
        (b1 * self.bins2 + b2) * self.classes + y
    }

    /// `N`, the number of samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `n[y]` per class.
    pub fn class_totals(&self) -> Vec<u64> {
        let mut totals = vec![0; self.classes];
        for cell in self.counts.chunks_exact(self.classes) {
            totals.iter_mut().zip(cell).for_each(|(t, &n)| *t += n);
        }
        totals
    }

    /// Adds the counts of another table of the same shape (of a disjoint
    /// sample set, for the table of the union).
    ///
    /// # Errors
    /// [`PairsError::Mismatch`] for another shape.
    pub fn merge(&mut self, other: &PairTable) -> Result<(), PairsError> {
        let shape = |t: &PairTable| (t.bins1, t.bins2, t.classes);
        if shape(self) != shape(other) {
            return Err(PairsError::Mismatch(format!(
                "pair tables of {:?} and {:?} (bins1, bins2, classes)",
                shape(self),
                shape(other)
            )));
        }
        self.counts.iter_mut().zip(&other.counts).for_each(|(a, &b)| *a += b);
        Ok(())
    }

    /// The table with empty bins of either neuron and empty classes dropped.
    ///
    /// # Errors
    /// [`PairsError::Empty`] for a table with no sample.
    pub(super) fn compact(&self) -> Result<Compact, PairsError> {
        let mut used1 = vec![false; self.bins1];
        let mut used2 = vec![false; self.bins2];
        let mut used_y = vec![false; self.classes];
        let (b2s, c) = (self.bins2, self.classes);
        for (k, _) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            (used1[k / (b2s * c)], used2[(k / c) % b2s], used_y[k % c]) = (true, true, true);
        }
        let keep = |used: &[bool]| -> Vec<usize> { (0..used.len()).filter(|&k| used[k]).collect() };
        let (k1, k2, ky) = (keep(&used1), keep(&used2), keep(&used_y));
        if ky.is_empty() {
            return Err(PairsError::Empty("the pair table".into()));
        }
        let mut counts = Vec::with_capacity(k1.len() * k2.len() * ky.len());
        for &b1 in &k1 {
            for &b2 in &k2 {
                counts.extend(ky.iter().map(|&y| self.counts[self.index(b1, b2, y)]));
            }
        }
        Ok(Compact::new(k1.len(), k2.len(), ky.len(), counts))
    }
}

fn checked_len(bins1: usize, bins2: usize, classes: usize) -> Result<usize, PairsError> {
    if bins1 == 0 || bins2 == 0 || classes == 0 {
        return Err(PairsError::Shape(format!(
            "a pair table needs bins and classes, got {bins1} × {bins2} bins × {classes} classes"
        )));
    }
    bins1
        .checked_mul(bins2)
        .and_then(|n| n.checked_mul(classes))
        .filter(|&n| n <= MAX_CELLS)
        .ok_or_else(|| {
            PairsError::Shape(format!(
                "{bins1} × {bins2} bins × {classes} classes exceed {MAX_CELLS} cells"
            ))
        })
}

/// The largest number of cells of one pair table (`bins1 · bins2 · classes`).
pub const MAX_CELLS: usize = 1 << 24;

/// A pair table with full-support marginals and its plug-in pmf: `n1 × n2 × c`.
#[derive(Debug, Clone)]
pub(super) struct Compact {
    pub n1: usize,
    pub n2: usize,
    pub c: usize,
    /// `p(t1, t2, y)`, row-major as the counts.
    pub p: Vec<f64>,
    /// `p(t1, y)`, `n1 × c`.
    pub p1y: Vec<f64>,
    /// `p(t2, y)`, `n2 × c`.
    pub p2y: Vec<f64>,
    /// `p(y)`.
    pub py: Vec<f64>,
}

impl Compact {
    pub fn new(n1: usize, n2: usize, c: usize, counts: Vec<u64>) -> Self {
        let total: u64 = counts.iter().sum();
        let p: Vec<f64> = counts.iter().map(|&n| n as f64 / total as f64).collect();
        let (mut p1y, mut p2y, mut py) = (vec![0.0; n1 * c], vec![0.0; n2 * c], vec![0.0; c]);
        for t1 in 0..n1 {
            for t2 in 0..n2 {
                for y in 0..c {
                    let q = p[(t1 * n2 + t2) * c + y];
                    p1y[t1 * c + y] += q;
                    p2y[t2 * c + y] += q;
                    py[y] += q;
                }
            }
        }
        Compact {
            n1,
            n2,
            c,
            p,
            p1y,
            p2y,
            py,
        }
    }
}
