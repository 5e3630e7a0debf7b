//! Ablation curves against the random band: all in one panel, or one panel
//! per measure.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Canvas, Draw, DrawResult, FONT, Figure, LARGE, PANEL, PlotError, SIZE, TextSizes, color, display_name, titled,
    xy_chart,
};
use crate::Result;
use crate::ablation::{AblationCurve, CurveIntervals, Order, RandomBand};

/// What the curves' y axis shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CurveQuantity {
    /// Accuracy (fraction correct); the chance level is `1/C`.
    #[default]
    Accuracy,
    /// Mean cross-entropy in nats; the chance level is `ln C`, the loss of
    /// a uniform prediction.
    Loss,
}

impl CurveQuantity {
    fn of_point(self, accuracy: f64, loss: f64) -> f64 {
        match self {
            CurveQuantity::Accuracy => accuracy,
            CurveQuantity::Loss => loss,
        }
    }

    /// The lower and upper ends of this quantity's interval in `ci`.
    fn interval(self, ci: &CurveIntervals) -> (&[f64], &[f64]) {
        match self {
            CurveQuantity::Accuracy => (&ci.lower_accuracy, &ci.upper_accuracy),
            CurveQuantity::Loss => (&ci.lower_loss, &ci.upper_loss),
        }
    }

    fn axis(self) -> &'static str {
        match self {
            CurveQuantity::Accuracy => "accuracy (fraction correct)",
            CurveQuantity::Loss => "loss (cross-entropy, nats)",
        }
    }

    /// The chance level for `classes` classes and its legend text.
    fn chance(self, classes: usize) -> (f64, String) {
        let c = classes as f64;
        match self {
            CurveQuantity::Accuracy => (1.0 / c, format!("chance, 1/{classes} = {:.3}", 1.0 / c)),
            CurveQuantity::Loss => (c.ln(), format!("uniform prediction, ln {classes} = {:.3}", c.ln())),
        }
    }

    /// The band's `(lower, mean, upper)` at checkpoint `j`.
    fn band_at(self, band: &RandomBand, j: usize) -> (f64, f64, f64) {
        match self {
            CurveQuantity::Accuracy => (band.lower_accuracy[j], band.mean_accuracy[j], band.upper_accuracy[j]),
            CurveQuantity::Loss => (band.lower_loss[j], band.mean_loss[j], band.upper_loss[j]),
        }
    }
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stroke {
    Solid,
    Dashed,
    Dotted,
    /// A shaded area (the band).
    Fill,
}

/// One legend entry: a line sample and its text.
struct Entry {
    text: String,
    color: RGBColor,
    stroke: Stroke,
}

/// One panel: its caption and its curves, each with its confidence
/// intervals when given.
struct Panel<'a> {
    caption: String,
    curves: Vec<(&'a AblationCurve, Option<&'a CurveIntervals>)>,
}

/// Curves in one or more panels, each with the band and the chance level.
struct Curves<'a> {
    title: String,
    panels: Vec<Panel<'a>>,
    band: Option<&'a RandomBand>,
    quantity: CurveQuantity,
    classes: Option<usize>,
    /// One panel of every curve, coloured by measure, legend to the right.
    single: bool,
}

const GREY: RGBColor = RGBColor(120, 120, 120);

/// Accuracy against the fraction of neurons ablated, in one panel: one line
/// per curve, coloured by measure, solid for descending and dashed for
/// ascending orders; the random band's percentile range shaded and its mean
/// drawn in grey. The legend sits to the right of the plot.
///
/// # Errors
/// [`PlotError::Empty`] for no curve and no band.
///
/// # Examples
///
/// ```
/// use infoablate::ablation::{AblationCurve, CurveLabel, CurvePoint, Order, Scope};
/// use infoablate::plot::ablation_curves;
///
/// let points = (0..=4).map(|k| CurvePoint { k, fraction: k as f64 / 4.0, accuracy: 1.0 - k as f64 / 4.0, loss: 0.0 }).collect();
/// let label = CurveLabel { measure: "mutual_info".into(), order: Some(Order::Descending), scope: Scope::Layer(0), replacement: "zero".into(), seed: None, neurons: 4 };
/// let svg = ablation_curves("layer 0", &[AblationCurve { label, points }], None)?.svg()?;
/// assert!(svg.starts_with("<svg") && svg.contains("mutual information, descending"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn ablation_curves<'a>(
    title: &str,
    curves: &'a [AblationCurve],
    band: Option<&'a RandomBand>,
) -> Result<Figure<'a>> {
    if curves.is_empty() && band.is_none() {
        return Err(PlotError::Empty(format!("`{title}` has no curve and no random band")).into());
    }
    let panels = vec![Panel {
        caption: title.to_string(),
        curves: curves.iter().map(|c| (c, None)).collect(),
    }];
    let figure = Curves {
        title: title.to_string(),
        panels,
        band,
        quantity: CurveQuantity::Accuracy,
        classes: None,
        single: true,
    };
    Ok(Figure::new(title, SIZE, figure))
}

/// Small multiples: one panel per measure (in the order the curves first
/// name them), each with that measure's descending (solid) and ascending
/// (dashed) curves, the random band (percentiles shaded, mean in grey) and,
/// with `classes`, the chance level (`1/C` for accuracy, `ln C` for loss)
/// dotted. Panels come two to a row under the title; one legend below them.
///
/// # Errors
/// [`PlotError::Empty`] for no curve; [`PlotError::Empty`] too for a curve
/// of another scope or replacement than the band's, or for fewer than two
/// classes.
///
/// # Examples
///
/// ```
/// use infoablate::ablation::{AblationCurve, CurveLabel, CurvePoint, Order, Scope};
/// use infoablate::plot::{CurveQuantity, ablation_panels};
///
/// let curve = |measure: &str, order| AblationCurve {
///     label: CurveLabel { measure: measure.into(), order: Some(order), scope: Scope::Global, replacement: "zero".into(), seed: None, neurons: 2 },
///     points: (0..=2).map(|k| CurvePoint { k, fraction: k as f64 / 2.0, accuracy: 0.9 - 0.4 * k as f64, loss: 0.3 + k as f64 }).collect(),
/// };
/// let curves = [curve("entropy", Order::Descending), curve("mutual_info", Order::Descending), curve("mutual_info", Order::Ascending)];
/// let svg = ablation_panels("MNIST", &curves, None, CurveQuantity::Loss, Some(10))?.svg()?;
/// assert!(svg.contains("mutual information") && svg.contains("uniform prediction, ln 10"));
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn ablation_panels<'a>(
    title: &str,
    curves: &'a [AblationCurve],
    band: Option<&'a RandomBand>,
    quantity: CurveQuantity,
    classes: Option<usize>,
) -> Result<Figure<'a>> {
    panels(title, curves, None, band, quantity, classes)
}

/// [`ablation_panels`] of accuracy or loss with each curve's bootstrap confidence
/// interval of that quantity ([`SampleOutcomes::bootstrap`](crate::ablation::SampleOutcomes::bootstrap),
/// from [`Engine::run_with_outcomes`](crate::ablation::Engine::run_with_outcomes))
/// shaded around it, thin and semi-transparent in the
/// curve's colour; `intervals[i]` belongs to `curves[i]`.
///
/// # Errors
/// Those of [`ablation_panels`]; [`PlotError::Intervals`] for a number of
/// intervals other than the number of curves, or an interval whose
/// checkpoints are not its curve's.
///
/// # Examples
///
/// ```
/// use infoablate::ablation::{AblationCurve, CurveIntervals, CurveLabel, CurvePoint, Order, Scope};
/// use infoablate::measures::Bootstrap;
/// use infoablate::plot::{CurveQuantity, ablation_panels_with_intervals};
///
/// let label = CurveLabel { measure: "entropy".into(), order: Some(Order::Descending), scope: Scope::Global, replacement: "zero".into(), seed: None, neurons: 2 };
/// let points = (0..=2).map(|k| CurvePoint { k, fraction: k as f64 / 2.0, accuracy: 0.9 - 0.4 * k as f64, loss: 0.3 + k as f64 }).collect();
/// let curves = [AblationCurve { label, points }];
/// let ci = CurveIntervals {
///     bootstrap: Bootstrap::new(200, 0.95, 7)?,
///     k: vec![0, 1, 2],
///     lower_accuracy: vec![0.85, 0.45, 0.05],
///     upper_accuracy: vec![0.95, 0.55, 0.15],
///     lower_auc: 0.4,
///     upper_auc: 0.6,
///     lower_loss: vec![0.25, 1.2, 2.1],
///     upper_loss: vec![0.35, 1.4, 2.5],
/// };
/// let intervals = [ci];
/// for quantity in [CurveQuantity::Accuracy, CurveQuantity::Loss] {
///     let svg = ablation_panels_with_intervals("MNIST", &curves, &intervals, None, quantity, Some(10))?.svg()?;
///     assert!(svg.contains("95 % bootstrap interval of each curve (200 resamples)"));
///     assert_eq!(svg.matches("<polygon").count(), 1);
/// }
/// // one interval per curve
/// assert!(ablation_panels_with_intervals("MNIST", &curves, &[], None, CurveQuantity::Loss, Some(10)).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn ablation_panels_with_intervals<'a>(
    title: &str,
    curves: &'a [AblationCurve],
    intervals: &'a [CurveIntervals],
    band: Option<&'a RandomBand>,
    quantity: CurveQuantity,
    classes: Option<usize>,
) -> Result<Figure<'a>> {
    let mismatch = |reason: String| PlotError::Intervals {
        figure: title.to_string(),
        reason,
    };
    if intervals.len() != curves.len() {
        return Err(mismatch(format!("{} intervals for {} curves", intervals.len(), curves.len())).into());
    }
    for (curve, ci) in curves.iter().zip(intervals) {
        let k: Vec<usize> = curve.points.iter().map(|p| p.k).collect();
        let (lower, upper) = quantity.interval(ci);
        if ci.k != k || lower.len() != k.len() || upper.len() != k.len() {
            return Err(mismatch(format!(
                "the interval of `{}` has checkpoints {:?} ({} lower, {} upper ends), the curve {k:?}",
                curve.label.name(),
                ci.k,
                lower.len(),
                upper.len()
            ))
            .into());
        }
    }
    panels(title, curves, Some(intervals), band, quantity, classes)
}

/// The figure of [`ablation_panels`], `intervals` (checked) one per curve.
fn panels<'a>(
    title: &str,
    curves: &'a [AblationCurve],
    intervals: Option<&'a [CurveIntervals]>,
    band: Option<&'a RandomBand>,
    quantity: CurveQuantity,
    classes: Option<usize>,
) -> Result<Figure<'a>> {
    if curves.is_empty() {
        return Err(PlotError::Empty(format!("`{title}` has no curve")).into());
    }
    if let Some(band) = band
        && let Some(other) = curves
            .iter()
            .find(|c| c.label.scope != band.scope || c.label.replacement != band.replacement)
    {
        return Err(PlotError::Empty(format!(
            "`{title}`: `{}` ablates {} with {} replacement, the random band {} with {}",
            other.label.name(),
            other.label.scope,
            other.label.replacement,
            band.scope,
            band.replacement
        ))
        .into());
    }
    if classes.is_some_and(|c| c < 2) {
        return Err(PlotError::Empty(format!("`{title}`: a chance level needs at least two classes")).into());
    }
    let mut panels: Vec<Panel<'a>> = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let caption = display_name(&curve.label.measure).to_string();
        let entry = (curve, intervals.and_then(|all| all.get(i)));
        match panels.iter_mut().find(|p| p.caption == caption) {
            Some(panel) => panel.curves.push(entry),
            None => panels.push(Panel {
                caption,
                curves: vec![entry],
            }),
        }
    }
    let rows = panels.len().div_ceil(2) as u32;
    let width = if panels.len() == 1 { 720 } else { 1200 };
    let size = (width, 70 + 400 * rows + 60);
    let figure = Curves {
        title: title.to_string(),
        panels,
        band,
        quantity,
        classes,
        single: false,
    };
    Ok(Figure::new(title, size, figure))
}

impl Curves<'_> {
    /// The y range: accuracy `0..1.02`, loss from 0 to 5 % above the largest value.
    fn y_range(&self) -> std::ops::Range<f64> {
        match self.quantity {
            CurveQuantity::Accuracy => 0.0..1.02,
            CurveQuantity::Loss => {
                let curves = self
                    .panels
                    .iter()
                    .flat_map(|p| &p.curves)
                    .flat_map(|(c, _)| &c.points)
                    .map(|p| p.loss);
                let band = self.band.iter().flat_map(|b| b.upper_loss.iter().copied());
                let intervals = (self.panels.iter().flat_map(|p| &p.curves))
                    .flat_map(|(_, ci)| ci.iter().flat_map(|ci| ci.upper_loss.iter().copied()));
                let chance = self.classes.map(|c| (c as f64).ln());
                let top = curves
                    .chain(band)
                    .chain(intervals)
                    .chain(chance)
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max);
                0.0..(1.05 * top).max(1e-3)
            }
        }
    }

    /// Draws one panel; the legend entries of what it drew.
    fn panel<B: Canvas>(
        &self,
        area: &DrawingArea<B, Shift>,
        panel: &Panel<'_>,
        text: TextSizes,
        single: bool,
    ) -> std::result::Result<Vec<Entry>, Box<dyn std::error::Error>> {
        let axes = ("fraction of neurons ablated", self.quantity.axis());
        let caption = (!single).then_some(panel.caption.as_str());
        let mut chart = xy_chart(area, caption, (0.0..1.0, self.y_range()), axes, text)?;
        let mut entries = Vec::new();
        if let Some(band) = self.band {
            let at = |j| self.quantity.band_at(band, j);
            let n = band.k.len();
            let upper = (0..n).map(|j| (band.fraction[j], at(j).2));
            let lower = (0..n).rev().map(|j| (band.fraction[j], at(j).0));
            chart.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                GREY.mix(0.25).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                (0..n).map(|j| (band.fraction[j], at(j).1)),
                GREY.stroke_width(2),
            ))?;
            let (lo, hi) = band.percentiles;
            let r = band.seeds.len();
            entries.push(Entry {
                text: format!("random ({r} orders): {lo}–{hi}th percentile"),
                color: GREY,
                stroke: Stroke::Fill,
            });
            entries.push(Entry {
                text: format!("random ({r} orders): mean"),
                color: GREY,
                stroke: Stroke::Solid,
            });
        }
        if let Some(classes) = self.classes {
            let (level, text) = self.quantity.chance(classes);
            chart.draw_series(DashedLineSeries::new(
                [(0.0, level), (1.0, level)],
                3,
                4,
                BLACK.stroke_width(1),
            ))?;
            entries.push(Entry {
                text,
                color: BLACK,
                stroke: Stroke::Dotted,
            });
        }
        let mut measures: Vec<&str> = Vec::new();
        for &(curve, interval) in &panel.curves {
            let measure = curve.label.measure.as_str();
            let index = measures.iter().position(|&m| m == measure).unwrap_or_else(|| {
                measures.push(measure);
                measures.len() - 1
            });
            let ascending = curve.label.order == Some(Order::Ascending);
            // Within a measure's own panel the colour tells the order; in one panel, the measure.
            let line_color = if single {
                color(index)
            } else {
                color(usize::from(ascending))
            };
            let points = curve
                .points
                .iter()
                .map(|p| (p.fraction, self.quantity.of_point(p.accuracy, p.loss)));
            if let Some(ci) = interval {
                chart.draw_series(std::iter::once(interval_band(curve, ci, self.quantity, line_color)))?;
                entries.push(Entry {
                    text: format!(
                        "{:.0} % bootstrap interval of each curve ({} resamples)",
                        100.0 * ci.bootstrap.level,
                        ci.bootstrap.replicates
                    ),
                    // One entry for every curve's band, each in its curve's colour.
                    color: GREY,
                    stroke: Stroke::Fill,
                });
            }
            let style = line_color.stroke_width(2);
            if ascending {
                chart.draw_series(DashedLineSeries::new(points, 8, 5, style))?;
            } else {
                chart.draw_series(LineSeries::new(points, style))?;
            }
            let text = match (single, curve.label.order) {
                (true, Some(order)) => format!("{}, {order}", display_name(measure)),
                (true, None) => curve.label.name(),
                (false, Some(Order::Descending)) => "descending (highest score first)".into(),
                (false, Some(Order::Ascending)) => "ascending (lowest score first)".into(),
                (false, None) => curve.label.name(),
            };
            entries.push(Entry {
                text,
                color: line_color,
                stroke: if ascending { Stroke::Dashed } else { Stroke::Solid },
            });
        }
        Ok(entries)
    }
}

/// The shaded area between a curve's interval ends, at its checkpoints
/// (checked to be the interval's), lighter than the random band.
fn interval_band(
    curve: &AblationCurve,
    ci: &CurveIntervals,
    quantity: CurveQuantity,
    color: RGBColor,
) -> Polygon<(f64, f64)> {
    let fraction = |j: usize| curve.points[j].fraction;
    let (lower, upper) = quantity.interval(ci);
    let n = ci.k.len();
    let upper = (0..n).map(|j| (fraction(j), upper[j]));
    let lower = (0..n).rev().map(|j| (fraction(j), lower[j]));
    Polygon::new(upper.chain(lower).collect::<Vec<_>>(), color.mix(0.2).filled())
}

impl Draw for Curves<'_> {
    fn draw<B: Canvas>(&self, root: &DrawingArea<B, Shift>) -> DrawResult {
        let area = titled(root, &self.title)?;
        if let (true, [panel]) = (self.single, self.panels.as_slice()) {
            let (width, _) = area.dim_in_pixel();
            let (plot_area, legend_area) = area.split_horizontally(width * 2 / 3);
            let entries = self.panel(&plot_area, panel, LARGE, true)?;
            return draw_legend(&legend_area, &entries, Layout::Column);
        }
        let (_, height) = area.dim_in_pixel();
        let (grid, legend_area) = area.split_vertically(height.saturating_sub(60));
        let cols = if self.panels.len() == 1 { 1 } else { 2 };
        let areas = grid.split_evenly((self.panels.len().div_ceil(cols), cols));
        let mut entries = Vec::new();
        for (panel, area) in self.panels.iter().zip(&areas) {
            let drawn = self.panel(area, panel, PANEL, false)?;
            for entry in drawn {
                if !entries.iter().any(|e: &Entry| e.text == entry.text) {
                    entries.push(entry);
                }
            }
        }
        draw_legend(&legend_area, &entries, Layout::Rows)
    }
}

/// How legend entries are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One per line, from the top.
    Column,
    /// Side by side, wrapping to a new line where the area ends.
    Rows,
}

fn draw_legend<B: Canvas>(area: &DrawingArea<B, Shift>, entries: &[Entry], layout: Layout) -> DrawResult {
    let text_style = (FONT, 15).into_font().color(&BLACK);
    let (width, _) = area.dim_in_pixel();
    let (mut x, mut y) = match layout {
        Layout::Column => (8, 40),
        Layout::Rows => (16, 14),
    };
    for entry in entries {
        let (text_width, _) = area.estimate_text_size(&entry.text, &text_style)?;
        let span = 36 + 8 + text_width as i32 + 24;
        if layout == Layout::Rows && x > 16 && x + span > width as i32 {
            (x, y) = (16, y + 24);
        }
        let (x0, x1) = (x, x + 36);
        match entry.stroke {
            Stroke::Fill => area.draw(&Rectangle::new(
                [(x0, y - 7), (x1, y + 7)],
                entry.color.mix(0.25).filled(),
            ))?,
            Stroke::Solid => area.draw(&PathElement::new(vec![(x0, y), (x1, y)], entry.color.stroke_width(2)))?,
            Stroke::Dashed | Stroke::Dotted => {
                let (dash, gap) = if entry.stroke == Stroke::Dashed { (8, 6) } else { (3, 4) };
                let mut start = x0;
                while start < x1 {
                    let end = (start + dash).min(x1);
                    area.draw(&PathElement::new(
                        vec![(start, y), (end, y)],
                        entry.color.stroke_width(2),
                    ))?;
                    start = end + gap;
                }
            }
        }
        area.draw(&Text::new(entry.text.clone(), (x1 + 8, y - 8), text_style.clone()))?;
        match layout {
            Layout::Column => y += 26,
            Layout::Rows => x += span,
        }
    }
    Ok(())
}
