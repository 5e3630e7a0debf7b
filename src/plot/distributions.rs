//! The distribution of each measure over one layer's neurons.

use plotters::prelude::*;

use super::{FONT, LIGHT_GRID, PlotError, SIZE, color, draw_error, measure_axis, padded_range};
use crate::Result;
use crate::measures::Scores;

/// Histogram bins per panel.
const BINS: usize = 20;

/// One histogram panel per measure (two columns), each counting the layer's
/// neurons in 20 equal-width bins of the measure, its units on the x axis.
///
/// # Errors
/// [`PlotError::Empty`] for no measure; a measure or layer `scores` does not
/// have (as [`Scores::get`]); [`PlotError::Draw`] if the backend fails.
///
/// # Examples
///
/// ```
/// use infoablate::measures::{MeasureSettings, analyze};
/// use infoablate::plot::measure_distributions;
/// use infoablate::record::Recording;
/// use ndarray::array;
///
/// let acts = array![[0.0_f32, 1.0], [0.0, 2.0], [3.0, 1.0], [1.0, 2.0]];
/// let scores = analyze(&Recording::new(vec![0], vec![acts], vec![0, 0, 1, 1], 2)?, &MeasureSettings::default(), None)?;
/// let svg = measure_distributions("layer 0", &scores, 0, &["entropy", "mutual_info"])?;
/// assert!(svg.contains("mutual_info (bits)"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn measure_distributions(title: &str, scores: &Scores, layer: usize, measures: &[&str]) -> Result<String> {
    if measures.is_empty() {
        return Err(PlotError::Empty(format!("`{title}` names no measure")).into());
    }
    let mut panels = Vec::with_capacity(measures.len());
    for &name in measures {
        panels.push((measure_axis(scores, name), scores.get(name, layer)?));
    }
    let mut svg = String::new();
    draw(&mut svg, title, &panels).map_err(draw_error(title))?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    title: &str,
    panels: &[(String, &[f64])],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, (FONT, 22))?;
    let rows = panels.len().div_ceil(2);
    let areas = root.split_evenly((rows, 2));
    for (i, ((axis, values), area)) in panels.iter().zip(&areas).enumerate() {
        let (lo, hi) = padded_range(values.iter().copied()).unwrap_or((0.0, 1.0));
        let width = (hi - lo) / BINS as f64;
        let mut counts = [0_usize; BINS];
        for v in values.iter().filter(|v| v.is_finite()) {
            counts[(((v - lo) / width) as usize).min(BINS - 1)] += 1;
        }
        let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc(axis.as_str())
            .y_desc("neurons")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(LIGHT_GRID)
            .max_light_lines(2)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()?;
        let fill = color(i).mix(0.7).filled();
        chart.draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(b, &c)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], fill)
        }))?;
    }
    root.present()?;
    Ok(())
}
