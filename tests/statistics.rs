//! The statistics of a study: the permutation test of a curve's AUC against
//! random orders, bootstrap intervals of curve points and of per-neuron
//! measures, and the random band's mean.

use approx::assert_relative_eq;
use infoablate::ablation::{
    AblationCurve, AucTest, CurveLabel, CurvePoint, Engine, Order, Path, RandomBand, SampleOutcomes, Schedule, Scope,
};
use infoablate::data::Dataset;
use infoablate::measures::{Bootstrap, MeasureSettings, Quantizer, ScoreIntervals};
use infoablate::network::{Activation, Init, Mlp, TrainConfig};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::Recording;
use ndarray::Array2;

/// p-values are ratios of small integers: equal up to rounding of one division.
const P_TOLERANCE: f64 = 1e-15;

fn curve(seed: Option<u64>, accuracy: &[f64]) -> AblationCurve {
    let n = accuracy.len() - 1;
    AblationCurve {
        label: CurveLabel {
            measure: if seed.is_some() { "random" } else { "mutual_info" }.into(),
            order: seed.is_none().then_some(Order::Descending),
            scope: Scope::Layer(0),
            replacement: "zero".into(),
            seed,
            neurons: n,
        },
        points: accuracy
            .iter()
            .enumerate()
            .map(|(k, &accuracy)| CurvePoint {
                k,
                fraction: k as f64 / n as f64,
                accuracy,
                loss: 1.0 - accuracy,
            })
            .collect(),
    }
}

fn band_of(r: u64, accuracy: impl Fn(u64) -> Vec<f64>) -> RandomBand {
    let curves: Vec<AblationCurve> = (0..r).map(|s| curve(Some(s), &accuracy(s))).collect();
    RandomBand::from_curves(&curves, (5.0, 95.0)).expect("band")
}

#[test]
fn a_curve_identical_to_every_random_curve_has_p_one() {
    let shape = vec![0.9, 0.7, 0.4, 0.1];
    let band = band_of(99, |_| shape.clone());
    let test = AucTest::new(&curve(None, &shape), &band).expect("test");
    assert_eq!(test.random_orders, 99);
    assert_relative_eq!(test.p_below, 1.0, max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_above, 1.0, max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_two_sided, 1.0, max_relative = P_TOLERANCE);
}

#[test]
fn a_curve_below_every_random_curve_has_the_smallest_p() {
    let r = 199;
    let band = band_of(r, |s| vec![0.9, 0.8 - 0.001 * s as f64, 0.6, 0.1]);
    let test = AucTest::new(&curve(None, &[0.9, 0.2, 0.1, 0.1]), &band).expect("test");
    assert_relative_eq!(test.p_below, 1.0 / (r as f64 + 1.0), max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_above, 1.0, max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_two_sided, 2.0 / (r as f64 + 1.0), max_relative = P_TOLERANCE);
    // And one above them all, the other way round.
    let test = AucTest::new(&curve(None, &[0.9, 0.9, 0.9, 0.1]), &band).expect("test");
    assert_relative_eq!(test.p_above, 1.0 / (r as f64 + 1.0), max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_below, 1.0, max_relative = P_TOLERANCE);
}

#[test]
fn a_curve_in_the_middle_counts_the_random_orders_on_each_side() {
    // Random AUCs increase with the seed; the curve equals seed 3's.
    let band = band_of(9, |s| vec![0.9, 0.5 + 0.01 * s as f64, 0.1]);
    let test = AucTest::new(&curve(None, &[0.9, 0.53, 0.1]), &band).expect("test");
    // Seeds 0..=3 are ≤ (4 of them), seeds 3..=8 are ≥ (6).
    assert_relative_eq!(test.p_below, 5.0 / 10.0, max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_above, 7.0 / 10.0, max_relative = P_TOLERANCE);
    assert_relative_eq!(test.p_two_sided, 1.0, max_relative = P_TOLERANCE);
}

#[test]
fn a_curve_of_other_checkpoints_or_scope_is_refused() {
    let band = band_of(5, |_| vec![0.9, 0.5, 0.1]);
    assert!(AucTest::new(&curve(None, &[0.9, 0.5, 0.3, 0.1]), &band).is_err());
    let mut global = curve(None, &[0.9, 0.5, 0.1]);
    global.label.scope = Scope::Global;
    assert!(AucTest::new(&global, &band).is_err());
}

#[test]
fn the_band_mean_of_equal_values_prints_inside_the_band() {
    // Ten random orders that all end at 0.0895 (every neuron ablated).
    let band = band_of(10, |s| vec![0.9, 0.5 + 0.01 * s as f64, 0.0895]);
    let last = band.k.len() - 1;
    assert_eq!(band.mean_accuracy[last].to_string(), "0.0895");
    assert!(band.lower_accuracy[last] <= band.mean_accuracy[last]);
    assert!(band.mean_accuracy[last] <= band.upper_accuracy[last]);
}

/// Outcomes of `n` samples over three checkpoints with known accuracies.
fn synthetic_outcomes(n: usize) -> SampleOutcomes {
    let rates = [0.8, 0.5, 0.2];
    let correct: Vec<Vec<bool>> = rates
        .iter()
        .map(|&p| (0..n).map(|s| (s as f64 + 0.5) / (n as f64) < p).collect())
        .collect();
    SampleOutcomes::new(vec![(0, 0.0), (1, 0.5), (2, 1.0)], correct, vec![vec![0.5; n]; 3]).expect("outcomes")
}

#[test]
fn the_curve_bootstrap_is_reproducible_by_seed_and_covers_the_known_accuracy() {
    let outcomes = synthetic_outcomes(2000);
    let a = outcomes.bootstrap(Bootstrap::new(500, 0.95, 11).expect("settings"));
    let b = outcomes.bootstrap(Bootstrap::new(500, 0.95, 11).expect("settings"));
    let c = outcomes.bootstrap(Bootstrap::new(500, 0.95, 12).expect("settings"));
    assert_eq!(a, b);
    assert_ne!(a, c);
    for (j, p) in [0.8, 0.5, 0.2].into_iter().enumerate() {
        assert!(
            a.lower_accuracy[j] < p && p < a.upper_accuracy[j],
            "checkpoint {j}: {a:?}"
        );
        // The normal approximation's half-width 1.96·√(p(1−p)/n), within 25 %.
        let half = 1.96 * (p * (1.0 - p) / 2000.0).sqrt();
        assert_relative_eq!(
            (a.upper_accuracy[j] - a.lower_accuracy[j]) / 2.0,
            half,
            max_relative = 0.25
        );
    }
    let auc = 0.5 * (0.8 + 0.5) / 2.0 + 0.5 * (0.5 + 0.2) / 2.0;
    assert!(a.lower_auc < auc && auc < a.upper_auc);
}

#[test]
fn outcomes_that_do_not_line_up_are_refused() {
    assert!(SampleOutcomes::new(vec![(0, 0.0)], vec![vec![true], vec![false]], vec![vec![0.0]]).is_err());
    assert!(SampleOutcomes::new(vec![(0, 0.0)], vec![vec![]], vec![vec![]]).is_err());
    assert!(Bootstrap::new(10, f64::NAN, 0).is_err());
    assert!(Bootstrap::new(Bootstrap::MAX_REPLICATES, 0.95, 0).is_ok());
    // The count sizes the replicates' values: a huge one is refused, not allocated.
    assert!(Bootstrap::new(Bootstrap::MAX_REPLICATES + 1, 0.95, 0).is_err());
    assert!(Bootstrap::new(usize::MAX, 0.95, 0).is_err());
}

fn trained() -> (Mlp, Dataset) {
    let x = Array2::from_shape_fn((300, 3), |(i, j)| ((i * 7 + j * 13) % 17) as f32 / 16.0);
    let y: Vec<usize> = x.rows().into_iter().map(|r| usize::from(r[0] > r[1])).collect();
    let data = Dataset::new(x, y, 2).expect("data");
    let mut rng = StdRng::seed_from_u64(0);
    let mut mlp = Mlp::new(&[3, 12, 8, 2], Activation::Relu, Init::He, &mut rng).expect("mlp");
    let config = TrainConfig {
        epochs: 30,
        batch_size: 32,
        ..TrainConfig::default()
    };
    mlp.train(&data, &config, &mut |_| {}).expect("training");
    (mlp, data)
}

#[test]
fn outcomes_give_the_same_curve_as_a_plain_run_on_both_paths() {
    let (mlp, data) = trained();
    for path in [Path::Fast, Path::Plain] {
        let engine = Engine::new(&mlp, &data)
            .expect("engine")
            .path(path)
            .chunk_size(64)
            .expect("chunk");
        for scope in [Scope::Layer(0), Scope::Global] {
            let schedule = Schedule::random(5, scope);
            let curve = engine.run(&schedule).expect("curve");
            let (with, outcomes) = engine.run_with_outcomes(&schedule).expect("outcomes");
            assert_eq!(curve, with, "{path:?} {scope}");
            assert_eq!(outcomes.samples(), data.len());
            for (j, point) in curve.points.iter().enumerate() {
                let right = outcomes.correct(j).expect("row").iter().filter(|&&c| c).count();
                assert_eq!(right as f64 / data.len() as f64, point.accuracy);
                let loss: f64 = outcomes.loss(j).expect("row").iter().sum();
                assert_relative_eq!(loss / data.len() as f64, point.loss, max_relative = 1e-12);
            }
        }
    }
}

#[test]
fn measure_bootstrap_is_reproducible_and_covers_the_known_entropy() {
    // Neuron 0 fires on 30 % of the samples whatever the class: H = h(0.3).
    let n = 3000;
    let labels: Vec<usize> = (0..n).map(|s| s % 3).collect();
    let acts = Array2::from_shape_fn((n, 2), |(s, i)| match i {
        0 => f32::from(u8::from((s / 3) % 10 < 3)),
        _ => labels[s] as f32,
    });
    let rec = Recording::new(vec![0], vec![acts], labels, 3).expect("recording");
    let settings = MeasureSettings::new(Quantizer::binary(0.5).expect("quantizer"));
    let boot = Bootstrap::new(200, 0.95, 4).expect("settings");
    let a = ScoreIntervals::compute(&rec, &settings, None, boot).expect("intervals");
    let b = ScoreIntervals::compute(&rec, &settings, None, boot).expect("intervals");
    assert_eq!(a, b);
    let h = -(0.3_f64 * 0.3_f64.log2() + 0.7 * 0.7_f64.log2());
    let (lower, upper) = a.get("entropy", 0).expect("entropy");
    assert!(lower[0] < h && h < upper[0], "{} .. {} vs {h}", lower[0], upper[0]);
    let (lower, upper) = a.get("mutual_info", 0).expect("mutual information");
    assert!(
        lower[0] >= 0.0 && upper[0] < 0.01,
        "independent of the class: {} .. {}",
        lower[0],
        upper[0]
    );
    assert!(a.get("no_such", 0).is_err());
    assert!(
        a.to_csv()
            .starts_with("layer,neuron,measure,value,lower,upper\n0,0,entropy,")
    );
}
