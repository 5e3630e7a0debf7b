//! Hidden-layer activation functions.

use std::fmt;
use std::str::FromStr;

use ndarray::ArrayViewMut2;
#[cfg(feature = "mlp")]
use ndarray::{ArrayView2, Zip};

use super::NetworkError;

/// The nonlinearity applied after each hidden layer's affine map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Activation {
    /// `max(0, z)`.
    Relu,
    /// `tanh(z)`.
    Tanh,
    /// `1 / (1 + e^{-z})`.
    Sigmoid,
}

/// Taylor coefficients of `tanh(x) / x` in `x²` (`2^{2n}(2^{2n}−1) B_{2n} / (2n)!`),
/// highest first for Horner's rule.
const TANH_SERIES: [f64; 11] = [
    18_888_466_084.0 / 194_896_477_400_625.0,
    -443_861_162.0 / 1_856_156_927_625.0,
    6_404_582.0 / 10_854_718_875.0,
    -929_569.0 / 638_512_875.0,
    21_844.0 / 6_081_075.0,
    -1_382.0 / 155_925.0,
    62.0 / 2_835.0,
    -17.0 / 315.0,
    2.0 / 15.0,
    -1.0 / 3.0,
    1.0,
];

/// `tanh` for `f32`, computed in `f64` and rounded once: the series above
/// for `|x| < 0.55` (relative error below 1e-10), `1 − 2/(e^{2|x|} + 1)`
/// beyond (below 1e-15), the sign restored last. The result is the correctly
/// rounded `tanh` except within 1e-10 of a rounding boundary. It is about
/// twice as fast as the C library's `tanhf` (measured on glibc), whose cost
/// dominates the ablation curves of tanh networks.
fn tanh(x: f32) -> f32 {
    let a = f64::from(x).abs();
    let t = if a < 0.55 {
        let a2 = a * a;
        a * TANH_SERIES.iter().fold(0.0, |acc, &c| acc * a2 + c)
    } else {
        1.0 - 2.0 / ((2.0 * a).exp() + 1.0)
    };
    (t as f32).copysign(x)
}

impl Activation {
    /// Applies the activation in place.
    pub fn apply(self, mut z: ArrayViewMut2<'_, f32>) {
        match self {
            Activation::Relu => z.mapv_inplace(|v| v.max(0.0)),
            Activation::Tanh => z.mapv_inplace(tanh),
            Activation::Sigmoid => z.mapv_inplace(|v| 1.0 / (1.0 + (-v).exp())),
        }
    }

    /// Multiplies `grad` (∂L/∂h) in place by `h'(z)`, written in terms of the
    /// activation's output `h`.
    #[cfg(feature = "mlp")]
    pub(crate) fn backprop(self, h: ArrayView2<'_, f32>, grad: ArrayViewMut2<'_, f32>) {
        let zip = Zip::from(grad).and(h);
        match self {
            Activation::Relu => zip.for_each(|g, &h| {
                if h <= 0.0 {
                    *g = 0.0;
                }
            }),
            Activation::Tanh => zip.for_each(|g, &h| *g *= 1.0 - h * h),
            Activation::Sigmoid => zip.for_each(|g, &h| *g *= h * (1.0 - h)),
        }
    }

    /// The one-bit quantization threshold the paper uses for this activation:
    /// `0.5` for sigmoid, `0` for ReLU (active / inactive) and tanh (sign).
    ///
    /// ```
    /// use infoablate::network::Activation;
    /// assert_eq!(Activation::Sigmoid.binary_threshold(), 0.5);
    /// assert_eq!(Activation::Relu.binary_threshold(), 0.0);
    /// ```
    pub fn binary_threshold(self) -> f64 {
        match self {
            Activation::Sigmoid => 0.5,
            Activation::Relu | Activation::Tanh => 0.0,
        }
    }

    /// The lowercase name: `relu`, `tanh` or `sigmoid`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = NetworkError;

    /// Parses `relu`, `tanh` or `sigmoid` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "sigmoid" => Ok(Activation::Sigmoid),
            _ => Err(NetworkError::Parameter {
                name: "activation",
                value: s.to_string(),
                reason: "expected relu, tanh or sigmoid",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tanh;

    /// Distance in units in the last place between two finite `f32` of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[test]
    fn tanh_is_the_rounded_f64_tanh_within_one_ulp_and_keeps_the_sign() {
        // Every 97th f32 from 1e-30 up to 20 (beyond, tanh rounds to 1), both signs.
        let (start, end) = (1e-30_f32.to_bits(), 20.0_f32.to_bits());
        let mut exact = 0_u64;
        let mut total = 0_u64;
        for bits in (start..end).step_by(97) {
            let x = f32::from_bits(bits);
            for x in [x, -x] {
                let reference = f64::from(x).tanh() as f32;
                let ours = tanh(x);
                assert_eq!(ours.is_sign_negative(), x.is_sign_negative(), "sign of tanh({x:e})");
                assert!(
                    ulps(ours, reference) <= 1,
                    "tanh({x:e}) = {ours:e}, reference {reference:e}"
                );
                exact += u64::from(ours == reference);
                total += 1;
            }
        }
        assert!(
            exact as f64 / total as f64 > 0.9999,
            "{exact} of {total} correctly rounded"
        );
    }

    #[test]
    fn tanh_special_values() {
        assert_eq!(tanh(0.0).to_bits(), 0.0_f32.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(100.0), 1.0);
        assert_eq!(tanh(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
        assert!(tanh(f32::NAN).is_nan());
    }
}
