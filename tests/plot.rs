//! The SVG figures: what they draw, and typed errors for what they cannot.
#![cfg(feature = "plot")]

use infoablate::Error;
use infoablate::ablation::{AblationCurve, CurveLabel, CurvePoint, Order, RandomBand, Scope};
use infoablate::measures::{MeasureSettings, Scores, analyze};
use infoablate::plot::{PlotError, ablation_curves, measure_distributions, measure_scatter};
use infoablate::record::Recording;
use ndarray::array;

fn curve(measure: &str, order: Option<Order>, seed: Option<u64>, accuracy: [f64; 3]) -> AblationCurve {
    let points = accuracy
        .iter()
        .enumerate()
        .map(|(k, &accuracy)| CurvePoint {
            k,
            fraction: k as f64 / 2.0,
            accuracy,
            loss: 1.0,
        })
        .collect();
    let label = CurveLabel {
        measure: measure.into(),
        order,
        scope: Scope::Layer(0),
        replacement: "zero".into(),
        seed,
        neurons: 2,
    };
    AblationCurve { label, points }
}

fn scores() -> Scores {
    let layer0 = array![[0.0_f32, 1.0, 5.0], [0.0, 2.0, 5.0], [3.0, 1.0, 5.0], [1.0, 2.0, 5.0]];
    let layer1 = array![[1.0_f32, 0.0], [2.0, 0.0], [0.0, 4.0], [0.0, 3.0]];
    let rec = Recording::new(vec![0, 1], vec![layer0, layer1], vec![0, 0, 1, 1], 2).expect("valid recording");
    analyze(&rec, &MeasureSettings::default(), None).expect("scores")
}

fn is_svg(svg: &str) -> bool {
    svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>")
}

#[test]
fn curves_figure_has_title_legend_and_band() {
    let curves = [
        curve("mutual_info", Some(Order::Descending), None, [0.9, 0.5, 0.1]),
        curve("mutual_info", Some(Order::Ascending), None, [0.9, 0.8, 0.1]),
        curve("entropy", Some(Order::Descending), None, [0.9, 0.6, 0.1]),
    ];
    let random = [
        curve("random", None, Some(0), [0.9, 0.7, 0.1]),
        curve("random", None, Some(1), [0.9, 0.6, 0.1]),
    ];
    let band = RandomBand::from_curves(&random, (5.0, 95.0)).expect("band");
    let svg = ablation_curves("layer 0 curves", &curves, Some(&band)).expect("draws");
    assert!(is_svg(&svg));
    for text in [
        "layer 0 curves",
        "mutual_info descending",
        "mutual_info ascending",
        "entropy descending",
        "random, mean of 2 seeds",
        "random, 5–95th percentile",
        "accuracy (fraction correct)",
        "neurons ablated (fraction of the scope)",
    ] {
        assert!(svg.contains(text), "missing `{text}`");
    }
    // Ascending orders are dashed: one dashed series, drawn as many short segments.
    assert!(svg.matches("<polyline").count() >= 3);
    assert!(svg.contains("<polygon"), "the band is a filled polygon");
}

#[test]
fn a_random_curve_without_order_is_labelled_by_seed() {
    let svg = ablation_curves("r", &[curve("random", None, Some(7), [1.0, 0.5, 0.0])], None).expect("draws");
    assert!(svg.contains("random (seed 7)"));
}

#[test]
fn nothing_to_draw_is_a_typed_error() {
    match ablation_curves("empty", &[], None) {
        Err(Error::Plot(PlotError::Empty(message))) => assert!(message.contains("empty")),
        other => panic!("expected PlotError::Empty, got {other:?}"),
    }
    assert!(matches!(
        measure_distributions("none", &scores(), 0, &[]),
        Err(Error::Plot(PlotError::Empty(_)))
    ));
}

#[test]
fn distributions_have_one_labelled_panel_per_measure() {
    let svg = measure_distributions("layer 0", &scores(), 0, &["entropy", "mutual_info", "csi"]).expect("draws");
    assert!(is_svg(&svg));
    for text in [
        "layer 0",
        "entropy (bits)",
        "mutual_info (bits)",
        "csi (index, dimensionless)",
    ] {
        assert!(svg.contains(text), "missing `{text}`");
    }
}

#[test]
fn unknown_measure_or_layer_is_an_error() {
    let s = scores();
    assert!(matches!(
        measure_distributions("x", &s, 0, &["no_such_measure"]),
        Err(Error::Measure(_))
    ));
    assert!(matches!(
        measure_distributions("x", &s, 9, &["entropy"]),
        Err(Error::Measure(_))
    ));
    assert!(matches!(
        measure_scatter("x", &s, "mutual_info", "nope"),
        Err(Error::Measure(_))
    ));
}

#[test]
fn scatter_draws_every_neuron_once() {
    let svg = measure_scatter("MI vs KL", &scores(), "mutual_info", "kl_selectivity").expect("draws");
    assert!(is_svg(&svg));
    // Five neurons plus one legend marker per layer.
    assert_eq!(svg.matches("<circle").count(), 5 + 2);
    for text in ["layer 0", "layer 1", "y = x", "kl_selectivity (bits)"] {
        assert!(svg.contains(text), "missing `{text}`");
    }
}
