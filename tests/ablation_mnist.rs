//! Fast path = plain path on networks trained on real MNIST (the shipped sample).

use std::path::Path as FsPath;

use approx::assert_relative_eq;
use infoablate::ablation::{Engine, NeuronValues, Order, Path, Replacement, Schedule, Scope};
use infoablate::data::{Split, load_mnist_dir};
use infoablate::network::{Activation, Init, Mlp, Network, TrainConfig};
use infoablate::rand::rngs::StdRng;
use infoablate::rand::{Rng, SeedableRng};
use infoablate::record::{DenseRecorder, record};

/// Loss agreement between the paths (relative), as the engine promises.
const LOSS_REL: f64 = 1e-5;

#[test]
fn fast_equals_plain_at_every_k_on_mnist_models() {
    let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    let train = load_mnist_dir(&dir, Split::Train).unwrap();
    let test = load_mnist_dir(&dir, Split::Test).unwrap();
    for activation in [Activation::Relu, Activation::Tanh] {
        let mut rng = StdRng::seed_from_u64(1);
        let mut mlp = Mlp::new(
            &[784, 48, 40, 32, 10],
            activation,
            Init::for_activation(activation),
            &mut rng,
        )
        .unwrap();
        let config = TrainConfig {
            epochs: 2,
            ..TrainConfig::default()
        };
        mlp.train(&train, &config, &mut |_| {}).unwrap();
        let analysis = train.head(2000).unwrap();
        let rec = record(&mlp, &analysis, DenseRecorder::all(3).unwrap(), 500, &mut |_| {}).unwrap();
        let scores: Vec<Vec<f64>> = mlp
            .hidden_widths()
            .iter()
            .map(|&w| (0..w).map(|_| rng.random::<f64>()).collect())
            .collect();
        for replacement in [Replacement::Zero, Replacement::Mean(NeuronValues::means_of(&rec))] {
            let fast = Engine::new(&mlp, &test)
                .unwrap()
                .replacement(replacement.clone())
                .path(Path::Fast);
            let plain = Engine::new(&mlp, &test)
                .unwrap()
                .replacement(replacement)
                .path(Path::Plain);
            for scope in [Scope::Layer(0), Scope::Layer(2), Scope::Global] {
                for schedule in [
                    Schedule::by_scores("s", scores.clone(), Order::Descending, scope),
                    Schedule::random(3, scope),
                ] {
                    let (f, p) = (fast.run(&schedule).unwrap(), plain.run(&schedule).unwrap());
                    assert_eq!(f.points.len(), p.points.len());
                    for (a, b) in f.points.iter().zip(&p.points) {
                        assert_eq!(a.accuracy, b.accuracy, "{activation} {scope} k = {}", a.k);
                        assert_relative_eq!(a.loss, b.loss, max_relative = LOSS_REL);
                    }
                }
            }
        }
    }
}
