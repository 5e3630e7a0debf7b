//! All 4,950 pairs of a 100-neuron binary layer on 10,000 samples with 10
//! classes, beside the plain way (each pair's table by a pass over the
//! samples, Clarabel for every BROJA program).
//!
//! `cargo bench --bench pairs`. Throughput is per pair, so the plain runs
//! (on the first `PLAIN_PAIRS` pairs) and the fast ones (on all) compare as
//! a ratio of pairs per second in one run. Activations are synthetic and
//! seeded (see `synthetic`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::measures::{LayerQuantizer, Quantizer, Units};
use infoablate::pairs::{
    NullModel, NullSpec, PairAnalysis, PairCounts, PairMeasures, PairSettings, PairTable, all_pairs, null_test,
    red_broja_conic, red_prec,
};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SAMPLES: usize = 10_000;
const NEURONS: usize = 100;
const CLASSES: usize = 10;
/// Pairs the plain way measures per iteration.
const PLAIN_PAIRS: usize = 50;
/// Null draws per iteration (the target is 200 in 30 s: scale the time by 20).
const SHUFFLES: usize = 10;

fn synthetic() -> (Array2<f32>, Vec<usize>) {
    // Neuron j responds to class j % 10 with a noisy gain; every fifth
    // neuron is a noisy copy of the one before, and every seventh the XOR
    // of two others' signs, so that redundant and synergistic pairs (the
    // non-generic cases of the solvers) occur among the generic ones.
    let mut rng = StdRng::seed_from_u64(11);
    let labels: Vec<usize> = (0..SAMPLES).map(|_| rng.random_range(0..CLASSES)).collect();
    let gain: Vec<f32> = (0..NEURONS).map(|_| rng.random_range(0.2..1.2)).collect();
    let mut acts = Array2::<f32>::zeros((SAMPLES, NEURONS));
    for s in 0..SAMPLES {
        for j in 0..NEURONS {
            let tuned = if labels[s] == j % CLASSES { gain[j] } else { 0.0 };
            let noise: f32 = rng.random_range(-0.8..0.8);
            acts[[s, j]] = match j {
                _ if j % 5 == 4 => acts[[s, j - 1]] * rng.random_range(0.9..1.1),
                _ if j % 7 == 6 => f32::from(u8::from((acts[[s, j - 2]] > 0.0) != (acts[[s, j - 3]] > 0.0))),
                _ => (tuned + noise).max(0.0),
            };
        }
    }
    (acts, labels)
}

/// The plain tables: one pass over the samples per pair.
fn plain_tables(acts: &Array2<f32>, labels: &[usize], q: &LayerQuantizer, pairs: &[(usize, usize)]) -> Vec<PairTable> {
    let columns: Vec<Vec<f32>> = (0..NEURONS).map(|i| acts.column(i).to_vec()).collect();
    pairs
        .iter()
        .map(|&(i, j)| {
            let (qi, qj) = (q.neuron(i).unwrap(), q.neuron(j).unwrap());
            PairTable::from_activations(&columns[i], &columns[j], labels, CLASSES, (&qi, &qj)).unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (acts, labels) = synthetic();
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let pairs = all_pairs(NEURONS);
    let closed = PairSettings::default().closed_forms_only();
    let full = PairSettings::default();

    let mut group = c.benchmark_group("pairs_100x10000x10");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("tables_and_closed_forms", |b| {
        b.iter(|| {
            let counts = PairCounts::from_activations(acts.view(), &labels, CLASSES, &q, &pairs).unwrap();
            PairAnalysis::compute(&counts, &closed).unwrap()
        })
    });
    group.bench_function("every_column", |b| {
        b.iter(|| {
            let counts = PairCounts::from_activations(acts.view(), &labels, CLASSES, &q, &pairs).unwrap();
            PairAnalysis::compute(&counts, &full).unwrap()
        })
    });
    group.throughput(Throughput::Elements(PLAIN_PAIRS as u64));
    group.bench_function("plain_tables_and_closed_forms", |b| {
        b.iter(|| {
            plain_tables(black_box(&acts), &labels, &q, &pairs[..PLAIN_PAIRS])
                .iter()
                .map(|t| PairMeasures::compute(t, &closed).unwrap())
                .collect::<Vec<_>>()
        })
    });
    group.bench_function("plain_every_column", |b| {
        b.iter(|| {
            plain_tables(black_box(&acts), &labels, &q, &pairs[..PLAIN_PAIRS])
                .iter()
                .map(|t| {
                    let m = PairMeasures::compute(t, &closed).unwrap();
                    (
                        m,
                        red_broja_conic(t, Units::Bits).unwrap(),
                        red_prec(t, Units::Bits).unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("pairs_null_100x10000x10");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements((SHUFFLES * pairs.len()) as u64));
    for (name, model) in [
        ("label_permutation_10", NullModel::LabelPermutation),
        ("within_class_shuffle_10", NullModel::WithinClassShuffle),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                null_test(
                    acts.view(),
                    &labels,
                    CLASSES,
                    &q,
                    &pairs,
                    &closed,
                    NullSpec {
                        model,
                        shuffles: SHUFFLES,
                        seed: 1,
                        solved: false,
                    },
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
