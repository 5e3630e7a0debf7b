//! One measure against another over every neuron.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Canvas, Draw, DrawResult, Figure, LARGE, PlotError, SIZE, color, data_ranges, legend, measure_axis, measure_units,
    titled, xy_chart,
};
use crate::Result;
use crate::measures::Scores;

/// The points of a scatter and its axes.
struct Scatter {
    title: String,
    axes: (String, String),
    /// Draw `y = x`: both measures are in the same units.
    diagonal: bool,
    series: Vec<(usize, Vec<(f64, f64)>)>,
}

/// Every neuron as a point `(x measure, y measure)`, coloured by layer. When
/// both measures are in the same units (bits, say) the diagonal `y = x` is
/// drawn for reference — for mutual information against KL selectivity
/// every point lies on or above it (MI is the mean of the per-class
/// divergences, KL selectivity their maximum); between quantities in
/// different units (the class selectivity index against bits) it would mean
/// nothing and is left out.
///
/// # Errors
/// A measure `scores` does not have (as [`Scores::get`]);
/// [`PlotError::Empty`] if `scores` has no layer.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{MeasureSettings, analyze};
/// use infoablate::plot::measure_scatter;
/// use infoablate::record::Recording;
/// use ndarray::array;
///
/// let acts = array![[0.0_f32, 1.0], [0.0, 2.0], [3.0, 1.0], [1.0, 2.0]];
/// let scores = analyze(&Recording::new(vec![0], vec![acts], vec![0, 0, 1, 1], 2)?, &MeasureSettings::default(), None)?;
/// let svg = measure_scatter("MI against KL selectivity", &scores, "mutual_info", "kl_selectivity")?.svg()?;
/// assert!(svg.contains("layer 0") && svg.contains("y = x"));
/// let svg = measure_scatter("CSI against MI", &scores, "mutual_info", "csi")?.svg()?;
/// assert!(!svg.contains("y = x"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn measure_scatter(title: &str, scores: &Scores, x: &str, y: &str) -> Result<Figure<'static>> {
    let layers = scores.layers();
    if layers.is_empty() {
        return Err(PlotError::Empty(format!("`{title}`: the scores have no layer")).into());
    }
    let mut series = Vec::with_capacity(layers.len());
    for &layer in &layers {
        let points: Vec<(f64, f64)> = scores
            .get(x, layer)?
            .iter()
            .copied()
            .zip(scores.get(y, layer)?.iter().copied())
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        series.push((layer, points));
    }
    let units = (measure_units(scores, x), measure_units(scores, y));
    let scatter = Scatter {
        title: title.to_string(),
        axes: (measure_axis(scores, x), measure_axis(scores, y)),
        diagonal: units.0 == units.1 && units.0 != "dimensionless",
        series,
    };
    Ok(Figure::new(title, SIZE, scatter))
}

impl Draw for Scatter {
    fn draw<B: Canvas>(&self, root: &DrawingArea<B, Shift>) -> DrawResult {
        let (x, y) = data_ranges(self.series.iter().flat_map(|(_, p)| p.iter().copied()));
        let (d_lo, d_hi) = (x.start.max(y.start), x.end.min(y.end));
        let axes = (self.axes.0.as_str(), self.axes.1.as_str());
        let area = titled(root, &self.title)?;
        let mut chart = xy_chart(&area, None, (x, y), axes, LARGE)?;
        if self.diagonal && d_lo < d_hi {
            chart
                .draw_series(LineSeries::new(
                    [(d_lo, d_lo), (d_hi, d_hi)],
                    BLACK.mix(0.5).stroke_width(1),
                ))?
                .label("y = x")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
        }
        for (i, (layer, points)) in self.series.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, c.mix(0.6).filled())))?
                .label(format!("layer {layer}"))
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}
