//! The one look shared by every figure: size, font, palette, axes, legends, and rendering to PNG and SVG.

use lifsim::{Recording, Simulation};
use lifsim_io::OutputSet;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::error::Error;
use std::io::{self, Write as _};
use std::ops::Range;
use std::sync::Once;

/// Figure width in pixels (8 in at 150 dpi).
pub const WIDTH: u32 = 1200;
/// Figure height in pixels (5 in at 150 dpi).
pub const HEIGHT: u32 = 750;
/// Resolution written into every PNG (dots per inch).
pub const DPI: f64 = 150.0;

/// The font family every text uses. PNGs draw it with the bundled DejaVu Sans (registered
/// under this name); SVGs name it, so a viewer uses DejaVu Sans where installed (the font
/// the layout was measured with), else the same fallbacks as report.html.
const FONT: &str = "DejaVu Sans, Verdana, sans-serif";
/// DejaVu Sans, bundled so that text renders without any system font (license beside it).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Okabe & Ito (2008), "Color Universal Design": a palette that stays distinct for the common
/// forms of color blindness. Series take colors in this order.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(230, 159, 0),   // orange
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];
/// Text, thick lines and the ensemble mean.
pub const INK: RGBColor = RGBColor(0, 0, 0);
/// Reference lines (threshold, reset) and grid.
pub const GREY: RGBColor = RGBColor(110, 110, 110);

/// Font sizes in pixels at [`WIDTH`] x [`HEIGHT`].
pub const TITLE_SIZE: u32 = 30;
const PANEL_TITLE_SIZE: u32 = 24;
const AXIS_SIZE: u32 = 22;
const TICK_SIZE: u32 = 19;
pub const LEGEND_SIZE: u32 = 18;

/// The result of drawing; any plotters error, boxed.
pub type Drawn = Result<(), Box<dyn Error>>;

/// A 2-D chart with an x coordinate `X` and a linear y axis, in display units (ms, mV, Hz, ...).
pub type ChartOn<'a, DB, X> = ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>;

/// A 2-D chart with linear axes in display units.
pub type Chart<'a, DB> = ChartOn<'a, DB, RangedCoordf64>;

/// What a figure of one run is drawn from (never a re-run), and its title.
pub struct RunView<'a> {
    /// The run's simulation.
    pub sim: &'a Simulation,
    /// The run's recording.
    pub rec: &'a Recording,
    /// Figure title.
    pub title: String,
}

impl<'a> RunView<'a> {
    /// A source with its title.
    pub fn new(sim: &'a Simulation, rec: &'a Recording, title: impl Into<String>) -> Self {
        Self { sim, rec, title: title.into() }
    }
}

/// Something that draws itself on any plotters backend (PNG and SVG share one drawing).
pub trait Figure {
    /// The figure's title, also its heading in a report.
    fn title(&self) -> &str;

    /// Draws the whole figure on `root`, already cleared to white.
    ///
    /// # Errors
    /// Any error of the backend.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

/// A text style of the bundled font at `size` pixels.
pub fn text(size: u32) -> TextStyle<'static> {
    register_font();
    (FONT, size).into_text_style(&(WIDTH, HEIGHT))
}

fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The font is compiled in and known to be valid; a failure would show as missing text
        // and is caught by the figure tests.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// Clears `root`, writes the figure title and returns the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    Ok(root.titled(title, text(TITLE_SIZE))?)
}

/// A panel with axes: ranges in display units, labels with their units, an optional panel title.
pub fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: Range<f64>,
    y: Range<f64>,
    labels: (&str, &str),
) -> Result<Chart<'a, DB>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    panel_on(area, title, x, y, labels, &tick)
}

/// [`panel`] with any x coordinate of numbers (e.g. `(a..b).log_scale()`) and its own x tick
/// labels.
pub fn panel_on<'a, DB: DrawingBackend, X>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    x: X,
    y: Range<f64>,
    labels: (&str, &str),
    x_ticks: &dyn Fn(&f64) -> String,
) -> Result<ChartOn<'a, DB, X::CoordDescType>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let mut builder = ChartBuilder::on(area);
    builder.margin(12).margin_right(28).x_label_area_size(62).y_label_area_size(92);
    if !title.is_empty() {
        builder.caption(title, text(PANEL_TITLE_SIZE));
    }
    let mut chart = builder.build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(labels.0)
        .y_desc(labels.1)
        .label_style(text(TICK_SIZE))
        .axis_desc_style(text(AXIS_SIZE))
        .bold_line_style(RGBColor(228, 228, 228))
        .light_line_style(TRANSPARENT)
        .x_labels(8)
        .y_labels(7)
        .x_label_formatter(x_ticks)
        .y_label_formatter(&tick)
        .draw()?;
    Ok(chart)
}

/// A tick label without trailing zeros: "20", "0.15", "-47.5".
pub fn tick(x: &f64) -> String {
    let text = format!("{x:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".into() } else { text.into() }
}

/// Draws the legend of the labelled series in a corner of the chart.
pub fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>, position: SeriesLabelPosition) -> Drawn
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .margin(10)
        .label_font(text(LEGEND_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(GREY.mix(0.5))
        .draw()?;
    Ok(())
}

/// The legend sample of a line of `style`.
pub fn legend_line(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style)
}

/// The legend sample of a filled area of `style`.
pub fn legend_box(style: ShapeStyle) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 7), (x + 24, y + 7)], style)
}

/// How an entry of a [`key`] looks.
pub enum Sample {
    /// A solid line.
    Line(ShapeStyle),
    /// A dashed line.
    Dashed(ShapeStyle),
    /// A dot on a short vertical bar (a point with its error bar).
    Marker(ShapeStyle),
}

/// A legend drawn in an area of its own (e.g. the free cell of a grid of panels), so that it
/// covers no data: an optional heading, then one entry a row.
pub fn key<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, heading: &str, entries: &[(String, Sample)]) -> Drawn
where
    DB::ErrorType: 'static,
{
    let row = LEGEND_SIZE as i32 * 2;
    let (x, mut y) = (24, 40);
    if !heading.is_empty() {
        area.draw(&Text::new(heading.to_string(), (x, y - LEGEND_SIZE as i32 / 2), text(AXIS_SIZE)))?;
        y += row + 4;
    }
    for (label, sample) in entries {
        let ends = [(x, y), (x + 36, y)];
        match sample {
            Sample::Line(style) => area.draw(&PathElement::new(ends.to_vec(), *style))?,
            Sample::Dashed(style) => {
                for start in [x, x + 14, x + 28] {
                    area.draw(&PathElement::new(vec![(start, y), (start + 8, y)], *style))?;
                }
            }
            Sample::Marker(style) => {
                area.draw(&PathElement::new(vec![(x + 18, y - 10), (x + 18, y + 10)], *style))?;
                area.draw(&Circle::new((x + 18, y), 6, style.filled()))?;
            }
        }
        area.draw(&Text::new(label.clone(), (x + 48, y - LEGEND_SIZE as i32 / 2 - 1), text(LEGEND_SIZE)))?;
        y += row;
    }
    Ok(())
}

/// `lo..hi` widened by `pad` of its span on each side (and made non-empty).
pub fn padded(lo: f64, hi: f64, pad: f64) -> Range<f64> {
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - pad * span)..(hi + pad * span)
}

/// The smallest and largest finite values of `values`; `(0, 1)` when there is none (e.g. the
/// variance of a single neuron, NaN throughout), so that an axis can always be drawn.
pub fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo <= hi { (lo, hi) } else { (0.0, 1.0) }
}

/// Renders `figure` as `NAME.png` (150 dpi) and `NAME.svg` into `out` (committed later).
///
/// # Errors
/// A drawing or encoding error, as an I/O error naming the figure.
pub fn add_figure(out: &mut OutputSet, name: &str, figure: &impl Figure) -> io::Result<()> {
    let failed = |e: Box<dyn Error>| io::Error::other(format!("cannot draw figure `{name}`: {e}"));
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        figure.draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))?;
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        figure.draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))?;
    }
    out.add(&format!("{name}.png"), |w| write_png(w, &pixels))?;
    out.add(&format!("{name}.svg"), |w| w.write_all(svg.as_bytes()))
}

/// Encodes an RGB buffer of [`WIDTH`] x [`HEIGHT`] as PNG with its resolution set to [`DPI`].
fn write_png(w: &mut impl io::Write, pixels: &[u8]) -> io::Result<()> {
    let mut encoder = png::Encoder::new(w, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let per_meter = (DPI / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions { xppu: per_meter, yppu: per_meter, unit: png::Unit::Meter }));
    let mut writer = encoder.write_header().map_err(io::Error::other)?;
    writer.write_image_data(pixels).map_err(io::Error::other)?;
    writer.finish().map_err(io::Error::other)
}
