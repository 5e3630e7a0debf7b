//! The cross-entropy of rows of logits, `max + ln Σ e^{z − max} − z_y`, with
//! a branchless `f64` exponential that compiles to SIMD code.
//!
//! [`Metric::score`](super::Metric::score) scores one row with it
//! ([`score_row`]: the arg-max in one pass, then the terms four at a time);
//! [`RowScorer`] scores a block of rows (the fast path's propagated pieces,
//! the plain path's batches, the pair interaction's blocks) eight rows at a
//! time, one per SIMD lane: the group is laid out class-major, so that the
//! arg-max, the finiteness check and every exponential are vertical
//! operations across rows, then each row's logarithm. On x86-64 CPUs with
//! AVX-512F, or AVX2 and FMA (detected at run time), a copy of each kernel
//! compiled for them runs ([`crate::simd::widest`]); every copy performs the
//! same IEEE operations in the same order (never fused), so every score is
//! the same bit for bit whatever the CPU, and the same whether a row is scored alone or in a block (the same
//! exponential of the same `z − max`, summed in class order from 0).
//!
//! Error bound: [`exp_nonpositive`] is within 2 ulp of the C library's `exp`
//! on `[−708, 0]` (tested on a dense sample) and exact at 0, where the arg-max's
//! term is `1`. The sum (at least 1) therefore moves by at most a few ulp,
//! and the loss by at most `1e-15` nats, plus one rounding of
//! `max + ln(sum)` (`2⁻⁵²` of its magnitude, which that formula rounds to
//! as well), against the same formula with the C library's `exp` (tested). Accuracy is untouched: the arg-max is computed from
//! the `f32` logits alone, before any exponential.

use crate::simd::widest;

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
/// `1/(k + 2)!` for `k = 0 … 11`: the Taylor series `Σ a_k r^k` of
/// `(e^r − 1 − r)/r²`, whose first omitted term is under `2⁻⁵⁸` for
/// `|r| ≤ ln 2 / 2`.
const TAYLOR: [f64; 12] = [
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `e^x` for `x ≤ 0` (`x` is clamped into `[−708, 0]`), branchless: `x = n
/// ln 2 + r` with `|r| ≤ ln 2 / 2`, `e^r = 1 + r + r² P(r)` by the Taylor
/// series to degree 13, `2ⁿ` built in the exponent bits. `P` is evaluated
/// by Estrin's scheme (pairs, then powers `r², r⁴, r⁸`): as many operations
/// as Horner's rule but a chain of 6 instead of 24, which is what one row
/// scored alone waits for. Exactly 1 at 0; within 2 ulp of the C library's
/// `exp` elsewhere.
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    let x = x.clamp(EXP_MIN, 0.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let a = TAYLOR;
    let (r2, pair) = (r * r, |k: usize| a[k] + a[k + 1] * r);
    let (r4, quad) = (r2 * r2, |k: usize| pair(k) + pair(k + 2) * r2);
    let p = quad(0) + quad(4) * r4 + quad(8) * (r4 * r4);
    let m = p * r2 + r;
    // The integer n (−1021 … 0) sits in the low bits of `shifted`; `n + 1023`
    // shifted into the exponent field is 2ⁿ (the higher bits fall off the left).
    let scale = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    (m + 1.0) * scale
}

/// The cross-entropy `max + ln(sum) − z_y` of a row whose terms
/// `e^{z − max}`, summed in class order, make `sum`.
#[inline(always)]
fn cross_entropy(max: f64, sum: f64, label_logit: f32) -> f64 {
    max + sum.ln() - f64::from(label_logit)
}

/// Terms of a single row exponentiated together: one AVX2 vector.
const TERMS: usize = 4;

/// `e^{v − max}` for each logit of `chunk`.
#[inline(always)]
fn terms(chunk: &[f32; TERMS], max: f64) -> [f64; TERMS] {
    let mut terms = [0.0; TERMS];
    for (t, &v) in terms.iter_mut().zip(chunk) {
        *t = exp_nonpositive(f64::from(v) - max);
    }
    terms
}

/// [`score_row`] for any CPU: a row's arg-max (ties → the lowest class) in
/// one pass, then its terms [`TERMS`] at a time (the last vector padded,
/// its padding ignored), summed in class order. Plain loops over arrays
/// only, so that all of it is compiled into [`widest`]'s copies in whole
/// vectors (an iterator's `fold` may be left out of line, for any CPU).
#[inline(always)]
fn score_row_portable(row: &[f32], label: usize) -> Option<(bool, f64)> {
    let (&first, rest) = row.split_first()?;
    let (mut best, mut max, mut finite) = (0, first, first.is_finite());
    for (c, &v) in rest.iter().enumerate() {
        finite &= v.is_finite();
        if v > max {
            (best, max) = (c + 1, v);
        }
    }
    let label_logit = *row.get(label).filter(|_| finite)?;
    let max = f64::from(max);
    let (chunks, rest) = row.as_chunks::<TERMS>();
    let mut last = [0.0; TERMS];
    last[..rest.len()].copy_from_slice(rest);
    let mut sum = 0.0;
    for chunk in chunks {
        for e in terms(chunk, max) {
            sum += e;
        }
    }
    for &e in &terms(&last, max)[..rest.len()] {
        sum += e;
    }
    Some((best == label, cross_entropy(max, sum, label_logit)))
}

/// Whether logits `row` classify a sample as `label` (the arg-max, ties →
/// the lowest class, as PyTorch's `argmax`), and its cross-entropy; `None`
/// when a logit is NaN or infinite or `label` is not below the row's
/// length. The same bits as [`RowScorer`] gives the row in a block.
pub(super) fn score_row(row: &[f32], label: usize) -> Option<(bool, f64)> {
    widest(
        #[inline(always)]
        || score_row_portable(row, label),
    )
}

/// Rows of a block scored together, one per SIMD lane.
const LANES: usize = 8;

/// What [`score_lanes`] gives for each row (lane) of a group.
struct Lanes {
    /// The arg-max (ties → the lowest class).
    best: [u32; LANES],
    /// The maximum logit.
    max: [f64; LANES],
    /// `Σ e^{z − max}`, summed in class order.
    sum: [f64; LANES],
    /// Whether every logit is finite.
    finite: [bool; LANES],
}

/// The [`Lanes`] of a group of rows from its columns (none: no lane is finite).
#[inline(always)]
fn score_lanes(columns: &[[f32; LANES]]) -> Lanes {
    let Some((first, rest)) = columns.split_first() else {
        return Lanes {
            best: [0; LANES],
            max: [0.0; LANES],
            sum: [0.0; LANES],
            finite: [false; LANES],
        };
    };
    // `0 · v` is 0 for a finite `v`, NaN otherwise; a NaN stays.
    let (mut best, mut max, mut nan) = ([0_u32; LANES], *first, first.map(|v| 0.0 * v));
    for (c, column) in (1_u32..).zip(rest) {
        for l in 0..LANES {
            let (v, greater) = (column[l], column[l] > max[l]);
            nan[l] += 0.0 * v;
            best[l] = if greater { c } else { best[l] };
            max[l] = if greater { v } else { max[l] };
        }
    }
    let max = max.map(f64::from);
    let mut sum = [0.0; LANES];
    for column in columns {
        for l in 0..LANES {
            sum[l] += exp_nonpositive(f64::from(column[l]) - max[l]);
        }
    }
    let finite = nan.map(|n| n == 0.0);
    Lanes { best, max, sum, finite }
}

/// [`score_lanes`] with the widest SIMD code this CPU runs.
fn score_group(columns: &[[f32; LANES]]) -> Lanes {
    widest(
        #[inline(always)]
        || score_lanes(columns),
    )
}

/// Scores blocks of rows of logits, [`LANES`] rows at a time, through a
/// reused buffer.
#[derive(Debug, Default)]
pub(super) struct RowScorer {
    /// The current group of rows, class-major: column `c` holds logit `c`
    /// of every row of the group (unused lanes hold 0).
    columns: Vec<[f32; LANES]>,
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
        self.columns.clear();
        self.columns.resize(classes, [0.0; LANES]);
        for (g, group) in logits.chunks(classes * LANES).enumerate() {
            let mut ys = [0; LANES];
            let mut rows = 0;
            for ((l, row), y) in group.chunks_exact(classes).enumerate().zip(&mut labels) {
                for (column, &v) in self.columns.iter_mut().zip(row) {
                    column[l] = v;
                }
                (ys[l], rows) = (y, l + 1);
            }
            if rows == 0 {
                break;
            }
            for column in &mut self.columns {
                column[rows..].fill(0.0);
            }
            let Lanes { best, max, sum, finite } = score_group(&self.columns);
            for (l, row) in group.chunks_exact(classes).take(rows).enumerate() {
                let r = g * LANES + l;
                match row.get(ys[l]).filter(|_| finite[l]) {
                    Some(&label_logit) => set(r, best[l] as usize == ys[l], cross_entropy(max[l], sum[l], label_logit)),
                    None => return Some(r),
                }
            }
            if rows < LANES {
                break;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{LANES, RowScorer, exp_nonpositive, score_group, score_lanes, score_row, score_row_portable};
    use crate::ablation::Metric;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// The documented bound of [`exp_nonpositive`], in ulp of the C library's `exp`.
    const EXP_ULPS: u64 = 2;
    /// The documented bound on a row's loss against the C library's `exp`, in
    /// nats, beyond one rounding of `max + ln(sum)`.
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

    /// The previous score, with the C library's `exp` per class, and the
    /// magnitude of its `max + ln(sum)`.
    fn libm_loss(row: &[f32], label: usize) -> (f64, f64) {
        let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let sum: f64 = row.iter().map(|&v| (f64::from(v) - f64::from(max)).exp()).sum();
        let partial = f64::from(max) + sum.ln();
        (partial - f64::from(row[label]), partial.abs())
    }

    #[test]
    fn block_scores_match_single_rows_and_libm_within_the_bound() {
        let mut rng = StdRng::seed_from_u64(16);
        let classes = 10;
        // Not a multiple of the group size: the last group is partial.
        let rows = 3001;
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
            let (want, magnitude) = libm_loss(row, labels[r]);
            // Beyond the absolute bound, one rounding of `max + ln(sum)`.
            worst = worst.max((loss - want).abs() - f64::EPSILON * magnitude);
        }
        assert!(worst <= LOSS_ABS, "worst {worst:e}");
    }

    #[test]
    fn the_simd_and_portable_copies_give_the_same_bits() {
        let mut rng = StdRng::seed_from_u64(17);
        for classes in [1, 2, 3, 4, 5, 10, 17] {
            let columns: Vec<[f32; LANES]> = (0..classes)
                .map(|_| std::array::from_fn(|_| (rng.random::<f32>() - 0.5) * 40.0))
                .collect();
            let (simd, portable) = (score_group(&columns), score_lanes(&columns));
            assert_eq!(simd.best, portable.best);
            assert_eq!(simd.max.map(f64::to_bits), portable.max.map(f64::to_bits));
            assert_eq!(simd.sum.map(f64::to_bits), portable.sum.map(f64::to_bits));
            let row: Vec<f32> = columns.iter().map(|column| column[0]).collect();
            let (label, expected) = (classes / 2, score_row_portable(&row, classes / 2).expect("finite"));
            let got = score_row(&row, label).expect("finite");
            assert_eq!((got.0, got.1.to_bits()), (expected.0, expected.1.to_bits()));
        }
    }

    #[test]
    fn a_block_scores_as_many_rows_as_labels() {
        let logits: Vec<f32> = (0..30).map(|i| (i % 7) as f32).collect();
        for labels in [0, 1, 8, 9, 10] {
            let mut scored = Vec::new();
            let failed = RowScorer::default().score(&logits, 3, (0..labels).map(|r| r % 3), |r, _, loss| {
                scored.push((r, loss));
            });
            assert_eq!(failed, None);
            assert_eq!(scored.len(), labels);
            for (r, loss) in scored {
                let single = score_row(&logits[r * 3..r * 3 + 3], r % 3).expect("finite");
                assert_eq!(loss.to_bits(), single.1.to_bits());
            }
        }
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
        // In the second group of rows.
        let mut logits = vec![0.5; 2 * (LANES + 3)];
        logits[2 * (LANES + 1) + 1] = f32::INFINITY;
        let mut scored = 0;
        let failed = RowScorer::default().score(&logits, 2, [1; LANES + 3], |_, _, _| scored += 1);
        assert_eq!((failed, scored), (Some(LANES + 1), LANES + 1));
        assert_eq!(RowScorer::default().score(&[], 0, [0], |_, _, _| {}), Some(0));
        assert_eq!(RowScorer::default().score(&[], 0, [], |_, _, _| {}), None);
    }
}
