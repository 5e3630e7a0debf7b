//! The fast path's inner kernels beside the implementations they replaced,
//! in the same run: the activations on a block of 512 rows × 100 neurons
//! (the fast path's propagated blocks), against bench-local copies of the
//! previous scalar code; and the fast path's GEMM shapes (`N × 100` rows
//! times `100 × 100` and `100 × 10` weights, `out = input·W + out` as its
//! read-outs compute them) with ndarray's `matrixmultiply` beside the `gemm`
//! crate, one thread each. Throughput is in activations (or flops) per
//! second, so the ratio of two throughputs is the speed-up.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infoablate::network::Activation;
use ndarray::Array2;
use ndarray::linalg::general_mat_mul;

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
    let previous: [(&str, Activation, Scalar); 2] = [
        ("tanh", Activation::Tanh, scalar_tanh),
        ("sigmoid", Activation::Sigmoid, scalar_sigmoid),
    ];
    for (name, activation, scalar) in previous {
        let mut z = input.clone();
        group.bench_function(format!("{name}/previous_scalar"), |b| {
            b.iter(|| {
                z.assign(&input);
                z.mapv_inplace(scalar);
                black_box(&z);
            })
        });
        group.bench_function(format!("{name}/simd"), |b| {
            b.iter(|| {
                z.assign(&input);
                activation.apply(z.view_mut());
                black_box(&z);
            })
        });
    }
    group.finish();
}

/// `out = input·weights + out` by the `gemm` crate, single-threaded, all
/// three row-major.
fn gemm_crate(input: &Array2<f32>, weights: &Array2<f32>, out: &mut Array2<f32>) {
    let ((m, k), n) = (input.dim(), weights.ncols());
    assert!(weights.nrows() == k && out.dim() == (m, n));
    assert!(input.is_standard_layout() && weights.is_standard_layout() && out.is_standard_layout());
    // SAFETY: the three matrices are contiguous, row-major and of the shapes
    // given, and `out` does not alias the operands.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            true,
            input.as_ptr(),
            1,
            k as isize,
            weights.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn gemms(c: &mut Criterion) {
    let mut group = c.benchmark_group("gemm");
    group.sample_size(20);
    for (rows, next) in [(10_000, 100), (10_000, 10), (512, 100), (512, 10), (16, 100), (16, 10)] {
        let input = Array2::from_shape_fn((rows, 100), |(s, i)| ((s * 7 + i * 13) % 17) as f32 / 17.0 - 0.5);
        let weights = Array2::from_shape_fn((100, next), |(i, j)| ((i * 5 + j * 3) % 11) as f32 / 11.0 - 0.5);
        let bias = Array2::from_shape_fn((rows, next), |(_, j)| j as f32 * 0.01);
        group.throughput(Throughput::Elements(2 * (rows * 100 * next) as u64));
        let shape = format!("{rows}x100x{next}");
        let mut out = bias.clone();
        group.bench_function(format!("{shape}/matrixmultiply"), |b| {
            b.iter(|| {
                out.assign(&bias);
                general_mat_mul(1.0, &input, &weights, 1.0, &mut out);
                black_box(&out);
            })
        });
        group.bench_function(format!("{shape}/gemm_crate"), |b| {
            b.iter(|| {
                out.assign(&bias);
                gemm_crate(&input, &weights, &mut out);
                black_box(&out);
            })
        });
        let mut ours = bias.clone();
        general_mat_mul(1.0, &input, &weights, 1.0, &mut ours);
        let mut theirs = bias.clone();
        gemm_crate(&input, &weights, &mut theirs);
        let diff = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0_f32, f32::max);
        eprintln!("{shape}: largest difference between the two products {diff:e}");
    }
    group.finish();
}

criterion_group!(benches, activations, gemms);
criterion_main!(benches);
