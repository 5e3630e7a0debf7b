//! SVG figures of a study (feature `plot`): ablation curves against the
//! random band, the distribution of each measure per layer, and one measure
//! against another.
//!
//! Every function returns the SVG document as a `String`; write it wherever
//! you like. Text is emitted as SVG `<text>` in the `sans-serif` family, so
//! rendering needs no font files on the machine that makes the figure.
//!
//! | function | figure |
//! |---|---|
//! | [`ablation_curves`] | accuracy against fraction ablated, one line per measure × order, random band shaded |
//! | [`measure_distributions`] | one histogram panel per measure, for one layer |
//! | [`measure_scatter`] | one measure against another, every neuron, coloured by layer |
//! | [`pair_heatmap`] | a pair measure over a layer's neurons, `i × j` |

mod curves;
mod distributions;
mod heatmap;
mod infoplane;
mod scatter;

pub use curves::ablation_curves;
pub use distributions::measure_distributions;
pub use heatmap::pair_heatmap;
pub use infoplane::{LayerQuantity, information_plane, layer_quantity_over_training};
pub use scatter::measure_scatter;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::RGBColor;

use crate::measures::Scores;

/// Why a figure could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// There is nothing to draw.
    #[error("nothing to plot: {0}")]
    Empty(String),
    /// The drawing backend failed.
    #[error("cannot draw `{figure}`: {message}")]
    Draw {
        /// The figure's title.
        figure: String,
        /// The backend's message.
        message: String,
    },
}

/// Figure size in pixels.
pub(crate) const SIZE: (u32, u32) = (960, 640);
/// Font family of every label; resolved by the SVG viewer, not at render time.
pub(crate) const FONT: &str = "sans-serif";

/// Colour of the minor grid lines.
pub(crate) const LIGHT_GRID: RGBColor = RGBColor(238, 238, 238);

/// A colour-blind-safe palette (Okabe & Ito), cycled.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// The `i`-th palette colour.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Maps a backend error into [`PlotError::Draw`] for the figure `figure`.
pub(crate) fn draw_error<E: std::fmt::Display>(figure: &str) -> impl Fn(E) -> PlotError + '_ {
    move |e| PlotError::Draw {
        figure: figure.to_string(),
        message: e.to_string(),
    }
}

/// The charts of [`xy_chart`].
pub(crate) type XyChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws the series labels of `chart` at `position` in the crate's style and
/// writes the figure.
pub(crate) fn legend_and_present<'a, 'b: 'a>(
    chart: &mut XyChart<'a, 'b>,
    root: &DrawingArea<SVGBackend<'b>, Shift>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    chart
        .configure_series_labels()
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()?;
    root.present()?;
    Ok(())
}

/// An `f64 × f64` chart on `area` in the crate's style: caption, margins,
/// light grid, fonts and the two axis labels.
pub(crate) fn xy_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    (x, y): (Range<f64>, Range<f64>),
    (x_desc, y_desc): (&str, &str),
) -> std::result::Result<XyChart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .light_line_style(LIGHT_GRID)
        .max_light_lines(2)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    Ok(chart)
}

/// The padded ranges ([`padded_range`]) of the points' `x` and `y`, `0..1`
/// where there is no finite value.
pub(crate) fn data_ranges(points: impl Iterator<Item = (f64, f64)> + Clone) -> (Range<f64>, Range<f64>) {
    let range = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = padded_range(values).unwrap_or((0.0, 1.0));
        lo..hi
    };
    (range(&mut points.clone().map(|p| p.0)), range(&mut points.map(|p| p.1)))
}

/// `[lo, hi]` widened to a non-empty range with a 5 % margin.
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        })?;
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5_f64.max(0.05 * lo.abs())
    };
    Some((lo - pad, hi + pad))
}

/// Axis label of a measure: its name and units (`bits` or `nats` for an
/// information measure).
pub(crate) fn measure_axis(scores: &Scores, name: &str) -> String {
    let column = scores.measures().iter().find(|c| c.name == name);
    let units = match (column.and_then(|c| c.units), name) {
        (Some(units), _) => units.name(),
        (None, "csi") => "index, dimensionless",
        (None, "variance") => "activation²",
        (None, "weight_l1" | "weight_l2") => "weight units",
        (None, _) => "dimensionless",
    };
    format!("{name} ({units})")
}
