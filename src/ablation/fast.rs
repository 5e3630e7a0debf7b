//! The fast path: cache one hidden layer, fold each removal into the next
//! layer's pre-activations as a sparse rank-1 update, re-run only downstream.

use ndarray::{Array2, ArrayView2, Zip};

use super::engine::Plan;
use crate::Result;
use crate::network::{Clamps, Resumable, score_logits};

/// The weights that read the plan's lowest layer, transposed so that a
/// neuron's outgoing weights are one contiguous row.
pub(super) struct Readout {
    /// The lowest hidden layer the plan ablates.
    base: usize,
    /// `[width, next]`.
    outgoing: Array2<f64>,
}

impl Readout {
    /// Prepares the read-out of hidden layer `base`.
    pub(super) fn new(network: &dyn Resumable, base: usize) -> Result<Self> {
        let (w, _) = network.readout(base)?;
        Ok(Readout {
            base,
            outgoing: w.t().mapv(f64::from),
        })
    }
}

/// Scores one chunk of samples at every checkpoint of the plan.
///
/// Pre-activations are accumulated in `f64`, so their error does not grow
/// with the number of updates.
pub(super) fn score_chunk(
    network: &dyn Resumable,
    readout: &Readout,
    plan: &Plan,
    inputs: ArrayView2<'_, f32>,
    labels: &[usize],
) -> Result<Vec<(usize, f64)>> {
    let base = readout.base;
    let mut cached = None;
    network.forward_hooked(inputs, &Clamps::new(), &mut |layer, h| {
        if layer == base {
            cached = Some(h.to_owned());
        }
    })?;
    let hidden = cached.ok_or(crate::network::NetworkError::NoSuchLayer {
        layer: base,
        num_hidden: network.num_hidden(),
    })?;
    let (w, b) = network.readout(base)?;
    let mut z: Array2<f64> = (hidden.dot(&w.t()) + &b).mapv(f64::from);
    let mut z32 = Array2::<f32>::zeros(z.raw_dim());
    let mut clamps = Clamps::new();
    let mut scores = Vec::with_capacity(plan.checkpoints.len());
    let mut ablated = 0;
    for &k in &plan.checkpoints {
        for (&(layer, neuron), &value) in plan.neurons[ablated..k].iter().zip(&plan.values[ablated..k]) {
            if layer == base {
                let outgoing = readout.outgoing.row(neuron);
                for (mut row, &h) in z.outer_iter_mut().zip(hidden.column(neuron)) {
                    let delta = f64::from(value) - f64::from(h);
                    if delta != 0.0 {
                        row.scaled_add(delta, &outgoing);
                    }
                }
            } else {
                clamps.set(layer, neuron, value);
            }
        }
        ablated = k;
        Zip::from(&mut z32).and(&z).for_each(|o, &v| *o = v as f32);
        let logits = network.resume_from_preactivation(base + 1, z32.view(), &clamps)?;
        scores.push(score_logits(logits.view(), labels));
    }
    Ok(scores)
}
