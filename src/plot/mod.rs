//! Figures of a study (feature `plot`): ablation curves against the random
//! band (one panel, or one panel per measure), the distribution of each
//! measure per layer, one measure against another, pair heat maps and the
//! information plane.
//!
//! Every function returns a [`Figure`]: render it as SVG
//! ([`Figure::svg`]), as PNG ([`Figure::png`]), or [`save`](Figure::save)
//! it by the file's extension. Text is set in DejaVu Sans, which the crate
//! ships (`assets/fonts`, Bitstream Vera license) and registers with
//! plotters' `ab_glyph` renderer: PNGs need no font on the machine, and SVGs
//! name the `sans-serif` family, laid out with DejaVu Sans' metrics.
//!
//! | function | figure |
//! |---|---|
//! | [`ablation_curves`] | accuracy against fraction ablated, one line per measure × order, random band shaded |
//! | [`ablation_panels`] | one panel per measure (small multiples): its two orders against the random band, accuracy or loss, with the chance level |
//! | [`ablation_panels_with_intervals`] | the same for accuracy, each curve's bootstrap confidence interval shaded in its colour |
//! | [`measure_distributions`] | one histogram panel per measure, for one layer |
//! | [`measure_scatter`] | one measure against another, every neuron, coloured by layer |
//! | [`pair_heatmap`] | a pair measure over a layer's neurons, `i × j` |
//! | [`information_plane`], [`layer_quantity_over_training`] | layers over training |

mod curves;
mod distributions;
mod heatmap;
mod infoplane;
mod scatter;

pub use curves::{CurveQuantity, ablation_curves, ablation_panels, ablation_panels_with_intervals};
pub use distributions::measure_distributions;
pub use heatmap::pair_heatmap;
pub use infoplane::{LayerQuantity, information_plane, layer_quantity_over_training};
pub use scatter::measure_scatter;

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor};

use crate::Result;
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
    /// A figure size outside the supported range.
    #[error("a figure of {width} × {height} pixels: each side must lie in {min}..={max}", min = MIN_SIDE, max = MAX_SIDE)]
    Size {
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
    },
    /// A file name whose extension names no format the figures are written in.
    #[error("cannot tell the format of `{path}`: the extension must be `svg` or `png`")]
    Format {
        /// The file.
        path: String,
    },
    /// Confidence intervals that do not match the curves they are drawn with.
    #[error("`{figure}`: {reason}")]
    Intervals {
        /// The figure's title.
        figure: String,
        /// What does not match.
        reason: String,
    },
    /// The bundled font could not be registered.
    #[error("the bundled font DejaVu Sans could not be loaded")]
    Font,
}

/// Default figure size in pixels.
pub(crate) const SIZE: (u32, u32) = (960, 640);
/// Smallest side of a figure, in pixels.
pub const MIN_SIDE: u32 = 200;
/// Largest side of a figure, in pixels (a PNG holds `3 · width · height` bytes while drawn).
pub const MAX_SIDE: u32 = 8192;
/// Font family of every label: DejaVu Sans, registered under this name.
pub(crate) const FONT: &str = "sans-serif";
/// DejaVu Sans 2.37 (Debian's fonts-dejavu-core), Bitstream Vera license:
/// `assets/fonts/LICENSE-DejaVu.txt`.
static FONT_DATA: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font with plotters, once.
fn register_font() -> std::result::Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_DATA).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// What a backend draws into: any plotters backend whose errors can be boxed.
pub(crate) trait Canvas: DrawingBackend<ErrorType: 'static> {}
impl<B: DrawingBackend<ErrorType: 'static>> Canvas for B {}

/// The outcome of drawing on a canvas.
pub(crate) type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A figure's content, drawn on any canvas.
pub(crate) trait Draw {
    /// Draws on `root`, already filled white; the caller presents it.
    fn draw<B: Canvas>(&self, root: &DrawingArea<B, Shift>) -> DrawResult;
}

/// [`Draw`] on the two canvases a [`Figure`] renders to, object-safe.
trait Render {
    fn svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult;
    fn bitmap(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult;
}

impl<T: Draw> Render for T {
    fn svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult {
        self.draw(root)
    }
    fn bitmap(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult {
        self.draw(root)
    }
}

/// A figure ready to render, as SVG or PNG, at its size (960 × 640 pixels
/// unless a function says otherwise, or [`with_size`](Figure::with_size)).
pub struct Figure<'a> {
    title: String,
    size: (u32, u32),
    content: Box<dyn Render + 'a>,
}

impl std::fmt::Debug for Figure<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Figure")
            .field("title", &self.title)
            .field("size", &self.size)
            .finish()
    }
}

impl<'a> Figure<'a> {
    /// A figure of `size` pixels drawing `content`.
    pub(crate) fn new(title: &str, size: (u32, u32), content: impl Draw + 'a) -> Self {
        Figure {
            title: title.to_string(),
            size,
            content: Box::new(content),
        }
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// The same figure at another size; fonts keep their pixel sizes.
    ///
    /// # Errors
    /// [`PlotError::Size`] for a side outside [`MIN_SIDE`]`..=`[`MAX_SIDE`].
    pub fn with_size(mut self, width: u32, height: u32) -> Result<Self> {
        if ![width, height].iter().all(|s| (MIN_SIDE..=MAX_SIDE).contains(s)) {
            return Err(PlotError::Size { width, height }.into());
        }
        self.size = (width, height);
        Ok(self)
    }

    /// The figure as an SVG document.
    ///
    /// # Errors
    /// [`PlotError::Draw`] if the backend fails, [`PlotError::Font`].
    pub fn svg(&self) -> Result<String> {
        register_font()?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            self.render(&root, |root| self.content.svg(root))?;
        }
        Ok(svg)
    }

    /// The figure as a PNG file's bytes (8-bit RGB).
    ///
    /// # Errors
    /// [`PlotError::Draw`] if the backend or the encoder fails, [`PlotError::Font`].
    pub fn png(&self) -> Result<Vec<u8>> {
        register_font()?;
        let (width, height) = self.size;
        let mut rgb = vec![0_u8; 3 * width as usize * height as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, self.size).into_drawing_area();
            self.render(&root, |root| self.content.bitmap(root))?;
        }
        let mut png = Vec::new();
        let mut encoder = ::png::Encoder::new(&mut png, width, height);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        let encoded = encoder.write_header().and_then(|mut w| w.write_image_data(&rgb));
        encoded.map_err(draw_error(&self.title))?;
        Ok(png)
    }

    /// Writes the figure to `path` as SVG or PNG, by its extension
    /// (`.svg`, `.png`), atomically (see [`atomic_file`](crate::atomic_file)).
    ///
    /// # Errors
    /// [`PlotError::Format`] for another extension; as [`svg`](Figure::svg)
    /// and [`png`](Figure::png); [`Error::Io`](crate::Error::Io) naming the file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => crate::atomic_file::write(path, self.svg()?),
            Some("png") => crate::atomic_file::write(path, self.png()?),
            _ => Err(PlotError::Format {
                path: path.display().to_string(),
            }
            .into()),
        }
    }

    /// Fills `root` white, draws on it and presents it.
    fn render<B: Canvas>(
        &self,
        root: &DrawingArea<B, Shift>,
        draw: impl FnOnce(&DrawingArea<B, Shift>) -> DrawResult,
    ) -> std::result::Result<(), PlotError> {
        let drawn = || -> DrawResult {
            root.fill(&WHITE)?;
            draw(root)?;
            root.present()?;
            Ok(())
        };
        drawn().map_err(draw_error(&self.title))
    }
}

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
pub(crate) type XyChart<'a, B> = ChartContext<'a, B, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws the series labels of `chart` at `position` in the crate's style.
pub(crate) fn legend<'a, B: Canvas + 'a>(chart: &mut XyChart<'a, B>, position: SeriesLabelPosition) -> DrawResult {
    chart
        .configure_series_labels()
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()?;
    Ok(())
}

/// Text sizes of a chart: caption, tick labels, axis descriptions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextSizes {
    pub(crate) caption: u32,
    pub(crate) ticks: u32,
    pub(crate) axes: u32,
}

/// The sizes of a figure's one chart.
pub(crate) const LARGE: TextSizes = TextSizes {
    caption: 22,
    ticks: 14,
    axes: 16,
};
/// The sizes of a panel among several.
pub(crate) const PANEL: TextSizes = TextSizes {
    caption: 18,
    ticks: 13,
    axes: 15,
};

/// Writes a figure's title across the top of `root`, centred, wrapped at
/// word boundaries onto as many lines as its width needs; the area below it.
pub(crate) fn titled<B: Canvas>(
    root: &DrawingArea<B, Shift>,
    title: &str,
) -> std::result::Result<DrawingArea<B, Shift>, Box<dyn std::error::Error>> {
    let style = (FONT, LARGE.caption).into_font().color(&BLACK);
    let (width, _) = root.dim_in_pixel();
    let room = width.saturating_sub(32);
    let mut lines: Vec<String> = Vec::new();
    for word in title.split(' ') {
        let longer = match lines.last() {
            Some(line) => format!("{line} {word}"),
            None => word.to_string(),
        };
        match lines.last_mut() {
            Some(line) if root.estimate_text_size(&longer, &style)?.0 <= room => *line = longer,
            _ => lines.push(word.to_string()),
        }
    }
    let line_height = LARGE.caption as i32 + 6;
    let (top, rest) = root.split_vertically(line_height as u32 * lines.len() as u32 + 14);
    let centred = style.pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    for (i, line) in lines.iter().enumerate() {
        top.draw(&Text::new(
            line.as_str(),
            (width as i32 / 2, 8 + i as i32 * line_height),
            centred.clone(),
        ))?;
    }
    Ok(rest)
}

/// An `f64 × f64` chart on `area` in the crate's style: caption (for a
/// panel; a figure's title goes through [`titled`]), margins, light grid,
/// fonts and the two axis labels.
pub(crate) fn xy_chart<'a, B: Canvas>(
    area: &'a DrawingArea<B, Shift>,
    caption: Option<&str>,
    (x, y): (Range<f64>, Range<f64>),
    (x_desc, y_desc): (&str, &str),
    text: TextSizes,
) -> std::result::Result<XyChart<'a, B>, Box<dyn std::error::Error>> {
    let mut builder = ChartBuilder::on(area);
    if let Some(caption) = caption {
        builder.caption(caption, (FONT, text.caption));
    }
    let mut chart = builder
        .margin(12)
        .x_label_area_size(3 * text.axes + 4)
        .y_label_area_size(4 * text.axes + 8)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .light_line_style(LIGHT_GRID)
        .max_light_lines(2)
        .label_style((FONT, text.ticks))
        .axis_desc_style((FONT, text.axes))
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

/// The name of a measure for a reader: `mutual information` for
/// `mutual_info`, `KL selectivity`, `class selectivity index`, …; a name the
/// crate does not define is returned as it is.
///
/// ```
/// use infoablate::plot::display_name;
/// assert_eq!(display_name("mutual_info"), "mutual information");
/// assert_eq!(display_name("my_measure"), "my_measure");
/// ```
pub fn display_name(measure: &str) -> &str {
    match measure {
        "entropy" => "entropy",
        "mutual_info" => "mutual information",
        "kl_selectivity" => "KL selectivity",
        "csi" => "class selectivity index",
        "variance" => "activation variance",
        "weight_l1" => "outgoing weights, L1 norm",
        "weight_l2" => "outgoing weights, L2 norm",
        "random" => "random score",
        other => other,
    }
}

/// The units of a measure: `bits` or `nats` for an information measure.
pub(crate) fn measure_units(scores: &Scores, name: &str) -> &'static str {
    let column = scores.measures().iter().find(|c| c.name == name);
    match (column.and_then(|c| c.units), name) {
        (Some(units), _) => units.name(),
        (None, "variance") => "activation²",
        (None, "weight_l1" | "weight_l2") => "weight units",
        (None, _) => "dimensionless",
    }
}

/// Axis label of a measure: its display name and units,
/// `mutual information (bits)`.
pub(crate) fn measure_axis(scores: &Scores, name: &str) -> String {
    format!("{} ({})", display_name(name), measure_units(scores, name))
}
