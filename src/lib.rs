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
//! | [`data`] | [`Dataset`](data::Dataset), MNIST-format IDX and CIFAR-10 loaders, stratified splits |
//! | [`network`] | the [`Network`](network::Network) and [`Resumable`](network::Resumable) capability traits, the built-in [`Mlp`](network::Mlp) with training and safetensors I/O |
//! | [`record`] | [`ActivationRecorder`](record::ActivationRecorder): run a network, keep its hidden layers |
//! | [`measures`] | quantizers, count tables, entropy / mutual information / KL selectivity / class selectivity |
//! | [`ablation`] | cumulative ablation schedules and accuracy / loss curves |
//! | `plot` (feature `plot`) | SVG figures: curves against the random band, measure distributions, scatter |
//!
//! Coming from PyTorch? See the [`guide`].
//!
//! Every file the crate writes goes through [`atomic_file`]: whole or not at
//! all. Bad input is a typed error naming what is wrong, and sizes read from
//! files are checked against documented caps before anything is allocated
//! (see "Reliability" in the README).
//!
//! Every quantity follows one definition file (`docs/measures.md` in the
//! repository).

pub mod ablation;
pub mod atomic_file;
pub mod data;
mod error;
pub mod guide;
pub mod measures;
pub mod network;
#[cfg(feature = "plot")]
pub mod plot;
pub mod record;

pub use error::{Error, Result};
/// The `ndarray` version the crate's signatures use.
pub use ndarray;
/// The `rand` version the crate's seeded steps use, so callers' RNGs match.
pub use rand;

/// The README's code example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
