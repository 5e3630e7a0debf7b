//! Pairs of real neurons: a ReLU network trained on the shipped MNIST
//! sample, every pair of its hidden layer.

use std::path::Path;

use approx::assert_abs_diff_eq;
use infoablate::data::{Split, load_mnist_dir};
use infoablate::measures::{LayerQuantizer, Quantizer, Units};
use infoablate::network::{Activation, Init, Mlp, TrainConfig};
use infoablate::pairs::{PairAnalysis, PairCounts, PairSettings, PairTable, all_pairs, red_broja_conic};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};

/// `red_broja` of the dedicated binary solver against Clarabel.
const SOLVERS: f64 = 1e-6;
/// Rounding slack of the exact measures.
const ROUNDING: f64 = 1e-9;

#[test]
fn every_pair_of_a_trained_relu_layer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    let train = load_mnist_dir(&dir, Split::Train).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let mut mlp = Mlp::new(&[784, 24, 10], Activation::Relu, Init::He, &mut rng).unwrap();
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    mlp.train(&train, &config, &mut |_| {}).unwrap();
    let analysis = train.head(3000).unwrap();
    let rec = record(&mlp, &analysis, DenseRecorder::all(1).unwrap(), 500, &mut |_| {}).unwrap();
    let acts = rec.layer(0).unwrap();
    let pairs = all_pairs(24);
    for quantizer in [
        Quantizer::binary(0.0).unwrap(),
        Quantizer::zero_and_equal_width(3).unwrap(),
    ] {
        let q = LayerQuantizer::fit(quantizer, acts).unwrap();
        let counts = PairCounts::from_activations(acts, rec.labels(), 10, &q, &pairs).unwrap();
        let result = PairAnalysis::compute(&counts, &PairSettings::default()).unwrap();
        for ((&(i, j), m), table) in pairs.iter().zip(result.measures()).zip(counts.tables()) {
            let (a, b) = (acts.column(i).to_vec(), acts.column(j).to_vec());
            let one_pass =
                PairTable::from_activations(&a, &b, rec.labels(), 10, (&q.neuron(i).unwrap(), &q.neuron(j).unwrap()))
                    .unwrap();
            assert_eq!(table, &one_pass, "{quantizer} ({i}, {j})");
            let (broja, prec) = (m.red_broja.unwrap(), m.red_prec.unwrap());
            let cap = m.mi_1.min(m.mi_2);
            assert!(
                prec >= -ROUNDING && prec <= broja + SOLVERS,
                "{quantizer} ({i}, {j}): {m:?}"
            );
            assert!(
                broja <= cap + SOLVERS && m.red_wb <= cap + ROUNDING,
                "{quantizer} ({i}, {j}): {m:?}"
            );
            assert!(m.red_wb >= prec - ROUNDING, "{quantizer} ({i}, {j}): {m:?}");
            if quantizer.bins() == 2 && (i + j) % 4 == 0 {
                assert_abs_diff_eq!(broja, red_broja_conic(table, Units::Bits).unwrap(), epsilon = SOLVERS);
            }
        }
    }
}
