//! Helpers shared by the integration tests that build files by hand.
// Each test crate uses its own subset.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `infoablate-<name>-<pid>` under the temp dir, emptied first.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("infoablate-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `bytes` to the file `name` in the directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The bytes gzipped (one member).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An IDX images file: big-endian header (magic, `n`, `rows`, `cols`), then the pixels.
pub fn idx_images(n: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = [0x803, n, rows, cols]
        .iter()
        .flat_map(|w: &u32| w.to_be_bytes())
        .collect();
    v.extend(pixels);
    v
}

/// An IDX labels file: big-endian header (magic, count), then the labels.
pub fn idx_labels(labels: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = [0x801, labels.len() as u32]
        .iter()
        .flat_map(|w: &u32| w.to_be_bytes())
        .collect();
    v.extend(labels);
    v
}
