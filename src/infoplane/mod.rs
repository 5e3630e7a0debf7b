//! Layers over training: the information plane of every hidden layer, epoch
//! by epoch (or every `k` optimizer steps), on a fixed analysis set, with the
//! estimators' pitfalls in plain view.
//!
//! Every quantity is defined in the section "Layers over training" of the
//! [definitions](crate::doc::definitions):
//!
//! | quantity | field of [`LayerPoint`] |
//! |---|---|
//! | joint-codeword `H(T)`, plug-in and Miller–Madow | `entropy`, `entropy_mm` |
//! | joint-codeword `I(T;Y)`, plug-in and Miller–Madow | `mutual_info`, `mutual_info_mm` |
//! | label-permutation null of `I(T;Y)` (seeded) | `null` |
//! | distinct codewords over `N`, the saturation flag | `distinct`, `distinct_fraction`, `saturated` |
//! | `Σ_i I(T_i;Y)` and the total correlation | `sum_neuron_mi`, `total_correlation` |
//! | `I(X;T)` under Gaussian noise of variance `σ²` (KDE upper bound) | `input_info` |
//! | per-neuron measures: mean, min, median, max (values on request) | `neurons` |
//! | mean pairwise redundancy and synergy (closed forms, on request) | `pairs` |
//!
//! The pitfalls: the plug-in entropy of a whole quantized layer saturates at
//! `log2 N` (every sample its own codeword; then `I(T;Y) = H(Y)` whatever the
//! network does): `saturated` says so. For a deterministic network `I(X;T)`
//! is `H(T)` after binning and says nothing about compression, so it is only
//! reported under an explicit noise model, `σ²` included. Bin ranges are
//! fitted on the analysis set at each point, never fixed. The layer's mean
//! pairwise synergy and redundancy ([`InfoPlaneSettings::pairs`]) are the
//! closed forms of the [`pairs`](crate::pairs) module (Williams–Beer and
//! MMI); `red_broja` and `red_prec` are too costly to repeat per point.
//!
//! [`InfoPlaneObserver`] takes the snapshots during training
//! ([`Mlp::train_observed`](crate::network::Mlp::train_observed), feature
//! `mlp`, or a loop of your own); [`measure_layers`] measures one
//! [`Recording`](crate::record::Recording); [`Codewords`] and
//! [`kde_upper_bound`] are the building blocks. The figures are in
//! `plot::information_plane` and `plot::layer_measure_over_time` (feature `plot`).

mod codewords;
mod kde;
mod layer;
mod observer;
mod settings;
mod trace;

pub use codewords::Codewords;
pub use kde::kde_upper_bound;
pub use layer::{LayerPoint, NeuronSummary, NoisyInputInfo, PairMeans, PermutationNull, measure_layers};
pub use observer::InfoPlaneObserver;
pub use settings::InfoPlaneSettings;
pub use trace::{InfoPlaneTrace, Snapshot};

/// Errors of the layer-level estimates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InfoPlaneError {
    /// A setting or an input is out of its valid range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The setting or input.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// Serializing a trace failed.
    #[error("cannot serialize the information-plane trace: {0}")]
    Serialize(String),
}
