//! The built-in `Mlp`'s forward pass (the packed product) beside the plain
//! way a user would write it (`h.dot(&W.t()) + b` with ndarray, the same
//! activation), on 784-100-100-100-10 in 1000-row batches, in the same run.
//! Throughput is in rows per second, so the ratio of the two is the speed-up.
//! Beside them, the means of bias balancing: `record` into a `MeanRecorder`
//! (rounds of batches forwarded in parallel with the feature `parallel`)
//! against a full recording and `NeuronValues::means_of`, and against a loop
//! that forwards one batch at a time into the recorder (`record` before it
//! went parallel, except that it has the user's `forward_hooked` check the
//! inputs for NaN), and against `record` in a pool of one thread.
//!
//! Data: the MNIST sample shipped in `data/mnist-sample` (10,000 images).

use std::hint::black_box;
use std::path::Path as FsPath;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::ablation::{MeanRecorder, NeuronValues};
use infoablate::data::{Dataset, Split, load_mnist_dir};
use infoablate::network::{Activation, Clamps, Init, Mlp, Network};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{ActivationRecorder, DenseRecorder, record};
use ndarray::{Array2, ArrayView2, Axis, s};

/// Rows per forward pass, as `record` runs them by default.
const BATCH: usize = 1000;

fn sample() -> Dataset {
    let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    load_mnist_dir(&dir, Split::Train).expect("the shipped MNIST sample")
}

/// The forward pass with ndarray's product, bias added after, as `Mlp` did
/// before it packed its weights.
fn plain_forward(mlp: &Mlp, x: ArrayView2<'_, f32>) -> Array2<f32> {
    let last = mlp.num_affine() - 1;
    let mut h = x.to_owned();
    for k in 0..=last {
        let mut z = h.dot(&mlp.weight(k).expect("a layer").t());
        z += &mlp.bias(k).expect("a layer").insert_axis(Axis(0));
        if k < last {
            mlp.activation().apply(z.view_mut());
        }
        h = z;
    }
    h
}

/// The means of every hidden layer, one batch forwarded after another
/// straight into the recorder.
fn means_one_batch_at_a_time(mlp: &Mlp, data: &Dataset) -> NeuronValues {
    let mut recorder = MeanRecorder::new(&[0, 1, 2]).expect("layers");
    let clamps = Clamps::new();
    for start in (0..data.len()).step_by(BATCH) {
        let end = (start + BATCH).min(data.len());
        let labels = &data.labels()[start..end];
        mlp.forward_hooked(data.inputs().slice(s![start..end, ..]), &clamps, &mut |layer, h| {
            recorder.observe(layer, start, h, labels).expect("finite")
        })
        .expect("finite");
    }
    recorder.finish().expect("means")
}

fn forward(c: &mut Criterion) {
    let data = sample();
    let mut rng = StdRng::seed_from_u64(0);
    let mlp = Mlp::new(&[784, 100, 100, 100, 10], Activation::Tanh, Init::Xavier, &mut rng).expect("valid sizes");
    let x = data.inputs();
    let batches = || {
        (0..x.nrows())
            .step_by(BATCH)
            .map(|i| x.slice(s![i..(i + BATCH).min(x.nrows()), ..]))
    };
    for batch in batches() {
        let packed: Vec<u32> = mlp
            .forward(batch)
            .expect("finite")
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let plain: Vec<u32> = plain_forward(&mlp, batch).iter().map(|v| v.to_bits()).collect();
        assert_eq!(packed, plain, "the packed forward pass gives the plain one's bits");
    }
    let recorded_means = || {
        record(
            &mlp,
            &data,
            MeanRecorder::new(&[0, 1, 2]).expect("layers"),
            BATCH,
            &mut |_| {},
        )
        .expect("means")
    };
    let means = recorded_means();
    let looped = means_one_batch_at_a_time(&mlp, &data);
    for (layer, width) in mlp.hidden_widths().into_iter().enumerate() {
        for neuron in 0..width {
            let bits = |v: &NeuronValues| v.value((layer, neuron)).expect("a mean").to_bits();
            assert_eq!(bits(&means), bits(&looped), "record's means are the loop's bits");
        }
    }
    let mut group = c.benchmark_group("forward_784-100x3-10_tanh");
    group.sample_size(20);
    group.throughput(Throughput::Elements(x.nrows() as u64));
    group.bench_function("mlp_forward", |b| {
        b.iter(|| batches().for_each(|batch| drop(black_box(mlp.forward(batch).expect("finite")))))
    });
    group.bench_function("plain_dot_plus_bias", |b| {
        b.iter(|| batches().for_each(|batch| drop(black_box(plain_forward(&mlp, batch)))))
    });
    group.bench_function("means/mean_recorder", |b| b.iter(|| black_box(recorded_means())));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    group.bench_function("means/mean_recorder_one_thread", |b| {
        b.iter(|| one_thread.install(|| black_box(recorded_means())))
    });
    group.bench_function("means/one_batch_at_a_time_loop", |b| {
        b.iter(|| black_box(means_one_batch_at_a_time(&mlp, &data)))
    });
    group.bench_function("means/dense_recording_then_means_of", |b| {
        b.iter(|| {
            let recording = record(&mlp, &data, DenseRecorder::all(3).expect("layers"), BATCH, &mut |_| {});
            black_box(NeuronValues::means_of(&recording.expect("records")))
        })
    });
    group.finish();
}

criterion_group!(benches, forward);
criterion_main!(benches);
