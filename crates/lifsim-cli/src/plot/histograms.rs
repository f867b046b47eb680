//! Distributions of V across the ensemble at chosen times, with the theory Gaussian where it applies.

use super::style::RunView;
use super::style::{Drawn, Figure, PALETTE, extent, legend, legend_box, legend_line, panel, titled};
use lifsim::theory;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One panel per histogram of the recording (`record.hist_times`), as a density in 1/mV.
pub struct HistogramPlot<'a>(pub RunView<'a>);

impl Figure for HistogramPlot<'_> {
    fn title(&self) -> &str {
        &self.0.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let RunView { sim, rec, title } = &self.0;
        let area = titled(root, title)?;
        let count = rec.histograms.len().max(1);
        let columns = count.min(3);
        let panels = area.split_evenly((count.div_ceil(columns), columns));
        // The free membrane's closed form is an ensemble's; a network's neurons are coupled.
        let free = sim.neuron().v_th.is_none() && sim.network().is_none();
        let theory = free.then(|| theory::free_membrane_moments(sim));
        for (half, hist) in panels.iter().zip(&rec.histograms) {
            let edges: Vec<f64> = hist.edges.iter().map(|e| e * 1e3).collect();
            let total = hist.counts.iter().sum::<u64>().max(1) as f64;
            let bars: Vec<(f64, f64, f64)> = edges
                .windows(2)
                .zip(&hist.counts)
                .map(|(e, &c)| (e[0], e[1], c as f64 / (total * (e[1] - e[0]))))
                .collect();
            // The free membrane's V is Gaussian in the limit of many small noise kicks.
            let gauss: Vec<(f64, f64)> = theory
                .as_ref()
                .filter(|m| m.var[hist.step] > 0.0)
                .map(|m| {
                    let (mean, sd) = (m.mean[hist.step] * 1e3, m.var[hist.step].sqrt() * 1e3);
                    let (lo, hi) = (edges[0].min(mean - 4.0 * sd), edges[edges.len() - 1].max(mean + 4.0 * sd));
                    (0..=200)
                        .map(|i| {
                            let v = lo + (hi - lo) * f64::from(i) / 200.0;
                            let z = (v - mean) / sd;
                            (v, (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let (x_lo, x_hi) = extent(edges.iter().copied().chain(gauss.iter().map(|p| p.0)));
            let (_, y_hi) = extent(bars.iter().map(|b| b.2).chain(gauss.iter().map(|p| p.1)));
            let title = format!("t = {} ms", round3(hist.time * 1e3));
            let y_top = if y_hi > 0.0 { y_hi * 1.25 } else { 1.0 };
            let mut chart = panel(half, &title, x_lo..x_hi, 0.0..y_top, ("V (mV)", "density (1/mV)"))?;
            let fill = PALETTE[0].mix(0.6).filled();
            chart
                .draw_series(bars.iter().map(|&(a, b, d)| Rectangle::new([(a, 0.0), (b, d)], fill)))?
                .label(format!("simulation (n = {})", hist.values.len()))
                .legend(legend_box(fill));
            if !gauss.is_empty() {
                let style = PALETTE[1].stroke_width(3);
                chart.draw_series(LineSeries::new(gauss, style))?.label("theory Gaussian").legend(legend_line(style));
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    }
}

/// `x` rounded to three decimals, for labels.
fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}
