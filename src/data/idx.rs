//! MNIST-format IDX files: `idx3-ubyte` images and `idx1-ubyte` labels,
//! gzipped or not.

use std::path::Path;

use ndarray::Array2;

use super::source::{MAX_DECODED_BYTES, Source};
use super::{DataError, Dataset, Split, extend_scaled, find_file};
use crate::Result;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

/// Loads an IDX images file and its IDX labels file (each gzipped or not:
/// gzip is recognised by its magic bytes `1f 8b`, not by the file name).
///
/// The images file is a big-endian header (magic `0x00000803`, `N`, `rows`,
/// `cols`) followed by `N·rows·cols` bytes; the labels file a big-endian
/// header (magic `0x00000801`, `N`) followed by `N` bytes. Each image becomes
/// one row of `rows·cols` features `p / 255` (row-major). No class names are
/// attached: see [`mnist_class_names`] and [`fashion_mnist_class_names`].
///
/// # Errors
/// Each names the file concerned: [`DataError::Magic`],
/// [`DataError::Truncated`], [`DataError::TrailingBytes`],
/// [`DataError::EmptyFile`] (`N = 0`), [`DataError::CountMismatch`],
/// [`DataError::Format`] for a label `≥ num_classes`, zero-sized images,
/// corrupt gzip data or a header declaring more than [`MAX_DECODED_BYTES`],
/// [`DataError::Parameter`] for `num_classes` outside `1 ..=`
/// [`MAX_CLASSES`](super::MAX_CLASSES), and [`Error::Io`](crate::Error::Io)
/// when a file cannot be read.
///
/// Memory stays bounded by what the headers declare: a gzipped file is
/// inflated only as far as its header's size (and a little beyond, to tell
/// how many bytes trail), a plain file's length is checked before its body
/// is read.
///
/// # Examples
///
/// ```
/// use infoablate::data::load_idx;
///
/// let dir = std::env::temp_dir().join(format!("infoablate-doc-idx-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// // Two 2×2 images and their labels.
/// let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
/// images.extend([0, 255, 51, 0, 255, 255, 0, 0]);
/// std::fs::write(dir.join("images"), &images)?;
/// std::fs::write(dir.join("labels"), [0, 0, 8, 1, 0, 0, 0, 2, 1, 0])?;
///
/// let data = load_idx(dir.join("images"), dir.join("labels"), 2)?;
/// assert_eq!((data.len(), data.num_features()), (2, 4));
/// assert_eq!(data.labels(), &[1, 0]);
/// assert_eq!(data.inputs()[[0, 1]], 1.0);
/// assert_eq!(data.inputs()[[0, 2]], 0.2);
///
/// // A label beyond the class count is an error naming the labels file.
/// let err = load_idx(dir.join("images"), dir.join("labels"), 1).unwrap_err();
/// assert!(err.to_string().contains("labels"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_idx(images: impl AsRef<Path>, labels: impl AsRef<Path>, num_classes: usize) -> Result<Dataset> {
    let (images, labels) = (images.as_ref(), labels.as_ref());
    let (n_images, rows, cols, pixels) = parse(&mut Source::open(images)?, IMAGES_MAGIC, "IDX images")?;
    let (n_labels, _, _, label_data) = parse(&mut Source::open(labels)?, LABELS_MAGIC, "IDX labels")?;
    if n_images != n_labels {
        return Err(DataError::CountMismatch {
            images_path: images.display().to_string(),
            images: n_images,
            labels_path: labels.display().to_string(),
            labels: n_labels,
        }
        .into());
    }
    if let Some((sample, &label)) = label_data
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= num_classes)
    {
        return Err(format_error(
            labels,
            format!("label {label} of sample {sample} is out of range for {num_classes} classes"),
        ));
    }
    let features = rows * cols;
    let mut values = Vec::new();
    extend_scaled(&mut values, &pixels, images)?;
    drop(pixels);
    let inputs = Array2::from_shape_vec((n_images, features), values)
        .map_err(|e| format_error(images, format!("cannot shape the pixels: {e}")))?;
    Dataset::from_pixels(
        inputs,
        label_data.iter().map(|&l| usize::from(l)).collect(),
        num_classes,
    )
}

/// Reads an IDX file's header, then exactly the body it declares (at most
/// [`MAX_DECODED_BYTES`]), then checks that nothing follows; returns
/// `(N, rows, cols, body)` (`rows = cols = 1` for a labels file).
fn parse(source: &mut Source<'_>, magic: u32, format: &'static str) -> Result<(usize, usize, usize, Vec<u8>)> {
    let header_words = if magic == IMAGES_MAGIC { 4 } else { 2 };
    let header_len = 4 * header_words;
    let header = source.read_up_to(header_len as u64)?;
    let word = |i: usize| {
        header
            .get(4 * i..4 * i + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_be_bytes)
    };
    let name = source.name();
    let truncated = |expected: u64, actual: u64| DataError::Truncated {
        path: name.clone(),
        expected,
        actual,
    };
    let header_truncated = || truncated(header_len as u64, header.len() as u64);
    let found = word(0).ok_or_else(header_truncated)?;
    if found != magic {
        return Err(DataError::Magic {
            path: source.name(),
            format,
            found,
            expected: magic,
        }
        .into());
    }
    let mut dims = [1_usize; 3];
    for (i, dim) in dims.iter_mut().enumerate().take(header_words - 1) {
        *dim = word(i + 1).ok_or_else(header_truncated)? as usize;
    }
    let [n, rows, cols] = dims;
    if n == 0 {
        return Err(DataError::EmptyFile { path: source.name() }.into());
    }
    if rows == 0 || cols == 0 {
        return Err(format_error(
            source.path(),
            format!("zero-sized images ({rows}×{cols})"),
        ));
    }
    let body_len = n
        .checked_mul(rows)
        .and_then(|x| x.checked_mul(cols))
        .filter(|&x| x.checked_add(header_len).is_some())
        .ok_or_else(|| format_error(source.path(), format!("header dimensions {n}×{rows}×{cols} overflow")))?
        as u64;
    let expected = header_len as u64 + body_len;
    // A plain file's length is known: compare before reading the body.
    if let Some(len) = source.known_len() {
        if len < expected {
            return Err(truncated(expected, len).into());
        }
        if len > expected {
            return Err(trailing(source, expected, len));
        }
    }
    if body_len > MAX_DECODED_BYTES {
        return Err(format_error(
            source.path(),
            format!(
                "the header declares {n}×{rows}×{cols} = {body_len} bytes, above the limit of {MAX_DECODED_BYTES} bytes"
            ),
        ));
    }
    let body = source.read_up_to(body_len)?;
    let got = header_len as u64 + body.len() as u64;
    if got < expected {
        return Err(truncated(expected, got).into());
    }
    match source.rest_len(TRAILING_COUNT_LIMIT)? {
        Some(0) => Ok((n, rows, cols, body)),
        Some(rest) => Err(trailing(source, expected, expected + rest)),
        None => Err(format_error(
            source.path(),
            format!("more than {TRAILING_COUNT_LIMIT} bytes follow the {expected} bytes its header declares"),
        )),
    }
}

/// Trailing bytes beyond this many are not counted (a gzip stream would
/// have to be inflated to count them).
const TRAILING_COUNT_LIMIT: u64 = 1 << 20;

fn trailing(source: &Source<'_>, expected: u64, actual: u64) -> crate::Error {
    DataError::TrailingBytes {
        path: source.name(),
        expected,
        actual,
    }
    .into()
}

fn format_error(path: &Path, reason: String) -> crate::Error {
    DataError::Format {
        path: path.display().to_string(),
        reason,
    }
    .into()
}

/// Loads the train or test part of an MNIST-format directory (MNIST,
/// Fashion-MNIST, …) with 10 classes.
///
/// Looks for the standard names `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, or their dotted variants
/// (`train-images.idx3-ubyte`, …), each with or without `.gz`. No class names
/// are attached; add them with
/// [`Dataset::with_class_names`]`(`[`mnist_class_names`]`())` or
/// [`fashion_mnist_class_names`].
///
/// # Errors
/// [`DataError::MissingFile`] naming the directory and the names tried, and
/// every error of [`load_idx`].
///
/// # Examples
///
/// With the sample shipped in the repository (the paths are relative to
/// the repository root):
///
/// ```
/// use infoablate::data::{Split, load_mnist_dir, mnist_class_names};
///
/// let test = load_mnist_dir("data/mnist-sample", Split::Test)?.with_class_names(mnist_class_names())?;
/// assert_eq!((test.len(), test.num_features()), (2000, 784));
/// assert_eq!(test.labels()[..3], [7, 2, 1]);
///
/// let err = load_mnist_dir("data", Split::Test).unwrap_err().to_string();
/// assert!(err.contains("t10k-images-idx3-ubyte.gz"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn load_mnist_dir(dir: impl AsRef<Path>, split: Split) -> Result<Dataset> {
    let dir = dir.as_ref();
    let prefix = match split {
        Split::Train => "train",
        Split::Test => "t10k",
    };
    let candidates = |kind: &str, idx: &str| -> Vec<String> {
        let stems = [
            format!("{prefix}-{kind}-{idx}-ubyte"),
            format!("{prefix}-{kind}.{idx}-ubyte"),
        ];
        stems.iter().flat_map(|s| [s.clone(), format!("{s}.gz")]).collect()
    };
    let (images_what, labels_what) = match split {
        Split::Train => ("training images", "training labels"),
        Split::Test => ("test images", "test labels"),
    };
    let images = find_file(dir, images_what, &candidates("images", "idx3"))?;
    let labels = find_file(dir, labels_what, &candidates("labels", "idx1"))?;
    load_idx(images, labels, 10)
}

/// The MNIST class names, the digits `"0"` to `"9"`.
///
/// # Examples
///
/// ```
/// assert_eq!(infoablate::data::mnist_class_names()[7], "7");
/// ```
pub fn mnist_class_names() -> Vec<String> {
    (0..10).map(|d| d.to_string()).collect()
}

/// The Fashion-MNIST class names, `"T-shirt/top"` (0) to `"Ankle boot"` (9).
///
/// # Examples
///
/// ```
/// let names = infoablate::data::fashion_mnist_class_names();
/// assert_eq!((names[0].as_str(), names[9].as_str()), ("T-shirt/top", "Ankle boot"));
/// ```
pub fn fashion_mnist_class_names() -> Vec<String> {
    [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    .map(String::from)
    .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(n: u32, rows: u32, cols: u32, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [IMAGES_MAGIC, n, rows, cols] {
            v.extend(w.to_be_bytes());
        }
        v.extend(body);
        v
    }

    /// `parse` of in-memory bytes, as a plain file.
    fn parse_bytes(bytes: &[u8]) -> Result<(usize, usize, usize, Vec<u8>)> {
        let mut source = Source::new(Path::new("x"), bytes, Some(bytes.len() as u64));
        parse(&mut source, IMAGES_MAGIC, "IDX images")
    }

    #[test]
    fn parse_checks_header_and_length() {
        let ok = images(2, 1, 2, &[1, 2, 3, 4]);
        let (n, r, c, body) = parse_bytes(&ok).unwrap();
        assert_eq!((n, r, c, &body[..]), (2, 1, 2, &[1_u8, 2, 3, 4][..]));
        let err = |b: &[u8]| parse_bytes(b).unwrap_err().to_string();
        assert!(err(&ok[..3]).contains("truncated"));
        assert!(err(&ok[..10]).contains("truncated"));
        assert!(err(&ok[..19]).contains("20 bytes expected, 19 found"));
        assert!(err(&[ok.clone(), vec![0]].concat()).contains("trailing"));
        assert!(err(&images(0, 1, 2, &[])).contains("no sample"));
        assert!(err(&images(1, 0, 2, &[])).contains("zero-sized"));
        assert!(err(&images(u32::MAX, u32::MAX, u32::MAX, &[])).contains("overflow"));
        let labels = [0, 0, 8, 1, 0, 0, 0, 1, 7];
        assert!(err(&labels).contains("0x00000801 found, 0x00000803 expected"));
    }

    #[test]
    fn class_names_have_ten_entries() {
        assert_eq!(mnist_class_names().len(), 10);
        assert_eq!(fashion_mnist_class_names().len(), 10);
    }
}
