//! Firing rate and ISI variability of a LIF neuron driven by Gaussian white noise: the Siegert /
//! Ricciardi mean first-passage time and Brunel's CV formula, evaluated stably with `erfcx`.
//!
//! Model (continuous time): `tau_m dV = (mu - V) dt + sigma sqrt(tau_m) dW` between spikes,
//! threshold `v_th`, reset `v_reset`, absolute refractory period `t_ref`. lifsim's `sigma_v` is
//! the stationary standard deviation of the free membrane, so `sigma = sigma_v sqrt(2)` in the
//! notation of Brunel (2000), with `y_th = (v_th - mu)/sigma`, `y_r = (v_reset - mu)/sigma`:
//!
//! - rate (Siegert 1951; Ricciardi 1977; Brunel 2000 eq. 21):
//!   `1/nu = t_ref + tau_m sqrt(pi) int_{y_r}^{y_th} e^{u^2} (1 + erf u) du`;
//! - ISI CV (Brunel 2000, appendix A.1):
//!   `CV^2 = 2 pi (nu tau_m)^2 int_{y_r}^{y_th} e^{x^2} dx int_{-inf}^{x} e^{y^2} (1 + erf y)^2 dy`.
//!
//! `e^{u^2}(1 + erf u) = erfcx(-u)` is bounded for `u <= 0` but grows like `2 e^{u^2}` for
//! `u > 0`. Every integrand is therefore multiplied by `e^{-s^2}` (rate) or `e^{-2 s^2}` (CV),
//! `s = max(y_th, 0)`, and evaluated as `erfcx(-u)` for `u < 0` and as `erfc(-u) e^{u^2 - s^2}`
//! for `u >= 0`; the factor cancels in closed form, so no intermediate overflows and deep
//! sub-threshold rates underflow gracefully to 0.

use super::free_membrane::equivalent_sigma_v;
use super::quadrature::integrate;
use crate::model::{Drive, Noise, Simulation};
use puruspe::{erfc, erfcx};
use std::f64::consts::PI;

/// Relative tolerance of the outer integrals.
const TOLERANCE: f64 = 1e-11;

/// Below `-sqrt(x^2 + TAIL)` the inner CV integrand is smaller than `e^{-TAIL}` times its peak.
const TAIL: f64 = 60.0;

/// A LIF neuron with constant mean drive and Gaussian white noise, in SI units.
///
/// ```
/// let p = lifsim::theory::WhiteNoiseLif {
///     mu: -40e-3, sigma_v: 5e-3, tau_m: 20e-3, v_th: -50e-3, v_reset: -70e-3, t_ref: 2e-3,
/// };
/// assert!((p.rate_hz() - 44.84).abs() < 0.01);
/// assert!(p.cv_isi() > 0.0 && p.cv_isi() < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WhiteNoiseLif {
    /// Mean drive `e_l + r_m i_mean` (V).
    pub mu: f64,
    /// Stationary standard deviation of the free membrane (V); 0 for no noise.
    pub sigma_v: f64,
    /// Membrane time constant (s).
    pub tau_m: f64,
    /// Threshold (V).
    pub v_th: f64,
    /// Reset potential (V), below `v_th`.
    pub v_reset: f64,
    /// Absolute refractory period (s).
    pub t_ref: f64,
}

impl WhiteNoiseLif {
    /// The white-noise model of `sim` when the theory applies: constant drive, a threshold,
    /// and white noise, the tutorial's noise (through its white-noise limit,
    /// [`equivalent_sigma_v`]) or no noise (`sigma_v = 0`); `None` otherwise.
    pub fn for_simulation(sim: &Simulation) -> Option<Self> {
        let v_th = sim.neuron().v_th?;
        if !matches!(sim.input().drive, Drive::Constant { .. }) {
            return None;
        }
        let sigma_v = match sim.input().noise {
            Noise::None => 0.0,
            _ => equivalent_sigma_v(sim)?,
        };
        let p = sim.neuron();
        Some(Self { mu: sim.mu(), sigma_v, tau_m: p.tau_m, v_th, v_reset: p.v_reset, t_ref: p.t_ref })
    }

    /// The same neuron with its threshold moved by `shift` (V).
    pub fn with_threshold_shift(self, shift: f64) -> Self {
        Self { v_th: self.v_th + shift, ..self }
    }

    /// `sigma = sigma_v sqrt(2)`, Brunel's noise amplitude (V).
    fn sigma(&self) -> f64 {
        self.sigma_v * std::f64::consts::SQRT_2
    }

    /// The integration bounds `(y_r, y_th)` and the scale exponent `s = max(y_th, 0)`.
    fn bounds(&self) -> (f64, f64, f64) {
        let sigma = self.sigma();
        let (y_r, y_th) = ((self.v_reset - self.mu) / sigma, (self.v_th - self.mu) / sigma);
        (y_r, y_th, y_th.max(0.0))
    }

    /// `t_ref e^{-s^2} + tau_m sqrt(pi) e^{-s^2} int_{y_r}^{y_th} erfcx(-u) du`, i.e. the mean
    /// ISI times `e^{-s^2}` (s).
    fn scaled_mean_isi(&self) -> f64 {
        let (y_r, y_th, s) = self.bounds();
        let scale = (-s * s).exp();
        // Far below threshold the scaled integrand is e^{u^2 - s^2}-small except within ~1/s
        // of y_th; start where it is below e^{-TAIL} so the quadrature sees the peak.
        let lower = if s * s > TAIL { y_r.max((s * s - TAIL).sqrt()) } else { y_r };
        let integral = integrate(|u| scaled_erfcx_neg(u, s), lower, y_th, TOLERANCE);
        self.t_ref * scale + self.tau_m * PI.sqrt() * integral
    }

    /// The stationary firing rate (Hz), Siegert's formula; for `sigma_v = 0` the deterministic
    /// rate `1 / (t_ref + tau_m ln((mu - v_reset)/(mu - v_th)))` above threshold and 0 below.
    /// Far below threshold the rate underflows to 0 rather than overflowing.
    pub fn rate_hz(&self) -> f64 {
        if self.sigma_v == 0.0 {
            return self.deterministic_isi().map_or(0.0, |isi| 1.0 / isi);
        }
        let (_, _, s) = self.bounds();
        (-s * s).exp() / self.scaled_mean_isi()
    }

    /// The coefficient of variation of the interspike intervals (dimensionless), Brunel (2000)
    /// appendix A.1; 0 for `sigma_v = 0` above threshold, NaN when the neuron never fires.
    pub fn cv_isi(&self) -> f64 {
        if self.sigma_v == 0.0 {
            return if self.deterministic_isi().is_some() { 0.0 } else { f64::NAN };
        }
        // A rate that underflows to 0 means no intervals; the scaled integrands below would
        // underflow too, and the adaptive quadrature would refine them to its depth limit.
        if self.rate_hz() == 0.0 {
            return f64::NAN;
        }
        let (y_r, y_th, s) = self.bounds();
        // As in `scaled_mean_isi`: skip where the scaled integrands are below e^{-TAIL}.
        let inner = |x: f64| {
            let far = 2.0 * s * s - x * x - TAIL;
            let lower = if far > 0.0 { far.sqrt().min(x) } else { -(x * x + TAIL).sqrt() };
            integrate(|y| scaled_square(x, y, s), lower, x, TOLERANCE)
        };
        let lower = if s * s > TAIL / 2.0 { y_r.max((s * s - TAIL / 2.0).sqrt()) } else { y_r };
        let outer = integrate(inner, lower, y_th, TOLERANCE);
        let d = self.scaled_mean_isi();
        if d == 0.0 || !d.is_finite() {
            return f64::NAN;
        }
        (2.0 * PI * self.tau_m * self.tau_m * outer).sqrt() / d
    }

    fn deterministic_isi(&self) -> Option<f64> {
        (self.mu > self.v_th).then(|| self.t_ref + self.tau_m * ((self.mu - self.v_reset) / (self.mu - self.v_th)).ln())
    }
}

/// `e^{u^2} (1 + erf u) e^{-s^2}` without overflow, for `u <= s`.
fn scaled_erfcx_neg(u: f64, s: f64) -> f64 {
    if u < 0.0 { erfcx(-u) * (-s * s).exp() } else { erfc(-u) * ((u - s) * (u + s)).exp() }
}

/// `e^{x^2} e^{y^2} (1 + erf y)^2 e^{-2 s^2}` without overflow, for `y <= x <= s`; differences
/// of squares are factored so that large, nearly equal arguments do not cancel.
fn scaled_square(x: f64, y: f64, s: f64) -> f64 {
    if y < 0.0 {
        let e = erfcx(-y);
        e * e * ((x - y) * (x + y) - 2.0 * s * s).exp()
    } else {
        let e = erfc(-y);
        e * e * ((x - s) * (x + s) + (y - s) * (y + s)).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neuron(mu: f64, sigma_v: f64) -> WhiteNoiseLif {
        WhiteNoiseLif { mu, sigma_v, tau_m: 20e-3, v_th: -50e-3, v_reset: -70e-3, t_ref: 2e-3 }
    }

    /// Composite Simpson's rule with `n` (even) intervals: an independent, simple quadrature.
    fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let inner: f64 = (1..n).map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
        (f(a) + f(b) + inner) * h / 3.0
    }

    /// The rate from the integrand `exp(u^2) erfc(-u)` with `exp` and `erfc` evaluated apart
    /// (stable for |u| < 26, where `exp(u^2)` does not overflow; `1 + erf u` would cancel).
    fn naive_rate(p: &WhiteNoiseLif) -> f64 {
        let sigma = p.sigma_v * 2f64.sqrt();
        let (a, b) = ((p.v_reset - p.mu) / sigma, (p.v_th - p.mu) / sigma);
        let integral = simpson(|u| (u * u).exp() * erfc(-u), a, b, 20_000);
        1.0 / (p.t_ref + p.tau_m * PI.sqrt() * integral)
    }

    /// The CV from the textbook double integral with `exp` and `erfc` apart; the inner integral
    /// starts 8 below `min(x, 0)`, where its integrand is below `e^{-64}` of its value at x.
    fn naive_cv(p: &WhiteNoiseLif) -> f64 {
        let sigma = p.sigma_v * 2f64.sqrt();
        let (a, b) = ((p.v_reset - p.mu) / sigma, (p.v_th - p.mu) / sigma);
        let g = |y: f64| (y * y).exp() * erfc(-y).powi(2);
        let inner = |x: f64| simpson(g, x.min(0.0) - 8.0, x, 2_000);
        let outer = simpson(|x| (x * x).exp() * inner(x), a, b, 1_000);
        let nu = naive_rate(p);
        (2.0 * PI * (nu * p.tau_m).powi(2) * outer).sqrt()
    }

    #[test]
    fn sanity_value_from_the_issue() {
        let rate = neuron(-40e-3, 5e-3).rate_hz();
        assert!((rate - 44.84).abs() < 0.01, "{rate}");
    }

    #[test]
    fn rate_matches_an_independent_quadrature() {
        for (mu, sigma_v) in [(-40e-3, 5e-3), (-55e-3, 3e-3), (-45e-3, 1e-3), (-60e-3, 6e-3), (-30e-3, 8e-3)] {
            let p = neuron(mu, sigma_v);
            let (ours, naive) = (p.rate_hz(), naive_rate(&p));
            assert!(((ours - naive) / naive).abs() < 1e-6, "mu {mu} sigma {sigma_v}: {ours} vs {naive}");
        }
    }

    #[test]
    fn cv_matches_an_independent_quadrature() {
        for (mu, sigma_v) in [(-40e-3, 5e-3), (-55e-3, 3e-3), (-45e-3, 2e-3), (-60e-3, 6e-3)] {
            let p = neuron(mu, sigma_v);
            let (ours, naive) = (p.cv_isi(), naive_cv(&p));
            assert!(((ours - naive) / naive).abs() < 1e-6, "mu {mu} sigma {sigma_v}: {ours} vs {naive}");
        }
    }

    #[test]
    fn deterministic_limit() {
        let above = neuron(-40e-3, 1e-5);
        let expected = 1.0 / (2e-3 + 20e-3 * (30.0f64 / 10.0).ln());
        assert!(((above.rate_hz() - expected) / expected).abs() < 1e-4, "{}", above.rate_hz());
        assert!(above.cv_isi() < 1e-3, "{}", above.cv_isi());
        assert_eq!(neuron(-40e-3, 0.0).rate_hz(), expected);
        assert_eq!(neuron(-40e-3, 0.0).cv_isi(), 0.0);
        let below = neuron(-52e-3, 1e-5);
        assert_eq!(below.rate_hz(), 0.0);
        assert_eq!(neuron(-52e-3, 0.0).rate_hz(), 0.0);
        assert!(neuron(-52e-3, 0.0).cv_isi().is_nan());
    }

    #[test]
    fn far_below_threshold_is_poisson_like_and_finite() {
        let p = WhiteNoiseLif { t_ref: 0.0, ..neuron(-65e-3, 3e-3) };
        let (rate, cv) = (p.rate_hz(), p.cv_isi());
        assert!(rate > 0.0 && rate < 1e-3, "{rate}");
        assert!((cv - 1.0).abs() < 1e-3, "{cv}");
        let deep = neuron(-90e-3, 1e-3);
        assert_eq!(deep.rate_hz(), 0.0);
        assert!(deep.cv_isi().is_nan());
        // Far enough below that the rate underflows: answered at once, not by a quadrature
        // refined to its depth limit (this took minutes).
        let started = std::time::Instant::now();
        assert!(neuron(-59.8e-3, 2e-5).cv_isi().is_nan());
        assert!(started.elapsed().as_secs_f64() < 1.0);
    }
}
