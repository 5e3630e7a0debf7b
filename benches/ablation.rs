//! Ablation curves: the fast path beside the plain path (a full forward pass
//! at every checkpoint), in the same run. Throughput is in checkpoints per
//! second, so the ratio of the two throughputs is the speed-up.
//!
//! Data: the MNIST sample shipped in `data/mnist-sample` (10,000 training
//! images, the size of the MNIST test set) for the wide network; the full
//! MNIST set in `../shared/data/mnist` for the paper workload when present.

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
        group.throughput(Throughput::Elements(ks.len() as u64));
        // A fresh engine per curve: the fast path's one-time forward pass is timed too.
        group.bench_function(name, |b| {
            b.iter(|| {
                let engine = Engine::new(&mlp, &data).expect("fits").path(path);
                black_box(engine.run(&schedule).expect("runs"))
            })
        });
    }
    group.finish();
}

/// The full MNIST training and test sets from `../shared/data/mnist` when
/// they are there, else the sample (its 10,000 training images serve as the
/// evaluation set, the size of the MNIST test set).
fn paper_data(sample: &Dataset) -> (Dataset, Dataset, usize) {
    let shared = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/mnist");
    match (
        load_mnist_dir(&shared, Split::Train),
        load_mnist_dir(&shared, Split::Test),
    ) {
        (Ok(train), Ok(test)) => {
            eprintln!("paper workload: full MNIST, trained 10 epochs as the paper example does");
            (train, test, 10)
        }
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("paper workload: {e}; training 3 epochs on the sample and evaluating on its 10,000 images");
            (sample.clone(), sample.clone(), 3)
        }
    }
}

/// The paper's workload as `examples/paper.rs` runs it: a 784-100-100-100-10
/// ReLU MLP, the four information measures (entropy, MI, KL selectivity, CSI)
/// estimated on a held-out validation split, per layer and global, each in
/// both orders, plus 10 random seeds, every k, on the MNIST test set: 72
/// curves from one engine.
fn paper_workload(c: &mut Criterion) {
    let (all_train, evaluation, epochs) = paper_data(&sample());
    let held_out = (all_train.len() / 5).min(10_000);
    let (train, analysis) = stratified_split(&all_train, held_out, 0).expect("split");
    let mlp = trained(&[784, 100, 100, 100, 10], &train, epochs);
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
    let mut group = c.benchmark_group("paper_workload_784-100x3-10");
    group.sample_size(10);
    group.bench_function("72_curves_every_k/fast", |b| {
        b.iter(|| {
            let engine = Engine::new(&mlp, &evaluation).expect("fits");
            black_box(engine.run_many(&refs, &mut |_| {}).expect("runs"))
        })
    });
    group.finish();
}

criterion_group!(benches, wide_layer_curves, paper_workload);
criterion_main!(benches);
