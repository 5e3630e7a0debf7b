//! The views shared by every per-pair result of a layer (the PID measures of
//! [`PairAnalysis`](super::PairAnalysis), the causal interaction of
//! [`PairInteraction`](crate::ablation::PairInteraction)): a matrix over the
//! layer, the top pairs, per-neuron means and a schedule from those means.

use ndarray::Array2;

use super::analysis::RankedPair;
use crate::ablation::{Schedule, Scope};
use crate::measures::{Order, rank};

/// The `width × width` symmetric matrix of one value per pair; `NaN` on the
/// diagonal and for pairs without a value.
pub(crate) fn matrix(width: usize, pairs: &[(usize, usize)], values: &[f64]) -> Array2<f64> {
    let mut m = Array2::from_elem((width, width), f64::NAN);
    for (&(i, j), &v) in pairs.iter().zip(values) {
        (m[[i, j]], m[[j, i]]) = (v, v);
    }
    m
}

/// The `k` pairs with the highest (`Descending`) or lowest (`Ascending`)
/// value, ties to the lower pair, `NaN` last.
pub(crate) fn top_k(pairs: &[(usize, usize)], values: &[f64], k: usize, order: Order) -> Vec<RankedPair> {
    let entries: Vec<(usize, usize, f64)> = pairs.iter().zip(values).map(|(&(i, j), &v)| (i, j, v)).collect();
    let value = |p: (usize, usize)| {
        entries
            .iter()
            .find(|&&(i, j, _)| (i, j) == p)
            .map_or(f64::NAN, |&(_, _, v)| v)
    };
    rank(&entries, order)
        .into_iter()
        .take(k)
        .map(|p| (p, value(p)))
        .collect()
}

/// Per neuron, the mean value over the pairs that contain it (`NaN` for a
/// neuron in none).
pub(crate) fn neuron_means(width: usize, pairs: &[(usize, usize)], values: &[f64]) -> Vec<f64> {
    let (mut sum, mut count) = (vec![0.0; width], vec![0_usize; width]);
    for (&(i, j), &v) in pairs.iter().zip(values) {
        for n in [i, j] {
            sum[n] += v;
            count[n] += 1;
        }
    }
    sum.iter()
        .zip(&count)
        .map(|(s, &c)| if c == 0 { f64::NAN } else { s / c as f64 })
        .collect()
}

/// A schedule that ablates hidden layer `layer`'s neurons by `scores` (one
/// per neuron), labelled `measure`.
pub(crate) fn layer_schedule(measure: String, layer: usize, scores: Vec<f64>, order: Order) -> Schedule {
    let mut per_layer = vec![Vec::new(); layer];
    per_layer.push(scores);
    Schedule::by_scores(measure, per_layer, order, Scope::Layer(layer))
}
