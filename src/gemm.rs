//! The packed matrix product `out = input·W + b` of the fast ablation path
//! (blocks of propagated rows, `W` packed once per read-out) and of the
//! built-in `Mlp`'s forward pass (`W` packed once per layer).
//!
//! On x86-64 CPUs with AVX2 and FMA, or AVX-512F (detected at run time), a
//! register-blocked kernel reads `W` from column panels packed when the
//! read-out is prepared, so no call packs anything: the AVX2 kernel holds
//! 6 rows × one panel of 16 columns (two 256-bit vectors a row), the AVX-512
//! kernel 12 rows × two panels (one 512-bit vector a panel, the columns past
//! the width masked off). Both compute every output exactly as
//! `matrixmultiply`'s FMA kernel (what ndarray's `general_mat_mul` runs on
//! those CPUs): each entry is a fused multiply-add chain over the inner index
//! in order, from zero, added to the output (which holds `b`) once per block
//! of [`DEPTH`] inner indices. So the result is the same bit for bit, and, since
//! no entry's sum depends on the other rows, the same whatever the number of
//! rows in a block. Elsewhere the product is `general_mat_mul` itself.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use crate::Result;
use crate::network::NetworkError;

/// Columns of `W` in a packed panel: two AVX vectors, one AVX-512 vector.
const PANEL: usize = 16;
/// Rows of `input` per call of the AVX2 micro-kernel: twelve accumulators.
const ROWS: usize = 6;
/// Rows of `input` per call of the AVX-512 micro-kernel: with two panels,
/// 24 of the 32 vector registers hold accumulators.
#[cfg(target_arch = "x86_64")]
const ROWS_512: usize = 12;
/// Panels per call of the AVX-512 micro-kernel (one for the last panel of
/// an odd count).
#[cfg(target_arch = "x86_64")]
const PANELS_512: usize = 2;
/// Inner indices summed before the running sum is added to the output:
/// `matrixmultiply`'s `kc` for `f32`, so that deep products split as it does.
const DEPTH: usize = 256;

/// Which code computes the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// ndarray's `general_mat_mul` on the row-major `W`.
    Portable,
    /// The AVX2/FMA micro-kernel on the panels.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// The AVX-512F micro-kernel on the panels.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    /// Every kernel, fastest first.
    const ALL: &[Kernel] = &[
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2,
        Kernel::Portable,
    ];

    /// Whether this CPU runs the kernel.
    fn runs_here(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => is_x86_feature_detected!("avx512f"),
        }
    }

    /// The fastest kernel this CPU runs.
    fn detect() -> Self {
        Kernel::ALL
            .iter()
            .copied()
            .find(|k| k.runs_here())
            .unwrap_or(Kernel::Portable)
    }
}

/// `W` (`depth × width`, row-major), and on CPUs that run a SIMD kernel
/// (AVX2 and FMA, or AVX-512F) the same in column panels of 16 columns:
/// panel `p` holds columns `16p … 16p + 15` (zero beyond `width`) of every
/// row, one row after the other.
///
/// Public (as `ablation::PackedGemm`, hidden from the docs) only so that the
/// roofline bench can measure the rate of the product the fast path runs;
/// it is not part of the crate's API.
pub struct Packed {
    /// `W`, row-major.
    plain: Vec<f32>,
    /// The column panels, when the kernel runs (empty otherwise).
    panels: Vec<f32>,
    /// Rows of `W` (the inner dimension of the product).
    depth: usize,
    /// Columns of `W`.
    width: usize,
    /// The code that computes the product (`Portable` without panels).
    kernel: Kernel,
}

impl Packed {
    /// Packs the row-major `depth × width` matrix `plain` (no panels for an
    /// empty matrix: its product is the bias alone, or empty).
    ///
    /// # Errors
    /// [`NetworkError::Shape`] when `plain` does not hold `depth × width` values.
    pub fn new(plain: Vec<f32>, depth: usize, width: usize) -> Result<Self> {
        Self::with_kernel(plain, depth, width, Kernel::detect())
    }

    /// [`Packed::new`] for `kernel` (the portable one if this CPU does not
    /// run it, or for an empty matrix).
    fn with_kernel(plain: Vec<f32>, depth: usize, width: usize, kernel: Kernel) -> Result<Self> {
        if plain.len() != depth * width {
            return Err(shape_error(depth, width, plain.len()));
        }
        let mut panels = Vec::new();
        let kernel = if depth == 0 || width == 0 || !kernel.runs_here() {
            Kernel::Portable
        } else {
            kernel
        };
        if kernel != Kernel::Portable {
            let count = width.div_ceil(PANEL);
            panels = vec![0.0; count * depth * PANEL];
            for (p, panel) in panels.chunks_exact_mut(depth * PANEL).enumerate() {
                let cols = PANEL.min(width - p * PANEL);
                for (row, from) in panel.chunks_exact_mut(PANEL).zip(plain.chunks_exact(width)) {
                    row[..cols].copy_from_slice(&from[p * PANEL..p * PANEL + cols]);
                }
            }
        }
        Ok(Packed {
            plain,
            panels,
            depth,
            width,
            kernel,
        })
    }

    /// Rows of `W`.
    pub(crate) fn depth(&self) -> usize {
        self.depth
    }

    /// Columns of `W`.
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// `W`, row-major.
    pub(crate) fn rows(&self) -> &[f32] {
        &self.plain
    }

    /// `out = input·W + bias` for the first `rows` rows of the row-major
    /// `input` (`depth` wide), into the reused buffer `out`.
    ///
    /// # Errors
    /// [`NetworkError::Shape`] when `input` is shorter than `rows × depth`
    /// or `bias` is not `width` long.
    pub fn apply(&self, input: &[f32], rows: usize, bias: &[f32], out: &mut Vec<f32>) -> Result<()> {
        self.apply_mapped(input, self.depth, AllColumns, rows, bias, out)
    }

    /// `out = input[:, columns]·W + bias` for the first `rows` rows of the
    /// row-major `input` (`lda` wide): the product reads only the input
    /// columns `columns` (increasing, below `lda`; one per row of `W`), in
    /// place, with the same bits as gathering them first and calling
    /// [`apply`](Packed::apply).
    ///
    /// # Errors
    /// [`NetworkError::Shape`] when `columns` is not `depth` long, not
    /// increasing or not below `lda`, `input` is shorter than `rows × lda`
    /// or `bias` is not `width` long.
    pub(crate) fn apply_columns(
        &self,
        input: &[f32],
        lda: usize,
        columns: &[usize],
        rows: usize,
        bias: &[f32],
        out: &mut Vec<f32>,
    ) -> Result<()> {
        let increasing = columns.windows(2).all(|pair| pair[0] < pair[1]);
        if columns.len() != self.depth || !increasing || columns.last().is_some_and(|&c| c >= lda) {
            return Err(NetworkError::Shape {
                what: "columns read by a pruned product".into(),
                expected: vec![self.depth],
                got: vec![columns.len()],
            }
            .into());
        }
        self.apply_mapped(input, lda, SomeColumns(columns), rows, bias, out)
    }

    /// [`apply_columns`](Packed::apply_columns) for a column map checked
    /// to be increasing and below `lda`.
    fn apply_mapped(
        &self,
        input: &[f32],
        lda: usize,
        columns: impl Columns,
        rows: usize,
        bias: &[f32],
        out: &mut Vec<f32>,
    ) -> Result<()> {
        if input.len() < rows * lda || bias.len() != self.width {
            return Err(shape_error(rows, lda, input.len()));
        }
        out.clear();
        if rows > 0 {
            // Each row starts as `bias`: copied once, then doubled, so that
            // a block costs a few long copies rather than one per row.
            let len = rows * self.width;
            out.extend_from_slice(bias);
            while out.len() < len {
                out.extend_from_within(..out.len().min(len - out.len()));
            }
        }
        if self.depth == 0 || rows == 0 {
            return Ok(());
        }
        let a = Lhs {
            input: &input[..rows * lda],
            lda,
            rows,
            columns,
        };
        match self.kernel {
            // SAFETY (both arms): `with_kernel` keeps a kernel only where
            // `runs_here` detected its features; the lengths were checked
            // above, and the columns by the caller.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { product_avx2(a, self, out) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { product_avx512(a, self, out) },
            Kernel::Portable => self.product_portable(a, out)?,
        }
        Ok(())
    }

    /// `out += input·W` by `general_mat_mul`, on the mapped columns
    /// gathered first (when they are not all of them).
    fn product_portable(&self, a: Lhs<'_, impl Columns>, out: &mut [f32]) -> Result<()> {
        let rows = a.rows;
        let gathered: Vec<f32>;
        let input = if a.lda == self.depth && a.columns.column(self.depth - 1) == self.depth - 1 {
            a.input
        } else {
            gathered = (a.input.chunks_exact(a.lda))
                .flat_map(|row| (0..self.depth).map(move |k| row[a.columns.column(k)]))
                .collect();
            &gathered
        };
        let input = ArrayView2::from_shape((rows, self.depth), input)
            .map_err(|_| shape_error(rows, self.depth, input.len()))?;
        let weights = ArrayView2::from_shape((self.depth, self.width), &self.plain)
            .map_err(|_| shape_error(self.depth, self.width, self.plain.len()))?;
        let len = out.len();
        let mut output =
            ArrayViewMut2::from_shape((rows, self.width), out).map_err(|_| shape_error(rows, self.width, len))?;
        general_mat_mul(1.0, &input, &weights, 1.0, &mut output);
        Ok(())
    }
}

/// The input columns a product reads, one per inner index `k`, increasing.
trait Columns: Copy {
    /// The input column of inner index `k`.
    fn column(self, k: usize) -> usize;
}

/// Every column, in order: inner index `k` reads column `k`.
#[derive(Clone, Copy)]
struct AllColumns;

impl Columns for AllColumns {
    #[inline(always)]
    fn column(self, k: usize) -> usize {
        k
    }
}

/// The listed columns (checked by [`Packed::apply_columns`]).
#[derive(Clone, Copy)]
struct SomeColumns<'a>(&'a [usize]);

impl Columns for SomeColumns<'_> {
    #[inline(always)]
    fn column(self, k: usize) -> usize {
        self.0[k]
    }
}

/// The left operand of a product: `rows` rows of `input`, `lda` apart,
/// read at `columns`.
#[derive(Clone, Copy)]
struct Lhs<'a, C> {
    input: &'a [f32],
    lda: usize,
    rows: usize,
    columns: C,
}

impl<C: Copy> Lhs<'_, C> {
    /// Its rows from `r0` on (`r0 < rows`).
    fn rows_from(self, r0: usize) -> Self {
        Lhs {
            input: &self.input[r0 * self.lda..],
            rows: self.rows - r0,
            ..self
        }
    }
}

/// A buffer too short for the block it should hold (a broken invariant).
pub(crate) fn shape_error(rows: usize, width: usize, len: usize) -> crate::Error {
    NetworkError::Shape {
        what: "fast-path block buffer".into(),
        expected: vec![rows, width],
        got: vec![len],
    }
    .into()
}

/// `out += lhs·W` with the packed kernel, in blocks of [`DEPTH`] inner
/// indices, [`ROWS`] rows and one panel.
///
/// # Safety
/// The CPU must support AVX2 and FMA; `lhs` holds its rows and `out` as
/// many rows of `w.width`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn product_avx2(lhs: Lhs<'_, impl Columns>, w: &Packed, out: &mut [f32]) {
    let (depth, width, rows) = (w.depth, w.width, lhs.rows);
    for k0 in (0..depth).step_by(DEPTH) {
        let kc = DEPTH.min(depth - k0);
        for r0 in (0..rows).step_by(ROWS) {
            let a = lhs.rows_from(r0);
            let c = &mut out[r0 * width..];
            for (p, panel) in w.panels.chunks_exact(depth * PANEL).enumerate() {
                let b = &panel[k0 * PANEL..(k0 + kc) * PANEL];
                let cols = PANEL.min(width - p * PANEL);
                let c = &mut c[p * PANEL..];
                // SAFETY (all arms): AVX2 and FMA are enabled here; the
                // slices hold the rows and columns the kernel touches.
                match rows - r0 {
                    1 => unsafe { block::<1>(a, (k0, kc), b, c, width, cols) },
                    2 => unsafe { block::<2>(a, (k0, kc), b, c, width, cols) },
                    3 => unsafe { block::<3>(a, (k0, kc), b, c, width, cols) },
                    4 => unsafe { block::<4>(a, (k0, kc), b, c, width, cols) },
                    5 => unsafe { block::<5>(a, (k0, kc), b, c, width, cols) },
                    _ => unsafe { block::<ROWS>(a, (k0, kc), b, c, width, cols) },
                }
            }
        }
    }
}

/// `c[i][0..cols] += Σ_k a[i][col(k0 + k)]·b[k][0..cols]` for `R` rows
/// and `k < kc`: `a`'s rows `a.lda` apart read at its columns, `b` a panel
/// slice (`kc × 16`), `c` rows `ldc` apart. Each sum is an FMA chain over
/// `k` from zero, then one addition to `c`.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn block<const R: usize>(
    a: Lhs<'_, impl Columns>,
    (k0, kc): (usize, usize),
    b: &[f32],
    c: &mut [f32],
    ldc: usize,
    cols: usize,
) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let Lhs {
        input, lda, columns, ..
    } = a;
    // The columns increase, so the last one read is the largest.
    let end = columns.column(k0 + kc - 1) + 1;
    assert!(kc > 0 && input.len() >= (R - 1) * lda + end && b.len() >= kc * PANEL && c.len() >= (R - 1) * ldc + cols);
    let mut acc: [[__m256; 2]; R] = [[_mm256_setzero_ps(); 2]; R];
    let (a, b) = (input.as_ptr(), b.as_ptr());
    for k in 0..kc {
        let col = columns.column(k0 + k);
        // SAFETY: `k < kc` and `col < end`, so the panel row and
        // `a[i][col]` are in bounds (asserted).
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(k * PANEL));
            let b1 = _mm256_loadu_ps(b.add(k * PANEL + 8));
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm256_set1_ps(*a.add(i * lda + col));
                acc[0] = _mm256_fmadd_ps(av, b0, acc[0]);
                acc[1] = _mm256_fmadd_ps(av, b1, acc[1]);
            }
        }
    }
    for (i, acc) in acc.iter().enumerate() {
        let row = &mut c[i * ldc..i * ldc + cols];
        if cols == PANEL {
            // SAFETY: the row holds 16 values.
            unsafe {
                let p = row.as_mut_ptr();
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), acc[0]));
                _mm256_storeu_ps(p.add(8), _mm256_add_ps(_mm256_loadu_ps(p.add(8)), acc[1]));
            }
        } else {
            let mut sums = [0.0_f32; PANEL];
            // SAFETY: `sums` holds 16 values.
            unsafe {
                _mm256_storeu_ps(sums.as_mut_ptr(), acc[0]);
                _mm256_storeu_ps(sums.as_mut_ptr().add(8), acc[1]);
            }
            for (to, &s) in row.iter_mut().zip(&sums) {
                *to += s;
            }
        }
    }
}

/// `out += lhs·W` with the AVX-512 kernel, in blocks of [`DEPTH`] inner
/// indices, [`ROWS_512`] rows and [`PANELS_512`] panels.
///
/// # Safety
/// The CPU must support AVX-512F; `lhs` holds its rows and `out` as many
/// rows of `w.width`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn product_avx512(lhs: Lhs<'_, impl Columns>, w: &Packed, out: &mut [f32]) {
    let (depth, width, rows) = (w.depth, w.width, lhs.rows);
    let stride = depth * PANEL;
    let count = w.panels.len() / stride;
    for k0 in (0..depth).step_by(DEPTH) {
        let kc = DEPTH.min(depth - k0);
        for r0 in (0..rows).step_by(ROWS_512) {
            let a = lhs.rows_from(r0);
            let c = &mut out[r0 * width..];
            for p in (0..count).step_by(PANELS_512) {
                let b = &w.panels[p * stride + k0 * PANEL..];
                let c = &mut c[p * PANEL..];
                let tile = Tile {
                    k0,
                    kc,
                    stride,
                    ldc: width,
                    cols: width - p * PANEL,
                };
                // SAFETY: AVX-512F is enabled here; the slices hold the rows
                // and panels the kernel touches.
                unsafe {
                    if count - p >= 2 {
                        tile_avx512::<2>(a, b, c, tile)
                    } else {
                        tile_avx512::<1>(a, b, c, tile)
                    }
                }
            }
        }
    }
}

/// The layout of one call of the AVX-512 micro-kernel.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Tile {
    /// The first inner index summed.
    k0: usize,
    /// Inner indices summed.
    kc: usize,
    /// Distance between panels of `b`.
    stride: usize,
    /// Distance between rows of `c`.
    ldc: usize,
    /// Columns of `c` from the first panel's first to the end of the row.
    cols: usize,
}

/// [`block_avx512`] for `min(a.rows, ROWS_512)` rows and `P` panels.
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline]
unsafe fn tile_avx512<const P: usize>(a: Lhs<'_, impl Columns>, b: &[f32], c: &mut [f32], t: Tile) {
    // SAFETY (all arms): AVX-512F is enabled here.
    unsafe {
        match a.rows {
            1 => block_avx512::<1, P>(a, b, c, t),
            2 => block_avx512::<2, P>(a, b, c, t),
            3 => block_avx512::<3, P>(a, b, c, t),
            4 => block_avx512::<4, P>(a, b, c, t),
            5 => block_avx512::<5, P>(a, b, c, t),
            6 => block_avx512::<6, P>(a, b, c, t),
            7 => block_avx512::<7, P>(a, b, c, t),
            8 => block_avx512::<8, P>(a, b, c, t),
            9 => block_avx512::<9, P>(a, b, c, t),
            10 => block_avx512::<10, P>(a, b, c, t),
            11 => block_avx512::<11, P>(a, b, c, t),
            _ => block_avx512::<ROWS_512, P>(a, b, c, t),
        }
    }
}

/// `c[i][0..16P] += Σ_k a[i][col(t.k0 + k)]·b[k][0..16P]` for `R` rows and
/// `k < t.kc`, over `P` panels (`b`'s panels `t.stride` apart, each
/// `kc × 16`), the columns of `c` past
/// `t.cols` left alone. Each sum is an FMA chain over `k` from zero, then
/// one addition to `c`: the same operations as the AVX2 kernel.
///
/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline]
unsafe fn block_avx512<const R: usize, const P: usize>(a: Lhs<'_, impl Columns>, b: &[f32], c: &mut [f32], t: Tile) {
    use std::arch::x86_64::{
        __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps,
        _mm512_set1_ps, _mm512_setzero_ps,
    };
    let Tile {
        k0,
        kc,
        stride,
        ldc,
        cols,
    } = t;
    let Lhs {
        input, lda, columns, ..
    } = a;
    let cols = cols.min(P * PANEL);
    // The columns increase, so the last one read is the largest.
    let end = columns.column(k0 + kc - 1) + 1;
    assert!(
        kc > 0
            && input.len() >= (R - 1) * lda + end
            && b.len() >= (P - 1) * stride + kc * PANEL
            && c.len() >= (R - 1) * ldc + cols
    );
    let mut acc: [[__m512; P]; R] = [[_mm512_setzero_ps(); P]; R];
    let (a, b) = (input.as_ptr(), b.as_ptr());
    for k in 0..kc {
        let col = columns.column(k0 + k);
        // SAFETY: `k < kc` and `col < end`, so the panel rows and
        // `a[i][col]` are in bounds (asserted).
        unsafe {
            let mut bk = [_mm512_setzero_ps(); P];
            for (j, v) in bk.iter_mut().enumerate() {
                *v = _mm512_loadu_ps(b.add(j * stride + k * PANEL));
            }
            for (i, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*a.add(i * lda + col));
                for (acc, &bk) in acc.iter_mut().zip(&bk) {
                    *acc = _mm512_fmadd_ps(av, bk, *acc);
                }
            }
        }
    }
    for (i, acc) in acc.iter().enumerate() {
        let row = &mut c[i * ldc..i * ldc + cols];
        for (j, &sum) in acc.iter().enumerate() {
            let n = PANEL.min(cols.saturating_sub(j * PANEL));
            // The columns of this panel in the row, as a lane mask (`n ≤ 16`).
            let mask = ((1_u32 << n) - 1) as u16;
            // SAFETY: the masked lanes (`n` from column `16j`) are in `row`;
            // masked-off lanes are neither read nor written.
            unsafe {
                let p = row.as_mut_ptr().add(j * PANEL);
                _mm512_mask_storeu_ps(p, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, p), sum));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use ndarray::linalg::general_mat_mul;

    use super::{Kernel, Packed};

    /// A deterministic spread of values, some negative, some large.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32)
            .map(|i| {
                let h = (i ^ seed).wrapping_mul(2_654_435_761).rotate_left(13);
                (h % 20_001) as f32 / 1_000.0 - 10.0
            })
            .collect()
    }

    /// The packed product equals `general_mat_mul` bit for bit, for row counts
    /// around the kernel's blocking, widths around the panel width, and
    /// depths across the split at 256.
    #[test]
    fn the_packed_product_equals_general_mat_mul_bit_for_bit() {
        for (depth, width) in [(100, 100), (100, 10), (7, 33), (300, 16), (784, 17), (1, 1)] {
            let w = values(depth * width, 1);
            let bias = values(width, 2);
            let packed = Packed::new(w.clone(), depth, width).unwrap();
            for rows in [1, 5, 6, 7, 13, 64] {
                let input = values(rows * depth, 3 + rows as u32);
                let mut got = Vec::new();
                packed.apply(&input, rows, &bias, &mut got).unwrap();
                let a = Array2::from_shape_vec((rows, depth), input).unwrap();
                let b = Array2::from_shape_vec((depth, width), w.clone()).unwrap();
                let mut c = Array2::from_shape_fn((rows, width), |(_, j)| bias[j]);
                general_mat_mul(1.0, &a, &b, 1.0, &mut c);
                for (g, e) in got.iter().zip(c.iter()) {
                    assert_eq!(g.to_bits(), e.to_bits(), "{depth}×{width}, {rows} rows: {g} vs {e}");
                }
            }
        }
    }

    /// Every kernel this CPU runs (the AVX-512 one, the AVX2 one and the
    /// portable `general_mat_mul`) gives the same bits, on odd shapes: every
    /// row count of the AVX-512 kernel's blocking and one more, widths
    /// around one and two panels, depths across the split at 256.
    #[test]
    fn every_kernel_gives_the_same_bits_on_odd_shapes() {
        let kernels: Vec<Kernel> = Kernel::ALL.iter().copied().filter(|k| k.runs_here()).collect();
        eprintln!("kernels run here: {kernels:?}");
        for depth in [1, 7, 100, 257] {
            for width in [1, 10, 15, 16, 17, 33, 100] {
                let w = values(depth * width, 7);
                let bias = values(width, 8);
                for rows in 1..=13 {
                    let input = values(rows * depth, 9 + rows as u32);
                    let products: Vec<Vec<f32>> = kernels
                        .iter()
                        .map(|&kernel| {
                            let mut out = Vec::new();
                            Packed::with_kernel(w.clone(), depth, width, kernel)
                                .unwrap()
                                .apply(&input, rows, &bias, &mut out)
                                .unwrap();
                            out
                        })
                        .collect();
                    let portable = products.last().unwrap();
                    for (kernel, product) in kernels.iter().zip(&products) {
                        assert_eq!(product.len(), rows * width);
                        for (g, e) in product.iter().zip(portable) {
                            assert_eq!(
                                g.to_bits(),
                                e.to_bits(),
                                "{kernel:?}, {depth}×{width}, {rows} rows: {g} vs {e}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The process's CPU time so far, in seconds.
    fn cpu_seconds() -> f64 {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid timespec to write to.
        let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
        assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
        t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
    }

    /// Flops timed per kernel and shape.
    const RATE_FLOPS: f64 = 2e9;

    /// The GFLOP/s of every kernel this CPU runs, side by side, on the fast
    /// path's shapes (pieces of 128 rows, the engine's 512-row blocks,
    /// `K = 100`, `M = 100` and `10`), in CPU time, the best of three; the
    /// portable kernel is ndarray's `general_mat_mul`. Each kernel's last
    /// product must equal the portable one's bit for bit.
    #[test]
    #[ignore = "timing: cargo test --release --lib kernel_rates -- --ignored --nocapture"]
    fn kernel_rates() {
        let kernels: Vec<Kernel> = Kernel::ALL.iter().copied().filter(|k| k.runs_here()).collect();
        for (rows, depth, width) in [(128, 100, 100), (128, 100, 10), (512, 100, 100), (512, 100, 10)] {
            let bias = values(width, 10);
            let input = values(rows * depth, 11);
            let reps = (RATE_FLOPS / (2 * rows * depth * width) as f64).ceil() as usize;
            let mut line = format!("N = {rows:>3}, K = {depth}, M = {width:>3}, GFLOP/s:");
            let mut last: Vec<Vec<f32>> = Vec::new();
            for &kernel in &kernels {
                let packed = Packed::with_kernel(values(depth * width, 12), depth, width, kernel).unwrap();
                let mut out = Vec::new();
                let best = (0..3)
                    .map(|_| {
                        let start = cpu_seconds();
                        for _ in 0..reps {
                            packed
                                .apply(std::hint::black_box(&input), rows, &bias, &mut out)
                                .unwrap();
                        }
                        cpu_seconds() - start
                    })
                    .fold(f64::INFINITY, f64::min);
                line += &format!(
                    " {kernel:?} {:.1}",
                    (2 * rows * depth * width * reps) as f64 / best / 1e9
                );
                last.push(out);
            }
            eprintln!("{line}");
            let bits = |out: &Vec<f32>| out.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            for out in &last {
                assert_eq!(bits(out), bits(last.last().unwrap()));
            }
        }
    }

    /// Reading some columns in place gives the bits of gathering them
    /// first, with every kernel this CPU runs, on odd shapes and column
    /// sets (none missing, the first and last missing, one in three kept,
    /// more than [`DEPTH`](super::DEPTH) kept); a bad column list is an error.
    #[test]
    fn reading_columns_in_place_equals_gathering_them() {
        let kernels: Vec<Kernel> = Kernel::ALL.iter().copied().filter(|k| k.runs_here()).collect();
        for lda in [1, 17, 100, 300] {
            let sets: Vec<Vec<usize>> = vec![
                (0..lda).collect(),
                (1..lda.saturating_sub(1)).collect(),
                (0..lda).step_by(3).collect(),
                (0..lda).filter(|c| c % 7 != 4).collect(),
            ];
            for columns in sets.into_iter().filter(|c| !c.is_empty()) {
                for width in [1, 10, 17, 100] {
                    let w = values(columns.len() * width, 20);
                    let bias = values(width, 21);
                    for rows in [1, 6, 12, 13, 25] {
                        let input = values(rows * lda, 22 + rows as u32);
                        let gathered: Vec<f32> = (input.chunks_exact(lda))
                            .flat_map(|row| columns.iter().map(|&c| row[c]))
                            .collect();
                        for &kernel in &kernels {
                            let packed = Packed::with_kernel(w.clone(), columns.len(), width, kernel).unwrap();
                            let (mut expected, mut got) = (Vec::new(), Vec::new());
                            packed.apply(&gathered, rows, &bias, &mut expected).unwrap();
                            packed
                                .apply_columns(&input, lda, &columns, rows, &bias, &mut got)
                                .unwrap();
                            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                            assert_eq!(
                                bits(&got),
                                bits(&expected),
                                "{kernel:?}, lda {lda}, {} columns, {width} wide, {rows} rows",
                                columns.len()
                            );
                        }
                    }
                }
            }
        }
        let packed = Packed::new(vec![1.0; 6], 2, 3).unwrap();
        let mut out = Vec::new();
        for bad in [&[1, 1][..], &[2, 1], &[0, 4], &[0]] {
            assert!(
                packed.apply_columns(&[1.0; 8], 4, bad, 2, &[0.0; 3], &mut out).is_err(),
                "{bad:?}"
            );
        }
        assert!(
            packed
                .apply_columns(&[1.0; 7], 4, &[0, 3], 2, &[0.0; 3], &mut out)
                .is_err(),
            "short input"
        );
    }

    /// A row's result does not depend on the rows beside it.
    #[test]
    fn each_row_is_the_same_in_any_block() {
        let (depth, width) = (100, 100);
        let packed = Packed::new(values(depth * width, 4), depth, width).unwrap();
        let bias = values(width, 5);
        let input = values(13 * depth, 6);
        let mut all = Vec::new();
        packed.apply(&input, 13, &bias, &mut all).unwrap();
        for r in 0..13 {
            let mut one = Vec::new();
            packed.apply(&input[r * depth..], 1, &bias, &mut one).unwrap();
            assert_eq!(one, all[r * width..(r + 1) * width]);
        }
    }

    /// Every input neuron pruned: the product is the bias.
    #[test]
    fn an_empty_product_is_the_bias() {
        let mut out = Vec::new();
        Packed::new(Vec::new(), 0, 3)
            .unwrap()
            .apply(&[], 2, &[1.0, -0.0, 2.0], &mut out)
            .unwrap();
        assert_eq!(out, [1.0, -0.0, 2.0, 1.0, -0.0, 2.0]);
        Packed::new(Vec::new(), 4, 0)
            .unwrap()
            .apply(&[1.0; 8], 2, &[], &mut out)
            .unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn a_short_input_is_an_error() {
        let packed = Packed::new(vec![1.0; 6], 2, 3).unwrap();
        assert!(packed.apply(&[1.0; 3], 2, &[0.0; 3], &mut Vec::new()).is_err());
        assert!(packed.apply(&[1.0; 4], 2, &[0.0; 2], &mut Vec::new()).is_err());
        assert!(Packed::new(vec![1.0; 5], 2, 3).is_err());
    }
}
