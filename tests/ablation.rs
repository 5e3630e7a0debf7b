//! The ablation engine against plain re-evaluation and independent constructions.

use approx::assert_relative_eq;
use infoablate::ablation::evaluate;
use infoablate::ablation::{
    AblationCurve, AblationSchedule, Engine, NeuronValues, Order, Path, Replacement, Schedule, Scope,
};
use infoablate::data::Dataset;
use infoablate::network::{Activation, Clamps, Init, Mlp, Network, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};
use infoablate::{Error, ablation::AblationError};
use ndarray::{Array1, Array2};
use ndarray_rand::RandomExt;
use ndarray_rand::rand_distr::Uniform;

/// Loss agreement between the fast and plain paths (relative).
const LOSS_REL: f64 = 1e-5;

/// A small trained network on a synthetic 4-class problem.
fn setup(activation: Activation) -> (Mlp, Dataset, Dataset) {
    let mut rng = StdRng::seed_from_u64(3);
    let x = Array2::random_using((1200, 8), Uniform::new(0.0_f32, 1.0).unwrap(), &mut rng);
    let labels: Vec<usize> = x
        .outer_iter()
        .map(|r| usize::from(r[0] + r[1] > 1.0) * 2 + usize::from(r[2] > r[3]))
        .collect();
    let data = Dataset::new(x, labels, 4).unwrap();
    let train = data.select(&(0..800).collect::<Vec<_>>()).unwrap();
    let eval = data.select(&(800..1200).collect::<Vec<_>>()).unwrap();
    let mut mlp = Mlp::new(
        &[8, 12, 10, 9, 4],
        activation,
        Init::for_activation(activation),
        &mut rng,
    )
    .unwrap();
    let config = TrainConfig {
        epochs: 30,
        batch_size: 32,
        ..TrainConfig::default()
    };
    mlp.train(&train, &config, &mut |_| {}).unwrap();
    (mlp, train, eval)
}

fn scores_for(mlp: &Mlp, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    mlp.hidden_widths()
        .iter()
        .map(|&w| Array1::random_using(w, Uniform::new(0.0, 1.0).unwrap(), &mut rng).to_vec())
        .collect()
}

fn assert_same_curve(fast: &AblationCurve, plain: &AblationCurve) {
    assert_eq!(fast.points.len(), plain.points.len());
    for (f, p) in fast.points.iter().zip(&plain.points) {
        assert_eq!(f.k, p.k);
        assert_eq!(f.accuracy, p.accuracy, "accuracy differs at k = {}", f.k);
        assert_relative_eq!(f.loss, p.loss, max_relative = LOSS_REL);
    }
}

fn schedules(mlp: &Mlp) -> Vec<Schedule> {
    let scores = scores_for(mlp, 11);
    let mut out = Vec::new();
    let scopes = (0..mlp.num_hidden()).map(Scope::Layer).chain([Scope::Global]);
    for scope in scopes {
        out.push(Schedule::by_scores("s", scores.clone(), Order::Descending, scope));
        out.push(Schedule::by_scores("s", scores.clone(), Order::Ascending, scope));
        out.push(Schedule::random(5, scope));
    }
    // Global steps of several removals over every layer: the fast path
    // queues them and applies them top layer first.
    let total: usize = mlp.hidden_widths().iter().sum();
    let sparse = vec![0, 4, 9, 17, total];
    out.push(Schedule::random(6, Scope::Global).at(sparse.clone()));
    out.push(Schedule::by_scores("s", scores, Order::Descending, Scope::Global).at(sparse));
    out
}

/// Every activation: the fast path's sparse updates skip only samples whose
/// output already equals the replacement, so it matches the plain path
/// whatever the activation's zeros.
#[test]
fn fast_path_equals_plain_path_everywhere() {
    for activation in [
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Gelu,
        Activation::Silu,
        Activation::LeakyRelu { negative_slope: 0.01 },
        Activation::LeakyRelu { negative_slope: 0.0 },
        Activation::Elu { alpha: 1.0 },
    ] {
        let (mlp, train, eval) = setup(activation);
        let rec = record(
            &mlp,
            &train,
            DenseRecorder::all(mlp.num_hidden()).unwrap(),
            100,
            &mut |_| {},
        )
        .unwrap();
        for replacement in [Replacement::Zero, Replacement::Mean(NeuronValues::means_of(&rec))] {
            let fast = Engine::new(&mlp, &eval)
                .unwrap()
                .replacement(replacement.clone())
                .path(Path::Fast)
                .chunk_size(64)
                .unwrap();
            let plain = Engine::new(&mlp, &eval)
                .unwrap()
                .replacement(replacement)
                .path(Path::Plain);
            for schedule in schedules(&mlp) {
                assert_same_curve(&fast.run(&schedule).unwrap(), &plain.run(&schedule).unwrap());
            }
        }
    }
}

#[test]
fn k_zero_is_the_unablated_evaluation() {
    let (mlp, _, eval) = setup(Activation::Relu);
    let base = evaluate(&mlp, &eval, 1000).unwrap();
    for path in [Path::Fast, Path::Plain] {
        let engine = Engine::new(&mlp, &eval).unwrap().path(path);
        for schedule in schedules(&mlp) {
            let curve = engine.run(&schedule).unwrap();
            let p0 = curve.at(0).unwrap();
            assert_eq!(p0.accuracy, base.accuracy);
            assert_relative_eq!(p0.loss, base.loss, max_relative = 1e-12);
        }
    }
}

/// Zeroing a whole layer equals a network whose layer weights and biases are 0
/// (ReLU(0) = tanh(0) = 0), built independently.
#[test]
fn whole_layer_zero_equals_a_zeroed_layer() {
    for activation in [Activation::Relu, Activation::Tanh] {
        let (mlp, _, eval) = setup(activation);
        for layer in 0..mlp.num_hidden() {
            let curve = Engine::new(&mlp, &eval)
                .unwrap()
                .run(&Schedule::random(1, Scope::Layer(layer)))
                .unwrap();
            let mut layers: Vec<(Array2<f32>, Array1<f32>)> = (0..mlp.num_affine())
                .map(|k| (mlp.weight(k).unwrap().to_owned(), mlp.bias(k).unwrap().to_owned()))
                .collect();
            layers[layer].0.fill(0.0);
            layers[layer].1.fill(0.0);
            let zeroed = Mlp::from_layers(layers, activation).unwrap();
            let expected = evaluate(&zeroed, &eval, 1000).unwrap();
            let last = curve.points.last().unwrap();
            assert_eq!(last.k, mlp.hidden_widths()[layer]);
            assert_eq!(last.accuracy, expected.accuracy);
            assert_relative_eq!(last.loss, expected.loss, max_relative = LOSS_REL);
        }
    }
}

/// Mean ablation equals folding `w · mean` into the next layer's bias.
#[test]
fn mean_ablation_equals_bias_balancing() {
    let (mlp, train, eval) = setup(Activation::Sigmoid);
    let rec = record(
        &mlp,
        &train,
        DenseRecorder::all(mlp.num_hidden()).unwrap(),
        256,
        &mut |_| {},
    )
    .unwrap();
    let means = NeuronValues::means_of(&rec);
    let order = vec![(1, 3), (1, 0), (1, 7), (1, 2)];
    let curve = Engine::new(&mlp, &eval)
        .unwrap()
        .replacement(Replacement::Mean(means.clone()))
        .run(&Schedule::explicit(order.clone()))
        .unwrap();
    for k in 0..=order.len() {
        let mut w = mlp.weight(2).unwrap().to_owned();
        let mut b = mlp.bias(2).unwrap().to_owned();
        for &(layer, neuron) in &order[..k] {
            // Mean in f64 from the recording, independently of NeuronValues.
            let column = rec.layer(layer).unwrap().column(neuron).mapv(f64::from);
            let mean = column.sum() / column.len() as f64;
            for r in 0..w.nrows() {
                b[r] += (f64::from(w[[r, neuron]]) * mean) as f32;
                w[[r, neuron]] = 0.0;
            }
        }
        let mut layers: Vec<(Array2<f32>, Array1<f32>)> = (0..mlp.num_affine())
            .map(|j| (mlp.weight(j).unwrap().to_owned(), mlp.bias(j).unwrap().to_owned()))
            .collect();
        layers[2] = (w, b);
        let folded = Mlp::from_layers(layers, Activation::Sigmoid).unwrap();
        let expected = evaluate(&folded, &eval, 1000).unwrap();
        let point = curve.at(k).unwrap();
        assert_eq!(point.accuracy, expected.accuracy, "k = {k}");
        assert_relative_eq!(point.loss, expected.loss, max_relative = LOSS_REL);
    }
}

#[test]
fn random_orders_are_reproducible_by_seed() {
    let widths = [12, 10, 9];
    let a = Schedule::random(42, Scope::Global).neurons(&widths).unwrap();
    let b = Schedule::random(42, Scope::Global).neurons(&widths).unwrap();
    let c = Schedule::random(43, Scope::Global).neurons(&widths).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    let mut sorted = a.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, Scope::Global.neurons(&widths).unwrap());
}

#[test]
fn random_band_brackets_its_mean() {
    let (mlp, _, eval) = setup(Activation::Relu);
    let engine = Engine::new(&mlp, &eval).unwrap();
    let seeds: Vec<u64> = (0..10).collect();
    let band = engine
        .random_band(Scope::Layer(0), &seeds, None, (10.0, 90.0), &mut |_| {})
        .unwrap();
    assert_eq!(band.k, (0..=12).collect::<Vec<_>>());
    assert_eq!(band.seeds, seeds);
    for j in 0..band.k.len() {
        assert!(band.min_accuracy[j] <= band.lower_accuracy[j]);
        assert!(band.lower_accuracy[j] <= band.mean_accuracy[j] + 1e-12);
        assert!(band.mean_accuracy[j] <= band.upper_accuracy[j] + 1e-12);
        assert!(band.upper_accuracy[j] <= band.max_accuracy[j]);
    }
    // At k = 0 every seed gives the unablated network.
    assert_eq!(band.min_accuracy[0], band.max_accuracy[0]);
}

fn ablation_error(result: Result<AblationCurve, Error>) -> AblationError {
    match result {
        Err(Error::Ablation(e)) => e,
        other => panic!("expected an ablation error, got {other:?}"),
    }
}

#[test]
fn invalid_schedules_are_typed_errors() {
    let (mlp, _, eval) = setup(Activation::Relu);
    let engine = Engine::new(&mlp, &eval).unwrap();
    let run = |s: &dyn AblationSchedule| ablation_error(engine.run(s));
    assert_eq!(
        run(&Schedule::random(0, Scope::Layer(3))),
        AblationError::UnknownLayer {
            layer: 3,
            num_hidden: 3
        }
    );
    assert_eq!(
        run(&Schedule::explicit(vec![(0, 1), (0, 1)])),
        AblationError::DuplicateNeuron { layer: 0, neuron: 1 }
    );
    assert_eq!(
        run(&Schedule::explicit(vec![(1, 10)])),
        AblationError::NeuronOutOfRange {
            layer: 1,
            neuron: 10,
            width: 10
        }
    );
    assert!(matches!(
        run(&Schedule::by_scores(
            "mi",
            vec![vec![0.0; 11]],
            Order::Ascending,
            Scope::Layer(0)
        )),
        AblationError::WrongLength {
            layer: 0,
            width: 12,
            got: 11,
            ..
        }
    ));
    let mut nan = vec![vec![0.0; 12]];
    nan[0][4] = f64::NAN;
    assert!(matches!(
        run(&Schedule::by_scores("mi", nan, Order::Ascending, Scope::Layer(0))),
        AblationError::NonFinite {
            layer: 0,
            neuron: 4,
            ..
        }
    ));
    assert_eq!(
        run(&Schedule::random(0, Scope::Layer(0)).at(vec![0, 13])),
        AblationError::Checkpoint { k: 13, n: 12 }
    );
    let only_layer_0 = NeuronValues::new(vec![vec![0.0; 12]]).unwrap();
    let constant = Engine::new(&mlp, &eval)
        .unwrap()
        .replacement(Replacement::Constant(only_layer_0));
    assert_eq!(
        ablation_error(constant.run(&Schedule::random(0, Scope::Layer(1)))),
        AblationError::MissingReplacement { layer: 1 }
    );
    assert!(matches!(
        engine.chunk_size(0),
        Err(Error::Ablation(AblationError::Parameter { .. }))
    ));
}

/// A network without the resume capability still works, on the plain path,
/// and refuses the fast one.
#[test]
fn a_network_without_resume_runs_plain() {
    struct Opaque(Mlp);
    impl Network for Opaque {
        fn input_width(&self) -> usize {
            self.0.input_width()
        }
        fn hidden_widths(&self) -> Vec<usize> {
            self.0.hidden_widths()
        }
        fn num_classes(&self) -> usize {
            self.0.num_classes()
        }
        fn forward_hooked(
            &self,
            inputs: ndarray::ArrayView2<'_, f32>,
            clamps: &Clamps,
            observe: &mut dyn FnMut(usize, ndarray::ArrayView2<'_, f32>),
        ) -> infoablate::Result<Array2<f32>> {
            self.0.forward_hooked(inputs, clamps, observe)
        }
    }
    let (mlp, _, eval) = setup(Activation::Relu);
    let opaque = Opaque(mlp.clone());
    let schedule = Schedule::random(9, Scope::Global);
    let auto = Engine::new(&opaque, &eval).unwrap().run(&schedule).unwrap();
    let fast = Engine::new(&mlp, &eval).unwrap().run(&schedule).unwrap();
    assert_same_curve(&fast, &auto);
    assert!(matches!(
        Engine::new(&opaque, &eval).unwrap().path(Path::Fast).run(&schedule),
        Err(Error::Ablation(AblationError::Parameter { name: "path", .. }))
    ));
}
