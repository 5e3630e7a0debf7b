//! One contract per parser that takes bytes: whatever the bytes, the parser
//! returns (never panics, never allocates past its documented caps), and a
//! result it accepts passes the validation of the type it returns again.
//!
//! The parsers read files, so each contract writes its input to files in a
//! scratch directory of the system's temporary directory (set `TMPDIR` to a
//! tmpfs such as `/dev/shm` when fuzzing) and removes them afterwards.
//!
//! Two-file inputs (IDX images and labels, `.npy` activations and labels)
//! are framed as: one flags byte, the first file's length as `u16`
//! little-endian, the first file, then the second file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use infoablate::data::{Dataset, load_cifar10, load_idx};
use infoablate::network::{Activation, Mlp};
use infoablate::record::{NpyOptions, Raw16, Recording};

use crate::ranking::read_ranking;

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("infoablate-fuzz-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `(flags, first, second)` of a two-file input, `None` when too short.
fn two_files(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&flags, rest) = data.split_first()?;
    let len = usize::from(u16::from_le_bytes([*rest.first()?, *rest.get(1)?]));
    let rest = &rest[2..];
    let first = rest.get(..len)?;
    Some((flags, first, &rest[len..]))
}

/// The bytes gzipped (one member).
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

/// A data set a loader returned passes [`Dataset::new`] again, with pixel
/// values in `[0, 1]`.
fn revalidate(data: &Dataset) {
    assert!(data.inputs().iter().all(|v| (0.0..=1.0).contains(v)));
    let again = Dataset::new(data.inputs().to_owned(), data.labels().to_vec(), data.num_classes())
        .expect("a loaded data set re-validates");
    assert_eq!(again.inputs(), data.inputs());
}

/// IDX images and labels: flags bit 0 gzips the images file, bit 1 the
/// labels file (raw bytes starting `1f 8b` reach the gzip path as they are);
/// the class count is `1 + (flags >> 2)`.
pub fn idx(data: &[u8]) {
    let Some((flags, images, labels)) = two_files(data) else {
        return;
    };
    let scratch = Scratch::new();
    let maybe_gzip = |bytes: &[u8], bit: u8| {
        if flags & bit != 0 { gzip(bytes) } else { bytes.to_vec() }
    };
    let images = scratch.write("images", &maybe_gzip(images, 1));
    let labels = scratch.write("labels", &maybe_gzip(labels, 2));
    let num_classes = 1 + usize::from(flags >> 2);
    if let Ok(loaded) = load_idx(&images, &labels, num_classes) {
        revalidate(&loaded);
        assert_eq!(loaded.num_classes(), num_classes);
    }
}

/// One CIFAR-10 batch file, as it is and gzipped (the two agree unless the
/// bytes themselves start with the gzip magic).
pub fn cifar(data: &[u8]) {
    let scratch = Scratch::new();
    let plain = scratch.write("batch.bin", data);
    let gzipped = scratch.write("batch.bin.gz", &gzip(data));
    let (a, b) = (load_cifar10(&[&plain]), load_cifar10(&[&gzipped]));
    if let Ok(loaded) = &a {
        revalidate(loaded);
        assert_eq!(loaded.class_names().map(<[String]>::len), Some(10));
    }
    if !data.starts_with(&[0x1f, 0x8b]) {
        assert_eq!(a.is_ok(), b.is_ok(), "plain and gzipped must agree");
    }
}

/// safetensors weights: a network loaded is saved and loads back equal.
pub fn weights(data: &[u8]) {
    if let Ok(mlp) = Mlp::from_safetensors_bytes(data, Activation::Relu) {
        let bytes = mlp.to_safetensors_bytes("").expect("a loaded network serializes");
        let again = Mlp::from_safetensors_bytes(&bytes, Activation::Relu).expect("and loads back");
        assert_eq!(again, mlp);
    }
}

/// `.npy` activations and labels (flags unused).
pub fn npy(data: &[u8]) {
    let Some((_, acts, labels)) = two_files(data) else {
        return;
    };
    let scratch = Scratch::new();
    let (acts, labels) = (scratch.write("acts.npy", acts), scratch.write("labels.npy", labels));
    let bf16 = NpyOptions::default().with_raw_v2(Raw16::Bfloat16);
    let loaded = [
        Recording::from_npy(&acts, &labels),
        Recording::from_npy_with(&acts, &labels, &bf16),
    ];
    for rec in loaded.into_iter().flatten() {
        let layer = rec.layer(0).expect("layer 0").to_owned();
        let again = Recording::new(vec![0], vec![layer], rec.labels().to_vec(), rec.num_classes())
            .expect("a loaded recording re-validates");
        assert_eq!(again, rec);
    }
}

/// An `.npz` archive of layers and a labels `.npy`: what loads re-validates
/// layer by layer, one layer per name the archive lists.
pub fn npz(data: &[u8]) {
    let Some((_, archive, labels)) = two_files(data) else {
        return;
    };
    let scratch = Scratch::new();
    let (archive, labels) = (scratch.write("acts.npz", archive), scratch.write("labels.npy", labels));
    if let Ok(rec) = Recording::from_npz(&archive, &labels) {
        let names = Recording::npz_layer_names(&archive).expect("a loaded archive lists its arrays");
        let layers: Vec<_> = rec.iter().map(|(_, acts)| acts.to_owned()).collect();
        assert_eq!(names.len(), layers.len());
        let again = Recording::new(
            (0..layers.len()).collect(),
            layers,
            rec.labels().to_vec(),
            rec.num_classes(),
        )
        .expect("a loaded recording re-validates");
        assert_eq!(again, rec);
    }
}

/// A ranking CSV: what parses, written back, parses the same.
pub fn ranking(data: &[u8]) {
    let scratch = Scratch::new();
    let path = scratch.write("ranking.csv", data);
    if let Ok(neurons) = read_ranking(&path) {
        let mut csv = String::from("layer,neuron\n");
        for (layer, neuron) in &neurons {
            csv.push_str(&format!("{layer},{neuron}\n"));
        }
        let again = scratch.write("again.csv", csv.as_bytes());
        assert_eq!(read_ranking(&again), Ok(neurons));
    }
}

/// Every file below `dir` (none if it does not exist), sorted.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
