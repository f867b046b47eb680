//! A validated, fully resolved simulation: what `run` needs and nothing it must re-check.

use crate::analysis::AnalysisSpec;
use crate::input::{Input, Noise};
use crate::integrate::{Crossing, Method};
use crate::params::LifParams;
use crate::units::{Dimension, format_quantity};
use serde::{Deserialize, Serialize};

/// What to record besides the always-on ensemble moments, spikes, counts and activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSpec {
    /// Number of neurons (the first ones, 0..traces) whose V is traced.
    pub traces: usize,
    /// Trace every `every`-th step (steps 0, every, 2 every, ...).
    pub every: usize,
    /// Steps at which a V histogram across the ensemble is taken.
    pub hist_steps: Vec<usize>,
    /// Number of histogram bins.
    pub hist_bins: usize,
}

/// A simulation ready to run. Build it with [`crate::Config::build`], which validates every
/// value; fields are public for reading.
///
/// The time grid is `t_k = k dt` for `k = 0 .. steps-1`, with `steps = round(t_max / dt)`;
/// `V_0 = v_init` for every neuron.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// The neuron model.
    pub neuron: LifParams,
    /// Deterministic drive and noise.
    pub input: Input,
    /// Integration method.
    pub method: Method,
    /// Threshold-crossing rule.
    pub crossing: Crossing,
    /// Time step (s).
    pub dt: f64,
    /// Simulated duration (s), as configured.
    pub t_max: f64,
    /// Number of grid points, `round(t_max / dt)`.
    pub steps: usize,
    /// Number of independent neurons.
    pub n: usize,
    /// Seed of every random stream.
    pub seed: u64,
    /// What to record.
    pub record: RecordSpec,
    /// The spike-statistics window and bins (`[analysis]`).
    #[serde(default)]
    pub analysis: AnalysisSpec,
}

impl Simulation {
    /// The time of grid point `k` (s): `k dt`, never accumulated.
    pub fn time(&self, k: usize) -> f64 {
        k as f64 * self.dt
    }

    /// The membrane's asymptotic mean drive `mu = e_l + r_m i_mean` (V).
    pub fn mu(&self) -> f64 {
        self.neuron.e_l + self.neuron.r_m * self.input.drive.i_mean()
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
                    Some(self.input.drive.i_mean().abs() * factor.abs() * (self.t_max / self.dt).sqrt())
                }
                Noise::White { .. } | Noise::Ou { .. } => None,
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
