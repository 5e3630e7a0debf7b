//! Hidden-layer activation functions.

use std::fmt;
use std::str::FromStr;

use ndarray::ArrayViewMut2;
#[cfg(feature = "mlp")]
use ndarray::{ArrayView2, Zip};

use super::NetworkError;

mod kernels;

/// The nonlinearity applied after each hidden layer's affine map, with
/// PyTorch's definitions (`nn.ReLU`, `nn.Tanh`, `nn.Sigmoid`, `nn.GELU()`,
/// `nn.SiLU`, `nn.LeakyReLU(negative_slope)`, `nn.ELU(alpha)`).
///
/// Its text form ([`Display`](fmt::Display) and [`FromStr`]) is `relu`,
/// `tanh`, `sigmoid`, `gelu`, `gelu_tanh`, `silu`, `leaky_relu:SLOPE` and `elu:ALPHA`
/// (`leaky_relu` alone is PyTorch's default slope 0.01, `elu` alone alpha
/// 1); it is what [`Mlp::save_safetensors`](crate::network::Mlp::save_safetensors)
/// records in a model file.
///
/// Exact zeros, which the fast ablation path's sparse updates feed on (a
/// removal touches only the samples where the neuron's output differs from
/// its replacement): ReLU outputs exactly 0 for every `z ≤ 0`, LeakyReLU
/// with slope 0 likewise; GELU, SiLU, LeakyReLU (slope ≠ 0), ELU and tanh
/// only at `z = 0` (and GELU below `z ≈ −14`, its tanh form below
/// `z ≈ −10`, SiLU below `z ≈ −104`, where they underflow to `−0`); sigmoid
/// never. Every activation gives the same
/// curve on the fast and the plain path (the fast path compares values, it
/// assumes no zero); with zero replacement only ReLU-like layers make it
/// sparse.
///
/// The enum is `#[non_exhaustive]`: activations may be added, so a `match`
/// on it outside the crate needs a wildcard arm.
///
/// # Examples
///
/// ```
/// use infoablate::network::Activation;
///
/// let act: Activation = "leaky_relu:0.2".parse()?;
/// assert_eq!(act, Activation::LeakyRelu { negative_slope: 0.2 });
/// assert_eq!(act.to_string(), "leaky_relu:0.2");
/// assert_eq!("elu".parse::<Activation>()?, Activation::Elu { alpha: 1.0 });
///
/// let mut z = ndarray::array![[-1.0_f32, 0.0, 2.0]];
/// Activation::Gelu.apply(z.view_mut());
/// approx::assert_relative_eq!(z[[0, 0]], -0.158_655_25, max_relative = 1e-6);
/// assert_eq!(z[[0, 1]], 0.0);
/// # Ok::<(), infoablate::network::NetworkError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Activation {
    /// `max(0, z)`.
    Relu,
    /// `tanh(z)`.
    Tanh,
    /// `1 / (1 + e^{-z})`.
    Sigmoid,
    /// `z Φ(z) = z (1 + erf(z/√2)) / 2`, the exact (erf) form, PyTorch's
    /// `nn.GELU()` default (for `approximate="tanh"` see [`GeluTanh`](Activation::GeluTanh)).
    Gelu,
    /// `z (1 + tanh(√(2/π) (z + 0.044715 z³))) / 2`, GELU's tanh
    /// approximation: PyTorch's `nn.GELU(approximate="tanh")` (text form
    /// `gelu_tanh`).
    GeluTanh,
    /// `z σ(z)` (SiLU, swish).
    Silu,
    /// `z` for `z > 0`, `negative_slope · z` otherwise.
    LeakyRelu {
        /// The slope for negative inputs (PyTorch's default 0.01); finite.
        negative_slope: f32,
    },
    /// `z` for `z > 0`, `alpha (e^z − 1)` otherwise.
    Elu {
        /// The scale of the negative part (PyTorch's default 1); finite.
        alpha: f32,
    },
}

impl Activation {
    /// Applies the activation in place, in `f32` with SIMD kernels (AVX-512
    /// or AVX2 when the CPU has them, detected at run time; the same results
    /// on every CPU). Bounds against the correctly rounded value: tanh within 1 ulp;
    /// sigmoid within 2 ulp and SiLU within 4 ulp where the result is a
    /// normal `f32` (below, within `2⁻¹²⁶`); ELU's `e^z − 1` within 2 ulp;
    /// GELU within 2 ulp for `z ≥ 0`, 4 ulp for `−1 < z < 0` and 7 ulp down
    /// to `−13` (below, within `2⁻¹²⁶`); GELU's tanh form within 2 ulp of
    /// its formula for `z > 0` and 3 ulp down to `z = −10` (below, within
    /// `2⁻¹²²`); ReLU and
    /// LeakyReLU exact.
    ///
    /// ```
    /// use infoablate::network::Activation;
    /// let mut z = ndarray::array![[-1.0_f32, 0.0, 2.0]];
    /// Activation::Tanh.apply(z.view_mut());
    /// for (&got, x) in z.iter().zip([-1.0_f64, 0.0, 2.0]) {
    ///     approx::assert_relative_eq!(f64::from(got), x.tanh(), max_relative = 2.5e-7);
    /// }
    /// Activation::Sigmoid.apply(z.view_mut());
    /// assert_eq!(z[[0, 1]], 0.5);
    /// ```
    pub fn apply(self, z: ArrayViewMut2<'_, f32>) {
        match self {
            Activation::Relu => kernels::apply(z, kernels::relu),
            Activation::Tanh => kernels::apply(z, kernels::tanh),
            Activation::Sigmoid => kernels::apply(z, kernels::sigmoid),
            Activation::Gelu => kernels::apply(z, kernels::gelu),
            Activation::GeluTanh => kernels::apply(z, kernels::gelu_tanh),
            Activation::Silu => kernels::apply(z, kernels::silu),
            Activation::LeakyRelu { negative_slope } => {
                kernels::apply(z, move |x| kernels::leaky_relu(x, negative_slope))
            }
            Activation::Elu { alpha } => kernels::apply(z, move |x| kernels::elu(x, alpha)),
        }
    }

    /// Multiplies `grad` (∂L/∂h) in place by `h'(z)`, from the
    /// pre-activations `z` and the outputs `h`.
    #[cfg(feature = "mlp")]
    pub(crate) fn backprop(self, z: ArrayView2<'_, f32>, h: ArrayView2<'_, f32>, grad: ArrayViewMut2<'_, f32>) {
        let zip = Zip::from(grad).and(z).and(h);
        match self {
            Activation::Relu => zip.for_each(|g, &z, _| {
                if z <= 0.0 {
                    *g = 0.0;
                }
            }),
            Activation::Tanh => zip.for_each(|g, _, &h| *g *= 1.0 - h * h),
            Activation::Sigmoid => zip.for_each(|g, _, &h| *g *= h * (1.0 - h)),
            Activation::Gelu => zip.for_each(|g, &z, _| *g *= kernels::gelu_derivative(z)),
            Activation::GeluTanh => zip.for_each(|g, &z, _| *g *= kernels::gelu_tanh_derivative(z)),
            Activation::Silu => zip.for_each(|g, &z, &h| {
                let s = kernels::sigmoid(z);
                *g *= s + h * (1.0 - s);
            }),
            Activation::LeakyRelu { negative_slope } => zip.for_each(|g, &z, _| {
                if z <= 0.0 {
                    *g *= negative_slope;
                }
            }),
            Activation::Elu { alpha } => zip.for_each(|g, &z, &h| {
                if z <= 0.0 {
                    *g *= h + alpha;
                }
            }),
        }
    }

    /// Checks the activation's parameter: a LeakyReLU slope and an ELU alpha
    /// must be finite.
    ///
    /// # Errors
    /// [`NetworkError::Parameter`] naming the parameter.
    pub fn validate(self) -> Result<(), NetworkError> {
        let (name, value) = match self {
            Activation::LeakyRelu { negative_slope } => ("negative_slope", negative_slope),
            Activation::Elu { alpha } => ("alpha", alpha),
            _ => return Ok(()),
        };
        if value.is_finite() {
            Ok(())
        } else {
            Err(NetworkError::Parameter {
                name,
                value: value.to_string(),
                reason: "must be finite",
            })
        }
    }

    /// The one-bit quantization threshold the paper uses for this activation:
    /// `0.5` for sigmoid, `0` for the others (active / inactive for ReLU and
    /// its relatives, the sign for tanh).
    ///
    /// ```
    /// use infoablate::network::Activation;
    /// assert_eq!(Activation::Sigmoid.binary_threshold(), 0.5);
    /// assert_eq!(Activation::Relu.binary_threshold(), 0.0);
    /// assert_eq!(Activation::Gelu.binary_threshold(), 0.0);
    /// ```
    pub fn binary_threshold(self) -> f64 {
        match self {
            Activation::Sigmoid => 0.5,
            _ => 0.0,
        }
    }

    /// Whether the activation takes negative values, so that a neuron's
    /// output is signed (tanh, GELU, SiLU, LeakyReLU with a non-zero slope,
    /// ELU with a non-zero alpha) rather than non-negative (ReLU, sigmoid).
    ///
    /// ```
    /// use infoablate::network::Activation;
    /// assert!(Activation::Tanh.is_signed());
    /// assert!(!Activation::Relu.is_signed());
    /// ```
    pub fn is_signed(self) -> bool {
        match self {
            Activation::Relu | Activation::Sigmoid => false,
            Activation::Tanh | Activation::Gelu | Activation::GeluTanh | Activation::Silu => true,
            Activation::LeakyRelu { negative_slope } => negative_slope != 0.0,
            Activation::Elu { alpha } => alpha != 0.0,
        }
    }

    /// The lowercase name without parameters: `relu`, `tanh`, `sigmoid`,
    /// `gelu`, `gelu_tanh`, `silu`, `leaky_relu` or `elu`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Sigmoid => "sigmoid",
            Activation::Gelu => "gelu",
            Activation::GeluTanh => "gelu_tanh",
            Activation::Silu => "silu",
            Activation::LeakyRelu { .. } => "leaky_relu",
            Activation::Elu { .. } => "elu",
        }
    }
}

impl fmt::Display for Activation {
    /// The name, with the parameter after a colon: `leaky_relu:0.01`, `elu:1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::LeakyRelu { negative_slope } => write!(f, "leaky_relu:{negative_slope}"),
            Activation::Elu { alpha } => write!(f, "elu:{alpha}"),
            _ => f.write_str(self.name()),
        }
    }
}

/// What [`Activation::from_str`] accepts, for its error.
const EXPECTED: &str = "expected relu, tanh, sigmoid, gelu, gelu_tanh, silu, leaky_relu[:SLOPE] or elu[:ALPHA]";

impl FromStr for Activation {
    type Err = NetworkError;

    /// Parses `relu`, `tanh`, `sigmoid`, `gelu`, `gelu_tanh`, `silu` (or `swish`),
    /// `leaky_relu[:SLOPE]` (default 0.01) or `elu[:ALPHA]` (default 1),
    /// case-insensitive; a parameter must be a finite number.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| NetworkError::Parameter {
            name: "activation",
            value: s.to_string(),
            reason,
        };
        let lower = s.trim().to_ascii_lowercase();
        if lower != "gelu_tanh" && lower.replace([':', '-', ' '], "_").replace("gelutanh", "gelu_tanh") == "gelu_tanh" {
            return Err(bad("GELU's tanh approximation is written `gelu_tanh`"));
        }
        let (name, parameter) = match lower.split_once(':') {
            Some((name, p)) => (name, Some(p.trim().parse::<f32>().map_err(|_| bad(EXPECTED))?)),
            None => (lower.as_str(), None),
        };
        let activation = match (name, parameter) {
            ("relu", None) => Activation::Relu,
            ("tanh", None) => Activation::Tanh,
            ("sigmoid", None) => Activation::Sigmoid,
            ("gelu", None) => Activation::Gelu,
            ("gelu_tanh", None) => Activation::GeluTanh,
            ("silu" | "swish", None) => Activation::Silu,
            ("leaky_relu" | "leakyrelu", p) => Activation::LeakyRelu {
                negative_slope: p.unwrap_or(0.01),
            },
            ("elu", p) => Activation::Elu {
                alpha: p.unwrap_or(1.0),
            },
            _ => return Err(bad(EXPECTED)),
        };
        activation
            .validate()
            .map_err(|_| bad("the parameter must be a finite number"))?;
        Ok(activation)
    }
}

/// One activation of each kind, for tests.
#[cfg(test)]
pub(crate) const EVERY_KIND: [Activation; 8] = [
    Activation::Relu,
    Activation::Tanh,
    Activation::Sigmoid,
    Activation::Gelu,
    Activation::GeluTanh,
    Activation::Silu,
    Activation::LeakyRelu { negative_slope: 0.1 },
    Activation::Elu { alpha: 0.8 },
];

#[cfg(test)]
mod tests {
    use super::{Activation, EVERY_KIND};

    #[test]
    fn text_form_round_trips() {
        let others = [
            Activation::LeakyRelu { negative_slope: 0.01 },
            Activation::LeakyRelu { negative_slope: -0.25 },
            Activation::Elu { alpha: 1.0 },
        ];
        for act in EVERY_KIND.into_iter().chain(others) {
            assert_eq!(act.to_string().parse::<Activation>().unwrap(), act, "{act}");
        }
        assert_eq!("GELU".parse::<Activation>().unwrap(), Activation::Gelu);
        assert_eq!(
            "leaky_relu".parse::<Activation>().unwrap(),
            Activation::LeakyRelu { negative_slope: 0.01 }
        );
        for bad in [
            "",
            "mish",
            "relu:1",
            "elu:",
            "elu:x",
            "leaky_relu:nan",
            "elu:inf",
            "gelu:tanh",
        ] {
            assert!(bad.parse::<Activation>().is_err(), "{bad}");
        }
        for near in ["gelu:tanh", "GELU-tanh", "gelutanh"] {
            let message = near.parse::<Activation>().unwrap_err().to_string();
            assert!(message.contains("written `gelu_tanh`"), "{near}: {message}");
        }
        assert_eq!(" GELU_TANH ".parse::<Activation>().unwrap(), Activation::GeluTanh);
    }

    #[test]
    fn non_finite_parameters_are_refused() {
        assert!(Activation::Elu { alpha: f32::NAN }.validate().is_err());
        assert!(
            Activation::LeakyRelu {
                negative_slope: f32::INFINITY
            }
            .validate()
            .is_err()
        );
        assert!(Activation::Elu { alpha: 1.0 }.validate().is_ok());
    }
}
