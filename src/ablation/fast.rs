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

use ndarray::{Array1, Array2, ArrayView2, Axis};

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
struct Chunk<'a> {
    network: &'a dyn Resumable,
    base: usize,
    /// `h[m - base]`: output of hidden layer `m`, clamped.
    h: Vec<Array2<f32>>,
    /// `z[m - base - 1]`: pre-activation of layer `m` (`m = num_hidden` for logits).
    z: Vec<Array2<f64>>,
    /// Whether `z[j]` holds every sample (else only the rows `propagate` wrote).
    complete: Vec<bool>,
    clamps: Clamps,
    /// Samples whose layers above `pending` are stale, and a membership mask.
    dirty: Vec<usize>,
    is_dirty: Vec<bool>,
    pending: usize,
    labels: &'a [usize],
    correct: Vec<bool>,
    loss: Vec<f64>,
}

impl<'a> Chunk<'a> {
    fn new(network: &'a dyn Resumable, base: usize, inputs: ArrayView2<'_, f32>, labels: &'a [usize]) -> Result<Self> {
        let num_hidden = network.num_hidden();
        let mut h = Vec::with_capacity(num_hidden - base);
        let logits = network.forward_hooked(inputs, &Clamps::new(), &mut |layer, out| {
            if layer >= base {
                h.push(out.to_owned());
            }
        })?;
        let rows = labels.len();
        let mut z: Vec<Array2<f64>> = h[1..].iter().map(|out| Array2::zeros(out.raw_dim())).collect();
        z.push(logits.mapv(f64::from));
        let mut complete = vec![false; z.len()];
        complete[z.len() - 1] = true;
        let mut chunk = Chunk {
            network,
            base,
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
        };
        chunk.rescore(&(0..rows).collect::<Vec<_>>());
        Ok(chunk)
    }

    fn num_hidden(&self) -> usize {
        self.base + self.h.len()
    }

    /// Replaces neuron `neuron` of hidden layer `layer` by `value`.
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

    /// Brings the dirty samples up to date through `z[upto]`.
    fn propagate(&mut self, upto: usize) -> Result<()> {
        let rows = &self.dirty;
        for m in self.pending..upto {
            let j = m - self.base;
            let mut out: Array2<f32> = self.z[j - 1].select(Axis(0), rows).mapv(|v| v as f32);
            self.network.activate(m, out.view_mut())?;
            self.clamps.apply(m, out.view_mut());
            let next = self.network.resume_step(m, out.view())?;
            for (r, &s) in rows.iter().enumerate() {
                self.h[j].row_mut(s).assign(&out.row(r));
                self.z[j].row_mut(s).assign(&next.row(r).mapv(f64::from));
            }
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
            let row: Array1<f32> = logits.row(s).mapv(|v| v as f32);
            let (right, loss) = score_row(row.view(), self.labels[s]);
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
    let mut chunk = Chunk::new(network, readouts.base, inputs, labels)?;
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
