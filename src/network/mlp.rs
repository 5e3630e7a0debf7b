//! The built-in multilayer perceptron.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::{Normal, Uniform};
use rand::Rng;

use super::affine::AffineLayers;
use super::{Activation, Clamps, DatasetRows, Network, NetworkError, Resumable, check_input_width, validate_inputs};
use crate::Result;

/// Weight initialisation of [`Mlp::new`]. Biases start at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// He (Kaiming) normal: `N(0, 2 / fan_in)`; suits ReLU.
    He,
    /// Xavier (Glorot) uniform: `U(±√(6 / (fan_in + fan_out)))`; suits tanh and sigmoid.
    Xavier,
}

impl Init {
    /// Xavier for tanh and sigmoid, He for ReLU and its relatives (GELU,
    /// SiLU, LeakyReLU, ELU).
    pub fn for_activation(activation: Activation) -> Self {
        match activation {
            Activation::Tanh | Activation::Sigmoid => Init::Xavier,
            _ => Init::He,
        }
    }
}

/// A fully connected feed-forward classifier: affine layers with one hidden
/// activation between them and logits at the end.
///
/// Weights use PyTorch's `nn.Linear` layout, `[out, in]`, so `z = x·Wᵀ + b`.
/// Same seed, same weights: every random step takes an explicit RNG.
///
/// # Examples
///
/// ```
/// use infoablate::network::{Activation, Init, Mlp, Network};
/// use rand::SeedableRng;
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
/// let mlp = Mlp::new(&[784, 100, 100, 10], Activation::Relu, Init::He, &mut rng)?;
/// assert_eq!(mlp.hidden_widths(), vec![100, 100]);
/// assert_eq!(mlp.num_classes(), 10);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    /// The affine layers, packed for the forward pass on first use.
    pub(super) layers: AffineLayers,
    pub(super) activation: Activation,
}

impl Mlp {
    /// A freshly initialised network with layer sizes `sizes` = `[input,
    /// hidden…, classes]` (at least one hidden layer).
    ///
    /// # Errors
    /// [`NetworkError::Architecture`] for fewer than three sizes, a zero size,
    /// or a layer too large to address; [`NetworkError::Parameter`] for an
    /// activation with a non-finite parameter.
    pub fn new<R: Rng + ?Sized>(sizes: &[usize], activation: Activation, init: Init, rng: &mut R) -> Result<Self> {
        activation.validate()?;
        if sizes.len() < 3 {
            return Err(NetworkError::Architecture(format!(
                "sizes {sizes:?} need an input, at least one hidden layer and an output"
            ))
            .into());
        }
        if let Some(pos) = sizes.iter().position(|&s| s == 0) {
            return Err(NetworkError::Architecture(format!("size {pos} of {sizes:?} is zero")).into());
        }
        // Each weight matrix must be addressable (ndarray panics otherwise).
        if let Some(k) = sizes
            .windows(2)
            .position(|p| p[0].checked_mul(p[1]).is_none_or(|n| n > isize::MAX as usize / 4))
        {
            return Err(NetworkError::Architecture(format!(
                "layer {k} would have {} × {} weights, more than memory can address",
                sizes[k + 1],
                sizes[k]
            ))
            .into());
        }
        let mut weights = Vec::with_capacity(sizes.len() - 1);
        let mut biases = Vec::with_capacity(sizes.len() - 1);
        for pair in sizes.windows(2) {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let w = match init {
                Init::He => {
                    let std = (2.0 / fan_in as f32).sqrt();
                    let normal = Normal::new(0.0, std).expect("a positive finite standard deviation");
                    Array2::random_using((fan_out, fan_in), normal, rng)
                }
                Init::Xavier => {
                    let a = (6.0 / (fan_in + fan_out) as f32).sqrt();
                    let uniform = Uniform::new(-a, a).expect("a non-empty finite range");
                    Array2::random_using((fan_out, fan_in), uniform, rng)
                }
            };
            weights.push(w);
            biases.push(Array1::zeros(fan_out));
        }
        Ok(Mlp {
            layers: AffineLayers::new(weights, biases),
            activation,
        })
    }

    /// A network from its affine layers `(W [out, in], b [out])`, first layer
    /// first; `activation` follows every layer but the last.
    ///
    /// # Errors
    /// [`NetworkError::Architecture`] for fewer than two layers, shapes that do
    /// not chain, or non-finite parameters; [`NetworkError::Parameter`] for
    /// an activation with a non-finite parameter.
    pub fn from_layers(layers: Vec<(Array2<f32>, Array1<f32>)>, activation: Activation) -> Result<Self> {
        activation.validate()?;
        if layers.len() < 2 {
            return Err(NetworkError::Architecture(format!(
                "{} affine layer(s) given; an MLP with a hidden layer needs at least 2",
                layers.len()
            ))
            .into());
        }
        for (k, (w, b)) in layers.iter().enumerate() {
            if w.nrows() == 0 || w.ncols() == 0 {
                return Err(NetworkError::Architecture(format!("layer {k} weight has shape {:?}", w.shape())).into());
            }
            if b.len() != w.nrows() {
                return Err(NetworkError::Architecture(format!(
                    "layer {k}: bias length {} does not match weight rows {}",
                    b.len(),
                    w.nrows()
                ))
                .into());
            }
            if k > 0 && w.ncols() != layers[k - 1].0.nrows() {
                return Err(NetworkError::Architecture(format!(
                    "layer {k} reads {} inputs but layer {} has {} outputs",
                    w.ncols(),
                    k - 1,
                    layers[k - 1].0.nrows()
                ))
                .into());
            }
            if w.iter().chain(b.iter()).any(|v| !v.is_finite()) {
                return Err(NetworkError::Architecture(format!("layer {k} has a non-finite parameter")).into());
            }
        }
        let (weights, biases) = layers.into_iter().unzip();
        Ok(Mlp {
            layers: AffineLayers::new(weights, biases),
            activation,
        })
    }

    /// The hidden activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Number of affine layers (hidden layers + 1).
    pub fn num_affine(&self) -> usize {
        self.layers.weights().len()
    }

    /// Weight of affine layer `k`, shaped `[out, in]`.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`] when `k` is not below [`num_affine`](Mlp::num_affine).
    pub fn weight(&self, k: usize) -> Result<ArrayView2<'_, f32>> {
        self.check_affine(k)?;
        Ok(self.layers.weights()[k].view())
    }

    /// Bias of affine layer `k`, shaped `[out]`.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`] when `k` is not below [`num_affine`](Mlp::num_affine).
    pub fn bias(&self, k: usize) -> Result<ArrayView1<'_, f32>> {
        self.check_affine(k)?;
        Ok(self.layers.biases()[k].view())
    }

    /// Layer sizes `[input, hidden…, classes]`.
    pub fn sizes(&self) -> Vec<usize> {
        std::iter::once(self.layers.weights()[0].ncols())
            .chain(self.layers.weights().iter().map(|w| w.nrows()))
            .collect()
    }

    fn check_affine(&self, k: usize) -> Result<(), NetworkError> {
        if k < self.layers.weights().len() {
            Ok(())
        } else {
            Err(NetworkError::NoSuchLayer {
                layer: k,
                num_hidden: self.num_hidden(),
            })
        }
    }

    /// The forward pass on inputs already checked to be finite and as wide
    /// as the network's input.
    fn forward_checked(
        &self,
        inputs: ArrayView2<'_, f32>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>> {
        clamps.validate(&self.hidden_widths())?;
        let z = self.layers.affine(0, inputs);
        Ok(self.run_from(0, z, clamps, observe))
    }

    /// Runs affine layers `k…` from pre-activation `z` of layer `k - 1`'s
    /// successor, i.e. `z` is the pre-activation of hidden layer `k`.
    fn run_from(
        &self,
        mut layer: usize,
        mut z: Array2<f32>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Array2<f32> {
        let num_hidden = self.num_hidden();
        while layer < num_hidden {
            self.activation.apply(z.view_mut());
            clamps.apply(layer, z.view_mut());
            observe(layer, z.view());
            z = self.layers.affine(layer + 1, z.view());
            layer += 1;
        }
        z
    }
}

impl Network for Mlp {
    fn input_width(&self) -> usize {
        self.layers.weights()[0].ncols()
    }

    fn hidden_widths(&self) -> Vec<usize> {
        self.layers.weights()[..self.layers.weights().len() - 1]
            .iter()
            .map(|w| w.nrows())
            .collect()
    }

    fn num_classes(&self) -> usize {
        self.layers.weights()[self.layers.weights().len() - 1].nrows()
    }

    fn num_hidden(&self) -> usize {
        self.layers.weights().len() - 1
    }

    fn forward_hooked(
        &self,
        inputs: ArrayView2<'_, f32>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>> {
        validate_inputs(inputs, self.input_width())?;
        self.forward_checked(inputs, clamps, observe)
    }

    /// Checks only the width: the rows of a data set are finite.
    fn forward_dataset_rows(
        &self,
        rows: DatasetRows<'_>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>> {
        check_input_width(rows.view(), self.input_width())?;
        self.forward_checked(rows.view(), clamps, observe)
    }

    fn as_resumable(&self) -> Option<&dyn Resumable> {
        Some(self)
    }
}

impl Resumable for Mlp {
    fn readout(&self, layer: usize) -> Result<(ArrayView2<'_, f32>, ArrayView1<'_, f32>)> {
        if layer >= self.num_hidden() {
            return Err(NetworkError::NoSuchLayer {
                layer,
                num_hidden: self.num_hidden(),
            }
            .into());
        }
        Ok((
            self.layers.weights()[layer + 1].view(),
            self.layers.biases()[layer + 1].view(),
        ))
    }

    fn activate(&self, layer: usize, z: ArrayViewMut2<'_, f32>) -> Result<()> {
        if layer >= self.num_hidden() {
            return Err(NetworkError::NoSuchLayer {
                layer,
                num_hidden: self.num_hidden(),
            }
            .into());
        }
        self.activation.apply(z);
        Ok(())
    }
}
