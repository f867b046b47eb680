//! Helpers shared by the integration tests: configuration from key/value pairs and
//! relative-error assertions. Each test file uses a subset.
#![allow(dead_code)]

use lifsim::{Config, Simulation, Value};

/// A text value, e.g. `s("20 ms")`.
pub fn s(text: &str) -> Value {
    Value::from(text)
}

/// An integer value.
pub fn int(i: i64) -> Value {
    Value::from(i)
}

/// The default configuration with `settings` applied through the public key vocabulary.
pub fn config(settings: &[(&str, Value)]) -> Config {
    let mut config = Config::default();
    for (key, value) in settings {
        config.set(key, value).unwrap_or_else(|e| panic!("setting {key} = {value:?}: {e}"));
    }
    config
}

/// `config(settings).build()`, which must succeed.
pub fn build(settings: &[(&str, Value)]) -> Simulation {
    config(settings).build().unwrap_or_else(|e| panic!("building {settings:?}: {e}"))
}

/// `|actual - expected| <= tol |expected|`.
#[track_caller]
pub fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
    let err = (actual - expected).abs();
    assert!(
        err <= tol * expected.abs(),
        "{what}: got {actual:e}, expected {expected:e} (relative error {:e} > {tol:e})",
        err / expected.abs()
    );
}

/// One Euler step of the membrane equation, written as in the tutorial:
/// `V + dt/tau_m (e_l - V + r_m I)`.
pub fn euler_step(v: f64, dt: f64, tau_m: f64, e_l: f64, r_m: f64, current: f64) -> f64 {
    v + dt / tau_m * (e_l - v + r_m * current)
}

/// One exact step for input held constant over the step: `mu + exp(-dt/tau_m) (V - mu)`
/// with `mu = e_l + r_m I`.
pub fn exact_step(v: f64, dt: f64, tau_m: f64, e_l: f64, r_m: f64, current: f64) -> f64 {
    let mu = e_l + r_m * current;
    mu + (-dt / tau_m).exp() * (v - mu)
}

/// Mean, variance (1/(n-1)) and fourth central moment (1/n) of `xs`.
pub fn sample_moments(xs: &[f64]) -> (f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
    (mean, var, m4)
}
