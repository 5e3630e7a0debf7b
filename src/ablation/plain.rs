//! The reference path: a full forward pass at every checkpoint.

use ndarray::{ArrayView2, s};

use super::metric::{Metric, check_logits, overflow};
use super::plan::Plan;
use crate::Result;
use crate::network::{Clamps, Network};

/// Scores one chunk of samples (`inputs`, their labels, the index of the
/// first) at every checkpoint of the plan by running the whole network with
/// the first `k` neurons clamped.
pub(super) fn score_chunk<N: Network + ?Sized>(
    network: &N,
    plan: &Plan,
    (inputs, labels, offset): (ArrayView2<'_, f32>, &[usize], usize),
) -> Result<Vec<Metric>> {
    let classes = network.num_classes();
    plan.walk(
        &mut Clamps::new(),
        |clamps, (layer, neuron), value| {
            clamps.set(layer, neuron, value);
            Ok(())
        },
        |clamps| {
            let logits = network.forward_hooked(inputs, clamps, &mut |_, _| {})?;
            check_logits(logits.view(), labels.len(), classes)?;
            let mut metric = Metric::new();
            match metric.add_batch(logits.view(), labels) {
                Ok(()) => Ok(metric),
                Err(row) => Err(overflow(
                    network,
                    inputs.slice_move(s![row..row + 1, ..]),
                    clamps,
                    offset + row,
                )),
            }
        },
    )
}
