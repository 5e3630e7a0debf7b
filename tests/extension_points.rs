//! The extension points tested as extension points: user-written schedules,
//! recorders, resumable models and measures, hostile ones included, give
//! typed errors and never a panic.

use approx::assert_relative_eq;
use infoablate::ablation::{
    AblationError, AblationSchedule, Engine, NeuronValues, Path, Replacement, Schedule, ScheduleInfo, Scope, evaluate,
};
use infoablate::data::Dataset;
use infoablate::measures::{InfoMeasure, LayerCounts, LayerQuantizer, NeuronStats, Quantizer, Scores};
use infoablate::network::{Activation, Clamps, Mlp, Network, NetworkError, Resumable};
use infoablate::record::{ActivationRecorder, DenseRecorder, RecordError, record};
use infoablate::{Error, Result};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, array};

/// Exact agreement of the fraction with `k / N`.
const EXACT: f64 = 0.0;

/// 2 inputs → 4 hidden → 3 hidden → 2 classes, ReLU, small weights.
fn mlp() -> Mlp {
    Mlp::from_layers(
        vec![
            (
                array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]],
                array![0.0, 0.0, 0.0, 0.0],
            ),
            (
                array![[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 0.5], [0.5, 0.5, 0.5, 0.5]],
                array![0.0, 0.0, 0.0],
            ),
            (array![[1.0, -1.0, 0.0], [-1.0, 1.0, 0.5]], array![0.0, 0.0]),
        ],
        Activation::Relu,
    )
    .unwrap()
}

fn data() -> Dataset {
    Dataset::new(
        array![[1.0_f32, 0.0], [0.0, 1.0], [2.0, 1.0], [1.0, 3.0], [0.5, 0.5]],
        vec![0, 1, 0, 1, 1],
        2,
    )
    .unwrap()
}

fn ablation_error<T: std::fmt::Debug>(result: Result<T>) -> AblationError {
    match result {
        Err(Error::Ablation(e)) => e,
        other => panic!("expected an ablation error, got {other:?}"),
    }
}

/// A user's schedule that returns whatever it is given.
struct Given {
    neurons: Vec<(usize, usize)>,
    checkpoints: Option<Vec<usize>>,
    scope: Scope,
}

impl AblationSchedule for Given {
    fn neurons(&self, _: &[usize]) -> Result<Vec<(usize, usize)>> {
        Ok(self.neurons.clone())
    }
    fn checkpoints(&self, n: usize) -> Result<Vec<usize>> {
        Ok(self.checkpoints.clone().unwrap_or_else(|| (0..=n).collect()))
    }
    fn info(&self) -> ScheduleInfo {
        ScheduleInfo {
            measure: "given".into(),
            order: None,
            scope: self.scope,
            seed: None,
        }
    }
}

fn given(neurons: Vec<(usize, usize)>, scope: Scope) -> Given {
    Given {
        neurons,
        checkpoints: None,
        scope,
    }
}

#[test]
fn hostile_user_schedules_are_typed_errors_on_both_paths() {
    let (mlp, data) = (mlp(), data());
    for path in [Path::Fast, Path::Plain] {
        let engine = Engine::new(&mlp, &data).unwrap().path(path);
        let run = |s: &dyn AblationSchedule| ablation_error(engine.run(s));
        assert_eq!(
            run(&given(vec![(0, 4)], Scope::Global)),
            AblationError::NeuronOutOfRange {
                layer: 0,
                neuron: 4,
                width: 4
            }
        );
        assert_eq!(
            run(&given(vec![(0, usize::MAX)], Scope::Global)),
            AblationError::NeuronOutOfRange {
                layer: 0,
                neuron: usize::MAX,
                width: 4
            }
        );
        assert_eq!(
            run(&given(vec![(usize::MAX, 0)], Scope::Global)),
            AblationError::UnknownLayer {
                layer: usize::MAX,
                num_hidden: 2
            }
        );
        assert_eq!(
            run(&given(vec![(1, 2), (0, 1), (1, 2)], Scope::Global)),
            AblationError::DuplicateNeuron { layer: 1, neuron: 2 }
        );
        assert_eq!(
            run(&given(vec![(0, 1), (1, 0)], Scope::Layer(0))),
            AblationError::OutsideScope {
                layer: 1,
                neuron: 0,
                scope: Scope::Layer(0)
            }
        );
        assert_eq!(
            run(&given(vec![(0, 1)], Scope::Layer(7))),
            AblationError::UnknownLayer {
                layer: 7,
                num_hidden: 2
            }
        );
        let mut unordered = given(vec![(0, 1), (0, 2)], Scope::Layer(0));
        unordered.checkpoints = Some(vec![0, 2, 1]);
        assert_eq!(run(&unordered), AblationError::CheckpointOrder { previous: 2, k: 1 });
        unordered.checkpoints = Some(vec![1, 1]);
        assert_eq!(run(&unordered), AblationError::CheckpointOrder { previous: 1, k: 1 });
        unordered.checkpoints = Some(vec![0, 3]);
        assert_eq!(run(&unordered), AblationError::Checkpoint { k: 3, n: 2 });
    }
}

#[test]
fn a_plan_checked_for_other_widths_is_refused() {
    let (mlp, data) = (mlp(), data());
    let narrow = Mlp::from_layers(
        vec![
            (array![[1.0, 0.0]], array![0.0]),
            (array![[1.0], [0.0]], array![0.0, 0.0]),
        ],
        Activation::Relu,
    )
    .unwrap();
    let plan = Engine::new(&narrow, &data)
        .unwrap()
        .plan(&Schedule::explicit(vec![(0, 0)]))
        .unwrap();
    assert_eq!(
        ablation_error(Engine::new(&mlp, &data).unwrap().run_plan(&plan)),
        AblationError::PlanMismatch {
            plan: vec![1],
            network: vec![4, 3]
        }
    );
}

/// A partial ranking (3 of layer 0's 4 neurons): `fraction` is `k` over the
/// scope's 4 neurons, so `k = 3` is at 3/4, not 1.
#[test]
fn a_partial_ranking_reports_fractions_of_the_scope() {
    let (mlp, data) = (mlp(), data());
    let engine = Engine::new(&mlp, &data).unwrap();
    let curve = engine.run(&Schedule::explicit(vec![(0, 2), (0, 0), (0, 3)])).unwrap();
    let fractions: Vec<f64> = curve.points.iter().map(|p| p.fraction).collect();
    assert_eq!(fractions, vec![0.0, 0.25, 0.5, 0.75]);
    assert_eq!(curve.label.neurons, 3);
    // Across layers the scope is global: 7 hidden neurons.
    let global = engine.run(&given(vec![(1, 0), (0, 1)], Scope::Global)).unwrap();
    assert_relative_eq!(global.points[2].fraction, 2.0 / 7.0, epsilon = EXACT);
}

/// Weights that are all finite but whose forward pass overflows `f32`.
fn overflowing() -> Mlp {
    Mlp::from_layers(
        vec![
            (array![[1e20, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
            (array![[1e20, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
            (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
        ],
        Activation::Relu,
    )
    .unwrap()
}

fn network_error<T: std::fmt::Debug>(result: Result<T>) -> NetworkError {
    match result {
        Err(Error::Network(e)) => e,
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[test]
fn finite_weights_that_overflow_name_the_layer() {
    let mlp = overflowing();
    let data = Dataset::new(array![[0.0_f32, 1.0], [1.0, 1.0]], vec![0, 1], 2).unwrap();
    // Sample 1: h0 = (1e20, 1), h1 = (1e40 → inf, 1).
    let expected = NetworkError::NonFiniteOutput {
        layer: Some(1),
        sample: 1,
        value: f32::INFINITY,
    };
    assert_eq!(network_error(evaluate(&mlp, &data, 1)), expected);
    assert_eq!(network_error(evaluate(&mlp, &data, 64)), expected);
    for path in [Path::Fast, Path::Plain] {
        let engine = Engine::new(&mlp, &data).unwrap().path(path);
        let schedule = Schedule::explicit(vec![(0, 1)]);
        assert_eq!(network_error(engine.run(&schedule)), expected, "{path:?}");
    }
    let message = expected.to_string();
    assert!(
        message.contains("hidden layer 1") && message.contains("sample 1"),
        "{message}"
    );
}

#[test]
fn an_ablation_that_overflows_names_the_layer_at_its_checkpoint() {
    // Finite unablated; clamping neuron 0 of layer 0 to 1e30 makes layer 1 overflow.
    let mlp = Mlp::from_layers(
        vec![
            (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
            (array![[1e10, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
            (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
        ],
        Activation::Relu,
    )
    .unwrap();
    let data = Dataset::new(array![[0.0_f32, 1.0], [1.0, 1.0]], vec![0, 1], 2).unwrap();
    let huge = NeuronValues::new(vec![vec![1e30, 0.0]]).unwrap();
    for path in [Path::Fast, Path::Plain] {
        let engine = Engine::new(&mlp, &data)
            .unwrap()
            .path(path)
            .replacement(Replacement::Constant(huge.clone()));
        let unablated = engine.run(&Schedule::explicit(vec![(0, 1)])).unwrap();
        assert!(unablated.points.iter().all(|p| p.loss.is_finite()));
        assert_eq!(
            network_error(engine.run(&Schedule::explicit(vec![(0, 1), (0, 0)]))),
            NetworkError::NonFiniteOutput {
                layer: Some(1),
                sample: 0,
                value: f32::INFINITY
            },
            "{path:?}"
        );
        // Ablating neuron 0 alone already overflows: the pair interaction names it too.
        assert_eq!(
            network_error(engine.pair_interaction(0, None)),
            NetworkError::NonFiniteOutput {
                layer: Some(1),
                sample: 0,
                value: f32::INFINITY
            },
            "{path:?}"
        );
    }
}

/// A user's resumable model that forwards to an MLP but lies in one place.
struct Liar {
    mlp: Mlp,
    widths: Option<Vec<usize>>,
    num_hidden: Option<usize>,
    readout: Option<(Array2<f32>, Array1<f32>)>,
    skip_layer: Option<usize>,
}

impl Liar {
    fn new() -> Self {
        Liar {
            mlp: mlp(),
            widths: None,
            num_hidden: None,
            readout: None,
            skip_layer: None,
        }
    }
}

impl Network for Liar {
    fn input_width(&self) -> usize {
        self.mlp.input_width()
    }
    fn hidden_widths(&self) -> Vec<usize> {
        self.widths.clone().unwrap_or_else(|| self.mlp.hidden_widths())
    }
    fn num_classes(&self) -> usize {
        self.mlp.num_classes()
    }
    fn forward_hooked(
        &self,
        inputs: ArrayView2<'_, f32>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>> {
        // No clamp validation, as a careless user implementation.
        let mut free = Clamps::new();
        for layer in 0..2 {
            for &(n, v) in clamps.layer(layer) {
                free.set(layer, n, v);
            }
        }
        self.mlp.forward_hooked(inputs, &free, &mut |layer, h| {
            if Some(layer) != self.skip_layer {
                observe(layer, h)
            }
        })
    }
    fn num_hidden(&self) -> usize {
        self.num_hidden.unwrap_or(2)
    }
    fn as_resumable(&self) -> Option<&dyn Resumable> {
        Some(self)
    }
}

impl Resumable for Liar {
    fn readout(&self, layer: usize) -> Result<(ArrayView2<'_, f32>, ArrayView1<'_, f32>)> {
        match &self.readout {
            Some((w, b)) if layer == 0 => Ok((w.view(), b.view())),
            _ => self.mlp.readout(layer),
        }
    }
    fn activate(&self, layer: usize, z: ArrayViewMut2<'_, f32>) -> Result<()> {
        self.mlp.activate(layer, z)
    }
}

#[test]
fn an_honest_user_resumable_model_matches_the_mlp() {
    let data = data();
    let schedule = Schedule::random(3, Scope::Global);
    let ours = Engine::new(&Liar::new(), &data).unwrap().run(&schedule).unwrap();
    let mlp = mlp();
    let reference = Engine::new(&mlp, &data).unwrap().run(&schedule).unwrap();
    assert_eq!(ours, reference);
}

#[test]
fn a_lying_user_resumable_model_is_a_typed_error() {
    let data = data();
    let shape = |liar: &Liar| match Engine::new(liar, &data).and_then(|e| e.run(&Schedule::random(1, Scope::Global))) {
        Err(Error::Network(NetworkError::Shape { what, .. })) => what,
        other => panic!("expected a shape error, got {other:?}"),
    };
    let mut wide = Liar::new();
    wide.widths = Some(vec![5, 3]);
    assert!(shape(&wide).contains("hidden layer 0"));
    let mut huge = Liar::new();
    huge.widths = Some(vec![usize::MAX, 3]);
    assert!(shape(&huge).contains("hidden layer 0"));
    let mut shy = Liar::new();
    shy.skip_layer = Some(1);
    assert!(shape(&shy).contains("hidden layers shown"));
    let mut bent = Liar::new();
    bent.readout = Some((Array2::zeros((3, 2)), Array1::zeros(3)));
    assert!(shape(&bent).contains("read-out of hidden layer 0"));
    // The pair interaction reads the same cached layers and read-outs: typed errors too.
    for liar in [&wide, &huge, &shy, &bent] {
        let pairs = Engine::new(liar, &data).and_then(|e| e.pair_interaction(0, None));
        assert!(
            matches!(pairs, Err(Error::Network(NetworkError::Shape { .. }))),
            "{pairs:?}"
        );
    }
    // The same lies reach `record`: typed errors there too.
    let recorded = record(&shy, &data, DenseRecorder::all(2).unwrap(), 2, &mut |_| {});
    assert!(matches!(recorded, Err(Error::Network(NetworkError::Shape { .. }))));
}

/// A recorder that fails at the second batch, and one that counts samples.
struct Failing {
    layers: Vec<usize>,
    batches: usize,
}

impl ActivationRecorder for Failing {
    type Output = usize;
    fn layers(&self) -> Vec<usize> {
        self.layers.clone()
    }
    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, _: &[usize]) -> Result<()> {
        self.batches += 1;
        if self.batches == 2 {
            return Err(RecordError::NonFinite {
                layer,
                neuron: 0,
                sample: offset,
                value: outputs[[0, 0]],
            }
            .into());
        }
        Ok(())
    }
    fn finish(self) -> Result<usize> {
        Ok(self.batches)
    }
}

#[test]
fn user_recorders_fail_with_their_own_errors_and_bad_layers_are_typed() {
    let (mlp, data) = (mlp(), data());
    let failing = Failing {
        layers: vec![1],
        batches: 0,
    };
    assert!(matches!(
        record(&mlp, &data, failing, 2, &mut |_| {}),
        Err(Error::Record(RecordError::NonFinite {
            layer: 1,
            sample: 2,
            ..
        }))
    ));
    let beyond = Failing {
        layers: vec![0, usize::MAX],
        batches: 0,
    };
    assert!(matches!(
        record(&mlp, &data, beyond, 2, &mut |_| {}),
        Err(Error::Network(NetworkError::NoSuchLayer { layer: usize::MAX, .. }))
    ));
    let once = Failing {
        layers: vec![0],
        batches: 0,
    };
    assert_eq!(record(&mlp, &data, once, 5, &mut |_| {}).unwrap(), 1);
}

/// A measure that fails on one neuron, and one that reads its stats.
struct Picky;

impl InfoMeasure for Picky {
    fn name(&self) -> &str {
        "picky"
    }
    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
        if neuron.neuron() == 1 {
            return Err(AblationError::Parameter {
                name: "picky",
                reason: "neuron 1 is not scored".into(),
            }
            .into());
        }
        Ok(neuron.counts().total() as f64)
    }
}

#[test]
fn a_failing_user_measure_is_its_own_error() {
    let acts = array![[0.0_f32, 1.0], [2.0, 0.0]];
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let counts = LayerCounts::from_activations(0, acts.view(), &[0, 1], 2, &q).unwrap();
    assert!(matches!(
        Scores::compute(std::slice::from_ref(&counts), &[&Picky], None),
        Err(Error::Ablation(AblationError::Parameter { name: "picky", .. }))
    ));
    // Two measures of one name are refused before any is run.
    assert!(Scores::compute(&[counts], &[&Picky, &Picky], None).is_err());
}

/// Values and scores of a sparse, huge layer index cost one entry each; a
/// layer index past the recording's cap is a typed error.
#[test]
fn huge_layer_indices_in_values_and_scores_do_not_allocate() {
    use infoablate::measures::{MeasureSettings, Order, analyze};
    use infoablate::record::{MAX_LAYER_INDEX, RecordError, Recording};
    let acts = array![[0.0_f32, 1.0], [2.0, 0.0]];
    assert!(matches!(
        Recording::new(vec![usize::MAX], vec![acts.clone()], vec![0, 1], 2),
        Err(Error::Record(RecordError::Layers(_)))
    ));
    let top = MAX_LAYER_INDEX;
    let rec = Recording::new(vec![top], vec![acts], vec![0, 1], 2).unwrap();
    let means = NeuronValues::means_of(&rec);
    assert_eq!(means.value((top, 0)).unwrap(), 1.0);
    assert!(matches!(
        means.value((0, 0)),
        Err(Error::Ablation(AblationError::MissingReplacement { layer: 0 }))
    ));
    let scores = analyze(&rec, &MeasureSettings::default(), None).unwrap();
    let schedule = Schedule::by_measure(&scores, "mutual_info", Order::Descending, Scope::Layer(top)).unwrap();
    assert!(matches!(
        schedule.neurons(&[4, 3]),
        Err(Error::Ablation(AblationError::UnknownLayer { layer, .. })) if layer == top
    ));
}

/// A measure of the user's own with a named estimator of its own.
struct Jackknifed;

impl InfoMeasure for Jackknifed {
    fn name(&self) -> &str {
        "mi_jackknife"
    }
    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
        Ok(neuron.counts().bin_totals()[0] as f64)
    }
    fn estimator(&self) -> Option<infoablate::measures::Estimator> {
        Some(infoablate::measures::Estimator::Named("jackknife"))
    }
}

#[test]
fn user_measures_run_on_the_streaming_path_as_on_the_dense_one() {
    use infoablate::measures::{Estimator, MutualInformation, analyze_streaming_with, analyze_with};
    let (mlp, data) = (mlp(), data());
    let measures: [&dyn InfoMeasure; 2] = [&Jackknifed, &MutualInformation::default()];
    for quantizer in [Quantizer::binary(0.0).unwrap(), Quantizer::equal_width(3).unwrap()] {
        let streamed = analyze_streaming_with(&mlp, &data, quantizer, &measures, 2, &mut |_| {}).unwrap();
        let rec = record(&mlp, &data, DenseRecorder::all(2).unwrap(), 5, &mut |_| {}).unwrap();
        let dense = analyze_with(&rec, quantizer, &measures, Some(&mlp)).unwrap();
        assert_eq!(streamed, dense);
        assert_eq!(streamed.measures()[0].estimator, Some(Estimator::Named("jackknife")));
    }
    let equal_frequency = Quantizer::equal_frequency(2).unwrap();
    assert!(analyze_streaming_with(&mlp, &data, equal_frequency, &measures, 2, &mut |_| {}).is_err());
}

#[test]
fn boxed_and_shared_parts_plug_in_like_the_parts_themselves() {
    use infoablate::measures::{MutualInformation, analyze_with};
    use std::sync::Arc;
    let data = data();
    let boxed: Box<dyn Network + Sync> = Box::new(mlp());
    let shared = Arc::new(mlp());
    let schedule: Box<dyn AblationSchedule> = Box::new(Schedule::random(5, Scope::Global));
    let reference = Engine::new(&mlp(), &data).unwrap().run(&schedule).unwrap();
    assert_eq!(Engine::new(&boxed, &data).unwrap().run(&schedule).unwrap(), reference);
    assert_eq!(Engine::new(&shared, &data).unwrap().run(&&schedule).unwrap(), reference);
    let rec = record(&shared, &data, DenseRecorder::all(2).unwrap(), 5, &mut |_| {}).unwrap();
    let measure: Arc<dyn InfoMeasure> = Arc::new(MutualInformation::default());
    let q = Quantizer::binary(0.0).unwrap();
    assert_eq!(
        analyze_with(&rec, q, &[&measure], Some(&boxed)).unwrap(),
        analyze_with(&rec, q, &[&MutualInformation::default()], None).unwrap()
    );
}

#[test]
fn a_miscounted_model_is_sized_by_its_widths() {
    use infoablate::measures::{MeasureSettings, analyze_streaming};
    let mut model = Liar::new();
    model.num_hidden = Some(usize::MAX);
    let data = data();
    let rec = record(&model, &data, DenseRecorder::all(2).unwrap(), 2, &mut |_| {}).unwrap();
    assert_eq!(rec.layers(), &[0, 1]);
    let scores = analyze_streaming(&model, &data, &MeasureSettings::default(), 2, &mut |_| {}).unwrap();
    assert_eq!(scores.layers(), vec![0, 1]);
    let curve = Engine::new(&model, &data)
        .unwrap()
        .run(&Schedule::random(2, Scope::Global))
        .unwrap();
    assert_eq!(curve.points.len(), 8);
}

/// A named estimator serializes by its name; the built-in ones still read back.
#[cfg(feature = "serde")]
#[test]
fn estimators_still_deserialize_owned() {
    use infoablate::measures::Estimator;
    fn owned<T: serde::de::DeserializeOwned>(json: String) -> T {
        serde_json::from_str(&json).unwrap()
    }
    assert_eq!(
        owned::<Estimator>("\"miller_madow\"".to_string()),
        Estimator::MillerMadow
    );
    let named = serde_json::to_string(&Estimator::Named("jackknife")).unwrap();
    assert_eq!(named, r#"{"named":"jackknife"}"#);
    assert!(serde_json::from_str::<Estimator>(&named).is_err());
}

/// Training a network whose forward pass overflows stops with the layer,
/// instead of reporting NaN losses.
#[test]
fn training_that_overflows_names_the_layer() {
    use infoablate::network::TrainConfig;
    let mut mlp = overflowing();
    let data = Dataset::new(array![[0.0_f32, 1.0], [1.0, 1.0]], vec![0, 1], 2).unwrap();
    let config = TrainConfig {
        epochs: 1,
        batch_size: 2,
        ..TrainConfig::default()
    };
    assert_eq!(
        network_error(mlp.train(&data, &config, &mut |_| {})),
        NetworkError::NonFiniteOutput {
            layer: Some(1),
            sample: 1,
            value: f32::INFINITY
        }
    );
}

#[test]
fn an_mlp_too_large_to_address_is_an_architecture_error() {
    use infoablate::network::Init;
    use infoablate::rand::SeedableRng;
    let mut rng = infoablate::rand::rngs::StdRng::seed_from_u64(0);
    for sizes in [[usize::MAX, 2, 1], [1 << 40, 1 << 40, 1], [2, 1 << 62, 3]] {
        assert!(matches!(
            Mlp::new(&sizes, Activation::Relu, Init::He, &mut rng),
            Err(Error::Network(NetworkError::Architecture(_)))
        ));
    }
}
