//! The contracts the fuzz targets check, shared with the stable test
//! `tests/fuzz_corpus.rs` that replays the committed corpora.

#[path = "../../examples/common/ranking.rs"]
pub mod ranking;

pub mod contracts;
