//! Invariants of the pair measures on random tables, the solvers against
//! each other, and the count tables against one pass per pair.

use approx::assert_abs_diff_eq;
use infoablate::measures::{LayerQuantizer, Quantizer, Units};
use infoablate::pairs::{
    NullModel, NullSpec, PairAnalysis, PairCounts, PairMeasures, PairRecorder, PairSettings, PairTable, all_pairs,
    null_test, red_broja, red_broja_conic,
};
use ndarray::{Array2, s};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Slack for the closed forms and the exact `red_prec` (rounding only).
const ROUNDING: f64 = 1e-9;
/// Slack for comparisons that involve `red_broja` (a convex program).
const SOLVER: f64 = 1e-6;

fn random_table(bins1: usize, bins2: usize, classes: usize) -> impl Strategy<Value = PairTable> {
    prop::collection::vec(0_u64..12, bins1 * bins2 * classes)
        .prop_filter("two classes with samples", move |counts| {
            (0..classes)
                .filter(|&y| counts.iter().skip(y).step_by(classes).any(|&n| n > 0))
                .count()
                >= 2
        })
        .prop_map(move |counts| PairTable::from_counts(bins1, bins2, classes, counts).unwrap())
}

fn check_invariants(t: &PairTable) {
    let m = PairMeasures::compute(t, &PairSettings::default()).unwrap();
    let (broja, prec) = (m.red_broja.unwrap(), m.red_prec.unwrap());
    let cap = m.mi_1.min(m.mi_2);
    for red in [m.red_mmi, m.red_wb, prec] {
        assert!(
            (-ROUNDING..=cap + ROUNDING).contains(&red),
            "{red} outside [0, {cap}]: {m:?}"
        );
    }
    assert!((-SOLVER..=cap + SOLVER).contains(&broja), "{m:?}");
    assert!(prec <= broja + SOLVER, "red_prec > red_broja: {m:?}");
    assert!(broja <= m.red_mmi + SOLVER, "red_broja > red_mmi: {m:?}");
    assert!(m.red_wb >= prec - ROUNDING, "red_wb < red_prec: {m:?}");
    assert!(m.joint_mi >= m.mi_1.max(m.mi_2) - ROUNDING, "{m:?}");
    assert_abs_diff_eq!(m.interaction_info, m.joint_mi - m.mi_1 - m.mi_2, epsilon = ROUNDING);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn binary_pairs_keep_the_invariants(t in (2_usize..7).prop_flat_map(|c| random_table(2, 2, c))) {
        check_invariants(&t);
        // the dedicated solver against Clarabel
        let newton = red_broja(&t, Units::Bits).unwrap();
        let conic = red_broja_conic(&t, Units::Bits).unwrap();
        prop_assert!((newton - conic).abs() <= SOLVER, "newton {newton}, conic {conic}");
    }

    /// `T2 = f(T1)` is a garbling of `T1`: every redundancy is `I(T2;Y)`
    /// (Blackwell and BROJA exactly so, Williams–Beer by data processing per class).
    #[test]
    fn a_garbled_copy_shares_all_of_its_information(
        (classes, counts, merge) in (2_usize..6).prop_flat_map(|c| (Just(c), prop::collection::vec(0_u64..9, 4 * c), 0_usize..3))
    ) {
        let f = |t1: usize| match merge { 0 => usize::from(t1 >= 2), 1 => usize::from(t1 % 2 == 1), _ => t1.min(2) };
        let bins2 = if merge == 2 { 3 } else { 2 };
        let mut joint = vec![0; 4 * bins2 * classes];
        for t1 in 0..4 {
            for y in 0..classes {
                joint[(t1 * bins2 + f(t1)) * classes + y] = counts[t1 * classes + y];
            }
        }
        let t = PairTable::from_counts(4, bins2, classes, joint).unwrap();
        prop_assume!(t.class_totals().iter().filter(|&&n| n > 0).count() >= 2);
        let m = PairMeasures::compute(&t, &PairSettings::default()).unwrap();
        prop_assert!((m.red_prec.unwrap() - m.mi_2).abs() <= ROUNDING, "{m:?}");
        prop_assert!((m.red_wb - m.mi_2).abs() <= ROUNDING, "{m:?}");
        prop_assert!((m.red_broja.unwrap() - m.mi_2).abs() <= SOLVER, "{m:?}");
        prop_assert!((m.joint_mi - m.mi_1).abs() <= ROUNDING, "{m:?}");
    }

    #[test]
    fn multi_bin_pairs_keep_the_invariants(t in (2_usize..5).prop_flat_map(|c| random_table(3, 2, c))) {
        check_invariants(&t);
    }

    #[test]
    fn three_bin_pairs_keep_the_invariants(t in (2_usize..4).prop_flat_map(|c| random_table(3, 3, c))) {
        check_invariants(&t);
    }
}

/// ReLU-like activations, some neurons tied to a class, some copies.
fn activations(samples: usize, width: usize, classes: usize, seed: u64) -> (Array2<f32>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..samples).map(|_| rng.random_range(0..classes)).collect();
    let mut acts = Array2::from_shape_fn((samples, width), |(s, j)| {
        let boost = if labels[s] == j % classes { 0.7 } else { 0.0 };
        (rng.random_range(-1.0_f32..1.0) + boost).max(0.0)
    });
    let copy = acts.column(0).to_owned();
    acts.column_mut(width - 1).assign(&copy);
    (acts, labels)
}

fn one_pass_per_pair(acts: &Array2<f32>, labels: &[usize], classes: usize, q: &LayerQuantizer) -> Vec<PairTable> {
    all_pairs(acts.ncols())
        .iter()
        .map(|&(i, j)| {
            let (a, b) = (acts.column(i).to_vec(), acts.column(j).to_vec());
            PairTable::from_activations(&a, &b, labels, classes, (&q.neuron(i).unwrap(), &q.neuron(j).unwrap()))
                .unwrap()
        })
        .collect()
}

#[test]
fn gram_tables_equal_one_pass_per_pair_for_every_quantizer() {
    let (acts, labels) = activations(700, 7, 4, 1);
    for quantizer in [
        Quantizer::binary(0.0).unwrap(),
        Quantizer::equal_width(3).unwrap(),
        Quantizer::zero_and_equal_width(4).unwrap(),
        Quantizer::equal_frequency(5).unwrap(),
    ] {
        let q = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
        let counts = PairCounts::from_activations(acts.view(), &labels, 4, &q, &all_pairs(7)).unwrap();
        assert_eq!(
            counts.tables(),
            &one_pass_per_pair(&acts, &labels, 4, &q)[..],
            "{quantizer}"
        );
        assert_eq!(counts.num_samples(), 700);
    }
}

#[test]
fn streaming_equals_dense_and_merge_equals_one_pass() {
    let (acts, labels) = activations(1000, 6, 3, 2);
    let q = LayerQuantizer::fit(Quantizer::equal_width(3).unwrap(), acts.view()).unwrap();
    let pairs = [(0, 5), (2, 1), (3, 4)];
    let dense = PairCounts::from_activations(acts.view(), &labels, 3, &q, &pairs).unwrap();
    let mut recorder = PairRecorder::new(q.clone(), 3, &pairs).unwrap();
    for start in (0..1000).step_by(130) {
        let end = (start + 130).min(1000);
        recorder
            .observe(acts.slice(s![start..end, ..]), &labels[start..end])
            .unwrap();
    }
    assert_eq!(recorder.counts(), &dense);
    let mut first = PairCounts::from_activations(acts.slice(s![..400, ..]), &labels[..400], 3, &q, &pairs).unwrap();
    let rest = PairCounts::from_activations(acts.slice(s![400.., ..]), &labels[400..], 3, &q, &pairs).unwrap();
    first.merge(&rest).unwrap();
    assert_eq!(first, dense);
    let other = PairCounts::from_activations(acts.view(), &labels, 3, &q, &pairs[..2]).unwrap();
    assert!(first.merge(&other).is_err());
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&dense).unwrap();
        let back: PairCounts = serde_json::from_str(&json).unwrap();
        assert_eq!(back, dense);
        let broken = json.replacen("\"num_samples\":1000", "\"num_samples\":999", 1);
        assert!(serde_json::from_str::<PairCounts>(&broken).is_err());
    }
}

#[test]
fn bad_pairs_batches_and_labels_are_typed_errors() {
    let (acts, labels) = activations(50, 4, 2, 3);
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    for pairs in [vec![(0, 4)], vec![(2, 2)]] {
        let err = PairCounts::from_activations(acts.view(), &labels, 2, &q, &pairs).unwrap_err();
        assert!(err.to_string().contains("pair"), "{err}");
    }
    let err = PairCounts::from_activations(acts.view(), &labels[..49], 2, &q, &[(0, 1)]).unwrap_err();
    assert!(err.to_string().contains("49 labels"), "{err}");
    let mut bad = labels.clone();
    bad[7] = 2;
    let err = PairCounts::from_activations(acts.view(), &bad, 2, &q, &[(0, 1)]).unwrap_err();
    assert!(err.to_string().contains("label 2 of sample 7"), "{err}");
    let mut nan = acts.clone();
    nan[[3, 1]] = f32::NAN;
    let err = PairCounts::from_activations(nan.view(), &labels, 2, &q, &[(0, 1)]).unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
    // one class only
    let counts = PairCounts::from_activations(acts.view(), &vec![1; 50], 2, &q, &[(0, 1)]).unwrap();
    let err = PairAnalysis::compute(&counts, &PairSettings::default()).unwrap_err();
    assert!(err.to_string().contains("1 class(es)"), "{err}");
    assert!(PairTable::new(1 << 13, 1 << 13, 10).is_err());
    let too_many = all_pairs(3000);
    let err = PairCounts::new(3000, 10, 10, &too_many).unwrap_err();
    assert!(err.to_string().contains("count fewer pairs"), "{err}");
}

#[test]
fn matrices_top_pairs_and_schedules() {
    let (acts, labels) = activations(4000, 5, 2, 4);
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let counts = PairCounts::from_activations(acts.view(), &labels, 2, &q, &all_pairs(5)).unwrap();
    let analysis = PairAnalysis::compute(&counts, &PairSettings::default()).unwrap();
    assert!(analysis.sample_size_warning().is_none());
    let m = analysis.matrix("red_prec").unwrap();
    assert!(m[[1, 1]].is_nan());
    assert_eq!(m[[0, 3]], m[[3, 0]]);
    // neuron 4 copies neuron 0: the only pair with no unique information
    let top = analysis
        .top_k("unique_1_prec", 1, infoablate::measures::Order::Ascending)
        .unwrap();
    assert_eq!(top[0].0, (0, 4));
    let copy = analysis.get(4, 0).unwrap();
    assert_abs_diff_eq!(copy.red_prec.unwrap(), copy.mi_1, epsilon = ROUNDING);
    assert_abs_diff_eq!(copy.red_broja.unwrap(), copy.mi_1, epsilon = SOLVER);
    let means = analysis.neuron_means("synergy_wb").unwrap();
    let column = analysis.column("synergy_wb").unwrap();
    let by_hand: f64 = analysis
        .pairs()
        .iter()
        .zip(&column)
        .filter(|(p, _)| p.0 == 2 || p.1 == 2)
        .map(|(_, v)| v)
        .sum::<f64>()
        / 4.0;
    assert_abs_diff_eq!(means[2], by_hand, epsilon = 1e-15);
    let schedule = analysis
        .schedule("synergy_wb", 1, infoablate::measures::Order::Descending)
        .unwrap();
    let order = infoablate::ablation::AblationSchedule::neurons(&schedule, &[3, 5]).unwrap();
    let most = (0..5).max_by(|&a, &b| means[a].total_cmp(&means[b])).unwrap();
    assert_eq!((order.len(), order[0]), (5, (1, most)));
    assert!(analysis.column("no_such_column").is_err());
    let csv = analysis.to_csv();
    assert!(csv.starts_with("i,j,mi_1,mi_2,joint_mi,interaction_info,red_mmi,red_wb,red_broja,red_prec,"));
    assert_eq!(csv.lines().count(), 11);
}

#[test]
fn null_models_keep_what_they_should() {
    let (acts, labels) = activations(3000, 4, 3, 5);
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let pairs = all_pairs(4);
    let run = |model, seed| {
        null_test(
            acts.view(),
            &labels,
            3,
            &q,
            &pairs,
            &PairSettings::default(),
            NullSpec {
                model,
                shuffles: 19,
                seed,
                solved: false,
            },
        )
        .unwrap()
    };
    let within = run(NullModel::WithinClassShuffle, 9);
    // the shuffle keeps p(t1, y) and p(t2, y): mi_1, mi_2, red_mmi and red_wb are unchanged
    for column in ["mi_1", "mi_2", "red_mmi", "red_wb"] {
        for d in within.debiased(column).unwrap() {
            assert_abs_diff_eq!(d, 0.0, epsilon = 1e-12);
        }
    }
    // (the mutual informations come from the same integer marginals: exactly equal)
    assert!(within.p_values("mi_1").unwrap().iter().all(|&p| p == 1.0));
    // the copied neuron (3 copies 0) is far more redundant than any shuffle
    let copy = pairs.iter().position(|&p| p == (0, 3)).unwrap();
    assert_eq!(within.p_values("interaction_info").unwrap()[copy], 1.0);
    assert_eq!(within.p_values("joint_mi").unwrap()[copy], 1.0);
    let labels_null = run(NullModel::LabelPermutation, 9);
    assert_eq!(labels_null.p_values("mi_1").unwrap()[copy], 0.05);
    let again = run(NullModel::LabelPermutation, 9);
    assert_eq!(again, labels_null);
}

/// A pair too large for the conic BROJA program is a typed error naming the
/// pair, within a second, not a long factorisation.
#[test]
fn a_broja_program_past_its_cell_limit_names_the_pair() {
    use infoablate::Error;
    use infoablate::pairs::{MAX_BROJA_CELLS, PairsError};
    // Uniform values in [0, 1] over 20 equal-width bins and 12 classes: about
    // 20 · 20 · 12 = 4,800 free cells, past the limit.
    let mut rng = StdRng::seed_from_u64(9);
    let labels: Vec<usize> = (0..20_000).map(|_| rng.random_range(0..12)).collect();
    let acts = Array2::from_shape_fn((20_000, 3), |_| rng.random_range(0.0_f32..1.0));
    let q = LayerQuantizer::fit(Quantizer::equal_width(20).unwrap(), acts.view()).unwrap();
    let counts = PairCounts::from_activations(acts.view(), &labels, 12, &q, &[(0, 2)]).unwrap();
    let err = PairAnalysis::compute(&counts, &PairSettings::default()).unwrap_err();
    match err {
        Error::Pairs(PairsError::AtPair { i: 0, j: 2, source }) => {
            assert!(
                matches!(*source, PairsError::BrojaTooLarge { cells, limit } if cells > limit && limit == MAX_BROJA_CELLS),
                "{source}"
            );
        }
        other => panic!("expected the pair (0, 2) named, got {other}"),
    }
    // The closed forms alone still work on the same table.
    let closed = PairSettings {
        closed_forms_only: true,
        ..PairSettings::default()
    };
    assert!(PairAnalysis::compute(&counts, &closed).is_ok());
}

/// Asked to, the analysis records a failing pair (typed, listed) and goes on
/// with the others.
#[test]
fn recorded_failures_are_listed_and_the_other_pairs_measured() {
    use infoablate::pairs::{OnFailure, PairsError};
    let mut rng = StdRng::seed_from_u64(9);
    let labels: Vec<usize> = (0..20_000).map(|_| rng.random_range(0..12)).collect();
    // Neurons 0 and 2 fill 20 bins; neurons 1 and 3 take two values (two bins).
    let acts = Array2::from_shape_fn((20_000, 4), |(_, i)| {
        let v = rng.random_range(0.0_f32..1.0);
        if i % 2 == 1 { v.round() } else { v }
    });
    let q = LayerQuantizer::fit(Quantizer::equal_width(20).unwrap(), acts.view()).unwrap();
    let pairs = [(1, 3), (0, 2), (3, 1)];
    let counts = PairCounts::from_activations(acts.view(), &labels, 12, &q, &pairs).unwrap();
    let record = PairSettings {
        on_failure: OnFailure::Record,
        ..PairSettings::default()
    };
    let analysis = PairAnalysis::compute(&counts, &record).unwrap();
    assert_eq!(analysis.pairs(), &[(1, 3), (3, 1)]);
    assert_eq!(analysis.measures().len(), 2);
    let failures = analysis.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!((failures[0].i, failures[0].j), (0, 2));
    assert!(
        matches!(failures[0].error, PairsError::BrojaTooLarge { .. }),
        "{}",
        failures[0].error
    );
    // The measured pairs are those of a strict analysis of them alone.
    let fine = PairCounts::from_activations(acts.view(), &labels, 12, &q, &[(1, 3), (3, 1)]).unwrap();
    let strict = PairAnalysis::compute(&fine, &PairSettings::default()).unwrap();
    assert_eq!(strict.measures(), analysis.measures());
    assert!(strict.failures().is_empty());
    assert!(analysis.matrix("red_broja").unwrap()[[0, 2]].is_nan());
}

/// Re-solved nulls test every column; their draws are those of the
/// closed-form test with the same seed, so the closed-form columns agree.
#[test]
fn solved_nulls_test_every_column_on_the_same_draws() {
    use infoablate::pairs::COLUMNS;
    let (acts, labels) = activations(600, 3, 3, 8);
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let pairs = all_pairs(3);
    let run = |solved| {
        let spec = NullSpec {
            model: NullModel::WithinClassShuffle,
            shuffles: 9,
            seed: 4,
            solved,
        };
        null_test(acts.view(), &labels, 3, &q, &pairs, &PairSettings::default(), spec).unwrap()
    };
    let (cheap, solved) = (run(false), run(true));
    assert_eq!(solved.columns, COLUMNS.to_vec());
    assert!(
        cheap
            .columns
            .iter()
            .all(|c| !c.ends_with("broja") && !c.ends_with("prec"))
    );
    for column in &cheap.columns {
        assert_eq!(
            cheap.p_values(column).unwrap(),
            solved.p_values(column).unwrap(),
            "{column}"
        );
        assert_eq!(
            cheap.debiased(column).unwrap(),
            solved.debiased(column).unwrap(),
            "{column}"
        );
    }
    for column in ["red_broja", "red_prec", "synergy_broja"] {
        let p = solved.p_values(column).unwrap();
        assert!(p.iter().all(|p| (0.1..=1.0).contains(p)), "{column}: {p:?}");
        // the observed values are those of the analysis
        let counts = PairCounts::from_activations(acts.view(), &labels, 3, &q, &pairs).unwrap();
        let analysis = PairAnalysis::compute(&counts, &PairSettings::default()).unwrap();
        let observed: Vec<f64> = solved
            .observed
            .iter()
            .map(|row| row[COLUMNS.iter().position(|c| c == &column).unwrap()])
            .collect();
        assert_eq!(observed, analysis.column(column).unwrap());
    }
    assert!(cheap.p_values("red_broja").is_err());
}
