//! Free-membrane ensemble statistics against closed forms (exercises 5-8 and "validate stats
//! against white noise input").
//!
//! Without a threshold the discrete model is linear, `V_k = a V_{k-1} + b + e_k`, an AR(1)
//! process with independent innovations of variance q, so after k steps
//! `mean_k = b/(1-a) + (V_0 - b/(1-a)) a^k` and `var_k = q (1 - a^{2k}) / (1 - a^2)`.
//! The constants are derived here from the SEED, not taken from the engine.
//!
//! Tolerances: each step k is an independent sample of n neurons. The sample mean has standard
//! error sqrt(var_k / n) (theory variance). The sample variance s^2 (1/(n-1)) has
//! Var(s^2) = (mu4 - sigma^4 (n-3)/(n-1)) / n, estimated with the sample fourth central moment,
//! which matters at small k where the tutorial's uniform noise is far from Gaussian
//! (kurtosis 1.8 at k = 1). Every check allows 4.5 standard errors, with fixed seeds.

mod common;
use common::{assert_rel, build, int, s, sample_moments};
use lifsim::Value;

const DT: f64 = 1e-3;
const TAU_M: f64 = 20e-3;
const E_L: f64 = -60e-3;
const R_M: f64 = 100e6;
const I_MEAN: f64 = 250e-12;
const T_MAX: f64 = 0.15;
const N: usize = 4000;
const STEPS_CHECKED: [usize; 4] = [1, 15, 50, 149];

/// AR(1) mean and variance after k steps from a deterministic V_0.
fn ar1(a: f64, b: f64, q: f64, v0: f64, k: usize) -> (f64, f64) {
    let fixed = b / (1.0 - a);
    let ak = a.powi(k as i32);
    (fixed + (v0 - fixed) * ak, q * (1.0 - ak * ak) / (1.0 - a * a))
}

/// Runs a free-membrane ensemble of N neurons, all traced, and checks the engine's v_mean and
/// v_var against the traces and against `theory(k) = (mean, var)` at STEPS_CHECKED.
fn check_ensemble(label: &str, settings: &[(&str, Value)], theory: impl Fn(usize) -> (f64, f64)) {
    let mut all = vec![
        ("neuron.v_th", s("none")),
        ("simulation.n", int(N as i64)),
        ("record.traces", int(N as i64)),
        ("record.hist_times", Value::List(vec![])),
    ];
    all.extend(settings.iter().cloned());
    let sim = build(&all);
    assert_eq!(sim.steps(), 150);
    let rec = lifsim::run(&sim).unwrap();
    assert_rel(rec.v_mean[0], E_L, 1e-15, &format!("{label}: v_mean[0]"));
    assert_eq!(rec.v_var[0], 0.0, "{label}: v_var[0]");
    assert!(rec.spikes.is_empty());

    for k in STEPS_CHECKED {
        let values: Vec<f64> = (0..N).map(|i| rec.traces.neuron(i)[k]).collect();
        let (mean, var, m4) = sample_moments(&values);
        // The recorded moments are those of the recorded neurons, to rounding.
        assert_rel(rec.v_mean[k], mean, 1e-12, &format!("{label}: v_mean[{k}]"));
        assert_rel(rec.v_var[k], var, 1e-10, &format!("{label}: v_var[{k}]"));

        let (mean_th, var_th) = theory(k);
        let n = N as f64;
        let se_mean = (var_th / n).sqrt();
        assert!(
            (mean - mean_th).abs() <= 4.5 * se_mean,
            "{label}: mean at step {k} = {mean:e}, theory {mean_th:e}, {:.2} SE",
            (mean - mean_th) / se_mean
        );
        let se_var = ((m4 - var * var * (n - 3.0) / (n - 1.0)) / n).sqrt();
        assert!(
            (var - var_th).abs() <= 4.5 * se_var,
            "{label}: variance at step {k} = {var:e}, theory {var_th:e}, {:.2} SE",
            (var - var_th) / se_var
        );
    }
}

fn tutorial_constants(a: f64, gain: f64) -> (f64, f64, f64) {
    let b = gain * (E_L + R_M * I_MEAN);
    let c = gain * R_M * I_MEAN * 0.1 * (T_MAX / DT).sqrt();
    (a, b, c * c / 3.0) // Var U(-1, 1) = 1/3
}

#[test]
fn tutorial_noise_euler_matches_ar1() {
    let (a, b, q) = tutorial_constants(1.0 - DT / TAU_M, DT / TAU_M);
    check_ensemble("tutorial/euler", &[("simulation.seed", int(101))], |k| ar1(a, b, q, E_L, k));
}

#[test]
fn tutorial_noise_exact_matches_ar1() {
    let decay = (-DT / TAU_M).exp();
    let (a, b, q) = tutorial_constants(decay, 1.0 - decay);
    check_ensemble("tutorial/exact", &[("simulation.seed", int(102)), ("simulation.method", s("exact"))], |k| {
        ar1(a, b, q, E_L, k)
    });
}

#[test]
fn white_noise_euler_matches_ar1() {
    // Euler-Maruyama of tau dV = (mu - V) dt + sigma sqrt(2 tau) dW: innovation sigma^2 2 dt/tau.
    let sigma = 5e-3;
    let g = DT / TAU_M;
    let (a, b, q) = (1.0 - g, g * (E_L + R_M * I_MEAN), sigma * sigma * 2.0 * g);
    check_ensemble(
        "white/euler",
        &[("simulation.seed", int(103)), ("input.noise", s("white")), ("input.sigma_v", s("5 mV"))],
        |k| ar1(a, b, q, E_L, k),
    );
}

#[test]
fn white_noise_exact_matches_ar1() {
    // The exact OU transition: decay exp(-dt/tau), innovation sigma^2 (1 - decay^2).
    let sigma = 3e-3;
    let a = (-DT / TAU_M).exp();
    let (b, q) = ((1.0 - a) * (E_L + R_M * I_MEAN), sigma * sigma * (1.0 - a * a));
    check_ensemble(
        "white/exact",
        &[
            ("simulation.seed", int(104)),
            ("simulation.method", s("exact")),
            ("input.noise", s("white")),
            ("input.sigma_v", s("3 mV")),
        ],
        |k| ar1(a, b, q, E_L, k),
    );
}

/// OU noise: the mean is still the AR(1) mean (the noise current has mean 0); the variance
/// comes from `free_membrane_moments`, which `ou_theory_matches_discrete_lyapunov` checks.
#[test]
fn ou_noise_matches_free_membrane_moments() {
    for (method, seed) in [("euler", 105), ("exact", 106)] {
        let settings = [
            ("simulation.seed", int(seed)),
            ("simulation.method", s(method)),
            ("input.noise", s("ou")),
            ("input.sigma_v", s("4 mV")),
            ("input.tau_noise", s("5 ms")),
            ("neuron.v_th", s("none")),
        ];
        let theory = lifsim::theory::free_membrane_moments(&build(&settings));
        let (a, g) = match method {
            "euler" => (1.0 - DT / TAU_M, DT / TAU_M),
            _ => ((-DT / TAU_M).exp(), 1.0 - (-DT / TAU_M).exp()),
        };
        for k in 0..150 {
            let (mean, _) = ar1(a, g * (E_L + R_M * I_MEAN), 0.0, E_L, k);
            assert_rel(theory.mean[k], mean, 1e-12, &format!("OU mean at {k}"));
        }
        // The noise voltage starts stationary, so V has variance already after one step.
        assert!(theory.var[1] > 0.0);
        check_ensemble(&format!("ou/{method}"), &settings, |k| (theory.mean[k], theory.var[k]));
    }
}

/// For constant input `free_membrane_moments` is the AR(1) closed form, and so is
/// `ar1_moments`; both against the constants derived here.
#[test]
fn free_membrane_moments_equal_ar1_for_constant_input() {
    let g = DT / TAU_M;
    let decay = (-DT / TAU_M).exp();
    let mu = E_L + R_M * I_MEAN;
    let tutorial_c = |gain: f64| gain * R_M * I_MEAN * 0.1 * (T_MAX / DT).sqrt();
    let cases: [(&str, &str, &str, f64, f64, f64); 6] = [
        ("euler", "none", "5 mV", 1.0 - g, g, 0.0),
        ("exact", "none", "5 mV", decay, 1.0 - decay, 0.0),
        ("euler", "tutorial", "5 mV", 1.0 - g, g, tutorial_c(g).powi(2) / 3.0),
        ("exact", "tutorial", "5 mV", decay, 1.0 - decay, tutorial_c(1.0 - decay).powi(2) / 3.0),
        ("euler", "white", "5 mV", 1.0 - g, g, 25e-6 * 2.0 * g),
        ("exact", "white", "2 mV", decay, 1.0 - decay, 4e-6 * (1.0 - decay * decay)),
    ];
    for (method, noise, sigma, a, gain, q) in cases {
        let label = format!("{method}/{noise}");
        let sim = build(&[
            ("simulation.method", s(method)),
            ("input.noise", s(noise)),
            ("input.sigma_v", s(sigma)),
            ("neuron.v_th", s("none")),
        ]);
        let m = lifsim::theory::free_membrane_moments(&sim);
        assert_eq!(m.mean.len(), 150);
        assert_eq!(m.var.len(), 150);
        assert_eq!((m.mean[0], m.var[0]), (E_L, 0.0));
        for k in 1..150 {
            let (mean, var) = ar1(a, gain * mu, q, E_L, k);
            let (mean_lib, var_lib) = lifsim::theory::ar1_moments(a, gain * mu, q, E_L, k as u32);
            assert_rel(m.mean[k], mean, 1e-12, &format!("{label}: mean at {k}"));
            assert_rel(mean_lib, mean, 1e-12, &format!("{label}: ar1 mean at {k}"));
            if q == 0.0 {
                assert_eq!((m.var[k], var_lib), (0.0, 0.0), "{label}: var at {k}");
            } else {
                assert_rel(m.var[k], var, 1e-12, &format!("{label}: var at {k}"));
                assert_rel(var_lib, var, 1e-12, &format!("{label}: ar1 var at {k}"));
            }
        }
    }
}

/// The theory's mean for a time-varying drive is the deterministic trajectory itself.
#[test]
fn free_membrane_mean_with_sine_drive_is_the_noiseless_trace() {
    for method in ["euler", "exact"] {
        let settings = [
            ("simulation.method", s(method)),
            ("input.kind", s("sine")),
            ("neuron.v_th", s("none")),
            ("simulation.n", int(1)),
            ("record.traces", int(1)),
        ];
        let m = lifsim::theory::free_membrane_moments(&build(&settings));
        let mut quiet = settings.to_vec();
        quiet.push(("input.noise", s("none")));
        let rec = lifsim::run(&build(&quiet)).unwrap();
        for (k, (&theory, &trace)) in m.mean.iter().zip(rec.traces.neuron(0)).enumerate() {
            assert_rel(theory, trace, 1e-12, &format!("{method}: mean at {k}"));
        }
    }
}

/// The OU theory against the stationary covariance of the discrete linear system, solved
/// here in closed form. With V_k = a V_{k-1} + d + g x_{k-1}, x_k = c x_{k-1} + s eta_k:
/// P_xx = s^2/(1 - c^2), P_vx = c g P_xx / (1 - c a), P_vv = (2 a g P_vx + g^2 P_xx)/(1 - a^2).
/// After 2 s the start is forgotten to far below 1e-9. The continuous-time value
/// sigma^2 tau_m/(tau_m + tau_noise) is approached at first order in dt by Euler and at second
/// order by the exact steps (x held over a step): the error must shrink by ~10 resp. ~100
/// when dt shrinks tenfold.
#[test]
fn ou_theory_matches_discrete_lyapunov() {
    let (sigma, tau_n) = (4e-3, 5e-3);
    let x_sd = sigma * (TAU_M / tau_n).sqrt();
    let continuous = sigma * sigma * TAU_M / (TAU_M + tau_n);
    for (method, order) in [("euler", 1.0), ("exact", 2.0)] {
        let mut errors = Vec::new();
        for (dt_text, dt) in [("1 ms", 1e-3), ("0.1 ms", 1e-4)] {
            let sim = build(&[
                ("simulation.method", s(method)),
                ("simulation.dt", s(dt_text)),
                ("simulation.t_max", s("2 s")),
                ("input.noise", s("ou")),
                ("input.sigma_v", s("4 mV")),
                ("input.tau_noise", s("5 ms")),
                ("neuron.v_th", s("none")),
            ]);
            let (a, g, c, s2) = match method {
                "euler" => (1.0 - dt / TAU_M, dt / TAU_M, 1.0 - dt / tau_n, x_sd * x_sd * 2.0 * dt / tau_n),
                _ => {
                    let c = (-dt / tau_n).exp();
                    let a = (-dt / TAU_M).exp();
                    (a, 1.0 - a, c, x_sd * x_sd * (1.0 - c * c))
                }
            };
            let p_xx = s2 / (1.0 - c * c);
            let p_vx = c * g * p_xx / (1.0 - c * a);
            let p_vv = (2.0 * a * g * p_vx + g * g * p_xx) / (1.0 - a * a);
            let m = lifsim::theory::free_membrane_moments(&sim);
            let label = format!("{method} dt={dt_text}");
            assert_rel(*m.var.last().unwrap(), p_vv, 1e-9, &label);
            let (_, stationary) = lifsim::theory::stationary_moments(&sim);
            assert_rel(stationary, continuous, 1e-14, "OU stationary variance");
            errors.push((p_vv / continuous - 1.0).abs());
        }
        let observed = (errors[0] / errors[1]).log10();
        assert!((observed - order).abs() < 0.2, "{method}: convergence order {observed} (errors {errors:?})");
        assert!(errors[1] < 0.01, "{method}: {errors:?}");
    }
}

/// Stationary variances: the exact white-noise step keeps sigma_v^2 exactly, Euler's exceeds
/// it by 1/(1 - dt/(2 tau_m)) (the SEED), and the tutorial noise tends to
/// (R I f)^2 t_max / (6 tau_m) with the same Euler factor.
#[test]
fn stationary_variances_and_the_euler_factor() {
    let (sigma, t_max) = (5e-3, 1.0);
    for dt_text in ["1 ms", "0.1 ms"] {
        let dt = if dt_text == "1 ms" { 1e-3 } else { 1e-4 };
        let euler_factor = 1.0 / (1.0 - dt / (2.0 * TAU_M));
        for (method, noise, factor, expected) in [
            ("exact", "white", 1.0, sigma * sigma),
            ("euler", "white", euler_factor, sigma * sigma),
            ("euler", "tutorial", euler_factor, (R_M * I_MEAN * 0.1).powi(2) * t_max / (6.0 * TAU_M)),
        ] {
            let sim = build(&[
                ("simulation.method", s(method)),
                ("simulation.dt", s(dt_text)),
                ("simulation.t_max", s("1 s")),
                ("input.noise", s(noise)),
                ("input.sigma_v", s("5 mV")),
                ("neuron.v_th", s("none")),
            ]);
            let label = format!("{method}/{noise} dt={dt_text}");
            let (mu, var) = lifsim::theory::stationary_moments(&sim);
            assert_rel(mu, E_L + R_M * I_MEAN, 1e-14, &label);
            assert_rel(var, expected, 1e-12, &label);
            let m = lifsim::theory::free_membrane_moments(&sim);
            assert_rel(*m.var.last().unwrap(), expected * factor, 1e-9, &label);
            assert_rel(*m.mean.last().unwrap(), mu, 1e-9, &label);
        }
    }
}
