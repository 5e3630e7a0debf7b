//! Information measures of single neurons.
//!
//! Every number follows the crate's definition file ([`definitions`](crate::doc::definitions)):
//! quantizers with exact `f64` bin arithmetic, plug-in and Miller–Madow
//! estimators, Morcos et al.'s class selectivity index, and the tie rule of
//! rankings.
//!
//! The pipeline, in the order a study uses it:
//!
//! | step | dense (a [`Recording`] in memory) | streaming (memory independent of the sample count) |
//! |---|---|---|
//! | fit a quantizer per neuron | [`LayerQuantizer::fit`] | [`RangeRecorder`] first pass, then [`LayerQuantizer::from_ranges`]; or a quantizer fitted up front on a sample |
//! | count `bins × classes` tables, class sums, moments | [`LayerCounts::from_activations`] | [`StreamingRecorder`] |
//! | combine shards | [`LayerCounts::merge`] | same |
//! | score neurons | [`Scores::compute`] with any [`InfoMeasure`]s | same |
//!
//! [`analyze`] does all of it for a [`Recording`] and [`analyze_streaming`]
//! for a [`Network`] over a [`Dataset`]; [`analyze_with`] and
//! [`analyze_streaming_with`] take any measures, your own among them.
//!
//! # Examples
//!
//! ```
//! use infoablate::measures::{MeasureSettings, analyze};
//! use infoablate::record::Recording;
//! use ndarray::array;
//!
//! // One layer, two neurons, four samples of two classes. Neuron 0 fires for
//! // class 1 only; neuron 1 fires for every sample.
//! let acts = array![[0.0_f32, 1.0], [0.0, 2.0], [3.0, 1.0], [1.0, 2.0]];
//! let rec = Recording::new(vec![0], vec![acts], vec![0, 0, 1, 1], 2)?;
//! let scores = analyze(&rec, &MeasureSettings::default(), None)?;
//! assert_eq!(scores.get("entropy", 0)?, &[1.0, 0.0]);
//! assert_eq!(scores.get("mutual_info", 0)?, &[1.0, 0.0]);
//! assert_eq!(scores.get("kl_selectivity", 0)?, &[1.0, 0.0]);
//! assert_eq!(scores.get("csi", 0)?, &[1.0, 0.0]);
//! # Ok::<(), infoablate::Error>(())
//! ```
//!
//! A measure of your own is a few lines:
//!
//! ```
//! use infoablate::measures::{InfoMeasure, MeasureSettings, NeuronStats, Scores, LayerCounts, LayerQuantizer, Quantizer};
//! use ndarray::array;
//!
//! /// Fraction of samples on which the neuron is in its top bin.
//! struct TopBinRate;
//!
//! impl InfoMeasure for TopBinRate {
//!     fn name(&self) -> &str {
//!         "top_bin_rate"
//!     }
//!     fn score(&self, neuron: &NeuronStats<'_>) -> infoablate::Result<f64> {
//!         let table = neuron.counts();
//!         let top = table.bin_totals()[table.bins() - 1];
//!         Ok(top as f64 / table.total() as f64)
//!     }
//! }
//!
//! let acts = array![[0.0_f32], [2.0], [3.0], [0.0]];
//! let labels = [0, 1, 1, 0];
//! let quantizer = LayerQuantizer::fit(Quantizer::binary(0.0)?, acts.view())?;
//! let counts = LayerCounts::from_activations(0, acts.view(), &labels, 2, &quantizer)?;
//! let scores = Scores::compute(&[counts], &[&TopBinRate], None)?;
//! assert_eq!(scores.get("top_bin_rate", 0)?, &[0.5]);
//! # Ok::<(), infoablate::Error>(())
//! ```
//!
//! [`Recording`]: crate::record::Recording
//! [`Network`]: crate::network::Network
//! [`Dataset`]: crate::data::Dataset

mod accumulate;
mod analyze;
mod bootstrap;
mod correlation;
mod counts;
mod estimate;
pub(crate) use estimate::{miller_madow_entropy_nats, plug_in_mi_nats};
mod measure;
mod quantize;
mod ranking;
mod scores;
mod stats;
mod stream;

pub use analyze::{analyze, analyze_streaming, analyze_streaming_with, analyze_with};
pub(crate) use bootstrap::percentile;
pub use bootstrap::{Bootstrap, ScoreIntervals};
pub use correlation::{RankCorrelation, spearman};
pub use counts::{CountTable, LayerCounts, MAX_COUNT_CELLS, Moments};
pub use estimate::{Estimator, Units, class_entropy, entropy, joint_entropy, kl_selectivity, mutual_information};
pub use measure::{
    ClassSelectivityIndex, Entropy, InfoMeasure, KlSelectivity, MutualInformation, OutgoingWeightNorm, RandomScore,
    Variance,
};
pub use quantize::{Fit, FittedQuantizer, LayerQuantizer, MAX_BINS, Quantizer, Ranges};
pub use ranking::{Order, rank};
pub use scores::{MeasureColumn, MeasureSettings, Scores, Summary};
pub use stats::NeuronStats;
pub use stream::{RangeRecorder, StreamingRecorder};

/// Errors from estimating measures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MeasureError {
    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// Something that needs samples got none.
    #[error("{what} has no sample")]
    Empty {
        /// What is empty.
        what: String,
    },
    /// Two things that must agree (tables to merge, a batch and its layer) do not.
    #[error("mismatch: {what}")]
    Mismatch {
        /// What disagrees, with both sides.
        what: String,
    },
    /// The definition file does not define this measure with this estimator.
    #[error("{measure} is not defined with the {estimator} estimator")]
    Unsupported {
        /// The measure.
        measure: &'static str,
        /// The estimator.
        estimator: Estimator,
    },
    /// A quantizer cannot be fitted the way asked.
    #[error("the {quantizer} quantizer cannot be fitted from {from}; fit it on activations and give it up front")]
    CannotFit {
        /// The quantizer.
        quantizer: &'static str,
        /// What it was asked to be fitted from.
        from: &'static str,
    },
    /// A weight-based measure was asked for a network that does not expose its weights.
    #[error("no outgoing weights for hidden layer {layer}: the network does not expose them (see `Resumable`)")]
    NoWeights {
        /// The hidden layer.
        layer: usize,
    },
    /// A weight matrix does not fit the layer it reads.
    #[error("the weights reading hidden layer {layer} have {columns} columns, but the layer has {width} neurons")]
    WeightShape {
        /// The hidden layer.
        layer: usize,
        /// Columns of the read-out matrix.
        columns: usize,
        /// Neurons of the layer.
        width: usize,
    },
    /// The class selectivity index needs two classes with samples.
    #[error(
        "class selectivity of hidden layer {layer}, neuron {neuron} is undefined: {classes} class(es) with samples, need 2"
    )]
    TooFewClasses {
        /// The hidden layer.
        layer: usize,
        /// The neuron.
        neuron: usize,
        /// Classes with at least one sample.
        classes: usize,
    },
    /// A measure name that the scores do not hold.
    #[error("no measure named `{name}` in the scores (have: {available})")]
    UnknownMeasure {
        /// The requested name.
        name: String,
        /// The names held, comma-separated.
        available: String,
    },
    /// A layer that the scores or counts do not hold.
    #[error("hidden layer {layer} was not measured")]
    UnknownLayer {
        /// The requested layer.
        layer: usize,
    },
    /// Serializing scores failed.
    #[error("cannot serialize scores: {0}")]
    Serialize(String),
}
