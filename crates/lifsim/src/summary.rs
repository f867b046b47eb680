//! The one-page summary of a run: configuration, totals, final moments and the theory that applies.

use crate::analysis::SpikeStatistics;
use crate::config::Config;
use crate::input::{Drive, Noise};
use crate::record::Recording;
use crate::siegert::WhiteNoiseLif;
use crate::simulation::Simulation;
use crate::theory;
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

/// Theory values for the run's setup; `None` (null in JSON) where a value does not apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TheoryValues {
    /// Exact mean of the free membrane at the last step of the discrete scheme (V).
    pub v_mean_final: Option<f64>,
    /// Exact variance of the free membrane at the last step of the discrete scheme (V^2).
    pub v_var_final: Option<f64>,
    /// Stationary mean of the free membrane in continuous time (V).
    pub v_mean_stationary: Option<f64>,
    /// Stationary variance of the free membrane in continuous time (V^2).
    pub v_var_stationary: Option<f64>,
    /// Deterministic interspike interval for constant suprathreshold drive (s).
    pub isi_deterministic_s: Option<f64>,
    /// Its inverse (Hz).
    pub rate_deterministic_hz: Option<f64>,
    /// Stationary firing rate in continuous time (Hz): Siegert's formula for white noise and
    /// for the tutorial's noise through its white-noise limit, the deterministic rate without
    /// noise; for constant drive with a threshold (see [`crate::siegert`]).
    pub rate_hz: Option<f64>,
    /// The matching coefficient of variation of interspike intervals (Brunel 2000); NaN (null)
    /// when the neuron never fires.
    pub cv_isi: Option<f64>,
}

impl TheoryValues {
    /// The theory that applies to `sim`: free-membrane moments without a threshold, the
    /// deterministic ISI without noise and with constant drive, the firing rate and ISI CV for
    /// constant drive with a threshold and white, tutorial or no noise.
    pub fn for_simulation(sim: &Simulation) -> Self {
        let free = sim.neuron.v_th.is_none();
        let constant = matches!(sim.input.drive, Drive::Constant { .. });
        let (final_mean, final_var) = if free {
            let m = theory::free_membrane_moments(sim);
            (m.mean.last().copied(), m.var.last().copied())
        } else {
            (None, None)
        };
        let (mean_stat, var_stat) = theory::stationary_moments(sim);
        let isi = (constant && sim.input.noise == Noise::None)
            .then(|| theory::deterministic_isi(&sim.neuron, sim.mu()))
            .flatten();
        let first_passage = WhiteNoiseLif::for_simulation(sim);
        Self {
            rate_hz: first_passage.map(|p| p.rate_hz()),
            cv_isi: first_passage.map(|p| p.cv_isi()),
            v_mean_final: final_mean,
            v_var_final: final_var,
            v_mean_stationary: (free && constant).then_some(mean_stat),
            v_var_stationary: (free && constant).then_some(var_stat),
            isi_deterministic_s: isi,
            rate_deterministic_hz: isi.map(|isi| 1.0 / isi),
        }
    }
}

/// Everything `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Version of the lifsim library that ran.
    pub lifsim_version: &'static str,
    /// The whole configuration, defaults resolved, in SI units.
    pub config: Config,
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
    /// Theory for the same setup.
    pub theory: TheoryValues,
    /// Warnings about the setup.
    pub warnings: Vec<String>,
}

impl Summary {
    /// Summarizes a finished run of `sim` (built from `config`).
    pub fn new(config: &Config, sim: &Simulation, rec: &Recording, threads: usize, wall_time_s: f64) -> Self {
        let count = rec.spikes.len() as u64;
        Self {
            lifsim_version: env!("CARGO_PKG_VERSION"),
            config: config.resolved(),
            seed: sim.seed,
            n: sim.n,
            steps: sim.steps,
            dt: sim.dt,
            threads,
            wall_time_s,
            spikes: SpikeTotals {
                count,
                mean_count_per_neuron: count as f64 / sim.n as f64,
                rate_hz: rec.mean_rate_hz(),
            },
            v_mean_final: rec.v_mean.last().copied().unwrap_or(f64::NAN),
            v_var_final: rec.v_var.last().copied().unwrap_or(f64::NAN),
            analysis: SpikeStatistics::of(rec, &sim.analysis),
            theory: TheoryValues::for_simulation(sim),
            warnings: sim.warnings(),
        }
    }
}
