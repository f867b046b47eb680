//! The sweep figure: rate, ISI CV, Fano factor and the final moments of V against the first
//! varied key, one line per combination of the other keys, with the theory for each setup.

use super::style::{
    ChartOn, Drawn, Figure, GREY, LEGEND_SIZE, PALETTE, Sample, extent, key, padded, panel_on, text, tick, titled,
};
use lifsim::sweep::SweepRow as Row;
use lifsim::sweep::{Axis, Measures, Point, configure};
use lifsim::theory::TheoryValues;
use lifsim::units::{Dimension, format_quantity, parse_quantity};
use lifsim::{Config, Value};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Theory points per line when the first key is a quantity (drawn as a smooth curve).
const THEORY_SAMPLES: usize = 120;

/// One panel: a measure, its display scale and unit, its standard error and its theory.
struct Measure {
    title: &'static str,
    unit: &'static str,
    scale: f64,
    simulated: fn(&Measures) -> f64,
    se: Option<fn(&Measures) -> f64>,
    theory: Option<fn(&TheoryValues) -> Option<f64>>,
}

const MEASURES: [Measure; 5] = [
    Measure {
        title: "firing rate",
        unit: "rate (Hz)",
        scale: 1.0,
        simulated: |m| m.rate_hz,
        se: Some(|m| m.rate_se_hz),
        theory: Some(|t| t.rate_hz),
    },
    Measure { title: "ISI CV", unit: "CV", scale: 1.0, simulated: |m| m.cv_isi, se: None, theory: Some(|t| t.cv_isi) },
    Measure {
        title: "Fano factor of counts",
        unit: "Fano factor",
        scale: 1.0,
        simulated: |m| m.fano,
        se: None,
        theory: None,
    },
    Measure {
        title: "mean of V, last step",
        unit: "⟨V⟩ (mV)",
        scale: 1e3,
        simulated: |m| m.v_mean_final,
        se: None,
        theory: Some(|t| t.v_mean_final),
    },
    Measure {
        title: "variance of V, last step",
        unit: "Var V (mV²)",
        scale: 1e6,
        simulated: |m| m.v_var_final,
        se: None,
        theory: Some(|t| t.v_var_final),
    },
];

/// How values of the first key map to the x axis.
enum XScale {
    /// Numbers shown in `unit` (`factor` display units per SI unit), on a log axis if `log`.
    Numeric { unit: String, factor: f64, log: bool },
    /// Names (e.g. `grid`, `bridge`) at positions 0, 1, 2, ...
    Named(Vec<String>),
}

impl XScale {
    fn new(axis: &Axis) -> Self {
        let numbers: Vec<f64> = axis.values.iter().filter_map(number).collect();
        if numbers.len() < axis.values.len() {
            return XScale::Named(axis.values.iter().map(Value::cell).collect());
        }
        let dimension = Config::key_dimension(&axis.key).ok().flatten();
        let (unit, factor) = display_unit(dimension, &numbers);
        let (lo, hi) = extent(numbers.iter().copied());
        // The convergence plot: dt over a decade or so reads best on a log axis.
        let log = axis.key == "simulation.dt" && lo > 0.0 && hi / lo >= 4.0;
        XScale::Numeric { unit, factor, log }
    }

    /// The position of the `index`-th value `value` on the axis.
    fn x(&self, value: &Value, index: usize) -> f64 {
        match self {
            XScale::Numeric { factor, .. } => number(value).map_or(f64::NAN, |v| v * factor),
            XScale::Named(_) => index as f64,
        }
    }
}

/// The unit in which `values` (SI) read best, as `format_quantity` writes the largest, and its
/// factor: ("pA", 1e12) for currents of hundreds of pA, ("ms", 1e3) for steps of a millisecond.
fn display_unit(dimension: Option<Dimension>, values: &[f64]) -> (String, f64) {
    let largest = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    match dimension {
        Some(Dimension::Dimensionless) | None => (String::new(), 1.0),
        Some(dim) if largest > 0.0 && largest.is_finite() => {
            let written = format_quantity(largest, dim);
            let unit = written.rsplit(' ').next().unwrap_or_default().to_string();
            match parse_quantity(&format!("1 {unit}"), dim) {
                Ok(one) if one > 0.0 => (unit, 1.0 / one),
                _ => (dim.symbols()[0].to_string(), 1.0),
            }
        }
        Some(dim) => (dim.symbols()[0].to_string(), 1.0),
    }
}

/// A value as a number (SI), if it is one.
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Float(x) => Some(*x),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// A value in human units for labels: "0.5 ms", "300 pA", "bridge".
fn show_for(key: &str, value: &Value) -> String {
    match (value, Config::key_dimension(key).ok().flatten()) {
        (Value::Float(x), Some(dim)) => format_quantity(*x, dim),
        _ => value.cell(),
    }
}

/// One line of the figure: the simulated rows at one combination of the other keys, and the
/// theory along the first key for that combination.
struct Line {
    label: String,
    /// (x, measures) of each simulated point, in the order of the first key's values.
    points: Vec<(f64, Measures)>,
    /// (x, theory) along the first key.
    theory: Vec<(f64, TheoryValues)>,
}

/// Every measure of a sweep against its first varied key (one line per combination of the
/// other keys), with the theory that applies: the f-I curve when the key is `input.i_mean`,
/// the convergence plot (log axis) when it is `simulation.dt`.
pub struct SweepPlot {
    title: String,
    x_label: String,
    scale: XScale,
    lines: Vec<Line>,
    /// Heading of the key when there are several lines: the other keys' names.
    others: String,
}

impl SweepPlot {
    /// The figure of `rows`, run from `base` at the grid of `axes` (the last varying fastest).
    /// Theory is evaluated for each setup, more finely than the grid where the first key is a
    /// quantity; setups that do not build have no theory.
    pub fn new(base: &Config, axes: &[Axis], rows: &[Row]) -> Self {
        let Some((first, rest)) = axes.split_first() else {
            return Self {
                title: "Sweep".into(),
                x_label: String::new(),
                scale: XScale::Named(Vec::new()),
                lines: Vec::new(),
                others: String::new(),
            };
        };
        let scale = XScale::new(first);
        let per_value = rest.iter().map(|a| a.values.len()).product::<usize>().max(1);
        let lines = (0..per_value)
            .map(|j| {
                let mine: Vec<&Row> = rows.iter().skip(j).step_by(per_value).collect();
                let other: Point = mine.first().map(|r| r.point[1..].to_vec()).unwrap_or_default();
                let label =
                    other.iter().map(|(k, v)| format!("{k} = {}", show_for(k, v))).collect::<Vec<_>>().join(", ");
                let points: Vec<(f64, Measures)> = mine
                    .iter()
                    .enumerate()
                    .map(|(i, row)| (scale.x(&row.point[0].1, i), row.measures.clone()))
                    .collect();
                let theory = theory_along(base, first, &other, &scale);
                Line { label, points, theory }
            })
            .collect();
        let title = match first.key.as_str() {
            "input.i_mean" => "f-I curve: spike statistics against the input current".to_string(),
            "simulation.dt" => "Convergence in the time step dt".to_string(),
            key => format!("Sweep over {key}"),
        };
        let x_label = match &scale {
            XScale::Numeric { unit, .. } if !unit.is_empty() => format!("{} ({unit})", first.key),
            _ => first.key.clone(),
        };
        let others = rest.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(", ");
        Self { title, x_label, scale, lines, others }
    }

    fn draw_panels<DB: DrawingBackend, X>(&self, cells: &[DrawingArea<DB, Shift>], x: impl Fn() -> X) -> Drawn
    where
        DB::ErrorType: 'static,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
    {
        let names = match &self.scale {
            XScale::Named(names) => names.clone(),
            XScale::Numeric { .. } => Vec::new(),
        };
        let x_ticks = move |v: &f64| {
            if names.is_empty() {
                tick(v)
            } else if (v - v.round()).abs() < 1e-9 && v.round() >= 0.0 {
                names.get(v.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        for (cell, measure) in cells.iter().zip(&MEASURES) {
            let simulated = self.lines.iter().flat_map(|l| {
                l.points.iter().flat_map(|(_, m)| {
                    let (y, se) = ((measure.simulated)(m), measure.se.map_or(0.0, |se| se(m)));
                    let se = if se.is_finite() { se } else { 0.0 };
                    [y - se, y + se]
                })
            });
            let predicted =
                self.lines.iter().flat_map(|l| l.theory.iter().filter_map(|(_, t)| measure.theory.and_then(|f| f(t))));
            let values: Vec<f64> = simulated.chain(predicted).map(|v| v * measure.scale).collect();
            let defined = values.iter().any(|v| v.is_finite());
            let (lo, hi) = extent(values);
            let mut chart =
                panel_on(cell, measure.title, x(), padded(lo, hi, 0.1), (&self.x_label, measure.unit), &x_ticks)?;
            if !defined {
                let (xs, ys) = (chart.x_range(), chart.y_range());
                let middle = (xs.start + (xs.end - xs.start) / 2.0, ys.start + (ys.end - ys.start) / 2.0);
                let style = text(LEGEND_SIZE).color(&GREY).pos(Pos::new(HPos::Center, VPos::Center));
                chart.draw_series(std::iter::once(Text::new("undefined at every point", middle, style)))?;
                continue;
            }
            for (i, line) in self.lines.iter().enumerate() {
                draw_line(&mut chart, line, measure, self.color(i), self.lines.len() == 1)?;
            }
        }
        Ok(())
    }

    fn color(&self, line: usize) -> RGBColor {
        if self.lines.len() == 1 { PALETTE[0] } else { PALETTE[line % PALETTE.len()] }
    }

    /// The entries of the key: what the marks mean, and each line's setup.
    fn entries(&self) -> Vec<(String, Sample)> {
        if self.lines.len() == 1 {
            return vec![
                ("simulation (± SE for the rate)".into(), Sample::Marker(PALETTE[0].stroke_width(2))),
                ("theory: Siegert / Brunel (rate, CV),".into(), Sample::Dashed(PALETTE[1].stroke_width(3))),
                ("deterministic without noise,".into(), Sample::Line(TRANSPARENT.stroke_width(1))),
                ("exact free-membrane moments".into(), Sample::Line(TRANSPARENT.stroke_width(1))),
            ];
        }
        let mut entries: Vec<(String, Sample)> = self
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| (line.label.clone(), Sample::Marker(self.color(i).stroke_width(2))))
            .collect();
        entries.push(("dashed: theory for each line".into(), Sample::Dashed(GREY.stroke_width(3))));
        entries
    }
}

/// The theory at the first key's values (or finely between its ends, for a quantity) with the
/// other keys at `other`, as (x, theory) in the axis's units.
fn theory_along(base: &Config, first: &Axis, other: &Point, scale: &XScale) -> Vec<(f64, TheoryValues)> {
    let samples: Vec<Value> = match (scale, first.values.iter().all(|v| matches!(v, Value::Float(_)))) {
        (XScale::Numeric { log, .. }, true) => {
            let (lo, hi) = extent(first.values.iter().filter_map(number));
            (0..THEORY_SAMPLES)
                .map(|i| {
                    let f = i as f64 / (THEORY_SAMPLES - 1) as f64;
                    Value::Float(if *log { lo * (hi / lo).powf(f) } else { lo + (hi - lo) * f })
                })
                .collect()
        }
        _ => first.values.clone(),
    };
    samples
        .iter()
        .enumerate()
        .filter_map(|(i, value)| {
            let mut point: Point = vec![(first.key.clone(), value.clone())];
            point.extend(other.iter().cloned());
            let sim = configure(base, &point).ok()?.build().ok()?;
            Some((scale.x(value, i), TheoryValues::for_simulation(&sim)))
        })
        .collect()
}

/// Draws one line of one panel: the simulation as dots on a thin line (with ± SE bars where the
/// measure has one) and the theory dashed; `alone` uses the theory color of the other figures.
fn draw_line<DB: DrawingBackend, X>(
    chart: &mut ChartOn<'_, DB, X>,
    line: &Line,
    measure: &Measure,
    color: RGBColor,
    alone: bool,
) -> Drawn
where
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
{
    if let Some(theory) = measure.theory {
        let points = line.theory.iter().map(|(x, t)| (*x, theory(t).map_or(f64::NAN, |v| v * measure.scale)));
        let style = if alone { PALETTE[1].stroke_width(3) } else { color.mix(0.8).stroke_width(2) };
        for run in finite_runs(points) {
            chart.draw_series(DashedLineSeries::new(run, 10, 6, style))?;
        }
    }
    let simulated: Vec<(f64, f64, f64)> = line
        .points
        .iter()
        .map(|(x, m)| {
            let se = measure.se.map_or(0.0, |se| se(m) * measure.scale);
            (*x, (measure.simulated)(m) * measure.scale, if se.is_finite() { se } else { 0.0 })
        })
        .collect();
    for run in finite_runs(simulated.iter().map(|&(x, y, _)| (x, y))) {
        chart.draw_series(LineSeries::new(run, color.mix(0.6).stroke_width(1)))?;
    }
    let finite = || simulated.iter().filter(|(x, y, _)| x.is_finite() && y.is_finite());
    chart.draw_series(
        finite()
            .filter(|(_, _, se)| *se > 0.0)
            .map(|&(x, y, se)| ErrorBar::new_vertical(x, y - se, y, y + se, color.stroke_width(2), 10)),
    )?;
    chart.draw_series(finite().map(|&(x, y, _)| Circle::new((x, y), 5, color.filled())))?;
    Ok(())
}

/// The runs of consecutive points whose coordinates are finite.
fn finite_runs(points: impl Iterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut run = Vec::new();
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            run.push((x, y));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

impl Figure for SweepPlot {
    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let area = titled(root, &self.title)?;
        let cells = area.split_evenly((2, 3));
        let xs = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0).chain(l.theory.iter().map(|t| t.0)));
        let (lo, hi) = extent(xs);
        match &self.scale {
            XScale::Numeric { log: true, .. } => {
                // Ticks at the swept values themselves (at most 8), rather than only at powers of 10.
                let mut ticks: Vec<f64> = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
                ticks.sort_by(f64::total_cmp);
                ticks.dedup();
                let every = ticks.len().div_ceil(8).max(1);
                let ticks: Vec<f64> = ticks.into_iter().step_by(every).collect();
                self.draw_panels(&cells, || (lo / 1.25..hi * 1.25).log_scale().with_key_points(ticks.clone()))?
            }
            XScale::Named(names) => self.draw_panels(&cells, || -0.5..names.len() as f64 - 0.5)?,
            XScale::Numeric { .. } => self.draw_panels(&cells, || padded(lo, hi, 0.06))?,
        }
        let heading = if self.lines.len() > 1 { format!("lines: {}", self.others) } else { String::new() };
        key(&cells[5], &heading, &self.entries())?;
        Ok(())
    }
}
