//! The definition file (`docs/measures.md` in the repository), included
//! verbatim: every quantity the crate reports — quantizers, estimators, the
//! measures, rankings, ablation curves — is defined here once.
//!
//! ---
//!
#![doc = include_str!("../../docs/measures.md")]
