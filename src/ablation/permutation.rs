//! A permutation test of an ordered curve's AUC against random orders.

use super::AblationError;
use super::curve::{AblationCurve, RandomBand};
use crate::Result;

/// Random orders in a band by default: with `R = 99` the smallest one-sided
/// p-value is `1/100 = 0.01`, below `α = 0.05` for one order tested alone.
/// A random curve costs as much as an ordered one (on the fast path about
/// 0.08 s of CPU per curve, measured as `paper --seeds 42` against
/// `--seeds 2` on the shipped sample's 2,000 test images with
/// `RAYON_NUM_THREADS=1`; more with more test samples), so `R` is the
/// study's main cost. Reading several orders
/// at once with a Bonferroni correction needs more: over the 8 ordered
/// curves of a scope at `α = 0.05`, `1/(1 + R) ≤ 0.05/8` takes `R ≥ 159`;
/// `docs/results/reproduce.sh` uses 199.
pub const DEFAULT_RANDOM_ORDERS: usize = 99;

/// The permutation test of one ordered curve's area under the accuracy curve
/// against the areas of `R` random orders of the same scope, replacement and
/// checkpoints: is the order's curve a typical random order's?
///
/// With `a` the observed AUC and `a_r` the random ones, a random AUC counts
/// as equal to `a` within `10⁻¹²·max(1, |a|)`:
///
/// - `p_below = (1 + #{a_r ≤ a}) / (1 + R)`: small when the order hurts the
///   network more than random orders do (its curve lies below them);
/// - `p_above = (1 + #{a_r ≥ a}) / (1 + R)`: small when it hurts less;
/// - `p_two_sided = min(1, 2·min(p_below, p_above))`.
///
/// The smallest attainable p-value is `1/(1 + R)` (one-sided), so `R` bounds
/// what a test can show: see [`DEFAULT_RANDOM_ORDERS`].
///
/// # Examples
///
/// ```
/// use infoablate::ablation::{AblationCurve, AucTest, CurveLabel, CurvePoint, RandomBand, Scope};
///
/// let curve = |seed: Option<u64>, mid: f64| AblationCurve {
///     label: CurveLabel { measure: "m".into(), order: None, scope: Scope::Global, replacement: "zero".into(), seed, neurons: 2 },
///     points: vec![
///         CurvePoint { k: 0, fraction: 0.0, accuracy: 0.9, loss: 0.3 },
///         CurvePoint { k: 1, fraction: 0.5, accuracy: mid, loss: 1.0 },
///         CurvePoint { k: 2, fraction: 1.0, accuracy: 0.1, loss: 2.3 },
///     ],
/// };
/// let random: Vec<AblationCurve> = (0..19).map(|s| curve(Some(s), 0.6 + 0.01 * s as f64)).collect();
/// let band = RandomBand::from_curves(&random, (5.0, 95.0))?;
/// let test = AucTest::new(&curve(None, 0.2), &band)?;
/// assert_eq!(test.random_orders, 19);
/// assert_eq!(test.p_below, 1.0 / 20.0); // below every random order
/// assert_eq!(test.p_above, 1.0);
/// assert_eq!(test.p_two_sided, 0.1);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AucTest {
    /// The ordered curve's AUC.
    pub observed: f64,
    /// The mean AUC of the random orders.
    pub random_mean: f64,
    /// `R`, the random orders.
    pub random_orders: usize,
    /// One-sided p-value of "the order's AUC is below the random orders'".
    pub p_below: f64,
    /// One-sided p-value of "the order's AUC is above the random orders'".
    pub p_above: f64,
    /// Two-sided p-value.
    pub p_two_sided: f64,
}

impl AucTest {
    /// Tests `curve` against the random orders of `band`.
    ///
    /// # Errors
    /// [`AblationError::Parameter`] when the curve's scope, replacement or
    /// checkpoints differ from the band's (the areas would not be
    /// comparable), the band has no AUC, or the observed AUC is not finite.
    pub fn new(curve: &AblationCurve, band: &RandomBand) -> Result<Self> {
        let parameter = |reason: String| AblationError::Parameter { name: "curve", reason };
        if (curve.label.scope, curve.label.replacement.as_str()) != (band.scope, band.replacement.as_str()) {
            return Err(parameter(format!(
                "`{}` ablates {} with {} replacement, the random band {} with {}",
                curve.label.name(),
                curve.label.scope,
                curve.label.replacement,
                band.scope,
                band.replacement
            ))
            .into());
        }
        if !curve.points.iter().map(|p| p.k).eq(band.k.iter().copied()) {
            return Err(parameter(format!(
                "`{}` has other checkpoints than the random band ({} and {} points)",
                curve.label.name(),
                curve.points.len(),
                band.k.len()
            ))
            .into());
        }
        let r = band.aucs.len();
        if r == 0 {
            return Err(parameter("the random band holds no random order's AUC".into()).into());
        }
        let observed = curve.auc();
        if !observed.is_finite() {
            return Err(parameter(format!("`{}` has AUC {observed}", curve.label.name())).into());
        }
        let tolerance = 1e-12 * observed.abs().max(1.0);
        let below = band.aucs.iter().filter(|&&a| a <= observed + tolerance).count();
        let above = band.aucs.iter().filter(|&&a| a >= observed - tolerance).count();
        let p = |count: usize| (1 + count) as f64 / (1 + r) as f64;
        let (p_below, p_above) = (p(below), p(above));
        Ok(AucTest {
            observed,
            random_mean: band.aucs.iter().sum::<f64>() / r as f64,
            random_orders: r,
            p_below,
            p_above,
            p_two_sided: (2.0 * p_below.min(p_above)).min(1.0),
        })
    }
}
