//! The fast path's inner kernels beside the implementations they replaced,
//! in the same run: the activations on a block of 512 rows × 100 neurons
//! (the fast path's propagated blocks), against bench-local copies of the
//! previous scalar code, and the newer activations (SiLU, ELU, GELU) beside
//! the plain per-value formula a user would write; and the scoring of rows
//! of logits (cross-entropy and arg-max) beside the previous per-row code.
//! Throughput is in activations (or rows) per second, so the ratio of two
//! throughputs is the speed-up.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::ablation::Metric;
use infoablate::network::Activation;
use ndarray::Array2;

/// The previous `tanh`, kept here only to measure against: computed in `f64`
/// (Taylor series of `tanh(x)/x` below 0.55, `1 − 2/(e^{2|x|} + 1)` beyond)
/// and rounded once.
fn scalar_tanh(x: f32) -> f32 {
    const SERIES: [f64; 11] = [
        18_888_466_084.0 / 194_896_477_400_625.0,
        -443_861_162.0 / 1_856_156_927_625.0,
        6_404_582.0 / 10_854_718_875.0,
        -929_569.0 / 638_512_875.0,
        21_844.0 / 6_081_075.0,
        -1_382.0 / 155_925.0,
        62.0 / 2_835.0,
        -17.0 / 315.0,
        2.0 / 15.0,
        -1.0 / 3.0,
        1.0,
    ];
    let a = f64::from(x).abs();
    let t = if a < 0.55 {
        let a2 = a * a;
        a * SERIES.iter().fold(0.0, |acc, &c| acc * a2 + c)
    } else {
        1.0 - 2.0 / ((2.0 * a).exp() + 1.0)
    };
    (t as f32).copysign(x)
}

/// The previous sigmoid: the C library's `expf` per value.
fn scalar_sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// SiLU the plain way, `x / (1 + e^{−x})` with the C library's `expf`.
fn plain_silu(x: f32) -> f32 {
    x / (1.0 + (-x).exp())
}

/// ELU (alpha 1) the plain way, with `f32::exp_m1`.
fn plain_elu(x: f32) -> f32 {
    if x > 0.0 { x } else { x.exp_m1() }
}

/// GELU the plain way, PyTorch's formula in `f32`, `x/2 (1 + erf(x/√2))`
/// with `libm`'s `erff` (it loses the relative accuracy of the negative tail).
fn plain_gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// GELU's tanh form as PyTorch writes it, with the C library's `tanhf`.
fn plain_gelu_tanh(x: f32) -> f32 {
    let u = (2.0 / std::f32::consts::PI).sqrt() * (x + 0.044_715 * x * x * x);
    0.5 * x * (1.0 + u.tanh())
}

/// Pre-activations spread like a trained tanh layer's: most within ±3.
fn block() -> Array2<f32> {
    Array2::from_shape_fn((512, 100), |(s, i)| ((s * 100 + i) as f32 * 0.618_034).sin() * 3.0)
}

/// A scalar activation, applied value by value.
type Scalar = fn(f32) -> f32;

fn activations(c: &mut Criterion) {
    let input = block();
    let mut group = c.benchmark_group("activation_512x100");
    group.throughput(Throughput::Elements(input.len() as u64));
    // (name, kernel, scalar baseline, baseline's label, kernel's label)
    let cases: [(&str, Activation, Scalar, &str, &str); 6] = [
        ("tanh", Activation::Tanh, scalar_tanh, "previous_scalar", "simd"),
        (
            "sigmoid",
            Activation::Sigmoid,
            scalar_sigmoid,
            "previous_scalar",
            "simd",
        ),
        ("silu", Activation::Silu, plain_silu, "plain_scalar", "kernel"),
        (
            "elu",
            Activation::Elu { alpha: 1.0 },
            plain_elu,
            "plain_scalar",
            "kernel",
        ),
        ("gelu", Activation::Gelu, plain_gelu, "plain_scalar", "kernel"),
        (
            "gelu_tanh",
            Activation::GeluTanh,
            plain_gelu_tanh,
            "plain_scalar",
            "kernel",
        ),
    ];
    for (name, activation, scalar, baseline, kernel) in cases {
        let mut z = input.clone();
        group.bench_function(format!("{name}/{baseline}"), |b| {
            b.iter(|| {
                z.assign(&input);
                z.mapv_inplace(scalar);
                black_box(&z);
            })
        });
        group.bench_function(format!("{name}/{kernel}"), |b| {
            b.iter(|| {
                z.assign(&input);
                activation.apply(z.view_mut());
                black_box(&z);
            })
        });
    }
    group.finish();
}

/// The previous cross-entropy, kept here only to measure against: the C
/// library's `exp` per class (the arg-max's term skipped, as 1), in `f64`.
fn previous_score(row: &[f32], label: usize) -> Option<(bool, f64)> {
    if label >= row.len() || row.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut best = 0;
    let mut max = f32::NEG_INFINITY;
    for (c, &v) in row.iter().enumerate() {
        if v > max || c == 0 {
            (best, max) = (c, v);
        }
    }
    let max = f64::from(max);
    let term = |&v: &f32| (f64::from(v) - max).exp();
    let (below, above) = row.split_at(best);
    let sum = below.iter().map(term).sum::<f64>() + 1.0;
    let sum = above.iter().skip(1).map(term).fold(sum, |sum, e| sum + e);
    Some((best == label, max + sum.ln() - f64::from(row[label])))
}

/// Scoring 10 logits a row (a trained classifier's spread, within ±15) on
/// 512 rows: the previous per-row code, [`Metric::add`] row by row (the
/// same exponential as the block, not vectorised across rows) and
/// [`Metric::add_logits`], what the fast path runs on each propagated block.
fn scoring(c: &mut Criterion) {
    let logits = Array2::from_shape_fn((512, 10), |(s, k)| ((s * 10 + k) as f32 * 0.618_034).sin() * 15.0);
    let labels: Vec<usize> = (0..512).map(|s| (s * 7) % 10).collect();
    let mut group = c.benchmark_group("scoring_512x10");
    group.throughput(Throughput::Elements(labels.len() as u64));
    let rows = || logits.outer_iter().zip(&labels);
    group.bench_function("previous_libm_exp", |b| {
        b.iter(|| {
            let (mut correct, mut total) = (0, 0.0);
            for (row, &y) in rows() {
                let (right, loss) = previous_score(row.as_slice().expect("contiguous"), y).expect("finite");
                correct += usize::from(right);
                total += loss;
            }
            black_box((correct, total))
        })
    });
    group.bench_function("per_row", |b| {
        b.iter(|| {
            let mut metric = Metric::new();
            for (row, &y) in rows() {
                metric.add(row.as_slice().expect("contiguous"), y);
            }
            black_box(metric)
        })
    });
    group.bench_function("block", |b| {
        b.iter(|| {
            let mut metric = Metric::new();
            metric.add_logits(logits.view(), &labels).expect("finite");
            black_box(metric)
        })
    });
    group.finish();
}

criterion_group!(benches, activations, scoring);
criterion_main!(benches);
