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
use infoablate::data::{Dataset, Split, load_mnist_dir};
use infoablate::network::{Activation, Init, Mlp, Network, Optimizer, TrainConfig};
use infoablate::rand::rngs::StdRng;
use infoablate::rand::{Rng, SeedableRng};

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

/// The paper's workload: a 784-100-100-100-10 ReLU MLP, 10,000 evaluation
/// samples, per layer and global, 4 score vectors × 2 orders + 10 random
/// seeds, every k (72 curves).
fn paper_workload(c: &mut Criterion) {
    let data = sample();
    let mlp = trained(&[784, 100, 100, 100, 10], &data, 3);
    let widths = mlp.hidden_widths();
    let mut rng = StdRng::seed_from_u64(5);
    let measures: Vec<Vec<Vec<f64>>> = (0..4)
        .map(|_| {
            widths
                .iter()
                .map(|&w| (0..w).map(|_| rng.random::<f64>()).collect())
                .collect()
        })
        .collect();
    let mut schedules = Vec::new();
    for scope in (0..widths.len()).map(Scope::Layer).chain([Scope::Global]) {
        for scores in &measures {
            for order in [Order::Ascending, Order::Descending] {
                schedules.push(Schedule::by_scores("m", scores.clone(), order, scope));
            }
        }
        schedules.extend((0..10).map(|seed| Schedule::random(seed, scope)));
    }
    let refs: Vec<&dyn AblationSchedule> = schedules.iter().map(|s| s as &dyn AblationSchedule).collect();
    let engine = Engine::new(&mlp, &data).expect("fits");
    let mut group = c.benchmark_group("paper_workload_784-100x3-10");
    group.sample_size(10);
    group.bench_function("72_curves_every_k/fast", |b| {
        b.iter(|| black_box(engine.run_many(&refs, &mut |_| {}).expect("runs")))
    });
    group.finish();
}

criterion_group!(benches, wide_layer_curves, paper_workload);
criterion_main!(benches);
