//! Weights I/O in safetensors with PyTorch `nn.Sequential` naming.
//!
//! A PyTorch MLP written as
//!
//! ```python
//! model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))
//! safetensors.torch.save_file(model.state_dict(), "mlp.safetensors")
//! ```
//!
//! stores its affine layers as `0.weight` (`[100, 784]`), `0.bias` (`[100]`),
//! `2.weight`, `2.bias`: the activation modules in between own no tensors, so
//! the indices have gaps. A Sequential held as an attribute gets a dotted
//! prefix (`layers.0.weight`, `model.net.0.weight`). [`Mlp::load_safetensors`]
//! detects the prefix, orders the Linear modules by their index numerically
//! (`layers.10` after `layers.3`) and checks that they chain.
//! [`Mlp::save_safetensors`] writes the same layout back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use half::{bf16, f16};
use ndarray::{Array1, Array2};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::{Activation, Mlp};
use crate::{Error, Result};

/// Errors from loading or saving weights.
///
/// Every variant about a tensor names it; errors from a file come wrapped in
/// [`WeightsError::File`], which names the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// A file's contents failed with `source`.
    #[error("`{path}`: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with its contents.
        #[source]
        source: Box<WeightsError>,
    },
    /// The bytes are not a valid safetensors file (bad header length,
    /// header that is not JSON, offsets that do not cover the data, …).
    #[error("not a valid safetensors file: {reason}")]
    Format {
        /// What is wrong.
        reason: String,
    },
    /// No tensor is named like a Linear parameter, `<prefix>.<k>.weight` or
    /// `<prefix>.<k>.bias`.
    #[error(
        "no Linear tensors (`<prefix>.<k>.weight` / `<prefix>.<k>.bias`) found; the file holds {}",
        name_list(tensors, "no tensors")
    )]
    NoLinearLayers {
        /// Every tensor name in the file, sorted.
        tensors: Vec<String>,
    },
    /// Linear tensors under different prefixes (several models or nested
    /// Sequentials in one file).
    #[error(
        "tensors `{first}` and `{second}` have different prefixes {} and {}; all Linear tensors must share one",
        show_prefix(first_prefix),
        show_prefix(second_prefix)
    )]
    MixedPrefixes {
        /// A tensor under the first prefix.
        first: String,
        /// Its prefix (empty for a bare `nn.Sequential`).
        first_prefix: String,
        /// A tensor under another prefix.
        second: String,
        /// That prefix.
        second_prefix: String,
    },
    /// A Linear module's weight without its bias, or its bias without its
    /// weight.
    #[error("tensor `{missing}` is missing: `{present}` has no partner (Linear layers need a weight and a bias)")]
    MissingTensor {
        /// The absent tensor.
        missing: String,
        /// The tensor whose partner is absent.
        present: String,
    },
    /// Tensors that are not Linear parameters `<prefix>.<k>.weight|bias`.
    #[error(
        "unexpected tensor(s) {}: only an nn.Sequential of nn.Linear layers and parameter-free activations \
         is supported (BatchNorm, LayerNorm, embeddings, … are not)",
        name_list(tensors, "")
    )]
    UnexpectedTensors {
        /// Their names, sorted.
        tensors: Vec<String>,
    },
    /// A tensor's dtype is neither F32, F64, F16 nor BF16.
    #[error("tensor `{tensor}` has dtype {dtype}; only F32, F64, F16 and BF16 are supported")]
    UnsupportedDtype {
        /// The tensor.
        tensor: String,
        /// Its dtype, as safetensors names it (`I32`, `BOOL`, `F8_E4M3`, …).
        dtype: String,
    },
    /// A tensor has the wrong rank or a zero dimension.
    #[error("tensor `{tensor}` has shape {shape:?}, expected {expected}")]
    Shape {
        /// The tensor.
        tensor: String,
        /// Its shape.
        shape: Vec<usize>,
        /// The shape it should have.
        expected: &'static str,
    },
    /// A bias whose length differs from its weight's row count.
    #[error("bias `{bias}` has length {len} but weight `{weight}` has {rows} rows (shape [out, in])")]
    BiasLength {
        /// The weight.
        weight: String,
        /// Its row count (output width).
        rows: usize,
        /// The bias.
        bias: String,
        /// Its length.
        len: usize,
    },
    /// Consecutive Linear layers whose shapes do not chain.
    #[error("weight `{next}` reads {inputs} inputs but the previous layer `{previous}` has {outputs} outputs")]
    Chain {
        /// The earlier layer's weight.
        previous: String,
        /// Its output width (rows).
        outputs: usize,
        /// The later layer's weight.
        next: String,
        /// Its input width (columns).
        inputs: usize,
    },
    /// A NaN or infinite value, or one that overflows f32.
    #[error("tensor `{tensor}` has value {value} at flat index {index}, which is not a finite f32")]
    NonFinite {
        /// The tensor.
        tensor: String,
        /// Row-major index of the value.
        index: usize,
        /// The value as stored.
        value: f64,
    },
    /// Fewer than two Linear layers: no hidden layer.
    #[error("found {} Linear layer(s) ({}); an MLP with a hidden layer needs at least 2", weights.len(), name_list(weights, ""))]
    TooFewLayers {
        /// The weights found.
        weights: Vec<String>,
    },
    /// The safetensors serializer refused the tensors.
    #[error("cannot serialize weights: {reason}")]
    Serialize {
        /// Why.
        reason: String,
    },
}

impl WeightsError {
    /// The error without its [`File`](WeightsError::File) wrapper.
    pub fn root(&self) -> &WeightsError {
        match self {
            WeightsError::File { source, .. } => source.root(),
            other => other,
        }
    }

    fn format(reason: impl Into<String>) -> Self {
        WeightsError::Format { reason: reason.into() }
    }
}

/// `` `a`, `b`, `c` `` or `empty` when there are none.
fn name_list(names: &[String], empty: &str) -> String {
    if names.is_empty() {
        return empty.to_string();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `` `layers` ``, or `(none)` for the empty prefix.
fn show_prefix(prefix: &str) -> String {
    if prefix.is_empty() {
        "(none)".to_string()
    } else {
        format!("`{prefix}`")
    }
}

/// Which parameter of a Linear module a tensor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Weight,
    Bias,
}

/// A tensor name split as `<prefix><k>.<param>`, where `prefix` is empty or
/// ends with a dot.
#[derive(Debug, PartialEq, Eq)]
struct LinearName<'a> {
    prefix: &'a str,
    index: usize,
    param: Param,
}

/// Splits `name` as `<prefix>.<k>.weight|bias` (or `<k>.weight|bias`).
/// `k` must be a plain decimal without leading zeros.
fn parse_name(name: &str) -> Option<LinearName<'_>> {
    let (head, param) = name.rsplit_once('.')?;
    let param = match param {
        "weight" => Param::Weight,
        "bias" => Param::Bias,
        _ => return None,
    };
    let (prefix, digits) = match head.rfind('.') {
        Some(dot) => (&head[..=dot], &head[dot + 1..]),
        None => ("", head),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let index = digits.parse().ok()?;
    Some(LinearName { prefix, index, param })
}

/// The prefix as written in messages: without its trailing dot.
fn display_prefix(prefix: &str) -> String {
    prefix.strip_suffix('.').unwrap_or(prefix).to_string()
}

/// Numbers in a safetensors header above this are refused before the
/// `safetensors` crate sees them: they exceed any real file, and sums of them
/// could overflow inside its validation.
const MAX_HEADER_NUMBER: u128 = (usize::MAX / 4) as u128;

/// Refuses a header (the JSON after the 8-byte length, when the buffer holds
/// it) with a number too large for any file. Digits inside JSON strings are
/// skipped.
fn check_header_numbers(bytes: &[u8]) -> Result<(), WeightsError> {
    let Some(len) = bytes.get(..8) else {
        return Ok(());
    };
    let mut len_bytes = [0u8; 8];
    len_bytes.copy_from_slice(len);
    let Ok(n) = usize::try_from(u64::from_le_bytes(len_bytes)) else {
        return Ok(());
    };
    let Some(header) = n.checked_add(8).and_then(|end| bytes.get(8..end)) else {
        return Ok(());
    };
    let (mut in_string, mut escaped) = (false, false);
    let mut number: Option<u128> = None;
    for &b in header.iter().chain(std::iter::once(&b' ')) {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if b.is_ascii_digit() {
            let digit = u128::from(b - b'0');
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(digit));
            continue;
        }
        if number.take().is_some_and(|v| v > MAX_HEADER_NUMBER) {
            return Err(WeightsError::format(format!(
                "the header declares a shape or offset above {MAX_HEADER_NUMBER}"
            )));
        }
        in_string = b == b'"';
    }
    Ok(())
}

/// Decodes little-endian `N`-byte values with `f`, which returns the value
/// as f32 and as stored (widened to f64), refusing values that are not
/// finite f32. `data` may have any alignment.
fn decode<const N: usize>(
    name: &str,
    data: &[u8],
    f: impl Fn([u8; N]) -> (f32, f64),
) -> Result<Vec<f32>, WeightsError> {
    let mut values = Vec::with_capacity(data.len() / N);
    for (index, chunk) in data.chunks_exact(N).enumerate() {
        let mut raw = [0u8; N];
        raw.copy_from_slice(chunk);
        let (value, stored) = f(raw);
        if !value.is_finite() {
            return Err(WeightsError::NonFinite {
                tensor: name.to_string(),
                index,
                value: stored,
            });
        }
        values.push(value);
    }
    Ok(values)
}

/// Converts a tensor to f32 values (row-major), refusing dtypes other than
/// F32, F64, F16 and BF16, and non-finite values.
fn to_f32(name: &str, view: &TensorView<'_>) -> Result<Vec<f32>, WeightsError> {
    let width = match view.dtype() {
        Dtype::F32 => 4,
        Dtype::F64 => 8,
        Dtype::F16 | Dtype::BF16 => 2,
        other => {
            return Err(WeightsError::UnsupportedDtype {
                tensor: name.to_string(),
                dtype: other.to_string(),
            });
        }
    };
    let data = view.data();
    let count = view.shape().iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if count.and_then(|c| c.checked_mul(width)) != Some(data.len()) {
        return Err(WeightsError::format(format!(
            "tensor `{name}` of shape {:?} has {} bytes of data",
            view.shape(),
            data.len()
        )));
    }
    match view.dtype() {
        Dtype::F32 => decode::<4>(name, data, |raw| {
            let v = f32::from_le_bytes(raw);
            (v, f64::from(v))
        }),
        Dtype::F64 => decode::<8>(name, data, |raw| {
            let v = f64::from_le_bytes(raw);
            (v as f32, v)
        }),
        Dtype::F16 => decode::<2>(name, data, |raw| {
            let v = f16::from_le_bytes(raw).to_f32();
            (v, f64::from(v))
        }),
        _ => decode::<2>(name, data, |raw| {
            let v = bf16::from_le_bytes(raw).to_f32();
            (v, f64::from(v))
        }),
    }
}

/// One Linear module's tensors, by full name.
struct LinearPair<'a> {
    weight: (&'a str, TensorView<'a>),
    bias: (&'a str, TensorView<'a>),
}

/// Finds the Linear modules of `tensors`, checks names, prefix and pairing,
/// and returns them ordered by Sequential index.
fn linear_pairs<'a>(tensors: &[(&'a str, TensorView<'a>)]) -> Result<Vec<LinearPair<'a>>, WeightsError> {
    let mut parsed = Vec::new();
    let mut extra = Vec::new();
    for (name, view) in tensors {
        match parse_name(name) {
            Some(linear) => parsed.push((linear, *name, view)),
            None => extra.push(name.to_string()),
        }
    }
    if parsed.is_empty() {
        let mut names: Vec<String> = tensors.iter().map(|(n, _)| n.to_string()).collect();
        names.sort();
        return Err(WeightsError::NoLinearLayers { tensors: names });
    }
    if !extra.is_empty() {
        extra.sort();
        return Err(WeightsError::UnexpectedTensors { tensors: extra });
    }
    // One prefix: report the (alphabetically) first tensor of two different prefixes.
    let mut by_prefix: BTreeMap<&str, &str> = BTreeMap::new();
    for (linear, name, _) in &parsed {
        let entry = by_prefix.entry(linear.prefix).or_insert(*name);
        if *name < *entry {
            *entry = *name;
        }
    }
    if by_prefix.len() > 1 {
        let mut it = by_prefix.into_iter();
        let (Some((p1, n1)), Some((p2, n2))) = (it.next(), it.next()) else {
            unreachable!("two prefixes were counted");
        };
        return Err(WeightsError::MixedPrefixes {
            first: n1.to_string(),
            first_prefix: display_prefix(p1),
            second: n2.to_string(),
            second_prefix: display_prefix(p2),
        });
    }
    type Slot<'a> = Option<(&'a str, TensorView<'a>)>;
    let mut modules: BTreeMap<usize, (Slot<'a>, Slot<'a>)> = BTreeMap::new();
    for (linear, name, view) in parsed {
        let slot = modules.entry(linear.index).or_default();
        let target = match linear.param {
            Param::Weight => &mut slot.0,
            Param::Bias => &mut slot.1,
        };
        *target = Some((name, view.clone()));
    }
    let mut pairs = Vec::with_capacity(modules.len());
    for (weight, bias) in modules.into_values() {
        match (weight, bias) {
            (Some(weight), Some(bias)) => pairs.push(LinearPair { weight, bias }),
            (Some((present, _)), None) => {
                return Err(WeightsError::MissingTensor {
                    missing: format!("{}bias", present.strip_suffix("weight").unwrap_or(present)),
                    present: present.to_string(),
                });
            }
            (None, Some((present, _))) => {
                return Err(WeightsError::MissingTensor {
                    missing: format!("{}weight", present.strip_suffix("bias").unwrap_or(present)),
                    present: present.to_string(),
                });
            }
            (None, None) => unreachable!("a module entry is made with one of its tensors"),
        }
    }
    if pairs.len() < 2 {
        return Err(WeightsError::TooFewLayers {
            weights: pairs.iter().map(|p| p.weight.0.to_string()).collect(),
        });
    }
    Ok(pairs)
}

/// Affine layers `(W [out, in], b [out])`, first layer first.
type Layers = Vec<(Array2<f32>, Array1<f32>)>;

/// Checks shapes and chaining of `pairs` and converts them to f32 layers.
fn build_layers(pairs: &[LinearPair<'_>]) -> Result<Layers, WeightsError> {
    const WEIGHT_SHAPE: &str = "[out, in] with out, in > 0 (an nn.Linear weight; a 1-D weight is a normalisation \
                                layer, which is not supported)";
    const BIAS_SHAPE: &str = "[out] (an nn.Linear bias)";
    let mut layers: Layers = Vec::with_capacity(pairs.len());
    for (k, pair) in pairs.iter().enumerate() {
        let (w_name, w_view) = &pair.weight;
        let (b_name, b_view) = &pair.bias;
        for (name, view) in [(w_name, w_view), (b_name, b_view)] {
            if !matches!(view.dtype(), Dtype::F32 | Dtype::F64 | Dtype::F16 | Dtype::BF16) {
                return Err(WeightsError::UnsupportedDtype {
                    tensor: name.to_string(),
                    dtype: view.dtype().to_string(),
                });
            }
        }
        let &[rows, cols] = w_view.shape() else {
            return Err(WeightsError::Shape {
                tensor: w_name.to_string(),
                shape: w_view.shape().to_vec(),
                expected: WEIGHT_SHAPE,
            });
        };
        if rows == 0 || cols == 0 {
            return Err(WeightsError::Shape {
                tensor: w_name.to_string(),
                shape: w_view.shape().to_vec(),
                expected: WEIGHT_SHAPE,
            });
        }
        let &[len] = b_view.shape() else {
            return Err(WeightsError::Shape {
                tensor: b_name.to_string(),
                shape: b_view.shape().to_vec(),
                expected: BIAS_SHAPE,
            });
        };
        if len != rows {
            return Err(WeightsError::BiasLength {
                weight: w_name.to_string(),
                rows,
                bias: b_name.to_string(),
                len,
            });
        }
        if k > 0 {
            let previous = pairs[k - 1].weight.0;
            let outputs = layers[k - 1].0.nrows();
            if cols != outputs {
                return Err(WeightsError::Chain {
                    previous: previous.to_string(),
                    outputs,
                    next: w_name.to_string(),
                    inputs: cols,
                });
            }
        }
        let w = Array2::from_shape_vec((rows, cols), to_f32(w_name, w_view)?)
            .map_err(|e| WeightsError::format(format!("tensor `{w_name}`: {e}")))?;
        let b = Array1::from_vec(to_f32(b_name, b_view)?);
        layers.push((w, b));
    }
    Ok(layers)
}

/// Parses safetensors `bytes` into Linear layers, first layer first.
fn layers_from_bytes(bytes: &[u8]) -> Result<Layers, WeightsError> {
    check_header_numbers(bytes)?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::format(e.to_string()))?;
    let tensors: Vec<(&str, TensorView<'_>)> = file.iter().collect();
    let pairs = linear_pairs(&tensors)?;
    build_layers(&pairs)
}

/// Little-endian bytes of `values`.
fn le_bytes<'a>(values: impl Iterator<Item = &'a f32>) -> Vec<u8> {
    values.flat_map(|v| v.to_le_bytes()).collect()
}

/// The tensor name of parameter `param` of affine layer `k` under `prefix`.
fn tensor_name(prefix: &str, k: usize, param: &str) -> String {
    let index = 2 * k;
    if prefix.is_empty() {
        format!("{index}.{param}")
    } else {
        format!("{prefix}.{index}.{param}")
    }
}

impl Mlp {
    /// Loads an MLP from a safetensors file of an `nn.Sequential` of
    /// `nn.Linear` layers and parameter-free activations, as
    /// `safetensors.torch.save_file(model.state_dict(), path)` writes it;
    /// `activation` is the hidden activation, which the file does not record.
    ///
    /// Tensors must be named `<prefix>.<k>.weight` (`[out, in]`) and
    /// `<prefix>.<k>.bias` (`[out]`) with one shared prefix, possibly empty
    /// (`0.weight` for a bare `nn.Sequential`) or dotted
    /// (`model.net.0.weight`). The activation modules between the Linear
    /// ones own no tensors, so `k` has gaps (`0`, `2`, `4`, …); layers are
    /// ordered by `k` numerically (`10` after `3`). F32 is read as is; F64,
    /// F16 and BF16 are converted to f32.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; otherwise
    /// [`WeightsError::File`] naming the file and wrapping the cause as
    /// [`from_safetensors_bytes`](Mlp::from_safetensors_bytes) reports it.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::network::{Activation, Init, Mlp, Network};
    /// use ndarray::array;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let mlp = Mlp::new(&[3, 5, 2], Activation::Tanh, Init::Xavier, &mut rng)?;
    /// let path = std::env::temp_dir().join(format!("infoablate-doc-{}.safetensors", std::process::id()));
    /// mlp.save_safetensors(&path, "layers")?; // layers.0.weight, layers.0.bias, layers.2.weight, …
    /// let loaded = Mlp::load_safetensors(&path, Activation::Tanh)?;
    /// std::fs::remove_file(&path).ok();
    ///
    /// let x = array![[0.5_f32, -1.0, 2.0]];
    /// assert_eq!(loaded.forward(x.view())?, mlp.forward(x.view())?);
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn load_safetensors(path: impl AsRef<Path>, activation: Activation) -> Result<Mlp> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        let layers = layers_from_bytes(&bytes).map_err(|source| WeightsError::File {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
        Mlp::from_layers(layers, activation)
    }

    /// Loads an MLP from the bytes of a safetensors file; see
    /// [`load_safetensors`](Mlp::load_safetensors) for the layout. The bytes
    /// need no particular alignment.
    ///
    /// # Errors
    /// [`Error::Weights`] with [`WeightsError::Format`] for bytes that are not
    /// safetensors, [`WeightsError::NoLinearLayers`],
    /// [`WeightsError::UnexpectedTensors`], [`WeightsError::MixedPrefixes`],
    /// [`WeightsError::MissingTensor`], [`WeightsError::TooFewLayers`],
    /// [`WeightsError::UnsupportedDtype`], [`WeightsError::Shape`],
    /// [`WeightsError::BiasLength`], [`WeightsError::Chain`] or
    /// [`WeightsError::NonFinite`], each naming the tensor(s) at fault.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::network::{Activation, Init, Mlp, Network};
    /// use ndarray::array;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    /// let mlp = Mlp::new(&[4, 8, 8, 3], Activation::Relu, Init::He, &mut rng)?;
    /// let bytes = mlp.to_safetensors_bytes("")?; // a bare nn.Sequential: 0.weight, 0.bias, 2.weight, …
    /// let loaded = Mlp::from_safetensors_bytes(&bytes, Activation::Relu)?;
    /// assert_eq!(loaded, mlp);
    ///
    /// let x = array![[1.0_f32, -2.0, 0.5, 3.0], [0.0, 0.1, -0.2, 0.3]];
    /// assert_eq!(loaded.forward(x.view())?, mlp.forward(x.view())?);
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn from_safetensors_bytes(bytes: &[u8], activation: Activation) -> Result<Mlp> {
        Mlp::from_layers(layers_from_bytes(bytes)?, activation)
    }

    /// The network as safetensors bytes in PyTorch `nn.Sequential` naming:
    /// affine layer `k` becomes f32 tensors `<prefix>.<2k>.weight` (`[out,
    /// in]`) and `<prefix>.<2k>.bias`, as `nn.Sequential(Linear, Act, Linear,
    /// …, Linear)` names them; with an empty `prefix`, `<2k>.weight`. One
    /// trailing dot of `prefix` is ignored (`"layers."` = `"layers"`).
    /// Loading the bytes back gives the same network exactly.
    ///
    /// # Errors
    /// [`WeightsError::Serialize`] if the serializer refuses the tensors.
    pub fn to_safetensors_bytes(&self, prefix: &str) -> Result<Vec<u8>> {
        let buffers = self.tensor_buffers(prefix);
        let views = Self::tensor_views(&buffers)?;
        safetensors::serialize(views, None).map_err(|e| WeightsError::Serialize { reason: e.to_string() }.into())
    }

    /// Writes [`to_safetensors_bytes`](Mlp::to_safetensors_bytes) to `path`
    /// atomically, through [`atomic_file::write`](crate::atomic_file::write):
    /// a failed write leaves the old file intact and no temporary file.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written; [`WeightsError::File`]
    /// wrapping [`WeightsError::Serialize`] if the serializer refuses the
    /// tensors.
    pub fn save_safetensors(&self, path: impl AsRef<Path>, prefix: &str) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_safetensors_bytes(prefix).map_err(|e| match e {
            Error::Weights(source) => WeightsError::File {
                path: path.to_path_buf(),
                source: Box::new(source),
            }
            .into(),
            other => other,
        })?;
        // Created like any other file (permissions from the umask), then renamed
        // over `path`, so a reader never sees a half-written model.
        crate::atomic_file::write(path, bytes)
    }

    /// `(name, shape, little-endian f32 bytes)` of every tensor.
    fn tensor_buffers(&self, prefix: &str) -> Vec<(String, Vec<usize>, Vec<u8>)> {
        let prefix = prefix.strip_suffix('.').unwrap_or(prefix);
        let mut buffers = Vec::with_capacity(2 * self.weights.len());
        for (k, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            // `iter` walks in logical (row-major) order whatever the memory layout.
            buffers.push((tensor_name(prefix, k, "weight"), w.shape().to_vec(), le_bytes(w.iter())));
            buffers.push((tensor_name(prefix, k, "bias"), b.shape().to_vec(), le_bytes(b.iter())));
        }
        buffers
    }

    fn tensor_views(buffers: &[(String, Vec<usize>, Vec<u8>)]) -> Result<Vec<(&str, TensorView<'_>)>, WeightsError> {
        buffers
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|view| (name.as_str(), view))
                    .map_err(|e| WeightsError::Serialize { reason: e.to_string() })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_name_splits_prefix_index_and_param() {
        assert_eq!(
            parse_name("0.weight"),
            Some(LinearName {
                prefix: "",
                index: 0,
                param: Param::Weight
            })
        );
        assert_eq!(
            parse_name("model.net.10.bias"),
            Some(LinearName {
                prefix: "model.net.",
                index: 10,
                param: Param::Bias
            })
        );
        for bad in [
            "weight",
            "layers.weight",
            "layers.01.weight",
            "layers.1.running_mean",
            "layers.x1.bias",
            "layers.1.weight_g",
            ".weight",
            "layers.99999999999999999999999.weight",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn weights_header_scan_skips_strings_and_refuses_huge_numbers() {
        fn file(header: &str) -> Vec<u8> {
            let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
            bytes.extend_from_slice(header.as_bytes());
            bytes
        }
        let digits_in_string = r#"{"__metadata__":{"note":"99999999999999999999999 \"1e99\""},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        assert!(check_header_numbers(&file(digits_in_string)).is_ok());
        let huge = r#"{"a":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,18446744073709551615]}}"#;
        assert!(matches!(
            check_header_numbers(&file(huge)),
            Err(WeightsError::Format { .. })
        ));
        // Too short to hold a header: left to the safetensors parser.
        assert!(check_header_numbers(&[1, 2, 3]).is_ok());
    }

    #[test]
    fn weights_root_unwraps_file() {
        let inner = WeightsError::format("x");
        let wrapped = WeightsError::File {
            path: PathBuf::from("m.safetensors"),
            source: Box::new(inner.clone()),
        };
        assert_eq!(wrapped.root(), &inner);
        assert!(wrapped.to_string().contains("m.safetensors"));
    }
}
