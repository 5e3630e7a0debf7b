//! Documentation only: the definitions every number follows, and a guide
//! for PyTorch and Captum users. Nothing here is code; the pages ship with
//! the crate so that docs.rs readers can follow every link.

pub mod definitions;
pub mod pytorch;
