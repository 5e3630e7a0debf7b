//! The figures, as SVG and PNG: what they draw, and typed errors for what they cannot.
#![cfg(feature = "plot")]

use infoablate::Error;
use infoablate::ablation::{AblationCurve, CurveIntervals, CurveLabel, CurvePoint, Order, RandomBand, Scope};
use infoablate::measures::{Bootstrap, MeasureSettings, Scores, analyze};
use infoablate::plot::{
    CurveQuantity, PlotError, ablation_curves, ablation_panels, ablation_panels_with_intervals, measure_distributions,
    measure_scatter, pair_heatmap,
};
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
    let svg = ablation_curves("layer 0 curves", &curves, Some(&band))
        .expect("draws")
        .svg()
        .expect("svg");
    assert!(is_svg(&svg));
    for text in [
        "layer 0 curves",
        "mutual information, descending",
        "mutual information, ascending",
        "entropy, descending",
        "random (2 orders): mean",
        "random (2 orders): 5–95th percentile",
        "accuracy (fraction correct)",
        "fraction of neurons ablated",
    ] {
        assert!(svg.contains(text), "missing `{text}`");
    }
    // Ascending orders are dashed: one dashed series, drawn as many short segments.
    assert!(svg.matches("<polyline").count() >= 3);
    assert!(svg.contains("<polygon"), "the band is a filled polygon");
}

#[test]
fn a_random_curve_without_order_is_labelled_by_seed() {
    let random = [curve("random", None, Some(7), [1.0, 0.5, 0.0])];
    let svg = ablation_curves("r", &random, None).expect("draws").svg().expect("svg");
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
    let s = scores();
    let svg = measure_distributions("layer 0", &s, 0, &["entropy", "mutual_info", "csi"])
        .expect("draws")
        .svg()
        .expect("svg");
    assert!(is_svg(&svg));
    for text in [
        "layer 0",
        "entropy (bits)",
        "mutual information (bits)",
        "class selectivity index (dimensionless)",
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
    let svg = measure_scatter("MI vs KL", &scores(), "mutual_info", "kl_selectivity")
        .expect("draws")
        .svg()
        .expect("svg");
    assert!(is_svg(&svg));
    // Five neurons plus one legend marker per layer.
    assert_eq!(svg.matches("<circle").count(), 5 + 2);
    for text in ["layer 0", "layer 1", "y = x", "KL selectivity (bits)"] {
        assert!(svg.contains(text), "missing `{text}`");
    }
}

#[test]
fn no_diagonal_between_quantities_in_different_units() {
    let svg = measure_scatter("CSI vs MI", &scores(), "mutual_info", "csi")
        .expect("draws")
        .svg()
        .expect("svg");
    assert!(svg.contains("class selectivity index (dimensionless)"));
    assert!(!svg.contains("y = x"));
}

fn panel_curves() -> Vec<AblationCurve> {
    vec![
        curve("mutual_info", Some(Order::Descending), None, [0.9, 0.5, 0.1]),
        curve("mutual_info", Some(Order::Ascending), None, [0.9, 0.8, 0.1]),
        curve("entropy", Some(Order::Descending), None, [0.9, 0.6, 0.1]),
        curve("entropy", Some(Order::Ascending), None, [0.9, 0.7, 0.1]),
        curve("csi", Some(Order::Descending), None, [0.9, 0.4, 0.1]),
    ]
}

fn random_band() -> RandomBand {
    let random: Vec<AblationCurve> = (0..5)
        .map(|s| curve("random", None, Some(s), [0.9, 0.6 + 0.02 * s as f64, 0.1]))
        .collect();
    RandomBand::from_curves(&random, (5.0, 95.0)).expect("band")
}

#[test]
fn panels_have_one_chart_per_measure_with_band_and_chance_level() {
    let (curves, band) = (panel_curves(), random_band());
    let figure = ablation_panels(
        "MNIST, 784-4-10 relu",
        &curves,
        Some(&band),
        CurveQuantity::Accuracy,
        Some(10),
    )
    .expect("draws");
    let svg = figure.svg().expect("svg");
    assert!(is_svg(&svg));
    for text in [
        "MNIST, 784-4-10 relu",
        "mutual information",
        "entropy",
        "class selectivity index",
        "chance, 1/10 = 0.100",
        "descending (highest score first)",
        "ascending (lowest score first)",
        "random (5 orders): mean",
    ] {
        assert!(svg.contains(text), "missing `{text}`");
    }
    // One shaded band per panel.
    assert_eq!(svg.matches("<polygon").count(), 3);
    let loss = ablation_panels("loss", &curves, Some(&band), CurveQuantity::Loss, Some(10))
        .expect("draws")
        .svg()
        .expect("svg");
    assert!(loss.contains("loss (cross-entropy, nats)") && loss.contains("uniform prediction, ln 10"));
    // A curve of another scope than the band's is refused.
    let mut other = panel_curves();
    other[0].label.scope = Scope::Global;
    assert!(matches!(
        ablation_panels("x", &other, Some(&band), CurveQuantity::Accuracy, None),
        Err(Error::Plot(PlotError::Empty(_)))
    ));
}

/// Decodes a PNG; its width, height and whether it has non-white pixels.
fn decode(bytes: &[u8]) -> (u32, u32, bool) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG data");
    let drawn = pixels[..info.buffer_size()].iter().any(|&v| v < 200);
    (info.width, info.height, drawn)
}

#[test]
fn every_figure_renders_as_a_decodable_png_and_saves_by_extension() {
    let (curves, band, s) = (panel_curves(), random_band(), scores());
    let matrix = ndarray::array![[f64::NAN, 0.2], [0.2, f64::NAN]];
    let figures = [
        ablation_curves("one panel", &curves, Some(&band)).expect("draws"),
        ablation_panels("panels", &curves, Some(&band), CurveQuantity::Accuracy, Some(10)).expect("draws"),
        measure_distributions("histograms", &s, 0, &["entropy", "csi"]).expect("draws"),
        measure_scatter("scatter", &s, "mutual_info", "csi").expect("draws"),
        pair_heatmap("pairs", matrix.view(), "redundancy (bits)").expect("draws"),
    ];
    let dir = std::env::temp_dir().join(format!("infoablate-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    for (i, figure) in figures.iter().enumerate() {
        let png = figure.png().expect("png");
        let (width, height, drawn) = decode(&png);
        assert_eq!((width, height), figure.size(), "{}", figure.title());
        assert!(drawn, "`{}` is blank", figure.title());
        for ext in ["svg", "png"] {
            let path = dir.join(format!("figure{i}.{ext}"));
            figure.save(&path).expect("saves");
            assert!(std::fs::metadata(&path).expect("written").len() > 0);
        }
        let written = std::fs::read(dir.join(format!("figure{i}.png"))).expect("read back");
        assert_eq!(decode(&written).0, width);
    }
    assert!(matches!(
        figures[0].save(dir.join("figure.pdf")),
        Err(Error::Plot(PlotError::Format { .. }))
    ));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_figure_size_out_of_range_is_a_typed_error() {
    let s = scores();
    let figure = measure_scatter("scatter", &s, "mutual_info", "csi").expect("draws");
    assert!(matches!(
        figure.with_size(100_000, 100_000),
        Err(Error::Plot(PlotError::Size { .. }))
    ));
    let figure = measure_scatter("scatter", &s, "mutual_info", "csi")
        .expect("draws")
        .with_size(400, 300)
        .expect("size");
    let (width, height, _) = decode(&figure.png().expect("png"));
    assert_eq!((width, height), (400, 300));
}

/// An interval of ±`half` around each point of `curve`.
fn interval(curve: &AblationCurve, half: f64) -> CurveIntervals {
    CurveIntervals {
        bootstrap: Bootstrap::new(500, 0.9, 11).expect("settings"),
        k: curve.points.iter().map(|p| p.k).collect(),
        lower_accuracy: curve.points.iter().map(|p| p.accuracy - half).collect(),
        upper_accuracy: curve.points.iter().map(|p| p.accuracy + half).collect(),
        lower_auc: 0.0,
        upper_auc: 1.0,
        lower_loss: curve.points.iter().map(|p| p.loss - half).collect(),
        upper_loss: curve.points.iter().map(|p| p.loss + half).collect(),
    }
}

#[test]
fn panels_with_intervals_shade_one_band_per_curve_and_save() {
    let (curves, band) = (panel_curves(), random_band());
    let intervals: Vec<CurveIntervals> = curves.iter().map(|c| interval(c, 0.03)).collect();
    let figure = ablation_panels_with_intervals(
        "MNIST",
        &curves,
        &intervals,
        Some(&band),
        CurveQuantity::Accuracy,
        Some(10),
    )
    .expect("draws");
    let svg = figure.svg().expect("svg");
    assert!(
        svg.contains("90 % bootstrap interval of each curve (500 resamples)"),
        "no legend entry"
    );
    // Three panels' random bands and one interval per curve.
    assert_eq!(svg.matches("<polygon").count(), 3 + curves.len());
    let plain = ablation_panels("MNIST", &curves, Some(&band), CurveQuantity::Accuracy, Some(10))
        .expect("draws")
        .svg()
        .expect("svg");
    assert_eq!(plain.matches("<polygon").count(), 3);
    let dir = std::env::temp_dir().join(format!("infoablate-plot-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("curves_ci.png");
    figure.save(&path).expect("saves");
    let (width, height, _) = decode(&std::fs::read(&path).unwrap());
    assert_eq!((width, height), figure.size());
    std::fs::remove_dir_all(&dir).unwrap();
    // The loss's intervals, shaded on the loss panels.
    let loss = ablation_panels_with_intervals("MNIST", &curves, &intervals, Some(&band), CurveQuantity::Loss, Some(10))
        .expect("draws")
        .svg()
        .expect("svg");
    assert_eq!(loss.matches("<polygon").count(), 3 + curves.len());
}

#[test]
fn intervals_that_do_not_match_their_curves_are_a_typed_error() {
    let (curves, band) = (panel_curves(), random_band());
    let intervals: Vec<CurveIntervals> = curves.iter().map(|c| interval(c, 0.03)).collect();
    let short = &intervals[..curves.len() - 1];
    let e = ablation_panels_with_intervals("x", &curves, short, Some(&band), CurveQuantity::Accuracy, Some(10))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Plot(PlotError::Intervals { reason, .. }) if reason == "4 intervals for 5 curves"),
        "{e}"
    );
    let mut shifted = intervals.clone();
    shifted[2].k[1] = 5;
    let e = ablation_panels_with_intervals("x", &curves, &shifted, Some(&band), CurveQuantity::Accuracy, Some(10))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Plot(PlotError::Intervals { reason, .. }) if reason.contains("entropy")),
        "{e}"
    );
    let mut truncated = intervals;
    truncated[0].upper_accuracy.pop();
    let e = ablation_panels_with_intervals("x", &curves, &truncated, Some(&band), CurveQuantity::Accuracy, Some(10))
        .unwrap_err();
    assert!(matches!(&e, Error::Plot(PlotError::Intervals { .. })), "{e}");
    truncated[0].lower_loss.pop();
    let e = ablation_panels_with_intervals("x", &curves, &truncated, Some(&band), CurveQuantity::Loss, Some(10))
        .unwrap_err();
    assert!(matches!(&e, Error::Plot(PlotError::Intervals { .. })), "{e}");
}
