//! A pair measure over a layer's neurons as a heat map.

use ndarray::ArrayView2;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Canvas, Draw, DrawResult, FONT, Figure, PlotError, SIZE, titled};
use crate::Result;

/// Colour of a cell with no value (the diagonal, pairs not analysed).
const MISSING: RGBColor = RGBColor(235, 235, 235);

/// Anchors of the colour scale, low to high (viridis, sampled).
const SCALE: [RGBColor; 5] = [
    RGBColor(68, 1, 84),
    RGBColor(59, 82, 139),
    RGBColor(33, 145, 140),
    RGBColor(94, 201, 98),
    RGBColor(253, 231, 37),
];

/// The colour of `t ∈ [0, 1]`, interpolated between the scale's anchors.
fn scale(t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (SCALE.len() - 1) as f64;
    let i = (x as usize).min(SCALE.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
    let (a, b) = (SCALE[i], SCALE[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A square matrix of a pair measure (as
/// [`PairAnalysis::matrix`](crate::pairs::PairAnalysis::matrix) returns) as
/// a heat map: cell `(i, j)` coloured from the smallest to the largest
/// finite value (viridis), `NaN` cells light grey, with a colour bar
/// labelled `measure`.
///
/// # Errors
/// [`PlotError::Empty`] for a matrix that is not square or has no finite
/// value.
///
/// # Examples
///
/// ```
/// use infoablate::plot::pair_heatmap;
/// use ndarray::array;
///
/// let m = array![[f64::NAN, 0.2, 0.5], [0.2, f64::NAN, 0.1], [0.5, 0.1, f64::NAN]];
/// let svg = pair_heatmap("synergy of layer 0", m.view(), "synergy_broja (bits)")?.svg()?;
/// assert!(svg.contains("synergy_broja (bits)") && svg.contains("<rect"));
/// assert!(pair_heatmap("empty", ndarray::Array2::<f64>::zeros((2, 3)).view(), "x").is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn pair_heatmap<'a>(title: &str, matrix: ArrayView2<'a, f64>, measure: &str) -> Result<Figure<'a>> {
    let (rows, cols) = matrix.dim();
    let finite = || matrix.iter().copied().filter(|v| v.is_finite());
    let (Some(lo), Some(hi)) = (finite().reduce(f64::min), finite().reduce(f64::max)) else {
        return Err(PlotError::Empty(format!("`{title}`: the matrix has no finite value")).into());
    };
    if rows != cols {
        return Err(PlotError::Empty(format!("`{title}`: a {rows} × {cols} matrix is not square")).into());
    }
    let heatmap = Heatmap {
        title: title.to_string(),
        matrix,
        measure: measure.to_string(),
        range: (lo, hi),
    };
    Ok(Figure::new(title, SIZE, heatmap))
}

/// A square matrix, its colour bar's label and its finite range.
struct Heatmap<'a> {
    title: String,
    matrix: ArrayView2<'a, f64>,
    measure: String,
    range: (f64, f64),
}

impl Draw for Heatmap<'_> {
    fn draw<B: Canvas>(&self, root: &DrawingArea<B, Shift>) -> DrawResult {
        draw(root, &self.title, self.matrix, &self.measure, self.range)
    }
}

fn draw<B: Canvas>(
    root: &DrawingArea<B, Shift>,
    title: &str,
    matrix: ArrayView2<'_, f64>,
    measure: &str,
    (lo, hi): (f64, f64),
) -> DrawResult {
    let n = matrix.nrows();
    let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let root = titled(root, title)?;
    let (width, _) = root.dim_in_pixel();
    let (map_area, bar_area) = root.split_horizontally(width.saturating_sub(150));
    let mut chart = ChartBuilder::on(&map_area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..n as f64, n as f64..0.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("neuron j")
        .y_desc("neuron i")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    chart.draw_series(matrix.indexed_iter().map(|((i, j), &v)| {
        let color = if v.is_finite() { scale(t(v)) } else { MISSING };
        Rectangle::new([(j as f64, i as f64), (j as f64 + 1.0, i as f64 + 1.0)], color.filled())
    }))?;
    let mut bar = ChartBuilder::on(&bar_area)
        .margin_top(48)
        .margin_bottom(52)
        .margin_right(12)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, lo..hi.max(lo + f64::EPSILON))?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(measure)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .draw()?;
    const STEPS: usize = 64;
    let step = (hi - lo) / STEPS as f64;
    bar.draw_series((0..STEPS).map(|k| {
        let v = lo + k as f64 * step;
        Rectangle::new(
            [(0.0, v), (1.0, v + step)],
            scale(k as f64 / (STEPS - 1) as f64).filled(),
        )
    }))?;
    Ok(())
}
