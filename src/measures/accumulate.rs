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
//! the inactive counts follow from the class counts at the end; other
//! quantizers increment one scattered bin per value.

use ndarray::ArrayView2;

use super::MeasureError;
use super::counts::{CountTable, LayerCounts, Moments};
use super::parallel::map_mut;
use super::quantize::{BinnerUser, LayerQuantizer};
use crate::Result;
use crate::data::DataError;
use crate::record::check_finite;

/// Neurons per chunk.
const CHUNK: usize = 64;
/// Samples per block: all chunks finish a block before the next, so the
/// block's rows stay in cache and its pages in the TLB.
const ROWS: usize = 512;

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
    fn run(mut self, bin: impl Fn(usize, f64) -> usize) -> bool {
        self.init_shift();
        let ChunkPass {
            chunk,
            data,
            stride,
            labels,
            bins,
            ..
        } = self;
        let (start, w) = (chunk.start, chunk.width);
        let mut finite = true;
        for (row, &y) in data.chunks_exact(stride).zip(labels) {
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
            // Counts: one scattered increment per neuron.
            let counts = &mut chunk.counts[y * w * bins..(y + 1) * w * bins];
            for (j, (&a, cells)) in row.iter().zip(counts.chunks_exact_mut(bins)).enumerate() {
                cells[bin(j, f64::from(a))] += 1;
            }
        }
        finite
    }

    /// The binary quantizer: only the active values (`a > threshold`) are
    /// counted, into [`Chunk::active`], in the moments loop. That increment
    /// is per neuron at a fixed place, so the whole loop vectorizes; the
    /// inactive count is the class count minus the active one, filled in by
    /// [`LayerAccumulator::finish`].
    #[inline(always)]
    fn run_threshold(mut self, threshold: f64) -> bool {
        self.init_shift();
        let ChunkPass {
            chunk,
            data,
            stride,
            labels,
            ..
        } = self;
        let (start, w) = (chunk.start, chunk.width);
        let mut finite = true;
        for (row, &y) in data.chunks_exact(stride).zip(labels) {
            let row = &row[start..start + w];
            let class_sums = &mut chunk.class_sums[y * w..(y + 1) * w];
            let active = &mut chunk.active[y * w..(y + 1) * w];
            let per_class = class_sums.iter_mut().zip(active.iter_mut());
            let moments = chunk
                .shift
                .iter()
                .zip(chunk.sum.iter_mut().zip(chunk.sum_sq.iter_mut()));
            for ((&a, (class_sum, active)), (&shift, (sum, sum_sq))) in row.iter().zip(per_class).zip(moments) {
                finite &= a.is_finite();
                let a = f64::from(a);
                // compared in `f64` as `binary_bin` does; NaN is not active
                *active += u64::from(a > threshold);
                *class_sum += a;
                let d = a - shift;
                *sum += d;
                *sum_sq += d * d;
            }
        }
        finite
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
        let bins = quantizer.bins();
        let width = quantizer.width();
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
        self.quantizer.check_width(self.layer, batch.ncols())?;
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
                    ChunkPass {
                        chunk,
                        data: block,
                        stride,
                        labels: block_labels,
                        bins,
                        first_batch,
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
