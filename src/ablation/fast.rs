//! The fast path: cache the hidden layers once, fold each removal into the
//! next layer's pre-activations as a sparse rank-1 update over the samples it
//! changes, and re-run only those samples through the layers downstream.
//!
//! Per chunk of samples the state is the output `h[m]` of every ablated
//! ("target") hidden layer, the pre-activation `z[m]` each of them feeds (in
//! `f64`, so rank-1 updates do not drift), and each sample's score. It starts
//! from a [`Baseline`], the unablated network's forward pass, which an engine
//! computes once and shares between its curves. A target's `z` is computed
//! for all samples only when a removal first needs it, so a per-layer curve
//! costs one layer to set up. Changes are propagated lazily: `dirty` samples
//! have a correct `z[pending]` and stale layers above it, brought up to date
//! only when a checkpoint is scored. The removals between two checkpoints
//! are queued and made at the checkpoint from the lowest layer up (the state
//! reached is the same: a set of clamps does not depend on the order it was
//! set in), so a global step propagates its rows once, from its lowest
//! layer, and a removal above `pending` skips the dirty samples, whose
//! layers from `pending` up will be recomputed with its clamp anyway. A removal
//! of neuron `i` in layer `ℓ` touches only the samples where `h[ℓ][s, i]`
//! differs from its replacement — for ReLU and zero replacement, the samples
//! where the neuron fires.
//!
//! Propagation gathers the dirty rows into blocks of [`PIECE`] rows, each of
//! which runs through all the layers with one GEMM per layer into reused
//! buffers small enough to stay in L2 (see [`gemm`](crate::gemm)), and at a
//! checkpoint its samples are rescored straight from the block's logits
//! before the next block starts. A GEMM skips the neurons of its
//! input layer that are clamped to zero (their terms are exact zeros), which
//! shrinks the upper layers' GEMMs as a global schedule goes on. Caches are
//! flat row-major vectors, so the per-sample work (gather, scatter, rank-1
//! update) is a loop over a contiguous slice rather than a small ndarray call
//! per row.

use ndarray::{ArrayView2, ArrayViewMut2, s};

use super::metric::{Tally, overflow};
use super::plan::Plan;
use super::softmax::RowScorer;
use crate::Result;
use crate::gemm::{Packed, shape_error};
use crate::network::{Clamps, NetworkError, Resumable};
use crate::simd::widest;

/// A pruned read-out replaces the full one once at least `1 / PRUNE_FROM` of
/// its layer's neurons are clamped to zero. The product reads the kept
/// columns of a block in place, but every chunk packs its own pruned
/// read-out, which a few dropped neurons do not pay for (pruning from
/// 1/16 was 5 % slower than from 1/4 on a global ReLU curve).
const PRUNE_FROM: usize = 4;

/// Rows propagated together: two blocks of 128 rows of a 100-wide layer
/// (50 KB each) and a 100 × 100 read-out (40 KB) stay in a 512 KB L2 with
/// room to spare, where a whole chunk's blocks (512 rows) would not.
const PIECE: usize = 128;

/// The read-outs of the hidden layers from `base` up, checked once to chain
/// (each one's output width is the next one's input width).
pub(super) struct Readouts {
    /// The lowest layer with a neuron in the plan.
    base: usize,
    /// The read-outs of layers `base …`.
    layers: Vec<Readout>,
}

/// The affine map `z = h·Wᵀ + b` that reads one hidden layer.
struct Readout {
    /// `Wᵀ` (`width × next`), packed: the GEMM operand for propagated blocks.
    weights: Packed,
    /// `b` (`next`).
    bias: Vec<f32>,
    /// `Wᵀ` in `f64`, row-major: neuron `i`'s outgoing weights are the
    /// contiguous row `i`, added to the next pre-activation by rank-1 updates.
    outgoing: Rows<f64>,
}

impl Readouts {
    /// Prepares the read-outs of hidden layers `base …` of a network with
    /// these hidden widths.
    pub(super) fn new(network: &dyn Resumable, base: usize, widths: &[usize]) -> Result<Self> {
        let layers = (base..widths.len())
            .map(|l| {
                let (w, b) = network.readout(l)?;
                let next = widths.get(l + 1).copied().unwrap_or(network.num_classes());
                if w.dim() != (next, widths[l]) || b.len() != next {
                    return Err(NetworkError::Shape {
                        what: format!("read-out of hidden layer {l}"),
                        expected: vec![next, widths[l]],
                        got: w.shape().to_vec(),
                    }
                    .into());
                }
                Ok(Readout {
                    weights: Packed::new(w.t().iter().copied().collect(), widths[l], next)?,
                    bias: b.to_vec(),
                    outgoing: Rows {
                        data: w.t().iter().map(|&v| f64::from(v)).collect(),
                        width: next,
                    },
                })
            })
            .collect::<Result<_>>()?;
        Ok(Readouts { base, layers })
    }
}

impl Readout {
    /// Width of the layer this read-out reads.
    fn width(&self) -> usize {
        self.weights.depth()
    }

    /// Width of the pre-activation it produces.
    fn next(&self) -> usize {
        self.weights.width()
    }

    /// `out = input·Wᵀ + b` for `rows` rows of `input`, as one GEMM into the
    /// reused buffer `out`.
    fn apply(&self, input: &[f32], rows: usize, out: &mut Vec<f32>) -> Result<()> {
        self.weights.apply(input, rows, &self.bias, out)
    }
}

/// The read-out of a hidden layer restricted to its neurons not clamped to
/// zero. Such a neuron only adds exact zeros to the next pre-activation, so
/// the GEMM of a propagated block can skip its column: the result is the
/// same bit for bit, and in a global schedule, where every layer keeps losing
/// neurons, the GEMMs through the upper layers shrink as the curve goes on.
/// For the same reason the packed read-out may keep a few neurons dropped
/// since it was packed: it is packed again only once [`REPACK_AFTER`] of
/// its columns are such zeros, not at every step of every chunk.
struct Pruned {
    /// The neurons not clamped to zero, increasing.
    keep: Vec<usize>,
    /// The neurons `packed` reads (a superset of `keep`), increasing.
    packed_keep: Vec<usize>,
    /// Rows `packed_keep` of `Wᵀ`, packed (`None` until first needed).
    packed: Option<Packed>,
}

/// A pruned read-out is packed again once more than `1 / REPACK_AFTER` of
/// the columns it reads are clamped to zero (they cost GEMM work, a
/// repacking costs a copy of the read-out per chunk).
const REPACK_AFTER: usize = 8;

impl Pruned {
    /// All of `readout`, nothing clamped yet.
    fn new(readout: &Readout) -> Self {
        Pruned {
            keep: (0..readout.width()).collect(),
            packed_keep: Vec::new(),
            packed: None,
        }
    }

    /// Whether enough of the layer's `width` neurons are dropped for the
    /// pruned GEMM to beat the full one.
    fn pays(&self, width: usize) -> bool {
        PRUNE_FROM * (width - self.keep.len()) >= width.max(1)
    }

    /// Drops `neuron`, now clamped to zero.
    fn drop_neuron(&mut self, neuron: usize) {
        if let Ok(pos) = self.keep.binary_search(&neuron) {
            self.keep.remove(pos);
        }
    }

    /// `out = block·Wᵀ + b` over the packed columns of `rows` rows of `block`.
    fn apply(&mut self, readout: &Readout, block: &[f32], rows: usize, out: &mut Vec<f32>) -> Result<()> {
        let packed = match self.packed.take() {
            // `packed_keep` is a superset of `keep` once packed.
            Some(packed) if REPACK_AFTER * (self.packed_keep.len() - self.keep.len()) <= self.packed_keep.len() => {
                packed
            }
            _ => {
                let next = readout.next();
                let all = readout.weights.rows();
                let weights = self.keep.iter().flat_map(|&i| &all[i * next..(i + 1) * next]).copied();
                self.packed_keep.clone_from(&self.keep);
                Packed::new(weights.collect(), self.keep.len(), next)?
            }
        };
        let applied = packed.apply_columns(block, readout.width(), &self.packed_keep, rows, &readout.bias, out);
        self.packed = Some(packed);
        applied
    }
}

/// A row-major matrix kept as a flat vector, so that a sample's row is a
/// contiguous slice.
#[derive(Clone)]
struct Rows<T> {
    /// The rows, one after the other.
    data: Vec<T>,
    /// Length of a row.
    width: usize,
}

impl<T> Rows<T> {
    /// No rows: the placeholder for a layer that is not cached.
    fn empty() -> Self {
        Rows {
            data: Vec::new(),
            width: 0,
        }
    }

    /// Row `s`.
    fn row(&self, s: usize) -> &[T] {
        &self.data[s * self.width..(s + 1) * self.width]
    }

    /// Row `s`, mutable.
    fn row_mut(&mut self, s: usize) -> &mut [T] {
        &mut self.data[s * self.width..(s + 1) * self.width]
    }
}

/// Views the first `rows` rows of a flat row-major buffer as a matrix.
fn matrix(data: &[f32], rows: usize, width: usize) -> Result<ArrayView2<'_, f32>> {
    let len = data.len();
    ArrayView2::from_shape((rows, width), data).map_err(|_| shape_error(rows, width, len))
}

/// Views the first `rows` rows of a flat row-major buffer as a mutable matrix.
fn matrix_mut(data: &mut [f32], rows: usize, width: usize) -> Result<ArrayViewMut2<'_, f32>> {
    let len = data.len();
    ArrayViewMut2::from_shape((rows, width), data).map_err(|_| shape_error(rows, width, len))
}

/// The clamped neurons of one hidden layer as a mask over its width, so
/// that once many are clamped a block's rows are clamped by one vectorised
/// select per row instead of a store per clamped neuron.
#[derive(Default)]
struct Fill {
    /// All ones where a neuron is clamped, zero elsewhere (empty for a
    /// layer without clamps).
    clamped: Vec<u32>,
    /// The bits of its value where it is (`0` elsewhere).
    values: Vec<u32>,
}

/// Clamped neurons from which a row is clamped by the mask rather than pair by pair.
const MASK_FROM: usize = 8;

impl Fill {
    /// Records that `neuron` of a layer `width` wide is clamped to `value`.
    fn set(&mut self, width: usize, neuron: usize, value: f32) {
        if self.clamped.len() != width {
            self.clamped = vec![0; width];
            self.values = vec![0; width];
        }
        if let (Some(c), Some(v)) = (self.clamped.get_mut(neuron), self.values.get_mut(neuron)) {
            *c = u32::MAX;
            *v = value.to_bits();
        }
    }

    /// Sets the clamped columns of the flat row-major `block` (rows as
    /// wide as the layer) to their values, as [`Clamps::apply`] does column
    /// by column; `pairs` are the layer's clamps, sorted by neuron, and the
    /// mask is used only when it is as wide as the rows.
    fn apply(&self, block: &mut [f32], width: usize, pairs: &[(usize, f32)]) {
        // The pairs are sorted by neuron: those in range are a prefix.
        let pairs = &pairs[..pairs.partition_point(|&(neuron, _)| neuron < width)];
        if pairs.is_empty() {
            return;
        }
        if pairs.len() < MASK_FROM || self.clamped.len() != width {
            for row in block.chunks_exact_mut(width) {
                for &(neuron, value) in pairs {
                    row[neuron] = value;
                }
            }
            return;
        }
        let (clamped, values) = (&self.clamped, &self.values);
        widest(
            #[inline(always)]
            || {
                for row in block.chunks_exact_mut(width) {
                    // A select on the bits, which vectorises (a branch would not).
                    for ((out, &c), &v) in row.iter_mut().zip(clamped).zip(values) {
                        *out = f32::from_bits((out.to_bits() & !c) | v);
                    }
                }
            },
        );
    }
}

/// Replaces `block` by the rows `samples` of `from`, narrowed to `f32`.
fn gather_rows(from: &Rows<f64>, samples: &[usize], block: &mut Vec<f32>) {
    let width = from.width;
    block.clear();
    block.resize(samples.len() * width, 0.0);
    if width == 0 {
        return;
    }
    widest(
        #[inline(always)]
        || {
            for (to, &s) in block.chunks_exact_mut(width).zip(samples) {
                for (t, &v) in to.iter_mut().zip(from.row(s)) {
                    *t = v as f32;
                }
            }
        },
    );
}

/// Writes the rows of the flat `block` to the rows `samples` of `to`, widened to `f64`.
fn scatter_rows(block: &[f32], samples: &[usize], to: &mut Rows<f64>) {
    let width = to.width;
    if width == 0 {
        return;
    }
    widest(
        #[inline(always)]
        || {
            for (from, &s) in block.chunks_exact(width).zip(samples) {
                for (t, &v) in to.row_mut(s).iter_mut().zip(from) {
                    *t = f64::from(v);
                }
            }
        },
    );
}

/// Copies a hidden layer's output handed to the forward hook into a flat cache.
fn cache_rows(out: ArrayView2<'_, f32>, rows: usize, width: usize, layer: usize) -> Result<Rows<f32>> {
    if out.dim() != (rows, width) {
        return Err(NetworkError::Shape {
            what: format!("output of hidden layer {layer}"),
            expected: vec![rows, width],
            got: out.shape().to_vec(),
        }
        .into());
    }
    Ok(Rows {
        data: out.iter().copied().collect(),
        width,
    })
}

/// What the unablated network computes on one chunk of samples: every hidden
/// layer's output and the logits. It is the same for every curve, so an
/// engine computes it once and each curve starts from a copy.
pub(super) struct Baseline {
    /// Output of each hidden layer.
    hidden: Vec<Rows<f32>>,
    /// The network's output.
    logits: Rows<f32>,
}

impl Baseline {
    /// Runs the network (of these hidden widths) forward on `inputs`,
    /// keeping what it observes; each layer must be shown once, in order.
    pub(super) fn new(network: &dyn Resumable, inputs: ArrayView2<'_, f32>, widths: &[usize]) -> Result<Self> {
        let rows = inputs.nrows();
        let mut hidden = Vec::with_capacity(widths.len());
        let logits = network.forward_hooked(inputs, &Clamps::new(), &mut |layer, out| {
            let width = if layer == hidden.len() {
                widths.get(layer).copied()
            } else {
                None
            };
            hidden.push(cache_rows(out, rows, width.unwrap_or(0), layer));
        })?;
        let hidden = hidden.into_iter().collect::<Result<Vec<_>>>()?;
        if hidden.len() != widths.len() {
            return Err(NetworkError::Shape {
                what: "hidden layers observed in a forward pass".into(),
                expected: vec![widths.len()],
                got: vec![hidden.len()],
            }
            .into());
        }
        let logits = cache_rows(logits.view(), rows, network.num_classes(), widths.len())?;
        Ok(Baseline { hidden, logits })
    }

    /// The cached output of hidden layer `layer` (`samples × width`).
    pub(super) fn hidden(&self, layer: usize) -> Result<ArrayView2<'_, f32>> {
        let rows = self.logits.data.len() / self.logits.width.max(1);
        let h = self.hidden.get(layer).ok_or(NetworkError::NoSuchLayer {
            layer,
            num_hidden: self.hidden.len(),
        })?;
        matrix(&h.data, rows, h.width)
    }

    /// The cached logits (`samples × classes`).
    pub(super) fn logits(&self) -> Result<ArrayView2<'_, f32>> {
        let width = self.logits.width;
        matrix(&self.logits.data, self.logits.data.len() / width.max(1), width)
    }
}

/// The cached state of one chunk of samples.
///
/// Index `j` stands for hidden layer `base + j`. Only layers with neurons in
/// the plan ("targets") keep their output `h[j]` and the pre-activation they
/// feed, `z[j]` (of layer `base + j + 1`, or the logits for the last hidden
/// layer). Other layers are passed through by `propagate` without being stored.
struct Chunk<'a> {
    network: &'a dyn Resumable,
    /// The chunk's inputs and the index of its first sample, to name the
    /// layer where a forward pass overflows.
    inputs: ArrayView2<'a, f32>,
    offset: usize,
    readouts: &'a Readouts,
    targets: Vec<bool>,
    /// `h[j]`: output of hidden layer `base + j`, clamped (empty unless a target).
    h: Vec<Rows<f32>>,
    /// `z[j]`: pre-activation fed by hidden layer `base + j` (empty unless a target).
    z: Vec<Rows<f64>>,
    /// Whether `z[j]` is valid; until a removal first needs it, it is not
    /// maintained, since it can be recomputed from the up-to-date `h[j]`.
    complete: Vec<bool>,
    /// For each target above `base` (the layers a block runs through), its
    /// read-out without the neurons clamped to zero.
    pruned: Vec<Option<Pruned>>,
    /// For each target, its clamps as a mask (see [`Fill`]).
    fills: Vec<Fill>,
    clamps: Clamps,
    /// The removals since the last checkpoint: `(layer, neuron, value)`.
    queued: Vec<(usize, usize, f32)>,
    /// Samples whose layers above `pending` are stale, and a membership mask.
    dirty: Vec<usize>,
    is_dirty: Vec<bool>,
    /// Dirty samples have a correct pre-activation of hidden layer `pending`.
    pending: usize,
    scores: Scores<'a>,
    /// The dirty rows in propagation, and the next layer's block (swapped per layer).
    block: Vec<f32>,
    next: Vec<f32>,
}

impl<'a> Chunk<'a> {
    /// The state of a chunk before any removal: the targets' outputs copied
    /// from the baseline, and every sample scored on the baseline's logits.
    fn new(
        network: &'a dyn Resumable,
        (readouts, targets): (&'a Readouts, Vec<bool>),
        baseline: &Baseline,
        (inputs, labels, offset): (ArrayView2<'a, f32>, &'a [usize], usize),
    ) -> Result<Self> {
        let base = readouts.base;
        let rows = labels.len();
        let h = targets
            .iter()
            .zip(baseline.hidden.get(base..).unwrap_or_default())
            .map(|(&target, h)| if target { h.clone() } else { Rows::empty() })
            .collect();
        let num_hidden = base + targets.len();
        let logits = &baseline.logits;
        let classes = logits.width;
        let mut z: Vec<Rows<f64>> = targets.iter().map(|_| Rows::empty()).collect();
        let mut complete = vec![false; z.len()];
        let fills = (0..z.len()).map(|_| Fill::default()).collect();
        if let (Some(true), Some(z), Some(complete)) = (targets.last(), z.last_mut(), complete.last_mut()) {
            *z = Rows {
                data: logits.data.iter().map(|&v| f64::from(v)).collect(),
                width: classes,
            };
            *complete = true;
        }
        let pruned = (targets.iter().zip(&readouts.layers).enumerate())
            .map(|(j, (&target, readout))| (target && j > 0).then(|| Pruned::new(readout)))
            .collect();
        let mut chunk = Chunk {
            network,
            inputs,
            offset,
            readouts,
            targets,
            h,
            z,
            complete,
            pruned,
            fills,
            clamps: Clamps::new(),
            queued: Vec::new(),
            dirty: Vec::new(),
            is_dirty: vec![false; rows],
            pending: num_hidden,
            scores: Scores {
                labels,
                classes,
                correct: vec![false; rows],
                loss: vec![0.0; rows],
                scorer: RowScorer::default(),
            },
            block: Vec::new(),
            next: Vec::new(),
        };
        let all: Vec<usize> = (0..rows).collect();
        let failed = chunk.scores.set(&logits.data, &all);
        chunk.fail_at(failed)?;
        Ok(chunk)
    }

    /// Number of hidden layers of the network.
    fn num_hidden(&self) -> usize {
        self.readouts.base + self.h.len()
    }

    /// Queues the replacement of neuron `neuron` of hidden layer `layer` (a
    /// target) by `value`, done at the next checkpoint.
    fn ablate(&mut self, layer: usize, neuron: usize, value: f32) {
        self.queued.push((layer, neuron, value));
    }

    /// Replaces neuron `neuron` of hidden layer `layer` (a target) by
    /// `value`. In a layer at or above `pending`, the dirty samples are
    /// stale and left as they are: [`propagate`](Chunk::propagate) recomputes
    /// their `h` (with the new clamp) and `z` there from `z[pending]`.
    fn remove(&mut self, layer: usize, neuron: usize, value: f32) -> Result<()> {
        let stale = self.pending <= layer;
        self.clamps.set(layer, neuron, value);
        let j = layer - self.readouts.base;
        let readout = &self.readouts.layers[j];
        self.fills[j].set(readout.width(), neuron, value);
        if let Some(pruned) = self.pruned[j].as_mut().filter(|_| value == 0.0) {
            pruned.drop_neuron(neuron);
        }
        if !self.complete[j] {
            let rows = self.is_dirty.len();
            readout.apply(&self.h[j].data, rows, &mut self.next)?;
            self.z[j] = Rows {
                data: self.next.iter().map(|&v| f64::from(v)).collect(),
                width: readout.next(),
            };
            self.complete[j] = true;
        }
        let outgoing = readout.outgoing.row(neuron);
        let (h, z) = (&mut self.h[j], &mut self.z[j]);
        let (is_dirty, dirty) = (&mut self.is_dirty, &mut self.dirty);
        widest(
            #[inline(always)]
            || {
                for (s, flag) in is_dirty.iter_mut().enumerate() {
                    if stale && *flag {
                        continue;
                    }
                    let out = &mut h.data[s * h.width + neuron];
                    if *out != value {
                        let delta = f64::from(value) - f64::from(*out);
                        for (pre, &w) in z.row_mut(s).iter_mut().zip(outgoing) {
                            *pre += delta * w;
                        }
                        *out = value;
                        if !*flag {
                            *flag = true;
                            dirty.push(s);
                        }
                    }
                }
            },
        );
        self.pending = self.pending.min(layer + 1);
        Ok(())
    }

    /// Brings the dirty samples up to date through the logits, [`PIECE`]
    /// rows at a time: each piece runs through the layers from `pending`,
    /// stored only where a target needs it, and its samples are rescored
    /// from its logits. Gives the first sample whose logits are not finite,
    /// if any (rescoring stops there).
    fn propagate(&mut self) -> Result<Option<usize>> {
        let dirty = std::mem::take(&mut self.dirty);
        let failed = self.propagate_rows(&dirty);
        self.dirty = dirty;
        failed
    }

    /// [`propagate`](Chunk::propagate) for the samples `dirty`.
    fn propagate_rows(&mut self, dirty: &[usize]) -> Result<Option<usize>> {
        let upto = self.num_hidden();
        let base = self.readouts.base;
        let (below, above) = self.z.split_at_mut(self.pending - base);
        let source = &below[self.pending - base - 1];
        for piece in dirty.chunks(PIECE) {
            let rows = piece.len();
            gather_rows(source, piece, &mut self.block);
            for m in self.pending..upto {
                let j = m - base;
                let readout = &self.readouts.layers[j];
                self.network
                    .activate(m, matrix_mut(&mut self.block, rows, readout.width())?)?;
                self.fills[j].apply(&mut self.block, readout.width(), self.clamps.layer(m));
                if self.targets[j] {
                    let h = &mut self.h[j];
                    for (from, &s) in self.block.chunks_exact(h.width).zip(piece) {
                        h.row_mut(s).copy_from_slice(from);
                    }
                }
                match &mut self.pruned[j] {
                    Some(pruned) if pruned.pays(readout.width()) => {
                        pruned.apply(readout, &self.block, rows, &mut self.next)?;
                    }
                    _ => readout.apply(&self.block, rows, &mut self.next)?,
                }
                if self.complete[j] {
                    scatter_rows(&self.next, piece, &mut above[m - self.pending]);
                }
                std::mem::swap(&mut self.block, &mut self.next);
            }
            let failed = self.scores.set(&self.block, piece);
            if failed.is_some() {
                return Ok(failed);
            }
        }
        Ok(None)
    }

    /// Makes the queued removals, lowest layer first, propagates every
    /// pending change to the logits and rescores.
    fn checkpoint<T: Tally>(&mut self) -> Result<T> {
        let mut queued = std::mem::take(&mut self.queued);
        queued.sort_by_key(|&(layer, _, _)| layer);
        for &(layer, neuron, value) in &queued {
            self.remove(layer, neuron, value)?;
        }
        queued.clear();
        self.queued = queued;
        if !self.dirty.is_empty() {
            let failed = if self.pending < self.num_hidden() {
                self.propagate()?
            } else {
                self.rescore_cached()
            };
            self.fail_at(failed)?;
            for &s in &self.dirty {
                self.is_dirty[s] = false;
            }
            self.dirty.clear();
        }
        self.pending = self.num_hidden();
        Ok(T::from_samples(&self.scores.correct, &self.scores.loss))
    }

    /// Rescores the dirty samples from the cached logits `z[last]` (when only
    /// the last hidden layer changed since the previous checkpoint); the
    /// first sample whose logits are not finite, if any.
    fn rescore_cached(&mut self) -> Option<usize> {
        let logits = self.z.last()?;
        gather_rows(logits, &self.dirty, &mut self.block);
        self.scores.set(&self.block, &self.dirty)
    }

    /// The error for sample `s` of the chunk, whose logits are not finite:
    /// [`NetworkError::NonFiniteOutput`] naming where the forward pass with
    /// the current clamps overflows.
    fn fail_at(&self, sample: Option<usize>) -> Result<()> {
        match sample {
            None => Ok(()),
            Some(s) => Err(overflow(
                self.network,
                self.inputs.slice(s![s..s + 1, ..]),
                &self.clamps,
                self.offset + s,
            )),
        }
    }
}

/// Each sample's current score.
struct Scores<'a> {
    /// Each sample's class.
    labels: &'a [usize],
    /// Number of classes (the width of a row of logits).
    classes: usize,
    /// Whether each sample is classified right.
    correct: Vec<bool>,
    /// Each sample's cross-entropy.
    loss: Vec<f64>,
    /// The scoring buffers, reused.
    scorer: RowScorer,
}

impl Scores<'_> {
    /// Scores the samples `samples` from their rows of `logits`, in order;
    /// the first sample whose logits are not finite, if any (the samples
    /// after it are not scored).
    fn set(&mut self, logits: &[f32], samples: &[usize]) -> Option<usize> {
        let Scores {
            labels,
            classes,
            correct,
            loss,
            scorer,
        } = self;
        let failed = scorer.score(logits, *classes, samples.iter().map(|&s| labels[s]), |r, right, l| {
            correct[samples[r]] = right;
            loss[samples[r]] = l;
        });
        failed.map(|r| samples[r])
    }
}

/// Scores one chunk of samples (inputs, labels, index of the first) at
/// every checkpoint of the plan.
pub(super) fn score_chunk<'a, T: Tally>(
    network: &'a dyn Resumable,
    readouts: &'a Readouts,
    baseline: &Baseline,
    plan: &Plan,
    samples: (ArrayView2<'a, f32>, &'a [usize], usize),
) -> Result<Vec<T>> {
    let mut targets = vec![false; readouts.layers.len()];
    for &(layer, _) in plan.neurons() {
        targets[layer - readouts.base] = true;
    }
    let mut chunk = Chunk::new(network, (readouts, targets), baseline, samples)?;
    plan.walk(
        &mut chunk,
        |chunk, (layer, neuron), value| {
            chunk.ablate(layer, neuron, value);
            Ok(())
        },
        Chunk::checkpoint,
    )
}

#[cfg(test)]
mod tests {
    use super::{Fill, MASK_FROM};
    use crate::network::Clamps;
    use ndarray::Array2;

    /// Clamping a block by the mask (many clamps) or pair by pair (few)
    /// gives what [`Clamps::apply`] gives, column by column.
    #[test]
    fn a_fill_clamps_as_the_clamps_do() {
        let (rows, width) = (5, 37);
        let block: Vec<f32> = (0..rows * width).map(|i| (i as f32 * 0.37).sin()).collect();
        let (mut clamps, mut fill) = (Clamps::new(), Fill::default());
        for (count, neuron) in [3, 30, 7, 11, 0, 36, 19, 22, 5, 30].into_iter().enumerate() {
            let value = if count % 3 == 0 { 0.0 } else { -1.5 + count as f32 };
            clamps.set(1, neuron, value);
            fill.set(width, neuron, value);
            let mut expected = Array2::from_shape_vec((rows, width), block.clone()).unwrap();
            clamps.apply(1, expected.view_mut());
            let mut got = block.clone();
            fill.apply(&mut got, width, clamps.layer(1));
            assert_eq!(got, expected.into_raw_vec_and_offset().0, "{} clamps", clamps.len());
        }
        assert!(clamps.len() >= MASK_FROM, "the mask path is exercised");
    }
}
