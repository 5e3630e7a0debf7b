//! Rankings of neurons by score, with the definition file's tie rule.

use std::cmp::Ordering;
use std::fmt;

/// Which neurons come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Order {
    /// Lowest score first.
    Ascending,
    /// Highest score first.
    Descending,
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Order::Ascending => "ascending",
            Order::Descending => "descending",
        })
    }
}

/// Orders `(layer, neuron, score)` entries by score.
///
/// Exactly equal scores (dead neurons all score 0; `-0.0 == 0.0`) go to the
/// lower layer, then the lower neuron index, in **both** orders. A NaN score
/// (which no built-in measure gives) ranks after every number, in both orders.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{Order, rank};
///
/// let entries = [(1, 0, 0.5), (0, 2, 0.0), (0, 1, 0.5), (1, 1, 0.0)];
/// assert_eq!(rank(&entries, Order::Descending), vec![(0, 1), (1, 0), (0, 2), (1, 1)]);
/// assert_eq!(rank(&entries, Order::Ascending), vec![(0, 2), (1, 1), (0, 1), (1, 0)]);
/// ```
pub fn rank(entries: &[(usize, usize, f64)], order: Order) -> Vec<(usize, usize)> {
    let mut sorted: Vec<&(usize, usize, f64)> = entries.iter().collect();
    sorted.sort_by(|a, b| compare_scores(a.2, b.2, order).then((a.0, a.1).cmp(&(b.0, b.1))));
    sorted.into_iter().map(|&(layer, neuron, _)| (layer, neuron)).collect()
}

fn compare_scores(a: f64, b: f64, order: Order) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let by_value = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            match order {
                Order::Ascending => by_value,
                Order::Descending => by_value.reverse(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_goes_last_and_signed_zeros_tie() {
        let entries = [(0, 0, f64::NAN), (0, 1, -0.0), (0, 2, 0.0), (0, 3, 1.0)];
        assert_eq!(rank(&entries, Order::Descending), vec![(0, 3), (0, 1), (0, 2), (0, 0)]);
        assert_eq!(rank(&entries, Order::Ascending), vec![(0, 1), (0, 2), (0, 3), (0, 0)]);
    }
}
