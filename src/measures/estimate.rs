//! Entropy, mutual information and KL selectivity from a count table.
//!
//! Plug-in (maximum likelihood) estimates with `0·log 0 = 0`, classes with no
//! sample skipped; Miller–Madow corrections for the entropies and the mutual
//! information. Nothing is clipped: a Miller–Madow mutual information can be
//! negative, and rounding can leave a plug-in value a few ulps below 0.

use std::f64::consts::LN_2;
use std::fmt;

use super::MeasureError;
use super::counts::CountTable;

/// The unit of an information quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Units {
    /// Logarithms to base 2 (the default).
    #[default]
    Bits,
    /// Natural logarithms.
    Nats,
}

impl Units {
    /// Converts a quantity in nats to these units.
    ///
    /// ```
    /// use infoablate::measures::Units;
    /// assert_eq!(Units::Bits.from_nats(std::f64::consts::LN_2), 1.0);
    /// assert_eq!(Units::Nats.from_nats(0.5), 0.5);
    /// ```
    pub fn from_nats(self, nats: f64) -> f64 {
        match self {
            Units::Bits => nats / LN_2,
            Units::Nats => nats,
        }
    }

    /// `bits` or `nats`.
    pub fn name(self) -> &'static str {
        match self {
            Units::Bits => "bits",
            Units::Nats => "nats",
        }
    }
}

impl fmt::Display for Units {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an information quantity is estimated from counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
pub enum Estimator {
    /// Maximum likelihood: the empirical frequencies plugged in (the default).
    #[default]
    PlugIn,
    /// Miller–Madow: `H_MM = H + (m−1)/(2N)` nats, `m` the non-empty cells;
    /// `I_MM = H_MM(T) + H_MM(Y) − H_MM(T,Y)`. Not defined for KL selectivity.
    MillerMadow,
    /// An estimator of the user's own, by name: what a user-written
    /// [`InfoMeasure`](super::InfoMeasure) reports from
    /// [`estimator`](super::InfoMeasure::estimator) so that its column of the
    /// [`Scores`](super::Scores) says how it was estimated. The crate's
    /// functions do not compute it ([`MeasureError::Unsupported`]).
    ///
    /// ```
    /// use infoablate::measures::{CountTable, Estimator, Units, entropy};
    /// let jackknife = Estimator::Named("jackknife");
    /// assert_eq!(jackknife.to_string(), "jackknife");
    /// let t = CountTable::from_counts(2, 1, vec![1, 1])?;
    /// assert!(entropy(&t, jackknife, Units::Bits).is_err());
    /// # Ok::<(), infoablate::measures::MeasureError>(())
    /// ```
    ///
    /// It serializes as `{"named": "jackknife"}`; only the built-in
    /// estimators deserialize (a name read back would not be `'static`).
    Named(&'static str),
}

/// The estimators that deserialize: the built-in ones (a name read back
/// would not be `'static`), so that [`Estimator`] stays `DeserializeOwned`.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum BuiltIn {
    PlugIn,
    MillerMadow,
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Estimator {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match BuiltIn::deserialize(deserializer)? {
            BuiltIn::PlugIn => Estimator::PlugIn,
            BuiltIn::MillerMadow => Estimator::MillerMadow,
        })
    }
}

impl Estimator {
    /// `plug-in`, `miller-madow`, or the name of a [`Named`](Estimator::Named) one.
    pub fn name(self) -> &'static str {
        match self {
            Estimator::PlugIn => "plug-in",
            Estimator::MillerMadow => "miller-madow",
            Estimator::Named(name) => name,
        }
    }
}

/// The correction a built-in estimator applies to a plug-in entropy.
#[derive(Clone, Copy)]
enum Correction {
    None,
    MillerMadow,
}

/// The correction of `estimator` for `measure`, or
/// [`MeasureError::Unsupported`] for an estimator the crate does not compute.
fn correction(estimator: Estimator, measure: &'static str) -> Result<Correction, MeasureError> {
    match estimator {
        Estimator::PlugIn => Ok(Correction::None),
        Estimator::MillerMadow => Ok(Correction::MillerMadow),
        Estimator::Named(_) => Err(MeasureError::Unsupported { measure, estimator }),
    }
}

impl fmt::Display for Estimator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn check_nonempty(table: &CountTable) -> Result<u64, MeasureError> {
    match table.total() {
        0 => Err(MeasureError::Empty {
            what: "the count table".into(),
        }),
        n => Ok(n),
    }
}

/// Entropy in nats of the distribution with these counts summing to `n`,
/// with the estimator's correction.
fn entropy_nats(counts: impl Iterator<Item = u64>, n: u64, correction: Correction) -> f64 {
    let total = n as f64;
    let (mut h, mut occupied) = (0.0, 0_u64);
    for c in counts.filter(|&c| c > 0) {
        let p = c as f64 / total;
        h -= p * p.ln();
        occupied += 1;
    }
    match correction {
        Correction::None => h,
        Correction::MillerMadow => h + (occupied - 1) as f64 / (2.0 * total),
    }
}

/// `H(T)`, the entropy of the neuron's bins.
///
/// # Errors
/// [`MeasureError::Empty`] for a table with no sample,
/// [`MeasureError::Unsupported`] for a [`Named`](Estimator::Named) estimator.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{CountTable, Estimator, Units, entropy};
///
/// // bins with 2, 1, 1 samples: H = 1.5 bits; Miller–Madow adds (3−1)/(2·4) nats.
/// let t = CountTable::from_counts(3, 1, vec![2, 1, 1])?;
/// assert_eq!(entropy(&t, Estimator::PlugIn, Units::Bits)?, 1.5);
/// let mm = entropy(&t, Estimator::MillerMadow, Units::Nats)?;
/// assert!((mm - (1.5 * std::f64::consts::LN_2 + 0.25)).abs() < 1e-15);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn entropy(table: &CountTable, estimator: Estimator, units: Units) -> Result<f64, MeasureError> {
    let correction = correction(estimator, "entropy")?;
    let n = check_nonempty(table)?;
    Ok(units.from_nats(entropy_nats(table.bin_totals().into_iter(), n, correction)))
}

/// `H(Y)`, the entropy of the class labels counted in the table.
///
/// # Errors
/// As [`entropy`].
pub fn class_entropy(table: &CountTable, estimator: Estimator, units: Units) -> Result<f64, MeasureError> {
    let correction = correction(estimator, "class entropy")?;
    let n = check_nonempty(table)?;
    Ok(units.from_nats(entropy_nats(table.class_totals().into_iter(), n, correction)))
}

/// `H(T, Y)`, the entropy of the joint counts.
///
/// # Errors
/// As [`entropy`].
pub fn joint_entropy(table: &CountTable, estimator: Estimator, units: Units) -> Result<f64, MeasureError> {
    let correction = correction(estimator, "joint entropy")?;
    let n = check_nonempty(table)?;
    Ok(units.from_nats(entropy_nats(table.as_slice().iter().copied(), n, correction)))
}

/// `log( p(b,y) / (p(b) p(y)) ) = log( n[b][y]·N / (n[b]·n[y]) )` for every
/// occupied cell, in nats, as `(b, y, n[b][y], log ratio)`; integer products
/// are formed in `f64` before the one division.
fn log_ratios<'a>(
    table: &'a CountTable,
    bin_totals: &'a [u64],
    class_totals: &'a [u64],
    n: u64,
) -> impl Iterator<Item = (usize, u64, f64)> + 'a {
    table.rows().zip(bin_totals).flat_map(move |(row, &nb)| {
        row.iter()
            .zip(class_totals)
            .enumerate()
            .filter(|(_, (c, _))| **c > 0)
            .map(move |(y, (&c, &ny))| {
                let ratio = (c as f64 * n as f64) / (nb as f64 * ny as f64);
                (y, c, ratio.ln())
            })
    })
}

/// Plug-in `I` in nats of a row-major `bins × classes` table `cells` with
/// its margins and total: `Σ n/N · ln(n·N / (n_b·n_y))` over the non-empty
/// cells, in row-major order (what [`mutual_information`] sums; the pair
/// measures call it on their marginals without building tables).
pub(crate) fn plug_in_mi_nats(cells: &[u64], bins: &[u64], classes: &[u64], n: u64) -> f64 {
    let mut sum = 0.0;
    for (row, &nb) in cells.chunks_exact(classes.len()).zip(bins) {
        for (&c, &ny) in row.iter().zip(classes).filter(|(c, _)| **c > 0) {
            let ratio = (c as f64 * n as f64) / (nb as f64 * ny as f64);
            sum += c as f64 / n as f64 * ratio.ln();
        }
    }
    sum
}

/// Miller–Madow entropy in nats of counts summing to `n`.
pub(crate) fn miller_madow_entropy_nats(counts: &[u64], n: u64) -> f64 {
    entropy_nats(counts.iter().copied(), n, Correction::MillerMadow)
}

/// `I(T; Y)`, the mutual information between the neuron's bins and the class.
///
/// Plug-in: `Σ p(b,y) log(p(b,y) / (p(b) p(y)))`; Miller–Madow:
/// `H_MM(T) + H_MM(Y) − H_MM(T,Y)` (which can be negative).
///
/// # Errors
/// As [`entropy`].
///
/// # Examples
///
/// ```
/// use infoablate::measures::{CountTable, Estimator, Units, mutual_information};
///
/// // A bin that copies a balanced binary label: I = H(Y) = 1 bit.
/// let t = CountTable::from_counts(2, 2, vec![5, 0, 0, 5])?;
/// assert_eq!(mutual_information(&t, Estimator::PlugIn, Units::Bits)?, 1.0);
/// // Independent: I = 0 exactly.
/// let t = CountTable::from_counts(2, 2, vec![1, 2, 3, 6])?;
/// assert_eq!(mutual_information(&t, Estimator::PlugIn, Units::Bits)?, 0.0);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn mutual_information(table: &CountTable, estimator: Estimator, units: Units) -> Result<f64, MeasureError> {
    let correction = correction(estimator, "mutual information")?;
    let n = check_nonempty(table)?;
    let nats = match correction {
        Correction::None => plug_in_mi_nats(table.as_slice(), &table.bin_totals(), &table.class_totals(), n),
        Correction::MillerMadow => {
            entropy_nats(table.bin_totals().into_iter(), n, correction)
                + entropy_nats(table.class_totals().into_iter(), n, correction)
                - entropy_nats(table.as_slice().iter().copied(), n, correction)
        }
    };
    Ok(units.from_nats(nats))
}

/// `KLsel(T) = max_y D(P_{T|Y=y} ‖ P_T)` over the classes with a sample,
/// with `D = Σ_b p(b|y) log(p(b|y) / p(b))`. Plug-in only.
///
/// # Errors
/// [`MeasureError::Unsupported`] for Miller–Madow (the definition file does
/// not define it), [`MeasureError::Empty`] for a table with no sample.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{CountTable, Estimator, Units, kl_selectivity};
///
/// // Class 1 always in bin 1, class 0 split evenly: p(T) = (1/4, 3/4).
/// // D(class 1) = log(4/3), D(class 0) = ½ log 2 + ½ log(2/3): the max is log2(4/3) bits.
/// let t = CountTable::from_counts(2, 2, vec![1, 0, 1, 2])?;
/// let kl = kl_selectivity(&t, Estimator::PlugIn, Units::Bits)?;
/// assert!((kl - (4.0_f64 / 3.0).log2()).abs() < 1e-15);
/// assert!(kl_selectivity(&t, Estimator::MillerMadow, Units::Bits).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn kl_selectivity(table: &CountTable, estimator: Estimator, units: Units) -> Result<f64, MeasureError> {
    if estimator != Estimator::PlugIn {
        return Err(MeasureError::Unsupported {
            measure: "KL selectivity",
            estimator,
        });
    }
    let n = check_nonempty(table)?;
    let (bins, classes) = (table.bin_totals(), table.class_totals());
    let mut divergence = vec![0.0; table.classes()];
    for (y, c, log) in log_ratios(table, &bins, &classes, n) {
        divergence[y] += c as f64 / classes[y] as f64 * log;
    }
    let max = divergence
        .iter()
        .zip(&classes)
        .filter(|(_, ny)| **ny > 0)
        .map(|(&d, _)| d)
        .fold(f64::NEG_INFINITY, f64::max);
    Ok(units.from_nats(max))
}
