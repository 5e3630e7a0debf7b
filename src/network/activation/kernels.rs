//! Branchless `f32` kernels for the activations, applied to whole slices.
//!
//! Each kernel is a straight-line function of one value (no branch, no
//! table, no library call), so a loop over a slice compiles to SIMD code: on
//! the baseline target (SSE2 on x86-64, NEON on aarch64) by the compiler's
//! auto-vectorisation, and on x86-64 CPUs with AVX2 and FMA, detected at run
//! time, through a copy of the same loop compiled for those features (eight
//! lanes instead of four). Both copies perform the same IEEE operations in
//! the same order — multiplications and additions are never fused — so the
//! result does not depend on the CPU.
//!
//! Error bounds, against the correctly rounded value (tested over every
//! 7th `f32` of the range, both signs):
//! - [`tanh`]: at most 1 ulp, 99.5 % correctly rounded; exact `±0`, `±1`
//!   beyond `|x| ≥ 9.1`, NaN propagated.
//! - [`sigmoid`]: at most 2 ulp where `σ(x)` is a normal `f32`
//!   (`x ≥ −87`), 90 % correctly rounded; below, an absolute error under
//!   `2⁻¹²⁶`; `0` for `x → −∞`, `1` for `x → +∞`, NaN propagated.

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

/// `e^x` for `x ∈ [EXP_MIN, EXP_MAX]` (other inputs are clamped into it;
/// callers handle the overflow): `x = n ln 2 + r` with `|r| ≤ ln 2 / 2`,
/// `e^r` by Cephes' degree-7 polynomial (`expf`), times `2ⁿ` built in the
/// exponent bits. About 1 ulp.
#[inline(always)]
fn exp(x: f32) -> f32 {
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
    let er = p * (r * r) + r + 1.0;
    // The integer n sits in the low bits of `shifted`; `n + 127` shifted into
    // the exponent field is 2ⁿ (the high bits of `shifted` fall off the left).
    let scale = f32::from_bits((shifted.to_bits().wrapping_add(127)) << 23);
    er * scale
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

/// Applies `f` to every value of `z`, with the widest SIMD code this CPU
/// runs when `z` is contiguous.
#[inline(always)]
pub(super) fn apply(mut z: ArrayViewMut2<'_, f32>, f: impl Fn(f32) -> f32 + Copy) {
    let Some(values) = z.as_slice_memory_order_mut() else {
        z.mapv_inplace(f);
        return;
    };
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
    #[cfg(target_arch = "x86_64")]
    use super::{map, map_avx2, relu};
    use super::{sigmoid, tanh};

    /// Distance in units in the last place between two finite `f32` of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        a.to_bits().abs_diff(b.to_bits())
    }

    /// The largest distance in ulp of `f` from `reference` (rounded from
    /// `f64`) over every 7th `f32` of magnitude `from … to`, both signs, where
    /// it is, and the fraction of those values `f` rounds correctly.
    fn max_ulps(f: fn(f32) -> f32, reference: fn(f64) -> f64, from: f32, to: f32) -> (u32, f32, f64) {
        let mut worst = (0, 0.0);
        let (mut exact, mut total) = (0_u64, 0_u64);
        for bits in (from.to_bits()..to.to_bits()).step_by(7) {
            for x in [f32::from_bits(bits), -f32::from_bits(bits)] {
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
        let (worst, at, exact) = max_ulps(tanh, f64::tanh, 1e-30, 10.0);
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
        let (worst, at, exact) = max_ulps(sigmoid, sigmoid_f64, 1e-30, 87.0);
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

    /// The AVX2 copy of the loop computes the same bits as the portable one.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_loop_equals_the_portable_loop_bit_for_bit() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("skipped: this CPU has no AVX2/FMA");
            return;
        }
        let inputs: Vec<f32> = (0..200_003_u32)
            .map(|i| f32::from_bits(i.wrapping_mul(2_654_435_761)))
            .collect();
        let kernels: [fn(f32) -> f32; 3] = [tanh, sigmoid, relu];
        for f in kernels {
            let (mut portable, mut wide) = (inputs.clone(), inputs.clone());
            map(&mut portable, f);
            // SAFETY: AVX2 and FMA were detected above.
            unsafe { map_avx2(&mut wide, f) };
            for ((p, w), x) in portable.iter().zip(&wide).zip(&inputs) {
                assert!(
                    p.to_bits() == w.to_bits() || (p.is_nan() && w.is_nan()),
                    "{x:e}: {p:e} vs {w:e}"
                );
            }
        }
    }

    #[test]
    fn sigmoid_special_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid(20.0), 1.0);
        assert!(sigmoid(f32::NAN).is_nan());
    }
}
