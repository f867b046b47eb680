//! The one-page summary of a run (`summary.json`): configuration, totals, final moments, spike
//! statistics and the theory that applies.

use crate::analysis::SpikeStatistics;
use crate::config::Config;
use crate::model::{ByPopulation, Simulation};
use crate::record::Recording;
use crate::theory::TheoryValues;
use serde::Serialize;

/// Spike totals of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpikeTotals {
    /// Number of spikes in the ensemble.
    pub count: u64,
    /// Mean number of spikes per neuron.
    pub mean_count_per_neuron: f64,
    /// Mean firing rate per neuron over `(steps - 1) dt` (Hz).
    pub rate_hz: f64,
}

/// A population's size and spike statistics (`summary.json`'s `populations.NAME`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationStatistics {
    /// Number of neurons.
    pub n: usize,
    /// Its statistics in the analysis window (rate, its SE, ISI count, mean and CV, Fano).
    #[serde(flatten)]
    pub statistics: SpikeStatistics,
}

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Version of the lifsim library that ran.
    pub lifsim_version: &'static str,
    /// The whole configuration, defaults resolved, in SI units.
    pub config: Config,
    /// The same configuration as TOML in human units, which reads back to an equal one
    /// (`lifsim run` reads it; Python's `Result.config` is made from it).
    pub config_toml: String,
    /// Seed of the random streams.
    pub seed: u64,
    /// Number of neurons.
    pub n: usize,
    /// Number of grid points.
    pub steps: usize,
    /// Time step (s).
    pub dt: f64,
    /// Worker threads used.
    pub threads: usize,
    /// Wall-clock time of the simulation (s).
    pub wall_time_s: f64,
    /// Spike totals.
    pub spikes: SpikeTotals,
    /// Ensemble mean of V at the last step (V).
    pub v_mean_final: f64,
    /// Ensemble variance of V at the last step (V^2); NaN (null) for n = 1.
    pub v_var_final: f64,
    /// Spike statistics in the analysis window.
    pub analysis: SpikeStatistics,
    /// For a network: each population's size and spike statistics in the analysis window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub populations: Option<ByPopulation<PopulationStatistics>>,
    /// Theory for the same setup.
    pub theory: TheoryValues,
    /// Warnings about the setup.
    pub warnings: Vec<String>,
    /// Where the run's time went, when the caller measured it (`lifsim run` does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
}

/// Where a run's wall-clock time went (s), phase by phase.
///
/// `setup_s + simulation_s` is the summary's `wall_time_s`. The phases after the simulation
/// are filled in by whoever writes the files (`lifsim run`, Python's `Result.save`); the commit
/// of the output directory comes after `summary.json` is written, so only `lifsim run
/// --timings` prints it.
///
/// ```
/// let timings = lifsim::summary::Timings { setup_s: 0.25, simulation_s: 1.5, ..Default::default() };
/// assert_eq!(timings.setup_s + timings.simulation_s, 1.75);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Timings {
    /// Allocating the state and, for a network, drawing its synapses (s).
    pub setup_s: f64,
    /// The time loop and the recording's last statistics (s).
    pub simulation_s: f64,
    /// The spike statistics and theory of the summary (s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis_s: Option<f64>,
    /// Writing each result file, by name (s); a file streamed during the run (`spikes.parquet`
    /// of a file run) counts its last row group and footer.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub files_s: std::collections::BTreeMap<String, f64>,
    /// Drawing the figures and writing them and `report.html` (s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figures_s: Option<f64>,
}

impl Summary {
    /// Summarizes a finished run of `sim` (built from `config`).
    pub fn new(config: &Config, sim: &Simulation, rec: &Recording, threads: usize, wall_time_s: f64) -> Self {
        let count = rec.spike_total();
        Self {
            lifsim_version: env!("CARGO_PKG_VERSION"),
            config: config.resolved(),
            config_toml: config.to_toml(),
            seed: sim.seed(),
            n: sim.n(),
            steps: sim.steps(),
            dt: sim.dt(),
            threads,
            wall_time_s,
            spikes: SpikeTotals {
                count,
                mean_count_per_neuron: count as f64 / sim.n() as f64,
                rate_hz: rec.mean_rate_hz(),
            },
            v_mean_final: rec.v_mean.last().copied().unwrap_or(f64::NAN),
            v_var_final: rec.v_var.last().copied().unwrap_or(f64::NAN),
            analysis: SpikeStatistics::of(rec, sim.analysis()),
            populations: sim.network().map(|network| {
                ByPopulation(
                    network
                        .populations()
                        .iter()
                        .map(|p| {
                            let statistics = SpikeStatistics::of_neurons(rec, sim.analysis(), p.neurons());
                            (p.name.clone(), PopulationStatistics { n: p.n, statistics })
                        })
                        .collect(),
                )
            }),
            theory: TheoryValues::for_simulation(sim),
            warnings: sim.warnings(),
            timings: None,
        }
    }
}
