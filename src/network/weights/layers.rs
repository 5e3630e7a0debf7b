//! Affine layers from a file's modules: Linear weights and biases (a missing
//! bias is zero), with a BatchNorm1d folded into the Linear before it.

use ndarray::{Array1, Array2};
use safetensors::Dtype;

use super::modules::{LayerModules, Module, Named};
use super::{WeightsError, to_f32};

/// Affine layers `(W [out, in], b [out])`, first layer first.
pub type Layers = Vec<(Array2<f32>, Array1<f32>)>;

const WEIGHT_SHAPE: &str = "[out, in] with out, in > 0 (an nn.Linear weight; a 1-D weight without running \
                            statistics is a LayerNorm-like layer, which is not supported)";
const BIAS_SHAPE: &str = "[out] (an nn.Linear bias)";
const BATCH_NORM_SHAPE: &str = "[out], the width of the Linear layer it follows (a BatchNorm1d parameter)";

/// Refuses dtypes other than F32, F64, F16 and BF16.
fn check_dtype((name, view): &Named<'_>) -> Result<(), WeightsError> {
    if matches!(view.dtype(), Dtype::F32 | Dtype::F64 | Dtype::F16 | Dtype::BF16) {
        Ok(())
    } else {
        Err(WeightsError::UnsupportedDtype {
            tensor: name.to_string(),
            dtype: view.dtype().to_string(),
        })
    }
}

/// A 1-D tensor of length `len`, as f32.
fn vector(tensor: &Named<'_>, len: usize, expected: &'static str) -> Result<Array1<f32>, WeightsError> {
    check_dtype(tensor)?;
    let (name, view) = tensor;
    if view.shape() != [len] {
        return Err(WeightsError::Shape {
            tensor: name.to_string(),
            shape: view.shape().to_vec(),
            expected,
        });
    }
    Ok(Array1::from_vec(to_f32(name, view)?))
}

/// The weight and bias of a Linear module (bias 0 when it has none).
fn linear(module: &Module<'_>) -> Result<(Array2<f32>, Array1<f32>), WeightsError> {
    let Some(weight) = module.get("weight") else {
        let (present, _) = module.get("bias").expect("a Linear module has a weight or a bias");
        return Err(WeightsError::MissingTensor {
            missing: module.name("weight"),
            present: present.to_string(),
        });
    };
    check_dtype(weight)?;
    let (w_name, w_view) = weight;
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
    let bias = match module.get("bias") {
        Some(bias) => {
            check_dtype(bias)?;
            let (b_name, b_view) = bias;
            match b_view.shape() {
                &[len] if len != rows => {
                    return Err(WeightsError::BiasLength {
                        weight: w_name.to_string(),
                        rows,
                        bias: b_name.to_string(),
                        len,
                    });
                }
                _ => vector(bias, rows, BIAS_SHAPE)?,
            }
        }
        None => Array1::zeros(rows),
    };
    let w = Array2::from_shape_vec((rows, cols), to_f32(w_name, w_view)?).map_err(|e| WeightsError::Format {
        reason: format!("tensor `{w_name}`: {e}"),
    })?;
    Ok((w, bias))
}

/// Folds BatchNorm1d `bn` (eval mode) into the Linear layer `(w, b)` before
/// it: with `s = γ / √(var + eps)`, `W' = diag(s) W` and
/// `b' = s (b − mean) + β`, computed in f64 and rounded once. A missing `γ`
/// is 1 and a missing `β` 0 (`affine=False`); `num_batches_tracked` is
/// ignored.
fn fold_batch_norm(
    bn: &Module<'_>,
    (w, b): (Array2<f32>, Array1<f32>),
    eps: f32,
) -> Result<(Array2<f32>, Array1<f32>), WeightsError> {
    let rows = w.nrows();
    let stat = |param: &str, partner: &str| match (bn.get(param), bn.get(partner)) {
        (Some(t), _) => vector(t, rows, BATCH_NORM_SHAPE),
        (None, Some((present, _))) => Err(WeightsError::MissingTensor {
            missing: bn.name(param),
            present: present.to_string(),
        }),
        (None, None) => Err(WeightsError::MissingTensor {
            missing: bn.name(param),
            present: bn
                .params
                .values()
                .next()
                .map_or_else(|| bn.name("weight"), |(n, _)| n.to_string()),
        }),
    };
    let mean = stat("running_mean", "running_var")?;
    let var = stat("running_var", "running_mean")?;
    if let Some((index, &value)) = var.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(WeightsError::NegativeVariance {
            tensor: bn.name("running_var"),
            index,
            value,
        });
    }
    let optional = |param: &str, default: f32| match bn.get(param) {
        Some(t) => vector(t, rows, BATCH_NORM_SHAPE),
        None => Ok(Array1::from_elem(rows, default)),
    };
    let gamma = optional("weight", 1.0)?;
    let beta = optional("bias", 0.0)?;
    let scale: Vec<f64> = gamma
        .iter()
        .zip(&var)
        .map(|(&g, &v)| f64::from(g) / (f64::from(v) + f64::from(eps)).sqrt())
        .collect();
    let folded_w = Array2::from_shape_fn(w.dim(), |(i, j)| (scale[i] * f64::from(w[[i, j]])) as f32);
    let folded_b = Array1::from_shape_fn(rows, |i| {
        (scale[i] * (f64::from(b[i]) - f64::from(mean[i])) + f64::from(beta[i])) as f32
    });
    let folded = folded_w.iter().chain(folded_b.iter());
    if let Some((index, &value)) = folded.enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(WeightsError::NonFinite {
            tensor: format!("the weights and bias with `{}` folded in", bn.path),
            index,
            value: f64::from(value),
        });
    }
    Ok((folded_w, folded_b))
}

/// The affine layers of `layers`, BatchNorm folded with `eps`, checked to
/// chain.
pub(super) fn build_layers(layers: &[LayerModules<'_>], eps: f32) -> Result<Layers, WeightsError> {
    if layers.len() < 2 {
        return Err(WeightsError::TooFewLayers {
            weights: layers.iter().map(|l| l.linear.name("weight")).collect(),
        });
    }
    let mut built: Layers = Vec::with_capacity(layers.len());
    for (k, layer) in layers.iter().enumerate() {
        let mut affine = linear(&layer.linear)?;
        if k > 0 {
            let outputs = built[k - 1].0.nrows();
            if affine.0.ncols() != outputs {
                return Err(WeightsError::Chain {
                    previous: layers[k - 1].linear.name("weight"),
                    outputs,
                    next: layer.linear.name("weight"),
                    inputs: affine.0.ncols(),
                });
            }
        }
        if let Some(bn) = &layer.batch_norm {
            affine = fold_batch_norm(bn, affine, eps)?;
        }
        built.push(affine);
    }
    Ok(built)
}
