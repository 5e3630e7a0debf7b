//! Analytic and hand-computed cases for every measure, and the edge cases.

use std::f64::consts::LN_2;

use approx::assert_abs_diff_eq;
use infoablate::Error;
use infoablate::data::DataError;
use infoablate::measures::{
    ClassSelectivityIndex, CountTable, Entropy, Estimator, InfoMeasure, KlSelectivity, LayerCounts, LayerQuantizer,
    MeasureError, MeasureSettings, MutualInformation, OutgoingWeightNorm, Quantizer, RandomScore, Scores,
    StreamingRecorder, Units, Variance, analyze, class_entropy, entropy, joint_entropy, kl_selectivity,
    mutual_information,
};
use infoablate::network::{Activation, Mlp, Network};
use infoablate::record::{ActivationRecorder, RecordError, Recording};
use ndarray::{Array2, array};

/// Sums of a few logarithms: a few ulps.
const TOL: f64 = 1e-12;

fn log2(x: f64) -> f64 {
    x.log2()
}

/// Scores of one layer under `settings`.
fn scores_of(acts: Array2<f32>, labels: Vec<usize>, classes: usize, settings: &MeasureSettings) -> Scores {
    let rec = Recording::new(vec![0], vec![acts], labels, classes).unwrap();
    analyze(&rec, settings, None).unwrap()
}

/// Four samples, labels 0 0 1 1; neuron 0 copies the label, neuron 1 is
/// always active, neuron 2 fires once, for class 0.
fn small() -> (Array2<f32>, Vec<usize>) {
    (
        array![[0.0_f32, 1.0, 0.0], [0.0, 2.0, 1.0], [3.0, 1.0, 0.0], [1.0, 2.0, 0.0]],
        vec![0, 0, 1, 1],
    )
}

#[test]
fn hand_computed_binary_plug_in() {
    let (acts, labels) = small();
    let s = scores_of(acts, labels, 2, &MeasureSettings::default());
    let h2 = -(0.75 * log2(0.75) + 0.25 * log2(0.25));
    let i2 = 0.25 * log2(2.0 / 3.0) + 0.5 * log2(4.0 / 3.0) + 0.25 * log2(2.0);
    let expected = [
        ("entropy", [1.0, 0.0, h2]),
        ("mutual_info", [1.0, 0.0, i2]),
        ("kl_selectivity", [1.0, 0.0, log2(4.0 / 3.0)]),
        ("csi", [1.0, 0.0, 1.0]),
    ];
    for (name, values) in expected {
        for (got, want) in s.get(name, 0).unwrap().iter().zip(values) {
            assert_abs_diff_eq!(*got, want, epsilon = TOL);
        }
    }
    assert_abs_diff_eq!(i2, h2 - 0.5, epsilon = TOL);
}

#[test]
fn hand_computed_miller_madow_and_nats() {
    let (acts, labels) = small();
    let settings = MeasureSettings::default()
        .with_estimator(Estimator::MillerMadow)
        .with_units(Units::Nats);
    let s = scores_of(acts, labels, 2, &settings);
    let n = 4.0;
    // neuron 0: 2 occupied bins, 2 classes, 2 occupied cells.
    let h0 = LN_2 + 1.0 / (2.0 * n);
    let i0 = (LN_2 + 1.0 / (2.0 * n)) + (LN_2 + 1.0 / (2.0 * n)) - (LN_2 + 1.0 / (2.0 * n));
    // neuron 2: H(T) + 1/8, H(Y) + 1/8, H(T,Y) = 1.5 ln 2 + 2/8.
    let ht = -(0.75 * 0.75_f64.ln() + 0.25 * 0.25_f64.ln());
    let h2 = ht + 1.0 / (2.0 * n);
    let i2 = h2 + (LN_2 + 1.0 / (2.0 * n)) - (1.5 * LN_2 + 2.0 / (2.0 * n));
    let ent = s.get("entropy", 0).unwrap();
    let mi = s.get("mutual_info", 0).unwrap();
    assert_abs_diff_eq!(ent[0], h0, epsilon = TOL);
    assert_abs_diff_eq!(ent[1], 0.0, epsilon = TOL); // one occupied bin: no correction
    assert_abs_diff_eq!(ent[2], h2, epsilon = TOL);
    assert_abs_diff_eq!(mi[0], i0, epsilon = TOL);
    assert_abs_diff_eq!(mi[2], i2, epsilon = TOL);
    // KL selectivity stays plug-in, in nats.
    assert_abs_diff_eq!(
        s.get("kl_selectivity", 0).unwrap()[2],
        (4.0_f64 / 3.0).ln(),
        epsilon = TOL
    );
    let kl_column = &s.measures()[2];
    assert_eq!(
        (kl_column.estimator, kl_column.units),
        (Some(Estimator::PlugIn), Some(Units::Nats))
    );
    assert_eq!(s.measures()[0].estimator, Some(Estimator::MillerMadow));
}

#[test]
fn miller_madow_on_a_hand_table() {
    // n[b][y] = [[3, 1], [0, 2], [1, 1]], N = 8.
    let t = CountTable::from_counts(3, 2, vec![3, 1, 0, 2, 1, 1]).unwrap();
    let n = 8.0;
    let h = |ps: &[f64]| -ps.iter().filter(|&&p| p > 0.0).map(|&p| p * p.ln()).sum::<f64>();
    let ht = h(&[4.0 / n, 2.0 / n, 2.0 / n]) + 2.0 / (2.0 * n);
    let hy = h(&[4.0 / n, 4.0 / n]) + 1.0 / (2.0 * n);
    let hty = h(&[3.0 / n, 1.0 / n, 2.0 / n, 1.0 / n, 1.0 / n]) + 4.0 / (2.0 * n);
    let mm = Estimator::MillerMadow;
    assert_abs_diff_eq!(entropy(&t, mm, Units::Nats).unwrap(), ht, epsilon = TOL);
    assert_abs_diff_eq!(class_entropy(&t, mm, Units::Nats).unwrap(), hy, epsilon = TOL);
    assert_abs_diff_eq!(joint_entropy(&t, mm, Units::Nats).unwrap(), hty, epsilon = TOL);
    assert_abs_diff_eq!(
        mutual_information(&t, mm, Units::Nats).unwrap(),
        ht + hy - hty,
        epsilon = TOL
    );
    assert_abs_diff_eq!(
        mutual_information(&t, mm, Units::Bits).unwrap(),
        (ht + hy - hty) / LN_2,
        epsilon = TOL
    );
    assert!(matches!(
        kl_selectivity(&t, mm, Units::Bits),
        Err(MeasureError::Unsupported {
            estimator: Estimator::MillerMadow,
            ..
        })
    ));
    // The plug-in values of the same table.
    let p = Estimator::PlugIn;
    let i = mutual_information(&t, p, Units::Nats).unwrap();
    // I = H(Y) − H(Y|T), with H(Y|T) = Σ_b p(b) H(Y | T = b).
    let h_y_given_t = 0.5 * h(&[0.75, 0.25]) + 0.25 * h(&[0.0, 1.0]) + 0.25 * h(&[0.5, 0.5]);
    assert_abs_diff_eq!(i, LN_2 - h_y_given_t, epsilon = TOL);
    // D(class 0) = Σ p(b|0) log(p(b|0)/p(b)) with p(·|0) = (3/4, 0, 1/4), p = (1/2, 1/4, 1/4).
    let d0 = 0.75 * (0.75_f64 / 0.5).ln() + 0.25 * (0.25_f64 / 0.25).ln();
    let d1 = 0.25 * (0.25_f64 / 0.5).ln() + 0.5 * (0.5_f64 / 0.25).ln() + 0.25 * (0.25_f64 / 0.25).ln();
    assert_abs_diff_eq!(kl_selectivity(&t, p, Units::Nats).unwrap(), d0.max(d1), epsilon = TOL);
    assert_abs_diff_eq!(i, 0.5 * d0 + 0.5 * d1, epsilon = TOL);
}

#[test]
fn uniform_neuron_has_entropy_log_b() {
    for bins in [2_usize, 3, 5, 8] {
        // 0 … 7B−1 split by its quantiles: 7 values per bin.
        let n = bins * 7;
        let acts = Array2::from_shape_fn((n, 1), |(s, _)| s as f32);
        let fitted = LayerQuantizer::fit(Quantizer::equal_frequency(bins).unwrap(), acts.view()).unwrap();
        let counts = LayerCounts::from_activations(0, acts.view(), &vec![0; n], 1, &fitted).unwrap();
        let table = counts.table(0).unwrap();
        assert_eq!(table.bin_totals(), vec![7; bins]);
        let h_bits = entropy(table, Estimator::PlugIn, Units::Bits).unwrap();
        assert_abs_diff_eq!(h_bits, (bins as f64).log2(), epsilon = TOL);
        let h_nats = entropy(table, Estimator::PlugIn, Units::Nats).unwrap();
        assert_abs_diff_eq!(h_nats, (bins as f64).ln(), epsilon = TOL);
    }
}

#[test]
fn neuron_copying_the_label_has_mutual_information_h_y() {
    let labels = vec![0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
    let acts = Array2::from_shape_fn((labels.len(), 1), |(s, _)| labels[s] as f32);
    let s = scores_of(
        acts,
        labels.clone(),
        3,
        &MeasureSettings::new(Quantizer::equal_width(3).unwrap()),
    );
    let p = [0.4, 0.2, 0.4];
    let hy = -p.iter().map(|&p: &f64| p * p.log2()).sum::<f64>();
    assert_abs_diff_eq!(s.get("mutual_info", 0).unwrap()[0], hy, epsilon = TOL);
    assert_abs_diff_eq!(s.get("entropy", 0).unwrap()[0], hy, epsilon = TOL);
    // KL selectivity: max_y −log p(y), reached by the rarest class.
    assert_abs_diff_eq!(s.get("kl_selectivity", 0).unwrap()[0], -(0.2_f64).log2(), epsilon = TOL);
}

#[test]
fn csi_hand_computed_on_signed_and_three_classes() {
    // means per class: 1, 4, 1 → (4 − 1) / (4 + 1) = 0.6; a tanh-like neuron: 0.5, −0.5 → reported as computed.
    let acts = array![
        [1.0_f32, 0.5],
        [4.0, -0.5],
        [1.0, 0.5],
        [4.0, -0.5],
        [0.0, 0.5],
        [2.0, -0.5]
    ];
    let labels = vec![0, 1, 2, 1, 0, 2];
    let s = scores_of(acts, labels, 3, &MeasureSettings::default());
    let csi = s.get("csi", 0).unwrap();
    // class means of neuron 0: (1+0)/2 = 0.5, 4, (1+2)/2 = 1.5 → (4 − 1) / (4 + 1)
    assert_abs_diff_eq!(csi[0], 0.6, epsilon = TOL);
    // neuron 1: means 0.5, −0.5, 0 → max 0.5, rest −0.25 → 0.75 / 0.25 = 3
    assert_abs_diff_eq!(csi[1], 3.0, epsilon = TOL);
}

#[test]
fn constant_and_dead_neurons() {
    // neuron 0 constant 2.5, neuron 1 an all-zero ReLU neuron.
    let acts = array![[2.5_f32, 0.0], [2.5, 0.0], [2.5, 0.0], [2.5, 0.0]];
    let labels = vec![0, 1, 0, 1];
    for quantizer in [
        Quantizer::binary(0.0).unwrap(),
        Quantizer::equal_width(4).unwrap(),
        Quantizer::zero_and_equal_width(4).unwrap(),
        Quantizer::equal_frequency(4).unwrap(),
    ] {
        let settings = MeasureSettings::new(quantizer).with_variance();
        let s = scores_of(acts.clone(), labels.clone(), 2, &settings);
        for name in ["entropy", "mutual_info", "kl_selectivity", "csi", "variance"] {
            assert_eq!(s.get(name, 0).unwrap(), &[0.0, 0.0], "{name} with {quantizer}");
        }
    }
}

#[test]
fn values_outside_the_fitted_range_clamp() {
    let analysis = array![[0.0_f32, 0.0], [1.0, 2.0]];
    let q = LayerQuantizer::fit(Quantizer::equal_width(4).unwrap(), analysis.view()).unwrap();
    let evaluation = array![[-5.0_f32, -1.0], [7.0, 2.5], [0.5, 1.0]];
    let counts = LayerCounts::from_activations(0, evaluation.view(), &[0, 0, 0], 1, &q).unwrap();
    assert_eq!(counts.table(0).unwrap().as_slice(), &[1, 0, 1, 1]);
    assert_eq!(counts.table(1).unwrap().as_slice(), &[1, 0, 1, 1]);
    let z = LayerQuantizer::fit(Quantizer::zero_and_equal_width(3).unwrap(), analysis.view()).unwrap();
    let counts = LayerCounts::from_activations(0, evaluation.view(), &[0, 0, 0], 1, &z).unwrap();
    // neuron 0: −5 → 0, 7 → 2 (clamped), 0.5 → 1 + floor(0.5·2) = 2
    assert_eq!(counts.table(0).unwrap().as_slice(), &[1, 0, 2]);
    let f = LayerQuantizer::fit(Quantizer::equal_frequency(2).unwrap(), analysis.view()).unwrap();
    let counts = LayerCounts::from_activations(0, evaluation.view(), &[0, 0, 0], 1, &f).unwrap();
    // neuron 0: median edge 0.5, closed on the left: −5 → 0, 7 → 1, 0.5 → 1
    assert_eq!(counts.table(0).unwrap().as_slice(), &[1, 2]);
}

#[test]
fn a_class_with_no_sample_is_skipped() {
    let (acts, labels) = small();
    let two = scores_of(acts.clone(), labels.clone(), 2, &MeasureSettings::default());
    let three = scores_of(acts, labels, 3, &MeasureSettings::default());
    for name in ["entropy", "mutual_info", "kl_selectivity", "csi"] {
        assert_eq!(two.get(name, 0).unwrap(), three.get(name, 0).unwrap(), "{name}");
    }
    assert_eq!(three.num_classes(), 3);
}

#[test]
fn one_class_makes_csi_undefined() {
    let rec = Recording::new(vec![4], vec![array![[1.0_f32], [2.0]]], vec![1, 1], 2).unwrap();
    let err = analyze(&rec, &MeasureSettings::default(), None).unwrap_err();
    assert!(matches!(
        err,
        Error::Measure(MeasureError::TooFewClasses {
            layer: 4,
            neuron: 0,
            classes: 1
        })
    ));
}

#[test]
fn non_finite_activations_name_layer_neuron_and_sample() {
    let mut acts = Array2::<f32>::zeros((5, 70));
    acts[[3, 66]] = f32::INFINITY;
    acts[[4, 2]] = f32::NAN;
    let q = LayerQuantizer::fixed(Quantizer::binary(0.0).unwrap(), 70).unwrap();
    let err = LayerCounts::from_activations(2, acts.view(), &[0; 5], 1, &q).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Record(RecordError::NonFinite {
                layer: 2,
                neuron: 66,
                sample: 3,
                ..
            })
        ),
        "{err}"
    );
    // streaming: the sample is counted from the batch offset
    let mut rec = StreamingRecorder::new(vec![(2, q)], 1).unwrap();
    rec.observe(2, 0, acts.slice(ndarray::s![..3, ..]), &[0; 3]).unwrap();
    let err = rec
        .observe(2, 3, acts.slice(ndarray::s![3.., ..]), &[0; 2])
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Record(RecordError::NonFinite {
            layer: 2,
            neuron: 66,
            sample: 3,
            ..
        })
    ));
    assert!(err.to_string().contains("hidden layer 2, neuron 66, sample 3"));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let acts = array![[0.0_f32], [1.0]];
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    assert!(matches!(
        LayerCounts::from_activations(0, acts.view(), &[0, 2], 2, &q),
        Err(Error::Data(DataError::LabelOutOfRange {
            sample: 1,
            label: 2,
            ..
        }))
    ));
    assert!(LayerCounts::from_activations(0, acts.view(), &[0], 2, &q).is_err());
    assert!(LayerCounts::from_activations(0, acts.view(), &[0, 0], 0, &q).is_err());
    assert!(LayerCounts::from_activations(0, acts.slice(ndarray::s![..0, ..]), &[], 2, &q).is_err());
    let wide = array![[0.0_f32, 1.0]];
    assert!(LayerCounts::from_activations(0, wide.view(), &[0], 2, &q).is_err());
    assert!(LayerQuantizer::fit(Quantizer::equal_width(3).unwrap(), acts.slice(ndarray::s![..0, ..])).is_err());
    assert!(CountTable::from_counts(2, 2, vec![0; 3]).is_err());
    assert!(entropy(&CountTable::new(2, 2).unwrap(), Estimator::PlugIn, Units::Bits).is_err());
    assert!(Scores::compute(&[], &[&Entropy::default()], None).is_err());
    // merging counts of other layers or quantizers
    let mut a = LayerCounts::from_activations(0, acts.view(), &[0, 1], 2, &q).unwrap();
    let b = LayerCounts::from_activations(1, acts.view(), &[0, 1], 2, &q).unwrap();
    assert!(matches!(a.merge(&b), Err(MeasureError::Mismatch { .. })));
    let q2 = LayerQuantizer::fit(Quantizer::binary(0.5).unwrap(), acts.view()).unwrap();
    let c = LayerCounts::from_activations(0, acts.view(), &[0, 1], 2, &q2).unwrap();
    assert!(matches!(a.merge(&c), Err(MeasureError::Mismatch { .. })));
    // repeated measure names
    let counts = [a];
    assert!(Scores::compute(&counts, &[&Entropy::default(), &Entropy::default()], None).is_err());
    // weight norms without a network
    assert!(matches!(
        Scores::compute(&counts, &[&OutgoingWeightNorm::L1], None),
        Err(Error::Measure(MeasureError::NoWeights { layer: 0 }))
    ));
}

#[test]
fn baselines_variance_weights_and_random() {
    // 2 inputs → 3 hidden (ReLU) → 2 classes; identity-like first layer.
    let mlp = Mlp::from_layers(
        vec![
            (array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], array![0.0, 0.0, 0.0]),
            (array![[1.0, -2.0, 0.5], [-3.0, 0.0, 0.5]], array![0.0, 0.0]),
        ],
        Activation::Relu,
    )
    .unwrap();
    let acts = array![[1.0_f32, 0.0, 1.0], [3.0, 2.0, 5.0], [0.0, 0.0, 0.0]];
    let q = LayerQuantizer::fit(Quantizer::binary(0.0).unwrap(), acts.view()).unwrap();
    let counts = [LayerCounts::from_activations(0, acts.view(), &[0, 1, 1], 2, &q).unwrap()];
    let random = RandomScore { seed: 3 };
    let measures: [&dyn InfoMeasure; 4] = [&Variance, &OutgoingWeightNorm::L1, &OutgoingWeightNorm::L2, &random];
    let s = Scores::compute(&counts, &measures, Some(&mlp as &dyn Network)).unwrap();
    let var = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
    };
    let variance = s.get("variance", 0).unwrap();
    assert_abs_diff_eq!(variance[0], var(&[1.0, 3.0, 0.0]), epsilon = TOL);
    assert_abs_diff_eq!(variance[2], var(&[1.0, 5.0, 0.0]), epsilon = TOL);
    assert_eq!(s.get("weight_l1", 0).unwrap(), &[4.0, 2.0, 1.0]);
    assert_abs_diff_eq!(s.get("weight_l2", 0).unwrap()[0], 10.0_f64.sqrt(), epsilon = TOL);
    assert_abs_diff_eq!(s.get("weight_l2", 0).unwrap()[2], 0.5_f64.sqrt(), epsilon = TOL);
    let r = s.get("random", 0).unwrap();
    assert_eq!(r, &[random.value(0, 0), random.value(0, 1), random.value(0, 2)]);
    assert_ne!(r[0], r[1]);
    assert_eq!(s.layers(), vec![0]);
}

#[test]
fn built_in_measures_have_the_documented_names() {
    let names: Vec<String> = MeasureSettings::default()
        .with_variance()
        .with_weight_norms()
        .with_random(1)
        .measures()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "entropy",
            "mutual_info",
            "kl_selectivity",
            "csi",
            "variance",
            "weight_l1",
            "weight_l2",
            "random"
        ]
    );
    assert_eq!(MutualInformation::default().units(), Some(Units::Bits));
    assert_eq!(KlSelectivity::default().estimator(), Some(Estimator::PlugIn));
    assert_eq!(ClassSelectivityIndex.units(), None);
}

#[cfg(feature = "serde")]
#[test]
fn scores_export_to_json_with_their_settings() {
    let (acts, labels) = small();
    let settings = MeasureSettings::default().with_estimator(Estimator::MillerMadow);
    let json = scores_of(acts, labels, 2, &settings).to_json().unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["num_samples"], 4);
    assert_eq!(value["measures"][0]["name"], "entropy");
    assert_eq!(value["measures"][0]["estimator"], "miller_madow");
    assert_eq!(value["measures"][2]["estimator"], "plug_in");
    assert_eq!(value["quantizer"]["binary"]["threshold"], 0.0);
    assert_eq!(value["layers"][0]["values"][3][0], 1.0); // csi of neuron 0
}

#[test]
fn every_non_finite_value_is_reported_also_after_an_error() {
    let q = LayerQuantizer::fixed(Quantizer::binary(0.0).unwrap(), 70).unwrap();
    for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
        // in the first row (the moments' shift), an odd last row, anywhere else
        for (sample, neuron) in [(0, 0), (4, 69), (2, 65), (1, 3)] {
            let mut acts = Array2::<f32>::from_elem((5, 70), 1.0);
            acts[[sample, neuron]] = bad;
            let err = LayerCounts::from_activations(0, acts.view(), &[0, 1, 1, 0, 1], 2, &q).unwrap_err();
            assert!(
                matches!(err, Error::Record(RecordError::NonFinite { neuron: n, sample: s, .. }) if n == neuron && s == sample),
                "{err}"
            );
            // streaming: a later batch is still checked value by value after the error
            let mut rec = StreamingRecorder::new(vec![(0, q.clone())], 2).unwrap();
            rec.observe(0, 0, acts.view(), &[0, 1, 1, 0, 1]).unwrap_err();
            let fine = Array2::<f32>::from_elem((3, 70), f32::MAX);
            rec.observe(0, 5, fine.view(), &[0, 1, 0]).unwrap();
            rec.observe(0, 8, acts.view(), &[0, 1, 1, 0, 1]).unwrap_err();
        }
    }
}
