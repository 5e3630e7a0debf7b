//! Cumulative ablation: remove neurons one after another in a chosen order
//! and score the network on an evaluation set after each removal.
//!
//! - An [`AblationSchedule`] says which neurons go, first ablated first, and at
//!   which counts `k` to score ([`Schedule`] is the built-in one: ordered by
//!   scores, seeded random, or explicit; per layer or global).
//! - A [`Replacement`] says what an ablated neuron outputs: `0`, its mean on
//!   the analysis set (the paper's "bias balancing"), or given constants.
//! - An [`Engine`] runs schedules on any [`Network`](crate::network::Network)
//!   over a [`Dataset`](crate::data::Dataset) and returns
//!   [`AblationCurve`]s. For a [`Resumable`](crate::network::Resumable)
//!   network it takes the fast path: it caches the lowest ablated layer once,
//!   applies each removal as a sparse rank-1 update of the next layer's
//!   pre-activations, and re-runs only what lies downstream. The plain path —
//!   a full forward pass at every `k` — stays available as the reference.
//! - [`Engine::pair_interaction`] ablates each neuron of a layer alone and
//!   each pair together: [`PairInteraction`] holds `Δ(i)`, `Δ(i,j)` and the
//!   interaction `Δ(i,j) − Δ(i) − Δ(j)` of accuracy and loss.
//!
//! Definitions: section "Cumulative ablation" of [`definitions`](crate::doc::definitions).

mod bootstrap;
mod curve;
mod engine;
mod evaluate;
mod fast;
mod interaction;
mod means;
mod metric;
mod per_layer;
mod permutation;
mod plain;
mod plan;
mod replacement;
mod schedule;
mod softmax;

#[doc(hidden)]
pub use crate::gemm::Packed as PackedGemm;
pub use crate::measures::{Order, rank};
pub use bootstrap::{CurveIntervals, SampleOutcomes};
pub use curve::{AblationCurve, CurveLabel, CurvePoint, RandomBand};
pub use engine::{Engine, Path};
pub use evaluate::{Evaluation, evaluate};
pub use interaction::{Effect, INTERACTION_COLUMNS, PairInteraction};
pub use means::MeanRecorder;
pub use metric::Metric;
pub use permutation::{AucTest, DEFAULT_RANDOM_ORDERS};
pub use plan::Plan;
pub use replacement::{NeuronValues, Replacement};
pub use schedule::{AblationSchedule, Schedule, ScheduleInfo, Scope};

/// A hidden neuron: `(layer, index)`, both from 0.
pub type Neuron = (usize, usize);

/// Errors from building or running ablation schedules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AblationError {
    /// The schedule names a layer the network does not have.
    #[error("hidden layer {layer} does not exist: the network has {num_hidden} hidden layers")]
    UnknownLayer {
        /// The layer.
        layer: usize,
        /// The network's hidden-layer count.
        num_hidden: usize,
    },
    /// The schedule names a neuron beyond its layer's width.
    #[error("neuron {neuron} is out of range for hidden layer {layer} of width {width}")]
    NeuronOutOfRange {
        /// The layer.
        layer: usize,
        /// The neuron.
        neuron: usize,
        /// The layer's width.
        width: usize,
    },
    /// The schedule names a neuron outside its own scope.
    #[error("neuron {neuron} of hidden layer {layer} lies outside the schedule's scope {scope}")]
    OutsideScope {
        /// The layer.
        layer: usize,
        /// The neuron.
        neuron: usize,
        /// The schedule's scope.
        scope: Scope,
    },
    /// The schedule names a neuron twice.
    #[error("neuron {neuron} of hidden layer {layer} appears twice in the schedule")]
    DuplicateNeuron {
        /// The layer.
        layer: usize,
        /// The neuron.
        neuron: usize,
    },
    /// A score vector whose length differs from its layer's width.
    #[error("{what}: {got} values for hidden layer {layer} of width {width}")]
    WrongLength {
        /// What the values are.
        what: String,
        /// The layer.
        layer: usize,
        /// The layer's width.
        width: usize,
        /// The number of values given.
        got: usize,
    },
    /// A score or replacement value that is NaN or infinite.
    #[error("{what} of neuron {neuron} in hidden layer {layer} is {value} (not finite)")]
    NonFinite {
        /// What the value is.
        what: String,
        /// The layer.
        layer: usize,
        /// The neuron.
        neuron: usize,
        /// The value.
        value: f64,
    },
    /// A checkpoint `k` beyond the number of neurons in the schedule.
    #[error("checkpoint k = {k} exceeds the {n} neurons of the schedule")]
    Checkpoint {
        /// The checkpoint.
        k: usize,
        /// Neurons in the schedule.
        n: usize,
    },
    /// Checkpoints that do not increase strictly.
    #[error("checkpoint k = {k} follows k = {previous}: checkpoints must increase strictly")]
    CheckpointOrder {
        /// The checkpoint before.
        previous: usize,
        /// The checkpoint that does not exceed it.
        k: usize,
    },
    /// A plan checked against other hidden widths than the engine's network has.
    #[error("the plan was checked against hidden widths {plan:?}, the network has {network:?}")]
    PlanMismatch {
        /// The widths the plan was checked against.
        plan: Vec<usize>,
        /// The network's widths.
        network: Vec<usize>,
    },
    /// No replacement value is known for a layer the schedule ablates.
    #[error("no replacement value for hidden layer {layer} (record that layer on the analysis set)")]
    MissingReplacement {
        /// The layer.
        layer: usize,
    },
    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
}
