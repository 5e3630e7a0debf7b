//! Every measure of every counted pair, and the views a researcher reads:
//! matrices over the layer, the top pairs, per-neuron means as scores.

use ndarray::Array2;

use super::PairsError;
use super::count::PairCounts;
use super::measures::{COLUMNS, OnFailure, PairMeasures, PairSettings};
use super::views;
use crate::ablation::Schedule;
use crate::measures::Order;
use crate::parallel::map_indices;
use crate::{Error, Result};

/// Fewer samples than about `10 · B1 · B2 · C` make the plug-in pair
/// measures biased upwards; the analysis says so here (the library prints
/// nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SampleSizeWarning {
    /// Samples counted.
    pub samples: u64,
    /// `10 · B1 · B2 · C` of the largest table (occupied bins and classes).
    pub recommended: u64,
}

impl std::fmt::Display for SampleSizeWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} samples are fewer than the {} (10 · B1 · B2 · C) the pair measures need to be reliable",
            self.samples, self.recommended
        )
    }
}

/// A pair `(i, j)` and its value of a column.
pub type RankedPair = ((usize, usize), f64);

/// A pair whose measures failed, recorded with [`OnFailure::Record`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PairFailure {
    /// The first neuron of the pair.
    pub i: usize,
    /// The second neuron of the pair.
    pub j: usize,
    /// What went wrong (serialized as its message).
    #[cfg_attr(feature = "serde", serde(serialize_with = "as_message"))]
    pub error: PairsError,
}

#[cfg(feature = "serde")]
fn as_message<S: serde::Serializer>(error: &PairsError, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(error)
}

/// The measures of every pair of a [`PairCounts`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PairAnalysis {
    settings: PairSettings,
    width: usize,
    num_samples: u64,
    pairs: Vec<(usize, usize)>,
    measures: Vec<PairMeasures>,
    failures: Vec<PairFailure>,
    warning: Option<SampleSizeWarning>,
}

impl PairAnalysis {
    /// Every measure of every pair (in parallel with the `parallel` feature).
    ///
    /// With [`OnFailure::Record`] a pair whose measures fail is left out of
    /// [`pairs`](PairAnalysis::pairs) and listed in
    /// [`failures`](PairAnalysis::failures); with the default
    /// [`OnFailure::Stop`] the first such pair ends the analysis.
    ///
    /// # Errors
    /// [`PairsError::TooFewClasses`] when fewer than two classes have
    /// samples; with [`OnFailure::Stop`], the errors of
    /// [`PairMeasures::compute`], those of the pair table's own as
    /// [`PairsError::AtPair`] naming the pair.
    ///
    /// # Examples
    ///
    /// Twenty bins a neuron and twelve classes are past the conic BROJA
    /// program's limit; recorded, the failure names the pair and its cause.
    ///
    /// ```
    /// use infoablate::measures::{LayerQuantizer, Quantizer};
    /// use infoablate::pairs::{OnFailure, PairAnalysis, PairCounts, PairSettings, PairsError};
    /// use ndarray::Array2;
    ///
    /// let labels: Vec<usize> = (0..4800).map(|s| s % 12).collect();
    /// let acts = Array2::from_shape_fn((4800, 2), |(s, i)| ((s / 12 + i * (s / 240)) % 20) as f32);
    /// let q = LayerQuantizer::fit(Quantizer::equal_width(20)?, acts.view())?;
    /// let counts = PairCounts::from_activations(acts.view(), &labels, 12, &q, &[(0, 1)])?;
    /// assert!(PairAnalysis::compute(&counts, &PairSettings::default()).is_err());
    /// let settings = PairSettings { on_failure: OnFailure::Record, ..PairSettings::default() };
    /// let analysis = PairAnalysis::compute(&counts, &settings)?;
    /// assert!(analysis.pairs().is_empty());
    /// let failure = &analysis.failures()[0];
    /// assert_eq!((failure.i, failure.j), (0, 1));
    /// assert!(matches!(failure.error, PairsError::BrojaTooLarge { .. }));
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn compute(counts: &PairCounts, settings: &PairSettings) -> Result<Self> {
        let classes = counts
            .tables()
            .first()
            .map(|t| t.class_totals().iter().filter(|&&n| n > 0).count());
        if let Some(classes @ 0..2) = classes {
            return Err(PairsError::TooFewClasses { classes }.into());
        }
        let tables = counts.tables();
        let results = map_indices(tables.len(), |p| -> Result<(PairMeasures, u64)> {
            let (m, (b1, b2, c)) = PairMeasures::with_occupancy(&tables[p], settings)?;
            Ok((m, 10 * (b1 * b2 * c) as u64))
        });
        let (mut measures, mut recommended) = (Vec::with_capacity(tables.len()), 0);
        let (mut pairs, mut failures) = (Vec::with_capacity(tables.len()), Vec::new());
        for (&(i, j), result) in counts.pairs().iter().zip(results) {
            match (result, settings.on_failure) {
                (Ok((m, need)), _) => {
                    pairs.push((i, j));
                    measures.push(m);
                    recommended = recommended.max(need);
                }
                (Err(Error::Pairs(error)), OnFailure::Record) => failures.push(PairFailure { i, j, error }),
                (Err(Error::Pairs(source)), OnFailure::Stop) => {
                    return Err(PairsError::AtPair {
                        i,
                        j,
                        source: Box::new(source),
                    }
                    .into());
                }
                (Err(other), _) => return Err(other),
            }
        }
        let num_samples = counts.num_samples();
        Ok(PairAnalysis {
            settings: *settings,
            width: counts.width(),
            num_samples,
            pairs,
            measures,
            failures,
            warning: (num_samples < recommended).then_some(SampleSizeWarning {
                samples: num_samples,
                recommended,
            }),
        })
    }

    /// The settings used.
    pub fn settings(&self) -> &PairSettings {
        &self.settings
    }

    /// The pairs analysed, in the order of the counts (without the
    /// [`failures`](PairAnalysis::failures)).
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// The measures, one per pair.
    pub fn measures(&self) -> &[PairMeasures] {
        &self.measures
    }

    /// The pairs whose measures failed, in the order of the counts (always
    /// empty with [`OnFailure::Stop`]).
    pub fn failures(&self) -> &[PairFailure] {
        &self.failures
    }

    /// The measures of pair `(i, j)` (either order), if analysed.
    pub fn get(&self, i: usize, j: usize) -> Option<&PairMeasures> {
        let k = self.pairs.iter().position(|&p| p == (i, j) || p == (j, i))?;
        Some(&self.measures[k])
    }

    /// Set when there are fewer samples than the measures need.
    pub fn sample_size_warning(&self) -> Option<&SampleSizeWarning> {
        self.warning.as_ref()
    }

    /// One column (a name of [`COLUMNS`]), a value per pair.
    ///
    /// # Errors
    /// [`PairsError::Parameter`] for another name or a column not computed
    /// (`red_broja`, `red_prec` and their atoms with
    /// [`PairSettings::closed_forms_only`]).
    pub fn column(&self, name: &str) -> Result<Vec<f64>, PairsError> {
        self.measures
            .iter()
            .map(|m| m.get(name))
            .collect::<Option<Vec<f64>>>()
            .filter(|_| COLUMNS.contains(&name))
            .ok_or_else(|| PairsError::Parameter {
                name: "pair column",
                reason: format!("`{name}` is not one of the computed columns ({})", COLUMNS.join(", ")),
            })
    }

    /// The `width × width` symmetric matrix of a column over the layer's
    /// neurons; `NaN` on the diagonal and for pairs not analysed.
    ///
    /// # Errors
    /// As [`column`](PairAnalysis::column).
    pub fn matrix(&self, name: &str) -> Result<Array2<f64>, PairsError> {
        Ok(views::matrix(self.width, &self.pairs, &self.column(name)?))
    }

    /// The `k` pairs with the highest (`Descending`) or lowest (`Ascending`)
    /// value of a column, ties to the lower pair.
    ///
    /// # Errors
    /// As [`column`](PairAnalysis::column).
    pub fn top_k(&self, name: &str, k: usize, order: Order) -> Result<Vec<RankedPair>, PairsError> {
        Ok(views::top_k(&self.pairs, &self.column(name)?, k, order))
    }

    /// Per neuron, the mean of a column over the analysed pairs that contain
    /// it (`NaN` for a neuron in none): scores for rankings and schedules.
    ///
    /// # Errors
    /// As [`column`](PairAnalysis::column).
    pub fn neuron_means(&self, name: &str) -> Result<Vec<f64>, PairsError> {
        Ok(views::neuron_means(self.width, &self.pairs, &self.column(name)?))
    }

    /// A schedule that ablates hidden layer `layer`'s neurons by their
    /// [`neuron_means`](PairAnalysis::neuron_means) of a column, for
    /// example the most synergistic first:
    /// `analysis.schedule("synergy_broja", 0, Order::Descending)`.
    ///
    /// # Errors
    /// As [`column`](PairAnalysis::column).
    pub fn schedule(&self, name: &str, layer: usize, order: Order) -> Result<Schedule, PairsError> {
        Ok(views::layer_schedule(
            format!("mean pairwise {name}"),
            layer,
            self.neuron_means(name)?,
            order,
        ))
    }

    /// The analysis as CSV: `i,j` then every computed column of [`COLUMNS`],
    /// one row a pair, values in full precision (`{:?}`).
    pub fn to_csv(&self) -> String {
        let columns: Vec<&str> = COLUMNS
            .iter()
            .copied()
            .filter(|c| self.measures.first().is_none_or(|m| m.get(c).is_some()))
            .collect();
        let mut out = format!("i,j,{}\n", columns.join(","));
        for (&(i, j), m) in self.pairs.iter().zip(&self.measures) {
            out.push_str(&format!("{i},{j}"));
            for c in &columns {
                out.push_str(&format!(",{:?}", m.get(c).unwrap_or(f64::NAN)));
            }
            out.push('\n');
        }
        out
    }
}
