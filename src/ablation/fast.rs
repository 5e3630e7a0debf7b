//! The fast path: cache the hidden layers once, fold each removal into the
//! next layer's pre-activations as a sparse rank-1 update over the samples it
//! changes, and re-run only those samples through the layers downstream.
//!
//! Per chunk of samples the state is every hidden output `h[m]` from the
//! lowest ablated layer `b` up, every pre-activation `z[m]` above it (in
//! `f64`, so rank-1 updates do not drift), and each sample's score. The
//! logits come from the one forward pass; a hidden pre-activation is computed
//! for all samples only when a removal first needs it, so a per-layer curve
//! costs one forward pass plus one layer to set up. Changes
//! are propagated lazily: `dirty` samples have a correct `z[pending]` and stale
//! layers above it, brought up to date only when a later removal needs them
//! or a checkpoint is scored. A removal of neuron `i` in layer `ℓ` touches
//! only the samples where `h[ℓ][s, i]` differs from its replacement — for
//! ReLU and zero replacement, the samples where the neuron fires.

use ndarray::{Array1, Array2, ArrayView2};

use super::engine::Plan;
use crate::Result;
use crate::network::{Clamps, Resumable, score_row};

/// The transposed read-outs of the hidden layers from `base` up: neuron `i`'s
/// outgoing weights are the contiguous row `i`, in `f64`.
pub(super) struct Readouts {
    base: usize,
    outgoing: Vec<Array2<f64>>,
}

impl Readouts {
    /// Prepares the read-outs of hidden layers `base …`.
    pub(super) fn new(network: &dyn Resumable, base: usize) -> Result<Self> {
        let outgoing = (base..network.num_hidden())
            .map(|l| Ok(network.readout(l)?.0.t().mapv(f64::from)))
            .collect::<Result<_>>()?;
        Ok(Readouts { base, outgoing })
    }
}

/// The cached state of one chunk of samples.
///
/// Index `j` stands for hidden layer `base + j`. Only layers with neurons in
/// the plan ("targets") keep their output `h[j]` and the pre-activation they
/// feed, `z[j]` (of layer `base + j + 1`); the logits `z[last]` are always
/// kept. Other layers are passed through by `propagate` without being stored.
struct Chunk<'a> {
    network: &'a dyn Resumable,
    base: usize,
    targets: Vec<bool>,
    /// `h[j]`: output of hidden layer `base + j`, clamped (empty unless a target).
    h: Vec<Array2<f32>>,
    /// `z[j]`: pre-activation fed by hidden layer `base + j` (empty unless a
    /// target or the logits).
    z: Vec<Array2<f64>>,
    /// Whether `z[j]` holds every sample (else only the rows `propagate` wrote).
    complete: Vec<bool>,
    clamps: Clamps,
    /// Samples whose layers above `pending` are stale, and a membership mask.
    dirty: Vec<usize>,
    is_dirty: Vec<bool>,
    /// Dirty samples have a correct pre-activation of hidden layer `pending`.
    pending: usize,
    labels: &'a [usize],
    correct: Vec<bool>,
    loss: Vec<f64>,
    /// One row of logits, reused by `rescore`.
    logits_row: Array1<f32>,
}

impl<'a> Chunk<'a> {
    fn new(
        network: &'a dyn Resumable,
        (base, targets): (usize, Vec<bool>),
        inputs: ArrayView2<'_, f32>,
        labels: &'a [usize],
    ) -> Result<Self> {
        let num_hidden = network.num_hidden();
        let mut h = Vec::with_capacity(num_hidden - base);
        let logits = network.forward_hooked(inputs, &Clamps::new(), &mut |layer, out| {
            if layer >= base {
                h.push(if targets[layer - base] {
                    out.to_owned()
                } else {
                    Array2::zeros((0, 0))
                });
            }
        })?;
        let rows = labels.len();
        let last = num_hidden - base - 1;
        let widths = network.hidden_widths();
        let mut z: Vec<Array2<f64>> = (0..last)
            .map(|j| {
                Array2::zeros(if targets[j] {
                    (rows, widths[base + j + 1])
                } else {
                    (0, 0)
                })
            })
            .collect();
        let classes = logits.ncols();
        z.push(logits.mapv(f64::from));
        let mut complete = vec![false; z.len()];
        complete[last] = true;
        let mut chunk = Chunk {
            network,
            base,
            targets,
            h,
            z,
            complete,
            clamps: Clamps::new(),
            dirty: Vec::new(),
            is_dirty: vec![false; rows],
            pending: num_hidden,
            labels,
            correct: vec![false; rows],
            loss: vec![0.0; rows],
            logits_row: Array1::zeros(classes),
        };
        chunk.rescore(&(0..rows).collect::<Vec<_>>());
        Ok(chunk)
    }

    fn num_hidden(&self) -> usize {
        self.base + self.h.len()
    }

    /// Replaces neuron `neuron` of hidden layer `layer` (a target) by `value`.
    fn ablate(&mut self, layer: usize, neuron: usize, value: f32, readouts: &Readouts) -> Result<()> {
        if !self.dirty.is_empty() && self.pending <= layer {
            self.propagate(layer + 1)?;
        }
        self.clamps.set(layer, neuron, value);
        let j = layer - self.base;
        if !self.complete[j] {
            self.z[j] = self.network.resume_step(layer, self.h[j].view())?.mapv(f64::from);
            self.complete[j] = true;
        }
        let outgoing = readouts.outgoing[j].row(neuron);
        let (h, z) = (&mut self.h[j], &mut self.z[j]);
        for (s, (out, mut pre)) in h.column_mut(neuron).iter_mut().zip(z.outer_iter_mut()).enumerate() {
            if *out != value {
                pre.scaled_add(f64::from(value) - f64::from(*out), &outgoing);
                *out = value;
                if !self.is_dirty[s] {
                    self.is_dirty[s] = true;
                    self.dirty.push(s);
                }
            }
        }
        self.pending = self.pending.min(layer + 1);
        Ok(())
    }

    /// Brings the dirty samples up to date through the pre-activation of
    /// hidden layer `upto` (the logits for `upto = num_hidden`): one block of
    /// rows runs through the layers, stored only where a target needs it.
    fn propagate(&mut self, upto: usize) -> Result<()> {
        let rows = &self.dirty;
        let last = self.z.len() - 1;
        let source = &self.z[self.pending - self.base - 1];
        let mut block = Array2::<f32>::zeros((rows.len(), source.ncols()));
        for (mut to, &s) in block.outer_iter_mut().zip(rows) {
            to.zip_mut_with(&source.row(s), |t, &v| *t = v as f32);
        }
        for m in self.pending..upto {
            let j = m - self.base;
            self.network.activate(m, block.view_mut())?;
            self.clamps.apply(m, block.view_mut());
            let next = self.network.resume_step(m, block.view())?;
            if self.targets[j] {
                let h = &mut self.h[j];
                for (from, &s) in block.outer_iter().zip(rows) {
                    h.row_mut(s).assign(&from);
                }
            }
            if self.targets[j] || j == last {
                let z = &mut self.z[j];
                for (from, &s) in next.outer_iter().zip(rows) {
                    z.row_mut(s).zip_mut_with(&from, |t, &v| *t = f64::from(v));
                }
            }
            block = next;
        }
        self.pending = self.pending.max(upto);
        Ok(())
    }

    /// Propagates every pending change to the logits and rescores.
    fn checkpoint(&mut self) -> Result<(usize, f64)> {
        if !self.dirty.is_empty() {
            self.propagate(self.num_hidden())?;
            let rows = std::mem::take(&mut self.dirty);
            self.rescore(&rows);
            for &s in &rows {
                self.is_dirty[s] = false;
            }
        }
        self.pending = self.num_hidden();
        let correct = self.correct.iter().filter(|&&c| c).count();
        Ok((correct, self.loss.iter().sum()))
    }

    fn rescore(&mut self, rows: &[usize]) {
        let logits = &self.z[self.z.len() - 1];
        for &s in rows {
            self.logits_row.zip_mut_with(&logits.row(s), |t, &v| *t = v as f32);
            let (right, loss) = score_row(self.logits_row.view(), self.labels[s]);
            self.correct[s] = right;
            self.loss[s] = loss;
        }
    }
}

/// Scores one chunk of samples at every checkpoint of the plan.
pub(super) fn score_chunk(
    network: &dyn Resumable,
    readouts: &Readouts,
    plan: &Plan,
    inputs: ArrayView2<'_, f32>,
    labels: &[usize],
) -> Result<Vec<(usize, f64)>> {
    let mut targets = vec![false; network.num_hidden() - readouts.base];
    for &(layer, _) in &plan.neurons {
        targets[layer - readouts.base] = true;
    }
    let mut chunk = Chunk::new(network, (readouts.base, targets), inputs, labels)?;
    let mut scores = Vec::with_capacity(plan.checkpoints.len());
    let mut ablated = 0;
    for &k in &plan.checkpoints {
        for (&(layer, neuron), &value) in plan.neurons[ablated..k].iter().zip(&plan.values[ablated..k]) {
            chunk.ablate(layer, neuron, value, readouts)?;
        }
        ablated = k;
        scores.push(chunk.checkpoint()?);
    }
    Ok(scores)
}
