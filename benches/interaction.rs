//! Causal pair interaction of a 784-100-100-100-10 ReLU MLP on 10,000
//! samples, zero replacement: the fast path beside the plain way (a full
//! forward pass with the two neurons clamped, per pair), in the same run.
//! Each fast iteration also computes the 100 singles and the unablated
//! pass, timed alone as `singles_only`; all 4,950 pairs take about
//! `singles_only + 10 · (495_pairs − singles_only)` on the fast path and
//! `(4,950 + 101) · 1_pair` the plain way (every pair, every single and the
//! unablated network, one forward pass each).
//!
//! Data: the MNIST sample shipped in `data/mnist-sample` (its 10,000
//! training images, the size of the MNIST test set), the network trained on
//! them for 3 epochs.

use std::hint::black_box;
use std::path::Path as FsPath;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::ablation::{Engine, Path, Schedule};
use infoablate::data::{Split, load_mnist_dir};
use infoablate::network::{Activation, Init, Mlp, TrainConfig};
use infoablate::pairs::all_pairs;
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;

fn pair_interaction(c: &mut Criterion) {
    let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    let data = load_mnist_dir(&dir, Split::Train).expect("the shipped MNIST sample");
    let mut rng = StdRng::seed_from_u64(0);
    let mut mlp = Mlp::new(&[784, 100, 100, 100, 10], Activation::Relu, Init::He, &mut rng).expect("valid sizes");
    let config = TrainConfig {
        epochs: 3,
        ..TrainConfig::default()
    };
    mlp.train(&data, &config, &mut |_| {}).expect("training");
    // Every 10th pair (495): the fast path's rate on them, minus its fixed
    // cost (the singles, timed alone), projects to all 4,950.
    let tenth: Vec<(usize, usize)> = all_pairs(100).into_iter().step_by(10).collect();
    let mut group = c.benchmark_group("pair_interaction_784-100x3-10_10k");
    group.sample_size(10);
    for layer in [0, 2] {
        for (name, pairs) in [("singles_only", &[][..]), ("495_pairs", &tenth[..])] {
            group.throughput(Throughput::Elements(pairs.len().max(1) as u64));
            group.bench_function(format!("layer{layer}/fast/{name}"), |b| {
                b.iter(|| {
                    // A fresh engine: the cached forward pass is timed too.
                    let engine = Engine::new(&mlp, &data).expect("fits").path(Path::Fast);
                    black_box(engine.pair_interaction(layer, Some(pairs)).expect("runs"))
                })
            });
        }
        // The plain way, per pair: one forward pass with both neurons clamped.
        let schedule = Schedule::explicit(vec![(layer, 3), (layer, 7)]).at(vec![2]);
        let engine = Engine::new(&mlp, &data).expect("fits").path(Path::Plain);
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("layer{layer}/plain/1_pair"), |b| {
            b.iter(|| black_box(engine.run(&schedule).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, pair_interaction);
criterion_main!(benches);
