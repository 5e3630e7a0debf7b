//! Branchless `f32` kernels for the activations, applied to whole slices.
//!
//! Each kernel is a straight-line function of one value (no branch, no
//! table, no library call), so a loop over a slice compiles to SIMD code: on
//! the baseline target (SSE2 on x86-64, NEON on aarch64) by the compiler's
//! auto-vectorisation, and on x86-64 CPUs with AVX2 and FMA, or AVX-512F,
//! detected at run time, through copies of the same loop compiled for those
//! features (eight or sixteen lanes instead of four). Every copy performs the
//! same IEEE operations in the same order — multiplications and additions
//! are never fused — so the result does not depend on the CPU.
//!
//! Error bounds, against the correctly rounded value (tested over every
//! 7th `f32` of the range, both signs):
//! - [`tanh`]: at most 1 ulp, 99.5 % correctly rounded; exact `±0`, `±1`
//!   beyond `|x| ≥ 9.1`, NaN propagated.
//! - [`sigmoid`]: at most 2 ulp where `σ(x)` is a normal `f32`
//!   (`x ≥ −87`), 90 % correctly rounded; below, an absolute error under
//!   `2⁻¹²⁶`; `0` for `x → −∞`, `1` for `x → +∞`, NaN propagated.
//! - [`silu`] (`x σ(x)`): at most 4 ulp where the result is a normal `f32`;
//!   `−0` where `σ(x)` underflows.
//! - [`elu`]: its `e^x − 1` at most 2 ulp (tested over `x ∈ [−90, 0]`),
//!   times `alpha`; exact `x` for `x > 0`.
//! - [`leaky_relu`], [`relu`]: exact.
//! - [`gelu`]: at most 2 ulp for `x ≥ 0`, 4 ulp for `−1 < x < 0`, 7 ulp
//!   for `−13 ≤ x ≤ −1`
//!   (sampled every 61st `f32`); below, an absolute error under `2⁻¹²⁶`;
//!   `x` for large `x`, `−0` for `x ≤ −20`, NaN propagated.
//! - [`gelu_tanh`] (PyTorch's `approximate="tanh"` form, against that
//!   formula): at most 2 ulp for `x > 0`, 3 for `−10 ≤ x < 0` (sampled every 61st `f32`);
//!   below, an absolute error under `2⁻¹²²`; `x` for large `x`, `−0` for
//!   `x ≤ −20`, NaN propagated.

use ndarray::ArrayViewMut2;

/// `log₂ e`.
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// `ln 2` split in two (Cody–Waite): the high part has 9 significant bits, so
/// `n · LN2_HI` is exact for every exponent `n` the kernels use.
const LN2_HI: f32 = 0.693_359_4;
/// `ln 2 − LN2_HI`.
const LN2_LO: f32 = -2.121_944_4e-4;
/// `1.5 · 2²³`: adding it rounds a float of magnitude below `2²²` to the
/// nearest integer, which is left in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;
/// Largest argument of [`exp`]: `88 log₂ e < 127`, so `2ⁿ` stays finite.
const EXP_MAX: f32 = 88.0;
/// Smallest argument of [`exp`] whose result is a normal `f32`.
const EXP_MIN: f32 = -87.3;

/// `e^x = 2ⁿ (1 + m)` for `x ∈ [EXP_MIN, EXP_MAX]` (other inputs are
/// clamped into it; callers handle the overflow), as `(m, 2ⁿ)`: `x = n ln 2
/// + r` with `|r| ≤ ln 2 / 2`, `m = e^r − 1` by Cephes' degree-7 polynomial
/// (`expf`), `2ⁿ` built in the exponent bits.
#[inline(always)]
fn exp_parts(x: f32) -> (f32, f32) {
    let x = x.clamp(EXP_MIN, EXP_MAX);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 0.166_666_65;
    p = p * r + 0.5;
    let m = p * (r * r) + r;
    // The integer n sits in the low bits of `shifted`; `n + 127` shifted into
    // the exponent field is 2ⁿ (the high bits of `shifted` fall off the left).
    let scale = f32::from_bits((shifted.to_bits().wrapping_add(127)) << 23);
    (m, scale)
}

/// `e^x` for `x ∈ [EXP_MIN, EXP_MAX]` (other inputs are clamped into it;
/// callers handle the overflow), from [`exp_parts`]. About 1 ulp.
#[inline(always)]
fn exp(x: f32) -> f32 {
    let (m, scale) = exp_parts(x);
    (m + 1.0) * scale
}

/// `e^x − 1` for `x ≤ 0`, from [`exp_parts`] as `2ⁿ m + (2ⁿ − 1)`, which
/// keeps its relative accuracy near 0 (where `e^x − 1` would cancel); `−1`
/// below `EXP_MIN`. Within 2 ulp.
#[inline(always)]
fn expm1_negative(x: f32) -> f32 {
    let (m, scale) = exp_parts(x);
    m * scale + (scale - 1.0)
}

/// Below this `|x|` tanh is the odd polynomial, above it `1 − 2/(e^{2|x|} + 1)`.
const TANH_SPLIT: f32 = 0.625;
/// Beyond this `|x|` tanh rounds to 1 (`1 − tanh(9.1) < 2⁻²⁵`).
const TANH_SATURATE: f32 = 9.1;

/// `tanh(x)`, branchless: Cephes' `tanhf` odd polynomial
/// `x + x³ P(x²)` for `|x| < 0.625`, `1 − 2/(e^{2|x|} + 1)` beyond, the sign
/// restored last. At most 1 ulp from the correctly rounded value.
#[inline(always)]
pub(super) fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let a2 = a * a;
    let mut p = -5.704_988_7e-3_f32;
    p = p * a2 + 2.063_909e-2;
    p = p * a2 - 5.373_971_6e-2;
    p = p * a2 + 0.133_314_42;
    p = p * a2 - 0.333_332_8;
    let small = p * a2 * a + a;
    let e = exp(2.0 * a.min(TANH_SATURATE));
    let large = 1.0 - 2.0 / (e + 1.0);
    let t = if a < TANH_SPLIT { small } else { large };
    // NaN fails both comparisons above and is clamped by `min`; keep it.
    let t = if x.is_nan() { x } else { t };
    t.copysign(x)
}

/// `σ(x) = 1 / (1 + e^{−x})`, branchless, with `e^{−x}` overflowing to `∞`
/// (so `σ → 0`) where it would exceed `f32::MAX`.
#[inline(always)]
pub(super) fn sigmoid(x: f32) -> f32 {
    let e = exp(-x);
    let e = if -x > EXP_MAX { f32::INFINITY } else { e };
    let s = 1.0 / (1.0 + e);
    if x.is_nan() { x } else { s }
}

/// `max(0, x)`.
#[inline(always)]
pub(super) fn relu(x: f32) -> f32 {
    x.max(0.0)
}

/// `x` for `x > 0`, `slope · x` otherwise (PyTorch's `leaky_relu`): exact.
#[inline(always)]
pub(super) fn leaky_relu(x: f32, slope: f32) -> f32 {
    if x > 0.0 { x } else { x * slope }
}

/// `x` for `x > 0`, `alpha (e^x − 1)` otherwise (PyTorch's `elu`).
#[inline(always)]
pub(super) fn elu(x: f32, alpha: f32) -> f32 {
    let negative = alpha * expm1_negative(x.min(0.0));
    let v = if x > 0.0 { x } else { negative };
    if x.is_nan() { x } else { v }
}

/// `x σ(x)` (SiLU), `−0` where `σ(x)` underflows to 0.
#[inline(always)]
pub(super) fn silu(x: f32) -> f32 {
    let s = sigmoid(x);
    if s == 0.0 { -0.0 } else { x * s }
}

/// Beyond this `|x|` GELU is `x` (`Φ(x)` rounds to 1) or `−0`.
const GELU_SATURATE: f32 = 20.0;

/// `Q(a) = P(N(0, 1) > a) = erfc(a/√2) / 2` for `a ∈ [0, GELU_SATURATE]`,
/// branchless, by Numerical Recipes' `erfcc`:
/// `erfc(z) = t·exp(−z² + P(t))`, `t = 1/(1 + z/2)`, relative error below
/// `1.2·10⁻⁷` for every `z ≥ 0`. The large term `z² = a²/2` is split as
/// `hi + lo` with `hi` exact (`a`'s top 12 bits squared), so its rounding is
/// not amplified by the exponential: `exp(−hi) · exp(P(t) − lo)`.
#[inline(always)]
fn upper_tail(a: f32) -> f32 {
    let high = f32::from_bits(a.to_bits() & 0xFFFF_F000);
    let low = a - high;
    let hi = 0.5 * (high * high);
    let lo = 0.5 * (2.0 * high * low + low * low);
    let z = a * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let mut p = 0.170_872_77_f32;
    p = p * t - 0.822_152_23;
    p = p * t + 1.488_515_9;
    p = p * t - 1.135_204;
    p = p * t + 0.278_868_07;
    p = p * t - 0.186_288_06;
    p = p * t + 0.096_784_18;
    p = p * t + 0.374_091_96;
    p = p * t + 1.000_023_7;
    p = p * t - 1.265_512_2;
    0.5 * t * exp(-hi) * exp(p - lo)
}

/// Below this `|x|`, `Φ(x) − ½` is its Taylor series.
const GELU_SERIES: f32 = 1.0;
/// `1/√(2π)`.
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// `Φ(x) − ½` for `|x| ≤ 1`: `x/√(2π) · Σₙ (−1)ⁿ x²ⁿ / (2ⁿ n! (2n + 1))`
/// to `n = 8` (the next term is below `3·10⁻¹⁰`).
#[inline(always)]
fn centered_cdf(x: f32) -> f32 {
    let x2 = x * x;
    let mut s = 1.0 / 175_472_640.0_f32;
    s = s * x2 - 1.0 / 9_676_800.0;
    s = s * x2 + 1.0 / 599_040.0;
    s = s * x2 - 1.0 / 42_240.0;
    s = s * x2 + 1.0 / 3_456.0;
    s = s * x2 - 1.0 / 336.0;
    s = s * x2 + 1.0 / 40.0;
    s = s * x2 - 1.0 / 6.0;
    s = s * x2 + 1.0;
    x * s * INV_SQRT_2PI
}

/// `x Φ(x) = x erfc(−x/√2) / 2` (GELU, exact form), branchless: `Φ(x)` is
/// `½ + ` [`centered_cdf`] for `|x| < 1`, beyond `1 − Q(x)` for `x > 0` and
/// `Q(−x)` for `x < 0` from [`upper_tail`]; `x` for large `x` and `−0` for
/// `x ≤ −20`.
#[inline(always)]
pub(super) fn gelu(x: f32) -> f32 {
    let a = x.abs();
    let q = upper_tail(a.min(GELU_SATURATE));
    let tail = if x >= 0.0 { 1.0 - q } else { q };
    let centre = 0.5 + centered_cdf(x.clamp(-GELU_SERIES, GELU_SERIES));
    let phi = if a < GELU_SERIES { centre } else { tail };
    let g = x * phi;
    let g = if x <= -GELU_SATURATE { -0.0 } else { g };
    if x.is_nan() { x } else { g }
}

/// `d/dx [x Φ(x)] = Φ(x) + x φ(x)`, in `f64`, for training.
#[cfg(feature = "mlp")]
pub(super) fn gelu_derivative(x: f32) -> f32 {
    let x = f64::from(x);
    let cdf = 0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2);
    let pdf = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (cdf + x * pdf) as f32
}

/// `2√(2/π)`: twice the scale of the tanh form's argument.
const GELU_TANH_SCALE: f64 = 1.595_769_121_605_730_7;
/// The tanh form's cubic coefficient (PyTorch's and the GELU paper's).
const GELU_TANH_CUBIC: f64 = 0.044_715;
/// `|2u|` is clamped here: `e^{±100}` is far outside `f32`, so the result
/// is already `x` or `−0`, and the split below stays finite.
const GELU_TANH_CLAMP: f64 = 100.0;

/// `x (1 + tanh u) / 2 = x σ(2u)`, `u = √(2/π) (x + 0.044715 x³)`: GELU's
/// tanh form (PyTorch's `nn.GELU(approximate="tanh")`), branchless, without
/// the cancellation of `1 + tanh u` for negative `x`. `2u` is computed in
/// `f64` and split as `hi + lo` (`hi` its `f32` rounding), so that the
/// rounding of a large `2u` is not amplified by the exponential:
/// `e^{−2u} = e^{−hi} (1 − lo)` to within `lo² < 2⁻⁴⁸`. `x` for large
/// `x`, `−0` for `x ≤ −20`.
#[inline(always)]
pub(super) fn gelu_tanh(x: f32) -> f32 {
    let w = f64::from(x);
    let two_u = (GELU_TANH_SCALE * (w + GELU_TANH_CUBIC * (w * w * w))).clamp(-GELU_TANH_CLAMP, GELU_TANH_CLAMP);
    let hi = two_u as f32;
    let lo = (two_u - f64::from(hi)) as f32;
    let e = exp(-hi) * (1.0 - lo);
    let e = if -hi > EXP_MAX { f32::INFINITY } else { e };
    let g = x / (1.0 + e);
    let g = if x <= -GELU_SATURATE { -0.0 } else { g };
    if x.is_nan() { x } else { g }
}

/// `d/dx [x σ(2u)] = σ(2u) + x σ(2u) (1 − σ(2u)) 2u'`, in `f64`, for training.
#[cfg(feature = "mlp")]
pub(super) fn gelu_tanh_derivative(x: f32) -> f32 {
    let x = f64::from(x);
    let two_u = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x);
    let s = 1.0 / (1.0 + (-two_u).exp());
    let slope = GELU_TANH_SCALE * (1.0 + 3.0 * GELU_TANH_CUBIC * x * x);
    (s + x * s * (1.0 - s) * slope) as f32
}

/// Applies `f` to every value of `values`.
#[inline(always)]
fn map(values: &mut [f32], f: impl Fn(f32) -> f32) {
    for v in values {
        *v = f(*v);
    }
}

/// [`map`] compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_avx2(values: &mut [f32], f: impl Fn(f32) -> f32) {
    map(values, f);
}

/// [`map`] compiled for AVX-512F (sixteen lanes).
///
/// # Safety
/// The CPU must support AVX-512F (which implies AVX2 and FMA).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn map_avx512(values: &mut [f32], f: impl Fn(f32) -> f32) {
    map(values, f);
}

/// Applies `f` to every value of `z`, with the widest SIMD code this CPU
/// runs when `z` is contiguous.
#[inline(always)]
pub(super) fn apply(mut z: ArrayViewMut2<'_, f32>, f: impl Fn(f32) -> f32 + Copy) {
    let Some(values) = z.as_slice_memory_order_mut() else {
        z.mapv_inplace(f);
        return;
    };
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") {
        // SAFETY: the feature `map_avx512` is compiled for was just detected.
        unsafe { map_avx512(values, f) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the features `map_avx2` is compiled for were just detected.
        unsafe { map_avx2(values, f) };
        return;
    }
    map(values, f);
}

#[cfg(test)]
mod tests {
    use super::{elu, expm1_negative, gelu, gelu_tanh, leaky_relu, sigmoid, silu, tanh};
    #[cfg(target_arch = "x86_64")]
    use super::{map, map_avx2, map_avx512, relu};

    /// Distance in units in the last place between two finite `f32` of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        a.to_bits().abs_diff(b.to_bits())
    }

    /// The largest distance in ulp of `f` from `reference` (rounded from
    /// `f64`) over every `step`-th `f32` from `from` to `to` (same sign,
    /// `|from| < |to|`), and with `both_signs` their negatives too; where it
    /// is, and the fraction of those values `f` rounds correctly.
    fn max_ulps(
        f: impl Fn(f32) -> f32,
        reference: impl Fn(f64) -> f64,
        (from, to): (f32, f32),
        step: usize,
        both_signs: bool,
    ) -> (u32, f32, f64) {
        let mut worst = (0, 0.0);
        let (mut exact, mut total) = (0_u64, 0_u64);
        for bits in (from.to_bits()..to.to_bits()).step_by(step) {
            let v = f32::from_bits(bits);
            for x in [v, -v].into_iter().take(if both_signs { 2 } else { 1 }) {
                let expected = reference(f64::from(x)) as f32;
                let got = f(x);
                assert_eq!(got.is_sign_negative(), expected.is_sign_negative(), "sign at {x:e}");
                let d = ulps(got, expected);
                if d > worst.0 {
                    worst = (d, x);
                }
                exact += u64::from(d == 0);
                total += 1;
            }
        }
        (worst.0, worst.1, exact as f64 / total as f64)
    }

    /// The documented bounds: tanh within 1 ulp, 99.5 % of it correctly
    /// rounded; sigmoid within 2 ulp, 90 % correctly rounded.
    const TANH_MAX_ULPS: u32 = 1;
    const TANH_EXACT: f64 = 0.995;
    const SIGMOID_MAX_ULPS: u32 = 2;
    const SIGMOID_EXACT: f64 = 0.9;

    #[test]
    fn tanh_is_within_one_ulp_of_the_rounded_f64_tanh() {
        // From 1e-30 up to 10 (beyond 9.1 tanh rounds to 1), both signs.
        let (worst, at, exact) = max_ulps(tanh, f64::tanh, (1e-30, 10.0), 7, true);
        assert!(worst <= TANH_MAX_ULPS, "tanh({at:e}) is {worst} ulp off");
        assert!(exact > TANH_EXACT, "{exact} of tanh correctly rounded");
    }

    #[test]
    fn tanh_special_values() {
        assert_eq!(tanh(0.0).to_bits(), 0.0_f32.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(100.0), 1.0);
        assert_eq!(tanh(-9.5), -1.0);
        assert_eq!(tanh(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
        assert_eq!(tanh(1e-40), 1e-40);
        assert!(tanh(f32::NAN).is_nan());
    }

    fn sigmoid_f64(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn sigmoid_is_within_two_ulp_where_it_is_normal() {
        // σ(x) for x in ±[1e-30, 87]: from ½ to 1 − 2⁻²⁵ and down to e^{−87}.
        let (worst, at, exact) = max_ulps(sigmoid, sigmoid_f64, (1e-30, 87.0), 7, true);
        assert!(worst <= SIGMOID_MAX_ULPS, "sigmoid({at:e}) is {worst} ulp off");
        assert!(exact > SIGMOID_EXACT, "{exact} of sigmoid correctly rounded");
    }

    #[test]
    fn sigmoid_below_the_normal_range_is_tiny_and_never_negative() {
        for x in [-87.5_f32, -88.0, -88.7, -89.0, -100.0, -1e6, f32::NEG_INFINITY] {
            let s = sigmoid(x);
            let expected = sigmoid_f64(f64::from(x));
            assert!(s >= 0.0, "sigmoid({x}) = {s}");
            assert!(
                (f64::from(s) - expected).abs() < f64::from(f32::MIN_POSITIVE),
                "sigmoid({x}) = {s:e}"
            );
        }
    }

    /// Every kernel, for the SIMD copies of the loop.
    #[cfg(target_arch = "x86_64")]
    const KERNELS: [fn(f32) -> f32; 8] = [
        tanh,
        sigmoid,
        relu,
        silu,
        gelu,
        gelu_tanh,
        |x| elu(x, 0.7),
        |x| leaky_relu(x, 0.01),
    ];

    /// Dense samples: 200,003 bit patterns spread over every `f32` (NaNs and
    /// infinities among them), every 97th `f32` of `[−20, 20]`, and the
    /// special values (signed zeros, subnormals, infinities).
    #[cfg(target_arch = "x86_64")]
    fn dense_samples() -> Vec<f32> {
        let spread = (0..200_003_u32).map(|i| f32::from_bits(i.wrapping_mul(2_654_435_761)));
        let near = (0..20.0_f32.to_bits())
            .step_by(97)
            .flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)]);
        let special = [0.0, -0.0, 1e-40, -1e-40, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        spread.chain(near).chain(special).collect()
    }

    /// `map` through `wide` gives the same bits as the portable loop (any
    /// NaN for a NaN), for every kernel on the dense samples.
    #[cfg(target_arch = "x86_64")]
    fn assert_same_bits_as_portable(wide: impl Fn(&mut [f32], fn(f32) -> f32)) {
        let inputs = dense_samples();
        for f in KERNELS {
            let (mut portable, mut simd) = (inputs.clone(), inputs.clone());
            map(&mut portable, f);
            wide(&mut simd, f);
            for ((p, w), x) in portable.iter().zip(&simd).zip(&inputs) {
                assert!(
                    p.to_bits() == w.to_bits() || (p.is_nan() && w.is_nan()),
                    "{x:e}: {p:e} vs {w:e}"
                );
            }
        }
    }

    /// The AVX2 copy of the loop computes the same bits as the portable one.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_loop_equals_the_portable_loop_bit_for_bit() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("skipped: this CPU has no AVX2/FMA");
            return;
        }
        // SAFETY: AVX2 and FMA were detected above.
        assert_same_bits_as_portable(|v, f| unsafe { map_avx2(v, f) });
    }

    /// The AVX-512 copy of the loop computes the same bits as the portable
    /// one (and so as the AVX2 one).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx512_loop_equals_the_portable_loop_bit_for_bit() {
        if !is_x86_feature_detected!("avx512f") {
            eprintln!("skipped: this CPU has no AVX-512F");
            return;
        }
        // SAFETY: AVX-512F was detected above.
        assert_same_bits_as_portable(|v, f| unsafe { map_avx512(v, f) });
    }

    #[test]
    fn sigmoid_special_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid(20.0), 1.0);
        assert!(sigmoid(f32::NAN).is_nan());
    }

    /// An `f64` reference function.
    type Reference = fn(f64) -> f64;

    /// Documented bounds of the other kernels.
    const EXPM1_MAX_ULPS: u32 = 2;
    const SILU_MAX_ULPS: u32 = 4;
    const GELU_MAX_ULPS: u32 = 2;
    const GELU_NEGATIVE_MAX_ULPS: u32 = 4;
    const GELU_TAIL_MAX_ULPS: u32 = 7;
    const GELU_TANH_MAX_ULPS: u32 = 3;
    /// GELU is sampled every 61st `f32` (an `f64` special function per point).
    const GELU_STEP: usize = 61;

    #[test]
    fn expm1_is_within_two_ulp_on_the_negative_axis() {
        let (worst, at, _) = max_ulps(expm1_negative, f64::exp_m1, (-1e-30, -90.0), 7, false);
        assert!(worst <= EXPM1_MAX_ULPS, "expm1({at:e}) is {worst} ulp off");
        assert_eq!(expm1_negative(-0.0), 0.0);
        assert_eq!(expm1_negative(0.0), 0.0);
        assert_eq!(expm1_negative(f32::NEG_INFINITY), -1.0);
    }

    #[test]
    fn elu_and_leaky_relu_follow_pytorch() {
        for x in [-3.0_f32, -1e-3, -0.0, 0.0, 2.5] {
            let expected = if x > 0.0 {
                f64::from(x)
            } else {
                0.7 * f64::from(x).exp_m1()
            };
            approx::assert_relative_eq!(f64::from(elu(x, 0.7)), expected, max_relative = 3e-7);
            assert_eq!(leaky_relu(x, 0.01), if x > 0.0 { x } else { 0.01 * x });
        }
        assert_eq!(elu(-100.0, 2.0), -2.0);
        assert!(elu(f32::NAN, 1.0).is_nan());
        assert!(leaky_relu(f32::NAN, 0.1).is_nan());
    }

    #[test]
    fn silu_is_within_four_ulp_where_it_is_normal() {
        // σ(x) ≥ e^{−87}, and x σ(x) is normal, for x ≥ −87; every 61st
        // value (sigmoid, which it builds on, is sampled every 7th).
        let (worst, at, _) = max_ulps(silu, |x| x * sigmoid_f64(x), (1e-30, 87.0), 61, true);
        assert!(worst <= SILU_MAX_ULPS, "silu({at:e}) is {worst} ulp off");
        assert_eq!(silu(f32::NEG_INFINITY).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(silu(f32::INFINITY), f32::INFINITY);
        assert!(silu(f32::NAN).is_nan());
    }

    /// `erfc(t)` for `t ≥ 2` by Laplace's continued fraction, independent of
    /// `libm`: `e^{−t²}/√π · 1/(t + ½/(t + 1/(t + (3/2)/(t + …))))`.
    fn erfc_continued_fraction(t: f64) -> f64 {
        let mut tail = t;
        for k in (1..200).rev() {
            tail = t + f64::from(k) / 2.0 / tail;
        }
        (-t * t).exp() / std::f64::consts::PI.sqrt() / tail
    }

    #[test]
    fn gelu_is_within_two_ulp_for_positive_x_four_above_minus_one_and_seven_below() {
        let erf_form: Reference = |x| 0.5 * x * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2));
        // Against the erf form down to −3 (1 + erf loses at most 9 of f64's
        // 53 bits there), then Laplace's continued fraction.
        let tail: Reference = |x| 0.5 * x * erfc_continued_fraction(-x * std::f64::consts::FRAC_1_SQRT_2);
        let ranges: [((f32, f32), Reference, u32); 4] = [
            ((1e-30, 20.0), erf_form, GELU_MAX_ULPS),
            ((-1e-30, -1.0), erf_form, GELU_NEGATIVE_MAX_ULPS),
            ((-1.0, -3.0), erf_form, GELU_TAIL_MAX_ULPS),
            ((-3.0, -13.0), tail, GELU_TAIL_MAX_ULPS),
        ];
        for (range, reference, bound) in ranges {
            let (worst, at, _) = max_ulps(gelu, reference, range, GELU_STEP, false);
            assert!(worst <= bound, "gelu({at:e}) is {worst} ulp off");
        }
        // Below −13 the result leaves the normal range: an absolute bound.
        for x in [-13.5_f32, -15.0, -19.9] {
            let err = (f64::from(gelu(x)) - tail(f64::from(x))).abs();
            assert!(err < f64::from(f32::MIN_POSITIVE), "gelu({x}) is {err:e} off");
        }
        assert_eq!(gelu(0.0), 0.0);
        assert_eq!(gelu(1.0e6), 1.0e6);
        assert_eq!(gelu(f32::INFINITY), f32::INFINITY);
        assert_eq!(gelu(-20.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(gelu(f32::NEG_INFINITY).to_bits(), (-0.0_f32).to_bits());
        assert!(gelu(f32::NAN).is_nan());
    }

    /// The tanh form by its definition in `f64`, written as `x / (1 + e^{−2u})`
    /// (the same function as `x (1 + tanh u) / 2`, without its cancellation).
    fn gelu_tanh_reference(x: f64) -> f64 {
        let u = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044_715 * x * x * x);
        x / (1.0 + (-2.0 * u).exp())
    }

    #[test]
    fn gelu_tanh_is_within_two_ulp_for_positive_x_and_three_above_minus_ten() {
        for (range, bound) in [((1e-30, 20.0), GELU_MAX_ULPS), ((-1e-30, -10.0), GELU_TANH_MAX_ULPS)] {
            let (worst, at, _) = max_ulps(gelu_tanh, gelu_tanh_reference, range, GELU_STEP, false);
            assert!(worst <= bound, "gelu_tanh({at:e}) is {worst} ulp off");
        }
        // The definition itself, at a few points (`0.5 x (1 + tanh u)` is
        // accurate in f64 where `1 + tanh u` keeps its bits).
        for x in [-3.0_f32, -1.0, -0.25, 0.5, 1.0, 2.0] {
            let w = f64::from(x);
            let u = (2.0 / std::f64::consts::PI).sqrt() * (w + 0.044_715 * w.powi(3));
            approx::assert_relative_eq!(f64::from(gelu_tanh(x)), 0.5 * w * (1.0 + u.tanh()), max_relative = 1e-6);
        }
        // Below −10 the result leaves the normal range: an absolute bound.
        for x in [-10.0_f32, -10.1, -12.0, -19.9] {
            let err = (f64::from(gelu_tanh(x)) - gelu_tanh_reference(f64::from(x))).abs();
            assert!(err < 2f64.powi(-122), "gelu_tanh({x}) is {err:e} off");
        }
        assert_eq!(gelu_tanh(0.0), 0.0);
        assert_eq!(gelu_tanh(1.0e6), 1.0e6);
        assert_eq!(gelu_tanh(f32::MAX), f32::MAX);
        assert_eq!(gelu_tanh(f32::INFINITY), f32::INFINITY);
        assert_eq!(gelu_tanh(-20.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(gelu_tanh(f32::NEG_INFINITY).to_bits(), (-0.0_f32).to_bits());
        assert!(gelu_tanh(f32::NAN).is_nan());
    }
}
