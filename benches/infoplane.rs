//! What the information-plane observer adds to an epoch of training: one
//! epoch of the quickstart network (784-100-100-100-10, ReLU, Adam, batches
//! of 128) on the shipped MNIST sample (9,000 training samples), plain
//! beside observed at the default settings on a 1,000-sample analysis set
//! (30 equal-width bins, 20 label permutations, no noise model), and with
//! the KDE bound of `I(X;T)` (σ² = 0.1) for reference. Throughput is training
//! samples per second, so the ratio of two lines is the overhead. A last
//! group times one snapshot alone (`infoplane_snapshot/observe_default`, the
//! same throughput unit): its time over `plain`'s is the overhead without
//! the noise of two training runs on a shared machine. The group
//! `infoplane_epoch_cpu` times the same epochs in process CPU time (every
//! thread; Linux), the figure to trust when other processes share the cores.
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
    let observed = |settings: &InfoPlaneSettings| {
        let mut mlp = start.clone();
        let mut observer = InfoPlaneObserver::new(&analysis, settings.clone()).expect("settings");
        mlp.train_observed(&train, &config, &mut observer).expect("training");
        black_box(observer.into_trace())
    };
    let plain = || {
        let mut mlp = start.clone();
        black_box(mlp.train(&train, &config, &mut |_| {}).expect("training"))
    };
    // The process's CPU time (every thread, idle spinning included), where
    // wall time on a shared machine mostly measures the other processes.
    if process_cpu().is_some() {
        let mut group = c.benchmark_group("infoplane_epoch_cpu");
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(10));
        group.bench_function("plain", |b| b.iter_custom(|iters| cpu_of(iters, &mut || drop(plain()))));
        group.bench_function("observed_default", |b| {
            b.iter_custom(|iters| cpu_of(iters, &mut || drop(observed(&InfoPlaneSettings::default()))))
        });
        group.bench_function("snapshot_default", |b| {
            let mut observer = InfoPlaneObserver::new(&analysis, InfoPlaneSettings::default()).expect("settings");
            b.iter_custom(|iters| {
                cpu_of(iters, &mut || {
                    black_box(observer.observe(&start, 0, 0).expect("a snapshot"));
                })
            })
        });
        group.finish();
    }

    let mut group = c.benchmark_group("infoplane_epoch");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(train.len() as u64));
    group.bench_function("plain", |b| b.iter(plain));
    let kde = InfoPlaneSettings {
        noise_variance: Some(0.1),
        ..InfoPlaneSettings::default()
    };
    for (name, settings) in [
        ("observed_default", InfoPlaneSettings::default()),
        ("observed_kde", kde),
    ] {
        group.bench_function(name, |b| b.iter(|| observed(&settings)));
    }
    group.finish();

    // One snapshot alone, on the start network: the observer's share of an
    // epoch without the noise of two training runs (compare with `plain`).
    let mut group = c.benchmark_group("infoplane_snapshot");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(train.len() as u64));
    group.bench_function("observe_default", |b| {
        let mut observer = InfoPlaneObserver::new(&analysis, InfoPlaneSettings::default()).expect("settings");
        b.iter(|| black_box(observer.observe(&start, 0, 0).expect("a snapshot").layers.len()))
    });
    group.finish();
}

/// User plus system CPU time of the whole process, from `/proc/self/stat`
/// (Linux; `None` elsewhere), in clock ticks of 10 ms.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the parenthesised command name; utime and stime are
    // the 14th and 15th of the line, the 12th and 13th after it.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The CPU time of `iters` runs of `f`.
fn cpu_of(iters: u64, f: &mut dyn FnMut()) -> Duration {
    let before = process_cpu().unwrap_or_default();
    for _ in 0..iters {
        f();
    }
    process_cpu().unwrap_or_default().saturating_sub(before)
}

criterion_group!(benches, bench);
criterion_main!(benches);
