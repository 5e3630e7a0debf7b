//! The reference path: a full forward pass at every checkpoint.

use ndarray::{ArrayView2, s};

use super::metric::{Tally, check_logits, overflow, score_batch};
use super::plan::Plan;
use crate::Result;
use crate::network::{Clamps, Network};

/// Scores one chunk of samples (`inputs`, their labels, the index of the
/// first) at every checkpoint of the plan by running the whole network with
/// the first `k` neurons clamped.
pub(super) fn score_chunk<N: Network + ?Sized, T: Tally>(
    network: &N,
    plan: &Plan,
    (inputs, labels, offset): (ArrayView2<'_, f32>, &[usize], usize),
) -> Result<Vec<T>> {
    let classes = network.num_classes();
    let (mut correct, mut loss) = (Vec::with_capacity(labels.len()), Vec::with_capacity(labels.len()));
    plan.walk(
        &mut Clamps::new(),
        |clamps, (layer, neuron), value| {
            clamps.set(layer, neuron, value);
            Ok(())
        },
        |clamps| {
            let logits = network.forward_hooked(inputs, clamps, &mut |_, _| {})?;
            check_logits(logits.view(), labels.len(), classes)?;
            match score_batch(logits.view(), labels, (&mut correct, &mut loss)) {
                Ok(()) => Ok(T::from_samples(&correct, &loss)),
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
