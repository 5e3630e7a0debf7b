//! The means of bias balancing summed batch by batch (`MeanRecorder`) equal
//! those of a full recording (`NeuronValues::means_of`) to the bit, on the
//! shipped MNIST sample; a NaN input still fails before any forward pass.
#![cfg(all(feature = "mlp", feature = "datasets"))]

use std::path::Path;

use infoablate::Error;
use infoablate::ablation::{MeanRecorder, NeuronValues};
use infoablate::data::{Dataset, Split, load_mnist_dir};
use infoablate::network::{Activation, Init, Mlp, Network, NetworkError};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};

fn sample() -> Dataset {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    load_mnist_dir(&dir, Split::Test).expect("the shipped MNIST sample")
}

#[test]
fn batch_means_equal_the_recording_means_on_mnist() {
    let data = sample();
    let mut rng = StdRng::seed_from_u64(11);
    let mlp = Mlp::new(&[784, 40, 30, 10], Activation::Tanh, Init::Xavier, &mut rng).unwrap();
    let recording = record(&mlp, &data, DenseRecorder::all(2).unwrap(), 1000, &mut |_| {}).unwrap();
    let expected = NeuronValues::means_of(&recording);
    let got = record(&mlp, &data, MeanRecorder::new(&[1, 0]).unwrap(), 333, &mut |_| {}).unwrap();
    for (layer, width) in mlp.hidden_widths().into_iter().enumerate() {
        for neuron in 0..width {
            let bits = |v: &NeuronValues| v.value((layer, neuron)).unwrap().to_bits();
            assert_eq!(bits(&got), bits(&expected), "layer {layer}, neuron {neuron}");
        }
    }
}

/// A user's network that does not check its inputs: `record` still refuses
/// a NaN in the caller's matrix, because `Dataset::new` does.
#[test]
fn a_nan_input_is_refused_before_recording() {
    let mut inputs = ndarray::Array2::<f32>::zeros((3, 784));
    inputs[[2, 5]] = f32::NAN;
    let err = Dataset::new(inputs.clone(), vec![0, 1, 2], 3).unwrap_err();
    assert!(matches!(err, Error::Data(_)), "{err}");
    let mut rng = StdRng::seed_from_u64(1);
    let mlp = Mlp::new(&[784, 4, 3], Activation::Relu, Init::He, &mut rng).unwrap();
    let err = mlp.forward(inputs.view()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Network(NetworkError::NonFiniteInput {
                sample: 2,
                feature: 5,
                value
            }) if value.is_nan()
        ),
        "{err}"
    );
}

/// Recording and evaluating skip the scan of a data set's finite inputs but
/// still check their width.
#[test]
fn a_data_set_of_the_wrong_width_is_refused() {
    let mut rng = StdRng::seed_from_u64(2);
    let mlp = Mlp::new(&[784, 4, 3], Activation::Relu, Init::He, &mut rng).unwrap();
    let narrow = Dataset::new(ndarray::Array2::zeros((2, 3)), vec![0, 1], 3).unwrap();
    let err = record(&mlp, &narrow, MeanRecorder::new(&[0]).unwrap(), 1, &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, Error::Network(NetworkError::InputWidth { expected: 784, got: 3 })),
        "{err}"
    );
    let err = infoablate::ablation::evaluate(&mlp, &narrow, 1).unwrap_err();
    assert!(matches!(err, Error::Network(NetworkError::InputWidth { .. })), "{err}");
}
