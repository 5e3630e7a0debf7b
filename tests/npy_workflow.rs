//! The no-Rust workflow on non-image data, through the library functions
//! the examples call: standardised Gaussian-mixture features (not in
//! [0, 1]) saved as `.npy` → `Dataset::from_npy` and `Normalize` → a trained
//! MLP → its hidden layers saved as an `.npz` (as a PyTorch forward hook
//! would) → `Recording::from_npz` → `analyze`'s CSV with a layer column →
//! `ablate --scores` (the CSV read back) gives the curve of the in-memory
//! scores.

#[allow(dead_code)]
#[path = "../examples/common/ranking.rs"]
mod ranking;

mod common;

use approx::assert_relative_eq;
use common::TempDir;
use infoablate::ablation::{Engine, Order, Schedule, Scope, evaluate};
use infoablate::data::{Dataset, Normalize};
use infoablate::measures::{MeasureSettings, Quantizer, analyze};
use infoablate::network::{Activation, Init, Mlp, Network, TrainConfig};
use infoablate::rand::rngs::StdRng;
use infoablate::rand::{Rng, SeedableRng};
use infoablate::record::{DenseRecorder, Recording, record};
use ndarray::{Array1, Array2};
use ndarray_npy::WriteNpyExt;

/// Accuracy a 4-class mixture with well-separated means must reach.
const MIN_ACCURACY: f64 = 0.9;
/// Relative agreement of quantities computed twice from the same numbers.
const SAME: f64 = 1e-12;

/// `n` samples of 4 Gaussian classes in 6 features, means ±3 apart, scale
/// 10 and offset 50 (far outside [0, 1]).
fn mixture(n: usize, seed: u64) -> (Array2<f64>, Array1<i64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let labels = Array1::from_shape_fn(n, |i| (i % 4) as i64);
    let x = Array2::from_shape_fn((n, 6), |(i, j)| {
        let class = labels[i] as usize;
        let mean = if j % 4 == class { 3.0 } else { 0.0 };
        // Box–Muller from two uniforms.
        let (u, v): (f64, f64) = (rng.random_range(1e-12..1.0), rng.random());
        let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        50.0 + 10.0 * (mean + z)
    });
    (x, labels)
}

#[test]
fn gaussian_mixture_npy_to_npz_to_scores_csv_to_the_same_curve() {
    let t = TempDir::new("npy-workflow");
    let (x, y) = mixture(1200, 3);
    x.write_npy(std::fs::File::create(t.0.join("x.npy")).unwrap()).unwrap();
    y.write_npy(std::fs::File::create(t.0.join("y.npy")).unwrap()).unwrap();

    let raw = Dataset::from_npy(t.0.join("x.npy"), t.0.join("y.npy"), None).unwrap();
    assert_eq!((raw.num_features(), raw.num_classes()), (6, 4));
    assert!(raw.inputs().iter().any(|&v| v > 1.0));
    // Standardised with the overall mean and standard deviation of the features.
    let data = Normalize::new(vec![55.0], vec![12.0])
        .unwrap()
        .apply(raw.clone())
        .unwrap();
    assert_relative_eq!(
        f64::from(data.inputs()[[0, 0]]),
        (x[[0, 0]] as f32 - 55.0) as f64 / 12.0,
        max_relative = 1e-6
    );
    let (train, test) = infoablate::data::stratified_split(&data, 400, 0).unwrap();

    let mut rng = StdRng::seed_from_u64(0);
    let mut mlp = Mlp::new(&[6, 12, 8, 4], Activation::Relu, Init::He, &mut rng).unwrap();
    let config = TrainConfig {
        epochs: 40,
        batch_size: 32,
        ..TrainConfig::default()
    };
    mlp.train(&train, &config, &mut |_| {}).unwrap();
    let base = evaluate(&mlp, &test, 100).unwrap();
    assert!(base.accuracy > MIN_ACCURACY, "{}", base.accuracy);

    // The hidden layers saved as a PyTorch user would: an .npz of h0, h1.
    let rec = record(&mlp, &train, DenseRecorder::all(2).unwrap(), 100, &mut |_| {}).unwrap();
    let mut npz = zip::ZipWriter::new(std::fs::File::create(t.0.join("acts.npz")).unwrap());
    for (layer, acts) in rec.iter() {
        npz.start_file(format!("h{layer}.npy"), zip::write::SimpleFileOptions::default())
            .unwrap();
        acts.write_npy(&mut npz).unwrap();
    }
    npz.finish().unwrap();
    let labels: Array1<i64> = train.labels().iter().map(|&l| l as i64).collect();
    labels
        .write_npy(std::fs::File::create(t.0.join("train_y.npy")).unwrap())
        .unwrap();
    let read = Recording::from_npz(t.0.join("acts.npz"), t.0.join("train_y.npy")).unwrap();
    assert_eq!(read, rec);

    // analyze → CSV with a layer column → ablate --scores.
    let settings = MeasureSettings::new(Quantizer::binary(0.0).unwrap());
    let scores = analyze(&read, &settings, None).unwrap();
    let csv = scores.to_csv(None).unwrap();
    assert!(csv.starts_with("layer,neuron,entropy,mutual_info"), "{csv}");
    let per_layer = ranking::parse_scores(&csv, "scores.csv", "mutual_info").unwrap();
    assert_eq!(per_layer.iter().map(Vec::len).collect::<Vec<_>>(), mlp.hidden_widths());
    let engine = Engine::new(&mlp, &test).unwrap();
    for scope in [Scope::Layer(1), Scope::Global] {
        let from_csv = Schedule::by_scores("mutual_info", per_layer.clone(), Order::Descending, scope);
        let in_memory = Schedule::by_measure(&scores, "mutual_info", Order::Descending, scope).unwrap();
        let (a, b) = (engine.run(&from_csv).unwrap(), engine.run(&in_memory).unwrap());
        assert_eq!(a.points.len(), b.points.len());
        for (p, q) in a.points.iter().zip(&b.points) {
            assert_eq!(p.accuracy, q.accuracy);
            assert_relative_eq!(p.loss, q.loss, max_relative = SAME);
        }
        assert_relative_eq!(a.points[0].accuracy, base.accuracy, max_relative = SAME);
    }
    // analyze's CSV is itself a valid ranking (layer, then neuron order).
    let rows = ranking::parse_ranking(&csv, "scores.csv").unwrap();
    assert_eq!(rows.len(), 20);
}
