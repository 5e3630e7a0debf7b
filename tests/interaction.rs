//! Causal pair interaction: the fast path equals re-running the network
//! with the neurons clamped, on every layer, for zero and mean replacement.

use approx::assert_relative_eq;
use infoablate::ablation::{AblationError, Engine, NeuronValues, Order, PairInteraction, Path, Replacement};
use infoablate::data::Dataset;
use infoablate::network::{Activation, Clamps, Init, Mlp, Network, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};
use infoablate::{Error, ablation::Metric};
use ndarray::Array2;
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::Uniform;

/// Agreement of a mean loss computed by a rank-2 update in `f64` and by a
/// full `f32` forward pass (relative).
const LOSS_REL: f64 = 1e-5;
/// Absolute agreement of loss differences, which can be near 0.
const LOSS_ABS: f64 = 1e-5;

/// A small trained network on a 3-class problem, and an evaluation set of
/// 700 samples (more than one chunk of 512).
fn setup(activation: Activation) -> (Mlp, Dataset) {
    let mut rng = StdRng::seed_from_u64(11);
    let x = Array2::random_using((1500, 6), Uniform::new(0.0_f32, 1.0).unwrap(), &mut rng);
    let labels: Vec<usize> = x
        .outer_iter()
        .map(|r| usize::from(r[0] + r[1] > 1.0) + usize::from(r[2] * r[3] > 0.3))
        .collect();
    let data = Dataset::new(x, labels, 3).unwrap();
    let train = data.select(&(0..800).collect::<Vec<_>>()).unwrap();
    let eval = data.select(&(800..1500).collect::<Vec<_>>()).unwrap();
    let mut mlp = Mlp::new(&[6, 9, 8, 7, 3], activation, Init::for_activation(activation), &mut rng).unwrap();
    let config = TrainConfig {
        epochs: 20,
        batch_size: 32,
        ..TrainConfig::default()
    };
    mlp.train(&train, &config, &mut |_| {}).unwrap();
    (mlp, eval)
}

/// Accuracy and mean loss of the network with `neurons` of `layer` clamped,
/// by a full forward pass.
fn clamped(mlp: &Mlp, data: &Dataset, replacement: &Replacement, layer: usize, neurons: &[usize]) -> (f64, f64) {
    let mut clamps = Clamps::new();
    for &n in neurons {
        clamps.set(layer, n, replacement.value((layer, n)).unwrap());
    }
    let logits = mlp.forward_hooked(data.inputs(), &clamps, &mut |_, _| {}).unwrap();
    let mut metric = Metric::new();
    for (row, &label) in logits.outer_iter().zip(data.labels()) {
        assert!(metric.add(row.as_slice().unwrap(), label));
    }
    (metric.accuracy(), metric.mean_loss())
}

/// Checks `pairs` against full forward passes: every single, and the joint
/// effect and interaction of a few pairs.
fn assert_equals_rerun(pairs: &PairInteraction, mlp: &Mlp, data: &Dataset, replacement: &Replacement) {
    let layer = pairs.layer();
    let (acc0, loss0) = clamped(mlp, data, replacement, layer, &[]);
    assert_eq!(pairs.base().accuracy, acc0);
    assert_relative_eq!(pairs.base().loss, loss0, max_relative = LOSS_REL);
    for i in 0..pairs.width() {
        let (acc, loss) = clamped(mlp, data, replacement, layer, &[i]);
        let single = pairs.single(i).unwrap();
        assert_relative_eq!(single.accuracy, acc - acc0, epsilon = 1e-12);
        assert_relative_eq!(single.loss, loss - loss0, epsilon = LOSS_ABS);
    }
    for &(i, j) in &[(0, 1), (2, 5), (1, 6), (3, 4)] {
        let (acc, loss) = clamped(mlp, data, replacement, layer, &[i, j]);
        let (joint, inter) = pairs.get(i, j).unwrap();
        let (si, sj) = (pairs.single(i).unwrap(), pairs.single(j).unwrap());
        assert_relative_eq!(joint.accuracy, acc - acc0, epsilon = 1e-12);
        assert_relative_eq!(joint.loss, loss - loss0, epsilon = LOSS_ABS);
        assert_relative_eq!(inter.accuracy, acc - acc0 - si.accuracy - sj.accuracy, epsilon = 1e-12);
        assert_relative_eq!(inter.loss, loss - loss0 - si.loss - sj.loss, epsilon = LOSS_ABS);
    }
}

#[test]
fn fast_pairs_equal_a_rerun_with_both_neurons_clamped() {
    for activation in [Activation::Relu, Activation::Tanh] {
        let (mlp, data) = setup(activation);
        let engine = Engine::new(&mlp, &data).unwrap().path(Path::Fast);
        for layer in 0..3 {
            let pairs = engine.pair_interaction(layer, None).unwrap();
            assert_eq!(pairs.pairs().len(), pairs.width() * (pairs.width() - 1) / 2);
            assert_equals_rerun(&pairs, &mlp, &data, &Replacement::Zero);
        }
    }
}

#[test]
fn fast_and_plain_paths_agree_with_mean_replacement() {
    let (mlp, data) = setup(Activation::Relu);
    let recording = record(&mlp, &data, DenseRecorder::all(3).unwrap(), 256, &mut |_| {}).unwrap();
    let mean = Replacement::Mean(NeuronValues::means_of(&recording));
    for layer in [0, 2] {
        let engine = Engine::new(&mlp, &data).unwrap().replacement(mean.clone());
        let fast = engine.pair_interaction(layer, None).unwrap();
        let plain = Engine::new(&mlp, &data)
            .unwrap()
            .replacement(mean.clone())
            .path(Path::Plain)
            .pair_interaction(layer, None)
            .unwrap();
        assert_equals_rerun(&fast, &mlp, &data, &mean);
        assert_eq!(
            fast.column("delta_accuracy").unwrap(),
            plain.column("delta_accuracy").unwrap()
        );
        for (f, p) in (fast.column("interaction_loss").unwrap().iter()).zip(&plain.column("interaction_loss").unwrap())
        {
            assert_relative_eq!(f, p, epsilon = LOSS_ABS);
        }
    }
}

#[test]
fn views_rank_and_schedule_the_pairs() {
    let (mlp, data) = setup(Activation::Relu);
    let engine = Engine::new(&mlp, &data).unwrap();
    let chosen = [(0, 3), (1, 2), (0, 2)];
    let pairs = engine.pair_interaction(1, Some(&chosen)).unwrap();
    assert_eq!(pairs.pairs(), &chosen);
    let values = pairs.column("interaction_accuracy").unwrap();
    let m = pairs.matrix("interaction_accuracy").unwrap();
    assert_eq!((m[[3, 0]], m[[0, 3]]), (values[0], values[0]));
    assert!(m[[4, 5]].is_nan() && m[[1, 1]].is_nan());
    let top = pairs.top_k("interaction_accuracy", 1, Order::Ascending).unwrap();
    let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(top[0].1, lowest);
    let means = pairs.neuron_means("interaction_accuracy").unwrap();
    assert_relative_eq!(means[0], (values[0] + values[2]) / 2.0, epsilon = 1e-15);
    assert!(means[7].is_nan());
    // A neuron in no pair has no score: its schedule is refused, typed.
    let partial = pairs.schedule("interaction_loss", Order::Descending).unwrap();
    assert!(matches!(
        engine.run(&partial),
        Err(Error::Ablation(AblationError::NonFinite { .. }))
    ));
    let all = engine.pair_interaction(1, None).unwrap();
    let curve = engine
        .run(&all.schedule("interaction_loss", Order::Descending).unwrap())
        .unwrap();
    assert_eq!(curve.points.len(), all.width() + 1);
    assert_eq!(pairs.to_csv().lines().count(), 1 + chosen.len());
    assert!(matches!(
        pairs.column("synergy"),
        Err(Error::Ablation(AblationError::Parameter { .. }))
    ));
}

#[test]
fn bad_layers_and_pairs_are_typed_errors() {
    let (mlp, data) = setup(Activation::Relu);
    let engine = Engine::new(&mlp, &data).unwrap();
    let err = |r: Result<PairInteraction, Error>| match r {
        Err(Error::Ablation(e)) => e,
        other => panic!("expected an ablation error, got {other:?}"),
    };
    assert!(matches!(
        err(engine.pair_interaction(3, None)),
        AblationError::UnknownLayer {
            layer: 3,
            num_hidden: 3
        }
    ));
    assert!(matches!(
        err(engine.pair_interaction(0, Some(&[(0, 9)]))),
        AblationError::NeuronOutOfRange {
            neuron: 9,
            width: 9,
            ..
        }
    ));
    assert!(matches!(
        err(engine.pair_interaction(0, Some(&[(2, 2)]))),
        AblationError::DuplicateNeuron { neuron: 2, .. }
    ));
    let partial = NeuronValues::new(vec![vec![0.5; 9]]).unwrap();
    let engine = Engine::new(&mlp, &data)
        .unwrap()
        .replacement(Replacement::Constant(partial));
    assert!(matches!(
        err(engine.pair_interaction(1, None)),
        AblationError::MissingReplacement { layer: 1 }
    ));
}
