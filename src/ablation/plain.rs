//! The reference path: a full forward pass at every checkpoint.

use ndarray::ArrayView2;

use super::engine::Plan;
use crate::Result;
use crate::network::{Clamps, Network, score_logits};

/// Scores one chunk of samples at every checkpoint of the plan by running the
/// whole network with the first `k` neurons clamped.
pub(super) fn score_chunk<N: Network + ?Sized>(
    network: &N,
    plan: &Plan,
    inputs: ArrayView2<'_, f32>,
    labels: &[usize],
) -> Result<Vec<(usize, f64)>> {
    let mut clamps = Clamps::new();
    let mut scores = Vec::with_capacity(plan.checkpoints.len());
    let mut ablated = 0;
    for &k in &plan.checkpoints {
        for (&(layer, neuron), &value) in plan.neurons[ablated..k].iter().zip(&plan.values[ablated..k]) {
            clamps.set(layer, neuron, value);
        }
        ablated = k;
        let logits = network.forward_hooked(inputs, &clamps, &mut |_, _| {})?;
        scores.push(score_logits(logits.view(), labels));
    }
    Ok(scores)
}
