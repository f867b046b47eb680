//! Property tests over random valid configurations.

mod common;
use common::{build, euler_step, exact_step, int, s};
use lifsim::Value;
use proptest::prelude::*;
use std::f64::consts::PI;

const E_L: f64 = -60e-3;
const R_M: f64 = 100e6;

fn config_cases(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config_cases(48))]

    /// Noiseless free membrane: the engine's trace is the scalar recursion of the SEED
    /// (Euler or exact), for any stable tau_m, dt, current and sine drive, to 1e-12.
    #[test]
    fn noiseless_trace_is_the_scalar_recursion(
        tau_m in 1e-3f64..100e-3,
        dt in 1e-5f64..1e-3,
        steps in 2usize..300,
        i_mean in -500e-12f64..500e-12,
        amplitude in -300e-12f64..300e-12,
        frequency in 0.0f64..200.0,
        phase in -PI..PI,
        sine in any::<bool>(),
        exact in any::<bool>(),
    ) {
        let t_max = steps as f64 * dt;
        let method = if exact { "exact" } else { "euler" };
        let kind = if sine { "sine" } else { "constant" };
        let sim = build(&[
            ("neuron.tau_m", Value::Float(tau_m)),
            ("simulation.dt", Value::Float(dt)),
            ("simulation.t_max", Value::Float(t_max)),
            ("simulation.method", s(method)),
            ("input.kind", s(kind)),
            ("input.i_mean", Value::Float(i_mean)),
            ("input.amplitude", Value::Float(amplitude)),
            ("input.frequency", Value::Float(frequency)),
            ("input.phase", Value::Float(phase)),
            ("input.noise", s("none")),
            ("neuron.v_th", s("none")),
            ("simulation.n", int(1)),
        ]);
        prop_assert_eq!(sim.steps(), (t_max / dt).round() as usize);
        let rec = lifsim::run(&sim).unwrap();
        let trace = rec.traces.neuron(0);
        let current = |t: f64| {
            if sine { i_mean + amplitude * (2.0 * PI * frequency * t + phase).sin() } else { i_mean }
        };
        let mut v = E_L;
        prop_assert_eq!(trace.len(), sim.steps());
        prop_assert_eq!(trace[0], E_L);
        for (k, &got) in trace.iter().enumerate().skip(1) {
            let i = current((k - 1) as f64 * dt);
            v = if exact {
                exact_step(v, dt, tau_m, E_L, R_M, i)
            } else {
                euler_step(v, dt, tau_m, E_L, R_M, i)
            };
            // r_m I spans +-80 mV, so V may pass through 0 V: relative 1e-12 of |V|, with
            // |V| floored at 1 mV (an absolute 1e-15 V near the zero crossing).
            let tol = 1e-12 * v.abs().max(1e-3);
            prop_assert!((got - v).abs() <= tol, "V_{} = {:e}, reference {:e}", k, got, v);
        }
    }

    /// Spiking runs with white noise: bookkeeping invariants for any seed, size, method and
    /// refractory period. Counts, the spike list and activity agree; the list is ordered by
    /// (step, neuron); no traced V is at or above threshold after a step; after each spike V
    /// is held at v_reset for n_ref grid points and the next spike comes at least
    /// max(n_ref, 1) steps later; the recorded moments are those of the traces.
    #[test]
    fn spiking_bookkeeping_invariants(
        seed in any::<u32>(),
        n in 1usize..300,
        ref_steps in 0usize..40,
        exact in any::<bool>(),
        sigma_mv in 1.0f64..10.0,
        i_pa in 100.0f64..300.0,
    ) {
        let dt = 1e-4;
        let steps = 200;
        let sim = build(&[
            ("simulation.seed", int(i64::from(seed))),
            ("simulation.n", int(n as i64)),
            ("simulation.dt", s("0.1 ms")),
            ("simulation.t_max", s("20 ms")),
            ("simulation.method", s(if exact { "exact" } else { "euler" })),
            ("neuron.t_ref", Value::Float(ref_steps as f64 * dt)),
            ("input.noise", s("white")),
            ("input.sigma_v", Value::Float(sigma_mv * 1e-3)),
            ("input.i_mean", Value::Float(i_pa * 1e-12)),
            ("record.traces", int(n as i64)),
        ]);
        prop_assert_eq!(sim.steps(), steps);
        let n_ref = sim.neuron().refractory_steps(dt);
        prop_assert_eq!(n_ref, ref_steps);
        let (v_reset, v_th) = (sim.neuron().v_reset, sim.neuron().v_th.unwrap());
        let rec = lifsim::run(&sim).unwrap();

        let total: u64 = rec.spike_count.iter().map(|&c| u64::from(c)).sum();
        prop_assert_eq!(total as usize, rec.spikes.len());
        prop_assert_eq!(rec.spikes.neuron.len(), rec.spikes.step.len());
        let pairs: Vec<(u32, u32)> =
            rec.spikes.step.iter().copied().zip(rec.spikes.neuron.iter().copied()).collect();
        prop_assert!(pairs.windows(2).all(|w| w[0] < w[1]), "ordered, no duplicates");
        let mut per_step = vec![0u32; steps];
        let mut per_neuron = vec![Vec::new(); n];
        for &(k, i) in &pairs {
            prop_assert!(k >= 1 && (k as usize) < steps);
            per_step[k as usize] += 1;
            per_neuron[i as usize].push(k as usize);
        }
        for (&activity, &count) in rec.activity.iter().zip(&per_step) {
            prop_assert_eq!(activity, f64::from(count) / n as f64);
        }
        prop_assert!(rec.v_mean.iter().all(|&v| v < v_th));
        let activity_total: f64 = rec.activity.iter().sum();
        prop_assert!((activity_total * n as f64 - total as f64).abs() < 1e-9 * (1.0 + total as f64));

        for (i, train) in per_neuron.iter().enumerate() {
            prop_assert_eq!(rec.spike_count[i] as usize, train.len());
            let trace = rec.traces.neuron(i);
            prop_assert!(trace.iter().all(|&v| v < v_th), "neuron {} reaches v_th", i);
            for w in train.windows(2) {
                prop_assert!(w[1] - w[0] >= n_ref.max(1), "ISI {} < n_ref {}", w[1] - w[0], n_ref);
            }
            for &k in train {
                let held = &trace[k..(k + n_ref.max(1)).min(steps)];
                prop_assert!(
                    held.iter().all(|&v| v == v_reset),
                    "neuron {} after its spike at {}: {:?}", i, k, held
                );
            }
        }
        for k in [0, 1, steps / 2, steps - 1] {
            let values: Vec<f64> = (0..n).map(|i| rec.traces.neuron(i)[k]).collect();
            let (mean, var, _) = common::sample_moments(&values);
            prop_assert!((rec.v_mean[k] - mean).abs() <= 1e-12 * mean.abs());
            if n > 1 {
                prop_assert!(rec.v_var[k] >= 0.0);
                prop_assert!((rec.v_var[k] - var).abs() <= 1e-9 * var + 1e-24);
            } else {
                prop_assert!(rec.v_var[k].is_nan());
            }
        }
    }
}

proptest! {
    #![proptest_config(config_cases(64))]

    /// Reading a configuration's own TOML back gives the same configuration, for values a
    /// person would write (up to 7 significant digits, in the key's human unit).
    #[test]
    fn toml_round_trip_of_human_values(
        tau_us in 100u32..1_000_000,
        i_fa in -999_999i32..999_999,
        phase_micro in -3_141_592i32..3_141_592,
        factor_milli in 0u32..10_000,
        n in 1u64..100_000,
        seed in any::<u32>(),
        v_th_none in any::<bool>(),
    ) {
        let mut c = lifsim::Config::default();
        c.set("neuron.tau_m", &s(&format!("{tau_us} us"))).unwrap();
        c.set("input.i_mean", &s(&format!("{i_fa}e-3 pA"))).unwrap();
        c.set("input.phase", &s(&format!("{phase_micro}e-6 rad"))).unwrap();
        c.set("input.noise_factor", &s(&format!("{factor_milli}e-3"))).unwrap();
        c.set("simulation.n", &int(n as i64)).unwrap();
        c.set("simulation.seed", &int(i64::from(seed))).unwrap();
        if v_th_none {
            c.set("neuron.v_th", &s("none")).unwrap();
        }
        let back = lifsim::Config::from_toml_str(&c.to_toml()).unwrap();
        prop_assert_eq!(back, c);
    }
}

/// `Config::to_toml` documents that `from_toml_str` reads it back to an equal configuration.
#[test]
fn toml_round_trip_of_full_precision_values() {
    // Regression: the printed text once kept only 11 significant digits.
    let mut lost = Vec::new();
    for (key, value) in [
        ("input.i_mean", 8.097448782150435e-10),
        ("neuron.tau_m", 1.0 / 3.0 * 1e-2),
        ("input.phase", 1.23456789e-5),
        ("input.noise_factor", 1.2345678901e-3),
    ] {
        let mut c = lifsim::Config::default();
        c.set(key, &Value::Float(value)).unwrap();
        let back = lifsim::Config::from_toml_str(&c.to_toml()).unwrap();
        if back != c {
            lost.push(format!("{key} = {value:e}"));
        }
    }
    assert!(lost.is_empty(), "changed by a TOML round trip: {lost:?}");
}
