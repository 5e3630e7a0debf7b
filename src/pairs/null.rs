//! Seeded null models of the pair measures (the closed forms, or on request
//! every column re-solved per draw), p-values, debiased values, and
//! Benjamini–Hochberg over pairs.

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::PairsError;
use super::count::{Codes, PairCounts, count_pairs};
use super::measures::{COLUMNS, PairMeasures, PairSettings};
use crate::Result;
use crate::measures::LayerQuantizer;
use crate::parallel::map_indices;

/// How a null sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum NullModel {
    /// Permute the labels over the samples (no pair carries information).
    LabelPermutation,
    /// Permute the second neuron of each pair among the samples of each
    /// class: keeps `p(t1,y)` and `p(t2,y)`, breaks their dependence given `y`.
    WithinClassShuffle,
}

/// A seeded null model and how many draws to take of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NullSpec {
    /// The model.
    pub model: NullModel,
    /// The number of null samples `S` (at least 1).
    pub shuffles: usize,
    /// The seed of the permutations.
    pub seed: u64,
    /// Also re-solve `red_broja` and `red_prec` (and their atoms) for every
    /// draw: a full [`PairMeasures::compute`] per pair and draw, hundreds of
    /// times the closed forms' cost. `false` tests the closed forms only.
    pub solved: bool,
}

/// Observed closed-form columns of every pair against a null model.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NullTest {
    /// The model.
    pub model: NullModel,
    /// The number of null samples `S`.
    pub shuffles: usize,
    /// The columns tested, in [`COLUMNS`] order: the closed forms and their
    /// atoms, and with [`NullSpec::solved`] every column.
    pub columns: Vec<&'static str>,
    /// The pairs.
    pub pairs: Vec<(usize, usize)>,
    /// `observed[p][c]`: column `c` of pair `p` on the data.
    pub observed: Vec<Vec<f64>>,
    /// The mean of the null values.
    pub null_mean: Vec<Vec<f64>>,
    /// `(1 + #{null ≥ observed}) / (1 + S)`.
    pub p_value: Vec<Vec<f64>>,
}

impl NullTest {
    /// `observed − null mean` of one column, a value per pair.
    ///
    /// # Errors
    /// [`PairsError::Parameter`] for a column not tested.
    pub fn debiased(&self, column: &str) -> Result<Vec<f64>, PairsError> {
        let c = self.index(column)?;
        Ok(self
            .observed
            .iter()
            .zip(&self.null_mean)
            .map(|(o, m)| o[c] - m[c])
            .collect())
    }

    /// The p-values of one column, a value per pair.
    ///
    /// # Errors
    /// [`PairsError::Parameter`] for a column not tested.
    pub fn p_values(&self, column: &str) -> Result<Vec<f64>, PairsError> {
        let c = self.index(column)?;
        Ok(self.p_value.iter().map(|p| p[c]).collect())
    }

    fn index(&self, column: &str) -> Result<usize, PairsError> {
        self.columns
            .iter()
            .position(|&c| c == column)
            .ok_or_else(|| PairsError::Parameter {
                name: "null-test column",
                reason: format!("`{column}` is not one of {}", self.columns.join(", ")),
            })
    }
}

/// Tests the closed-form columns of `pairs` of a layer (with
/// [`NullSpec::solved`], every column, `red_broja` and `red_prec` re-solved
/// per draw) against `shuffles` seeded draws of a null model. The draws
/// depend on the seed only, so a solved and a closed-form test with one
/// seed agree on the closed-form columns.
///
/// # Errors
/// [`PairsError::Parameter`] for 0 shuffles; the errors of
/// [`PairCounts::from_activations`] and [`PairMeasures::compute`].
///
/// # Examples
///
/// ```
/// use infoablate::measures::{LayerQuantizer, Quantizer};
/// use infoablate::pairs::{NullModel, NullSpec, PairSettings, null_test};
/// use ndarray::Array2;
///
/// // Neuron 0 is the class; neuron 1 is noise.
/// let labels: Vec<usize> = (0..200).map(|s| s % 2).collect();
/// let acts = Array2::from_shape_fn((200, 2), |(s, i)| if i == 0 { labels[s] as f32 } else { ((s * 7) % 3) as f32 });
/// let q = LayerQuantizer::fit(Quantizer::binary(0.5)?, acts.view())?;
/// let spec = NullSpec { model: NullModel::LabelPermutation, shuffles: 99, seed: 7, solved: false };
/// let test = null_test(acts.view(), &labels, 2, &q, &[(0, 1)], &PairSettings::default(), spec)?;
/// assert_eq!(test.p_values("mi_1")?, vec![0.01]); // no permutation reaches 1 bit
/// assert!(test.debiased("mi_1")?[0] > 0.9);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn null_test(
    activations: ArrayView2<'_, f32>,
    labels: &[usize],
    classes: usize,
    quantizer: &LayerQuantizer,
    pairs: &[(usize, usize)],
    settings: &PairSettings,
    NullSpec {
        model,
        shuffles,
        seed,
        solved,
    }: NullSpec,
) -> Result<NullTest> {
    if shuffles == 0 {
        return Err(PairsError::Parameter {
            name: "shuffles",
            reason: "a null test needs at least one shuffle".into(),
        }
        .into());
    }
    let settings = PairSettings {
        closed_forms_only: !solved,
        ..*settings
    };
    let counts = PairCounts::from_activations(activations, labels, classes, quantizer, pairs)?;
    let columns: Vec<&'static str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| solved || !(c.ends_with("broja") || c.ends_with("prec")))
        .collect();
    let values = |tables: &[super::PairTable]| -> Result<Vec<Vec<f64>>> {
        map_indices(tables.len(), |p| {
            let m = PairMeasures::compute(&tables[p], &settings)?;
            Ok(columns.iter().map(|c| m.get(c).unwrap_or(f64::NAN)).collect())
        })
        .into_iter()
        .collect()
    };
    let observed = values(counts.tables())?;
    let codes = Codes::new(activations, quantizer)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut sum, mut exceed) = (
        vec![vec![0.0; columns.len()]; pairs.len()],
        vec![vec![0_u64; columns.len()]; pairs.len()],
    );
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    labels.iter().enumerate().for_each(|(s, &y)| by_class[y].push(s));
    for _ in 0..shuffles {
        let tables = match model {
            NullModel::LabelPermutation => {
                let mut permuted = labels.to_vec();
                permuted.shuffle(&mut rng);
                count_pairs(&codes, &permuted, classes, pairs, None)?
            }
            NullModel::WithinClassShuffle => {
                let mut order: Vec<usize> = (0..labels.len()).collect();
                for members in &by_class {
                    let mut shuffled = members.clone();
                    shuffled.shuffle(&mut rng);
                    members.iter().zip(&shuffled).for_each(|(&s, &t)| order[s] = t);
                }
                count_pairs(&codes, labels, classes, pairs, Some(&order))?
            }
        };
        for (p, null) in values(&tables)?.into_iter().enumerate() {
            for (c, v) in null.into_iter().enumerate() {
                sum[p][c] += v;
                exceed[p][c] += u64::from(v >= observed[p][c]);
            }
        }
    }
    let s = shuffles as f64;
    Ok(NullTest {
        model,
        shuffles,
        columns,
        pairs: pairs.to_vec(),
        null_mean: sum.iter().map(|row| row.iter().map(|v| v / s).collect()).collect(),
        p_value: exceed
            .iter()
            .map(|row| row.iter().map(|&e| (1.0 + e as f64) / (1.0 + s)).collect())
            .collect(),
        observed,
    })
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given:
/// `q_(k) = min_{j ≥ k} min(1, m · p_(j) / j)` over the sorted p-values.
/// A pair is a discovery at false discovery rate `α` when `q ≤ α`.
///
/// # Errors
/// [`PairsError::Parameter`] for a p-value outside `[0, 1]` (or NaN).
///
/// # Examples
///
/// ```
/// use infoablate::pairs::benjamini_hochberg;
///
/// let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5])?;
/// assert_eq!(q, vec![0.04, 0.04 * 4.0 / 3.0, 0.04 * 4.0 / 3.0, 0.5]);
/// assert!(benjamini_hochberg(&[f64::NAN]).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn benjamini_hochberg(p_values: &[f64]) -> Result<Vec<f64>, PairsError> {
    if let Some(p) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(PairsError::Parameter {
            name: "p-value",
            reason: format!("{p} is outside [0, 1]"),
        });
    }
    let m = p_values.len() as f64;
    let mut order: Vec<usize> = (0..p_values.len()).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut q = vec![0.0; p_values.len()];
    let mut running: f64 = 1.0;
    for (rank, &k) in order.iter().enumerate().rev() {
        running = running.min(m * p_values[k] / (rank + 1) as f64);
        q[k] = running;
    }
    Ok(q)
}
