//! Spearman's rank correlation between two score vectors, with a seeded
//! permutation test: do two rankings of the same items agree?

use rand::Rng;
use rand::seq::SliceRandom;

use super::MeasureError;

/// A rank correlation and its permutation p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RankCorrelation {
    /// Spearman's `ρ`.
    pub rho: f64,
    /// Two-sided: `(1 + #{|ρ_perm| ≥ |ρ|}) / (1 + permutations)`.
    pub p_value: f64,
    /// Items compared.
    pub n: usize,
    /// Permutations drawn.
    pub permutations: usize,
}

/// Ranks from 1, ties sharing their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let mean = (start + end + 1) as f64 / 2.0;
        for &k in &order[start..end] {
            ranks[k] = mean;
        }
        start = end;
    }
    ranks
}

/// Centred ranks scaled to unit norm, so that `ρ` is a dot product.
fn standardised_ranks(values: &[f64], what: &'static str) -> Result<Vec<f64>, MeasureError> {
    if let Some((k, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MeasureError::Parameter {
            name: what,
            reason: format!("value {k} is {v} (not finite)"),
        });
    }
    let r = ranks(values);
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    let centred: Vec<f64> = r.iter().map(|v| v - mean).collect();
    let norm = centred.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Err(MeasureError::Parameter {
            name: what,
            reason: "all values are equal: a rank correlation is undefined".into(),
        });
    }
    Ok(centred.into_iter().map(|v| v / norm).collect())
}

/// Spearman's `ρ` of `x` and `y` (Pearson's correlation of their ranks,
/// ties at their mean rank), and a two-sided permutation p-value from
/// `permutations` shuffles of `y` drawn with `rng`.
///
/// # Errors
/// [`MeasureError::Parameter`] when the lengths differ, fewer than 2 items
/// are given, a value is not finite, or either side is constant (`ρ` is then
/// undefined).
///
/// # Examples
///
/// ```
/// use infoablate::measures::spearman;
/// use infoablate::rand::SeedableRng;
/// use infoablate::rand::rngs::StdRng;
///
/// let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
/// let y = [10.0, 20.0, 25.0, 30.0, 70.0, 80.0, 200.0]; // monotone in x
/// let test = spearman(&x, &y, 999, &mut StdRng::seed_from_u64(1))?;
/// assert_eq!(test.rho, 1.0);
/// assert!(test.p_value < 0.01); // only 2 of 5,040 orders reach |ρ| = 1
/// let flat = spearman(&x, &[1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0], 99, &mut StdRng::seed_from_u64(1))?;
/// assert!(flat.rho.abs() < 0.2 && flat.p_value > 0.5);
/// assert!(spearman(&x, &[2.0; 7], 99, &mut StdRng::seed_from_u64(1)).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn spearman(
    x: &[f64],
    y: &[f64],
    permutations: usize,
    rng: &mut impl Rng,
) -> Result<RankCorrelation, MeasureError> {
    if x.len() != y.len() || x.len() < 2 {
        return Err(MeasureError::Parameter {
            name: "rank correlation",
            reason: format!(
                "needs two vectors of the same length ≥ 2, got {} and {}",
                x.len(),
                y.len()
            ),
        });
    }
    let rx = standardised_ranks(x, "first vector of a rank correlation")?;
    let mut ry = standardised_ranks(y, "second vector of a rank correlation")?;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(u, v)| u * v).sum::<f64>().clamp(-1.0, 1.0);
    let rho = dot(&rx, &ry);
    // A shuffle that reaches |ρ| up to rounding counts as reaching it.
    let reach = rho.abs() - 1e-12;
    let mut hits = 0;
    for _ in 0..permutations {
        ry.shuffle(rng);
        hits += usize::from(dot(&rx, &ry).abs() >= reach);
    }
    Ok(RankCorrelation {
        rho,
        p_value: (1 + hits) as f64 / (1 + permutations) as f64,
        n: x.len(),
        permutations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Agreement with the textbook formula (no ties): `1 − 6 Σd² / (n(n²−1))`.
    #[test]
    fn equals_the_formula_without_ties_and_averages_ties() {
        let x = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0];
        let y = [2.0, 7.0, 1.0, 8.0, 2.5, 8.5, 0.5, 4.0];
        let (rx, ry) = (ranks(&x), ranks(&y));
        let n = x.len() as f64;
        let d2: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - b) * (a - b)).sum();
        let test = spearman(&x, &y, 0, &mut StdRng::seed_from_u64(0)).unwrap();
        assert_relative_eq!(test.rho, 1.0 - 6.0 * d2 / (n * (n * n - 1.0)), epsilon = 1e-12);
        assert_eq!(test.p_value, 1.0);
        assert_eq!(ranks(&[2.0, 1.0, 2.0, 3.0]), vec![2.5, 1.0, 2.5, 4.0]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut rng = StdRng::seed_from_u64(0);
        assert!(spearman(&[1.0, 2.0], &[1.0], 9, &mut rng).is_err());
        assert!(spearman(&[1.0], &[1.0], 9, &mut rng).is_err());
        assert!(spearman(&[1.0, f64::NAN], &[1.0, 2.0], 9, &mut rng).is_err());
    }
}
