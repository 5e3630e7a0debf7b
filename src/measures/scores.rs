//! Scores per layer, neuron and measure, with the settings that produced
//! them; rankings, summaries and export.

use std::fmt::Write as _;
use std::path::Path;

use super::MeasureError;
use super::counts::LayerCounts;
use super::estimate::{Estimator, Units};
use super::measure::{
    ClassSelectivityIndex, Entropy, InfoMeasure, KlSelectivity, MutualInformation, OutgoingWeightNorm, RandomScore,
    Variance,
};
use super::quantize::Quantizer;
use super::ranking::{Order, rank};
use crate::Result;
use crate::network::Network;

/// What [`analyze`](super::analyze) computes: the quantizer, the estimator
/// and units of the information measures, and which baselines to add.
///
/// The measures are always `entropy`, `mutual_info`, `kl_selectivity` and
/// `csi`; then `variance` ([`with_variance`](Self::with_variance)),
/// `weight_l1` and `weight_l2` ([`with_weight_norms`](Self::with_weight_norms))
/// and `random` ([`with_random`](Self::with_random)).
///
/// With [`Estimator::MillerMadow`], entropy and mutual information are
/// Miller–Madow corrected and KL selectivity stays plug-in (the definition
/// file defines no Miller–Madow KL selectivity); each column of the
/// [`Scores`] records its own estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MeasureSettings {
    /// How neurons are binned (fitted on the analysis set).
    pub quantizer: Quantizer,
    /// The estimator of entropy and mutual information.
    pub estimator: Estimator,
    /// Bits or nats.
    pub units: Units,
    /// Add the `variance` baseline.
    pub variance: bool,
    /// Add the `weight_l1` and `weight_l2` baselines (needs a network that exposes its weights).
    pub weight_norms: bool,
    /// Add the `random` baseline with this seed.
    pub random_seed: Option<u64>,
}

impl Default for MeasureSettings {
    /// Binary quantizer at threshold 0, plug-in, bits, no baseline.
    fn default() -> Self {
        MeasureSettings::new(Quantizer::default())
    }
}

impl MeasureSettings {
    /// The four measures with this quantizer, plug-in, in bits.
    pub fn new(quantizer: Quantizer) -> Self {
        MeasureSettings {
            quantizer,
            estimator: Estimator::PlugIn,
            units: Units::Bits,
            variance: false,
            weight_norms: false,
            random_seed: None,
        }
    }

    /// With this estimator for entropy and mutual information.
    pub fn with_estimator(mut self, estimator: Estimator) -> Self {
        self.estimator = estimator;
        self
    }

    /// In these units.
    pub fn with_units(mut self, units: Units) -> Self {
        self.units = units;
        self
    }

    /// Adds the `variance` baseline.
    pub fn with_variance(mut self) -> Self {
        self.variance = true;
        self
    }

    /// Adds the `weight_l1` and `weight_l2` baselines.
    pub fn with_weight_norms(mut self) -> Self {
        self.weight_norms = true;
        self
    }

    /// Adds the `random` baseline.
    pub fn with_random(mut self, seed: u64) -> Self {
        self.random_seed = Some(seed);
        self
    }

    /// The measures these settings ask for, in column order.
    pub fn measures(&self) -> Vec<Box<dyn InfoMeasure>> {
        let mut measures: Vec<Box<dyn InfoMeasure>> = vec![
            Box::new(Entropy::new(self.estimator, self.units)),
            Box::new(MutualInformation::new(self.estimator, self.units)),
            Box::new(KlSelectivity::new(Estimator::PlugIn, self.units)),
            Box::new(ClassSelectivityIndex),
        ];
        if self.variance {
            measures.push(Box::new(Variance));
        }
        if self.weight_norms {
            measures.push(Box::new(OutgoingWeightNorm::L1));
            measures.push(Box::new(OutgoingWeightNorm::L2));
        }
        if let Some(seed) = self.random_seed {
            measures.push(Box::new(RandomScore { seed }));
        }
        measures
    }
}

/// One column of [`Scores`]: a measure's name and, for an information
/// measure, its estimator and units.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MeasureColumn {
    /// The name (`entropy`, `mutual_info`, …).
    pub name: String,
    /// The estimator, for an information measure.
    pub estimator: Option<Estimator>,
    /// The units, for an information measure.
    pub units: Option<Units>,
}

/// Minimum, median and maximum of one measure over one layer's neurons.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Summary {
    /// The hidden layer.
    pub layer: usize,
    /// The measure.
    pub measure: String,
    /// The smallest score.
    pub min: f64,
    /// The median (mean of the two middle scores for an even count).
    pub median: f64,
    /// The largest score.
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
struct LayerScores {
    layer: usize,
    /// Some neuron has a negative class mean: the activations are signed
    /// (tanh, GELU, …) and `csi` is not confined to `[0, 1]`.
    signed: bool,
    /// `values[measure][neuron]`.
    values: Vec<Vec<f64>>,
}

/// Scores per hidden layer, per neuron, per measure (`f64`), with the
/// settings that produced them: the quantizer, each measure's estimator and
/// units, and the analysis-set size.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{MeasureSettings, Order, analyze};
/// use infoablate::record::Recording;
/// use ndarray::array;
///
/// let acts = array![[0.0_f32, 1.0, 0.0], [0.0, 2.0, 0.0], [3.0, 1.0, 0.0], [1.0, 2.0, 0.0]];
/// let rec = Recording::new(vec![0], vec![acts], vec![0, 0, 1, 1], 2)?;
/// let scores = analyze(&rec, &MeasureSettings::default().with_variance(), None)?;
/// assert_eq!(scores.num_samples(), 4);
/// assert_eq!(scores.top_k("mutual_info", 0, 1)?, vec![(0, 1.0)]);
/// // Neurons 1 and 2 tie at 0: the lower index comes first in both orders.
/// assert_eq!(scores.rank("mutual_info", Some(0), Order::Ascending)?, vec![(0, 1), (0, 2), (0, 0)]);
/// assert_eq!(scores.to_csv(Some(0))?.lines().next(), Some("neuron,entropy,mutual_info,kl_selectivity,csi,variance"));
/// let summary = scores.summary();
/// assert_eq!((summary[4].measure.as_str(), summary[4].min, summary[4].median), ("variance", 0.0, 0.25));
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Scores {
    quantizer: Quantizer,
    num_samples: u64,
    num_classes: usize,
    measures: Vec<MeasureColumn>,
    layers: Vec<LayerScores>,
}

impl Scores {
    /// Scores every neuron of every layer's counts with every measure. With a
    /// `network` that exposes its weights ([`Network::as_resumable`]), measures
    /// see each neuron's outgoing weights.
    ///
    /// # Errors
    /// [`MeasureError::Empty`] for no layer, [`MeasureError::Parameter`] for no
    /// or repeated measure names, [`MeasureError::Mismatch`] for layers counted
    /// on different samples, classes or quantizers, or a layer counted twice,
    /// [`MeasureError::WeightShape`], and whatever a measure returns.
    pub fn compute(
        counts: &[LayerCounts],
        measures: &[&dyn InfoMeasure],
        network: Option<&dyn Network>,
    ) -> Result<Scores> {
        let first = counts.first().ok_or_else(|| MeasureError::Empty {
            what: "the list of layer counts".into(),
        })?;
        check_measure_names(measures)?;
        for (i, c) in counts.iter().enumerate() {
            let same = (c.num_samples(), c.num_classes(), c.quantizer().quantizer())
                == (first.num_samples(), first.num_classes(), first.quantizer().quantizer());
            if !same || counts[..i].iter().any(|d| d.layer() == c.layer()) {
                return Err(MeasureError::Mismatch {
                    what: format!(
                        "hidden layer {} is counted twice or on other samples, classes or quantizer than layer {}",
                        c.layer(),
                        first.layer()
                    ),
                }
                .into());
            }
        }
        let resumable = network.and_then(|n| n.as_resumable());
        let mut layers = Vec::with_capacity(counts.len());
        for c in counts {
            let weights = match resumable {
                Some(r) => {
                    let (w, _) = r.readout(c.layer())?;
                    if w.ncols() != c.width() {
                        return Err(MeasureError::WeightShape {
                            layer: c.layer(),
                            columns: w.ncols(),
                            width: c.width(),
                        }
                        .into());
                    }
                    Some(w)
                }
                None => None,
            };
            let mut values = vec![Vec::with_capacity(c.width()); measures.len()];
            let mut signed = false;
            for neuron in 0..c.width() {
                let mut stats = c.neuron(neuron).expect("neuron index below the width");
                signed |= stats.class_means().into_iter().flatten().any(|m| m < 0.0);
                if let Some(w) = &weights {
                    stats = stats.with_weights(w.column(neuron));
                }
                for (column, m) in values.iter_mut().zip(measures) {
                    column.push(m.score(&stats)?);
                }
            }
            layers.push(LayerScores {
                layer: c.layer(),
                signed,
                values,
            });
        }
        layers.sort_by_key(|l| l.layer);
        Ok(Scores {
            quantizer: first.quantizer().quantizer(),
            num_samples: first.num_samples(),
            num_classes: first.num_classes(),
            measures: measures
                .iter()
                .map(|m| MeasureColumn {
                    name: m.name().to_string(),
                    estimator: m.estimator(),
                    units: m.units(),
                })
                .collect(),
            layers,
        })
    }

    /// The quantizer the information measures binned with.
    pub fn quantizer(&self) -> Quantizer {
        self.quantizer
    }

    /// The analysis-set size.
    pub fn num_samples(&self) -> u64 {
        self.num_samples
    }

    /// The class count.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// The measures, in column order.
    pub fn measures(&self) -> &[MeasureColumn] {
        &self.measures
    }

    /// The scored hidden layers, in increasing order.
    pub fn layers(&self) -> Vec<usize> {
        self.layers.iter().map(|l| l.layer).collect()
    }

    fn measure_index(&self, measure: &str) -> Result<usize, MeasureError> {
        self.measures
            .iter()
            .position(|m| m.name == measure)
            .ok_or_else(|| MeasureError::UnknownMeasure {
                name: measure.to_string(),
                available: self
                    .measures
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    fn layer_scores(&self, layer: usize) -> Result<&LayerScores, MeasureError> {
        self.layers
            .iter()
            .find(|l| l.layer == layer)
            .ok_or(MeasureError::UnknownLayer { layer })
    }

    /// Whether the layer's activations are signed, as far as the class
    /// selectivity index can tell: some neuron's mean activation over the
    /// samples of some class is negative. Morcos et al.'s index assumes
    /// non-negative activations (ReLU), where it lies in `[0, 1]`; with a
    /// negative class mean its denominator can vanish or change sign and the
    /// index is unbounded (a tanh layer gave −8.6 … 540), so rankings by
    /// `csi` of such a layer are not what the index means.
    ///
    /// # Errors
    /// [`MeasureError::UnknownLayer`].
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::measures::{MeasureSettings, analyze};
    /// use infoablate::record::Recording;
    /// use ndarray::array;
    ///
    /// let relu = array![[0.0_f32, 1.0], [2.0, 0.0]];
    /// let tanh = array![[-0.5_f32, 0.9], [0.3, -0.9]];
    /// let rec = Recording::new(vec![0, 1], vec![relu, tanh], vec![0, 1], 2)?;
    /// let scores = analyze(&rec, &MeasureSettings::default(), None)?;
    /// assert_eq!((scores.signed(0)?, scores.signed(1)?), (false, true));
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn signed(&self, layer: usize) -> Result<bool> {
        Ok(self.layer_scores(layer)?.signed)
    }

    /// One measure's scores of one layer's neurons, in neuron order.
    ///
    /// # Errors
    /// [`MeasureError::UnknownMeasure`], [`MeasureError::UnknownLayer`].
    pub fn get(&self, measure: &str, layer: usize) -> Result<&[f64]> {
        let m = self.measure_index(measure)?;
        Ok(&self.layer_scores(layer)?.values[m])
    }

    /// `(layer, neuron)` ranked by `measure` — within `layer`, or over all
    /// layers together for `None` — with the tie rule of [`rank`](super::rank).
    ///
    /// # Errors
    /// [`MeasureError::UnknownMeasure`], [`MeasureError::UnknownLayer`].
    pub fn rank(&self, measure: &str, layer: Option<usize>, order: Order) -> Result<Vec<(usize, usize)>> {
        let m = self.measure_index(measure)?;
        let layers = match layer {
            Some(l) => vec![self.layer_scores(l)?],
            None => self.layers.iter().collect(),
        };
        let entries: Vec<(usize, usize, f64)> = layers
            .iter()
            .flat_map(|l| l.values[m].iter().enumerate().map(|(i, &v)| (l.layer, i, v)))
            .collect();
        Ok(rank(&entries, order))
    }

    /// The `k` highest-scoring neurons of `layer` as `(neuron, score)`, ties
    /// to the lower index (fewer if the layer is narrower).
    ///
    /// # Errors
    /// [`MeasureError::UnknownMeasure`], [`MeasureError::UnknownLayer`].
    pub fn top_k(&self, measure: &str, layer: usize, k: usize) -> Result<Vec<(usize, f64)>> {
        let values = self.get(measure, layer)?;
        let ranked = self.rank(measure, Some(layer), Order::Descending)?;
        Ok(ranked.into_iter().take(k).map(|(_, i)| (i, values[i])).collect())
    }

    /// Minimum, median and maximum of every measure over every layer, layer
    /// by layer, measures in column order (layers of no neuron are left out).
    pub fn summary(&self) -> Vec<Summary> {
        let mut out = Vec::new();
        for l in &self.layers {
            for (column, values) in self.measures.iter().zip(&l.values) {
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let n = sorted.len();
                if n == 0 {
                    continue;
                }
                let median = if n % 2 == 1 {
                    sorted[n / 2]
                } else {
                    (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
                };
                out.push(Summary {
                    layer: l.layer,
                    measure: column.name.clone(),
                    min: sorted[0],
                    median,
                    max: sorted[n - 1],
                });
            }
        }
        out
    }

    /// CSV, one row per neuron, every measure a column, values in full
    /// precision (shortest round-trip formatting). For `Some(layer)`: that
    /// layer's neurons in index order, columns `neuron,<measures>`; for
    /// `None`: every layer, columns `layer,neuron,<measures>`.
    ///
    /// # Errors
    /// [`MeasureError::UnknownLayer`].
    pub fn to_csv(&self, layer: Option<usize>) -> Result<String> {
        let layers = match layer {
            Some(l) => vec![self.layer_scores(l)?],
            None => self.layers.iter().collect(),
        };
        let mut csv = String::new();
        if layer.is_none() {
            csv.push_str("layer,");
        }
        csv.push_str("neuron");
        for m in &self.measures {
            csv.push(',');
            csv.push_str(&m.name);
        }
        csv.push('\n');
        for l in layers {
            let width = l.values.first().map_or(0, Vec::len);
            for neuron in 0..width {
                if layer.is_none() {
                    let _ = write!(csv, "{},", l.layer);
                }
                let _ = write!(csv, "{neuron}");
                for column in &l.values {
                    let _ = write!(csv, ",{}", column[neuron]);
                }
                csv.push('\n');
            }
        }
        Ok(csv)
    }

    /// Writes [`to_csv`](Self::to_csv) to a file, atomically (see
    /// [`atomic_file`](crate::atomic_file): a failed write leaves the old
    /// file intact).
    ///
    /// # Errors
    /// As [`to_csv`](Self::to_csv), and [`Error::Io`](crate::Error::Io) naming the file.
    pub fn save_csv(&self, path: impl AsRef<Path>, layer: Option<usize>) -> Result<()> {
        crate::atomic_file::write(path, self.to_csv(layer)?)
    }

    /// The scores as JSON: quantizer, analysis-set size, class count, the
    /// measures with their settings, and per layer the values per measure.
    ///
    /// # Errors
    /// [`MeasureError::Serialize`] (not expected for finite scores).
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| MeasureError::Serialize(e.to_string()).into())
    }
}

fn check_measure_names(measures: &[&dyn InfoMeasure]) -> Result<(), MeasureError> {
    if measures.is_empty() {
        return Err(MeasureError::Parameter {
            name: "measures",
            reason: "no measure given".into(),
        });
    }
    for (i, m) in measures.iter().enumerate() {
        if measures[..i].iter().any(|n| n.name() == m.name()) {
            return Err(MeasureError::Parameter {
                name: "measures",
                reason: format!("two measures are named `{}`", m.name()),
            });
        }
    }
    Ok(())
}
