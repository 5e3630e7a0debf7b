//! Ablation curves against the random band.

use plotters::prelude::*;

use super::{FONT, LIGHT_GRID, PlotError, SIZE, color, draw_error};
use crate::Result;
use crate::ablation::{AblationCurve, Order, RandomBand};

/// One legend entry: a line sample and its text.
struct Entry {
    text: String,
    color: RGBColor,
    dashed: bool,
    fill: bool,
}

/// Accuracy against the fraction of neurons ablated: one line per curve,
/// coloured by measure, solid for descending and dashed for ascending
/// orders; the random band's percentile range shaded and its mean drawn in
/// grey. The legend sits to the right of the plot.
///
/// # Errors
/// [`PlotError::Empty`] for no curve and no band; [`PlotError::Draw`] if the
/// backend fails.
///
/// # Examples
///
/// ```
/// use infoablate::ablation::{AblationCurve, CurveLabel, CurvePoint, Order, Scope};
/// use infoablate::plot::ablation_curves;
///
/// let points = (0..=4).map(|k| CurvePoint { k, fraction: k as f64 / 4.0, accuracy: 1.0 - k as f64 / 4.0, loss: 0.0 }).collect();
/// let label = CurveLabel { measure: "mutual_info".into(), order: Some(Order::Descending), scope: Scope::Layer(0), replacement: "zero".into(), seed: None, neurons: 4 };
/// let svg = ablation_curves("layer 0", &[AblationCurve { label, points }], None)?;
/// assert!(svg.starts_with("<svg") && svg.contains("mutual_info descending"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn ablation_curves(title: &str, curves: &[AblationCurve], band: Option<&RandomBand>) -> Result<String> {
    if curves.is_empty() && band.is_none() {
        return Err(PlotError::Empty(format!("`{title}` has no curve and no random band")).into());
    }
    let mut svg = String::new();
    draw(&mut svg, title, curves, band).map_err(draw_error(title))?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    title: &str,
    curves: &[AblationCurve],
    band: Option<&RandomBand>,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot_area, legend_area) = root.split_horizontally(SIZE.0 * 7 / 10);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..1.0, 0.0..1.02)?;
    chart
        .configure_mesh()
        .x_desc("neurons ablated (fraction of the scope)")
        .y_desc("accuracy (fraction correct)")
        .light_line_style(LIGHT_GRID)
        .max_light_lines(2)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;

    let mut entries = Vec::new();
    if let Some(band) = band {
        let grey = RGBColor(120, 120, 120);
        let upper = band.fraction.iter().copied().zip(band.upper_accuracy.iter().copied());
        let lower = band.fraction.iter().copied().zip(band.lower_accuracy.iter().copied());
        let outline: Vec<(f64, f64)> = upper.chain(lower.rev()).collect();
        chart.draw_series(std::iter::once(Polygon::new(outline, grey.mix(0.25).filled())))?;
        let mean = band.fraction.iter().copied().zip(band.mean_accuracy.iter().copied());
        chart.draw_series(LineSeries::new(mean, grey.stroke_width(2)))?;
        let (lo, hi) = band.percentiles;
        entries.push(Entry {
            text: format!("random, {lo}–{hi}th percentile"),
            color: grey,
            dashed: false,
            fill: true,
        });
        entries.push(Entry {
            text: format!("random, mean of {} seeds", band.seeds.len()),
            color: grey,
            dashed: false,
            fill: false,
        });
    }

    let mut measures: Vec<&str> = Vec::new();
    for curve in curves {
        let measure = curve.label.measure.as_str();
        let index = measures.iter().position(|&m| m == measure).unwrap_or_else(|| {
            measures.push(measure);
            measures.len() - 1
        });
        let line_color = color(index);
        let dashed = curve.label.order == Some(Order::Ascending);
        let points = curve.points.iter().map(|p| (p.fraction, p.accuracy));
        let style = line_color.stroke_width(2);
        if dashed {
            chart.draw_series(DashedLineSeries::new(points, 8, 5, style))?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
        entries.push(Entry {
            text: curve.label.name(),
            color: line_color,
            dashed,
            fill: false,
        });
    }
    draw_legend(&legend_area, &entries)?;
    root.present()?;
    Ok(())
}

fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    entries: &[Entry],
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let text_style = (FONT, 15).into_font().color(&BLACK);
    for (row, entry) in entries.iter().enumerate() {
        let y = 60 + 26 * row as i32;
        let (x0, x1) = (8, 44);
        if entry.fill {
            area.draw(&Rectangle::new(
                [(x0, y - 7), (x1, y + 7)],
                entry.color.mix(0.25).filled(),
            ))?;
        } else if entry.dashed {
            for start in [x0, x0 + 14, x0 + 28] {
                area.draw(&PathElement::new(
                    vec![(start, y), (start + 8, y)],
                    entry.color.stroke_width(2),
                ))?;
            }
        } else {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], entry.color.stroke_width(2)))?;
        }
        area.draw(&Text::new(entry.text.clone(), (x1 + 8, y - 8), text_style.clone()))?;
    }
    Ok(())
}
