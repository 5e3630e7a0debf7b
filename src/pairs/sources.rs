//! More than two sources: the joint count table of `k` neurons (or any
//! discrete sources) and the class, and the two redundancies of the
//! definition file that extend to `k` sources as written:
//! `red_mmi = min_i I(T_i;Y)` and Williams–Beer
//! `red_wb = Σ_y p(y) min_i D(P_{T_i|Y=y} ‖ P_{T_i})`.

use super::PairsError;
use super::closed::williams_beer;
use super::table::{MAX_CELLS, PairTable};
use crate::Result;
use crate::measures::{Units, plug_in_mi_nats};

/// The joint counts `n[t_1]…[t_k][y]` of `k ≥ 2` sources and the class,
/// row-major (the class fastest, then the last source).
///
/// # Examples
///
/// Three copies of a fair bit share it: both redundancies are 1 bit. For
/// the XOR of three bits, no source alone says anything: 0.
///
/// ```
/// use approx::assert_abs_diff_eq;
/// use infoablate::measures::Units;
/// use infoablate::pairs::{SourceTable, red_mmi_sources, red_wb_sources};
///
/// // Eight equally likely (t1, t2, t3); cell ((t1·2 + t2)·2 + t3)·2 + y.
/// let table = |y: fn(usize, usize, usize) -> usize| {
///     let mut counts = vec![0; 16];
///     for x in 0..8 {
///         counts[x * 2 + y(x >> 2, (x >> 1) & 1, x & 1)] += 1;
///     }
///     SourceTable::from_counts(&[2, 2, 2], 2, counts)
/// };
/// let xor = table(|a, b, c| a ^ b ^ c)?;
/// assert_abs_diff_eq!(red_wb_sources(&xor, Units::Bits)?, 0.0, epsilon = 1e-12);
/// let first = table(|a, _, _| a)?; // only t1 carries y
/// assert_abs_diff_eq!(red_mmi_sources(&first, Units::Bits)?, 0.0, epsilon = 1e-12);
/// // Three copies of a fair bit (only the cells t1 = t2 = t3 = y occupied).
/// let mut counts = vec![0; 16];
/// (counts[0], counts[15]) = (1, 1);
/// let copies = SourceTable::from_counts(&[2, 2, 2], 2, counts)?;
/// assert_abs_diff_eq!(red_wb_sources(&copies, Units::Bits)?, 1.0, epsilon = 1e-12);
/// assert_abs_diff_eq!(red_mmi_sources(&copies, Units::Bits)?, 1.0, epsilon = 1e-12);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTable {
    bins: Vec<usize>,
    classes: usize,
    counts: Vec<u64>,
}

impl SourceTable {
    /// A table from its counts, row-major: the class fastest, then the last
    /// source, …, the first source slowest.
    ///
    /// # Errors
    /// [`PairsError::Shape`] for fewer than two sources, a dimension of 0, a
    /// table past [`MAX_CELLS`](super::MAX_CELLS) cells or a length other
    /// than the product of the dimensions.
    pub fn from_counts(bins: &[usize], classes: usize, counts: Vec<u64>) -> Result<Self, PairsError> {
        if bins.len() < 2 || bins.contains(&0) || classes == 0 {
            return Err(PairsError::Shape(format!(
                "a source table needs two sources or more, bins and classes; got bins {bins:?} and {classes} classes"
            )));
        }
        let cells = bins
            .iter()
            .try_fold(classes, |n, &b| n.checked_mul(b))
            .filter(|&n| n <= MAX_CELLS)
            .ok_or_else(|| PairsError::Shape(format!("bins {bins:?} × {classes} classes exceed {MAX_CELLS} cells")))?;
        if cells != counts.len() {
            return Err(PairsError::Shape(format!(
                "{} counts for bins {bins:?} × {classes} classes",
                counts.len()
            )));
        }
        Ok(SourceTable {
            bins: bins.to_vec(),
            classes,
            counts,
        })
    }

    /// The table of a pair's two neurons.
    pub fn from_pair(table: &PairTable) -> Self {
        let ((b1, b2), classes) = (table.bins(), table.classes());
        SourceTable {
            bins: vec![b1, b2],
            classes,
            counts: table.as_slice().to_vec(),
        }
    }

    /// Bins per source.
    pub fn bins(&self) -> &[usize] {
        &self.bins
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The counts, row-major.
    pub fn as_slice(&self) -> &[u64] {
        &self.counts
    }

    /// Per source, `n[t][y]` (`bins × classes`) and `n[t]`; then `n[y]` and `N`.
    fn marginals(&self) -> Result<(Vec<SourceCounts>, Vec<u64>, u64), PairsError> {
        let c = self.classes;
        let mut per_source: Vec<SourceCounts> = self.bins.iter().map(|&b| (vec![0; b * c], vec![0; b])).collect();
        let mut ny = vec![0; c];
        for (cell, row) in self.counts.chunks_exact(c).enumerate() {
            let mut rest = cell;
            for (&b, (nty, nt)) in self.bins.iter().zip(&mut per_source).rev() {
                let t = rest % b;
                rest /= b;
                for (y, &k) in row.iter().enumerate() {
                    nty[t * c + y] += k;
                    nt[t] += k;
                }
            }
            ny.iter_mut().zip(row).for_each(|(a, &k)| *a += k);
        }
        let n: u64 = ny.iter().sum();
        if n == 0 {
            return Err(PairsError::Empty("the source table".into()));
        }
        Ok((per_source, ny, n))
    }
}

/// One source's `n[t][y]` (`bins × classes`) and `n[t]`.
type SourceCounts = (Vec<u64>, Vec<u64>);

/// `min_i I(T_i;Y)` of any number of sources (plug-in).
///
/// # Errors
/// [`PairsError::Empty`] for a table with no sample.
pub fn red_mmi_sources(table: &SourceTable, units: Units) -> Result<f64> {
    let (sources, ny, n) = table.marginals()?;
    let least = sources
        .iter()
        .map(|(nty, nt)| plug_in_mi_nats(nty, nt, &ny, n))
        .fold(f64::INFINITY, f64::min);
    Ok(units.from_nats(least))
}

/// Williams–Beer `I_min` of any number of sources (plug-in); for two it is
/// the pair's `red_wb`.
///
/// # Errors
/// [`PairsError::Empty`] for a table with no sample.
pub fn red_wb_sources(table: &SourceTable, units: Units) -> Result<f64> {
    let (sources, ny, n) = table.marginals()?;
    let views: Vec<(&[u64], &[u64])> = sources.iter().map(|(a, b)| (&a[..], &b[..])).collect();
    Ok(units.from_nats(williams_beer(&views, &ny, n)))
}
