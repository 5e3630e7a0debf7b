//! The information plane over training, and layer quantities over training.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Canvas, Draw, DrawResult, Figure, LARGE, PlotError, SIZE, color, data_ranges, legend, titled, xy_chart};
use crate::Result;
use crate::infoplane::{InfoPlaneTrace, LayerPoint};

/// A layer-level quantity of a [`LayerPoint`], for the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerQuantity {
    /// Plug-in `H(T)` of the codewords.
    Entropy,
    /// Plug-in `I(T;Y)`.
    MutualInfo,
    /// Miller–Madow `I(T;Y)`.
    MutualInfoMm,
    /// Plug-in `I(T;Y)` minus its permutation-null mean.
    MutualInfoDebiased,
    /// `I(X;T)` under the noise model (KDE upper bound).
    InputInfo,
    /// `Σ_i I(T_i;Y)`.
    SumNeuronMi,
    /// `Σ_i H(T_i) − H(T)`.
    TotalCorrelation,
    /// Distinct codewords over samples.
    DistinctFraction,
    /// The mean of a per-neuron measure (`entropy`, `mutual_info`,
    /// `kl_selectivity`, `csi`) over the layer's neurons.
    NeuronMean(&'static str),
    /// The mean over the layer's pairs of a pair column (`red_mmi`,
    /// `red_wb`, `synergy_mmi`, `synergy_wb`, `interaction_info`), when
    /// computed ([`InfoPlaneSettings::pairs`](crate::infoplane::InfoPlaneSettings::pairs)).
    PairMean(&'static str),
}

impl LayerQuantity {
    /// The value at `point`, if it was estimated.
    pub fn value(self, point: &LayerPoint) -> Option<f64> {
        match self {
            LayerQuantity::Entropy => Some(point.entropy),
            LayerQuantity::MutualInfo => Some(point.mutual_info),
            LayerQuantity::MutualInfoMm => Some(point.mutual_info_mm),
            LayerQuantity::MutualInfoDebiased => point.null.as_ref().map(|n| n.debiased),
            LayerQuantity::InputInfo => point.input_info.map(|i| i.upper_bound),
            LayerQuantity::SumNeuronMi => Some(point.sum_neuron_mi),
            LayerQuantity::TotalCorrelation => Some(point.total_correlation),
            LayerQuantity::DistinctFraction => Some(point.distinct_fraction),
            LayerQuantity::NeuronMean(name) => point.neurons.iter().find(|s| s.measure == name).map(|s| s.mean),
            LayerQuantity::PairMean(name) => point.pairs.as_ref().and_then(|p| p.get(name)),
        }
    }

    /// The axis label, with units.
    fn axis(self, trace: &InfoPlaneTrace) -> String {
        let units = trace.settings.units;
        let noise = trace.settings.noise_variance.unwrap_or(f64::NAN);
        match self {
            LayerQuantity::Entropy => format!("H(T), codewords, plug-in ({units})"),
            LayerQuantity::MutualInfo => format!("I(T;Y), codewords, plug-in ({units})"),
            LayerQuantity::MutualInfoMm => format!("I(T;Y), codewords, Miller–Madow ({units})"),
            LayerQuantity::MutualInfoDebiased => format!("I(T;Y) − permutation-null mean ({units})"),
            LayerQuantity::InputInfo => format!("I(X;T), KDE upper bound, σ² = {noise} ({units})"),
            LayerQuantity::SumNeuronMi => format!("Σ_i I(T_i;Y) ({units})"),
            LayerQuantity::TotalCorrelation => format!("total correlation ({units})"),
            LayerQuantity::DistinctFraction => "distinct codewords / samples (fraction)".into(),
            LayerQuantity::NeuronMean("csi") => "mean csi over the neurons (index, dimensionless)".into(),
            LayerQuantity::NeuronMean(name) => format!("mean {name} over the neurons, plug-in ({units})"),
            LayerQuantity::PairMean(name) => format!("mean {name} over the neuron pairs, plug-in ({units})"),
        }
    }
}

/// How markers are coloured: by snapshot (time) or by layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markers {
    /// From light yellow (first snapshot) to dark blue (last), of `snapshots`.
    Time { snapshots: usize },
    /// The layer's palette colour.
    Layer,
}

impl Markers {
    /// The colour of a marker of the `j`-th layer at snapshot `t`.
    fn color(self, j: usize, t: usize) -> RGBColor {
        match self {
            Markers::Time { snapshots } => time_color(t as f64 / snapshots.saturating_sub(1).max(1) as f64),
            Markers::Layer => color(j),
        }
    }
}

/// One point of a layer's path: position, its snapshot's index, saturated or not.
type PathPoint = (f64, f64, usize, bool);

/// The layers' paths of `(x, y)` over the trace's snapshots, points where
/// either value is missing left out.
fn paths(
    trace: &InfoPlaneTrace,
    x: impl Fn(usize, &LayerPoint) -> Option<f64>,
    y: LayerQuantity,
) -> Vec<(usize, Vec<PathPoint>)> {
    let mut layers: Vec<(usize, Vec<PathPoint>)> = Vec::new();
    for (t, snap) in trace.snapshots.iter().enumerate() {
        for point in &snap.layers {
            let j = match layers.iter().position(|(l, _)| *l == point.layer) {
                Some(j) => j,
                None => {
                    layers.push((point.layer, Vec::new()));
                    layers.len() - 1
                }
            };
            if let (Some(a), Some(b)) = (x(t, point), y.value(point)) {
                layers[j].1.push((a, b, t, point.saturated));
            }
        }
    }
    layers.retain(|(_, p)| !p.is_empty());
    layers
}

/// The information plane: `y` (normally [`LayerQuantity::MutualInfo`])
/// against `x` ([`LayerQuantity::Entropy`] or [`LayerQuantity::InputInfo`]),
/// one path per layer over the snapshots, its points coloured by time (light
/// yellow first, dark blue last); saturated points are drawn hollow.
///
/// # Errors
/// [`PlotError::Empty`] when no snapshot has both values.
///
/// # Examples
///
/// ```
/// use infoablate::infoplane::{InfoPlaneSettings, InfoPlaneTrace, Snapshot, measure_layers};
/// use infoablate::plot::{LayerQuantity, information_plane};
/// use infoablate::record::Recording;
/// use ndarray::array;
///
/// let rec = Recording::new(vec![0], vec![array![[0.0_f32], [1.0], [2.0], [3.0]]], vec![0, 0, 1, 1], 2)?;
/// let layers = measure_layers(&rec, &InfoPlaneSettings::default())?;
/// let snapshot = Snapshot { epoch: 0, step: 0, train_loss: None, train_accuracy: None, layers };
/// let trace = InfoPlaneTrace { settings: InfoPlaneSettings::default(), snapshots: vec![snapshot] };
/// let svg = information_plane("plane", &trace, LayerQuantity::Entropy, LayerQuantity::MutualInfo)?.svg()?;
/// assert!(svg.starts_with("<svg") && svg.contains("layer 0"));
/// // No noise model, no I(X;T):
/// assert!(information_plane("plane", &trace, LayerQuantity::InputInfo, LayerQuantity::MutualInfo).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn information_plane(
    title: &str,
    trace: &InfoPlaneTrace,
    x: LayerQuantity,
    y: LayerQuantity,
) -> Result<Figure<'static>> {
    let series = paths(trace, |_, p| x.value(p), y);
    let markers = Markers::Time {
        snapshots: trace.snapshots.len(),
    };
    figure(title, (x.axis(trace), y.axis(trace)), series, markers)
}

/// One layer quantity against optimizer steps, one line per layer.
///
/// # Errors
/// As [`information_plane`].
pub fn layer_quantity_over_training(
    title: &str,
    trace: &InfoPlaneTrace,
    quantity: LayerQuantity,
) -> Result<Figure<'static>> {
    let series = paths(trace, |t, _| Some(trace.snapshots[t].step as f64), quantity);
    figure(
        title,
        ("optimizer steps".into(), quantity.axis(trace)),
        series,
        Markers::Layer,
    )
}

/// The layers' paths, their axes and markers.
struct Paths {
    title: String,
    axes: (String, String),
    series: Vec<(usize, Vec<PathPoint>)>,
    markers: Markers,
}

fn figure(
    title: &str,
    axes: (String, String),
    series: Vec<(usize, Vec<PathPoint>)>,
    markers: Markers,
) -> Result<Figure<'static>> {
    if series.is_empty() {
        return Err(PlotError::Empty(format!("`{title}`: no snapshot has these quantities")).into());
    }
    let paths = Paths {
        title: title.to_string(),
        axes,
        series,
        markers,
    };
    Ok(Figure::new(title, SIZE, paths))
}

/// From light yellow (`f = 0`) through green to dark blue (`f = 1`).
fn time_color(f: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 3] = [(253.0, 231.0, 37.0), (33.0, 145.0, 140.0), (68.0, 1.0, 84.0)];
    let f = f.clamp(0.0, 1.0) * 2.0;
    let (i, w) = if f >= 1.0 { (1, f - 1.0) } else { (0, f) };
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |u: f64, v: f64| (u + (v - u) * w).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Draw for Paths {
    fn draw<B: Canvas>(&self, root: &DrawingArea<B, Shift>) -> DrawResult {
        let series = &self.series;
        let all = || series.iter().flat_map(|(_, p)| p.iter());
        let ranges = data_ranges(all().map(|p| (p.0, p.1)));
        let axes = (self.axes.0.as_str(), self.axes.1.as_str());
        let area = titled(root, &self.title)?;
        let mut chart = xy_chart(&area, None, ranges, axes, LARGE)?;
        for (j, (layer, points)) in series.iter().enumerate() {
            let c = color(j);
            chart
                .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?
                .label(format!("layer {layer}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
            chart.draw_series(points.iter().map(|&(x, y, t, saturated)| {
                let fill = self.markers.color(j, t);
                let style = if saturated { fill.stroke_width(2) } else { fill.filled() };
                Circle::new((x, y), 4, style)
            }))?;
        }
        if let Markers::Time { .. } = self.markers {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label("markers: first snapshot yellow, last dark blue")
                .legend(|(x, y)| Circle::new((x + 10, y), 4, time_color(0.5).filled()));
        }
        if all().any(|p| p.3) {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label("hollow: saturated (distinct codewords / N above threshold)")
                .legend(|(x, y)| Circle::new((x + 10, y), 4, BLACK.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    }
}
