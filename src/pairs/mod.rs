//! Neuron pairs: redundancy, synergy and partial information decomposition.
//!
//! Every number follows the "Neuron pairs" section of the definition file
//! (`docs/measures.md`): from two neurons `T1`, `T2` of one layer, each
//! quantized by the layer's [`LayerQuantizer`](crate::measures::LayerQuantizer),
//! and the class `Y`, the joint count table `n[b1][b2][y]`; empty bins and
//! classes dropped; then, in bits by default:
//!
//! | column | what |
//! |---|---|
//! | `mi_1`, `mi_2`, `joint_mi` | `I(T1;Y)`, `I(T2;Y)`, `I(T1,T2;Y)` (plug-in or Miller–Madow) |
//! | `interaction_info` | `joint_mi − mi_1 − mi_2` (positive: synergy dominates) |
//! | `red_mmi` | `min(mi_1, mi_2)` |
//! | `red_wb` | Williams–Beer `I_min` |
//! | `red_broja` | Bertschinger et al. 2014, an exponential-cone program: a dedicated Newton solver for binary pairs, Clarabel otherwise |
//! | `red_prec` | Kolchinsky's Blackwell redundancy `I_∩^≺` (Entropy 2022), exact: a column-space shortcut, else extreme rays and vertices enumerated (up to [`MAX_ENUMERATION`] candidates) |
//!
//! and for each redundancy `R` the atoms `unique_1_R = mi_1 − R`,
//! `unique_2_R = mi_2 − R`, `synergy_R = joint_mi − mi_1 − mi_2 + R`.
//!
//! The pipeline:
//!
//! | step | |
//! |---|---|
//! | count tables of many pairs | [`PairCounts::from_activations`] (one Gram matrix per class), or [`PairRecorder`] a batch at a time; [`PairCounts::merge`] across shards |
//! | every measure of every pair | [`PairAnalysis::compute`] (or [`PairMeasures::compute`] for one table) |
//! | a researcher's view | [`PairAnalysis::matrix`], [`top_k`](PairAnalysis::top_k), per-neuron [`neuron_means`](PairAnalysis::neuron_means) and a [`schedule`](PairAnalysis::schedule) for ablation |
//! | significance | [`null_test`] (label permutation or within-class shuffle), [`benjamini_hochberg`] |
//! | three sources or more | [`SourceTable`], [`red_mmi_sources`], [`red_wb_sources`] |
//!
//! # Examples
//!
//! Two neurons that carry the same bit about the class are redundant; a
//! pair whose XOR is the class is synergistic.
//!
//! ```
//! use infoablate::measures::{LayerQuantizer, Order, Quantizer};
//! use infoablate::pairs::{PairAnalysis, PairCounts, PairSettings, all_pairs};
//! use ndarray::array;
//! use approx::assert_abs_diff_eq;
//!
//! // Neurons 0 and 1 copy the class; neuron 2 xor neuron 3 is the class.
//! let acts = array![
//!     [0.0_f32, 0.0, 0.0, 0.0],
//!     [0.0, 0.0, 1.0, 1.0],
//!     [1.0, 1.0, 0.0, 1.0],
//!     [1.0, 1.0, 1.0, 0.0],
//! ];
//! let labels = [0, 0, 1, 1];
//! let q = LayerQuantizer::fit(Quantizer::binary(0.5)?, acts.view())?;
//! let counts = PairCounts::from_activations(acts.view(), &labels, 2, &q, &all_pairs(4))?;
//! let pairs = PairAnalysis::compute(&counts, &PairSettings::default())?;
//! let copy = pairs.get(0, 1).unwrap();
//! assert_eq!((copy.red_wb, copy.red_prec, copy.interaction_info), (1.0, Some(1.0), -1.0));
//! let xor = pairs.get(2, 3).unwrap();
//! assert_abs_diff_eq!(xor.red_broja.unwrap(), 0.0, epsilon = 1e-12);
//! assert_eq!(pairs.top_k("synergy_wb", 1, Order::Descending)?, vec![((2, 3), 1.0)]);
//! assert!(pairs.sample_size_warning().is_some()); // 4 samples are far too few
//! # Ok::<(), infoablate::Error>(())
//! ```

mod analysis;
mod blackwell;
mod broja;
mod closed;
mod count;
mod linalg;
mod measures;
mod null;
mod sources;
mod table;
pub(crate) mod views;

pub use analysis::{PairAnalysis, PairFailure, RankedPair, SampleSizeWarning};
pub use blackwell::MAX_ENUMERATION;
pub use broja::MAX_BROJA_CELLS;
pub use count::{MAX_COUNTED_CELLS, MAX_GRAM_WORDS, PairCounts, PairRecorder, all_pairs};
pub use measures::{
    Atoms, COLUMNS, OnFailure, PairMeasures, PairSettings, Redundancy, interaction_info, joint_mi, mi_1, mi_2,
    red_broja, red_broja_conic, red_mmi, red_prec, red_prec_vertices, red_wb,
};
pub use null::{NullModel, NullSpec, NullTest, benjamini_hochberg, null_test};
pub use sources::{SourceTable, red_mmi_sources, red_wb_sources};
pub use table::{MAX_CELLS, PairTable};

/// Errors of pair tables and measures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PairsError {
    /// A table, batch or label that does not have the shape it must.
    #[error("invalid pair input: {0}")]
    Shape(String),
    /// A pair that names a neuron outside the layer or the same neuron twice.
    #[error("invalid neuron pair {0}")]
    Pair(String),
    /// Something that needs samples got none.
    #[error("{0} has no sample")]
    Empty(String),
    /// The measures need two classes with samples.
    #[error("{classes} class(es) with samples; pair measures need at least 2")]
    TooFewClasses {
        /// Classes with at least one sample.
        classes: usize,
    },
    /// Two things that must agree (tables to merge) do not.
    #[error("mismatch: {0}")]
    Mismatch(String),
    /// A parameter out of its range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// The conic solver of `red_broja` did not reach a solution.
    #[error("red_broja: {0}")]
    Solver(String),
    /// The measures of one pair of a [`PairAnalysis`] failed: the pair and
    /// the cause (with [`OnFailure::Stop`] the whole analysis stops at the
    /// first such pair).
    #[error("pair ({i}, {j}): {source}")]
    AtPair {
        /// The first neuron of the pair.
        i: usize,
        /// The second neuron of the pair.
        j: usize,
        /// What went wrong.
        #[source]
        source: Box<PairsError>,
    },
    /// A `red_broja` program with more free cells than the conic solver takes.
    #[error("red_broja: {cells} free cells exceed the limit of {limit} (MAX_BROJA_CELLS); use coarser bins")]
    BrojaTooLarge {
        /// Free cells `q(t1,t2,y)` of the pair's table.
        cells: usize,
        /// The limit.
        limit: usize,
    },
    /// An exact enumeration of `red_prec` past its documented limit.
    #[error("red_prec: {count} candidate {what}s exceed the limit of {limit} (MAX_ENUMERATION)")]
    TooLarge {
        /// What is enumerated: `support` (extreme rays), `vertex` (bases of
        /// the ray program), `face` or `face set` (the polytope's vertices).
        what: &'static str,
        /// How many candidates there would be.
        count: u64,
        /// The limit.
        limit: u64,
    },
}
