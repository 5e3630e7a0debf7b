//! Labelled data sets: the [`Dataset`] type, MNIST-format IDX and CIFAR-10
//! binary loaders, and deterministic stratified subsampling and splits.
//!
//! The loaders read files from disk at run time (nothing is embedded in the
//! crate); each file may be gzipped, which is recognised by its magic bytes
//! `1f 8b` rather than by its name. Every format error names the file.

#[cfg(feature = "datasets")]
mod cifar;
#[cfg(feature = "datasets")]
mod idx;
mod normalize;
#[cfg(feature = "npy")]
mod npy;
#[cfg(feature = "datasets")]
mod source;
mod split;
#[cfg(feature = "datasets")]
mod train_test;

#[cfg(feature = "datasets")]
pub use cifar::{cifar10_class_names, load_cifar10, load_cifar10_dir};
#[cfg(feature = "datasets")]
pub use idx::{fashion_mnist_class_names, load_idx, load_mnist_dir, mnist_class_names};
pub use normalize::Normalize;
#[cfg(feature = "datasets")]
pub use source::MAX_DECODED_BYTES;
pub use split::{stratified_split, stratified_subsample};
#[cfg(feature = "datasets")]
pub use train_test::{load_cifar10_train_test, load_mnist_train_test};

#[cfg(feature = "datasets")]
use std::path::Path;

use ndarray::{Array2, ArrayView2, Axis};

use crate::Result;

/// Which part of a data set's standard train/test division to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// The training files.
    Train,
    /// The test files.
    Test,
}

/// Errors from reading or validating a data set. Messages name the file and
/// what in it is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A data set with no sample.
    #[error("the data set is empty")]
    Empty,
    /// Inputs and labels disagree on the sample count.
    #[error("{inputs} input rows but {labels} labels")]
    LengthMismatch {
        /// Number of input rows.
        inputs: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A label is not below the class count.
    #[error("label {label} of sample {sample} is out of range for {num_classes} classes")]
    LabelOutOfRange {
        /// The sample.
        sample: usize,
        /// Its label.
        label: usize,
        /// The class count.
        num_classes: usize,
    },
    /// An input value is NaN or infinite.
    #[error("input value at sample {sample}, feature {feature} is {value} (not finite)")]
    NonFinite {
        /// The sample.
        sample: usize,
        /// The feature.
        feature: usize,
        /// The value.
        value: f32,
    },
    /// Class names given for a different number of classes.
    #[error("{names} class names given for {num_classes} classes")]
    ClassNames {
        /// Number of names.
        names: usize,
        /// The class count.
        num_classes: usize,
    },
    /// A value of a file breaks a rule of the data (a non-finite input, a
    /// label out of range): the error, with the file it is in.
    #[error("`{path}`: {source}")]
    InFile {
        /// The file.
        path: String,
        /// What is wrong with the value.
        source: Box<DataError>,
    },
    /// A file's content is not what its format requires.
    #[error("`{path}`: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A file does not start with the magic number its format requires.
    #[error("`{path}`: magic number {found:#010x} found, {expected:#010x} expected ({format})")]
    Magic {
        /// The file.
        path: String,
        /// The format expected, e.g. "IDX images".
        format: &'static str,
        /// The magic number read.
        found: u32,
        /// The magic number the format requires.
        expected: u32,
    },
    /// A file is shorter than its header says.
    #[error("`{path}` is truncated: {expected} bytes expected, {actual} found")]
    Truncated {
        /// The file (its decompressed content, if gzipped).
        path: String,
        /// Bytes the header (or format) requires.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// A file is longer than its header says.
    #[error("`{path}` has trailing bytes: {expected} bytes expected, {actual} found")]
    TrailingBytes {
        /// The file (its decompressed content, if gzipped).
        path: String,
        /// Bytes the header requires.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// A file holds no sample.
    #[error("`{path}` holds no sample")]
    EmptyFile {
        /// The file.
        path: String,
    },
    /// An images file and its labels file disagree on the sample count.
    #[error("`{images_path}` holds {images} images but `{labels_path}` holds {labels} labels")]
    CountMismatch {
        /// The images file.
        images_path: String,
        /// Its image count.
        images: usize,
        /// The labels file.
        labels_path: String,
        /// Its label count.
        labels: usize,
    },
    /// None of the standard names of a data file exists in a directory.
    #[error("no {what} file in `{dir}` (tried {})", tried.join(", "))]
    MissingFile {
        /// The directory searched.
        dir: String,
        /// What was looked for, e.g. "training images".
        what: &'static str,
        /// The file names tried.
        tried: Vec<String>,
    },
    /// A split or subsample parameter is out of range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// A normalisation whose means and standard deviations are unusable.
    #[error("invalid normalisation: {reason}")]
    Normalize {
        /// What is wrong.
        reason: String,
    },
    /// A normalisation's channels do not divide the data set's features.
    #[error("{channels} normalisation channels do not divide {features} input features (a C × H × W flattening)")]
    Channels {
        /// The normalisation's channel count.
        channels: usize,
        /// The data set's feature count.
        features: usize,
    },
    /// A sample index beyond the data set.
    #[error("sample index {index} is out of range for {len} samples")]
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// The data set size.
        len: usize,
    },
}

/// The largest class count a [`Dataset`] or a
/// [`Recording`](crate::record::Recording) may have: 65 536 (labels up to
/// 65535). Tables are sized by the class count, so a larger one would let a
/// caller's typo or a hostile file size them.
pub const MAX_CLASSES: usize = 1 << 16;

/// [`DataError::Parameter`] for a class count of 0 or above [`MAX_CLASSES`].
pub(crate) fn check_num_classes(num_classes: usize) -> Result<(), DataError> {
    if (1..=MAX_CLASSES).contains(&num_classes) {
        Ok(())
    } else {
        Err(DataError::Parameter {
            name: "num_classes",
            reason: format!("{num_classes} is outside 1 ..= {MAX_CLASSES} (MAX_CLASSES)"),
        })
    }
}

/// Inputs (`samples × features`, `f32`), integer labels `0…C−1`, the class
/// count and optional class names. Constructed only through validation, so a
/// `Dataset` is never empty, never holds NaN or an infinity, and every label
/// is in range. Inputs may be any finite values (standardised features,
/// normalised images); the image loaders give pixel values in `[0, 1]`.
///
/// # Examples
///
/// ```
/// use infoablate::data::Dataset;
/// use ndarray::array;
///
/// let data = Dataset::new(array![[0.0_f32, 1.0], [0.5, 0.5], [1.0, 0.0]], vec![0, 1, 1], 2)?;
/// assert_eq!(data.len(), 3);
/// assert_eq!(data.class_counts(), vec![1, 2]);
/// assert!(Dataset::new(array![[0.0_f32]], vec![2], 2).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    inputs: Array2<f32>,
    labels: Vec<usize>,
    num_classes: usize,
    class_names: Option<Vec<String>>,
}

/// [`DataError::LabelOutOfRange`] for the first label `≥ num_classes`.
pub(crate) fn check_labels(labels: &[usize], num_classes: usize) -> Result<(), DataError> {
    match labels.iter().enumerate().find(|&(_, &l)| l >= num_classes) {
        Some((sample, &label)) => Err(DataError::LabelOutOfRange {
            sample,
            label,
            num_classes,
        }),
        None => Ok(()),
    }
}

impl Dataset {
    /// Validates and wraps inputs and labels.
    ///
    /// # Errors
    /// [`DataError::Empty`], [`DataError::LengthMismatch`],
    /// [`DataError::LabelOutOfRange`], [`DataError::NonFinite`],
    /// [`DataError::Parameter`] for `num_classes` above [`MAX_CLASSES`].
    pub fn new(inputs: Array2<f32>, labels: Vec<usize>, num_classes: usize) -> Result<Self> {
        let data = Self::checked(inputs, labels, num_classes)?;
        if let Some(((sample, feature), value)) = crate::finite::first_non_finite(data.inputs.view()) {
            return Err(DataError::NonFinite { sample, feature, value }.into());
        }
        Ok(data)
    }

    /// [`Dataset::new`] for pixels scaled to `p / 255`, finite by
    /// construction: every check but the scan for NaN and infinities, which
    /// on a full training set costs a pass over memory.
    #[cfg(feature = "datasets")]
    fn from_pixels(inputs: Array2<f32>, labels: Vec<usize>, num_classes: usize) -> Result<Self> {
        Self::checked(inputs, labels, num_classes)
    }

    /// Every check of [`Dataset::new`] but finiteness.
    fn checked(inputs: Array2<f32>, labels: Vec<usize>, num_classes: usize) -> Result<Self> {
        if inputs.nrows() == 0 || inputs.ncols() == 0 || labels.is_empty() {
            return Err(DataError::Empty.into());
        }
        if inputs.nrows() != labels.len() {
            return Err(DataError::LengthMismatch {
                inputs: inputs.nrows(),
                labels: labels.len(),
            }
            .into());
        }
        check_labels(&labels, num_classes)?;
        check_num_classes(num_classes)?;
        Ok(Dataset {
            inputs,
            labels,
            num_classes,
            class_names: None,
        })
    }

    /// Attaches class names, one per class.
    ///
    /// # Errors
    /// [`DataError::ClassNames`] when the count differs from the class count.
    pub fn with_class_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.num_classes {
            return Err(DataError::ClassNames {
                names: names.len(),
                num_classes: self.num_classes,
            }
            .into());
        }
        self.class_names = Some(names);
        Ok(self)
    }

    /// The inputs, `samples × features`.
    pub fn inputs(&self) -> ArrayView2<'_, f32> {
        self.inputs.view()
    }

    /// The labels, one per sample.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Number of classes `C` (labels are `0…C−1`; a class may have no sample).
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Class names, if known.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// Number of samples (never zero).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Always `false`: a `Dataset` holds at least one sample.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of input features.
    pub fn num_features(&self) -> usize {
        self.inputs.ncols()
    }

    /// Samples per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }

    /// The samples at `indices`, in that order (class names kept).
    ///
    /// # Errors
    /// [`DataError::IndexOutOfRange`], [`DataError::Empty`].
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        if let Some(&index) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(DataError::IndexOutOfRange { index, len: self.len() }.into());
        }
        if indices.is_empty() {
            return Err(DataError::Empty.into());
        }
        Ok(Dataset {
            inputs: self.inputs.select(Axis(0), indices),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            num_classes: self.num_classes,
            class_names: self.class_names.clone(),
        })
    }

    /// The first `n` samples (all of them if `n ≥ len`).
    ///
    /// # Errors
    /// [`DataError::Empty`] for `n == 0`.
    pub fn head(&self, n: usize) -> Result<Self> {
        let idx: Vec<usize> = (0..n.min(self.len())).collect();
        self.select(&idx)
    }
}

/// A pixel byte as an `f32` value `p / 255` in `[0, 1]`.
#[cfg(feature = "datasets")]
fn scale_pixel(p: u8) -> f32 {
    f32::from(p) / 255.0
}

/// Converts the bytes of `path` to `f32` values `p / 255` in `[0, 1]`,
/// appended to `out`; an allocation failure is an error naming the file.
#[cfg(feature = "datasets")]
fn extend_scaled(out: &mut Vec<f32>, bytes: &[u8], path: &Path) -> Result<()> {
    reserve_values(out, bytes.len(), path)?;
    out.extend(bytes.iter().map(|&p| scale_pixel(p)));
    Ok(())
}

/// Room for `n` more pixel values of `path`; an allocation failure is an
/// error naming the file.
#[cfg(feature = "datasets")]
fn reserve_values(out: &mut Vec<f32>, n: usize, path: &Path) -> Result<()> {
    out.try_reserve(n).map_err(|_| DataError::Format {
        path: path.display().to_string(),
        reason: format!("cannot allocate {n} pixel values"),
    })?;
    Ok(())
}

/// The first of `names` that is a file in `dir`.
#[cfg(feature = "datasets")]
fn find_file(dir: &Path, what: &'static str, names: &[String]) -> Result<std::path::PathBuf> {
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file()).ok_or_else(|| {
        DataError::MissingFile {
            dir: dir.display().to_string(),
            what,
            tried: names.to_vec(),
        }
        .into()
    })
}
