//! Activations recorded anywhere (a PyTorch forward hook, say), read from
//! NumPy `.npy` files (feature `npy`).

use std::io::Read;
use std::path::Path;

use ndarray::{Array2, ArrayD, Ix1, Ix2, IxDyn, ShapeBuilder};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{ReadNpyExt, ReadableElement};

use super::Recording;
use crate::{Error, Result};

/// The largest label [`Recording::from_npy`] accepts (count tables have a
/// column per class): [`MAX_CLASSES`](crate::data::MAX_CLASSES)` − 1`.
const MAX_LABEL: i64 = crate::data::MAX_CLASSES as i64 - 1;

/// A `.npy` file that cannot be read as activations or labels; every message
/// names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NpyError {
    /// The array's element type is not one of those accepted.
    #[error("`{path}`: dtype {found} is not supported, expected {expected}")]
    Dtype {
        /// The file.
        path: String,
        /// The dtype descriptor found in the header.
        found: String,
        /// The accepted dtypes.
        expected: &'static str,
    },
    /// Raw 2-byte values (`'<V2'`, what `np.save` writes for an
    /// `ml_dtypes.bfloat16` array) read without saying what they hold.
    #[error(
        "`{path}`: dtype {found} holds raw 2-byte values, as np.save writes bfloat16 arrays; \
         if they are bfloat16, read them with `--bf16` (examples) or \
         `NpyOptions::default().with_raw_v2(Raw16::Bfloat16)` (`Recording::from_npy_with`, `from_npz_with`)"
    )]
    RawV2 {
        /// The file.
        path: String,
        /// The dtype descriptor found in the header.
        found: String,
    },
    /// The array has the wrong number of dimensions.
    #[error("`{path}`: a {found}-D array, expected {expected}-D ({what})")]
    Rank {
        /// The file.
        path: String,
        /// What the file should hold.
        what: &'static str,
        /// The expected number of dimensions.
        expected: usize,
        /// The number found.
        found: usize,
    },
    /// The file is not a valid `.npy` file, or a value does not fit.
    #[error("`{path}`: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A label is negative or implausibly large.
    #[error("`{path}`: label {label} of sample {sample} is {reason}")]
    Label {
        /// The file.
        path: String,
        /// The sample.
        sample: usize,
        /// The label.
        label: i64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// The activations and the labels disagree on the sample count.
    #[error("`{acts}` has {samples} samples (rows) but `{labels}` has {num_labels} labels")]
    LengthMismatch {
        /// The activations file.
        acts: String,
        /// Its row count.
        samples: usize,
        /// The labels file.
        labels: String,
        /// Its label count.
        num_labels: usize,
    },
}

impl From<NpyError> for Error {
    fn from(e: NpyError) -> Self {
        Error::Record(e.into())
    }
}

/// The largest `.npy` file [`Recording::from_npy`] reads: 16 GiB. The file
/// is read whole, then the array is built from it, so the memory needed is
/// about twice the file; a file above the cap is refused before anything is
/// allocated.
pub const MAX_NPY_FILE_BYTES: u64 = 1 << 34;

/// The largest `.npy` header [`Recording::from_npy`] accepts, in bytes:
/// NumPy's own default limit (`np.load(max_header_size=10000)`); the
/// headers it writes for plain arrays are 118 bytes and up. A version-2.0
/// header may declare up to 4 GiB: it is refused before it is read.
pub const MAX_NPY_HEADER_BYTES: usize = 10_000;

/// The deepest bracket nesting accepted in a `.npy` header. NumPy writes a
/// dict holding a shape tuple (depth 2); a structured dtype's descriptor, a
/// list of tuples, adds two. The header parser (`py_literal`, on `pest`)
/// takes time exponential in the depth — 20 unclosed `[` take seconds, 25
/// minutes — so deeper headers are refused before it runs.
const MAX_NPY_HEADER_DEPTH: usize = 4;

/// The deepest nesting of `(`, `[` and `{` in a header, outside string
/// literals (unclosed brackets count).
fn bracket_depth(header: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0_usize, 0);
    let mut quote = None;
    let mut escaped = false;
    for &b in header {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    deepest
}

/// The `.npy` magic string.
const MAGIC: &[u8] = b"\x93NUMPY";

/// The dtype descriptors read, as ndarray-npy names them, with their item
/// sizes. Only a file whose descriptor is one of these reaches ndarray-npy,
/// which allocates the array before it compares descriptors (`float16` and
/// raw 2-byte values are decoded here, never by ndarray-npy).
const DESCRIPTORS: [(&str, u64); 15] = [
    ("<f2", 2),
    (">f2", 2),
    ("<V2", 2),
    ("|V2", 2),
    ("<f4", 4),
    (">f4", 4),
    ("<f8", 8),
    (">f8", 8),
    ("|u1", 1),
    ("u1", 1),
    ("B", 1),
    ("<i4", 4),
    (">i4", 4),
    ("<i8", 8),
    (">i8", 8),
];

/// What raw 2-byte values (dtype `'<V2'` or `'|V2'`) hold, when the
/// caller knows: NumPy has no such float type, so their meaning cannot be
/// read from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Raw16 {
    /// bfloat16 (`torch.bfloat16`, `ml_dtypes.bfloat16`), little-endian as
    /// `np.save` writes `ml_dtypes`' arrays on every common machine: 1 sign,
    /// 8 exponent and 7 fraction bits, the top half of a `float32`, so each
    /// value converts to `f32` exactly.
    Bfloat16,
}

/// How [`Recording::from_npy_with`] and
/// [`from_npz_with`](Recording::from_npz_with) read activations; the
/// default reads what [`Recording::from_npy`] reads.
///
/// # Examples
///
/// ```
/// use infoablate::record::{NpyOptions, Raw16};
///
/// let options = NpyOptions::default().with_raw_v2(Raw16::Bfloat16);
/// assert_eq!(options.raw_v2_as, Some(Raw16::Bfloat16));
/// assert_eq!(NpyOptions::default().raw_v2_as, None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NpyOptions {
    /// What raw 2-byte values (`'<V2'`, what `np.save` writes for an
    /// `ml_dtypes.bfloat16` array) hold; `None` (the default) refuses them
    /// with [`NpyError::RawV2`].
    pub raw_v2_as: Option<Raw16>,
}

impl NpyOptions {
    /// These options, reading raw 2-byte values as `raw`.
    pub fn with_raw_v2(mut self, raw: Raw16) -> Self {
        self.raw_v2_as = Some(raw);
        self
    }
}

/// A file (or an archive member) read whole, its header checked.
pub(super) struct NpyFile {
    /// The file's name for messages (`archive.npz:h0.npy` for a member).
    name: String,
    bytes: Vec<u8>,
    header: Header,
    /// Where the data start, after the header.
    data_start: usize,
    /// The descriptor when it is a plain string such as `<f4`.
    descriptor: Option<String>,
    /// The descriptor as the header writes it, for messages.
    shown: String,
}

impl NpyFile {
    /// The bytes of a `.npy` file called `name`, its header checked.
    pub(super) fn parse(bytes: Vec<u8>, name: String) -> Result<Self, NpyError> {
        let (header, data_start) = check_header(&bytes, &name)?;
        let shown = header.type_descriptor.to_string();
        let descriptor = shown
            .strip_prefix('\'')
            .and_then(|d| d.strip_suffix('\''))
            .map(str::to_string);
        Ok(NpyFile {
            name,
            bytes,
            header,
            data_start,
            descriptor,
            shown,
        })
    }
}

/// Reads the whole file, refusing one above [`MAX_NPY_FILE_BYTES`] and
/// reporting an allocation failure as an error (not an abort), then checks
/// the sizes its header declares.
fn read_file(path: &Path) -> Result<NpyFile> {
    let shown = name(path);
    let (mut file, len) = open_capped(path, ".npy")?;
    let mut bytes = Vec::new();
    // `len ≤ MAX_NPY_FILE_BYTES` fits in `usize` on 64-bit targets; elsewhere
    // the reservation fails cleanly.
    bytes
        .try_reserve_exact(usize::try_from(len).unwrap_or(usize::MAX))
        .map_err(|_| format_error(&shown, format!("cannot allocate {len} bytes to read it")))?;
    file.read_to_end(&mut bytes).map_err(|e| Error::io("read", path, e))?;
    Ok(NpyFile::parse(bytes, shown)?)
}

/// The file at `path` and its length, refused above [`MAX_NPY_FILE_BYTES`]
/// (`kind`, `.npy` or `.npz`, names the limit in the message).
pub(super) fn open_capped(path: &Path, kind: &str) -> Result<(std::fs::File, u64)> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let len = file.metadata().map_err(|e| Error::io("read", path, e))?.len();
    if len > MAX_NPY_FILE_BYTES {
        return Err(format_error(
            &name(path),
            format!("{len} bytes, above the {MAX_NPY_FILE_BYTES}-byte limit of `{kind}` files"),
        )
        .into());
    }
    Ok((file, len))
}

pub(super) fn format_error(path: &str, reason: String) -> NpyError {
    NpyError::Format {
        path: path.to_string(),
        reason,
    }
}

/// Checks what the header declares against the bytes present, before any
/// array is allocated, and returns it: the magic string, a header length
/// within [`MAX_NPY_HEADER_BYTES`] and the file, a bracket nesting within
/// [`MAX_NPY_HEADER_DEPTH`], and — for a dtype that is read — a data size
/// (shape product × item size) equal to the bytes after the header. Returns
/// the header and where the data start.
fn check_header(bytes: &[u8], path: &str) -> Result<(Header, usize), NpyError> {
    let invalid = |reason: String| format_error(path, format!("not a valid .npy file ({reason})"));
    if !bytes.starts_with(MAGIC) {
        return Err(invalid("no \\x93NUMPY magic string".into()));
    }
    let (header_len, prefix) = match bytes.get(MAGIC.len()) {
        Some(1) => (
            bytes.get(8..10).map(|b| usize::from(u16::from_le_bytes([b[0], b[1]]))),
            10,
        ),
        Some(2 | 3) => (
            bytes
                .get(8..12)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
            12,
        ),
        Some(v) => return Err(invalid(format!("unknown format version {v}"))),
        None => return Err(invalid("truncated before the version".into())),
    };
    let header_len = header_len.ok_or_else(|| invalid("truncated before the header length".into()))?;
    if header_len > MAX_NPY_HEADER_BYTES {
        return Err(invalid(format!(
            "the header length field says {header_len} bytes, above the limit {MAX_NPY_HEADER_BYTES}"
        )));
    }
    let data_start = prefix + header_len;
    if data_start > bytes.len() {
        return Err(invalid(format!(
            "the header length field says {header_len} bytes but the file has {} bytes",
            bytes.len()
        )));
    }
    let depth = bracket_depth(&bytes[prefix..data_start]);
    if depth > MAX_NPY_HEADER_DEPTH {
        return Err(invalid(format!(
            "the header nests brackets {depth} deep, more than the {MAX_NPY_HEADER_DEPTH} of any NumPy header"
        )));
    }
    let header = Header::from_reader(&mut &bytes[..data_start]).map_err(|e| invalid(e.to_string()))?;
    let shown = header.type_descriptor.to_string();
    let item_size = DESCRIPTORS
        .iter()
        .find(|(d, _)| shown.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) == Some(d))
        .map(|&(_, size)| size);
    // Other descriptors are refused by dtype, without reading the data.
    let Some(item_size) = item_size else {
        return Ok((header, data_start));
    };
    let present = (bytes.len() - data_start) as u64;
    let declared = header
        .shape
        .iter()
        .try_fold(item_size, |acc, &d| acc.checked_mul(d as u64));
    if declared != Some(present) {
        let declared = declared.map_or_else(|| "more than 2^64".to_string(), |d| d.to_string());
        return Err(format_error(
            path,
            format!(
                "the header declares shape {:?} of {shown}: {declared} bytes of data, but the file holds {present}",
                header.shape
            ),
        ));
    }
    Ok((header, data_start))
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

/// Reads the file as `T`, whose descriptor its header names (checked by
/// [`check_header`], so the array ndarray-npy allocates is the data present).
fn read_as<T: ReadableElement>(file: &NpyFile) -> Result<ArrayD<T>, NpyError> {
    ArrayD::<T>::read_npy(&file.bytes[..]).map_err(|e| NpyError::Format {
        path: file.name.clone(),
        reason: format!("not a valid .npy file ({e})"),
    })
}

/// Reads a file of 2-byte floats (`<f2`, `>f2` or raw `V2`, its size
/// checked by [`check_header`]) as `f32`, `decode` turning each value's
/// bits into a float; big-endian only for `>f2`.
fn read_16(file: &NpyFile, decode: fn(u16) -> f32) -> Result<ArrayD<f32>, NpyError> {
    let big_endian = file.descriptor.as_deref() == Some(">f2");
    let values: Vec<f32> = file.bytes[file.data_start..]
        .chunks_exact(2)
        .map(|b| {
            let bits = if big_endian {
                u16::from_be_bytes([b[0], b[1]])
            } else {
                u16::from_le_bytes([b[0], b[1]])
            };
            decode(bits)
        })
        .collect();
    let shape = IxDyn(&file.header.shape).set_f(file.header.layout.is_fortran());
    ArrayD::from_shape_vec(shape, values).map_err(|e| NpyError::Format {
        path: file.name.clone(),
        reason: format!("not a valid .npy file ({e})"),
    })
}

fn check_rank<T>(array: &ArrayD<T>, expected: usize, what: &'static str, path: &str) -> Result<(), NpyError> {
    if array.ndim() == expected {
        Ok(())
    } else {
        Err(NpyError::Rank {
            path: path.to_string(),
            what,
            expected,
            found: array.ndim(),
        })
    }
}

/// A 2-D `samples × columns` array of `float16`, `float32` or `float64`
/// (rounded to `f32`) from the `.npy` file at `path`.
pub(crate) fn read_matrix(path: &Path) -> Result<Array2<f32>> {
    matrix(&read_file(path)?, &NpyOptions::default())
}

/// A 2-D `samples × columns` array of `float16`, `float32` or `float64`
/// (rounded to `f32`), or of raw 2-byte values as `options` say.
pub(super) fn matrix(file: &NpyFile, options: &NpyOptions) -> Result<Array2<f32>> {
    let path = file.name.as_str();
    let array = match file.descriptor.as_deref() {
        Some("<V2" | "|V2") => {
            let decode = match options.raw_v2_as {
                Some(Raw16::Bfloat16) => |bits| half::bf16::from_bits(bits).to_f32(),
                None => {
                    return Err(NpyError::RawV2 {
                        path: path.to_string(),
                        found: file.shown.clone(),
                    }
                    .into());
                }
            };
            let a = read_16(file, decode)?;
            check_rank(&a, 2, "samples × neurons", path)?;
            a
        }
        Some("<f2" | ">f2") => {
            let a = read_16(file, |bits| half::f16::from_bits(bits).to_f32())?;
            check_rank(&a, 2, "samples × neurons", path)?;
            a
        }
        Some("<f4" | ">f4") => {
            let a = read_as::<f32>(file)?;
            check_rank(&a, 2, "samples × neurons", path)?;
            a
        }
        Some("<f8" | ">f8") => {
            let a = read_as::<f64>(file)?;
            check_rank(&a, 2, "samples × neurons", path)?;
            if let Some((index, &v)) = a
                .indexed_iter()
                .find(|(_, v)| v.is_finite() && !(**v as f32).is_finite())
            {
                return Err(NpyError::Format {
                    path: path.to_string(),
                    reason: format!(
                        "value {v} at sample {}, neuron {} exceeds the float32 range",
                        index[0], index[1]
                    ),
                }
                .into());
            }
            a.mapv(|v| v as f32)
        }
        _ => {
            return Err(NpyError::Dtype {
                path: path.to_string(),
                found: file.shown.clone(),
                expected: "float16, float32 or float64",
            }
            .into());
        }
    };
    Ok(array.into_dimensionality::<Ix2>().expect("rank checked"))
}

/// A 1-D array of `uint8`, `int32` or `int64` labels from the `.npy` file
/// at `path`, each in `0 ..= 65535`.
pub(crate) fn read_labels(path: &Path) -> Result<Vec<usize>> {
    let file = read_file(path)?;
    let path = file.name.as_str();
    let labels: ArrayD<i64> = match file.descriptor.as_deref() {
        Some("|u1" | "u1" | "B") => read_as::<u8>(&file)?.mapv(i64::from),
        Some("<i4" | ">i4") => read_as::<i32>(&file)?.mapv(i64::from),
        Some("<i8" | ">i8") => read_as::<i64>(&file)?,
        _ => {
            return Err(NpyError::Dtype {
                path: path.to_string(),
                found: file.shown.clone(),
                expected: "uint8, int32 or int64",
            }
            .into());
        }
    };
    check_rank(&labels, 1, "one label per sample", path)?;
    let labels = labels.into_dimensionality::<Ix1>().expect("rank checked");
    labels
        .iter()
        .enumerate()
        .map(|(sample, &label)| {
            let reason = if label < 0 {
                "negative"
            } else if label > MAX_LABEL {
                "above the supported maximum 65535 (MAX_CLASSES − 1)"
            } else {
                return Ok(label as usize);
            };
            Err(NpyError::Label {
                path: path.to_string(),
                sample,
                label,
                reason,
            }
            .into())
        })
        .collect()
}

impl Recording {
    /// One hidden layer (numbered 0) recorded anywhere: `acts` a 2-D
    /// `float16`, `float32` or `float64` `.npy` (`samples × neurons`, C or
    /// Fortran order; `float64` is rounded to `float32`), `labels` a 1-D `uint8`,
    /// `int32` or `int64` `.npy`. The class count is the largest label plus 1.
    ///
    /// # Errors
    /// [`Error::Io`] for a file that cannot be read; [`NpyError`] (inside
    /// [`RecordError::Npy`](super::RecordError::Npy)) for a wrong dtype or
    /// rank, an invalid file, a header whose shape does not match the bytes
    /// present or whose length passes [`MAX_NPY_HEADER_BYTES`], a file above
    /// [`MAX_NPY_FILE_BYTES`], a negative label or one above 65535, or
    /// mismatched lengths (all checked before the array is allocated);
    /// [`RecordError::NonFinite`](super::RecordError::NonFinite) naming
    /// neuron and sample of a NaN or infinity; [`DataError::Empty`](crate::data::DataError::Empty)
    /// for no sample.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::record::Recording;
    /// use ndarray::array;
    ///
    /// let dir = std::env::temp_dir().join(format!("infoablate-doc-npy-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// ndarray_npy::write_npy(dir.join("acts.npy"), &array![[0.5_f64, 1.0], [0.0, 2.0]]).unwrap();
    /// ndarray_npy::write_npy(dir.join("labels.npy"), &array![1_u8, 0]).unwrap();
    /// let rec = Recording::from_npy(dir.join("acts.npy"), dir.join("labels.npy"))?;
    /// assert_eq!((rec.num_samples(), rec.num_classes(), rec.labels()), (2, 2, &[1, 0][..]));
    /// assert_eq!(rec.layer(0)?, array![[0.5_f32, 1.0], [0.0, 2.0]].view());
    /// // the labels as activations: wrong rank
    /// assert!(Recording::from_npy(dir.join("labels.npy"), dir.join("labels.npy")).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn from_npy(acts: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Recording> {
        Self::from_npy_with(acts, labels, &NpyOptions::default())
    }

    /// As [`from_npy`](Self::from_npy), reading the activations as
    /// `options` say: with [`NpyOptions::raw_v2_as`] set, a `'<V2'` file
    /// (an `ml_dtypes.bfloat16` array saved by `np.save`) is read as
    /// bfloat16, converted to `f32` exactly.
    ///
    /// # Errors
    /// As [`from_npy`](Self::from_npy); [`NpyError::RawV2`] for raw 2-byte
    /// values when `options` do not say what they hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::record::{NpyOptions, Raw16, Recording};
    /// use ndarray::array;
    ///
    /// let dir = std::env::temp_dir().join(format!("infoablate-doc-bf16-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// // What `np.save` writes for `np.array([[1.0, -2.5]], dtype=ml_dtypes.bfloat16)`.
    /// let mut acts = b"\x93NUMPY\x01\x00".to_vec();
    /// let header = "{'descr': '<V2', 'fortran_order': False, 'shape': (1, 2), }";
    /// let header = format!("{header:<117}\n");
    /// acts.extend((header.len() as u16).to_le_bytes());
    /// acts.extend(header.as_bytes());
    /// acts.extend([0x80, 0x3f, 0x20, 0xc0]); // 0x3f80 = 1.0, 0xc020 = -2.5
    /// std::fs::write(dir.join("acts.npy"), acts).unwrap();
    /// ndarray_npy::write_npy(dir.join("labels.npy"), &array![0_u8]).unwrap();
    /// let bf16 = NpyOptions::default().with_raw_v2(Raw16::Bfloat16);
    /// let rec = Recording::from_npy_with(dir.join("acts.npy"), dir.join("labels.npy"), &bf16)?;
    /// assert_eq!(rec.layer(0)?, array![[1.0_f32, -2.5]].view());
    /// // without the option, the error says how to read it
    /// let e = Recording::from_npy(dir.join("acts.npy"), dir.join("labels.npy")).unwrap_err();
    /// assert!(e.to_string().contains("--bf16"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn from_npy_with(acts: impl AsRef<Path>, labels: impl AsRef<Path>, options: &NpyOptions) -> Result<Recording> {
        let (acts_path, labels_path) = (acts.as_ref(), labels.as_ref());
        let activations = matrix(&read_file(acts_path)?, options)?;
        let labels = read_labels(labels_path)?;
        if activations.nrows() != labels.len() {
            return Err(NpyError::LengthMismatch {
                acts: name(acts_path),
                samples: activations.nrows(),
                labels: name(labels_path),
                num_labels: labels.len(),
            }
            .into());
        }
        let num_classes = labels.iter().max().map_or(0, |&m| m + 1);
        Recording::new(vec![0], vec![activations], labels, num_classes)
    }
}
