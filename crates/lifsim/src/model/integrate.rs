//! Integration methods and their per-step constants, computed once before the time loop.
//!
//! Both methods advance the membrane with the same affine step
//! `V_k = decay V_{k-1} + gain (e_l + r_m I(t_{k-1})) + noise_k`
//! (computed as two fused multiply-adds, `decay V + drive` and then `+ noise`, each rounded
//! once), so one time loop serves both; only the constants differ:
//! - `Euler` (the tutorial's forward Euler / Euler-Maruyama): `decay = 1 - dt/tau_m`,
//!   `gain = dt/tau_m`, white-noise step `sigma_v sqrt(2 dt/tau_m) xi`;
//! - `Exact` (exponential propagator for input held constant over the step, exact OU
//!   transition for white noise): `decay = exp(-dt/tau_m)`, `gain = 1 - decay`, white-noise
//!   step `sigma_v sqrt(1 - decay^2) xi`.

use super::input::{Drive, Input, Noise};
use super::params::LifParams;
use super::simulation::{Method, Simulation};
use crate::grid::TimeGrid;

/// The constants of one step for a given method, `dt` and noise (all derived, never set).
///
/// ```
/// let sim = lifsim::Config::default().build().unwrap();
/// let c = lifsim::model::StepConstants::new(&sim);
/// assert_eq!(c.decay, 1.0 - 1e-3 / 20e-3);
/// assert_eq!(c.gain, 1e-3 / 20e-3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepConstants {
    /// Multiplies `V_{k-1}` (dimensionless).
    pub decay: f64,
    /// Multiplies the drive `e_l + r_m I` and, for OU noise, the noise voltage `x` (dimensionless).
    pub gain: f64,
    /// Scale of the per-step noise on V (V): multiplies `xi ~ U(-1,1)` for tutorial noise and
    /// `xi ~ N(0,1)` for white noise; 0 otherwise.
    pub noise_scale: f64,
    /// For OU noise: `x_k = ou_decay x_{k-1} + ou_scale xi` (dimensionless, V).
    pub ou_decay: f64,
    /// See `ou_decay` (V).
    pub ou_scale: f64,
    /// Standard deviation of the stationary `x` of this discretization (V), used for `x_0`.
    pub ou_stationary_sd: f64,
}

impl StepConstants {
    /// Computes the constants for `sim`.
    pub fn new(sim: &Simulation) -> Self {
        Self::of(sim.neuron(), sim.input(), sim.method(), sim.dt(), sim.t_max())
    }

    /// The constants of a neuron with `input` under `method` at step `dt` in a run of `t_max`
    /// (s) (a network's population has its own).
    pub fn of(neuron: &LifParams, input: &Input, method: Method, dt: f64, t_max: f64) -> Self {
        let tau_m = neuron.tau_m;
        let (decay, gain) = match method {
            Method::Euler => (1.0 - dt / tau_m, dt / tau_m),
            Method::Exact => {
                let decay = (-dt / tau_m).exp();
                (decay, -(-dt / tau_m).exp_m1())
            }
        };
        let mut constants = Self { decay, gain, noise_scale: 0.0, ou_decay: 0.0, ou_scale: 0.0, ou_stationary_sd: 0.0 };
        match input.noise {
            // Poisson jumps are added as they are (see `engine::noise::PoissonNoise`).
            Noise::None | Noise::Poisson(_) => {}
            Noise::Tutorial { factor } => {
                constants.noise_scale = gain * neuron.r_m * input.drive.i_mean() * factor * (t_max / dt).sqrt();
            }
            Noise::White { sigma_v } => {
                constants.noise_scale = match method {
                    Method::Euler => sigma_v * (2.0 * dt / tau_m).sqrt(),
                    Method::Exact => sigma_v * (-(-2.0 * dt / tau_m).exp_m1()).sqrt(),
                };
            }
            Noise::Ou { sigma_v, tau_noise } => {
                let x_sd = sigma_v * (tau_m / tau_noise).sqrt();
                (constants.ou_decay, constants.ou_scale) = match method {
                    Method::Euler => (1.0 - dt / tau_noise, x_sd * (2.0 * dt / tau_noise).sqrt()),
                    Method::Exact => ((-dt / tau_noise).exp(), x_sd * (-(-2.0 * dt / tau_noise).exp_m1()).sqrt()),
                };
                constants.ou_stationary_sd =
                    constants.ou_scale / (1.0 - constants.ou_decay * constants.ou_decay).sqrt();
            }
        }
        constants
    }
}

/// The deterministic part of every step: `drive[k] = gain (e_l + r_m I(t_{k-1}))` (V) for
/// `k = 1 .. steps-1`; `drive[0]` is unused and 0. Computed once, shared by all neurons.
pub fn drive_per_step(sim: &Simulation, gain: f64) -> Vec<f64> {
    drive_of(sim.neuron(), &sim.input().drive, sim.grid(), gain)
}

/// [`drive_per_step`] for a neuron with `drive` on `grid`.
pub fn drive_of(p: &LifParams, drive: &Drive, grid: TimeGrid, gain: f64) -> Vec<f64> {
    std::iter::once(0.0)
        .chain((1..grid.steps()).map(|k| gain * (p.e_l + p.r_m * drive.current(grid.time(k - 1)))))
        .collect()
}
