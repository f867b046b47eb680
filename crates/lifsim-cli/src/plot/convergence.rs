//! The integration-step study: the same ensemble at several dt, rates over time and their means.

use super::spikes::{RATE_WINDOW, boxcar, mean_var};
use super::style::{Drawn, Figure, GREY, PALETTE, extent, legend, legend_line, padded, panel, titled};
use lifsim::{Recording, Simulation, theory};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Runs that differ only in dt: smoothed population rates (left) and mean rate vs dt (right),
/// with the noise-free rate as a reference.
pub struct DtStudyPlot<'a> {
    /// The runs, each with its simulation, in the order to draw.
    pub runs: &'a [(Simulation, Recording)],
    /// Figure title.
    pub title: String,
}

impl Figure for DtStudyPlot<'_> {
    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let area = titled(root, &self.title)?;
        let halves = area.split_evenly((1, 2));
        let curves: Vec<(f64, Vec<(f64, f64)>)> = self
            .runs
            .iter()
            .map(|(_, rec)| {
                let raw: Vec<f64> = rec.activity.iter().map(|a| a / rec.grid.dt()).collect();
                let smooth = boxcar(&raw, (RATE_WINDOW / rec.grid.dt()).round().max(1.0) as usize);
                (rec.grid.dt(), rec.grid.times().zip(smooth).map(|(t, r)| (t * 1e3, r)).collect())
            })
            .collect();
        let t_end = extent(curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.0))).1;
        let top = extent(curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.1))).1.max(1.0);
        let mut left = panel(
            &halves[0],
            &format!("population rate ({} ms boxcar)", RATE_WINDOW * 1e3),
            0.0..t_end,
            0.0..top * 1.3,
            ("time (ms)", "rate (Hz)"),
        )?;
        for (i, (dt, curve)) in curves.into_iter().enumerate() {
            let style = PALETTE[i % PALETTE.len()].stroke_width(2);
            left.draw_series(LineSeries::new(curve, style))?
                .label(format!("dt = {} ms", dt * 1e3))
                .legend(legend_line(style));
        }
        legend(&mut left, SeriesLabelPosition::UpperRight)?;

        // Mean rate per neuron and its standard error from the spread of spike counts.
        let points: Vec<(f64, f64, f64)> = self
            .runs
            .iter()
            .map(|(_, rec)| {
                let counts: Vec<f64> = rec.spike_count.iter().map(|&c| f64::from(c)).collect();
                let se = mean_var(&counts).map_or(0.0, |(_, v)| (v / counts.len() as f64).sqrt());
                (rec.grid.dt() * 1e3, rec.mean_rate_hz(), se / rec.grid.span())
            })
            .collect();
        let reference = self
            .runs
            .first()
            .and_then(|(sim, _)| theory::deterministic_isi(sim.neuron(), sim.mu()).map(|isi| 1.0 / isi));
        let (dt_lo, dt_hi) = extent(points.iter().map(|p| p.0));
        let (lo, hi) = extent(points.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]).chain(reference));
        let mut right = panel(
            &halves[1],
            "mean rate per neuron vs dt",
            padded(0.0_f64.min(dt_lo), dt_hi, 0.08),
            padded(lo, hi, 0.25),
            ("dt (ms)", "rate (Hz)"),
        )?;
        if let Some(rate) = reference {
            let style = GREY.stroke_width(2);
            right
                .draw_series(DashedLineSeries::new([(0.0, rate), (dt_hi * 1.08, rate)], 10, 6, style))?
                .label(format!("noise-free rate = {rate:.1} Hz"))
                .legend(legend_line(style));
        }
        let color = PALETTE[1];
        right
            .draw_series(
                points
                    .iter()
                    .map(|&(dt, r, se)| ErrorBar::new_vertical(dt, r - se, r, r + se, color.stroke_width(2), 12)),
            )?
            .label("simulation ± SE")
            .legend(legend_line(color.stroke_width(2)));
        right.draw_series(points.iter().map(|&(dt, r, _)| Circle::new((dt, r), 6, color.filled())))?;
        legend(&mut right, SeriesLabelPosition::LowerRight)
    }
}
