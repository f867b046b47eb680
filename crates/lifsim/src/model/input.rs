//! What drives the neurons: a deterministic current shared by all, plus per-neuron noise.

use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The deterministic input current, the same for every neuron (A, as a function of time in s).
///
/// ```
/// use lifsim::Drive;
/// let sine = Drive::Sine { i_mean: 250e-12, amplitude: 250e-12, frequency: 100.0, phase: 0.0 };
/// assert_eq!(sine.current(0.0), 250e-12);
/// assert!((sine.current(2.5e-3) - 500e-12).abs() < 1e-24);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drive {
    /// `I(t) = i_mean`.
    Constant {
        /// Current (A).
        i_mean: f64,
    },
    /// `I(t) = i_mean + amplitude sin(2 pi frequency t + phase)`.
    Sine {
        /// Mean current (A).
        i_mean: f64,
        /// Amplitude (A).
        amplitude: f64,
        /// Frequency (Hz).
        frequency: f64,
        /// Phase at t = 0 (rad).
        phase: f64,
    },
    /// `I(t) = i_mean + amplitude` for `start <= t < stop`, `i_mean` otherwise.
    Step {
        /// Baseline current (A).
        i_mean: f64,
        /// Extra current during the step (A).
        amplitude: f64,
        /// Onset (s).
        start: f64,
        /// End (s).
        stop: f64,
    },
}

impl Drive {
    /// The current at time `t` (s), in A.
    pub fn current(&self, t: f64) -> f64 {
        match *self {
            Drive::Constant { i_mean } => i_mean,
            Drive::Sine { i_mean, amplitude, frequency, phase } => {
                i_mean + amplitude * (2.0 * PI * frequency * t + phase).sin()
            }
            Drive::Step { i_mean, amplitude, start, stop } => {
                i_mean + if (start..stop).contains(&t) { amplitude } else { 0.0 }
            }
        }
    }

    /// The baseline `i_mean` (A).
    pub fn i_mean(&self) -> f64 {
        match *self {
            Drive::Constant { i_mean } | Drive::Sine { i_mean, .. } | Drive::Step { i_mean, .. } => i_mean,
        }
    }

    /// The largest current the drive ever reaches (A).
    pub fn max_current(&self) -> f64 {
        match *self {
            Drive::Constant { i_mean } => i_mean,
            Drive::Sine { i_mean, amplitude, .. } => i_mean + amplitude.abs(),
            Drive::Step { i_mean, amplitude, .. } => i_mean + amplitude.max(0.0),
        }
    }
}

/// Per-neuron noise added to the drive; each neuron draws its own independent stream.
///
/// Conventions (`mu = e_l + r_m i_mean`):
/// - `Tutorial`: the deck's `I_k = i_mean (1 + factor sqrt(t_max/dt) xi_k)`, `xi_k ~ U(-1, 1)`,
///   held constant over step k. It tends to white noise as dt -> 0.
/// - `White`: `tau_m dV = (mu - V) dt + sigma_v sqrt(2 tau_m) dW`; `sigma_v` (V) is the
///   stationary standard deviation of the free membrane in continuous time.
/// - `Ou`: a colored current `x = r_m I_noise` (V) with `tau_noise dx = -x dt + sigma_v sqrt(2 tau_m) dW`
///   and `tau_m dV = (mu - V + x) dt`. As `tau_noise -> 0` this is `White` with the same
///   `sigma_v`; for `tau_noise > 0` the free membrane's stationary variance is
///   `sigma_v^2 tau_m / (tau_m + tau_noise)` and `x` has standard deviation
///   `sigma_v sqrt(tau_m / tau_noise)`. `x` starts in its stationary distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "noise", rename_all = "snake_case")]
pub enum Noise {
    /// No noise: every neuron follows the same trajectory.
    None,
    /// The tutorial's uniform current noise with factor `f` (dimensionless).
    Tutorial {
        /// The deck's `f`.
        factor: f64,
    },
    /// Gaussian white noise.
    White {
        /// Stationary standard deviation of the free membrane (V).
        sigma_v: f64,
    },
    /// Ornstein-Uhlenbeck (colored) current noise.
    Ou {
        /// Stationary standard deviation of the free membrane in the white-noise limit (V).
        sigma_v: f64,
        /// Correlation time of the noise current (s).
        tau_noise: f64,
    },
    /// Poisson (shot-noise) input: excitatory and inhibitory input spikes arriving at the given
    /// total rates, each making V jump by its weight at the step it arrives (as NEST's
    /// `iaf_psc_delta`); jumps during the refractory period are discarded.
    Poisson(PoissonInput),
}

/// Rates and weights of Poisson input spikes (see [`Noise::Poisson`]).
///
/// ```
/// let input = lifsim::model::PoissonInput { rate_e: 20e3, weight_e: 0.1e-3, rate_i: 0.0, weight_i: 0.0 };
/// assert_eq!(input.mean_drift(), 2.0); // V/s: 20 kHz x 0.1 mV
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PoissonInput {
    /// Total rate of excitatory input spikes per neuron (Hz).
    pub rate_e: f64,
    /// Jump of V per excitatory input spike (V).
    pub weight_e: f64,
    /// Total rate of inhibitory input spikes per neuron (Hz).
    pub rate_i: f64,
    /// Jump of V per inhibitory input spike (V), negative for inhibition.
    pub weight_i: f64,
}

impl PoissonInput {
    /// The mean rate of change the input spikes give V, `w_e r_e + w_i r_i` (V/s).
    pub fn mean_drift(&self) -> f64 {
        self.weight_e.mul_add(self.rate_e, self.weight_i * self.rate_i)
    }

    /// The jumps' second moment per second, `w_e^2 r_e + w_i^2 r_i` (V^2/s) (Campbell).
    pub fn drift_variance(&self) -> f64 {
        (self.weight_e * self.weight_e).mul_add(self.rate_e, self.weight_i * self.weight_i * self.rate_i)
    }
}

/// The full input: a deterministic drive plus noise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// The current shared by all neurons.
    pub drive: Drive,
    /// The per-neuron noise.
    pub noise: Noise,
}
