//! Deterministic, seeded stratified splits and subsamples.
//!
//! Both helpers allocate the requested number of samples to classes in
//! proportion to the class frequencies, by largest-remainder rounding (ties
//! to the lower class), then pick that many samples of each class uniformly
//! at random with a [`StdRng`] seeded from the given `u64`. The same data and
//! seed give the same result (with the same `rand` version, re-exported as
//! [`infoablate::rand`](crate::rand)). Each part keeps the original sample
//! order.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index;

use super::{DataError, Dataset};
use crate::Result;

/// Splits `data` into `(rest, holdout)`, where `holdout` has exactly
/// `holdout` samples, stratified by class: the count is allocated to classes
/// in proportion to their frequencies (largest-remainder rounding, ties to
/// the lower class), and each class's share is drawn uniformly at random from
/// its samples with a [`StdRng`] seeded from `seed`. Every sample is in exactly one part; both keep the original order and
/// the class names.
///
/// Deterministic: the same data and `seed` give the same split (with the same
/// `rand` version).
///
/// # Errors
/// [`DataError::Parameter`] when `holdout` is 0 or `≥ data.len()`.
///
/// # Examples
///
/// ```
/// use infoablate::data::{Dataset, stratified_split};
/// use ndarray::Array2;
///
/// // 80 samples of class 0, 20 of class 1.
/// let labels: Vec<usize> = (0..100).map(|i| usize::from(i % 5 == 0)).collect();
/// let inputs = Array2::from_shape_fn((100, 1), |(i, _)| i as f32);
/// let data = Dataset::new(inputs, labels, 2)?;
///
/// let (rest, holdout) = stratified_split(&data, 10, 7)?;
/// assert_eq!(holdout.class_counts(), vec![8, 2]);
/// assert_eq!(rest.class_counts(), vec![72, 18]);
/// assert_eq!(stratified_split(&data, 10, 7)?, (rest, holdout)); // same seed, same split
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn stratified_split(data: &Dataset, holdout: usize, seed: u64) -> Result<(Dataset, Dataset)> {
    let len = data.len();
    if holdout == 0 || holdout >= len {
        let reason = if len < 2 {
            format!("{holdout}: a data set of {len} sample cannot be split (both parts need a sample)")
        } else {
            format!(
                "{holdout} must be between 1 and {} (the data set has {len} samples)",
                len - 1
            )
        };
        return Err(DataError::Parameter {
            name: "holdout",
            reason,
        }
        .into());
    }
    let chosen = choose(data, holdout, seed);
    let (held, rest): (Vec<usize>, Vec<usize>) = (0..data.len()).partition(|&i| chosen[i]);
    Ok((data.select(&rest)?, data.select(&held)?))
}

/// A stratified random subsample of `n` samples, in the original order,
/// class names kept. The allocation and the draw are those of
/// [`stratified_split`]: the subsample is exactly the holdout part of
/// `stratified_split(data, n, seed)`. For `n ≥ data.len()` it is a clone of
/// `data`.
///
/// Deterministic: the same data and `seed` give the same subsample (with the
/// same `rand` version).
///
/// # Errors
/// [`DataError::Parameter`] when `n` is 0.
///
/// # Examples
///
/// ```
/// use infoablate::data::{Dataset, stratified_subsample};
/// use ndarray::Array2;
///
/// let labels: Vec<usize> = (0..30).map(|i| i % 3).collect();
/// let data = Dataset::new(Array2::zeros((30, 2)), labels, 3)?;
///
/// let small = stratified_subsample(&data, 7, 1)?;
/// assert_eq!(small.class_counts(), vec![3, 2, 2]); // 7/3 each; remainders tie, lower classes first
/// assert_eq!(stratified_subsample(&data, 100, 1)?, data);
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn stratified_subsample(data: &Dataset, n: usize, seed: u64) -> Result<Dataset> {
    if n == 0 {
        return Err(DataError::Parameter {
            name: "n",
            reason: "a subsample needs at least one sample".into(),
        }
        .into());
    }
    if n >= data.len() {
        return Ok(data.clone());
    }
    let chosen = choose(data, n, seed);
    let idx: Vec<usize> = (0..data.len()).filter(|&i| chosen[i]).collect();
    data.select(&idx)
}

/// Samples per class for a stratified draw of `n ≤ Σ counts` samples:
/// largest-remainder rounding of `n · counts[k] / Σ counts`, ties to the
/// lower class.
fn allocate(counts: &[usize], n: usize) -> Vec<usize> {
    let total = counts.iter().sum::<usize>() as u128;
    if total == 0 {
        return vec![0; counts.len()];
    }
    let exact: Vec<u128> = counts.iter().map(|&c| n as u128 * c as u128).collect();
    let mut quota: Vec<usize> = exact.iter().map(|&e| (e / total) as usize).collect();
    let short = n.saturating_sub(quota.iter().sum());
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Stable sort: equal remainders keep the lower class first.
    order.sort_by_key(|&k| std::cmp::Reverse(exact[k] % total));
    for &k in order.iter().take(short) {
        quota[k] += 1;
    }
    quota
}

/// A mask of the samples drawn: `n` of them, stratified by class.
fn choose(data: &Dataset, n: usize, seed: u64) -> Vec<bool> {
    let mut by_class = vec![Vec::new(); data.num_classes()];
    for (i, &l) in data.labels().iter().enumerate() {
        by_class[l].push(i);
    }
    let counts: Vec<usize> = by_class.iter().map(Vec::len).collect();
    let quota = allocate(&counts, n);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut chosen = vec![false; data.len()];
    for (members, q) in by_class.iter().zip(quota) {
        for j in index::sample(&mut rng, members.len(), q.min(members.len())) {
            chosen[members[j]] = true;
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    /// 1000 samples over 4 classes with frequencies 50 %, 30 %, 15 %, 5 %,
    /// interleaved; the input is the sample index.
    fn data() -> Dataset {
        let labels: Vec<usize> = (0..1000)
            .map(|i| match i % 20 {
                0..10 => 0,
                10..16 => 1,
                16..19 => 2,
                _ => 3,
            })
            .collect();
        let inputs = Array2::from_shape_fn((1000, 1), |(i, _)| i as f32);
        Dataset::new(inputs, labels, 4).unwrap()
    }

    fn ids(d: &Dataset) -> Vec<usize> {
        d.inputs().column(0).iter().map(|&x| x as usize).collect()
    }

    #[test]
    fn allocation_is_largest_remainder() {
        assert_eq!(allocate(&[500, 300, 150, 50], 100), vec![50, 30, 15, 5]);
        // 7 · (1/3 each): 2.33 each, one extra to the lowest class.
        assert_eq!(allocate(&[10, 10, 10], 7), vec![3, 2, 2]);
        // 10 · [0.45, 0.35, 0.2] = [4.5, 3.5, 2]: ties at .5, lower class first.
        assert_eq!(allocate(&[45, 35, 20], 10), vec![5, 3, 2]);
        // 3 · [0.6, 0.3, 0.1] = [1.8, 0.9, 0.3].
        assert_eq!(allocate(&[6, 3, 1], 3), vec![2, 1, 0]);
        assert_eq!(allocate(&[0, 5, 0], 2), vec![0, 2, 0]);
        assert_eq!(allocate(&[3, 3], 6), vec![3, 3]);
    }

    #[test]
    fn split_has_class_proportions() {
        let (rest, holdout) = stratified_split(&data(), 100, 3).unwrap();
        assert_eq!(holdout.len(), 100);
        assert_eq!(holdout.class_counts(), vec![50, 30, 15, 5]);
        assert_eq!(rest.class_counts(), vec![450, 270, 135, 45]);
        let (_, odd) = stratified_split(&data(), 37, 3).unwrap();
        // 37 · [.5, .3, .15, .05] = [18.5, 11.1, 5.55, 1.85] → [18, 11, 5, 1] + 2 to classes 3, 2.
        assert_eq!(odd.class_counts(), vec![18, 11, 6, 2]);
    }

    #[test]
    fn split_is_disjoint_complete_and_ordered() {
        let d = data();
        let (rest, holdout) = stratified_split(&d, 123, 11).unwrap();
        let (r, h) = (ids(&rest), ids(&holdout));
        assert!(r.windows(2).all(|w| w[0] < w[1]));
        assert!(h.windows(2).all(|w| w[0] < w[1]));
        let mut all = [r.clone(), h.clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        // Labels follow their samples.
        for (part, pid) in [(&rest, &r), (&holdout, &h)] {
            for (l, &i) in part.labels().iter().zip(pid) {
                assert_eq!(*l, d.labels()[i]);
            }
        }
    }

    #[test]
    fn same_seed_same_result_other_seed_other_result() {
        let d = data();
        assert_eq!(
            stratified_split(&d, 100, 5).unwrap(),
            stratified_split(&d, 100, 5).unwrap()
        );
        assert_ne!(
            stratified_split(&d, 100, 5).unwrap(),
            stratified_split(&d, 100, 6).unwrap()
        );
        let a = stratified_subsample(&d, 200, 9).unwrap();
        assert_eq!(a, stratified_subsample(&d, 200, 9).unwrap());
        assert_ne!(a, stratified_subsample(&d, 200, 10).unwrap());
        assert_eq!(a.class_counts(), vec![100, 60, 30, 10]);
    }

    #[test]
    fn subsample_equals_the_holdout_of_the_same_draw() {
        let d = data();
        let (_, holdout) = stratified_split(&d, 64, 2).unwrap();
        assert_eq!(stratified_subsample(&d, 64, 2).unwrap(), holdout);
    }

    #[test]
    fn bad_sizes_are_errors() {
        let d = data();
        assert!(stratified_split(&d, 0, 1).is_err());
        assert!(stratified_split(&d, 1000, 1).is_err());
        assert!(stratified_split(&d, 999, 1).is_ok());
        let message = |d: &Dataset, holdout| stratified_split(d, holdout, 1).unwrap_err().to_string();
        let four = d.head(4).unwrap();
        assert_eq!(
            message(&four, 0),
            "invalid holdout: 0 must be between 1 and 3 (the data set has 4 samples)"
        );
        assert_eq!(
            message(&four, 4),
            "invalid holdout: 4 must be between 1 and 3 (the data set has 4 samples)"
        );
        assert_eq!(
            message(&d.head(1).unwrap(), 1),
            "invalid holdout: 1: a data set of 1 sample cannot be split (both parts need a sample)"
        );
        assert!(stratified_subsample(&d, 0, 1).is_err());
        assert_eq!(stratified_subsample(&d, 1000, 1).unwrap(), d);
        assert_eq!(stratified_subsample(&d, 5000, 1).unwrap(), d);
    }

    #[test]
    fn class_names_are_kept() {
        let d = data()
            .with_class_names(["a", "b", "c", "d"].map(String::from).to_vec())
            .unwrap();
        let (rest, holdout) = stratified_split(&d, 10, 0).unwrap();
        assert_eq!(rest.class_names(), d.class_names());
        assert_eq!(holdout.class_names(), d.class_names());
    }
}
