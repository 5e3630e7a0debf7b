//! Property tests: bounds, invariances, mergeability, dense = streaming.

use infoablate::measures::{
    CountTable, Estimator, LayerCounts, LayerQuantizer, Quantizer, StreamingRecorder, Units, class_entropy, entropy,
    kl_selectivity, mutual_information,
};
use infoablate::record::ActivationRecorder;
use ndarray::Array2;
use proptest::prelude::*;

/// Rounding slack of sums of a few dozen logarithms.
const EPS: f64 = 1e-12;

/// A table with at least one sample: (bins, classes, counts).
fn tables() -> impl Strategy<Value = CountTable> {
    (1_usize..7, 1_usize..6).prop_flat_map(|(bins, classes)| {
        prop::collection::vec(0_u64..30, bins * classes)
            .prop_filter("at least one sample", |c| c.iter().any(|&n| n > 0))
            .prop_map(move |counts| CountTable::from_counts(bins, classes, counts).unwrap())
    })
}

/// Activations (`samples × width`, ReLU-like with exact zeros and repeats)
/// and labels of `classes` classes.
fn layers() -> impl Strategy<Value = (Array2<f32>, Vec<usize>, usize)> {
    (1_usize..40, 1_usize..150, 1_usize..5).prop_flat_map(|(samples, width, classes)| {
        (
            prop::collection::vec(
                prop_oneof![Just(0.0_f32), -2.0_f32..5.0, Just(1.5_f32)],
                samples * width,
            ),
            prop::collection::vec(0..classes, samples),
        )
            .prop_map(move |(values, labels)| {
                (
                    Array2::from_shape_vec((samples, width), values).unwrap(),
                    labels,
                    classes,
                )
            })
    })
}

fn quantizers() -> impl Strategy<Value = Quantizer> {
    prop_oneof![
        (-1.0_f64..2.0).prop_map(|t| Quantizer::binary(t).unwrap()),
        // thresholds equal to values the layers repeat: `a > t` is strict
        prop::sample::select(vec![0.0, 1.5]).prop_map(|t| Quantizer::binary(t).unwrap()),
        (1_usize..12).prop_map(|b| Quantizer::equal_width(b).unwrap()),
        (2_usize..12).prop_map(|b| Quantizer::zero_and_equal_width(b).unwrap()),
        (1_usize..12).prop_map(|b| Quantizer::equal_frequency(b).unwrap()),
    ]
}

fn permuted(table: &CountTable, bins: &[usize], classes: &[usize]) -> CountTable {
    let (b, c) = (table.bins(), table.classes());
    let mut counts = vec![0; b * c];
    for (i, &pb) in bins.iter().enumerate() {
        for (j, &pc) in classes.iter().enumerate() {
            counts[pb * c + pc] = table.get(i, j).unwrap();
        }
    }
    CountTable::from_counts(b, c, counts).unwrap()
}

fn info(table: &CountTable) -> [f64; 3] {
    let (p, u) = (Estimator::PlugIn, Units::Bits);
    [
        entropy(table, p, u).unwrap(),
        mutual_information(table, p, u).unwrap(),
        kl_selectivity(table, p, u).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn information_bounds(table in tables()) {
        let [h, i, kl] = info(&table);
        let hy = class_entropy(&table, Estimator::PlugIn, Units::Bits).unwrap();
        prop_assert!(i >= -EPS, "I = {i}");
        prop_assert!(i <= h.min(hy) + EPS, "I = {i}, H(T) = {h}, H(Y) = {hy}");
        prop_assert!(i <= kl + EPS, "I = {i}, KLsel = {kl}");
        let n = table.total() as f64;
        let max_surprise = table
            .class_totals()
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| -(c as f64 / n).log2())
            .fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(kl <= max_surprise + EPS, "KLsel = {kl}, max −log p(y) = {max_surprise}");
        prop_assert!(h >= 0.0 && kl >= -EPS);
    }

    #[test]
    fn invariant_under_permuting_bins_and_classes(
        (table, bins, classes) in tables().prop_flat_map(|t| {
            let (b, c) = (t.bins(), t.classes());
            (Just(t), Just((0..b).collect::<Vec<_>>()).prop_shuffle(), Just((0..c).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let before = info(&table);
        let after = info(&permuted(&table, &bins, &classes));
        for (a, b) in before.iter().zip(after) {
            prop_assert!((a - b).abs() <= EPS, "{before:?} vs {after:?}");
        }
        let mm = |t: &CountTable| mutual_information(t, Estimator::MillerMadow, Units::Nats).unwrap();
        prop_assert!((mm(&table) - mm(&permuted(&table, &bins, &classes))).abs() <= EPS);
    }

    #[test]
    fn merged_tables_equal_the_table_of_the_union(
        ((acts, labels, classes), quantizer, split) in (layers(), quantizers(), 0.0_f64..1.0)
    ) {
        let q = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
        let union = LayerCounts::from_activations(0, acts.view(), &labels, classes, &q).unwrap();
        let k = ((acts.nrows() as f64 * split) as usize).clamp(1, acts.nrows());
        let mut merged = LayerCounts::from_activations(0, acts.slice(ndarray::s![..k, ..]), &labels[..k], classes, &q).unwrap();
        if k < acts.nrows() {
            let rest = LayerCounts::from_activations(0, acts.slice(ndarray::s![k.., ..]), &labels[k..], classes, &q).unwrap();
            merged.merge(&rest).unwrap();
        }
        prop_assert_eq!(merged.class_counts(), union.class_counts());
        for j in 0..acts.ncols() {
            prop_assert_eq!(merged.table(j), union.table(j));
            let (m, u) = (merged.moments(j).unwrap(), union.moments(j).unwrap());
            prop_assert!((m.mean() - u.mean()).abs() <= 1e-9 && (m.variance() - u.variance()).abs() <= 1e-9);
            for (a, b) in merged.class_sums(j).unwrap().iter().zip(union.class_sums(j).unwrap()) {
                prop_assert!((a - b).abs() <= 1e-9);
            }
        }
    }

    #[test]
    fn dense_and_streaming_agree_exactly(
        ((acts, labels, classes), quantizer, batch) in (layers(), quantizers(), 1_usize..17)
    ) {
        let q = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
        let dense = LayerCounts::from_activations(3, acts.view(), &labels, classes, &q).unwrap();
        let mut stream = StreamingRecorder::new(vec![(3, q)], classes).unwrap();
        for start in (0..acts.nrows()).step_by(batch) {
            let end = (start + batch).min(acts.nrows());
            stream.observe(3, start, acts.slice(ndarray::s![start..end, ..]), &labels[start..end]).unwrap();
        }
        let streamed = stream.finish().unwrap();
        prop_assert_eq!(&streamed[0], &dense);
    }

    #[test]
    fn tables_count_the_bins_of_the_fitted_quantizers(
        ((acts, labels, classes), quantizer) in (layers(), quantizers())
    ) {
        let q = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
        let counts = LayerCounts::from_activations(0, acts.view(), &labels, classes, &q).unwrap();
        for j in 0..acts.ncols() {
            let f = q.neuron(j).unwrap();
            let mut want = vec![0_u64; f.bins() * classes];
            for (&a, &y) in acts.column(j).iter().zip(&labels) {
                want[f.bin(a) * classes + y] += 1;
            }
            let table = counts.table(j).unwrap();
            for b in 0..f.bins() {
                for y in 0..classes {
                    prop_assert_eq!(table.get(b, y), Some(want[b * classes + y]), "neuron {} bin {} class {}", j, b, y);
                }
            }
        }
    }

    #[test]
    fn fitted_bins_are_in_range(
        ((acts, _, _), quantizer, probe) in (layers(), quantizers(), prop::collection::vec(-1e6_f32..1e6, 1..20))
    ) {
        let q = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
        for j in 0..q.width() {
            let f = q.neuron(j).unwrap();
            for &a in probe.iter().chain(acts.column(j).iter()) {
                prop_assert!(f.bin(a) < f.bins());
            }
        }
    }
}
