//! Precise spike timing (`simulation.crossing = "precise"`): one neuron's update with its spikes at their times within the step.
//!
//! The membrane between grid points is an Ornstein-Uhlenbeck process (white noise, exact
//! integration) or the deterministic exponential `V(t) = mu + (v0 - mu) e^{-t/tau_m}` (no
//! noise); the drive is held constant over a step, as in the grid step. A step from `t_{k-1}`
//! to `t_k` is cut into segments: the neuron is free from the segment's start (the step's
//! start, or the end of its refractory period) to `t_k`, unless it spikes on the way.
//! For each segment of length `h` starting at `x`:
//!
//! 1. its end `y`: the grid step's own fused update (bit for bit the `"grid"` step, with the
//!    step's normal) for a segment that is the whole step; otherwise the exact OU transition
//!    over `h`, `y = mu + (x - mu) E + sigma_v sqrt(1 - E^2) xi`, `E = e^{-h/tau_m}`;
//! 2. whether it crossed `v_th`: surely when `y >= v_th`; otherwise, with noise, with the
//!    probability that the OU bridge from `x` to `y` crossed, `exp(-q)` ([`crossing_exponent`]);
//! 3. when it crossed, the first-passage time, drawn exactly from the bridge's first-passage
//!    distribution ([`first_passage_fraction`]; the closed-form root without noise); the spike
//!    is logged at that time, V reset to `v_reset`, and the next segment starts `t_ref` later
//!    (if that is still inside the step) from `v_reset`.
//!
//! **Why an exact sampler and not a bisection.** The OU path is a time-changed Brownian motion
//! (Doob): with `Z(t) = (V(t) - mu) e^{t/tau}` and `u(t) = sigma_v^2 (e^{2t/tau} - 1)`, `Z` is a
//! Brownian motion in `u`, and the threshold becomes the boundary `(v_th - mu) e^{t/tau}`,
//! which over one step is a straight line in `u` to within `|v_th - mu| h^2 / (8 tau^2)`
//! (0.003 mV at h = 1 ms, against a noise of 1.6 mV over the step). Against a straight
//! boundary a Brownian bridge has the closed-form crossing probability
//! `exp(-2 (b_0 - Z_0)(b_U - Z_U) / U)` and its first-passage time `u*` is such that
//! `u* / (U - u*)` has an inverse Gaussian law (derived below), which Michael, Schucany &
//! Haas's method draws from one normal and one uniform. A conditioned bisection of the
//! bridge (midpoints drawn until the interval is below a resolution) would need some 40
//! levels of keyed draws for 1e-12 s, and its stopping rule is itself an approximation; the
//! sampler here is exact for the straight boundary, costs the same for every crossing and
//! makes the crossing decision and the crossing time two parts of one consistent law.
//!
//! The inverse Gaussian law: a Brownian bridge over `U` from distance `a > 0` below the
//! boundary to distance `b` (either side) has the first-passage density, conditioned on a
//! crossing, `g(u) ∝ u^{-3/2} (U - u)^{-1/2} exp(-a^2/(2u) - b^2/(2(U - u)))`; with
//! `r = u / (U - u)` it becomes `∝ r^{-3/2} exp(-(a^2/r + b^2 r)/(2U))`, the inverse Gaussian of
//! mean `a/|b|` and shape `a^2/U` (the Lévy law when `b = 0`).
//!
//! Random numbers: the segment that is the step's first uses the step's own normal (the input
//! noise stream) and the bridge's uniform (the crossing stream, as `"bridge"` does); every
//! other draw is a block of [`rng::spike_time_block`] keyed by (neuron, step, draw): draw
//! `2 s + 1` for the first-passage time of segment `s`, `2 s` for the noise and the crossing
//! uniform of segment `s >= 1`. The results are therefore the same for any thread count.

use crate::rng;

/// At most this many segments (spikes plus one) per neuron and step; a step that needed more
/// (only conceivable with `t_ref = 0` and a huge drive) holds the neuron at `v_reset` for its
/// rest. Far below the 2^23 draws the keyed stream allows per step.
pub(super) const MAX_SEGMENTS: u32 = 1 << 16;

/// What a precise step reads besides the grid step's inputs, computed once per run.
#[derive(Debug, Clone)]
pub(super) struct PreciseInputs {
    /// The asymptotic potential `e_l + r_m I(t_{k-1})` of step k (V); `mu[0]` unused.
    pub mu: Vec<f64>,
    /// Membrane time constant (s).
    pub tau_m: f64,
    /// Stationary standard deviation of the free membrane's noise (V); 0 without noise.
    pub sigma_v: f64,
    /// Refractory period (s).
    pub t_ref: f64,
    /// Time step (s).
    pub dt: f64,
    /// Seed of the keyed streams.
    pub seed: u64,
    /// `1 / (sigma_v^2 sinh(dt / tau_m))` (1/V^2), the crossing exponent's factor of a whole
    /// step ([`crossing_exponent`]), computed once; 0 without noise.
    pub whole_step_factor: f64,
}

/// One segment's ends and its crossing, for [`PreciseInputs::segment_crossing`].
pub(super) struct Segment {
    /// V at the segment's start (V).
    pub x: f64,
    /// V at its end, the unreset path (V).
    pub y: f64,
    /// Its length (s).
    pub h: f64,
}

/// Crossing exponents above this have `exp(-q)` below every uniform the streams give
/// (`rng::uniform_open` is at least 2^-33, `exp(-23) = 1e-10`), so the exponential is skipped:
/// the common case of a neuron more than a couple of step noises below threshold.
pub(super) const NEVER: f64 = 23.0;

impl PreciseInputs {
    /// The inputs of a neuron with these parameters (see the fields).
    pub fn new(mu: Vec<f64>, tau_m: f64, sigma_v: f64, t_ref: f64, dt: f64, seed: u64) -> Self {
        let whole_step_factor = if sigma_v > 0.0 { 1.0 / (sigma_v * sigma_v * (dt / tau_m).sinh()) } else { 0.0 };
        Self { mu, tau_m, sigma_v, t_ref, dt, seed, whole_step_factor }
    }

    /// Whether the path of `seg` crossed `v_th`, given the uniform `u` in (0, 1): surely when
    /// it ends at or above, else with the OU bridge's crossing probability
    /// ([`crossing_exponent`]).
    #[inline(always)]
    pub fn crossed(&self, seg: &Segment, v_th: f64, u: f64) -> bool {
        if seg.y >= v_th {
            return true;
        }
        if self.sigma_v == 0.0 {
            return false;
        }
        let factor = if seg.h == self.dt {
            self.whole_step_factor
        } else {
            1.0 / (self.sigma_v * self.sigma_v * (seg.h / self.tau_m).sinh())
        };
        let q = crossing_exponent(seg, v_th, factor);
        q < NEVER && u < (-q).exp()
    }

    /// The time (s) from the start of `seg` to its first passage through `v_th`, in `[0, h]`,
    /// for a segment that crossed; `mu` is the step's asymptotic potential and `words` a
    /// Philox block of the precise-timing stream.
    pub fn passage_time(&self, seg: &Segment, v_th: f64, mu: f64, words: [u32; 4]) -> f64 {
        let Segment { x, y, h } = *seg;
        let s = if x >= v_th {
            0.0
        } else if self.sigma_v > 0.0 {
            let [normal, _] = rng::normal_pair(words[0], words[1]);
            let choice = rng::uniform_open(words[2]);
            let stretch = (2.0 * h / self.tau_m).exp_m1();
            let f = first_passage_fraction(
                v_th - x,
                (v_th - y) * (h / self.tau_m).exp(),
                self.sigma_v * self.sigma_v * stretch,
                f64::from(normal),
                choice,
            );
            0.5 * self.tau_m * (f * stretch).ln_1p()
        } else {
            // V(s) = mu + (x - mu) e^{-s/tau} = v_th: s = tau ln((x - mu)/(v_th - mu)).
            self.tau_m * ((x - v_th) / (v_th - mu)).ln_1p()
        };
        // Rounding (or y >= v_th by an ulp with mu <= v_th) must not leave the segment.
        if s >= 0.0 { s.min(h) } else { h }
    }

    /// The exact OU transition from `x` over `h` (s) towards `mu` with the standard normal
    /// `xi`: `mu + (x - mu) e^{-h/tau} + sigma_v sqrt(1 - e^{-2h/tau}) xi` (V).
    #[inline(always)]
    pub fn transition(&self, x: f64, h: f64, mu: f64, xi: f64) -> f64 {
        let decay = (-h / self.tau_m).exp();
        let spread = self.sigma_v * (-(-2.0 * h / self.tau_m).exp_m1()).sqrt();
        spread.mul_add(xi, (x - mu).mul_add(decay, mu))
    }
}

/// The exponent `q` of the probability `exp(-q)` that an Ornstein-Uhlenbeck path (time
/// constant `tau_m`, stationary standard deviation `sigma_v`) from `x` to `y` over `h`, both
/// below `v_th`, crossed `v_th` in between: `q = (v_th - x)(v_th - y) factor`, with
/// `factor = 1 / (sigma_v^2 sinh(h / tau_m))` (1/V^2).
///
/// This is the Brownian bridge's `exp(-2 (b_0 - Z_0)(b_U - Z_U) / U)` in the time-changed
/// coordinates of the module's notes (`U = sigma_v^2 (e^{2h/tau} - 1)`, the far end scaled by
/// `e^{h/tau}`); `"bridge"` uses the step variance `sigma_v^2 (1 - e^{-2h/tau})` instead of
/// `2 sigma_v^2 sinh(h/tau)`, which differs at first order in `h/tau`.
#[inline(always)]
pub(super) fn crossing_exponent(seg: &Segment, v_th: f64, factor: f64) -> f64 {
    (v_th - seg.x) * (v_th - seg.y) * factor
}

/// The first passage of a Brownian bridge through a level, as the fraction `u*/U` in `[0, 1]` of
/// the bridge's duration `U` (its variance, V^2): the bridge starts at distance `a > 0` below
/// the level and ends at signed distance `b` below it (negative: above), and it is known to
/// cross. `normal` (standard normal) and `choice` (uniform in (0, 1)) are the two random numbers
/// of the inverse Gaussian draw of Michael, Schucany & Haas (1976) for `r = u*/(U - u*)`, of
/// mean `a/|b|` and shape `a^2/U` (module notes), written without dividing by `b`, so that a
/// bridge ending on the level (`b = 0`, the Lévy law `r = a^2/(U normal^2)`) needs no special
/// case. For example a bridge ending on the level with `normal = 1` gives `r = a^2/U`.
pub(super) fn first_passage_fraction(a: f64, b: f64, big_u: f64, normal: f64, choice: f64) -> f64 {
    // w > 0 keeps every quotient finite (a zero normal has probability 0).
    let w = (normal * normal).max(f64::MIN_POSITIVE);
    let c = 2.0 * a * b.abs() / big_u;
    let root = c + w + (w * (w + 2.0 * c)).sqrt();
    // The smaller root r1 = (a/|b|) t of the quadratic, t = c / root, and r1 = (2 a^2/U) / root.
    let t = c / root;
    let r1 = 2.0 * a * a / big_u / root;
    if choice * (1.0 + t) <= 1.0 {
        // r = r1 (probability mean/(mean + r1) = 1/(1 + t)): u*/U = r1/(1 + r1).
        1.0 / (1.0 + 1.0 / r1)
    } else {
        // r = mean^2 / r1: u*/U = a^2 / (a^2 + r1 b^2).
        a * a / (a * a + r1 * b * b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Lévy case by hand, and the inverse Gaussian's mean: over many draws the mean of
    /// r = f/(1 - f) is a/|b| (the law's mean), within 4.5 standard errors.
    #[test]
    fn first_passage_fraction_has_the_inverse_gaussian_law() {
        assert_eq!(first_passage_fraction(1.0, 0.0, 1.0, 1.0, 0.5), 0.5);
        assert_eq!(first_passage_fraction(1.0, 0.0, 1.0, 2.0, 0.5), 0.2);
        let (a, b, big_u) = (1.0, 2.0, 0.5);
        let (mean, shape) = (a / b, a * a / big_u);
        let draws = 200_000u32;
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for i in 0..draws {
            let words = rng::spike_time_block(1, 0, i, 0);
            let [normal, _] = rng::normal_pair(words[0], words[1]);
            let f = first_passage_fraction(a, b, big_u, f64::from(normal), rng::uniform_open(words[2]));
            assert!((0.0..=1.0).contains(&f), "{f}");
            let r = f / (1.0 - f);
            sum += r;
            sum_sq += r * r;
        }
        let n = f64::from(draws);
        let m = sum / n;
        // Inverse Gaussian variance mean^3 / shape.
        let se = (mean * mean * mean / shape / n).sqrt();
        assert!((m - mean).abs() < 4.5 * se, "mean {m} vs {mean} (se {se})");
        let var = sum_sq / n - m * m;
        assert!((var / (mean * mean * mean / shape) - 1.0).abs() < 0.05, "variance {var}");
    }

    /// Without noise the passage time is the closed-form root, and a path already at the
    /// threshold passes at once.
    #[test]
    fn deterministic_passage_is_the_root() {
        let p = PreciseInputs::new(Vec::new(), 20e-3, 0.0, 0.0, 1e-3, 0);
        let (mu, v_th, x) = (-0.035, -0.050, -0.0505);
        let h = 1e-3;
        let y = p.transition(x, h, mu, 0.0);
        assert!(y > v_th);
        let s = p.passage_time(&Segment { x, y, h }, v_th, mu, [0; 4]);
        let expected = 20e-3 * ((x - mu) / (v_th - mu)).ln();
        assert!((s - expected).abs() < 1e-17, "{s} vs {expected}");
        assert!((p.transition(x, s, mu, 0.0) - v_th).abs() < 1e-15);
        assert_eq!(p.passage_time(&Segment { x: v_th, y, h }, v_th, mu, [0; 4]), 0.0);
    }
}
