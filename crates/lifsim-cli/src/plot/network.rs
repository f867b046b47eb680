//! A network's figures: the raster coloured by population above each population's rate (mean-field rate dashed), and the distributions of per-neuron rates and ISI CVs.

use super::spikes::{RASTER_NEURONS, RATE_WINDOW, boxcar};
use super::style::{
    Drawn, Figure, INK, PALETTE, RunView, extent, legend, legend_box, legend_line, padded, panel, titled,
};
use lifsim::analysis::{Window, neuron_cvs, neuron_rates, spike_counts};
use lifsim::model::{ByPopulation, Network};
use lifsim::theory::PopulationTheory;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The color of population `p`.
fn color(p: usize) -> RGBColor {
    PALETTE[p % PALETTE.len()]
}

/// How many neurons of each population the raster shows: [`RASTER_NEURONS`] shared in
/// proportion to the populations' sizes, at least one each (the first neurons of each).
fn shown(network: &Network) -> Vec<usize> {
    let total = network.n().max(1);
    network.populations().iter().map(|p| ((p.n * RASTER_NEURONS).div_ceil(total)).clamp(p.n.min(1), p.n)).collect()
}

/// The raster of a network's first neurons of each population, coloured by population, above
/// each population's rate with its mean-field rate dashed.
pub struct NetworkRasterPlot<'a> {
    /// The run and the title.
    pub view: RunView<'a>,
    /// The mean-field theory of each population, where it applies.
    pub theory: Option<&'a ByPopulation<Option<PopulationTheory>>>,
}

impl Figure for NetworkRasterPlot<'_> {
    fn title(&self) -> &str {
        &self.view.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let (sim, rec) = (self.view.sim, self.view.rec);
        let Some(network) = sim.network() else {
            return Err("a network raster needs a network".into());
        };
        let area = titled(root, &self.view.title)?;
        let (top, bottom) = area.split_vertically((55).percent_height());
        let t_end = (rec.grid.span() * 1e3).max(rec.grid.dt() * 1e3);
        let shown = shown(network);
        // Row of each shown neuron: populations one above the other, in order.
        let rows: Vec<usize> = shown.iter().scan(0, |row, &s| Some(std::mem::replace(row, *row + s))).collect();
        let total: usize = shown.iter().sum();
        let mut raster = panel(
            &top,
            &format!("spike raster ({total} of {} neurons)", network.n()),
            0.0..t_end,
            -0.5..total.max(1) as f64 - 0.5,
            ("time (ms)", "neuron"),
        )?;
        for (p, population) in network.populations().iter().enumerate() {
            let dot = color(p).filled();
            let spikes = rec.spikes.neuron.iter().zip(&rec.spikes.step).filter_map(|(&i, &k)| {
                let local = (i as usize).checked_sub(population.first)?;
                (local < shown[p]).then(|| (rec.grid.time(k as usize) * 1e3, (rows[p] + local) as f64))
            });
            raster
                .draw_series(spikes.map(|xy| Circle::new(xy, 2, dot)))?
                .label(format!("{} ({} neurons)", population.name, population.n))
                .legend(legend_box(dot));
        }
        legend(&mut raster, SeriesLabelPosition::UpperRight)?;

        let width = (RATE_WINDOW / rec.grid.dt()).round().max(1.0) as usize;
        let rates: Vec<Vec<f64>> = rec
            .populations
            .iter()
            .map(|p| boxcar(&p.activity.iter().map(|a| a / rec.grid.dt()).collect::<Vec<_>>(), width))
            .collect();
        let mean_field =
            |p: usize| self.theory.and_then(|t| t.0.get(p)).and_then(|(_, t)| t.as_ref()).map(|t| t.rate_hz);
        let (_, hi) = extent(rates.iter().flatten().copied().chain((0..rates.len()).filter_map(mean_field)));
        let mut chart = panel(
            &bottom,
            &format!("population rates ({} ms boxcar); mean field dashed", RATE_WINDOW * 1e3),
            0.0..t_end,
            0.0..padded(0.0, hi.max(1.0), 0.08).end,
            ("time (ms)", "rate (Hz)"),
        )?;
        let times: Vec<f64> = rec.grid.times().map(|t| t * 1e3).collect();
        for (p, (rate, population)) in rates.iter().zip(&rec.populations).enumerate() {
            let line = color(p).mix(0.8).stroke_width(2);
            chart
                .draw_series(LineSeries::new(times.iter().copied().zip(rate.iter().copied()), line))?
                .label(population.name.clone())
                .legend(legend_line(line));
        }
        // The mean field on top, in black with the population's colour around it.
        for (p, population) in rec.populations.iter().enumerate() {
            if let Some(nu) = mean_field(p) {
                let dashed = INK.stroke_width(2);
                chart
                    .draw_series(DashedLineSeries::new([(0.0, nu), (t_end, nu)], 12, 8 + 4 * p as u32, dashed))?
                    .label(format!("{} mean field {nu:.1} Hz", population.name))
                    .legend(legend_line(color(p).stroke_width(2)));
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

/// The same neurons with and without coupling: their rasters one above the other, and the two
/// population rates (exercise 13).
pub struct CouplingPlot<'a> {
    /// The coupled run, and the figure's title.
    pub coupled: RunView<'a>,
    /// The same neurons uncoupled.
    pub uncoupled: &'a lifsim::Recording,
}

impl Figure for CouplingPlot<'_> {
    fn title(&self) -> &str {
        &self.coupled.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        const SHOWN: usize = 60;
        let (coupled, uncoupled) = (self.coupled.rec, self.uncoupled);
        let area = titled(root, &self.coupled.title)?;
        let (top, bottom) = area.split_vertically((55).percent_height());
        let t_end = (coupled.grid.span() * 1e3).max(coupled.grid.dt() * 1e3);
        let shown = coupled.n.min(SHOWN);
        let mut raster = panel(
            &top,
            &format!("the first {shown} neurons, coupled (top) and uncoupled (bottom)"),
            0.0..t_end,
            -0.5..2.0 * shown as f64 - 0.5,
            ("time (ms)", "neuron"),
        )?;
        let runs = [(coupled, shown, "coupled", color(0)), (uncoupled, 0, "uncoupled", color(1))];
        for &(rec, offset, label, color) in &runs {
            let dot = color.filled();
            let spikes = rec.spikes.neuron.iter().zip(&rec.spikes.step).filter(|(i, _)| (**i as usize) < shown);
            raster
                .draw_series(spikes.map(|(&i, &k)| {
                    Circle::new((rec.grid.time(k as usize) * 1e3, (offset + i as usize) as f64), 2, dot)
                }))?
                .label(label)
                .legend(legend_box(dot));
        }
        legend(&mut raster, SeriesLabelPosition::UpperRight)?;
        let width = (RATE_WINDOW / coupled.grid.dt()).round().max(1.0) as usize;
        let rate = |rec: &lifsim::Recording| {
            boxcar(&rec.activity.iter().map(|a| a / rec.grid.dt()).collect::<Vec<_>>(), width)
        };
        let rates = [rate(coupled), rate(uncoupled)];
        let (_, hi) = extent(rates.iter().flatten().copied());
        let mut chart = panel(
            &bottom,
            &format!("population rate ({} ms boxcar)", RATE_WINDOW * 1e3),
            0.0..t_end,
            0.0..padded(0.0, hi.max(1.0), 0.08).end,
            ("time (ms)", "rate (Hz)"),
        )?;
        for ((rec, _, label, color), rate) in runs.iter().zip(&rates) {
            let line = color.stroke_width(2);
            let points = rec.grid.times().map(|t| t * 1e3).zip(rate.iter().copied());
            chart.draw_series(LineSeries::new(points, line))?.label(*label).legend(legend_line(line));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    }
}

/// Histograms of the per-neuron firing rates and ISI CVs in the analysis window, one colour
/// per population (as fractions of the population, so that populations of any size compare).
pub struct DistributionsPlot<'a>(pub RunView<'a>);

/// Bins for values in `lo..=hi`: at most `most` equal bins, or, for values that are whole
/// multiples of `quantum` (rates from counts in a window), bins a whole number of quanta wide
/// centred on the possible values, so that none is systematically empty. `(lo, width, bins)`.
fn bin_layout(lo: f64, hi: f64, most: usize, quantum: Option<f64>) -> (f64, f64, usize) {
    match quantum {
        Some(q) if q > 0.0 => {
            let values = ((hi - lo) / q).round() as usize + 1;
            let per_bin = values.div_ceil(most).max(1);
            (lo - 0.5 * q, q * per_bin as f64, values.div_ceil(per_bin))
        }
        _ => (lo, (hi - lo) / most as f64, most),
    }
}

/// The fraction of `values` in each of `bins` bins of `width` from `lo`: `(from, to, fraction)`.
fn histogram(values: &[f64], lo: f64, width: f64, bins: usize) -> Vec<(f64, f64, f64)> {
    let mut counts = vec![0usize; bins];
    for &v in values {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let n = values.len().max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(b, &c)| (lo + b as f64 * width, lo + (b + 1) as f64 * width, c as f64 / n))
        .collect()
}

impl Figure for DistributionsPlot<'_> {
    fn title(&self) -> &str {
        &self.0.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let (sim, rec) = (self.0.sim, self.0.rec);
        let Some(network) = sim.network() else {
            return Err("distributions need a network".into());
        };
        let area = titled(root, &self.0.title)?;
        let (left, right) = area.split_horizontally((50).percent_width());
        let window = Window::of(rec, sim.analysis());
        let counts = spike_counts(rec, &window);
        let rates = neuron_rates(&counts, window.duration());
        let cvs = neuron_cvs(rec, &window);
        let quantum = (window.duration() > 0.0).then(|| 1.0 / window.duration());
        for (area, values, label, name, quantum) in [
            (&left, &rates, "rate (Hz)", "per-neuron rate", quantum),
            (&right, &cvs, "ISI CV", "per-neuron ISI CV", None),
        ] {
            let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            let (lo, hi) = extent(finite.iter().copied());
            let (lo, hi) = if hi > lo || quantum.is_some() { (lo, hi.max(lo)) } else { (lo - 0.5, lo + 0.5) };
            let (start, width, bins) = bin_layout(lo, hi, 30, quantum);
            let per: Vec<Vec<(f64, f64, f64)>> = network
                .populations()
                .iter()
                .map(|p| {
                    let mine: Vec<f64> = values[p.neurons()].iter().copied().filter(|v| v.is_finite()).collect();
                    histogram(&mine, start, width, bins)
                })
                .collect();
            let top = per.iter().flatten().map(|b| b.2).fold(0.0, f64::max).max(0.01) * 1.15;
            let end = start + width * bins as f64;
            let mut chart = panel(area, name, padded(start, end, 0.03), 0.0..top, (label, "fraction of neurons"))?;
            for (p, bins) in per.iter().enumerate() {
                let style = color(p).mix(0.45).filled();
                chart
                    .draw_series(bins.iter().map(|&(a, b, f)| Rectangle::new([(a, 0.0), (b, f)], style)))?
                    .label(network.populations()[p].name.clone())
                    .legend(legend_box(style));
            }
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_hold_every_value_and_sum_to_one() {
        let bins = histogram(&[0.0, 0.5, 1.0, 1.0], 0.0, 0.5, 2);
        assert_eq!(bins, vec![(0.0, 0.5, 0.25), (0.5, 1.0, 0.75)]);
    }

    #[test]
    fn quantized_values_get_bins_centred_on_them() {
        // Rates 28..=36 Hz in steps of 1 Hz: nine values, one per bin.
        assert_eq!(bin_layout(28.0, 36.0, 30, Some(1.0)), (27.5, 1.0, 9));
        // 100 possible values in at most 30 bins: 4 per bin, 25 bins.
        assert_eq!(bin_layout(0.0, 99.0, 30, Some(1.0)), (-0.5, 4.0, 25));
        assert_eq!(bin_layout(0.0, 3.0, 30, None), (0.0, 0.1, 30));
    }
}
