//! A validated, fully resolved simulation: what `run` needs and nothing it must re-check.

use super::input::{Input, Noise};
use super::network::Network;
use super::params::LifParams;
use crate::analysis::AnalysisSpec;
use crate::grid::TimeGrid;
use crate::units::{Dimension, format_quantity};

choice_enum! {
    /// How the membrane equation is advanced over one step (`simulation.method`).
    pub enum Method {
        /// Forward Euler with the input taken at the start of the step (the tutorial's rule).
        Euler = "euler",
        /// Exact exponential integration for piecewise-constant input; exact OU step for white noise.
        Exact = "exact",
    }
}

choice_enum! {
    /// How a threshold crossing is detected (`simulation.crossing`).
    pub enum Crossing {
        /// Only on the grid: a spike when `V_k >= v_th` after the update (the tutorial's rule).
        Grid = "grid",
        /// Also between grid points: when both `V_{k-1}` and `V_k` are below threshold, a spike
        /// at step k with the probability that a Brownian bridge between them crossed `v_th`,
        /// `exp(-2 (v_th - V_{k-1}) (v_th - V_k) / s^2)`, `s^2` the step's noise variance. This
        /// removes the O(sqrt(dt)) rate bias of grid-only detection for white noise
        /// (Honerkamp; Giraudo & Sacerdote 1999; Mannella 1999).
        Bridge = "bridge",
        /// Spike times within the step (white noise or none, `method = "exact"`): a crossing
        /// is detected as by `Bridge` (on the grid, or between grid points with the crossing
        /// probability of the Ornstein-Uhlenbeck bridge), its time drawn exactly from the
        /// bridge's first-passage distribution (the exact root without noise), the spike
        /// recorded at that off-grid time, V reset and t_ref counted from it, and the rest of
        /// the step after t_ref integrated exactly from `v_reset` (the exact OU transition over
        /// the partial step). This removes the O(dt) bias of a spike timed at the end of its
        /// step, which `Bridge` leaves (see docs/VALIDATION.md).
        Precise = "precise",
    }
}

choice_enum! {
    /// Where a run's spikes go (`record.spikes`).
    pub enum SpikeMode {
        /// Every spike kept in the recording ([`crate::record::Spikes`], 8 bytes each).
        Memory = "memory",
        /// Every spike handed, window by window, to a [`crate::record::SpikeSink`] (the command
        /// line and Python stream them to Parquet) and not kept: memory stays bounded.
        File = "file",
        /// Only the per-neuron counts and the activity (the spikes themselves are not kept).
        Counts = "counts",
    }
}

/// What to record besides the always-on ensemble moments, spikes, counts and activity.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSpec {
    /// Number of neurons (the first ones, 0..traces) whose V is traced.
    pub traces: usize,
    /// Trace every `every`-th step (steps 0, every, 2 every, ...).
    pub every: usize,
    /// Steps at which a V histogram across the ensemble is taken.
    pub hist_steps: Vec<usize>,
    /// Number of histogram bins.
    pub hist_bins: usize,
    /// Where the spikes go.
    pub spikes: SpikeMode,
}

/// A simulation ready to run. Only [`crate::Config::build`] makes one, after validating every
/// value, so a `Simulation` is always valid; its parts are read through the methods below.
///
/// The time grid is `t_k = k dt` for `k = 0 .. steps-1`, with `steps = round(t_max / dt)`;
/// `V_0 = v_init` for every neuron.
///
/// ```
/// let sim = lifsim::Config::default().build().unwrap();
/// assert_eq!((sim.n(), sim.steps(), sim.dt()), (500, 150, 1e-3));
/// assert_eq!(sim.grid().time(10), 10.0 * 1e-3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    neuron: LifParams,
    input: Input,
    method: Method,
    crossing: Crossing,
    grid: TimeGrid,
    t_max: f64,
    n: usize,
    seed: u64,
    record: RecordSpec,
    analysis: AnalysisSpec,
    network: Option<Network>,
}

/// The validated parts of a [`Simulation`], as [`crate::Config::build`] assembles them.
pub(crate) struct SimulationParts {
    pub neuron: LifParams,
    pub input: Input,
    pub method: Method,
    pub crossing: Crossing,
    pub grid: TimeGrid,
    pub t_max: f64,
    pub n: usize,
    pub seed: u64,
    pub record: RecordSpec,
    pub analysis: AnalysisSpec,
    pub network: Option<Network>,
}

impl Simulation {
    /// Assembles validated parts; only the configuration's builder calls this.
    pub(crate) fn from_parts(parts: SimulationParts) -> Self {
        let SimulationParts { neuron, input, method, crossing, grid, t_max, n, seed, record, analysis, network } =
            parts;
        Self { neuron, input, method, crossing, grid, t_max, n, seed, record, analysis, network }
    }

    /// The network, for a configuration with `[[population]]`s; `None` for an ensemble of
    /// independent, identical neurons (then [`Simulation::neuron`] and [`Simulation::input`]
    /// are theirs; in a network they are the defaults the populations start from).
    pub fn network(&self) -> Option<&Network> {
        self.network.as_ref()
    }

    /// The neuron model.
    pub fn neuron(&self) -> &LifParams {
        &self.neuron
    }

    /// Deterministic drive and noise.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// Integration method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Threshold-crossing rule.
    pub fn crossing(&self) -> Crossing {
        self.crossing
    }

    /// The time grid.
    pub fn grid(&self) -> TimeGrid {
        self.grid
    }

    /// Time step (s).
    pub fn dt(&self) -> f64 {
        self.grid.dt()
    }

    /// Number of grid points, `round(t_max / dt)`.
    pub fn steps(&self) -> usize {
        self.grid.steps()
    }

    /// Simulated duration (s), as configured.
    pub fn t_max(&self) -> f64 {
        self.t_max
    }

    /// Number of neurons (of the whole network, for a network).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Seed of every random stream.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// What to record.
    pub fn record(&self) -> &RecordSpec {
        &self.record
    }

    /// The spike-statistics window and bins (`[analysis]`).
    pub fn analysis(&self) -> &AnalysisSpec {
        &self.analysis
    }

    /// The time of grid point `k` (s): `k dt`, never accumulated.
    pub fn time(&self, k: usize) -> f64 {
        self.grid.time(k)
    }

    /// The membrane's asymptotic mean drive (V): `mu = e_l + r_m i_mean`, plus `tau_m` times
    /// the mean drift of Poisson input (`tau_m (w_e r_e + w_i r_i)`).
    pub fn mu(&self) -> f64 {
        let drift = match self.input.noise {
            Noise::Poisson(p) => self.neuron.tau_m * p.mean_drift(),
            _ => 0.0,
        };
        self.neuron.e_l + self.neuron.r_m * self.input.drive.i_mean() + drift
    }

    /// Warnings about a valid but probably unintended setup, e.g. a neuron that can never
    /// reach its threshold.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let p = &self.neuron;
        if let Some(v_th) = p.v_th {
            let noise_max = match self.input.noise {
                Noise::None => Some(0.0),
                Noise::Tutorial { factor } => {
                    Some(self.input.drive.i_mean().abs() * factor.abs() * (self.t_max / self.dt()).sqrt())
                }
                Noise::White { .. } | Noise::Ou { .. } | Noise::Poisson(_) => None,
            };
            if let Some(noise_max) = noise_max {
                let v_max = p.e_l + p.r_m * (self.input.drive.max_current() + noise_max);
                if v_max < v_th && p.v_init < v_th {
                    warnings.push(format!(
                        "the neuron can never reach its threshold: the largest input drives V towards at most {} \
                         while neuron.v_th = {} (no spikes will occur; raise input.i_mean or add noise)",
                        format_quantity(v_max, Dimension::Voltage),
                        format_quantity(v_th, Dimension::Voltage)
                    ));
                }
            }
        }
        warnings
    }
}
