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
//! (`layers.10` after `layers.3`) and checks that they chain. A
//! `BatchNorm1d` right after a Linear (`1.running_mean`, …) is folded into
//! it; a Linear without bias reads as bias 0. Modules named by attribute
//! (`fc1.weight`) are read through [`LayerNames`].
//! [`Mlp::save_safetensors`] writes the Sequential layout back, with the
//! activation (and optionally the input normalisation) in the metadata
//! ([`ModelMetadata`]).

use std::path::{Path, PathBuf};

use half::{bf16, f16};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::{Activation, Mlp, NetworkError};
use crate::{Error, Result};

mod layers;
mod metadata;
mod modules;

pub use layers::Layers;
pub use metadata::{ACTIVATION_KEY, ModelMetadata, NORMALIZE_MEAN_KEY, NORMALIZE_STD_KEY};
pub use modules::{LayerNames, NamedLayer};

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
    /// A module's tensor that another of its tensors needs: a Linear bias
    /// without its weight, a BatchNorm1d running mean without its variance
    /// or the reverse.
    #[error("tensor `{missing}` is missing: `{present}` has no partner")]
    MissingTensor {
        /// The absent tensor.
        missing: String,
        /// The tensor whose partner is absent.
        present: String,
    },
    /// Tensors that are neither Linear parameters (`weight`, `bias`) nor
    /// BatchNorm1d ones (`weight`, `bias`, `running_mean`, `running_var`,
    /// `num_batches_tracked`) of their module.
    #[error(
        "unexpected tensor(s) {}: only nn.Linear layers (with or without bias), BatchNorm1d directly after a \
         Linear, and parameter-free modules (activations, Dropout) are supported (LayerNorm, embeddings, … are not)",
        name_list(tensors, "")
    )]
    UnexpectedTensors {
        /// Their names, sorted.
        tensors: Vec<String>,
    },
    /// The tensors are named by module attribute (`fc1.weight`) rather than
    /// by `nn.Sequential` index: the caller must name the layers.
    #[error(
        "the tensors are named by module ({}{}), not by nn.Sequential index: name the Linear layers in forward \
         order, e.g. `--layers {}` (`LoadOptions::layers` in Rust), with `+BN` after a layer a BatchNorm1d \
         follows (`fc1+bn1`)",
        name_list(linear, ""),
        if batch_norm.is_empty() { String::new() } else { format!("; BatchNorm1d {}", name_list(batch_norm, "")) },
        suggest_layers(linear)
    )]
    NamedModules {
        /// Modules with a 2-D `weight` (Linear candidates), in natural order.
        linear: Vec<String>,
        /// Modules with running statistics (BatchNorm1d), in natural order.
        batch_norm: Vec<String>,
    },
    /// A module named in [`LayerNames`] is not in the file.
    #[error(
        "no module `{module}` in the file (no `{module}.weight`); its Linear modules are {} and its BatchNorm1d \
         modules {}",
        name_list(linear, "none"),
        name_list(batch_norm, "none")
    )]
    UnknownModule {
        /// The missing module.
        module: String,
        /// The file's remaining modules with a 2-D weight.
        linear: Vec<String>,
        /// The file's remaining modules with running statistics.
        batch_norm: Vec<String>,
    },
    /// Tensors that belong to none of the modules of [`LayerNames`].
    #[error(
        "tensor(s) {} belong to no layer of `{layers}`: name every Linear layer in order, and each BatchNorm1d \
         as `linear+bn`",
        name_list(tensors, "")
    )]
    UnusedTensors {
        /// Their names, sorted.
        tensors: Vec<String>,
        /// The layer names given.
        layers: String,
    },
    /// Layer names that cannot describe an MLP.
    #[error("invalid layer names: {reason}")]
    LayerNames {
        /// What is wrong.
        reason: String,
    },
    /// A BatchNorm1d module that does not directly follow a Linear module in
    /// an `nn.Sequential` (it would normalise an activation's output or the
    /// inputs, which does not fold into the preceding Linear).
    #[error(
        "BatchNorm1d `{module}` does not directly follow a Linear module; only Linear → BatchNorm1d is folded \
         (a BatchNorm after an activation, Dropout or at the input is not supported)"
    )]
    BatchNormPlacement {
        /// The BatchNorm module.
        module: String,
    },
    /// A BatchNorm1d running variance below zero.
    #[error("tensor `{tensor}` has value {value} at index {index}; a running variance must be non-negative")]
    NegativeVariance {
        /// The `running_var` tensor.
        tensor: String,
        /// The index.
        index: usize,
        /// The value.
        value: f32,
    },
    /// An `infoablate.*` metadata entry that cannot be read or does not fit
    /// the model.
    #[error("metadata `{key}` = {value:?}: {reason}")]
    Metadata {
        /// The key.
        key: String,
        /// Its value.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The activation asked for contradicts the one the file records.
    #[error(
        "the model was saved with activation `{saved}` (metadata `infoablate.activation`) but `{given}` was \
         asked for: load it with `{saved}`, or force `{given}` (`--force-act`, `LoadOptions::force_activation`, Python `force_activation=True`)"
    )]
    ActivationMismatch {
        /// The activation in the file.
        saved: Activation,
        /// The activation asked for.
        given: Activation,
    },
    /// No activation was given and the file records none.
    #[error(
        "the file records no activation (no `infoablate.activation` metadata, as with PyTorch's own save_file): \
         say which the model uses (`--act`, `LoadOptions::activation`)"
    )]
    NoActivation,
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

/// `fc1,fc2,fc3` from module names.
fn suggest_layers(linear: &[String]) -> String {
    linear.join(",")
}

/// `` `layers` ``, or `(none)` for the empty prefix.
fn show_prefix(prefix: &str) -> String {
    if prefix.is_empty() {
        "(none)".to_string()
    } else {
        format!("`{prefix}`")
    }
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

/// How [`Mlp::load_safetensors_with`] reads a model file.
///
/// # Examples
///
/// ```
/// use infoablate::network::{Activation, LoadOptions};
///
/// let options = LoadOptions::activation(Activation::Gelu).with_layers("fc1+bn1,fc2,fc3".parse()?);
/// assert_eq!(options.batch_norm_eps, 1e-5);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// The hidden activation; `None` takes the one the file records
    /// (metadata `infoablate.activation`).
    pub activation: Option<Activation>,
    /// Use `activation` even when the file records another.
    pub force_activation: bool,
    /// The Linear (and BatchNorm1d) modules by name, for a model that is not
    /// an `nn.Sequential`; `None` reads modules by Sequential index.
    pub layers: Option<LayerNames>,
    /// The `eps` of the BatchNorm1d modules (not in a state dict; PyTorch's
    /// default is `1e-5`).
    pub batch_norm_eps: f32,
}

impl Default for LoadOptions {
    /// The activation from the file, Sequential indices, BatchNorm eps `1e-5`.
    fn default() -> Self {
        LoadOptions {
            activation: None,
            force_activation: false,
            layers: None,
            batch_norm_eps: 1e-5,
        }
    }
}

impl LoadOptions {
    /// The defaults with `activation` asked for (checked against the file's).
    pub fn activation(activation: Activation) -> Self {
        LoadOptions {
            activation: Some(activation),
            ..LoadOptions::default()
        }
    }

    /// These options with the layers named.
    pub fn with_layers(self, layers: LayerNames) -> Self {
        LoadOptions {
            layers: Some(layers),
            ..self
        }
    }

    /// These options with the activation used whatever the file records.
    pub fn forced(self) -> Self {
        LoadOptions {
            force_activation: true,
            ..self
        }
    }

    /// The activation to use given the file's `saved` one.
    fn resolve(&self, saved: Option<Activation>) -> Result<Activation, WeightsError> {
        match (self.activation, saved) {
            (Some(given), Some(saved)) if given != saved && !self.force_activation => {
                Err(WeightsError::ActivationMismatch { saved, given })
            }
            (Some(given), _) => Ok(given),
            (None, Some(saved)) => Ok(saved),
            (None, None) => Err(WeightsError::NoActivation),
        }
    }
}

/// The affine layers `(W [out, in], b [out])` of a safetensors file's bytes,
/// first layer first, as [`Mlp::load_safetensors_with`] reads them: modules
/// by `nn.Sequential` index or by `options.layers`, a missing bias zero,
/// BatchNorm1d folded into the Linear before it (with
/// `options.batch_norm_eps`). The activation options are not used.
///
/// # Errors
/// As [`Mlp::from_safetensors_bytes`], for the tensors.
///
/// # Examples
///
/// ```
/// use infoablate::network::{Activation, Init, LoadOptions, Mlp, safetensors_layers};
/// use rand::SeedableRng;
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
/// let mlp = Mlp::new(&[4, 8, 3], Activation::Relu, Init::He, &mut rng)?;
/// let layers = safetensors_layers(&mlp.to_safetensors_bytes("")?, &LoadOptions::default())?;
/// assert_eq!(layers.len(), 2);
/// assert_eq!(layers[0].0, mlp.weight(0)?);
/// assert_eq!(layers[1].1, mlp.bias(1)?);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn safetensors_layers(bytes: &[u8], options: &LoadOptions) -> Result<Layers> {
    Ok(parse(bytes, options)?.0)
}

/// Checks `options.batch_norm_eps`.
fn check_eps(options: &LoadOptions) -> Result<(), NetworkError> {
    if options.batch_norm_eps.is_finite() && options.batch_norm_eps > 0.0 {
        Ok(())
    } else {
        Err(NetworkError::Parameter {
            name: "batch_norm_eps",
            value: options.batch_norm_eps.to_string(),
            reason: "must be finite and positive",
        })
    }
}

/// The layers and the metadata of safetensors `bytes`.
fn parse(bytes: &[u8], options: &LoadOptions) -> Result<(Layers, ModelMetadata)> {
    check_eps(options)?;
    let parsed = || -> Result<(Layers, ModelMetadata), WeightsError> {
        check_header_numbers(bytes)?;
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| WeightsError::format(e.to_string()))?;
        let file = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::format(e.to_string()))?;
        let metadata = match header.metadata() {
            Some(map) => ModelMetadata::from_map(map, options.force_activation && options.activation.is_some())?,
            None => ModelMetadata::default(),
        };
        let tensors: Vec<(&str, TensorView<'_>)> = file.iter().collect();
        let modules = modules::layer_modules(&tensors, options.layers.as_ref())?;
        let layers = layers::build_layers(&modules, options.batch_norm_eps)?;
        metadata.check_normalization(Some(layers[0].0.ncols()))?;
        Ok((layers, metadata))
    };
    Ok(parsed()?)
}

/// An MLP from safetensors `bytes`, with the activation resolved.
fn mlp_from_bytes(bytes: &[u8], options: &LoadOptions) -> Result<(Mlp, ModelMetadata)> {
    let (layers, metadata) = parse(bytes, options)?;
    let activation = options.resolve(metadata.activation)?;
    Ok((Mlp::from_layers(layers, activation)?, metadata))
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
    /// `nn.Linear` layers (with or without bias), BatchNorm1d modules right
    /// after a Linear, and parameter-free modules (activations, Dropout), as
    /// `safetensors.torch.save_file(model.state_dict(), path)` writes it,
    /// with hidden activation `activation`. A file written by
    /// [`save_safetensors`](Mlp::save_safetensors) records its activation:
    /// asking for another is an error
    /// ([`WeightsError::ActivationMismatch`]); see
    /// [`load_safetensors_with`](Mlp::load_safetensors_with) to force it, to
    /// take the recorded one, or to name the layers.
    ///
    /// Tensors must be named `<prefix>.<k>.<param>` with one shared prefix,
    /// possibly empty (`0.weight` for a bare `nn.Sequential`) or dotted
    /// (`model.net.0.weight`): a Linear module has `weight` (`[out, in]`) and
    /// optionally `bias` (`[out]`; missing for `bias=False`, read as 0); a
    /// BatchNorm1d module at `k + 1` after the Linear at `k` has
    /// `running_mean`, `running_var` and, when affine, `weight` and `bias`,
    /// and is folded exactly into that Linear (eval mode, `eps = 1e-5`). The
    /// activation modules own no tensors, so `k` has gaps (`0`, `2`, `4`,
    /// …); layers are ordered by `k` numerically (`10` after `3`). F32 is
    /// read as is; F64, F16 and BF16 are converted to f32.
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
    /// assert!(Mlp::load_safetensors(&path, Activation::Relu).is_err()); // the file says tanh
    /// std::fs::remove_file(&path).ok();
    ///
    /// let x = array![[0.5_f32, -1.0, 2.0]];
    /// assert_eq!(loaded.forward(x.view())?, mlp.forward(x.view())?);
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn load_safetensors(path: impl AsRef<Path>, activation: Activation) -> Result<Mlp> {
        Ok(Mlp::load_safetensors_with(path, &LoadOptions::activation(activation))?.0)
    }

    /// Loads an MLP as [`load_safetensors`](Mlp::load_safetensors) does,
    /// with `options`: the activation given, forced, or taken from the
    /// file's metadata; Linear (and BatchNorm1d) modules by name
    /// ([`LayerNames`]) for a model that is not an `nn.Sequential`; the
    /// BatchNorm `eps`. Returns the model and the file's metadata (its input
    /// normalisation, if recorded, is for the caller to apply).
    ///
    /// # Errors
    /// As [`load_safetensors`](Mlp::load_safetensors), and
    /// [`NetworkError::Parameter`] for a `batch_norm_eps` that is not finite
    /// and positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::network::{Activation, Init, LoadOptions, Mlp, ModelMetadata};
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let mlp = Mlp::new(&[4, 5, 2], Activation::Gelu, Init::He, &mut rng)?;
    /// let meta = ModelMetadata { normalize_mean: Some(vec![0.5]), normalize_std: Some(vec![0.25]), ..Default::default() };
    /// let path = std::env::temp_dir().join(format!("infoablate-doc-with-{}.safetensors", std::process::id()));
    /// mlp.save_safetensors_with(&path, "", &meta)?;
    ///
    /// // The activation and the normalisation come back from the file.
    /// let (loaded, saved) = Mlp::load_safetensors_with(&path, &LoadOptions::default())?;
    /// assert_eq!(loaded.activation(), Activation::Gelu);
    /// assert_eq!(saved.normalization(), Some((&[0.5_f32][..], &[0.25_f32][..])));
    /// // Another activation only when forced.
    /// assert!(Mlp::load_safetensors_with(&path, &LoadOptions::activation(Activation::Relu)).is_err());
    /// let (forced, _) = Mlp::load_safetensors_with(&path, &LoadOptions::activation(Activation::Relu).forced())?;
    /// assert_eq!(forced.activation(), Activation::Relu);
    /// std::fs::remove_file(&path).ok();
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn load_safetensors_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<(Mlp, ModelMetadata)> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
        Mlp::from_safetensors_bytes_with(&bytes, options).map_err(|e| match e {
            Error::Weights(source) => WeightsError::File {
                path: path.to_path_buf(),
                source: Box::new(source),
            }
            .into(),
            other => other,
        })
    }

    /// Loads an MLP from the bytes of a safetensors file; see
    /// [`load_safetensors`](Mlp::load_safetensors) for the layout. The bytes
    /// need no particular alignment.
    ///
    /// # Errors
    /// [`Error::Weights`] with [`WeightsError::Format`] for bytes that are not
    /// safetensors, [`WeightsError::NoLinearLayers`],
    /// [`WeightsError::NamedModules`] (tensors named `fc1.weight`, … : name
    /// the layers), [`WeightsError::UnexpectedTensors`],
    /// [`WeightsError::MixedPrefixes`], [`WeightsError::MissingTensor`],
    /// [`WeightsError::BatchNormPlacement`], [`WeightsError::TooFewLayers`],
    /// [`WeightsError::UnsupportedDtype`], [`WeightsError::Shape`],
    /// [`WeightsError::BiasLength`], [`WeightsError::Chain`],
    /// [`WeightsError::NonFinite`] or [`WeightsError::NegativeVariance`],
    /// each naming the tensor(s) at fault; [`WeightsError::Metadata`] for an
    /// `infoablate.*` entry that does not parse;
    /// [`WeightsError::ActivationMismatch`] when the file records another
    /// activation.
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
        Ok(Mlp::from_safetensors_bytes_with(bytes, &LoadOptions::activation(activation))?.0)
    }

    /// [`load_safetensors_with`](Mlp::load_safetensors_with) from the bytes
    /// of a file.
    ///
    /// # Errors
    /// As [`from_safetensors_bytes`](Mlp::from_safetensors_bytes), and
    /// [`WeightsError::NoActivation`] when `options` gives no activation and
    /// the file records none.
    pub fn from_safetensors_bytes_with(bytes: &[u8], options: &LoadOptions) -> Result<(Mlp, ModelMetadata)> {
        mlp_from_bytes(bytes, options)
    }

    /// The network as safetensors bytes in PyTorch `nn.Sequential` naming:
    /// affine layer `k` becomes f32 tensors `<prefix>.<2k>.weight` (`[out,
    /// in]`) and `<prefix>.<2k>.bias`, as `nn.Sequential(Linear, Act, Linear,
    /// …, Linear)` names them; with an empty `prefix`, `<2k>.weight`. One
    /// trailing dot of `prefix` is ignored (`"layers."` = `"layers"`). The
    /// activation is recorded in the metadata (`infoablate.activation`).
    /// Loading the bytes back gives the same network exactly.
    ///
    /// # Errors
    /// [`WeightsError::Serialize`] if the serializer refuses the tensors.
    pub fn to_safetensors_bytes(&self, prefix: &str) -> Result<Vec<u8>> {
        self.to_safetensors_bytes_with(prefix, &ModelMetadata::default())
    }

    /// [`to_safetensors_bytes`](Mlp::to_safetensors_bytes) with `metadata`
    /// recorded too (its input normalisation and `other` entries; the
    /// activation recorded is always the network's own).
    ///
    /// # Errors
    /// [`WeightsError::Serialize`] if the serializer refuses the tensors;
    /// [`WeightsError::Metadata`] for a normalisation that does not fit the
    /// network's input width.
    pub fn to_safetensors_bytes_with(&self, prefix: &str, metadata: &ModelMetadata) -> Result<Vec<u8>> {
        let metadata = ModelMetadata {
            activation: Some(self.activation),
            ..metadata.clone()
        };
        metadata.check_normalization(Some(self.layers.weights()[0].ncols()))?;
        let buffers = self.tensor_buffers(prefix);
        let views = Self::tensor_views(&buffers)?;
        safetensors::serialize(views, Some(metadata.to_map()))
            .map_err(|e| WeightsError::Serialize { reason: e.to_string() }.into())
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
        self.save_safetensors_with(path, prefix, &ModelMetadata::default())
    }

    /// [`save_safetensors`](Mlp::save_safetensors) with `metadata` recorded
    /// as [`to_safetensors_bytes_with`](Mlp::to_safetensors_bytes_with) does.
    ///
    /// # Errors
    /// As [`save_safetensors`](Mlp::save_safetensors) and
    /// [`to_safetensors_bytes_with`](Mlp::to_safetensors_bytes_with).
    pub fn save_safetensors_with(&self, path: impl AsRef<Path>, prefix: &str, metadata: &ModelMetadata) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_safetensors_bytes_with(prefix, metadata).map_err(|e| match e {
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
        let mut buffers = Vec::with_capacity(2 * self.layers.weights().len());
        for (k, (w, b)) in self.layers.weights().iter().zip(self.layers.biases()).enumerate() {
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
