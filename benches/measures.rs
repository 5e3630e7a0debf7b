//! All four measures (entropy, mutual information, KL selectivity, class
//! selectivity) of 60,000 samples × 1,000 neurons × 10 classes: the dense and
//! streaming paths beside the straightforward code a user would write, and
//! the full measure pass of a 3 × 1,000-neuron network.
//!
//! `cargo bench --bench measures`. Activations are synthetic, seeded and
//! ReLU-like (about half exact zeros, some neurons class-dependent), so the
//! bench needs no data file.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::measures::{
    ClassSelectivityIndex, Entropy, Estimator, InfoMeasure, KlSelectivity, LayerCounts, LayerQuantizer,
    MutualInformation, Quantizer, Scores, StreamingRecorder, Units,
};
use infoablate::record::ActivationRecorder;
use ndarray::{Array2, ArrayView2, s};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SAMPLES: usize = 60_000;
const NEURONS: usize = 1_000;
const CLASSES: usize = 10;
const BATCH: usize = 1_000;
/// Neurons the straightforward versions score per iteration (they are
/// per-neuron loops; throughput is per activation, so the ratio is fair).
const NAIVE_NEURONS: usize = 50;

fn synthetic() -> (Array2<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(2022);
    let labels: Vec<usize> = (0..SAMPLES).map(|_| rng.random_range(0..CLASSES)).collect();
    let bias: Vec<f32> = (0..NEURONS).map(|_| rng.random_range(-0.5..0.5)).collect();
    let preferred: Vec<usize> = (0..NEURONS).map(|_| rng.random_range(0..CLASSES)).collect();
    let acts = Array2::from_shape_fn((SAMPLES, NEURONS), |(s, j)| {
        let boost = if labels[s] == preferred[j] { 0.8 } else { 0.0 };
        (rng.random_range(-1.0_f32..1.0) + bias[j] + boost).max(0.0)
    });
    (acts, labels)
}

/// Plug-in, bits.
const ENTROPY: Entropy = Entropy {
    estimator: Estimator::PlugIn,
    units: Units::Bits,
};
const MUTUAL_INFO: MutualInformation = MutualInformation {
    estimator: Estimator::PlugIn,
    units: Units::Bits,
};
const KL_SELECTIVITY: KlSelectivity = KlSelectivity {
    estimator: Estimator::PlugIn,
    units: Units::Bits,
};

fn measures() -> [&'static dyn InfoMeasure; 4] {
    [&ENTROPY, &MUTUAL_INFO, &KL_SELECTIVITY, &ClassSelectivityIndex]
}

/// Fit, count and score one layer densely.
fn dense(layer: usize, acts: ArrayView2<'_, f32>, labels: &[usize], quantizer: Quantizer) -> LayerCounts {
    let q = LayerQuantizer::fit(quantizer, acts).unwrap();
    LayerCounts::from_activations(layer, acts, labels, CLASSES, &q).unwrap()
}

/// The straightforward version: per neuron, quantize its column, count into a
/// hash map, sum the logs; class means for the CSI.
fn naive_map(acts: ArrayView2<'_, f32>, labels: &[usize], threshold: f32) -> Vec<[f64; 4]> {
    (0..NAIVE_NEURONS)
        .map(|j| {
            let column = acts.column(j);
            let bins: Vec<usize> = column.iter().map(|&a| usize::from(a > threshold)).collect();
            let mut joint: HashMap<(usize, usize), u64> = HashMap::new();
            let mut bin_counts: HashMap<usize, u64> = HashMap::new();
            let mut class_counts: HashMap<usize, u64> = HashMap::new();
            let mut class_sums: HashMap<usize, f64> = HashMap::new();
            for ((&b, &y), &a) in bins.iter().zip(labels).zip(column) {
                *joint.entry((b, y)).or_default() += 1;
                *bin_counts.entry(b).or_default() += 1;
                *class_counts.entry(y).or_default() += 1;
                *class_sums.entry(y).or_default() += f64::from(a);
            }
            scores_from_maps(&joint, &bin_counts, &class_counts, &class_sums)
        })
        .collect()
}

/// The same counting into vectors instead of maps (the faster straightforward version).
fn naive_vec(acts: ArrayView2<'_, f32>, labels: &[usize], threshold: f32) -> Vec<[f64; 4]> {
    (0..NAIVE_NEURONS)
        .map(|j| {
            let column = acts.column(j);
            let bins: Vec<usize> = column.iter().map(|&a| usize::from(a > threshold)).collect();
            let mut joint = [0_u64; 2 * CLASSES];
            let mut class_sums = [0.0_f64; CLASSES];
            for ((&b, &y), &a) in bins.iter().zip(labels).zip(column) {
                joint[b * CLASSES + y] += 1;
                class_sums[y] += f64::from(a);
            }
            let joint_map: HashMap<(usize, usize), u64> = (0..2 * CLASSES)
                .map(|i| ((i / CLASSES, i % CLASSES), joint[i]))
                .collect();
            let bins = (0..2)
                .map(|b| (b, joint[b * CLASSES..(b + 1) * CLASSES].iter().sum()))
                .collect();
            let classes = (0..CLASSES).map(|y| (y, joint[y] + joint[CLASSES + y])).collect();
            let sums = class_sums.iter().copied().enumerate().collect();
            scores_from_maps(&joint_map, &bins, &classes, &sums)
        })
        .collect()
}

fn scores_from_maps(
    joint: &HashMap<(usize, usize), u64>,
    bins: &HashMap<usize, u64>,
    classes: &HashMap<usize, u64>,
    class_sums: &HashMap<usize, f64>,
) -> [f64; 4] {
    let n = classes.values().sum::<u64>() as f64;
    let h = -bins
        .values()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64 / n * (c as f64 / n).log2())
        .sum::<f64>();
    let mut mi = 0.0;
    let mut kl = vec![0.0; CLASSES];
    for (&(b, y), &c) in joint.iter().filter(|(_, c)| **c > 0) {
        let (pb, py, pby) = (bins[&b] as f64 / n, classes[&y] as f64 / n, c as f64 / n);
        mi += pby * (pby / (pb * py)).log2();
        kl[y] += pby / py * (pby / py / pb).log2();
    }
    let mut means: Vec<f64> = (0..CLASSES)
        .filter(|y| classes.get(y).copied().unwrap_or(0) > 0)
        .map(|y| class_sums[&y] / classes[&y] as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let max = means.pop().unwrap_or(0.0);
    let rest = means.iter().sum::<f64>() / means.len().max(1) as f64;
    let csi = if max + rest == 0.0 {
        0.0
    } else {
        (max - rest) / (max + rest)
    };
    [h, mi, kl.into_iter().fold(f64::NEG_INFINITY, f64::max), csi]
}

fn bench(c: &mut Criterion) {
    let (acts, labels) = synthetic();
    let binary = Quantizer::binary(0.0).unwrap();
    let measures = measures();

    let mut group = c.benchmark_group("measures_60000x1000x10");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((SAMPLES * NEURONS) as u64));
    group.bench_function("dense_binary", |b| {
        b.iter(|| Scores::compute(&[dense(0, acts.view(), &labels, binary)], &measures, None).unwrap())
    });
    group.bench_function("dense_equal_width_10", |b| {
        let q = Quantizer::equal_width(10).unwrap();
        b.iter(|| Scores::compute(&[dense(0, acts.view(), &labels, q)], &measures, None).unwrap())
    });
    group.bench_function("streaming_binary_batch_1000", |b| {
        b.iter(|| {
            let q = LayerQuantizer::fixed(binary, NEURONS).unwrap();
            let mut rec = StreamingRecorder::new(vec![(0, q)], CLASSES).unwrap();
            for start in (0..SAMPLES).step_by(BATCH) {
                rec.observe(
                    0,
                    start,
                    acts.slice(s![start..start + BATCH, ..]),
                    &labels[start..start + BATCH],
                )
                .unwrap();
            }
            Scores::compute(&rec.finish().unwrap(), &measures, None).unwrap()
        })
    });
    group.throughput(Throughput::Elements((SAMPLES * NAIVE_NEURONS) as u64));
    group.bench_function("straightforward_hashmap", |b| {
        b.iter(|| naive_map(black_box(acts.view()), &labels, 0.0))
    });
    group.bench_function("straightforward_vec", |b| {
        b.iter(|| naive_vec(black_box(acts.view()), &labels, 0.0))
    });
    group.finish();

    let mut group = c.benchmark_group("network_3x1000_60000");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements((3 * SAMPLES * NEURONS) as u64));
    group.bench_function("full_measure_pass_binary", |b| {
        b.iter(|| {
            let counts: Vec<LayerCounts> = (0..3).map(|l| dense(l, acts.view(), &labels, binary)).collect();
            Scores::compute(&counts, &measures, None).unwrap()
        })
    });
    group.finish();

    // the straightforward versions agree with the library on what they compute
    let lib = Scores::compute(&[dense(0, acts.view(), &labels, binary)], &measures, None).unwrap();
    for naive in [
        naive_map(acts.view(), &labels, 0.0),
        naive_vec(acts.view(), &labels, 0.0),
    ] {
        for (m, name) in ["entropy", "mutual_info", "kl_selectivity", "csi"].iter().enumerate() {
            for (j, row) in naive.iter().enumerate() {
                let want = lib.get(name, 0).unwrap()[j];
                assert!(
                    (row[m] - want).abs() < 1e-9,
                    "{name} of neuron {j}: {} vs {want}",
                    row[m]
                );
            }
        }
    }
}

/// Counting alone (the quantizer fitted beforehand), 30 equal-width bins,
/// beside the straightforward per-neuron loop: `cargo bench --bench measures -- counting`.
fn counting(c: &mut Criterion) {
    let (acts, labels) = synthetic();
    let equal_width = Quantizer::equal_width(30).unwrap();
    let fitted = LayerQuantizer::fit(equal_width, acts.view()).unwrap();
    let mut group = c.benchmark_group("counting_60000x1000x10");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((SAMPLES * NEURONS) as u64));
    group.bench_function("equal_width_30", |b| {
        b.iter(|| LayerCounts::from_activations(0, acts.view(), &labels, CLASSES, &fitted).unwrap())
    });
    group.throughput(Throughput::Elements((SAMPLES * NAIVE_NEURONS) as u64));
    group.bench_function("straightforward_equal_width_30", |b| {
        b.iter(|| naive_counts(black_box(acts.view()), &labels, &fitted))
    });
    group.finish();
    // the straightforward counts are the library's
    let lib = LayerCounts::from_activations(0, acts.view(), &labels, CLASSES, &fitted).unwrap();
    for (j, table) in naive_counts(acts.view(), &labels, &fitted).iter().enumerate() {
        assert_eq!(lib.table(j).unwrap().as_slice(), &table[..], "neuron {j}");
    }
}

/// The straightforward count of the first `NAIVE_NEURONS` neurons: per
/// neuron, bin each value of its column and increment `n[b][y]`.
fn naive_counts(acts: ArrayView2<'_, f32>, labels: &[usize], fitted: &LayerQuantizer) -> Vec<Vec<u64>> {
    (0..NAIVE_NEURONS)
        .map(|j| {
            let q = fitted.neuron(j).unwrap();
            let mut table = vec![0_u64; q.quantizer().bins() * CLASSES];
            for (&a, &y) in acts.column(j).iter().zip(labels) {
                table[q.bin(a) * CLASSES + y] += 1;
            }
            table
        })
        .collect()
}

criterion_group!(benches, bench, counting);
criterion_main!(benches);
