//! Figures drawn from a finished run (Recording + Simulation + theory, never a re-run), as PNG and SVG.

mod convergence;
mod histograms;
mod network;
mod spikes;
pub mod style;
mod sweep;
mod voltage;

pub use convergence::DtStudyPlot;
pub use histograms::HistogramPlot;
pub use network::{CouplingPlot, DistributionsPlot, NetworkRasterPlot};
pub use spikes::{CountsPlot, RasterPlot};
pub use style::{Figure, RunView, add_figure};
pub use sweep::SweepPlot;
pub use voltage::{MomentsPlot, VoltagePlot};

use lifsim::theory::TheoryValues;
use lifsim::{Recording, Simulation};
use lifsim_io::OutputSet;
use std::io;

/// Every figure a run may draw (those of [`add_run_figures`]).
pub const RUN_FIGURES: [&str; 7] =
    ["voltage", "moments", "histograms", "raster", "isi", "spike_counts", "distributions"];

/// Traces drawn in a run's `voltage` figure.
const RUN_TRACES: usize = 5;

/// A figure drawn into an output directory, with what a report says of it.
#[derive(Debug, Clone)]
pub struct ReportFigure {
    /// File stem: `NAME.png` and `NAME.svg`.
    pub name: String,
    /// The figure's title.
    pub title: String,
    /// What the figure shows and what theory predicts, in a sentence or two.
    pub caption: String,
}

impl ReportFigure {
    /// Renders `figure` as `name.png` and `name.svg` into `out` and remembers its caption.
    ///
    /// # Errors
    /// Any drawing or I/O error.
    pub fn draw(out: &mut OutputSet, name: &str, figure: &impl Figure, caption: impl Into<String>) -> io::Result<Self> {
        add_figure(out, name, figure)?;
        Ok(Self { name: name.into(), title: figure.title().into(), caption: caption.into() })
    }
}

/// Adds the figures of a run to `out`: `voltage`, `moments`, `histograms`, `raster`, and `isi`
/// and `spike_counts` when there are spikes.
///
/// # Errors
/// Any drawing or I/O error.
pub fn add_run_figures(
    out: &mut OutputSet,
    sim: &Simulation,
    rec: &Recording,
    theory: &TheoryValues,
) -> io::Result<Vec<ReportFigure>> {
    let free = sim.neuron().v_th.is_none() && sim.network().is_none();
    let theory_note = if free {
        "The dashed curves are the exact mean and variance of the free membrane under the same discrete scheme."
    } else {
        "With a threshold the free-membrane theory does not apply, so no theory curve is drawn."
    };
    let mut figures = vec![
        ReportFigure::draw(
            out,
            "voltage",
            &VoltagePlot {
                source: RunView::new(sim, rec, "Membrane potential"),
                traces: RUN_TRACES,
                mean: true,
                band: true,
            },
            "A few traced neurons, the ensemble mean (thick) and the mean ± one standard deviation band; \
             spikes show as resets to v_reset.",
        )?,
        ReportFigure::draw(
            out,
            "moments",
            &MomentsPlot(RunView::new(sim, rec, "Ensemble mean and variance of V")),
            format!("Sample mean and variance (1/(n-1)) of V across the ensemble at every step. {theory_note}"),
        )?,
    ];
    if !rec.histograms.is_empty() {
        figures.push(ReportFigure::draw(
            out,
            "histograms",
            &HistogramPlot(RunView::new(sim, rec, "Distribution of V across the ensemble")),
            if free {
                "V across the ensemble at record.hist_times; the curve is the Gaussian with the exact free-membrane mean \
                 and variance at that step."
            } else {
                "V across the ensemble at record.hist_times; neurons that just spiked sit at v_reset (held there \
                 during t_ref) and form a peak. No Gaussian theory applies with a threshold."
            },
        )?);
    }
    if sim.network().is_some() {
        let plot = NetworkRasterPlot {
            view: RunView::new(sim, rec, "Spikes by population"),
            theory: theory.populations.as_ref(),
        };
        figures.push(ReportFigure::draw(
            out,
            "raster",
            &plot,
            "Spike times of the first neurons of each population (in proportion to its size), and each \
             population's rate (spikes per neuron per second, smoothed) with its mean-field rate dashed.",
        )?);
        figures.push(ReportFigure::draw(
            out,
            "distributions",
            &DistributionsPlot(RunView::new(sim, rec, "Per-neuron rates and ISI CVs")),
            "The distribution of each neuron's firing rate and ISI CV in the analysis window, by population \
             (neurons with fewer than two intervals have no CV).",
        )?);
    } else {
        figures.push(ReportFigure::draw(
            out,
            "raster",
            &RasterPlot(RunView::new(sim, rec, "Spikes")),
            "Spike times of the first neurons, and the population rate (spikes per neuron per step divided by dt), \
             raw and smoothed.",
        )?);
    }
    if let Some(isi) = CountsPlot::isi(rec, "Interspike intervals".into()) {
        figures.push(ReportFigure::draw(
            out,
            "isi",
            &isi,
            "Intervals between consecutive spikes of the same neuron; CV = std/mean (1 for a Poisson process, \
             0 for a clock).",
        )?);
    }
    if let Some(counts) = CountsPlot::spike_counts(rec, "Spike counts".into()) {
        figures.push(ReportFigure::draw(
            out,
            "spike_counts",
            &counts,
            "Spikes per neuron over the run; Fano factor = variance/mean of the count (1 for a Poisson process).",
        )?);
    }
    Ok(figures)
}
