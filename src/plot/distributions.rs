//! The distribution of each measure over one layer's neurons.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Canvas, Draw, DrawResult, FONT, Figure, LIGHT_GRID, PlotError, color, measure_axis, padded_range, titled};
use crate::Result;
use crate::measures::Scores;

/// Histogram bins per panel.
const BINS: usize = 20;

/// One histogram panel per measure (two columns), each counting the layer's
/// neurons in 20 equal-width bins of the measure, its units on the x axis.
///
/// # Errors
/// [`PlotError::Empty`] for no measure; a measure or layer `scores` does not
/// have (as [`Scores::get`]).
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
/// let svg = measure_distributions("layer 0", &scores, 0, &["entropy", "mutual_info"])?.svg()?;
/// assert!(svg.contains("mutual information (bits)"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn measure_distributions<'a>(
    title: &str,
    scores: &'a Scores,
    layer: usize,
    measures: &[&str],
) -> Result<Figure<'a>> {
    if measures.is_empty() {
        return Err(PlotError::Empty(format!("`{title}` names no measure")).into());
    }
    let mut panels = Vec::with_capacity(measures.len());
    for &name in measures {
        panels.push((measure_axis(scores, name), scores.get(name, layer)?));
    }
    let rows = panels.len().div_ceil(2) as u32;
    let histograms = Histograms {
        title: title.to_string(),
        panels,
    };
    Ok(Figure::new(title, (960, 60 + 300 * rows), histograms))
}

/// Histogram panels: each an axis label and the values.
struct Histograms<'a> {
    title: String,
    panels: Vec<(String, &'a [f64])>,
}

impl Draw for Histograms<'_> {
    fn draw<B: Canvas>(&self, root: &DrawingArea<B, Shift>) -> DrawResult {
        draw(root, &self.title, &self.panels)
    }
}

fn draw<B: Canvas>(root: &DrawingArea<B, Shift>, title: &str, panels: &[(String, &[f64])]) -> DrawResult {
    let root = titled(root, title)?;
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
            .x_label_area_size(46)
            .y_label_area_size(56)
            .build_cartesian_2d(lo..hi, 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc(axis.as_str())
            .y_desc("neurons")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(LIGHT_GRID)
            .max_light_lines(2)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()?;
        let fill = color(i).mix(0.7).filled();
        chart.draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(b, &c)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], fill)
        }))?;
    }
    Ok(())
}
