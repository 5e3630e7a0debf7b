//! The layer-level estimators on analytic cases, the KDE bound on closed
//! forms and limits, and the training observer.

use std::f64::consts::LN_2;

use approx::assert_abs_diff_eq;
use infoablate::Error;
use infoablate::data::Dataset;
use infoablate::infoplane::{
    InfoPlaneError, InfoPlaneObserver, InfoPlaneSettings, LayerPoint, kde_upper_bound, measure_layers,
};
use infoablate::measures::{Quantizer, Units};
use infoablate::network::{Activation, EpochReport, Init, Mlp, TrainConfig, TrainObserver};
use infoablate::rand::rngs::StdRng;
use infoablate::rand::{Rng, SeedableRng};
use infoablate::record::Recording;
use ndarray::{Array2, array};

/// Sums of a few hundred logarithms: well above their rounding.
const TOL: f64 = 1e-10;

/// Binary entropy in bits.
fn h2(p: f64) -> f64 {
    -(p * p.log2() + (1.0 - p) * (1.0 - p).log2())
}

fn binary_settings() -> InfoPlaneSettings {
    InfoPlaneSettings {
        quantizer: Quantizer::binary(0.5).unwrap(),
        permutations: 50,
        ..InfoPlaneSettings::default()
    }
}

fn point(acts: Array2<f32>, labels: Vec<usize>, classes: usize, settings: &InfoPlaneSettings) -> LayerPoint {
    let rec = Recording::new(vec![0], vec![acts], labels, classes).unwrap();
    measure_layers(&rec, settings).unwrap().remove(0)
}

/// `per_class` samples of each of 4 classes; the layer is the label one-hot.
fn one_hot_layer(per_class: usize) -> (Array2<f32>, Vec<usize>) {
    let labels: Vec<usize> = (0..4 * per_class).map(|s| s % 4).collect();
    let acts = Array2::from_shape_fn((labels.len(), 4), |(s, i)| f32::from(u8::from(labels[s] == i)));
    (acts, labels)
}

#[test]
fn a_layer_that_copies_the_label_has_all_of_its_information() {
    let (acts, labels) = one_hot_layer(100);
    let n = labels.len() as f64;
    let p = point(acts, labels, 4, &binary_settings());
    assert_eq!((p.distinct, p.samples, p.width), (4, 400, 4));
    assert!(!p.saturated);
    assert_abs_diff_eq!(p.entropy, 2.0, epsilon = TOL);
    assert_abs_diff_eq!(p.mutual_info, 2.0, epsilon = TOL);
    // Miller–Madow: T, Y and (T, Y) each have 4 cells: +3/(2N) nats on each,
    // so I_MM = 2 bits + 3/(2N) nats.
    let mm = 3.0 / (2.0 * n) / LN_2;
    assert_abs_diff_eq!(p.entropy_mm, 2.0 + mm, epsilon = TOL);
    assert_abs_diff_eq!(p.mutual_info_mm, 2.0 + mm, epsilon = TOL);
    // Each neuron is a Bernoulli(1/4) that is a function of Y.
    assert_abs_diff_eq!(p.sum_neuron_mi, 4.0 * h2(0.25), epsilon = TOL);
    assert_abs_diff_eq!(p.total_correlation, 4.0 * h2(0.25) - 2.0, epsilon = TOL);
    let null = p.null.unwrap();
    assert_eq!(null.permutations, 50);
    // No permutation of 400 labels reaches H(Y): the smallest p-value.
    assert_abs_diff_eq!(null.p_value, 1.0 / 51.0, epsilon = TOL);
    assert!(null.mean > 0.0 && null.mean < 0.1, "null mean {}", null.mean);
    assert_abs_diff_eq!(null.debiased, 2.0 - null.mean, epsilon = TOL);
    let mi = p.neurons.iter().find(|s| s.measure == "mutual_info").unwrap();
    assert_abs_diff_eq!(mi.mean, h2(0.25), epsilon = TOL);
    assert_abs_diff_eq!(mi.min, mi.max, epsilon = TOL);
    assert!(mi.values.is_none());
}

#[test]
fn an_independent_layer_has_none() {
    // Codeword (s / 2) % 4 over two binary neurons, label s % 2: every
    // codeword holds both classes equally, and the two neurons are
    // independent of each other too.
    let n = 64;
    let labels: Vec<usize> = (0..n).map(|s| s % 2).collect();
    let acts = Array2::from_shape_fn((n, 2), |(s, i)| ((s / 2 % 4) >> i & 1) as f32);
    let settings = InfoPlaneSettings {
        neuron_values: true,
        ..binary_settings()
    };
    let p = point(acts, labels, 2, &settings);
    assert_eq!(p.distinct, 4);
    assert_abs_diff_eq!(p.entropy, 2.0, epsilon = TOL);
    assert_eq!(p.mutual_info, 0.0);
    assert_eq!(p.sum_neuron_mi, 0.0);
    assert_abs_diff_eq!(p.total_correlation, 0.0, epsilon = TOL);
    // Miller–Madow: (T, Y) has 8 cells, T 4 and Y 2: (3 + 1 − 7)/(2N) nats.
    assert_abs_diff_eq!(p.mutual_info_mm, -3.0 / (2.0 * n as f64) / LN_2, epsilon = TOL);
    let null = p.null.unwrap();
    // Every permuted value is ≥ 0 = the observed one.
    assert_eq!(null.p_value, 1.0);
    assert!(null.debiased < 0.0);
    let entropy = p.neurons.iter().find(|s| s.measure == "entropy").unwrap();
    assert_eq!(entropy.values.as_deref(), Some(&[1.0, 1.0][..]));
}

#[test]
fn a_wide_continuous_layer_saturates_at_log2_n() {
    let mut rng = StdRng::seed_from_u64(3);
    let n = 64;
    let labels: Vec<usize> = (0..n).map(|s| s % 3).collect();
    let acts = Array2::from_shape_fn((n, 16), |_| rng.random::<f32>());
    let p = point(acts, labels.clone(), 3, &InfoPlaneSettings::default());
    assert_eq!(p.distinct, n);
    assert!(p.saturated);
    assert_abs_diff_eq!(p.entropy, (n as f64).log2(), epsilon = TOL);
    // Every sample alone in its codeword: I(T;Y) = H(Y), for random activations.
    let class_entropy = -[22.0_f64, 21.0, 21.0]
        .iter()
        .map(|c| c / 64.0 * (c / 64.0).log2())
        .sum::<f64>();
    assert_abs_diff_eq!(p.mutual_info, class_entropy, epsilon = TOL);
    // ... and so does every permutation: the null says the value is no evidence.
    let null = p.null.unwrap();
    assert_eq!(null.p_value, 1.0);
    assert_abs_diff_eq!(null.debiased, 0.0, epsilon = TOL);
    assert_abs_diff_eq!(null.sd, 0.0, epsilon = TOL);
}

#[test]
fn the_saturation_flag_follows_its_threshold() {
    let (acts, labels) = one_hot_layer(1); // 4 samples, 4 codewords
    let strict = InfoPlaneSettings {
        saturation_threshold: 0.99,
        ..binary_settings()
    };
    assert!(point(acts.clone(), labels.clone(), 4, &strict).saturated);
    let never = InfoPlaneSettings {
        saturation_threshold: 1.0,
        ..binary_settings()
    };
    assert!(!point(acts, labels, 4, &never).saturated);
}

#[test]
fn kde_bound_of_two_clusters_has_its_closed_form() {
    // N/2 points at 0 and N/2 at r: every row's mean kernel is (1 + e^{−r²/2σ²})/2.
    for (r, sigma2) in [(1.0_f64, 0.5), (0.3, 0.1), (2.0, 4.0)] {
        let h = Array2::from_shape_fn((10, 1), |(s, _)| if s < 5 { 0.0 } else { r as f32 });
        let expected = -((1.0 + (-(r * r) / (2.0 * sigma2)).exp()) / 2.0).ln();
        let got = kde_upper_bound(h.view(), sigma2, Units::Nats).unwrap();
        assert_abs_diff_eq!(got, expected, epsilon = 1e-7); // r is an f32
    }
}

#[test]
fn kde_bound_limits_and_invariances() {
    let mut rng = StdRng::seed_from_u64(5);
    let h = Array2::from_shape_fn((50, 3), |_| rng.random::<f32>());
    let log_n = 50_f64.ln();
    // Small noise: every point its own component, log N.
    assert_abs_diff_eq!(
        kde_upper_bound(h.view(), 1e-8, Units::Nats).unwrap(),
        log_n,
        epsilon = 1e-9
    );
    // Large noise: nothing gets through.
    assert!(kde_upper_bound(h.view(), 1e8, Units::Nats).unwrap() < 1e-8);
    // Decreasing in σ², within [0, log N].
    let values: Vec<f64> = [0.001, 0.01, 0.1, 1.0]
        .iter()
        .map(|&s| kde_upper_bound(h.view(), s, Units::Nats).unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] > w[1]), "{values:?}");
    assert!(values.iter().all(|&v| (0.0..=log_n).contains(&v)));
    // A shift of the layer changes nothing; bits are nats over ln 2.
    let shifted = h.mapv(|v| v + 3.0);
    assert_abs_diff_eq!(
        kde_upper_bound(shifted.view(), 0.1, Units::Nats).unwrap(),
        values[2],
        epsilon = 1e-6
    );
    assert_abs_diff_eq!(
        kde_upper_bound(h.view(), 0.1, Units::Bits).unwrap(),
        values[2] / LN_2,
        epsilon = 1e-12
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    let h = array![[0.0_f32], [1.0]];
    for sigma2 in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            kde_upper_bound(h.view(), sigma2, Units::Bits),
            Err(InfoPlaneError::Parameter {
                name: "noise_variance",
                ..
            })
        ));
    }
    assert!(matches!(
        kde_upper_bound(array![[f32::NAN]].view(), 1.0, Units::Bits),
        Err(InfoPlaneError::Parameter {
            name: "activations",
            ..
        })
    ));
    assert!(kde_upper_bound(Array2::<f32>::zeros((0, 3)).view(), 1.0, Units::Bits).is_err());
    let rec = Recording::new(vec![0], vec![h], vec![0, 1], 2).unwrap();
    for bad in [
        InfoPlaneSettings {
            every_steps: Some(0),
            ..InfoPlaneSettings::default()
        },
        InfoPlaneSettings {
            batch_size: 0,
            ..InfoPlaneSettings::default()
        },
        InfoPlaneSettings {
            noise_variance: Some(-0.1),
            ..InfoPlaneSettings::default()
        },
        InfoPlaneSettings {
            saturation_threshold: f64::NAN,
            ..InfoPlaneSettings::default()
        },
    ] {
        assert!(matches!(
            measure_layers(&rec, &bad),
            Err(Error::InfoPlane(InfoPlaneError::Parameter { .. }))
        ));
    }
}

fn xor() -> Dataset {
    let x = array![[0.0_f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    Dataset::new(x, vec![0, 1, 1, 0], 2).unwrap()
}

fn xor_mlp() -> Mlp {
    let mut rng = StdRng::seed_from_u64(1);
    Mlp::new(&[2, 6, 5, 2], Activation::Tanh, Init::Xavier, &mut rng).unwrap()
}

#[test]
fn the_observer_records_every_k_steps_with_the_noise_model() {
    let data = xor();
    let mut mlp = xor_mlp();
    let settings = InfoPlaneSettings {
        every_steps: Some(3),
        noise_variance: Some(0.1),
        ..InfoPlaneSettings::default()
    };
    let mut observer = InfoPlaneObserver::new(&data, settings).unwrap();
    // 4 epochs of 2 batches: steps 1 … 8, snapshots at steps 3 and 6.
    let config = TrainConfig {
        epochs: 4,
        batch_size: 2,
        ..TrainConfig::default()
    };
    mlp.train_observed(&data, &config, &mut observer).unwrap();
    let trace = observer.into_trace();
    let at: Vec<(usize, usize)> = trace.snapshots.iter().map(|s| (s.epoch, s.step)).collect();
    assert_eq!(at, vec![(2, 3), (3, 6)]);
    for snap in &trace.snapshots {
        assert_eq!(snap.layers.len(), 2);
        assert!(snap.train_loss.is_none());
        for l in &snap.layers {
            let info = l.input_info.unwrap();
            assert_eq!(info.noise_variance, 0.1);
            assert!((0.0..=2.0).contains(&info.upper_bound));
        }
    }
    let csv = trace.to_csv();
    assert_eq!(csv.lines().count(), 1 + 2 * 2);
    assert!(csv.lines().nth(1).unwrap().starts_with("2,3,,,0,6,4,"));
    let json: serde_json::Value = serde_json::from_str(&trace.to_json().unwrap()).unwrap();
    assert_eq!(json["snapshots"][1]["layers"][1]["width"], 5);
    assert_eq!(json["settings"]["noise_variance"], 0.1);
}

#[test]
fn observing_does_not_change_training() {
    let data = xor();
    let config = TrainConfig {
        epochs: 5,
        batch_size: 2,
        ..TrainConfig::default()
    };
    let mut plain = xor_mlp();
    let plain_reports = plain.train(&data, &config, &mut |_| {}).unwrap();
    let mut observed = xor_mlp();
    let mut observer = InfoPlaneObserver::new(&data, InfoPlaneSettings::default()).unwrap();
    let observed_reports = observed.train_observed(&data, &config, &mut observer).unwrap();
    assert_eq!(plain_reports, observed_reports);
    for k in 0..plain.num_affine() {
        assert_eq!(plain.weight(k).unwrap(), observed.weight(k).unwrap());
    }
    let trace = observer.into_trace();
    assert_eq!(trace.snapshots.len(), 5);
    for (snap, report) in trace.snapshots.iter().zip(&plain_reports) {
        assert_eq!(snap.epoch, report.epoch);
        assert_eq!(snap.step, 2 * report.epoch);
        assert_eq!(snap.train_loss, Some(report.train_loss));
    }
}

/// Fails at its second epoch.
struct Failing(usize);

impl TrainObserver for Failing {
    fn at_epoch(&mut self, _: &Mlp, report: &EpochReport, _: usize) -> infoablate::Result<()> {
        self.0 += 1;
        if report.epoch == 2 {
            return Err(InfoPlaneError::Parameter {
                name: "test",
                reason: "stop".into(),
            }
            .into());
        }
        Ok(())
    }
}

#[test]
fn an_observer_error_stops_training() {
    let data = xor();
    let mut mlp = xor_mlp();
    let mut observer = Failing(0);
    let config = TrainConfig {
        epochs: 5,
        ..TrainConfig::default()
    };
    assert!(matches!(
        mlp.train_observed(&data, &config, &mut observer),
        Err(Error::InfoPlane(InfoPlaneError::Parameter { name: "test", .. }))
    ));
    assert_eq!(observer.0, 2);
}

#[cfg(feature = "plot")]
#[test]
fn figures_draw_every_layer_and_say_what_is_missing() {
    use infoablate::plot::{LayerQuantity, information_plane, layer_quantity_over_training};
    let data = xor();
    let mut mlp = xor_mlp();
    let mut observer = InfoPlaneObserver::new(&data, InfoPlaneSettings::default()).unwrap();
    observer.observe(&mlp, 0, 0).unwrap();
    let config = TrainConfig {
        epochs: 2,
        batch_size: 4,
        ..TrainConfig::default()
    };
    mlp.train_observed(&data, &config, &mut observer).unwrap();
    let trace = observer.into_trace();
    let plane = information_plane("plane", &trace, LayerQuantity::Entropy, LayerQuantity::MutualInfo)
        .unwrap()
        .svg()
        .unwrap();
    assert!(plane.contains("layer 0") && plane.contains("layer 1") && plane.contains("H(T), codewords"));
    // Four samples in 4 codewords: saturated, and the figure says so.
    assert!(plane.contains("hollow: saturated"));
    let over = layer_quantity_over_training("tc", &trace, LayerQuantity::TotalCorrelation)
        .unwrap()
        .svg()
        .unwrap();
    assert!(over.contains("optimizer steps") && over.contains("total correlation"));
    let mean_mi = layer_quantity_over_training("mi", &trace, LayerQuantity::NeuronMean("mutual_info"))
        .unwrap()
        .svg()
        .unwrap();
    assert!(mean_mi.contains("mean mutual_info over the neurons"));
    let first = &trace.snapshots[0].layers[0];
    let summary = first.neurons.iter().find(|s| s.measure == "mutual_info").unwrap();
    assert_eq!(
        LayerQuantity::NeuronMean("mutual_info").value(first),
        Some(summary.mean)
    );
    assert_eq!(LayerQuantity::NeuronMean("no_such_measure").value(first), None);
    // No noise model: no I(X;T) to draw.
    assert!(matches!(
        information_plane("plane", &trace, LayerQuantity::InputInfo, LayerQuantity::MutualInfo),
        Err(Error::Plot(_))
    ));
}

/// The permutation null of `acts`' codewords (`quantizer` fitted on them)
/// for `permutations` seeded permutations, checked value by value against
/// the plug-in MI of the tables of the same permutations, drawn by hand (one
/// seeded RNG shuffling one vector in turn); returns the distinct codewords.
fn check_null_against_permuted_tables(
    acts: &Array2<f32>,
    quantizer: Quantizer,
    labels: &[usize],
    classes: usize,
    seed: u64,
    units: Units,
) -> usize {
    use infoablate::infoplane::Codewords;
    use infoablate::measures::{Estimator, LayerQuantizer, mutual_information};
    use infoablate::rand::seq::SliceRandom;
    let quantizer = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
    let words = Codewords::new(acts.view(), &quantizer).unwrap();
    let null = words.permutation_null(labels, classes, 7, seed, units).unwrap();
    assert_eq!(null.len(), 7);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut shuffled = labels.to_vec();
    for &value in &null {
        shuffled.shuffle(&mut rng);
        let table = words.table(&shuffled, classes).unwrap();
        assert_eq!(value, mutual_information(&table, Estimator::PlugIn, units).unwrap());
    }
    words.distinct()
}

#[test]
fn the_permutation_null_is_the_plug_in_mi_of_the_permuted_tables() {
    let mut rng = StdRng::seed_from_u64(9);
    let labels: Vec<usize> = (0..300).map(|_| rng.random_range(0..5)).collect();
    let acts = Array2::from_shape_fn((300, 3), |(s, i)| (labels[s] * (i + 1)) as f32 + rng.random::<f32>());
    let quantizer = Quantizer::equal_width(4).unwrap();
    check_null_against_permuted_tables(&acts, quantizer, &labels, 5, 42, Units::Bits);
}

/// A nearly saturated layer (30 bins, four continuous neurons): most rows
/// of a permuted table are codewords seen once, read off the permutation.
#[test]
fn the_permutation_null_of_a_saturated_layer_is_the_plug_in_mi_of_the_permuted_tables() {
    let mut rng = StdRng::seed_from_u64(3);
    let labels: Vec<usize> = (0..400).map(|_| rng.random_range(0..10)).collect();
    let acts = Array2::from_shape_fn((400, 4), |(s, _)| labels[s] as f32 + 3.0 * rng.random::<f32>());
    let quantizer = Quantizer::equal_width(30).unwrap();
    let distinct = check_null_against_permuted_tables(&acts, quantizer, &labels, 10, 8, Units::Nats);
    assert!(distinct > 350, "{distinct} codewords");
}

/// The codewords are the rows of each neuron's own fitted bin, for every
/// quantizer (the layer's binning loop is specialized per quantizer).
#[test]
fn codewords_are_the_rows_of_the_neurons_bins() {
    use infoablate::infoplane::Codewords;
    use infoablate::measures::LayerQuantizer;
    use std::collections::HashMap;
    let mut rng = StdRng::seed_from_u64(5);
    let acts = Array2::from_shape_fn((200, 3), |_| (rng.random::<f32>() - 0.3) * 4.0);
    for quantizer in [
        Quantizer::binary(0.0).unwrap(),
        Quantizer::equal_width(3).unwrap(),
        Quantizer::zero_and_equal_width(3).unwrap(),
        Quantizer::equal_frequency(3).unwrap(),
    ] {
        let fitted = LayerQuantizer::fit(quantizer, acts.view()).unwrap();
        let neurons: Vec<_> = (0..3).map(|j| fitted.neuron(j).unwrap()).collect();
        let mut seen = HashMap::new();
        let expected: Vec<usize> = acts
            .rows()
            .into_iter()
            .map(|row| {
                let word: Vec<usize> = row.iter().zip(&neurons).map(|(&a, q)| q.bin(a)).collect();
                let next = seen.len();
                *seen.entry(word).or_insert(next)
            })
            .collect();
        let words = Codewords::new(acts.view(), &fitted).unwrap();
        assert_eq!(words.ids(), expected.as_slice(), "{quantizer}");
        assert_eq!(words.distinct(), seen.len());
    }
}

/// Two neurons copy a balanced label bit, a third is constant: of the three
/// pairs, the copies share one bit (`red = 1`, `interaction = −1`), the
/// others carry it alone (no redundancy, no synergy).
#[test]
fn pair_means_of_two_copies_and_a_constant() {
    let labels: Vec<usize> = (0..40).map(|s| s % 2).collect();
    let acts = Array2::from_shape_fn((40, 3), |(s, i)| if i < 2 { labels[s] as f32 } else { 7.0 });
    let settings = InfoPlaneSettings {
        pairs: Some(Quantizer::binary(0.5).unwrap()),
        ..binary_settings()
    };
    let means = point(acts.clone(), labels.clone(), 2, &settings).pairs.unwrap();
    assert_eq!(means.pairs, 3);
    assert_abs_diff_eq!(means.red_wb, 1.0 / 3.0, epsilon = TOL);
    assert_abs_diff_eq!(means.red_mmi, 1.0 / 3.0, epsilon = TOL);
    assert_abs_diff_eq!(means.synergy_wb, 0.0, epsilon = TOL);
    assert_abs_diff_eq!(means.synergy_mmi, 0.0, epsilon = TOL);
    assert_abs_diff_eq!(means.interaction_info, -1.0 / 3.0, epsilon = TOL);
    // Off by default; a one-neuron layer has no pair.
    assert!(
        point(acts.clone(), labels.clone(), 2, &binary_settings())
            .pairs
            .is_none()
    );
    let single = acts.slice(ndarray::s![.., ..1]).to_owned();
    assert!(point(single, labels, 2, &settings).pairs.is_none());
}
