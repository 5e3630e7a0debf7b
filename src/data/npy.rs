//! Data sets from NumPy `.npy` files: any features, any class count
//! (feature `npy`).

use std::path::Path;

use super::{DataError, Dataset, check_num_classes};
use crate::Result;
use crate::record::{NpyError, read_labels, read_matrix};

impl Dataset {
    /// A data set from `inputs`, a 2-D `float16`, `float32` or `float64`
    /// `.npy` (`samples × features`, any finite values: the features of a
    /// `C × H × W` image flattened, or tabular features), and `labels`, a
    /// 1-D `uint8`, `int32` or `int64` `.npy`. The class count is
    /// `num_classes` when given (a test set may lack the last class), else
    /// the largest label plus 1; at least 2 either way.
    ///
    /// The files are read with [`Recording::from_npy`](crate::record::Recording::from_npy)'s
    /// guards (header and size checked before anything is allocated).
    ///
    /// # Errors
    /// [`NpyError`] (inside [`Error::Record`](crate::Error::Record)) for a
    /// file that cannot be read as inputs or labels or lengths that differ;
    /// [`DataError::Parameter`] for fewer than 2 classes;
    /// [`DataError::LabelOutOfRange`] for a label at or above `num_classes`;
    /// [`DataError::NonFinite`] for a NaN or infinite input.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::data::Dataset;
    /// use ndarray::array;
    ///
    /// let dir = std::env::temp_dir().join(format!("infoablate-doc-dataset-npy-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// ndarray_npy::write_npy(dir.join("x.npy"), &array![[-1.5_f64, 20.0], [0.25, -3.0]]).unwrap();
    /// ndarray_npy::write_npy(dir.join("y.npy"), &array![2_i64, 0]).unwrap();
    /// let data = Dataset::from_npy(dir.join("x.npy"), dir.join("y.npy"), None)?;
    /// assert_eq!((data.len(), data.num_features(), data.num_classes()), (2, 2, 3));
    /// assert_eq!(data.inputs()[[0, 1]], 20.0);
    /// assert_eq!(Dataset::from_npy(dir.join("x.npy"), dir.join("y.npy"), Some(5))?.num_classes(), 5);
    /// assert!(Dataset::from_npy(dir.join("x.npy"), dir.join("y.npy"), Some(2)).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn from_npy(inputs: impl AsRef<Path>, labels: impl AsRef<Path>, num_classes: Option<usize>) -> Result<Self> {
        let (inputs_path, labels_path) = (inputs.as_ref(), labels.as_ref());
        let x = read_matrix(inputs_path)?;
        let y = read_labels(labels_path)?;
        if x.nrows() != y.len() {
            return Err(NpyError::LengthMismatch {
                acts: inputs_path.display().to_string(),
                samples: x.nrows(),
                labels: labels_path.display().to_string(),
                num_labels: y.len(),
            }
            .into());
        }
        let num_classes = num_classes.unwrap_or_else(|| y.iter().max().map_or(0, |&m| m + 1));
        check_num_classes(num_classes)?;
        if num_classes < 2 {
            return Err(DataError::Parameter {
                name: "num_classes",
                reason: format!(
                    "`{}` gives {num_classes} class; a classifier needs at least 2",
                    labels_path.display()
                ),
            }
            .into());
        }
        Dataset::new(x, y, num_classes).map_err(|e| match e {
            crate::Error::Data(e @ DataError::NonFinite { .. }) => in_file(inputs_path, e),
            crate::Error::Data(e @ DataError::LabelOutOfRange { .. }) => in_file(labels_path, e),
            other => other,
        })
    }
}

/// `error`, naming the file its value is in.
fn in_file(path: &Path, error: DataError) -> crate::Error {
    DataError::InFile {
        path: path.display().to_string(),
        source: Box::new(error),
    }
    .into()
}
