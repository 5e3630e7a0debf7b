//! Every layer-level estimate of one layer at one point of training.

use ndarray::ArrayView2;

use super::codewords::Codewords;
use super::kde::kde_upper_bound;
use super::settings::InfoPlaneSettings;
use crate::Result;
use crate::measures::{
    Estimator, InfoMeasure, LayerCounts, LayerQuantizer, MeasureSettings, Quantizer, Scores, Units, entropy,
    mutual_information,
};
use crate::pairs::{PairAnalysis, PairCounts, PairSettings, all_pairs};
use crate::parallel::map_items;
use crate::record::Recording;

/// Relative difference below which a null value ties the observed one.
const TIE: f64 = 1e-12;

/// The label-permutation null of a layer's plug-in `I(T;Y)`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PermutationNull {
    /// Permutations `S`.
    pub permutations: usize,
    /// Mean of the null values.
    pub mean: f64,
    /// Standard deviation of the null values (divisor `S`).
    pub sd: f64,
    /// `(1 + #{null ≥ observed}) / (1 + S)`, ties within `10⁻¹²` relative.
    pub p_value: f64,
    /// The observed plug-in value minus the null mean.
    pub debiased: f64,
}

impl PermutationNull {
    /// The null statistics of `observed` against `null` (at least one value).
    fn new(observed: f64, null: &[f64]) -> Self {
        let s = null.len() as f64;
        let mean = null.iter().sum::<f64>() / s;
        let sd = (null.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / s).sqrt();
        // Equal values summed in another order differ by rounding: within
        // TIE of the observed value counts as reaching it.
        let floor = observed - TIE * observed.abs().max(1.0);
        let above = null.iter().filter(|&&v| v >= floor).count() as f64;
        PermutationNull {
            permutations: null.len(),
            mean,
            sd,
            p_value: (1.0 + above) / (1.0 + s),
            debiased: observed - mean,
        }
    }
}

/// `I(X;T)` under the Gaussian noise model, with its `σ²`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NoisyInputInfo {
    /// `σ²` of the noise added to the layer.
    pub noise_variance: f64,
    /// Kolchinsky & Tracey's pairwise-distance upper bound on `I(X;T̃)`.
    pub upper_bound: f64,
}

/// Mean, minimum, median and maximum of one per-neuron measure over a layer.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NeuronSummary {
    /// The measure (`entropy`, `mutual_info`, `kl_selectivity`, `csi`).
    pub measure: String,
    /// Mean over the neurons.
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// Median (mean of the two middle values for an even count).
    pub median: f64,
    /// Largest value.
    pub max: f64,
    /// Every neuron's value, when the settings ask for them.
    pub values: Option<Vec<f64>>,
}

/// A layer's mean pairwise measures: the closed forms of every pair of its
/// neurons (definitions: "Neuron pairs"), averaged over the pairs, with the
/// quantizer of [`InfoPlaneSettings::pairs`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PairMeans {
    /// Pairs averaged over, `w·(w−1)/2`.
    pub pairs: usize,
    /// Mean `red_mmi`.
    pub red_mmi: f64,
    /// Mean `red_wb` (Williams–Beer).
    pub red_wb: f64,
    /// Mean `synergy_mmi`.
    pub synergy_mmi: f64,
    /// Mean `synergy_wb`.
    pub synergy_wb: f64,
    /// Mean `interaction_info` (synergy minus redundancy, for every measure).
    pub interaction_info: f64,
}

/// The columns of [`PairMeans`], as named in [`COLUMNS`](crate::pairs::COLUMNS).
pub(super) const PAIR_MEAN_COLUMNS: [&str; 5] = ["red_mmi", "red_wb", "synergy_mmi", "synergy_wb", "interaction_info"];

impl PairMeans {
    /// The means of a layer's activations, or `None` for fewer than two neurons.
    fn of_layer(
        acts: ArrayView2<'_, f32>,
        labels: &[usize],
        classes: usize,
        quantizer: Quantizer,
        units: Units,
    ) -> Result<Option<Self>> {
        let width = acts.ncols();
        if width < 2 {
            return Ok(None);
        }
        let fitted = LayerQuantizer::fit(quantizer, acts)?;
        let pairs = all_pairs(width);
        let counts = PairCounts::from_activations(acts, labels, classes, &fitted, &pairs)?;
        let settings = PairSettings {
            units,
            ..PairSettings::default()
        };
        let analysis = PairAnalysis::compute(&counts, &settings.closed_forms_only())?;
        let mut means = [0.0; 5];
        for (mean, name) in means.iter_mut().zip(PAIR_MEAN_COLUMNS) {
            let column = analysis.column(name)?;
            *mean = column.iter().sum::<f64>() / column.len() as f64;
        }
        let [red_mmi, red_wb, synergy_mmi, synergy_wb, interaction_info] = means;
        Ok(Some(PairMeans {
            pairs: pairs.len(),
            red_mmi,
            red_wb,
            synergy_mmi,
            synergy_wb,
            interaction_info,
        }))
    }

    /// The mean of a pair column: `red_mmi`, `red_wb`, `synergy_mmi`,
    /// `synergy_wb` or `interaction_info` (`None` for any other name).
    pub fn get(&self, column: &str) -> Option<f64> {
        match column {
            "red_mmi" => Some(self.red_mmi),
            "red_wb" => Some(self.red_wb),
            "synergy_mmi" => Some(self.synergy_mmi),
            "synergy_wb" => Some(self.synergy_wb),
            "interaction_info" => Some(self.interaction_info),
            _ => None,
        }
    }
}

/// The layer-level estimates of one hidden layer (definitions: "Layers over
/// training" in the definition file).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LayerPoint {
    /// The hidden layer.
    pub layer: usize,
    /// Its neurons.
    pub width: usize,
    /// Analysis samples `N`.
    pub samples: usize,
    /// Distinct codewords `D`.
    pub distinct: usize,
    /// `D / N`.
    pub distinct_fraction: f64,
    /// `D / N` above the settings' threshold: `H(T)` and `I(T;Y)` say little.
    pub saturated: bool,
    /// Plug-in `H(T)` of the codewords.
    pub entropy: f64,
    /// Miller–Madow `H(T)`.
    pub entropy_mm: f64,
    /// Plug-in `I(T;Y)`.
    pub mutual_info: f64,
    /// Miller–Madow `I(T;Y)` (can be negative).
    pub mutual_info_mm: f64,
    /// The label-permutation null of the plug-in `I(T;Y)`, unless 0 permutations.
    pub null: Option<PermutationNull>,
    /// `Σ_i I(T_i;Y)`, plug-in.
    pub sum_neuron_mi: f64,
    /// `Σ_i H(T_i) − H(T)`, plug-in.
    pub total_correlation: f64,
    /// `I(X;T)` under the noise model, when the settings give one.
    pub input_info: Option<NoisyInputInfo>,
    /// The per-neuron measures, summarized.
    pub neurons: Vec<NeuronSummary>,
    /// The mean pairwise measures, when the settings give a pair quantizer
    /// (and the layer has two neurons or more).
    pub pairs: Option<PairMeans>,
}

/// The layer-level estimates of every layer of `recording` (the analysis
/// set), quantizers fitted on it.
///
/// # Errors
/// [`InfoPlaneError::Parameter`](super::InfoPlaneError::Parameter) for
/// invalid settings; as [`LayerQuantizer::fit`],
/// [`LayerCounts::from_activations`] and [`Scores::compute`]
/// ([`MeasureError::TooFewClasses`](crate::measures::MeasureError::TooFewClasses)
/// with fewer than two classes).
///
/// # Examples
///
/// ```
/// use infoablate::infoplane::{InfoPlaneSettings, measure_layers};
/// use infoablate::measures::Quantizer;
/// use infoablate::record::Recording;
/// use ndarray::array;
///
/// // Neuron 0 copies the (balanced) label; neuron 1 is constant.
/// let acts = array![[0.0_f32, 1.0], [1.0, 1.0], [0.0, 1.0], [1.0, 1.0]];
/// let rec = Recording::new(vec![0], vec![acts], vec![0, 1, 0, 1], 2)?;
/// let settings = InfoPlaneSettings { quantizer: Quantizer::binary(0.5)?, ..InfoPlaneSettings::default() };
/// let point = &measure_layers(&rec, &settings)?[0];
/// assert_eq!((point.distinct, point.entropy, point.mutual_info), (2, 1.0, 1.0));
/// assert_eq!((point.sum_neuron_mi, point.total_correlation), (1.0, 0.0));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn measure_layers(recording: &Recording, settings: &InfoPlaneSettings) -> Result<Vec<LayerPoint>> {
    settings.validate()?;
    let layers: Vec<(usize, ArrayView2<'_, f32>)> = recording.iter().collect();
    // Layers in parallel (feature `parallel`), in order either way.
    map_items(&layers, |&(layer, acts)| {
        measure_layer(layer, acts, recording, settings)
    })
    .into_iter()
    .collect()
}

fn measure_layer(
    layer: usize,
    acts: ArrayView2<'_, f32>,
    recording: &Recording,
    settings: &InfoPlaneSettings,
) -> Result<LayerPoint> {
    let (labels, classes, units) = (recording.labels(), recording.num_classes(), settings.units);
    let quantizer = LayerQuantizer::fit(settings.quantizer, acts)?;
    // One quantization for the codewords and the per-neuron tables.
    let mut bins = Vec::new();
    quantizer.bin_rows(acts, &mut bins)?;
    let words = Codewords::from_bins(&bins, acts.nrows())?;
    let table = words.table(labels, classes)?;
    let mutual_info = mutual_information(&table, Estimator::PlugIn, units)?;
    let entropy_t = entropy(&table, Estimator::PlugIn, units)?;
    let null = if settings.permutations == 0 {
        None
    } else {
        let values = words.permutation_null(labels, classes, settings.permutations, settings.seed, units)?;
        Some(PermutationNull::new(mutual_info, &values))
    };

    let counts = LayerCounts::from_binned_activations(layer, acts, &bins, labels, classes, &quantizer)?;
    let measures = MeasureSettings::new(settings.quantizer).with_units(units).measures();
    let refs: Vec<&dyn InfoMeasure> = measures.iter().map(|m| m.as_ref()).collect();
    let scores = Scores::compute(&[counts], &refs, None)?;
    let neurons = scores
        .summary()
        .into_iter()
        .map(|s| {
            let values = scores.get(&s.measure, layer)?;
            Ok(NeuronSummary {
                mean: values.iter().sum::<f64>() / values.len() as f64,
                values: settings.neuron_values.then(|| values.to_vec()),
                measure: s.measure,
                min: s.min,
                median: s.median,
                max: s.max,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let sum_of = |name: &str| -> Result<f64> { Ok(scores.get(name, layer)?.iter().sum()) };

    let input_info = match settings.noise_variance {
        Some(noise_variance) => Some(NoisyInputInfo {
            noise_variance,
            upper_bound: kde_upper_bound(acts, noise_variance, units)?,
        }),
        None => None,
    };
    let samples = labels.len();
    let distinct_fraction = words.distinct() as f64 / samples as f64;
    Ok(LayerPoint {
        layer,
        width: acts.ncols(),
        samples,
        distinct: words.distinct(),
        distinct_fraction,
        saturated: distinct_fraction > settings.saturation_threshold,
        entropy: entropy_t,
        entropy_mm: entropy(&table, Estimator::MillerMadow, units)?,
        mutual_info,
        mutual_info_mm: mutual_information(&table, Estimator::MillerMadow, units)?,
        null,
        sum_neuron_mi: sum_of("mutual_info")?,
        total_correlation: sum_of("entropy")? - entropy_t,
        input_info,
        neurons,
        pairs: match settings.pairs {
            Some(quantizer) => PairMeans::of_layer(acts, labels, classes, quantizer, units)?,
            None => None,
        },
    })
}
