//! The one-pass engine behind [`LayerCounts`]: batches in, count tables,
//! class sums and moments out, the same code for the dense and the streaming
//! path.
//!
//! Neurons are split into chunks of [`CHUNK`] processed in parallel (feature
//! `parallel`); each chunk walks the batch row by row (cache-friendly for
//! C-order activations) and keeps its counters class-major, so one sample's
//! updates touch one contiguous block.
//!
//! The binary quantizer has its own loop: it counts only the active values
//! (bin 1) per class and neuron, inside the vectorized moments loop, and
//! the inactive counts follow from the class counts at the end; it takes the
//! rows in pairs and reads finiteness off the running sum of squares instead
//! of testing each value. Other quantizers increment one scattered bin per
//! value: a row's bins for the chunk are computed first, in a loop of its
//! own that the compiler vectorizes (the `f64` division of the equal-width
//! bin is the costly part), and the increments follow.

use ndarray::ArrayView2;

use super::MeasureError;
use super::counts::{CountTable, LayerCounts, Moments, check_table_cells};
use super::quantize::{BinnerUser, EqualWidthBins, LayerQuantizer};
use crate::Result;
use crate::data::DataError;
use crate::parallel::map_mut;
use crate::record::{MAX_LAYER_INDEX, check_finite};

/// Neurons per chunk.
const CHUNK: usize = 64;
/// Samples per block: all chunks finish a block before the next, so the
/// block's rows stay in cache and its pages in the TLB.
const ROWS: usize = 512;

/// How many rows ahead the count loop of a chunk asks for its part of a row.
/// Each row's part is a few cache lines a page away from the last, which the
/// hardware prefetchers do not foresee: without this the loop waits on memory.
const PREFETCH_ROWS: usize = 8;

/// Asks the CPU to bring `values` into the cache (a hint: no effect on results).
#[inline(always)]
fn prefetch(values: &[f32]) {
    // every 16th value (64 bytes, a cache line) and the last, so that every
    // line the values span is asked for, aligned or not
    #[cfg(target_arch = "x86_64")]
    for value in values.iter().step_by(16).chain(values.last()) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch never faults and SSE is part of x86-64; the
        // address is that of a live value.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// The running statistics of neurons `start … start + width`.
#[derive(Debug, Clone)]
struct Chunk {
    start: usize,
    width: usize,
    /// `classes × width × bins`: `counts[(y · width + j) · bins + b]`.
    /// Stays zero for the binary quantizer until [`LayerAccumulator::finish`]
    /// fills it from [`active`](Self::active).
    counts: Vec<u64>,
    /// `classes × width`, binary quantizer only: how many samples of class
    /// `y` had neuron `j` above the threshold (bin 1).
    active: Vec<u64>,
    /// `classes × width`.
    class_sums: Vec<f64>,
    shift: Vec<f64>,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

/// One chunk's pass over one batch.
struct ChunkPass<'a> {
    chunk: &'a mut Chunk,
    /// The batch, C order, `labels.len() × stride` (`stride > 0`: a chunk has a neuron).
    data: &'a [f32],
    stride: usize,
    labels: &'a [usize],
    bins: usize,
    first_batch: bool,
    /// The batch's bins, already computed (`labels.len() × stride`, as
    /// [`LayerQuantizer::bin_rows`] gives them), read instead of binning again.
    codes: Option<&'a [u16]>,
}

impl ChunkPass<'_> {
    /// Sets the moment shift to the first sample's values, on the first batch.
    fn init_shift(&mut self) {
        let (start, w) = (self.chunk.start, self.chunk.width);
        if self.first_batch && !self.labels.is_empty() {
            for (shift, &a) in self.chunk.shift.iter_mut().zip(&self.data[start..start + w]) {
                *shift = f64::from(a);
            }
        }
    }
}

impl BinnerUser<bool> for ChunkPass<'_> {
    /// Returns whether every value was finite.
    #[inline(always)]
    fn run(self, bin: impl Fn(usize, f64) -> usize) -> bool {
        self.rows(|row, cells| {
            // Independent per neuron, so this loop vectorizes. A bin is
            // below `bins ≤ MAX_BINS = 2¹⁶`, so it fits a `u16`.
            for (j, (&a, cell)) in row.iter().zip(cells.iter_mut()).enumerate() {
                *cell = bin(j, f64::from(a)) as u16;
            }
        })
    }

    /// Returns whether every value was finite.
    #[inline(always)]
    fn run_equal_width(self, bins: &EqualWidthBins) -> bool {
        self.rows(|row, cells| bins.codes(row, cells))
    }

    /// The binary quantizer: only the active values (`a > threshold`) are
    /// counted, into [`Chunk::active`], in the moments loop. That increment
    /// is per neuron at a fixed place, so the whole loop vectorizes; the
    /// inactive count is the class count minus the active one, filled in by
    /// [`LayerAccumulator::finish`].
    #[inline(always)]
    fn run_threshold(mut self, threshold: f64) -> bool {
        self.init_shift();
        // Finiteness without a test per value: `sum_sq` is finite exactly
        // while every value so far is (a non-finite value makes it inf or
        // NaN for good; finite `f32` values cannot overflow it, each square
        // of a difference being below 1e78). So when it is finite before the
        // block, it tells after the block whether the block was. Only after
        // an earlier error is it not, and then each value is tested.
        if self.chunk.sum_sq.iter().all(|s| s.is_finite()) {
            self.threshold_rows::<false>(threshold);
            self.chunk.sum_sq.iter().all(|s| s.is_finite())
        } else {
            self.threshold_rows::<true>(threshold)
        }
    }
}

impl ChunkPass<'_> {
    /// Counts the rows of the block with a row's bins from `bin_row(row,
    /// bins)` (or read from [`codes`](Self::codes) when given), and sums the
    /// moments; returns whether every value was finite. On x86-64 CPUs with
    /// AVX2 the loop is compiled for AVX2: the vector code of the same
    /// per-neuron arithmetic, so the same numbers.
    #[inline(always)]
    fn rows(self, bin_row: impl Fn(&[f32], &mut [u16])) -> bool {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") {
            // SAFETY: the feature `rows_avx2` is compiled for was just detected.
            return unsafe { self.rows_avx2(bin_row) };
        }
        self.rows_portable(bin_row)
    }

    /// [`rows_portable`](Self::rows_portable) compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn rows_avx2(self, bin_row: impl Fn(&[f32], &mut [u16])) -> bool {
        self.rows_portable(bin_row)
    }

    /// The loop of [`rows`](Self::rows).
    #[inline(always)]
    fn rows_portable(mut self, bin_row: impl Fn(&[f32], &mut [u16])) -> bool {
        self.init_shift();
        let ChunkPass {
            chunk,
            data,
            stride,
            labels,
            bins,
            codes,
            ..
        } = self;
        let (start, w) = (chunk.start, chunk.width);
        let mut finite = true;
        let mut cell = [0_u16; CHUNK];
        let cell = &mut cell[..w];
        for (i, (row, &y)) in data.chunks_exact(stride).zip(labels).enumerate() {
            let ahead = (i + PREFETCH_ROWS) * stride + start;
            if let Some(ahead) = data.get(ahead..ahead + w) {
                prefetch(ahead);
            }
            let row = &row[start..start + w];
            // Sums and moments: independent per neuron, so this loop vectorizes.
            let class_sums = &mut chunk.class_sums[y * w..(y + 1) * w];
            let moments = chunk
                .shift
                .iter()
                .zip(chunk.sum.iter_mut().zip(chunk.sum_sq.iter_mut()));
            for ((&a, class_sum), (&shift, (sum, sum_sq))) in row.iter().zip(class_sums.iter_mut()).zip(moments) {
                finite &= a.is_finite();
                let a = f64::from(a);
                *class_sum += a;
                let d = a - shift;
                *sum += d;
                *sum_sq += d * d;
            }
            // Counts: the bins first (a loop of its own, which vectorizes),
            // then one scattered increment per neuron.
            match codes {
                Some(codes) => cell.copy_from_slice(&codes[i * stride + start..i * stride + start + w]),
                None => bin_row(row, cell),
            }
            let counts = &mut chunk.counts[y * w * bins..(y + 1) * w * bins];
            for (&b, cells) in cell.iter().zip(counts.chunks_exact_mut(bins)) {
                cells[usize::from(b)] += 1;
            }
        }
        finite
    }

    /// The loop of [`run_threshold`](BinnerUser::run_threshold); with `TEST`
    /// it returns whether every value was finite, without it `true`.
    ///
    /// Rows go in pairs: the loads of both rows are in flight together (each
    /// row's part is a few cache lines a page away from the last, so the
    /// loop waits on memory more than it computes) and the running moments
    /// are loaded and stored once per pair. Every sum still adds the values
    /// one by one in row order, so the results are those of one row at a time.
    #[inline(always)]
    fn threshold_rows<const TEST: bool>(&mut self, threshold: f64) -> bool {
        let (start, w) = (self.chunk.start, self.chunk.width);
        let Chunk {
            class_sums,
            active,
            shift,
            sum,
            sum_sq,
            ..
        } = &mut *self.chunk;
        let (shift, sum, sum_sq) = (&shift[..w], &mut sum[..w], &mut sum_sq[..w]);
        let mut finite = true;
        let pairs = self.data.chunks_exact(2 * self.stride).zip(self.labels.chunks_exact(2));
        for (rows, y) in pairs {
            let (a, b) = rows.split_at(self.stride);
            let (a, b) = (&a[start..start + w], &b[start..start + w]);
            if TEST {
                finite &= a.iter().chain(b).fold(true, |f, v| f & v.is_finite());
            }
            let (y, z) = (y[0], y[1]);
            if y == z {
                let class_sums = &mut class_sums[y * w..(y + 1) * w];
                let active = &mut active[y * w..(y + 1) * w];
                for j in 0..w {
                    let (a, b) = (f64::from(a[j]), f64::from(b[j]));
                    // compared in `f64` as `binary_bin` does; NaN is not active
                    active[j] += u64::from(a > threshold) + u64::from(b > threshold);
                    class_sums[j] = class_sums[j] + a + b;
                    let (da, db) = (a - shift[j], b - shift[j]);
                    sum[j] = sum[j] + da + db;
                    sum_sq[j] = sum_sq[j] + da * da + db * db;
                }
            } else {
                let (sums_a, sums_b) = class_pair(class_sums, w, y, z);
                let (active_a, active_b) = class_pair(active, w, y, z);
                for j in 0..w {
                    let (a, b) = (f64::from(a[j]), f64::from(b[j]));
                    active_a[j] += u64::from(a > threshold);
                    active_b[j] += u64::from(b > threshold);
                    sums_a[j] += a;
                    sums_b[j] += b;
                    let (da, db) = (a - shift[j], b - shift[j]);
                    sum[j] = sum[j] + da + db;
                    sum_sq[j] = sum_sq[j] + da * da + db * db;
                }
            }
        }
        if self.labels.len() % 2 == 1 {
            let y = self.labels[self.labels.len() - 1];
            let row = &self.data[(self.labels.len() - 1) * self.stride..][start..start + w];
            if TEST {
                finite &= row.iter().fold(true, |f, v| f & v.is_finite());
            }
            let class_sums = &mut class_sums[y * w..(y + 1) * w];
            let active = &mut active[y * w..(y + 1) * w];
            for j in 0..w {
                let a = f64::from(row[j]);
                active[j] += u64::from(a > threshold);
                class_sums[j] += a;
                let d = a - shift[j];
                sum[j] += d;
                sum_sq[j] += d * d;
            }
        }
        finite
    }
}

/// The class-`y` and class-`z` blocks (`y ≠ z`) of a class-major array of
/// blocks of `w`.
#[inline(always)]
fn class_pair<T>(values: &mut [T], w: usize, y: usize, z: usize) -> (&mut [T], &mut [T]) {
    if y < z {
        let (low, high) = values.split_at_mut(z * w);
        (&mut low[y * w..(y + 1) * w], &mut high[..w])
    } else {
        let (low, high) = values.split_at_mut(y * w);
        (&mut high[..w], &mut low[z * w..(z + 1) * w])
    }
}

/// Running statistics of one hidden layer.
#[derive(Debug, Clone)]
pub(super) struct LayerAccumulator {
    layer: usize,
    quantizer: LayerQuantizer,
    num_classes: usize,
    class_counts: Vec<u64>,
    samples: u64,
    chunks: Vec<Chunk>,
}

impl LayerAccumulator {
    /// Nothing seen yet.
    pub(super) fn new(layer: usize, quantizer: LayerQuantizer, num_classes: usize) -> Result<Self, MeasureError> {
        if num_classes == 0 {
            return Err(MeasureError::Parameter {
                name: "num_classes",
                reason: "must be positive".into(),
            });
        }
        if layer > MAX_LAYER_INDEX {
            return Err(MeasureError::Parameter {
                name: "layer",
                reason: format!("hidden layer {layer} is above {MAX_LAYER_INDEX} (MAX_LAYER_INDEX)"),
            });
        }
        let bins = quantizer.bins();
        let width = quantizer.width();
        check_table_cells(num_classes, bins, width)?;
        let chunks = (0..width)
            .step_by(CHUNK)
            .map(|start| {
                let w = CHUNK.min(width - start);
                Chunk {
                    start,
                    width: w,
                    counts: vec![0; num_classes * w * bins],
                    active: vec![0; num_classes * w],
                    class_sums: vec![0.0; num_classes * w],
                    shift: vec![0.0; w],
                    sum: vec![0.0; w],
                    sum_sq: vec![0.0; w],
                }
            })
            .collect();
        Ok(LayerAccumulator {
            layer,
            quantizer,
            num_classes,
            class_counts: vec![0; num_classes],
            samples: 0,
            chunks,
        })
    }

    /// The hidden layer.
    pub(super) fn layer(&self) -> usize {
        self.layer
    }

    /// Takes the activations of the samples `offset … offset + batch.nrows()`
    /// (`samples × neurons`) and their labels. After an error the
    /// accumulator is to be discarded.
    pub(super) fn observe(&mut self, offset: usize, batch: ArrayView2<'_, f32>, labels: &[usize]) -> Result<()> {
        self.observe_binned(offset, batch, labels, None)
    }

    /// [`observe`](Self::observe) with the batch's bins already computed
    /// (`codes`, from [`LayerQuantizer::bin_rows`] with this quantizer).
    fn observe_binned(
        &mut self,
        offset: usize,
        batch: ArrayView2<'_, f32>,
        labels: &[usize],
        codes: Option<&[u16]>,
    ) -> Result<()> {
        self.quantizer.check_width(self.layer, batch.ncols())?;
        if let Some(codes) = codes.filter(|c| c.len() != batch.len()) {
            return Err(MeasureError::Mismatch {
                what: format!(
                    "{} bins for {} activations of hidden layer {}",
                    codes.len(),
                    batch.len(),
                    self.layer
                ),
            }
            .into());
        }
        if batch.nrows() != labels.len() {
            return Err(MeasureError::Mismatch {
                what: format!(
                    "{} rows of activations of hidden layer {} but {} labels",
                    batch.nrows(),
                    self.layer,
                    labels.len()
                ),
            }
            .into());
        }
        if let Some((i, &label)) = labels.iter().enumerate().find(|&(_, &y)| y >= self.num_classes) {
            return Err(DataError::LabelOutOfRange {
                sample: offset + i,
                label,
                num_classes: self.num_classes,
            }
            .into());
        }
        for &y in labels {
            self.class_counts[y] += 1;
        }
        let batch = batch.as_standard_layout();
        let data = batch.as_slice().expect("a standard-layout array is contiguous");
        let stride = batch.ncols();
        let (quantizer, bins) = (&self.quantizer, self.quantizer.bins());
        let mut finite = true;
        for (k, block_labels) in labels.chunks(ROWS).enumerate() {
            let block = &data[k * ROWS * stride..(k * ROWS + block_labels.len()) * stride];
            let first_batch = self.samples == 0;
            let block_finite = map_mut(&mut self.chunks, |chunk| {
                let start = chunk.start;
                quantizer.with_binner(
                    start,
                    chunk.width,
                    ChunkPass {
                        chunk,
                        data: block,
                        stride,
                        labels: block_labels,
                        bins,
                        first_batch,
                        codes: codes.map(|c| &c[k * ROWS * stride..(k * ROWS + block_labels.len()) * stride]),
                    },
                )
            });
            finite &= block_finite.iter().all(|&f| f);
            self.samples += block_labels.len() as u64;
        }
        if !finite {
            check_finite(self.layer, offset, batch.view())?;
        }
        Ok(())
    }

    /// The statistics of everything observed.
    pub(super) fn finish(self) -> Result<LayerCounts> {
        if self.samples == 0 {
            return Err(MeasureError::Empty {
                what: format!("the recording of hidden layer {}", self.layer),
            }
            .into());
        }
        let (c, bins) = (self.num_classes, self.quantizer.bins());
        let width = self.quantizer.width();
        let mut tables = Vec::with_capacity(width);
        let mut class_sums = Vec::with_capacity(width * c);
        let mut moments = Vec::with_capacity(width);
        // the binary quantizer counted only bin 1, into `active` (see `run_threshold`)
        let binary = self.quantizer.quantizer().threshold().is_some();
        for chunk in &self.chunks {
            let w = chunk.width;
            for j in 0..w {
                let mut cells = vec![0; bins * c];
                for y in 0..c {
                    if binary {
                        let active = chunk.active[y * w + j];
                        // `active ≤ class_counts[y]`: each active sample was counted in both
                        cells[y] = self.class_counts[y] - active;
                        cells[c + y] = active;
                    } else {
                        let from = &chunk.counts[(y * w + j) * bins..(y * w + j + 1) * bins];
                        for (b, &n) in from.iter().enumerate() {
                            cells[b * c + y] = n;
                        }
                    }
                    class_sums.push(chunk.class_sums[y * w + j]);
                }
                tables.push(CountTable::from_counts(bins, c, cells)?);
                moments.push(Moments::from_sums(
                    self.samples,
                    chunk.shift[j],
                    chunk.sum[j],
                    chunk.sum_sq[j],
                ));
            }
        }
        Ok(LayerCounts {
            layer: self.layer,
            quantizer: self.quantizer,
            num_classes: c,
            class_counts: self.class_counts,
            tables,
            class_sums,
            moments,
        })
    }
}

impl LayerCounts {
    /// One pass over hidden layer `layer`'s activations (`samples × neurons`)
    /// with their labels, binned by `quantizer` (fitted on the analysis set —
    /// these activations or others).
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] for `num_classes == 0`, a `layer` above
    /// [`MAX_LAYER_INDEX`](crate::record::MAX_LAYER_INDEX) or tables of more than
    /// [`MAX_COUNT_CELLS`](super::MAX_COUNT_CELLS) cells, [`MeasureError::Mismatch`]
    /// when the activations and labels disagree on the sample count,
    /// [`NetworkError::Shape`](crate::network::NetworkError::Shape) when the
    /// quantizer has another width, [`DataError::LabelOutOfRange`](crate::data::DataError::LabelOutOfRange),
    /// [`RecordError::NonFinite`](crate::record::RecordError::NonFinite) naming
    /// layer, neuron and sample, [`MeasureError::Empty`] for no sample.
    pub fn from_activations(
        layer: usize,
        activations: ArrayView2<'_, f32>,
        labels: &[usize],
        num_classes: usize,
        quantizer: &LayerQuantizer,
    ) -> Result<Self> {
        let mut acc = LayerAccumulator::new(layer, quantizer.clone(), num_classes)?;
        acc.observe(0, activations, labels)?;
        acc.finish()
    }

    /// [`from_activations`](Self::from_activations) with every value's bin
    /// already computed by [`LayerQuantizer::bin_rows`] with `quantizer`
    /// (`bins`, row-major like the activations), so that a caller that needs
    /// the bins too quantizes once.
    ///
    /// # Errors
    /// As [`from_activations`](Self::from_activations);
    /// [`MeasureError::Mismatch`] for a bin count other than the activations'.
    pub(crate) fn from_binned_activations(
        layer: usize,
        activations: ArrayView2<'_, f32>,
        bins: &[u16],
        labels: &[usize],
        num_classes: usize,
        quantizer: &LayerQuantizer,
    ) -> Result<Self> {
        let mut acc = LayerAccumulator::new(layer, quantizer.clone(), num_classes)?;
        acc.observe_binned(0, activations, labels, Some(bins))?;
        acc.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measures::Quantizer;
    use ndarray::Array2;

    /// The definition's equal-width bin, written plainly: `min(B−1,
    /// floor((a−lo)/(hi−lo)·B))` clamped at 0, 0 for a constant neuron.
    fn reference_bin(a: f32, lo: f32, hi: f32, bins: usize) -> usize {
        if hi == lo {
            return 0;
        }
        let (a, lo, hi) = (f64::from(a), f64::from(lo), f64::from(hi));
        let x = ((a - lo) / (hi - lo) * bins as f64).floor();
        if x.is_nan() || x < 0.0 {
            0
        } else {
            (x as usize).min(bins - 1)
        }
    }

    /// Equal-width counting and `bin_rows` against the plain definition on
    /// the values where a bin could go wrong: every bin edge (as the `f32`
    /// nearest it and its two neighbours), the minimum and maximum, values
    /// outside the range, constant neurons; over more neurons than a chunk
    /// and more rows than a block.
    #[test]
    fn equal_width_counts_match_the_definition_on_edges() {
        let bins = 30;
        let width = CHUNK + 9;
        // per neuron a range [lo, hi]; every fifth neuron is constant
        let range = |j: usize| {
            let lo = -1.5 + 0.37 * j as f32;
            let hi = if j % 5 == 4 {
                lo
            } else {
                lo + 0.1 + 0.61 * (j % 7) as f32
            };
            (lo, hi)
        };
        let mut values: Vec<Vec<f32>> = (0..width)
            .map(|j| {
                let (lo, hi) = range(j);
                let mut column = vec![lo, hi];
                for k in 0..=bins {
                    let edge = lo + (hi - lo) * k as f32 / bins as f32;
                    column.extend([edge.next_down(), edge, edge.next_up()]);
                }
                column.extend([lo.next_up(), hi.next_down(), (lo + hi) / 2.0]);
                column
            })
            .collect();
        let samples = ROWS + 41;
        for column in &mut values {
            let n = column.len();
            for s in n..samples {
                column.push(column[(s * 7) % n]);
            }
            column.truncate(samples);
        }
        // the range is fitted on the first two rows (lo, hi), so the edge
        // neighbours outside it are clamped
        let acts = Array2::from_shape_fn((samples, width), |(s, j)| values[j][s]);
        let labels: Vec<usize> = (0..samples).map(|s| (s * 5) % 4).collect();
        let fitted =
            LayerQuantizer::fit(Quantizer::equal_width(bins).unwrap(), acts.slice(ndarray::s![..2, ..])).unwrap();
        let counts = LayerCounts::from_activations(1, acts.view(), &labels, 4, &fitted).unwrap();
        let mut codes = Vec::new();
        fitted.bin_rows(acts.view(), &mut codes).unwrap();
        for j in 0..width {
            let (lo, hi) = range(j);
            let mut table = vec![0_u64; bins * 4];
            for (s, &y) in labels.iter().enumerate() {
                let b = reference_bin(acts[[s, j]], lo, hi, bins);
                assert_eq!(
                    usize::from(codes[s * width + j]),
                    b,
                    "neuron {j}, value {}",
                    acts[[s, j]]
                );
                table[b * 4 + y] += 1;
            }
            assert_eq!(counts.table(j).unwrap().as_slice(), &table[..], "neuron {j}");
        }
        // NaN and infinities bin as the definition's clamps do (the counting
        // path refuses them as activations)
        let q = fitted.neuron(0).unwrap();
        assert_eq!(
            (q.bin(f32::NAN), q.bin(f32::NEG_INFINITY), q.bin(f32::INFINITY)),
            (0, 0, bins - 1)
        );
    }

    /// Reading the bins of `bin_rows` gives the tables of binning in the
    /// pass, for every quantizer, over more rows than a block and more
    /// neurons than a chunk.
    #[test]
    fn counts_from_shared_bins_are_the_counts() {
        let (samples, width) = (ROWS + 37, CHUNK + 5);
        let acts = Array2::from_shape_fn((samples, width), |(s, j)| ((s * 7 + j * 13) % 23) as f32 - 6.5);
        let labels: Vec<usize> = (0..samples).map(|s| s % 3).collect();
        for quantizer in [
            Quantizer::binary(0.0).unwrap(),
            Quantizer::equal_width(5).unwrap(),
            Quantizer::zero_and_equal_width(4).unwrap(),
            Quantizer::equal_frequency(3).unwrap(),
        ] {
            let fitted = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
            let mut bins = Vec::new();
            fitted.bin_rows(acts.view(), &mut bins).unwrap();
            let shared = LayerCounts::from_binned_activations(2, acts.view(), &bins, &labels, 3, &fitted).unwrap();
            let own = LayerCounts::from_activations(2, acts.view(), &labels, 3, &fitted).unwrap();
            assert_eq!(shared, own, "{quantizer}");
            assert!(LayerCounts::from_binned_activations(2, acts.view(), &bins[1..], &labels, 3, &fitted).is_err());
        }
    }
}
