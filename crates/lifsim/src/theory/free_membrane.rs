//! Closed forms of the free membrane and of noise-free firing: exact discrete-time moments,
//! stationary moments, the deterministic period and the grid's own spike steps.

use crate::model::integrate::{StepConstants, drive_per_step};
use crate::model::{Drive, Input, LifParams, Noise, Simulation};

/// Mean and variance of V over the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeMembraneMoments {
    /// Mean of V at each step (V).
    pub mean: Vec<f64>,
    /// Variance of V at each step (V^2).
    pub var: Vec<f64>,
}

/// The exact mean and variance of the free membrane (no threshold) after each step of the
/// simulation's own discrete scheme, for every noise kind and method.
///
/// The discrete model is linear: `V_k = a V_{k-1} + d_k + g x_{k-1} + q xi_k` with
/// `x_k = c x_{k-1} + s eta_k` for OU noise (x = 0 otherwise), so mean and covariance obey an
/// exact recursion; for constant input it equals the AR(1) closed form of [`ar1_moments`].
/// `Var xi = 1/3` for the tutorial's U(-1, 1) noise and 1 for Gaussian noise.
///
/// ```
/// let mut config = lifsim::Config::default();
/// config.set("neuron.v_th", &"none".into()).unwrap();
/// let sim = config.build().unwrap();
/// let m = lifsim::theory::free_membrane_moments(&sim);
/// assert_eq!(m.mean[0], -60e-3);
/// assert_eq!(m.var[0], 0.0);
/// ```
pub fn free_membrane_moments(sim: &Simulation) -> FreeMembraneMoments {
    let c = StepConstants::new(sim);
    let drive = drive_per_step(sim, c.gain);
    // Poisson input adds jumps of mean `drift dt` and variance `(w_e^2 r_e + w_i^2 r_i) dt`
    // (Campbell's theorem for one step's counts).
    let (jump_mean, step_var) = match sim.input().noise {
        Noise::Tutorial { .. } => (0.0, c.noise_scale * c.noise_scale / 3.0),
        Noise::Poisson(p) => (p.mean_drift() * sim.dt(), p.drift_variance() * sim.dt()),
        _ => (0.0, c.noise_scale * c.noise_scale),
    };
    let (a, g) = (c.decay, c.gain);
    let (mut m, mut pvv, mut pvx, mut pxx) = (sim.neuron().v_init, 0.0, 0.0, c.ou_stationary_sd * c.ou_stationary_sd);
    let mut moments = FreeMembraneMoments { mean: vec![m], var: vec![0.0] };
    for &d in &drive[1..] {
        m = a * m + d;
        if jump_mean != 0.0 {
            m += jump_mean;
        }
        (pvv, pvx, pxx) = (
            a * a * pvv + 2.0 * a * g * pvx + g * g * pxx + step_var,
            c.ou_decay * (a * pvx + g * pxx),
            c.ou_decay * c.ou_decay * pxx + c.ou_scale * c.ou_scale,
        );
        moments.mean.push(m);
        moments.var.push(pvv);
    }
    moments
}

/// The AR(1) process `V_k = a V_{k-1} + b + e_k`, `Var e_k = q`, started at `v0`: its mean and
/// variance after `k` steps, `mean = b/(1-a) + (v0 - b/(1-a)) a^k`, `var = q (1 - a^{2k}) / (1 - a^2)`.
///
/// ```
/// let (mean, var) = lifsim::theory::ar1_moments(0.5, 1.0, 0.75, 0.0, 1);
/// assert_eq!((mean, var), (1.0, 0.75));
/// ```
pub fn ar1_moments(a: f64, b: f64, q: f64, v0: f64, k: u32) -> (f64, f64) {
    let fixed = b / (1.0 - a);
    let ak = a.powi(k as i32);
    (fixed + (v0 - fixed) * ak, q * (1.0 - ak * ak) / (1.0 - a * a))
}

/// Stationary mean and variance of the free membrane in continuous time for constant drive:
/// `mu` and `sigma_v^2` (white), `sigma_v^2 tau_m / (tau_m + tau_noise)` (OU), the white-noise
/// limit `(r_m i_mean f)^2 t_max / (6 tau_m)` (tutorial), the diffusion limit
/// `tau_m (w_e^2 r_e + w_i^2 r_i) / 2` of Poisson input (whose mean is in `mu`), 0 without noise.
pub fn stationary_moments(sim: &Simulation) -> (f64, f64) {
    (sim.mu(), stationary_variance(sim.neuron(), sim.input(), sim.t_max()))
}

/// The stationary variance of [`stationary_moments`] for a neuron with `input` in a run of
/// `t_max` (s) (V^2).
pub fn stationary_variance(neuron: &LifParams, input: &Input, t_max: f64) -> f64 {
    let tau_m = neuron.tau_m;
    match input.noise {
        Noise::None => 0.0,
        Noise::Tutorial { factor } => {
            let amplitude = neuron.r_m * input.drive.i_mean() * factor;
            amplitude * amplitude * t_max / (6.0 * tau_m)
        }
        Noise::White { sigma_v } => sigma_v * sigma_v,
        Noise::Ou { sigma_v, tau_noise } => sigma_v * sigma_v * tau_m / (tau_m + tau_noise),
        Noise::Poisson(p) => tau_m * p.drift_variance() / 2.0,
    }
}

/// The white-noise amplitude `sigma_v` (V) equivalent to the simulation's noise: itself for
/// white noise, the dt -> 0 limit for the tutorial's noise, the diffusion approximation of
/// Poisson input (small jumps at high rates), `None` otherwise.
pub fn equivalent_sigma_v(sim: &Simulation) -> Option<f64> {
    match sim.input().noise {
        Noise::White { sigma_v } => Some(sigma_v),
        Noise::Tutorial { .. } | Noise::Poisson(_) => Some(stationary_moments(sim).1.sqrt()),
        Noise::None | Noise::Ou { .. } => None,
    }
}

/// The deterministic interspike interval in continuous time (s),
/// `t_ref + tau_m ln((mu - v_reset) / (mu - v_th))`, for a constant drive `mu > v_th`;
/// `None` when the neuron never fires or has no threshold.
///
/// ```
/// let p = lifsim::LifParams::default();
/// let isi = lifsim::theory::deterministic_isi(&p, -35e-3).unwrap();
/// assert!((isi - (10e-3 + 20e-3 * (35.0f64 / 15.0).ln())).abs() < 1e-15);
/// ```
pub fn deterministic_isi(params: &LifParams, mu: f64) -> Option<f64> {
    let v_th = params.v_th?;
    (mu > v_th).then(|| params.t_ref + params.tau_m * ((mu - params.v_reset) / (mu - v_th)).ln())
}

/// The spike steps of the discrete scheme itself for constant drive without noise: the first
/// spike at grid step `first` and one every `isi` steps after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridSpikes {
    /// Step of the first spike.
    pub first: usize,
    /// Steps between spikes.
    pub isi: usize,
}

impl GridSpikes {
    /// Spikes per neuron at steps `1 ..= last`.
    pub fn count_until(&self, last: usize) -> usize {
        if self.first > last { 0 } else { 1 + (last - self.first) / self.isi }
    }
}

/// The exact spike steps of `sim`'s own discrete scheme for constant drive, no noise and
/// `mu > v_th` (`None` otherwise, or when a crossing falls within 1e-9 of a grid step, where
/// rounding decides).
///
/// Both methods iterate `V_k = a V_{k-1} + (1 - a) mu` (`a = 1 - dt/tau_m` for Euler,
/// `exp(-dt/tau_m)` for exact integration), so `V_j = mu + a^j (V_0 - mu)` and the first
/// spike from `V_0` is at `j = ceil(ln((mu - v_th)/(mu - V_0)) / ln a)`. After a spike the
/// neuron is held at `v_reset` for `max(n_ref, 1) - 1` steps, then climbs again from `v_reset`.
///
/// ```
/// let mut config = lifsim::Config::default();
/// config.set("input.noise", &"none".into()).unwrap();
/// let sim = config.build().unwrap();
/// let spikes = lifsim::theory::grid_spike_steps(&sim).unwrap();
/// assert_eq!(spikes, lifsim::theory::GridSpikes { first: 10, isi: 26 });
/// ```
pub fn grid_spike_steps(sim: &Simulation) -> Option<GridSpikes> {
    let v_th = sim.neuron().v_th?;
    let constant = matches!(sim.input().drive, Drive::Constant { .. });
    let mu = sim.mu();
    if !constant || sim.input().noise != Noise::None || mu <= v_th {
        return None;
    }
    let a = StepConstants::new(sim).decay;
    let climb = |from: f64| -> Option<usize> {
        if from >= v_th {
            return Some(1);
        }
        let j = ((mu - v_th) / (mu - from)).ln() / a.ln();
        ((j - j.round()).abs() > 1e-9).then(|| (j.ceil() as usize).max(1))
    };
    let first = climb(sim.neuron().v_init)?;
    let hold = sim.neuron().refractory_steps(sim.dt()).max(1) - 1;
    Some(GridSpikes { first, isi: hold + climb(sim.neuron().v_reset)? })
}
