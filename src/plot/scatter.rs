//! One measure against another over every neuron.

use plotters::prelude::*;

use super::{PlotError, SIZE, color, data_ranges, draw_error, legend_and_present, measure_axis, xy_chart};
use crate::Result;
use crate::measures::Scores;

/// Every neuron as a point `(x measure, y measure)`, coloured by layer, with
/// the diagonal `y = x` drawn for reference (for mutual information against
/// KL selectivity every point lies on or above it: MI is the mean of the
/// per-class divergences, KL selectivity their maximum).
///
/// # Errors
/// A measure `scores` does not have (as [`Scores::get`]);
/// [`PlotError::Empty`] if `scores` has no layer; [`PlotError::Draw`] if the
/// backend fails.
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
/// let svg = measure_scatter("MI against KL selectivity", &scores, "mutual_info", "kl_selectivity")?;
/// assert!(svg.contains("layer 0"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn measure_scatter(title: &str, scores: &Scores, x: &str, y: &str) -> Result<String> {
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
    let mut svg = String::new();
    draw(
        &mut svg,
        title,
        (&measure_axis(scores, x), &measure_axis(scores, y)),
        &series,
    )
    .map_err(draw_error(title))?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    series: &[(usize, Vec<(f64, f64)>)],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let (x, y) = data_ranges(series.iter().flat_map(|(_, p)| p.iter().copied()));
    let (d_lo, d_hi) = (x.start.max(y.start), x.end.min(y.end));
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = xy_chart(&root, title, (x, y), (x_desc, y_desc))?;
    if d_lo < d_hi {
        chart
            .draw_series(LineSeries::new(
                [(d_lo, d_lo), (d_hi, d_hi)],
                BLACK.mix(0.5).stroke_width(1),
            ))?
            .label("y = x")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    }
    for (i, (layer, points)) in series.iter().enumerate() {
        let c = color(i);
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, c.mix(0.6).filled())))?
            .label(format!("layer {layer}"))
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
    }
    legend_and_present(&mut chart, &root, SeriesLabelPosition::UpperLeft)
}
