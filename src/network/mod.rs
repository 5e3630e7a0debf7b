//! What a model offers the crate, and (feature `mlp`) the built-in `Mlp`.
//!
//! The crate asks a model only for the small capabilities an algorithm needs
//! (in the manner of petgraph's visit traits):
//!
//! | capability | needed by | built-in `Mlp` | a model of yours |
//! |---|---|---|---|
//! | [`Network`]: widths + forward pass with [`Clamps`] and an observer | recording, measures, the plain ablation path | yes | a few dozen lines (see `examples/custom_network.rs`) |
//! | [`Resumable`]: affine read-out of each hidden layer + resume from pre-activations | the fast ablation path, weight-norm baselines | yes | optional |
//!
//! Hidden layers are numbered from 0 (the first hidden layer). A hidden
//! layer's *output* is its post-activation value — what the next layer reads.

mod activation;
#[cfg(feature = "mlp")]
mod affine;
mod clamps;
#[cfg(feature = "mlp")]
mod mlp;
#[cfg(feature = "mlp")]
mod train;
#[cfg(feature = "mlp")]
mod weights;

pub use activation::Activation;
pub use clamps::Clamps;
#[cfg(feature = "mlp")]
pub use mlp::{Init, Mlp};
#[cfg(feature = "mlp")]
pub use train::{EpochReport, Optimizer, TrainConfig, TrainObserver};
#[cfg(feature = "mlp")]
pub use weights::{
    ACTIVATION_KEY, LayerNames, Layers, LoadOptions, ModelMetadata, NORMALIZE_MEAN_KEY, NORMALIZE_STD_KEY, NamedLayer,
    WeightsError, safetensors_layers,
};

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use crate::Result;
use crate::data::Dataset;

/// Errors from running a network on inputs it cannot take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The inputs have a different number of columns than the network's input width.
    #[error("input width {got} does not match the network's input width {expected}")]
    InputWidth {
        /// The network's input width.
        expected: usize,
        /// The inputs' column count.
        got: usize,
    },
    /// An input value is NaN or infinite.
    #[error("input value at sample {sample}, feature {feature} is {value} (not finite)")]
    NonFiniteInput {
        /// Row of the offending value.
        sample: usize,
        /// Column of the offending value.
        feature: usize,
        /// The value itself.
        value: f32,
    },
    /// A hidden-layer index beyond the network's hidden layers.
    #[error("hidden layer {layer} does not exist: the network has {num_hidden} hidden layers")]
    NoSuchLayer {
        /// The requested layer.
        layer: usize,
        /// How many hidden layers there are.
        num_hidden: usize,
    },
    /// A neuron index beyond its layer's width.
    #[error("neuron {neuron} does not exist in hidden layer {layer} of width {width}")]
    NoSuchNeuron {
        /// The layer.
        layer: usize,
        /// The requested neuron.
        neuron: usize,
        /// The layer's width.
        width: usize,
    },
    /// A matrix handed to the network has the wrong shape.
    #[error("{what} has shape {got:?}, expected {expected:?}")]
    Shape {
        /// What the matrix is.
        what: String,
        /// The shape the network expects.
        expected: Vec<usize>,
        /// The shape it got.
        got: Vec<usize>,
    },
    /// A forward pass from finite inputs produced a NaN or infinite value: the
    /// first place it shows, a hidden layer's output or the logits.
    #[error("the forward pass overflows: {} is {value} at sample {sample}", overflow_place(*.layer))]
    NonFiniteOutput {
        /// The first hidden layer whose output is not finite, or `None` when
        /// every hidden layer is finite and the logits are not.
        layer: Option<usize>,
        /// The sample (index in the data set).
        sample: usize,
        /// The first non-finite value there.
        value: f32,
    },
    /// A network needs at least one hidden layer and non-zero widths.
    #[error("invalid architecture: {0}")]
    Architecture(String),
    /// A hyper-parameter is out of its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    Parameter {
        /// The parameter's name.
        name: &'static str,
        /// Its value, printed.
        value: String,
        /// Why it is rejected.
        reason: &'static str,
    },
}

/// Where a forward pass overflows, for [`NetworkError::NonFiniteOutput`].
fn overflow_place(layer: Option<usize>) -> String {
    match layer {
        Some(layer) => format!("the output of hidden layer {layer}"),
        None => "a logit".to_string(),
    }
}

/// A feed-forward classifier whose hidden layers can be observed and clamped.
///
/// Implement the required methods; [`Network::forward`] and
/// [`Network::num_hidden`] come for free. During
/// [`forward_hooked`](Network::forward_hooked) an implementation must, for
/// each hidden layer `ℓ` in order: compute the layer's post-activation output
/// `h` (`samples × width`), call [`Clamps::apply`] with `ℓ` on it, then hand
/// it to `observe(ℓ, h.view())` and feed it on to the next layer. A model that
/// can also resume from a hidden layer says so through
/// [`as_resumable`](Network::as_resumable).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::network::{Activation, Clamps, Mlp, Network};
/// use ndarray::array;
///
/// // 2 inputs -> 2 hidden (ReLU) -> 2 classes, weights in PyTorch's [out, in] layout.
/// let mlp = Mlp::from_layers(
///     vec![
///         (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
///         (array![[1.0, -1.0], [-1.0, 1.0]], array![0.0, 0.5]),
///     ],
///     Activation::Relu,
/// )?;
/// let x = array![[2.0_f32, 1.0]];
/// assert_eq!(mlp.forward(x.view())?, array![[1.0_f32, -0.5]]);
///
/// // Clamp hidden neuron 0 of layer 0 to zero and watch the layer.
/// let mut clamps = Clamps::new();
/// clamps.set(0, 0, 0.0);
/// let mut seen = Vec::new();
/// let logits = mlp.forward_hooked(x.view(), &clamps, &mut |layer, h| seen.push((layer, h.to_owned())))?;
/// assert_eq!(seen[0].1, array![[0.0_f32, 1.0]]);
/// assert_eq!(logits, array![[-1.0_f32, 1.5]]);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
pub trait Network {
    /// Number of input features.
    fn input_width(&self) -> usize;
    /// Width of each hidden layer, first hidden layer first.
    fn hidden_widths(&self) -> Vec<usize>;
    /// Number of classes (output logits).
    fn num_classes(&self) -> usize;
    /// Forward pass on a batch (rows = samples) to logits (`samples × classes`),
    /// replacing clamped neurons' outputs and showing each hidden layer's
    /// output to `observe`.
    ///
    /// # Errors
    /// [`NetworkError::InputWidth`] (and whatever the model itself rejects).
    fn forward_hooked(
        &self,
        inputs: ArrayView2<'_, f32>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>>;

    /// Plain forward pass to logits.
    ///
    /// # Errors
    /// As [`forward_hooked`](Network::forward_hooked).
    fn forward(&self, inputs: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        self.forward_hooked(inputs, &Clamps::new(), &mut |_, _| {})
    }

    /// [`forward_hooked`](Network::forward_hooked) on rows of a
    /// [`Dataset`], which are finite by construction:
    /// an implementation may skip its own scan for NaN and infinite inputs
    /// (it must still check their width). The library calls it when it runs
    /// a network over a data set ([`record`](crate::record::record),
    /// [`evaluate`](crate::ablation::evaluate)); the default calls
    /// `forward_hooked`.
    ///
    /// # Errors
    /// As [`forward_hooked`](Network::forward_hooked).
    fn forward_dataset_rows(
        &self,
        rows: DatasetRows<'_>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>> {
        self.forward_hooked(rows.view(), clamps, observe)
    }

    /// Number of hidden layers.
    fn num_hidden(&self) -> usize {
        self.hidden_widths().len()
    }

    /// The [`Resumable`] capability, if the model has it. Engines that can
    /// use it (the fast ablation path) fall back to full forward passes when
    /// this is `None`, the default.
    fn as_resumable(&self) -> Option<&dyn Resumable> {
        None
    }
}

/// References and smart pointers to a network are networks: an engine can
/// hold a `Box<dyn Network + Sync>` or share an `Arc<Mlp>`.
macro_rules! forward_network {
    ($($ptr:ty),+) => {$(
        impl<T: Network + ?Sized> Network for $ptr {
            fn input_width(&self) -> usize {
                (**self).input_width()
            }
            fn hidden_widths(&self) -> Vec<usize> {
                (**self).hidden_widths()
            }
            fn num_classes(&self) -> usize {
                (**self).num_classes()
            }
            fn forward_hooked(&self, inputs: ArrayView2<'_, f32>, clamps: &Clamps,
                observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>)) -> Result<Array2<f32>> {
                (**self).forward_hooked(inputs, clamps, observe)
            }
            fn forward(&self, inputs: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
                (**self).forward(inputs)
            }
            fn forward_dataset_rows(&self, rows: DatasetRows<'_>, clamps: &Clamps,
                observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>)) -> Result<Array2<f32>> {
                (**self).forward_dataset_rows(rows, clamps, observe)
            }
            fn num_hidden(&self) -> usize {
                (**self).num_hidden()
            }
            fn as_resumable(&self) -> Option<&dyn Resumable> {
                (**self).as_resumable()
            }
        }
    )+};
}

forward_network!(&T, Box<T>, std::sync::Arc<T>);

/// A network whose hidden layers are read by affine maps and whose hidden
/// nonlinearities can be applied one layer at a time.
///
/// With it, an engine caches hidden layers, applies changes to one as sparse
/// rank-1 updates of the next layer's pre-activations, and re-runs only the
/// samples and layers that lie downstream of a change. Two methods suffice;
/// the resume methods come for free. The fast path scores chunks of samples
/// in parallel, hence `Sync`.
pub trait Resumable: Network + Sync {
    /// The affine map that reads hidden layer `layer`: weight `W` shaped
    /// `[next, width]` (PyTorch's `[out, in]`) and bias `b` shaped `[next]`,
    /// where `next` is the width of layer `layer + 1`, or the class count for
    /// the last hidden layer. The next pre-activation is `z = h·Wᵀ + b`.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`].
    fn readout(&self, layer: usize) -> Result<(ArrayView2<'_, f32>, ArrayView1<'_, f32>)>;

    /// Applies hidden layer `layer`'s nonlinearity in place to its
    /// pre-activations `z` (`samples × width`), giving the layer's output.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`].
    fn activate(&self, layer: usize, z: ArrayViewMut2<'_, f32>) -> Result<()>;

    /// Continues the forward pass from the pre-activations `z` of hidden layer
    /// `layer` (for `layer == num_hidden()`, `z` are the logits and are
    /// returned unchanged), applying `clamps` of layers `layer` and above.
    ///
    /// # Errors
    /// [`NetworkError::NoSuchLayer`], [`NetworkError::Shape`].
    fn resume_from_preactivation(&self, layer: usize, z: ArrayView2<'_, f32>, clamps: &Clamps) -> Result<Array2<f32>> {
        let num_hidden = self.num_hidden();
        if layer > num_hidden {
            return Err(NetworkError::NoSuchLayer { layer, num_hidden }.into());
        }
        let mut z = z.to_owned();
        for l in layer..num_hidden {
            self.activate(l, z.view_mut())?;
            clamps.apply(l, z.view_mut());
            z = self.resume_step(l, z.view())?;
        }
        Ok(z)
    }

    /// Continues the forward pass from hidden layer `layer`'s output `h`
    /// (already clamped as wanted), applying `clamps` of later layers.
    ///
    /// # Errors
    /// As [`readout`](Resumable::readout) and
    /// [`resume_from_preactivation`](Resumable::resume_from_preactivation).
    fn resume_from_output(&self, layer: usize, h: ArrayView2<'_, f32>, clamps: &Clamps) -> Result<Array2<f32>> {
        let z = self.resume_step(layer, h)?;
        self.resume_from_preactivation(layer + 1, z.view(), clamps)
    }

    /// `h·Wᵀ + b` for the read-out of hidden layer `layer`.
    ///
    /// # Errors
    /// As [`readout`](Resumable::readout), and [`NetworkError::Shape`] when
    /// `h` has the wrong width.
    fn resume_step(&self, layer: usize, h: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        let (w, b) = self.readout(layer)?;
        if h.ncols() != w.ncols() {
            return Err(NetworkError::Shape {
                what: format!("output of hidden layer {layer}"),
                expected: vec![h.nrows(), w.ncols()],
                got: h.shape().to_vec(),
            }
            .into());
        }
        let mut z = h.dot(&w.t());
        z += &b.insert_axis(ndarray::Axis(0));
        Ok(z)
    }
}

/// Samples `start … end` of a [`Dataset`], whose inputs are finite by
/// construction, for [`Network::forward_dataset_rows`]. Only the library
/// makes one, from a data set.
#[derive(Debug, Clone, Copy)]
pub struct DatasetRows<'a>(ArrayView2<'a, f32>);

impl<'a> DatasetRows<'a> {
    /// Samples `start … end` of `data` (`start ≤ end ≤ data.len()`, which
    /// the library's loops over a data set keep).
    pub(crate) fn of(data: &'a Dataset, start: usize, end: usize) -> Self {
        DatasetRows(data.inputs().slice_move(ndarray::s![start..end, ..]))
    }

    /// The inputs, `samples × features`.
    pub fn view(&self) -> ArrayView2<'a, f32> {
        self.0
    }
}

/// Checks that `inputs` has `width` columns and only finite values.
///
/// Library code calls this before handing a caller's inputs to any
/// [`Network`]; implementations of [`Network`] may call it too.
///
/// # Errors
/// [`NetworkError::InputWidth`], [`NetworkError::NonFiniteInput`].
pub fn validate_inputs(inputs: ArrayView2<'_, f32>, width: usize) -> Result<(), NetworkError> {
    check_input_width(inputs, width)?;
    match crate::finite::first_non_finite(inputs) {
        None => Ok(()),
        Some(((sample, feature), value)) => Err(NetworkError::NonFiniteInput { sample, feature, value }),
    }
}

/// Checks that `inputs` has `width` columns; enough for the inputs of a
/// [`Dataset`], which are finite by construction.
///
/// # Errors
/// [`NetworkError::InputWidth`].
pub(crate) fn check_input_width(inputs: ArrayView2<'_, f32>, width: usize) -> Result<(), NetworkError> {
    if inputs.ncols() != width {
        return Err(NetworkError::InputWidth {
            expected: width,
            got: inputs.ncols(),
        });
    }
    Ok(())
}

/// A network must have at least as many outputs as the data has classes.
pub(crate) fn check_classes(network: usize, data: usize) -> Result<(), NetworkError> {
    if network < data {
        return Err(NetworkError::Parameter {
            name: "num_classes",
            value: data.to_string(),
            reason: "the data set has more classes than the network has outputs",
        });
    }
    Ok(())
}

/// Runs `network` on `inputs` and checks that it is what it says: it shows
/// each hidden layer once, in order, with as many rows as `inputs` and the
/// width [`Network::hidden_widths`] gives, and returns one logit per class
/// ([`Network::num_classes`]) for each row. Returns the hidden widths.
///
/// The engine runs it on one sample before trusting a network's widths.
///
/// # Errors
/// [`NetworkError::Shape`] naming what does not fit, and whatever the
/// network returns.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::network::{Activation, Mlp, check_network};
/// use ndarray::array;
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0]], array![0.0]), (array![[1.0], [-1.0]], array![0.0, 0.0])],
///     Activation::Relu,
/// )?;
/// assert_eq!(check_network(&mlp, array![[1.0_f32, 2.0]].view())?, vec![1]);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn check_network<N: Network + ?Sized>(network: &N, inputs: ArrayView2<'_, f32>) -> Result<Vec<usize>> {
    let widths = network.hidden_widths();
    let rows = inputs.nrows();
    let mut seen = 0;
    let mut mismatch: Option<NetworkError> = None;
    let logits = network.forward_hooked(inputs, &Clamps::new(), &mut |layer, h| {
        if mismatch.is_some() {
            return;
        }
        let expected = widths.get(layer).filter(|_| layer == seen);
        match expected {
            Some(&width) if h.dim() == (rows, width) => seen += 1,
            _ => {
                mismatch = Some(NetworkError::Shape {
                    what: format!("hidden layer {layer} shown as hidden layer {seen} of {}", widths.len()),
                    expected: vec![rows, widths.get(seen).copied().unwrap_or(0)],
                    got: h.shape().to_vec(),
                })
            }
        }
    })?;
    if let Some(e) = mismatch {
        return Err(e.into());
    }
    if seen != widths.len() {
        return Err(NetworkError::Shape {
            what: "hidden layers shown by a forward pass".into(),
            expected: vec![widths.len()],
            got: vec![seen],
        }
        .into());
    }
    if logits.dim() != (rows, network.num_classes()) {
        return Err(NetworkError::Shape {
            what: "logits".into(),
            expected: vec![rows, network.num_classes()],
            got: logits.shape().to_vec(),
        }
        .into());
    }
    Ok(widths)
}
