//! Ablation curves: the fast path beside the plain path (a full forward pass
//! at every checkpoint), in the same run. Throughput is in checkpoints per
//! second, so the ratio of the two throughputs is the speed-up.
//!
//! Data: the MNIST sample shipped in `data/mnist-sample` (10,000 training
//! images, the size of the MNIST test set).

use std::hint::black_box;
use std::path::Path as FsPath;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::ablation::{AblationSchedule, Engine, Order, Path, Schedule, Scope};
use infoablate::data::{Dataset, Split, load_mnist_dir, stratified_split};
use infoablate::measures::{MeasureSettings, Quantizer, analyze};
use infoablate::network::{Activation, Init, Mlp, Network, Optimizer, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{DenseRecorder, record};

fn sample() -> Dataset {
    let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    load_mnist_dir(&dir, Split::Train).expect("the shipped MNIST sample")
}

fn trained(sizes: &[usize], data: &Dataset, epochs: usize) -> Mlp {
    let mut rng = StdRng::seed_from_u64(0);
    let mut mlp = Mlp::new(sizes, Activation::Relu, Init::He, &mut rng).expect("valid sizes");
    let config = TrainConfig {
        epochs,
        optimizer: Optimizer::adam(1e-3),
        ..TrainConfig::default()
    };
    mlp.train(data, &config, &mut |_| {}).expect("training");
    mlp
}

/// Per-layer curves of a 784-1000-1000-1000-10 ReLU MLP on 10,000 samples.
fn wide_layer_curves(c: &mut Criterion) {
    let data = sample();
    let mlp = trained(&[784, 1000, 1000, 1000, 10], &data, 1);
    let mut group = c.benchmark_group("layer_curve_784-1000x3-10");
    group.sample_size(10);
    let every_k: Vec<usize> = (0..=1000).collect();
    // Every k of the first 100: the first layer's full curve (1,001 points,
    // each re-running two 1000-wide layers) takes minutes per run.
    let first_100: Vec<usize> = (0..=100).collect();
    let three = vec![0, 500, 1000];
    let cases: [(&str, usize, Path, &Vec<usize>); 4] = [
        ("last/fast/every_k", 2, Path::Fast, &every_k),
        ("last/plain/3_checkpoints", 2, Path::Plain, &three),
        ("first/fast/every_k_to_100", 0, Path::Fast, &first_100),
        ("first/plain/3_checkpoints", 0, Path::Plain, &three),
    ];
    for (name, layer, path, ks) in cases {
        let schedule = Schedule::random(1, Scope::Layer(layer)).at(ks.clone());
        let engine = Engine::new(&mlp, &data).expect("fits").path(path);
        group.throughput(Throughput::Elements(ks.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(engine.run(&schedule).expect("runs"))));
    }
    group.finish();
}

/// The full MNIST test set from `../shared/data/mnist` when it is there,
/// else the sample's 10,000 training images (the same size).
fn paper_evaluation_set(sample: &Dataset) -> Dataset {
    let shared = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist");
    match load_mnist_dir(&shared, Split::Test) {
        Ok(test) => {
            eprintln!("paper workload: full MNIST test set ({} images)", test.len());
            test
        }
        Err(e) => {
            eprintln!("paper workload: {e}; evaluating on the sample's 10,000 training images instead");
            sample.clone()
        }
    }
}

/// The paper's workload: a 784-100-100-100-10 ReLU MLP on the MNIST test
/// set, per layer and global, the four information measures (entropy, MI,
/// KL selectivity, CSI, estimated on a 2,000-image validation split) × 2
/// orders + 10 random seeds, every k (72 curves).
fn paper_workload(c: &mut Criterion) {
    let all = sample();
    let (train, analysis) = stratified_split(&all, 2000, 0).expect("split");
    let evaluation = paper_evaluation_set(&all);
    let mlp = trained(&[784, 100, 100, 100, 10], &train, 3);
    let recording = record(
        &mlp,
        &analysis,
        DenseRecorder::all(3).expect("layers"),
        500,
        &mut |_| {},
    )
    .expect("records");
    let settings = MeasureSettings::new(Quantizer::for_activation(Activation::Relu));
    let scores = analyze(&recording, &settings, None).expect("scores");
    let mut schedules = Vec::new();
    for scope in (0..mlp.num_hidden()).map(Scope::Layer).chain([Scope::Global]) {
        for measure in ["entropy", "mutual_info", "kl_selectivity", "csi"] {
            for order in [Order::Ascending, Order::Descending] {
                schedules.push(Schedule::by_measure(&scores, measure, order, scope).expect("measure"));
            }
        }
        schedules.extend((0..10).map(|seed| Schedule::random(seed, scope)));
    }
    let refs: Vec<&dyn AblationSchedule> = schedules.iter().map(|s| s as &dyn AblationSchedule).collect();
    let engine = Engine::new(&mlp, &evaluation).expect("fits");
    let mut group = c.benchmark_group("paper_workload_784-100x3-10");
    group.sample_size(10);
    group.bench_function("72_curves_every_k/fast", |b| {
        b.iter(|| black_box(engine.run_many(&refs, &mut |_| {}).expect("runs")))
    });
    group.finish();
}

criterion_group!(benches, wide_layer_curves, paper_workload);
criterion_main!(benches);
