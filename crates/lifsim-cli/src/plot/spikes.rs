//! Spike figures: raster above the population rate, ISI histogram (CV) and spike-count histogram (Fano).
//!
//! ISIs, CV and Fano factor come from `lifsim::analysis`, so the legends show the same values
//! as `summary.json` (over the whole run).

use super::style::{
    Drawn, Figure, INK, PALETTE, RunView, extent, legend, legend_box, legend_line, padded, panel, titled,
};
use lifsim::analysis::{self, Window};
use lifsim::{Choice, Recording};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The raster shows at most this many neurons (the first ones).
pub const RASTER_NEURONS: usize = 200;
/// Width of the boxcar that smooths the population rate (s).
pub const RATE_WINDOW: f64 = 5e-3;

/// Spike raster of the first neurons above the population rate in Hz.
pub struct RasterPlot<'a>(pub RunView<'a>);

impl Figure for RasterPlot<'_> {
    fn title(&self) -> &str {
        &self.0.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let rec = self.0.rec;
        let area = titled(root, &self.0.title)?;
        let (top, bottom) = area.split_vertically((55).percent_height());
        let t_end = (rec.grid.span() * 1e3).max(rec.grid.dt() * 1e3);
        let shown = rec.n.min(RASTER_NEURONS);
        let caption = if rec.holds_spikes() {
            format!("spike raster (first {shown} of {} neurons)", rec.n)
        } else {
            format!("no raster: the spikes were not kept (record.spikes = \"{}\")", rec.spike_mode.name())
        };
        let mut raster = panel(&top, &caption, 0.0..t_end, -0.5..shown as f64 - 0.5, ("time (ms)", "neuron"))?;
        let dot = PALETTE[0].filled();
        raster.draw_series(
            rec.spikes
                .neuron
                .iter()
                .zip(&rec.spikes.step)
                .filter(|&(&i, _)| (i as usize) < shown)
                .map(|(&i, &k)| Circle::new((f64::from(k) * rec.grid.dt() * 1e3, f64::from(i)), 2, dot)),
        )?;
        let raw: Vec<f64> = rec.activity.iter().map(|a| a / rec.grid.dt()).collect();
        let smooth = boxcar(&raw, (RATE_WINDOW / rec.grid.dt()).round().max(1.0) as usize);
        let times: Vec<f64> = rec.grid.times().collect();
        let (_, hi) = extent(raw.iter().copied().chain(smooth.iter().copied()));
        let mut rate = panel(
            &bottom,
            "population rate",
            0.0..t_end,
            0.0..padded(0.0, hi.max(1.0), 0.08).end,
            ("time (ms)", "rate (Hz)"),
        )?;
        let thin = PALETTE[5].mix(0.8).stroke_width(1);
        rate.draw_series(LineSeries::new(times.iter().zip(&raw).map(|(&t, &r)| (t * 1e3, r)), thin))?
            .label("per step")
            .legend(legend_line(thin));
        let thick = INK.stroke_width(3);
        rate.draw_series(LineSeries::new(times.iter().zip(&smooth).map(|(&t, &r)| (t * 1e3, r)), thick))?
            .label(format!("{} ms boxcar", RATE_WINDOW * 1e3))
            .legend(legend_line(thick));
        legend(&mut rate, SeriesLabelPosition::UpperRight)
    }
}

/// A histogram of values that are whole multiples of a quantum (ISIs of dt, spike counts of
/// 1), with a statistic in its legend. The values come as a tally, so that its memory grows
/// with their range, not with their number (54 million ISIs at n = 1e6).
pub struct CountsPlot {
    /// Figure title.
    pub title: String,
    /// `tally[k]`: how many values equal `k quantum`.
    pub tally: Vec<u64>,
    /// The step between possible values, in display units (dt in ms for ISIs, 1 for counts):
    /// bins are whole multiples of it, centred on the possible values, so that no bin is
    /// systematically empty.
    pub quantum: f64,
    /// Axis label of the values, with unit.
    pub x_label: String,
    /// The legend entry, e.g. "ISIs, CV = 0.42".
    pub label: String,
}

impl CountsPlot {
    /// The ISI histogram of a recording, in ms, with the CV in the legend; `None` for fewer
    /// than two ISIs.
    pub fn isi(rec: &Recording, title: String) -> Option<Self> {
        let window = Window::new(rec.grid, 0.0, f64::INFINITY);
        let summary = analysis::interval_summary(rec, &window);
        let cv = Some(summary.cv).filter(|cv| cv.is_finite())?;
        Some(Self {
            title,
            label: format!("{} ISIs, CV = {cv:.3}", summary.count),
            tally: analysis::interval_step_tally(rec, &window),
            quantum: rec.grid.dt() * 1e3,
            x_label: "interspike interval (ms)".into(),
        })
    }

    /// The spike-count histogram of a recording, with the Fano factor; `None` without spikes.
    pub fn spike_counts(rec: &Recording, title: String) -> Option<Self> {
        let fano = Some(analysis::fano_factor(&rec.spike_count)).filter(|f| f.is_finite())?;
        Some(Self {
            title,
            label: format!("{} neurons, Fano factor = {fano:.3}", rec.spike_count.len()),
            tally: analysis::count_histogram(&rec.spike_count),
            quantum: 1.0,
            x_label: format!("spikes per neuron in {} ms", round(rec.grid.span() * 1e3)),
        })
    }

    /// `(from, to, count)` of each bin: at most 40 bins, each a whole number of quanta wide.
    fn bins(&self) -> Vec<(f64, f64, u64)> {
        const MOST_BINS: usize = 40;
        let first = self.tally.iter().position(|&c| c > 0).unwrap_or(0);
        let last = self.tally.iter().rposition(|&c| c > 0).unwrap_or(0);
        let per_bin = (last - first + 1).div_ceil(MOST_BINS);
        let width = self.quantum * per_bin as f64;
        let lo = (first as f64 - 0.5) * self.quantum;
        (first..=last)
            .step_by(per_bin)
            .map(|k| {
                let count = self.tally[k..(k + per_bin).min(last + 1)].iter().sum();
                let from = lo + ((k - first) / per_bin) as f64 * width;
                (from, from + width, count)
            })
            .collect()
    }
}

impl Figure for CountsPlot {
    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let area = titled(root, &self.title)?;
        let bins = self.bins();
        let x = padded(bins[0].0, bins[bins.len() - 1].1, 0.03);
        let top = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64 * 1.2;
        let mut chart = panel(&area, "", x, 0.0..top, (&self.x_label, "count"))?;
        let fill = PALETTE[2].mix(0.75).filled();
        chart
            .draw_series(bins.iter().map(|&(a, b, c)| Rectangle::new([(a, 0.0), (b, c as f64)], fill)))?
            .label(&self.label)
            .legend(legend_box(fill));
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

/// Sample mean and variance (1/(n-1)); `None` for fewer than two values.
pub(super) fn mean_var(values: &[f64]) -> Option<(f64, f64)> {
    (values.len() >= 2).then(|| {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (values.len() - 1) as f64;
        (mean, var)
    })
}

/// Centered moving average over `width` samples (shorter at the ends).
pub(super) fn boxcar(values: &[f64], width: usize) -> Vec<f64> {
    let half = width / 2;
    (0..values.len())
        .map(|k| {
            let window = &values[k.saturating_sub(half)..(k + width - half).min(values.len())];
            window.iter().sum::<f64>() / window.len() as f64
        })
        .collect()
}

fn round(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_small_samples() {
        assert_eq!(mean_var(&[1.0, 3.0]), Some((2.0, 2.0)));
        assert_eq!(mean_var(&[1.0]), None);
        assert_eq!(boxcar(&[0.0, 3.0, 0.0], 3), vec![1.5, 1.0, 1.5]);
    }

    fn counts_plot(tally: Vec<u64>, quantum: f64) -> CountsPlot {
        CountsPlot { title: String::new(), tally, quantum, x_label: String::new(), label: String::new() }
    }

    #[test]
    fn bins_are_centred_on_the_possible_values() {
        let bins = counts_plot(vec![0, 0, 3, 1, 0, 2], 0.5).bins();
        assert_eq!(bins, vec![(0.75, 1.25, 3), (1.25, 1.75, 1), (1.75, 2.25, 0), (2.25, 2.75, 2)]);
    }

    #[test]
    fn a_wide_range_gets_at_most_40_bins_of_whole_quanta() {
        // Values 10..=109 once each: 100 possible values, 3 per bin, 34 bins.
        let tally: Vec<u64> = (0..110).map(|k| u64::from(k >= 10)).collect();
        let bins = counts_plot(tally, 1.0).bins();
        assert_eq!(bins.len(), 34);
        assert_eq!(bins[0], (9.5, 12.5, 3));
        assert_eq!(bins[33], (108.5, 111.5, 1));
        assert_eq!(bins.iter().map(|b| b.2).sum::<u64>(), 100);
    }
}
