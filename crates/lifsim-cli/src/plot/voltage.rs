//! Membrane potential over time: traces, ensemble mean and spread, and the moments against theory.

use super::style::RunView;
use super::style::{Drawn, Figure, GREY, INK, PALETTE, extent, legend, legend_box, legend_line, padded, panel, titled};
use lifsim::theory;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Milliseconds per second and millivolts per volt: the display units.
const MS: f64 = 1e3;
const MV: f64 = 1e3;

/// V(t) of a few traced neurons, optionally with the ensemble mean (thick) and a mean +/- std band.
pub struct VoltagePlot<'a> {
    /// The run and the title.
    pub source: RunView<'a>,
    /// How many traces to draw (at most the number traced).
    pub traces: usize,
    /// Draw the ensemble mean as a thick line.
    pub mean: bool,
    /// Draw a mean +/- standard deviation band.
    pub band: bool,
}

impl VoltagePlot<'_> {
    fn trace_points(&self, i: usize) -> Vec<(f64, f64)> {
        let rec = self.source.rec;
        rec.grid.sampled(rec.traces.every).zip(rec.traces.neuron(i)).map(|(t, &v)| (t * MS, v * MV)).collect()
    }

    /// (t, mean - sd, mean + sd) in display units; sd = 0 where the variance is undefined (n = 1).
    fn band_points(&self) -> Vec<(f64, f64, f64)> {
        let times: Vec<f64> = self.source.rec.grid.times().collect();
        times
            .iter()
            .zip(self.source.rec.v_mean.iter().zip(&self.source.rec.v_var))
            .map(|(&t, (&m, &var))| {
                let sd = if var.is_finite() { var.sqrt() } else { 0.0 };
                (t * MS, (m - sd) * MV, (m + sd) * MV)
            })
            .collect()
    }
}

impl Figure for VoltagePlot<'_> {
    fn title(&self) -> &str {
        &self.source.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let area = titled(root, &self.source.title)?;
        let shown = self.traces.min(self.source.rec.traces.neurons);
        let traces: Vec<Vec<(f64, f64)>> = (0..shown).map(|i| self.trace_points(i)).collect();
        let band = self.band_points();
        let p = self.source.sim.neuron();
        let lines: Vec<(f64, &str)> = match p.v_th {
            Some(v_th) => vec![(v_th * MV, "threshold v_th"), (p.v_reset * MV, "reset v_reset")],
            None => Vec::new(),
        };
        let (lo, hi) = extent(
            traces
                .iter()
                .flatten()
                .map(|&(_, v)| v)
                .chain(band.iter().flat_map(|&(_, a, b)| [a, b]).filter(|_| self.band || self.mean))
                .chain(lines.iter().map(|&(v, _)| v)),
        );
        let t_end = self.source.rec.grid.span() * MS;
        // Room below the data for the legend, so that it covers nothing.
        let span = padded(lo, hi, 0.05);
        let legend_room =
            if lines.is_empty() { 0.0 } else { 0.045 * (span.end - span.start) * (2 + lines.len()) as f64 };
        let y = (span.start - legend_room)..span.end;
        let mut chart = panel(&area, "", 0.0..t_end.max(self.source.rec.grid.dt() * MS), y, ("time (ms)", "V (mV)"))?;
        if self.band {
            let mut outline: Vec<(f64, f64)> = band.iter().map(|&(t, _, up)| (t, up)).collect();
            outline.extend(band.iter().rev().map(|&(t, down, _)| (t, down)));
            let fill = PALETTE[5].mix(0.35).filled();
            chart
                .draw_series(std::iter::once(Polygon::new(outline, fill)))?
                .label("mean ± std")
                .legend(legend_box(fill));
        }
        let thin = if shown > 10 { 1 } else { 2 };
        for (i, trace) in traces.into_iter().enumerate() {
            let color = if shown > 10 { PALETTE[0].mix(0.35) } else { PALETTE[i % PALETTE.len()].mix(0.9) };
            let series = chart.draw_series(LineSeries::new(trace, color.stroke_width(thin)))?;
            if i == 0 {
                let label = if shown == 1 { "V of one neuron".to_string() } else { format!("V of {shown} neurons") };
                series.label(label).legend(legend_line(color.stroke_width(3)));
            }
        }
        if self.mean {
            let style = INK.stroke_width(4);
            chart
                .draw_series(LineSeries::new(band.iter().map(|&(t, a, b)| (t, (a + b) / 2.0)), style))?
                .label(format!("ensemble mean (n = {})", self.source.rec.n))
                .legend(legend_line(style));
        }
        for (i, &(v, label)) in lines.iter().enumerate() {
            let style = if i == 0 { PALETTE[1].stroke_width(2) } else { GREY.stroke_width(2) };
            chart
                .draw_series(DashedLineSeries::new([(0.0, v), (t_end, v)], 10, 6, style))?
                .label(format!("{label} = {v} mV"))
                .legend(legend_line(style));
        }
        let series = usize::from(self.band) + usize::from(shown > 0) + usize::from(self.mean) + lines.len();
        if series > 1 {
            legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    }
}

/// Ensemble mean and variance over time, with the exact free-membrane theory where it applies.
pub struct MomentsPlot<'a>(pub RunView<'a>);

impl Figure for MomentsPlot<'_> {
    fn title(&self) -> &str {
        &self.0.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let area = titled(root, &self.0.title)?;
        let halves = area.split_evenly((1, 2));
        let times: Vec<f64> = self.0.rec.grid.times().map(|t| t * MS).collect();
        // The theory is the free membrane's: it applies only without a threshold.
        let sim = self.0.sim;
        let theory =
            (sim.neuron().v_th.is_none() && sim.network().is_none()).then(|| theory::free_membrane_moments(sim));
        let panels = [
            ("mean", "⟨V⟩ (mV)", MV, &self.0.rec.v_mean, theory.as_ref().map(|m| &m.mean)),
            ("variance", "Var V (mV²)", MV * MV, &self.0.rec.v_var, theory.as_ref().map(|m| &m.var)),
        ];
        for (half, (what, unit, scale, simulated, predicted)) in halves.iter().zip(panels) {
            let sim_points: Vec<(f64, f64)> = times.iter().zip(simulated).map(|(&t, &v)| (t, v * scale)).collect();
            let theory_points: Vec<(f64, f64)> =
                predicted.map(|p| times.iter().zip(p).map(|(&t, &v)| (t, v * scale)).collect()).unwrap_or_default();
            let (lo, hi) = extent(sim_points.iter().chain(&theory_points).map(|&(_, v)| v));
            let t_end = times.last().copied().unwrap_or(1.0).max(self.0.rec.grid.dt() * MS);
            let mut chart = panel(
                half,
                &format!("ensemble {what} (n = {})", self.0.rec.n),
                0.0..t_end,
                padded(lo, hi, 0.08),
                ("time (ms)", unit),
            )?;
            let style = PALETTE[0].stroke_width(3);
            chart.draw_series(LineSeries::new(sim_points, style))?.label("simulation").legend(legend_line(style));
            if !theory_points.is_empty() {
                let style = PALETTE[1].stroke_width(3);
                chart
                    .draw_series(DashedLineSeries::new(theory_points, 12, 6, style))?
                    .label("theory (exact, free membrane)")
                    .legend(legend_line(style));
            }
            legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    }
}
