//! What the information-plane observer adds to an epoch of training: one
//! epoch of the quickstart network (784-100-100-100-10, ReLU, Adam, batches
//! of 128) on the shipped MNIST sample (9,000 training samples), plain
//! beside observed at the default settings on a 1,000-sample analysis set
//! (30 equal-width bins, 20 label permutations, no noise model), and with
//! the KDE bound of `I(X;T)` (σ² = 0.1) for reference. Throughput is training
//! samples per second, so the ratio of two lines is the overhead.
//!
//! `cargo bench --bench infoplane`

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::data::{Split, load_mnist_dir, stratified_split};
use infoablate::infoplane::{InfoPlaneObserver, InfoPlaneSettings};
use infoablate::network::{Activation, Init, Mlp, TrainConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    let all = load_mnist_dir(&dir, Split::Train).expect("the shipped MNIST sample");
    let (train, analysis) = stratified_split(&all, 1000, 0).expect("a 1,000-sample analysis split");
    let mut rng = StdRng::seed_from_u64(0);
    let start = Mlp::new(&[784, 100, 100, 100, 10], Activation::Relu, Init::He, &mut rng).expect("a network");
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let mut group = c.benchmark_group("infoplane_epoch");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(train.len() as u64));
    group.bench_function("plain", |b| {
        b.iter(|| {
            let mut mlp = start.clone();
            black_box(mlp.train(&train, &config, &mut |_| {}).expect("training"))
        })
    });
    let kde = InfoPlaneSettings {
        noise_variance: Some(0.1),
        ..InfoPlaneSettings::default()
    };
    for (name, settings) in [
        ("observed_default", InfoPlaneSettings::default()),
        ("observed_kde", kde),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut mlp = start.clone();
                let mut observer = InfoPlaneObserver::new(&analysis, settings.clone()).expect("settings");
                mlp.train_observed(&train, &config, &mut observer).expect("training");
                black_box(observer.into_trace())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
