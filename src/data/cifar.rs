//! CIFAR-10 binary batches: records of 1 label byte and 3072 pixel bytes,
//! no header, gzipped or not.

use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::source::{MAX_DECODED_BYTES, Source};
use super::{DataError, Dataset, Split, extend_scaled, find_file, reserve_values};
use crate::Result;

/// Pixels per image: 32×32 in 3 colour planes.
const PIXELS: usize = 3 * 32 * 32;
/// Bytes per record: a label byte, then the pixels.
const RECORD: usize = 1 + PIXELS;
/// CIFAR-10 classes.
const CLASSES: usize = 10;

/// Loads CIFAR-10 binary batch files and concatenates them in the order
/// given (each file gzipped or not: gzip is recognised by its magic bytes).
///
/// Each record is one label byte `0…9` followed by 3072 pixel bytes: the
/// 1024 red values, then the green, then the blue, each plane row-major. A
/// sample's 3072 features keep that order, scaled to `p / 255`. The data set
/// has 10 classes, with [`cifar10_class_names`] attached.
///
/// With the feature `parallel`, the files are inflated a round at a time,
/// one a thread, and decoded in order; the errors are those the first
/// failing file in order gives.
///
/// # Errors
/// [`DataError::Parameter`] for an empty `paths`; naming the file:
/// [`DataError::EmptyFile`], [`DataError::Format`] for a length that is not
/// a multiple of 3073 bytes, a label byte `≥ 10`, corrupt gzip data or
/// more than [`MAX_DECODED_BYTES`] once decompressed (a gzipped file is
/// inflated no further than that); and
/// [`Error::Io`](crate::Error::Io) when a file cannot be read.
///
/// # Examples
///
/// ```
/// use infoablate::data::load_cifar10;
///
/// let dir = std::env::temp_dir().join(format!("infoablate-doc-cifar-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// // Two records: a black "cat" (3) and a white "truck" (9).
/// let mut batch = vec![3_u8];
/// batch.extend([0_u8; 3072]);
/// batch.push(9);
/// batch.extend([255_u8; 3072]);
/// std::fs::write(dir.join("batch.bin"), &batch)?;
///
/// let data = load_cifar10(&[dir.join("batch.bin")])?;
/// assert_eq!((data.len(), data.num_features()), (2, 3072));
/// assert_eq!(data.labels(), &[3, 9]);
/// assert_eq!(data.inputs()[[1, 3071]], 1.0);
/// assert_eq!(data.class_names().unwrap()[3], "cat");
///
/// // A truncated record is an error naming the file and its length.
/// std::fs::write(dir.join("bad.bin"), &batch[..3000])?;
/// assert!(load_cifar10(&[dir.join("bad.bin")]).unwrap_err().to_string().contains("3000"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_cifar10(paths: &[impl AsRef<Path> + Sync]) -> Result<Dataset> {
    if paths.is_empty() {
        return Err(DataError::Parameter {
            name: "paths",
            reason: "no CIFAR-10 batch file given".into(),
        }
        .into());
    }
    let mut labels = Vec::new();
    let mut inputs = Vec::new();
    // A round of files inflated at once (one a thread), then decoded in order.
    for round in paths.chunks(crate::parallel::threads()) {
        let read = crate::parallel::map_items(round, |path| read_records(path.as_ref()));
        for (path, bytes) in round.iter().zip(read) {
            let path = path.as_ref();
            let bytes = bytes?;
            let name = || path.display().to_string();
            let records = bytes.len() / RECORD;
            labels.reserve(records);
            reserve_values(&mut inputs, records * PIXELS, path)?;
            for (i, record) in bytes.chunks_exact(RECORD).enumerate() {
                let Some((&label, pixels)) = record.split_first() else {
                    continue;
                };
                let label = usize::from(label);
                if label >= CLASSES {
                    return Err(DataError::Format {
                        path: name(),
                        reason: format!("label byte {label} of record {i} is not a CIFAR-10 class (0…9)"),
                    }
                    .into());
                }
                labels.push(label);
                extend_scaled(&mut inputs, pixels, path)?;
            }
        }
    }
    let inputs = Array2::from_shape_vec((labels.len(), PIXELS), inputs).map_err(|e| DataError::Format {
        path: paths[0].as_ref().display().to_string(),
        reason: format!("cannot shape the pixels: {e}"),
    })?;
    Dataset::from_pixels(inputs, labels, CLASSES)?.with_class_names(cifar10_class_names())
}

/// The records of one batch file, whole: its decoded bytes, checked to be
/// a non-empty whole number of records within [`MAX_DECODED_BYTES`].
fn read_records(path: &Path) -> Result<Vec<u8>> {
    let mut source = Source::open(path)?;
    let name = || path.display().to_string();
    if let Some(len) = source.known_len().filter(|&len| len > MAX_DECODED_BYTES) {
        return Err(too_long(path, &format!("{len} bytes")));
    }
    let bytes = source.read_up_to(MAX_DECODED_BYTES + 1)?;
    if bytes.len() as u64 > MAX_DECODED_BYTES {
        return Err(too_long(path, &format!("more than {MAX_DECODED_BYTES} bytes")));
    }
    if bytes.is_empty() {
        return Err(DataError::EmptyFile { path: name() }.into());
    }
    if bytes.len() % RECORD != 0 {
        return Err(DataError::Format {
            path: name(),
            reason: format!(
                "length {} bytes is not a multiple of the {RECORD}-byte record (1 label + {PIXELS} pixels)",
                bytes.len()
            ),
        }
        .into());
    }
    Ok(bytes)
}

/// A file whose decoded content exceeds [`MAX_DECODED_BYTES`].
fn too_long(path: &Path, size: &str) -> crate::Error {
    DataError::Format {
        path: path.display().to_string(),
        reason: format!("{size} of records, above the limit of {MAX_DECODED_BYTES} bytes per file"),
    }
    .into()
}

/// Loads the train or test part of a CIFAR-10 binary directory.
///
/// [`Split::Train`] loads every `data_batch_1.bin` … `data_batch_5.bin`
/// present (each possibly `.bin.gz`), in numeric order, and needs at least
/// one. [`Split::Test`] loads `test_batch.bin[.gz]`, or else
/// `test_batch_first1000.bin[.gz]` (the 1,000-image prefix of the test batch).
///
/// # Errors
/// [`DataError::MissingFile`] naming the directory and the names tried, and
/// every error of [`load_cifar10`].
///
/// # Examples
///
/// ```
/// use infoablate::data::{Split, load_cifar10_dir};
///
/// let dir = std::env::temp_dir().join(format!("infoablate-doc-cifar-dir-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let record = |label: u8| [vec![label], vec![128; 3072]].concat();
/// std::fs::write(dir.join("data_batch_3.bin"), record(2))?;
/// std::fs::write(dir.join("data_batch_1.bin"), [record(0), record(1)].concat())?;
/// std::fs::write(dir.join("test_batch_first1000.bin"), record(9))?;
///
/// let train = load_cifar10_dir(&dir, Split::Train)?; // batches 1 then 3
/// assert_eq!(train.labels(), &[0, 1, 2]);
/// let test = load_cifar10_dir(&dir, Split::Test)?; // no test_batch.bin: the prefix file
/// assert_eq!(test.labels(), &[9]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_cifar10_dir(dir: impl AsRef<Path>, split: Split) -> Result<Dataset> {
    let dir = dir.as_ref();
    let with_gz = |stem: String| [format!("{stem}.bin"), format!("{stem}.bin.gz")];
    let files: Vec<PathBuf> = match split {
        Split::Train => {
            let mut tried = Vec::new();
            let mut found = Vec::new();
            for k in 1..=5 {
                let names = with_gz(format!("data_batch_{k}"));
                if let Some(p) = names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
                    found.push(p);
                }
                tried.extend(names);
            }
            if found.is_empty() {
                return Err(DataError::MissingFile {
                    dir: dir.display().to_string(),
                    what: "CIFAR-10 training batch",
                    tried,
                }
                .into());
            }
            found
        }
        Split::Test => {
            let names: Vec<String> = ["test_batch", "test_batch_first1000"]
                .into_iter()
                .flat_map(|s| with_gz(s.to_string()))
                .collect();
            vec![find_file(dir, "CIFAR-10 test batch", &names)?]
        }
    };
    load_cifar10(&files)
}

/// The CIFAR-10 class names, `"airplane"` (0) to `"truck"` (9).
///
/// # Examples
///
/// ```
/// assert_eq!(infoablate::data::cifar10_class_names()[9], "truck");
/// ```
pub fn cifar10_class_names() -> Vec<String> {
    [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    .map(String::from)
    .to_vec()
}
