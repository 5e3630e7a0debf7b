//! Every measure of one pair table, and the four-atom decompositions.

use super::blackwell::{blackwell, polytope_vertices};
use super::broja::{max_conditional_entropy, max_conditional_entropy_conic};
use super::closed::Marginals;
use super::table::{Compact, PairTable};
use crate::Result;
use crate::measures::{Estimator, Units};

/// How pair measures are computed, for example
/// `PairSettings { units: Units::Nats, ..PairSettings::default() }`.
///
/// The estimator applies to the mutual-information terms (`mi_1`, `mi_2`,
/// `joint_mi`, hence `interaction_info` and `red_mmi`); `red_wb`,
/// `red_broja` and `red_prec` are plug-in, as the definition writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PairSettings {
    /// Estimator of the mutual-information terms.
    pub estimator: Estimator,
    /// Units of every value.
    pub units: Units,
    /// Only the closed forms: `red_broja` and `red_prec` (and their atoms)
    /// are not computed (for null models and quick scans).
    pub closed_forms_only: bool,
    /// What a [`PairAnalysis`](super::PairAnalysis) does when one pair's
    /// measures fail: stop (the default) or record the failure and go on.
    pub on_failure: OnFailure,
}

/// What a [`PairAnalysis`](super::PairAnalysis) does with a pair whose
/// measures fail (a `red_broja` or `red_prec` program past its limit, a
/// solver that does not converge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum OnFailure {
    /// The analysis fails with [`PairsError::AtPair`](super::PairsError::AtPair) naming the first failing pair.
    #[default]
    Stop,
    /// The pair is left out of the measures and listed, with its error, in
    /// [`PairAnalysis::failures`](super::PairAnalysis::failures).
    Record,
}

impl PairSettings {
    /// Without `red_broja` and `red_prec`.
    pub fn closed_forms_only(mut self) -> Self {
        self.closed_forms_only = true;
        self
    }
}

/// A redundancy measure of the definition file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Redundancy {
    /// `min(mi_1, mi_2)`.
    Mmi,
    /// Williams–Beer `I_min`.
    Wb,
    /// Bertschinger–Rauh–Olbrich–Jost–Ay.
    Broja,
    /// Kolchinsky's Blackwell redundancy `I_∩^≺`.
    Prec,
}

impl Redundancy {
    /// All four, in column order.
    pub const ALL: [Redundancy; 4] = [Redundancy::Mmi, Redundancy::Wb, Redundancy::Broja, Redundancy::Prec];

    /// `mmi`, `wb`, `broja` or `prec`: the suffix of its columns.
    pub fn name(self) -> &'static str {
        match self {
            Redundancy::Mmi => "mmi",
            Redundancy::Wb => "wb",
            Redundancy::Broja => "broja",
            Redundancy::Prec => "prec",
        }
    }
}

/// The four-atom decomposition of `joint_mi` by one redundancy `R`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Atoms {
    /// `R`.
    pub redundancy: f64,
    /// `mi_1 − R`.
    pub unique_1: f64,
    /// `mi_2 − R`.
    pub unique_2: f64,
    /// `joint_mi − mi_1 − mi_2 + R`.
    pub synergy: f64,
}

/// Every measure of one pair, in the settings' units.
///
/// # Examples
///
/// ```
/// use infoablate::pairs::{PairMeasures, PairSettings, PairTable, Redundancy};
/// use approx::assert_abs_diff_eq;
///
/// // XOR: Y = T1 xor T2, the four inputs equally often.
/// let mut counts = vec![0; 8];
/// for (t1, t2) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
///     counts[(t1 * 2 + t2) * 2 + (t1 ^ t2)] = 1;
/// }
/// let xor = PairMeasures::compute(&PairTable::from_counts(2, 2, 2, counts)?, &PairSettings::default())?;
/// assert_eq!((xor.mi_1, xor.mi_2, xor.joint_mi), (0.0, 0.0, 1.0));
/// assert_eq!(xor.interaction_info, 1.0);
/// assert_abs_diff_eq!(xor.red_broja.unwrap(), 0.0, epsilon = 1e-12);
/// assert_eq!(xor.red_prec, Some(0.0));
/// assert_eq!(xor.atoms(Redundancy::Wb).unwrap().synergy, 1.0);
/// assert_eq!(xor.get("synergy_mmi"), Some(1.0));
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PairMeasures {
    /// `I(T1;Y)`.
    pub mi_1: f64,
    /// `I(T2;Y)`.
    pub mi_2: f64,
    /// `I(T1,T2;Y)`.
    pub joint_mi: f64,
    /// `joint_mi − mi_1 − mi_2`.
    pub interaction_info: f64,
    /// `min(mi_1, mi_2)`.
    pub red_mmi: f64,
    /// Williams–Beer `I_min`.
    pub red_wb: f64,
    /// BROJA redundancy (`None` with [`PairSettings::closed_forms_only`]).
    pub red_broja: Option<f64>,
    /// Blackwell redundancy `I_∩^≺` (`None` with [`PairSettings::closed_forms_only`]).
    pub red_prec: Option<f64>,
}

/// The columns of [`PairMeasures::get`], in output order: the definition's
/// eight, then `unique_1_R`, `unique_2_R`, `synergy_R` for `R` = `mmi`,
/// `wb`, `broja`, `prec`.
pub const COLUMNS: [&str; 20] = [
    "mi_1",
    "mi_2",
    "joint_mi",
    "interaction_info",
    "red_mmi",
    "red_wb",
    "red_broja",
    "red_prec",
    "unique_1_mmi",
    "unique_2_mmi",
    "synergy_mmi",
    "unique_1_wb",
    "unique_2_wb",
    "synergy_wb",
    "unique_1_broja",
    "unique_2_broja",
    "synergy_broja",
    "unique_1_prec",
    "unique_2_prec",
    "synergy_prec",
];

impl PairMeasures {
    /// Every measure of a pair table (empty bins and classes dropped first).
    ///
    /// # Errors
    /// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample;
    /// [`PairsError::Solver`](super::PairsError::Solver) or [`PairsError::TooLarge`](super::PairsError::TooLarge) from `red_broja`
    /// or `red_prec` of a large multi-bin table.
    pub fn compute(table: &PairTable, settings: &PairSettings) -> Result<Self> {
        Ok(Self::with_occupancy(table, settings)?.0)
    }

    /// The measures and the occupied `(B1, B2, C)` of the table.
    pub(super) fn with_occupancy(table: &PairTable, settings: &PairSettings) -> Result<(Self, (usize, usize, usize))> {
        let margins = Marginals::new(table)?;
        let [mi_1, mi_2, joint_mi] = margins.mutual_informations(settings.estimator, table)?;
        let (red_broja, red_prec) = if settings.closed_forms_only {
            (None, None)
        } else {
            let plug_in = match settings.estimator {
                Estimator::MillerMadow => {
                    let [a, b, _] = margins.mutual_informations(Estimator::PlugIn, table)?;
                    [a, b]
                }
                _ => [mi_1, mi_2],
            };
            let c = table.compact()?;
            (
                Some(broja_nats(&c, plug_in, max_conditional_entropy)?),
                Some(blackwell(&c)?.nats),
            )
        };
        let u = |nats: f64| settings.units.from_nats(nats);
        let measures = PairMeasures {
            mi_1: u(mi_1),
            mi_2: u(mi_2),
            joint_mi: u(joint_mi),
            interaction_info: u(joint_mi - mi_1 - mi_2),
            red_mmi: u(mi_1.min(mi_2)),
            red_wb: u(margins.williams_beer()),
            red_broja: red_broja.map(u),
            red_prec: red_prec.map(u),
        };
        Ok((measures, margins.occupied()))
    }

    /// The value of a redundancy measure (`None` if it was not computed).
    pub fn redundancy(&self, measure: Redundancy) -> Option<f64> {
        match measure {
            Redundancy::Mmi => Some(self.red_mmi),
            Redundancy::Wb => Some(self.red_wb),
            Redundancy::Broja => self.red_broja,
            Redundancy::Prec => self.red_prec,
        }
    }

    /// The four atoms of one redundancy measure (`None` if it was not computed).
    pub fn atoms(&self, measure: Redundancy) -> Option<Atoms> {
        self.redundancy(measure).map(|r| Atoms {
            redundancy: r,
            unique_1: self.mi_1 - r,
            unique_2: self.mi_2 - r,
            synergy: self.joint_mi - self.mi_1 - self.mi_2 + r,
        })
    }

    /// A column by name (one of [`COLUMNS`]); `None` for another name or a
    /// measure not computed.
    pub fn get(&self, column: &str) -> Option<f64> {
        match column {
            "mi_1" => Some(self.mi_1),
            "mi_2" => Some(self.mi_2),
            "joint_mi" => Some(self.joint_mi),
            "interaction_info" => Some(self.interaction_info),
            _ => {
                let (atom, name) = column.rsplit_once('_')?;
                let measure = Redundancy::ALL.into_iter().find(|r| r.name() == name)?;
                let atoms = self.atoms(measure)?;
                match atom {
                    "red" => Some(atoms.redundancy),
                    "unique_1" => Some(atoms.unique_1),
                    "unique_2" => Some(atoms.unique_2),
                    "synergy" => Some(atoms.synergy),
                    _ => None,
                }
            }
        }
    }
}

/// A solver of `max_{q∈Δ} H_q(Y|T1,T2)` in nats.
type MaxEntropy = fn(&Compact) -> Result<f64, super::PairsError>;

/// `red_broja` in nats: `mi_1 + mi_2 − H(Y) + max_q H_q(Y|T1,T2)`, from
/// the plug-in `[mi_1, mi_2]` in nats.
fn broja_nats(c: &Compact, [mi_1, mi_2]: [f64; 2], solve: MaxEntropy) -> Result<f64> {
    let class_entropy: f64 = -c.py.iter().map(|&p| p * p.ln()).sum::<f64>();
    Ok(mi_1 + mi_2 - class_entropy + solve(c)?)
}

/// The closed forms of a table (what the one-measure functions read).
fn closed_forms(table: &PairTable, settings: &PairSettings) -> Result<PairMeasures> {
    PairMeasures::compute(table, &settings.closed_forms_only())
}

/// `I(T1;Y)` of a pair table, in the settings' units and estimator.
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample.
pub fn mi_1(table: &PairTable, settings: &PairSettings) -> Result<f64> {
    Ok(closed_forms(table, settings)?.mi_1)
}

/// `I(T2;Y)` of a pair table.
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample.
pub fn mi_2(table: &PairTable, settings: &PairSettings) -> Result<f64> {
    Ok(closed_forms(table, settings)?.mi_2)
}

/// `I(T1,T2;Y)` of a pair table: the pair as one variable with `B1·B2` values.
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample.
pub fn joint_mi(table: &PairTable, settings: &PairSettings) -> Result<f64> {
    Ok(closed_forms(table, settings)?.joint_mi)
}

/// `joint_mi − mi_1 − mi_2` of a pair table (minus McGill's co-information).
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample.
pub fn interaction_info(table: &PairTable, settings: &PairSettings) -> Result<f64> {
    Ok(closed_forms(table, settings)?.interaction_info)
}

/// `min(mi_1, mi_2)` of a pair table.
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample.
pub fn red_mmi(table: &PairTable, settings: &PairSettings) -> Result<f64> {
    Ok(closed_forms(table, settings)?.red_mmi)
}

/// Williams–Beer `I_min = Σ_y p(y) min_i D(P_{Ti|Y=y} ‖ P_{Ti})` of a pair
/// table (plug-in).
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample.
pub fn red_wb(table: &PairTable, settings: &PairSettings) -> Result<f64> {
    Ok(closed_forms(table, settings)?.red_wb)
}

/// BROJA redundancy `mi_1 − min_{q∈Δ} I_q(T1;Y|T2)` of a pair table
/// (plug-in): exact Newton for two binary neurons, Clarabel's
/// exponential-cone solver otherwise.
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample; [`PairsError::Solver`](super::PairsError::Solver)
/// when Clarabel fails.
pub fn red_broja(table: &PairTable, units: Units) -> Result<f64> {
    broja_of_table(table, units, max_conditional_entropy)
}

/// Kolchinsky's Blackwell redundancy `I_∩^≺` of a pair table, exact (see
/// the module documentation of [`pairs`](super)).
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample;
/// [`PairsError::TooLarge`](super::PairsError::TooLarge) past [`MAX_ENUMERATION`](super::MAX_ENUMERATION).
pub fn red_prec(table: &PairTable, units: Units) -> Result<f64> {
    Ok(units.from_nats(blackwell(&table.compact()?)?.nats))
}

/// The number of distinct vertices of the channel polytope over which
/// `red_prec` is maximised (`n_q = B1 + B2 − 1` labelled outcomes, occupied
/// bins): a check of the enumeration, not needed for the value, which
/// [`red_prec`] finds from the extreme rays alone.
///
/// # Errors
/// [`PairsError::Empty`](super::PairsError::Empty) for a table with no sample;
/// [`PairsError::TooLarge`](super::PairsError::TooLarge) past [`MAX_ENUMERATION`](super::MAX_ENUMERATION).
///
/// # Examples
///
/// Two identical binary neurons: every channel is a map of the two bins to
/// `n_q = 3` outcomes, and the vertices are the `3² = 9` deterministic maps.
///
/// ```
/// use infoablate::pairs::{PairTable, red_prec_vertices};
///
/// let copies = PairTable::from_counts(2, 2, 2, vec![5, 0, 0, 0, 0, 0, 0, 5])?;
/// assert_eq!(red_prec_vertices(&copies)?, 9);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn red_prec_vertices(table: &PairTable) -> Result<u64> {
    Ok(polytope_vertices(&table.compact()?)?)
}

/// `red_broja` of any pair table by Clarabel's exponential-cone solver (what
/// [`red_broja`] uses beyond binary pairs; for binary pairs it agrees with
/// the dedicated solver to the solver's tolerance, about `1e-8`).
///
/// # Errors
/// As [`red_broja`].
pub fn red_broja_conic(table: &PairTable, units: Units) -> Result<f64> {
    broja_of_table(table, units, max_conditional_entropy_conic)
}

fn broja_of_table(table: &PairTable, units: Units, solve: MaxEntropy) -> Result<f64> {
    let [mi_1, mi_2, _] = Marginals::new(table)?.mutual_informations(Estimator::PlugIn, table)?;
    let c = table.compact()?;
    Ok(units.from_nats(broja_nats(&c, [mi_1, mi_2], solve)?))
}
