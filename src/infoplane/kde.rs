//! `I(X;T)` of a layer under added Gaussian noise: Kolchinsky & Tracey's
//! pairwise-distance upper bound.

use ndarray::{Array2, ArrayView2, Axis, s};

use super::InfoPlaneError;
use crate::measures::Units;

/// Rows of the distance matrix computed at once (memory `ROWS × N` `f64`s).
const ROWS: usize = 256;

/// Kolchinsky & Tracey's pairwise-distance (KL) upper bound on `I(X;T̃)`,
/// `T̃ = h(X) + ε`, `ε ~ N(0, σ² I)`, `X` uniform over the rows of
/// `activations` (`samples × neurons`, the layer's outputs `h`):
/// `−(1/N) Σ_i log( (1/N) Σ_j exp(−‖h_i − h_j‖² / (2σ²)) )`, in `f64` with a
/// log-sum-exp per row. Between `0` (a constant layer) and `log N`.
///
/// # Errors
/// [`InfoPlaneError::Parameter`] for a `noise_variance` that is not finite
/// and positive, for no sample or no neuron, or a value that is not finite.
///
/// # Examples
///
/// ```
/// use infoablate::infoplane::kde_upper_bound;
/// use infoablate::measures::Units;
/// use ndarray::array;
///
/// // Two far-apart points: each is its own mixture component, I = log2 2 = 1 bit.
/// let h = array![[0.0_f32], [100.0]];
/// assert!((kde_upper_bound(h.view(), 0.1, Units::Bits)? - 1.0).abs() < 1e-12);
/// // A constant layer carries nothing.
/// let h = array![[0.5_f32, 1.0], [0.5, 1.0], [0.5, 1.0]];
/// assert_eq!(kde_upper_bound(h.view(), 0.1, Units::Bits)?, 0.0);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn kde_upper_bound(
    activations: ArrayView2<'_, f32>,
    noise_variance: f64,
    units: Units,
) -> Result<f64, InfoPlaneError> {
    if !(noise_variance.is_finite() && noise_variance > 0.0) {
        return Err(InfoPlaneError::Parameter {
            name: "noise_variance",
            reason: format!("{noise_variance} is not finite and positive"),
        });
    }
    let (n, width) = activations.dim();
    if n == 0 || width == 0 {
        return Err(InfoPlaneError::Parameter {
            name: "activations",
            reason: format!("{n} samples × {width} neurons: need at least one of each"),
        });
    }
    if let Some(v) = activations.iter().find(|v| !v.is_finite()) {
        return Err(InfoPlaneError::Parameter {
            name: "activations",
            reason: format!("value {v} is not finite"),
        });
    }
    let h: Array2<f64> = activations.mapv(f64::from);
    let norms: Vec<f64> = h.outer_iter().map(|row| row.dot(&row)).collect();
    let scale = -1.0 / (2.0 * noise_variance);
    let mut total = 0.0;
    for start in (0..n).step_by(ROWS) {
        let end = (start + ROWS).min(n);
        let gram = h.slice(s![start..end, ..]).dot(&h.t());
        for (r, row) in gram.axis_iter(Axis(0)).enumerate() {
            let i = start + r;
            // ‖h_i − h_j‖² from the norms and the inner product, never below 0.
            let exponent = |j: usize, dot: f64| scale * (norms[i] + norms[j] - 2.0 * dot).max(0.0);
            // The largest exponent is at j = i (distance 0) or within rounding of it.
            let max = row
                .iter()
                .enumerate()
                .map(|(j, &d)| exponent(j, d))
                .fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = row.iter().enumerate().map(|(j, &d)| (exponent(j, d) - max).exp()).sum();
            total += max + (sum / n as f64).ln();
        }
    }
    Ok(units.from_nats((-total / n as f64).max(0.0)))
}
