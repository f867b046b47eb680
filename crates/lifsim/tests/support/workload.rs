//! The benchmark workload W as a simulation, shared by the tests and the criterion benches.
//!
//! dt 0.1 ms, white noise sigma_v = 5 mV (or another noise), i_mean 250 pA, t_ref 2 ms, no
//! traces; `hist_times` lists the histogram times ("49.9 ms", ...).

use lifsim::{Config, Simulation, Value};

/// Workload W with `n` neurons over `t_max` ("1 s") for `method` and `noise`, then `extra`
/// settings (e.g. `simulation.crossing`).
pub fn workload(
    n: i64,
    t_max: &str,
    method: &str,
    noise: &str,
    hist_times: &[&str],
    extra: &[(&str, Value)],
) -> Simulation {
    let mut config = Config::default();
    for (key, value) in [
        ("simulation.t_max", Value::from(t_max)),
        ("simulation.dt", Value::from("0.1 ms")),
        ("simulation.n", Value::from(n)),
        ("simulation.method", Value::from(method)),
        ("input.noise", Value::from(noise)),
        ("input.sigma_v", Value::from("5 mV")),
        ("input.i_mean", Value::from("250 pA")),
        ("neuron.t_ref", Value::from("2 ms")),
        ("record.traces", Value::from(0)),
        ("record.hist_times", Value::List(hist_times.iter().map(|&t| Value::from(t)).collect())),
    ]
    .into_iter()
    .chain(extra.iter().cloned())
    {
        config.set(key, &value).expect("workload configuration is valid");
    }
    config.build().expect("workload configuration is valid")
}
