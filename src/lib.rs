#![deny(missing_docs)]
//! # infoablate
//!
//! Which neurons of a trained feed-forward classifier matter, and why, in
//! the terms of information theory (Amjad, Liu & Geiger, "Understanding
//! Neural Networks and Individual Neuron Importance via Information-Ordered
//! Cumulative Ablation", IEEE TNNLS 2022).
//!
//! The pieces, in the order a study uses them:
//!
//! | module | what it does |
//! |---|---|
//! | [`data`] | [`Dataset`](data::Dataset), stratified splits; MNIST-format IDX and CIFAR-10 loaders (feature `datasets`) |
//! | [`network`] | the [`Network`](network::Network) and [`Resumable`](network::Resumable) capability traits and [`Clamps`](network::Clamps); the built-in [`Mlp`](network::Mlp) with training and safetensors I/O (feature `mlp`) |
//! | [`record`] | [`ActivationRecorder`](record::ActivationRecorder): run a network, keep its hidden layers |
//! | [`measures`] | quantizers, count tables, entropy / mutual information / KL selectivity / class selectivity, measures of your own |
//! | [`ablation`] | cumulative ablation schedules, checked [`Plan`](ablation::Plan)s, the [`Engine`](ablation::Engine), the curve [`Metric`](ablation::Metric) and accuracy / loss curves, causal pair interaction ([`PairInteraction`](ablation::PairInteraction)) |
//! | [`pairs`] | neuron pairs: redundancy, synergy, partial information decomposition |
//! | [`infoplane`] | layers over training: codeword entropy and information, noise-model I(X;T), a training observer |
//! | `plot` (feature `plot`) | SVG and PNG figures: curves against the random band (one panel per measure), measure distributions, scatter |
//! | [`doc`] | documentation only: the definitions and the PyTorch guide |
//!
//! Dependencies point one way: `data` ← `network` (traits, clamps) ←
//! `record` ← `measures` ← `ablation` ← `plot`; the batteries behind the
//! `mlp` feature (training reports its [`Metric`](ablation::Metric)) and the
//! loaders behind `datasets` sit on top. [`Progress`] and the one switch
//! between rayon and a plain loop (feature `parallel`) serve them all. With
//! `default-features = false` the crate is the traits, the measures and the
//! engine, for models of your own.
//!
//! Every file the crate writes goes through [`atomic_file`]: whole or not at
//! all. Bad input is a typed error naming what is wrong, and sizes read from
//! files are checked against documented caps before anything is allocated
//! (see "Reliability" in the README).
//!
//! Coming from PyTorch? See the [guide](doc::pytorch).
//!
//! Every quantity follows one definition file, included here as
//! [`doc::definitions`].

pub mod ablation;
pub mod atomic_file;
pub mod data;
pub mod doc;
mod error;
mod finite;
mod gemm;
pub mod infoplane;
pub mod measures;
pub mod network;
pub mod pairs;
mod parallel;
#[cfg(feature = "plot")]
pub mod plot;
mod progress;
pub mod record;
mod simd;

pub use error::{Error, Result};
/// The `ndarray` version the crate's signatures use.
pub use ndarray;
pub use progress::Progress;
/// The `rand` version the crate's seeded steps use, so callers' RNGs match.
pub use rand;

/// The README's code example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "mlp"))]
pub struct ReadmeDoctests;
