//! The cross-entropy of rows of logits, `max + ln Σ e^{z − max} − z_y`, with
//! a branchless `f64` exponential that compiles to SIMD code.
//!
//! [`Metric::score`](super::Metric::score) scores one row with it;
//! [`RowScorer`] scores a block of rows (the fast path's propagated pieces,
//! the plain path's batches) in three passes over reused buffers: the
//! arg-max and `z − max` of every row, the exponentials of the whole block as
//! one flat loop (on x86-64 CPUs with AVX2 and FMA, detected at run time, a
//! copy of that loop compiled for them: four lanes instead of two), then each
//! row's sum and logarithm. Both copies of the loop perform the same IEEE
//! operations in the same order (never fused), so every score is the same
//! bit for bit whatever the CPU, and the same whether a row is scored alone
//! or in a block.
//!
//! Error bound: [`exp_nonpositive`] is within 2 ulp of the C library's `exp`
//! on `[−708, 0]` (tested on a dense sample) and exact at 0, where the arg-max's
//! term is `1`. The sum (at least 1) therefore moves by at most a few ulp,
//! and the loss by at most `1e-15` nats in absolute value (tested) against the
//! same formula with the C library's `exp` — below the rounding of `1 + ε` in
//! that formula itself. Accuracy is untouched: the arg-max is computed from
//! the `f32` logits alone, before any exponential.

/// `log₂ e`.
const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// `ln 2` split in two (fdlibm's): the high part ends in 32 zero bits, so
/// `n · LN2_HI` is exact for every exponent `n` used here.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// `ln 2 − LN2_HI`.
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// `1.5 · 2⁵²`: adding it rounds a float of magnitude below `2⁵¹` to the
/// nearest integer, which is left in the low mantissa bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// Smallest argument: `e^{−708}` is a normal `f64` (about `3.3e-308`). A
/// term below it is raised to it, which cannot change a sum of at least 1.
const EXP_MIN: f64 = -708.0;
/// `1/k!` for `k = 13 … 2`: the Taylor series of `(e^r − 1 − r)/r²`, whose
/// first omitted term is under `2⁻⁵⁸` for `|r| ≤ ln 2 / 2`.
const TAYLOR: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
];

/// `e^x` for `x ≤ 0` (`x` is clamped into `[−708, 0]`), branchless: `x = n
/// ln 2 + r` with `|r| ≤ ln 2 / 2`, `e^r = 1 + r + r² P(r)` by the Taylor
/// series to degree 13, `2ⁿ` built in the exponent bits. Exactly 1 at 0;
/// within 2 ulp of the C library's `exp` elsewhere.
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    let x = x.clamp(EXP_MIN, 0.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = TAYLOR.iter().fold(0.0, |p, &c| p * r + c);
    let m = p * (r * r) + r;
    // The integer n (−1021 … 0) sits in the low bits of `shifted`; `n + 1023`
    // shifted into the exponent field is 2ⁿ (the higher bits fall off the left).
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    (m + 1.0) * scale
}

/// The arg-max of a row of logits (ties → the lowest class, as PyTorch's
/// `argmax`) and its value; `None` when a logit is NaN or infinite.
pub(super) fn peak(row: &[f32]) -> Option<(usize, f64)> {
    if row.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mut best = 0;
    let mut max = f32::NEG_INFINITY;
    for (c, &v) in row.iter().enumerate() {
        if v > max || c == 0 {
            (best, max) = (c, v);
        }
    }
    Some((best, f64::from(max)))
}

/// The cross-entropy `max + ln(sum) − z_y` of a row whose terms
/// `e^{z − max}`, summed in class order, make `sum`.
#[inline(always)]
pub(super) fn cross_entropy(max: f64, sum: f64, label_logit: f32) -> f64 {
    max + sum.ln() - f64::from(label_logit)
}

/// Replaces every value `x ≤ 0` of `values` by [`exp_nonpositive`]`(x)`.
#[inline(always)]
fn exp_all(values: &mut [f64]) {
    for v in values {
        *v = exp_nonpositive(*v);
    }
}

/// [`exp_all`] compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn exp_all_avx2(values: &mut [f64]) {
    exp_all(values);
}

/// [`exp_all`] with the widest SIMD code this CPU runs.
fn exp_block(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // SAFETY: the features `exp_all_avx2` is compiled for were just detected.
        unsafe { exp_all_avx2(values) };
        return;
    }
    exp_all(values);
}

/// Terms of [`sum_terms`] exponentiated together, on the stack.
const TERMS: usize = 16;

/// `Σ e^{z − max}` over a row of logits whose maximum is `max`, summed in
/// class order (the maximum's term is `e⁰ = 1` exactly), the exponentials
/// taken [`TERMS`] at a time by the SIMD loop (always all of them, so that
/// none falls to the loop's slow scalar remainder; the unused ones are
/// ignored): the same sum as [`RowScorer`]'s, without its buffers.
pub(super) fn sum_terms(row: &[f32], max: f64) -> f64 {
    let mut buffer = [0.0; TERMS];
    row.chunks(TERMS).fold(0.0, |sum, chunk| {
        for (t, &v) in buffer.iter_mut().zip(chunk) {
            *t = f64::from(v) - max;
        }
        exp_block(&mut buffer);
        buffer[..chunk.len()].iter().fold(sum, |sum, &e| sum + e)
    })
}

/// Scores blocks of rows of logits into reused buffers (no allocation once
/// they have grown to the largest block).
#[derive(Debug, Default)]
pub(super) struct RowScorer {
    /// Each row's `z − max`, then its exponential, row-major.
    terms: Vec<f64>,
    /// Each row's arg-max, label and maximum.
    peaks: Vec<(usize, usize, f64)>,
}

impl RowScorer {
    /// Scores the rows of `logits` (row-major, `classes` wide), row `r`
    /// against the `r`-th of `labels` (as many as rows), handing `set` each
    /// row's index, whether it is right and its cross-entropy, in row order.
    /// Gives the first row that has no score (a logit NaN or infinite, or a
    /// label not below `classes`); the rows before it are scored, none after.
    pub(super) fn score(
        &mut self,
        logits: &[f32],
        classes: usize,
        labels: impl IntoIterator<Item = usize>,
        mut set: impl FnMut(usize, bool, f64),
    ) -> Option<usize> {
        let mut labels = labels.into_iter();
        if classes == 0 {
            return labels.next().map(|_| 0);
        }
        self.terms.clear();
        self.peaks.clear();
        let mut failed = None;
        for (r, (row, y)) in logits.chunks_exact(classes).zip(labels).enumerate() {
            match peak(row).filter(|_| y < classes) {
                Some((best, max)) => {
                    self.peaks.push((best, y, max));
                    self.terms.extend(row.iter().map(|&v| f64::from(v) - max));
                }
                None => {
                    failed = Some(r);
                    break;
                }
            }
        }
        exp_block(&mut self.terms);
        let rows = self.terms.chunks_exact(classes).zip(logits.chunks_exact(classes));
        for (r, ((terms, row), &(best, y, max))) in rows.zip(&self.peaks).enumerate() {
            let sum = terms.iter().fold(0.0, |sum, &e| sum + e);
            set(r, best == y, cross_entropy(max, sum, row[y]));
        }
        failed
    }
}

#[cfg(test)]
mod tests {
    use super::{RowScorer, exp_nonpositive};
    use crate::ablation::Metric;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The documented bound of [`exp_nonpositive`], in ulp of the C library's `exp`.
    const EXP_ULPS: u64 = 2;
    /// The documented bound on a row's loss against the C library's `exp`, in nats.
    const LOSS_ABS: f64 = 1e-15;

    #[test]
    fn exp_is_within_two_ulp_of_libm_on_the_negative_axis() {
        assert_eq!(exp_nonpositive(0.0).to_bits(), 1.0f64.to_bits());
        assert_eq!(exp_nonpositive(-0.0).to_bits(), 1.0f64.to_bits());
        let mut worst = 0;
        let steps = 2_000_000u32;
        for i in 1..=steps {
            // Dense near 0 (where a loss is made of small terms), then uniform to −708.
            let t = f64::from(i) / f64::from(steps);
            for x in [-708.0 * t, -t * t * 1e-3, -t] {
                let (got, want) = (exp_nonpositive(x), x.exp());
                worst = worst.max(got.to_bits().abs_diff(want.to_bits()));
            }
        }
        assert!(worst <= EXP_ULPS, "worst {worst} ulp");
        // Below the range, the smallest normal term: it cannot move a sum ≥ 1.
        assert_eq!(exp_nonpositive(-1e6), exp_nonpositive(-708.0));
        assert_eq!(1.0 + exp_nonpositive(-1e6), 1.0);
    }

    /// The previous score, with the C library's `exp` per class.
    fn libm_loss(row: &[f32], label: usize) -> f64 {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let sum: f64 = row.iter().map(|&v| (f64::from(v) - f64::from(max)).exp()).sum();
        f64::from(max) + sum.ln() - f64::from(row[label])
    }

    #[test]
    fn block_scores_match_single_rows_and_libm_within_the_bound() {
        let mut rng = StdRng::seed_from_u64(16);
        let classes = 10;
        let rows = 3000;
        let logits: Vec<f32> = (0..rows * classes)
            .map(|i| {
                let scale = [0.01f32, 1.0, 30.0, 1000.0][i / classes % 4];
                (rng.random::<f32>() - 0.5) * scale
            })
            .collect();
        let labels: Vec<usize> = (0..rows).map(|_| rng.random_range(0..classes)).collect();
        let mut scored = Vec::new();
        let failed = RowScorer::default().score(&logits, classes, labels.iter().copied(), |r, right, loss| {
            scored.push((r, right, loss));
        });
        assert_eq!((failed, scored.len()), (None, rows));
        let mut worst: f64 = 0.0;
        for ((r, right, loss), row) in scored.into_iter().zip(logits.chunks_exact(classes)) {
            let single = Metric::score(row, labels[r]).expect("finite");
            assert_eq!((right, loss.to_bits()), (single.0, single.1.to_bits()));
            worst = worst.max((loss - libm_loss(row, labels[r])).abs());
        }
        assert!(worst <= LOSS_ABS, "worst {worst:e}");
    }

    #[test]
    fn block_stops_at_the_first_row_without_a_score() {
        let logits = [1.0, 0.0, 0.0, 2.0, f32::NAN, 0.0, 1.0, 1.0];
        let mut scored = Vec::new();
        let failed = RowScorer::default().score(&logits, 2, [0, 1, 0, 0], |r, right, _| scored.push((r, right)));
        assert_eq!(failed, Some(2));
        assert_eq!(scored, [(0, true), (1, true)]);
        let failed = RowScorer::default().score(&logits[..4], 2, [0, 2], |_, _, _| {});
        assert_eq!(failed, Some(1));
        assert_eq!(RowScorer::default().score(&[], 0, [0], |_, _, _| {}), Some(0));
        assert_eq!(RowScorer::default().score(&[], 0, [], |_, _, _| {}), None);
    }
}
