//! Replays every committed fuzz input — the seed corpora `fuzz/corpus/<target>`
//! and the crash reproducers `fuzz/regressions/<target>` — through the
//! contracts the fuzz targets check, on the stable toolchain, so that a
//! regression fails `cargo test` without nightly or cargo-fuzz.
#![cfg(feature = "npy")]

#[allow(dead_code)] // the fuzz contract reads rankings only
#[path = "../examples/common/ranking.rs"]
mod ranking;

#[path = "../fuzz/src/contracts.rs"]
mod contracts;

use std::path::Path;

/// Feeds every committed input of `target` to `contract`; returns how many.
fn replay(target: &str, contract: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        for file in contracts::corpus_files(&root.join(dir).join(target)) {
            let bytes = std::fs::read(&file).unwrap();
            eprintln!("{}", file.display());
            contract(&bytes);
            count += 1;
        }
    }
    count
}

#[test]
fn idx_corpus_replays() {
    assert!(replay("idx", contracts::idx) >= 7);
}

#[test]
fn cifar_corpus_replays() {
    assert!(replay("cifar", contracts::cifar) >= 5);
}

#[test]
fn weights_corpus_replays() {
    assert!(replay("weights", contracts::weights) >= 4);
}

#[test]
fn npy_corpus_replays() {
    assert!(replay("npy", contracts::npy) >= 4);
}

#[test]
fn npz_corpus_replays() {
    assert!(replay("npz", contracts::npz) >= 5);
}

#[test]
fn ranking_corpus_replays() {
    assert!(replay("ranking", contracts::ranking) >= 4);
}
