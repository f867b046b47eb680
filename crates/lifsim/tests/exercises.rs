//! The tutorial's exercises as checks against the SEED's discrete model: exercise 2's Euler
//! integration with sinusoidal input (and its worked values), exercise 3's periodic orbit,
//! the time grid, and the defaults of the recording (histograms, activity).

mod common;
use common::{assert_rel, build, euler_step, int, s};
use std::f64::consts::PI;

const DT: f64 = 1e-3;
const TAU_M: f64 = 20e-3;
const E_L: f64 = -60e-3;
const R_M: f64 = 100e6;
const I_MEAN: f64 = 250e-12;

/// Exercise 2's input, `I(t) = I_mean (1 + sin(2 pi t / 10 ms))`.
fn sine_current(t: f64) -> f64 {
    I_MEAN * (1.0 + (2.0 * PI * t / 0.01).sin())
}

/// The Euler recursion of exercise 2 from `V_0 = E_L`, input taken at the start of each step.
fn exercise2_reference(steps: usize) -> Vec<f64> {
    let mut v = vec![E_L];
    for k in 1..steps {
        let t_prev = (k - 1) as f64 * DT;
        v.push(euler_step(v[k - 1], DT, TAU_M, E_L, R_M, sine_current(t_prev)));
    }
    v
}

fn exercise2() -> (lifsim::Simulation, lifsim::Recording) {
    let sim = build(&[
        ("input.kind", s("sine")),
        ("input.noise", s("none")),
        ("neuron.v_th", s("none")),
        ("simulation.n", int(1)),
        ("record.traces", int(1)),
    ]);
    let rec = lifsim::run(&sim).unwrap();
    (sim, rec)
}

#[test]
fn exercise2_sine_trace_follows_the_euler_recursion() {
    let (sim, rec) = exercise2();
    // The grid: round(t_max/dt) = round(0.15 / 0.001) = 150 points, t_k = k dt.
    assert_eq!(sim.steps(), 150);
    assert_eq!(rec.grid.steps(), 150);
    assert_eq!(rec.v_mean.len(), 150);
    assert_eq!(rec.v_var.len(), 150);
    assert_eq!(rec.activity.len(), 150);
    let times: Vec<f64> = rec.grid.times().collect();
    assert_eq!(times.len(), 150);
    for (k, &t) in times.iter().enumerate() {
        assert_eq!(t, k as f64 * DT, "t_{k} must be k dt, never accumulated");
    }
    // V_0 is v_init = e_l, exactly.
    assert_eq!(sim.neuron().v_init, E_L);
    assert_eq!(rec.v_mean[0], E_L);

    let trace = rec.traces.neuron(0);
    assert_eq!(trace.len(), 150);
    assert_eq!(trace[0], E_L);
    let reference = exercise2_reference(150);
    for k in 1..=10 {
        assert_rel(trace[k], reference[k], 1e-12, &format!("V_{k}"));
    }
    // The whole run, and the ensemble mean of one neuron is that neuron.
    for k in 0..150 {
        assert_rel(trace[k], reference[k], 1e-12, &format!("V_{k}"));
        assert_rel(rec.v_mean[k], reference[k], 1e-12, &format!("v_mean[{k}]"));
        assert!(rec.v_var[k].is_nan(), "v_var is NaN for n = 1");
        assert_eq!(rec.activity[k], 0.0);
    }
    assert!(rec.spikes.is_empty());
    assert_eq!(rec.spike_count, vec![0]);
}

#[test]
fn exercise2_worked_values_of_the_seed() {
    let (_, rec) = exercise2();
    let trace = rec.traces.neuron(0);
    let worked = [-0.05875, -0.056827768434634406, -0.05454755936753374];
    for (k, &expected) in worked.iter().enumerate() {
        assert_rel(trace[k + 1], expected, 1e-12, &format!("V_{}", k + 1));
    }
    // The test's own recursion agrees with the worked values as well.
    let reference = exercise2_reference(4);
    for (k, &expected) in worked.iter().enumerate() {
        assert_rel(reference[k + 1], expected, 1e-12, "reference recursion");
    }
    // By hand: V_1 = E_L + dt/tau R I_mean (1 + sin 0) = -60 mV + 0.05 * 25 mV.
    assert_rel(trace[1], -60e-3 + 0.05 * 25e-3, 1e-12, "V_1 by hand");
}

/// Exercise 3: V rises from -60 mV into a 10-step periodic orbit around mu = -35 mV.
///
/// With u_k = V_k - mu the recursion is u_k = a u_{k-1} + g R A sin(theta (k-1)),
/// a = 1 - dt/tau, g = dt/tau, theta = 2 pi dt / 10 ms = 2 pi / 10. Its periodic solution is
/// u_k = Im(C e^{i theta k}) with C (e^{i theta} - a) = g R A, so over one period (ten samples)
/// the mean of u is 0 and the mean of u^2 is |C|^2 / 2 (the ten sin^2 samples sum to 5).
/// What is left of the start after k steps is a^k (u_0 - orbit_0), at most 0.95^k * 50 mV.
#[test]
fn exercise3_settles_into_a_ten_step_orbit_around_mu() {
    // In the default 150-step run the transient bound already holds.
    let (_, rec) = exercise2();
    let trace = rec.traces.neuron(0);
    let transient = 0.95f64.powi(140) * 50e-3;
    let period_mean = trace[140..150].iter().sum::<f64>() / 10.0;
    assert!((period_mean + 35e-3).abs() <= transient, "period mean {period_mean} vs -35 mV (allowed {transient:e})");

    // A longer run (0.5 s) where the transient (0.95^490 * 50 mV ~ 6e-13 V) is gone.
    let sim = build(&[
        ("input.kind", s("sine")),
        ("input.noise", s("none")),
        ("neuron.v_th", s("none")),
        ("simulation.n", int(1)),
        ("simulation.t_max", s("0.5 s")),
    ]);
    let rec = lifsim::run(&sim).unwrap();
    let trace = rec.traces.neuron(0);
    assert_eq!(trace.len(), 500);
    let (a, g, theta) = (1.0 - DT / TAU_M, DT / TAU_M, 2.0 * PI / 10.0);
    let gain = g * R_M * I_MEAN / ((theta.cos() - a).powi(2) + theta.sin().powi(2)).sqrt();
    let orbit = &trace[490..500];
    let mean = orbit.iter().sum::<f64>() / 10.0;
    assert!((mean + 35e-3).abs() < 1e-12, "orbit mean {mean}");
    let mean_square = orbit.iter().map(|v| (v + 35e-3).powi(2)).sum::<f64>() / 10.0;
    assert_rel(mean_square, gain * gain / 2.0, 1e-9, "orbit mean square");
    for k in 480..490 {
        assert!(
            (trace[k + 10] - trace[k]).abs() < 1e-12,
            "period 10: V_{} - V_{k} = {:e}",
            k + 10,
            trace[k + 10] - trace[k]
        );
    }
}

/// The recording's documented `v_mean[0] = v_init` must hold for every ensemble size
/// (every neuron starts at v_init, with or without noise).
#[test]
fn v_mean_at_step_zero_is_v_init_exactly_for_any_n() {
    // Regression: merging the first chunk into an empty accumulator once rounded the mean.
    for n in [1, 9, 20, 256, 300] {
        for v_init in ["-60 mV", "-58.75 mV", "-65 mV"] {
            let sim = build(&[("simulation.n", int(n)), ("neuron.v_init", s(v_init)), ("simulation.t_max", s("5 ms"))]);
            let rec = lifsim::run(&sim).unwrap();
            assert_eq!(rec.v_mean[0], sim.neuron().v_init, "v_mean[0] for n = {n}, v_init = {v_init}");
            assert_eq!(rec.v_var[0] == 0.0, n > 1, "v_var[0] for n = {n}");
        }
    }
}

/// Exercises 8-9 with the defaults: histograms at t_max/10 and t_max with 50 bins, activity
/// in spikes per neuron per step, spike times on the grid.
#[test]
fn default_run_records_histograms_activity_and_spike_times() {
    let sim = build(&[("record.traces", int(500))]);
    assert_eq!((sim.n(), sim.steps()), (500, 150));
    let rec = lifsim::run(&sim).unwrap();
    assert!(sim.warnings().is_empty());

    // Histograms: steps round(15 ms / 1 ms) = 15 and t_max -> the last grid point, 149.
    assert_eq!(rec.histograms.len(), 2);
    for (h, step) in rec.histograms.iter().zip([15usize, 149]) {
        assert_eq!(h.step, step);
        assert_eq!(h.time, step as f64 * DT);
        assert_eq!(h.counts.len(), 50);
        assert_eq!(h.edges.len(), 51);
        assert_eq!(h.counts.iter().sum::<u64>(), 500);
        assert!(h.edges.windows(2).all(|w| w[0] < w[1]));
        for (i, &v) in h.values.iter().enumerate() {
            assert_eq!(v, rec.traces.neuron(i)[step], "histogram value of neuron {i}");
        }
        // Each value lies in the bin its count says.
        let lo = h.edges[0];
        let hi = h.edges[50];
        assert!(h.values.iter().all(|&v| (lo..=hi).contains(&v)));
        for b in 0..50 {
            let inside =
                h.values.iter().filter(|&&v| v >= h.edges[b] && (v < h.edges[b + 1] || b == 49)).count() as u64;
            assert_eq!(inside, h.counts[b], "bin {b} at step {step}");
        }
    }

    // Activity: spikes per neuron per step.
    let mut per_step = vec![0u32; 150];
    for &k in &rec.spikes.step {
        per_step[k as usize] += 1;
    }
    for (k, (&activity, &count)) in rec.activity.iter().zip(&per_step).enumerate() {
        assert_eq!(activity, f64::from(count) / 500.0, "activity[{k}]");
    }
    assert_eq!(rec.activity[0], 0.0, "no update, so no spike, at step 0");
    let times = rec.spike_times();
    for (t, &k) in times.iter().zip(&rec.spikes.step) {
        assert_eq!(*t, f64::from(k) * DT);
    }
    assert!(!rec.spikes.is_empty(), "mu = -35 mV drives the neurons past -50 mV");
    assert_eq!(rec.mean_rate_hz(), rec.spikes.len() as f64 / (500.0 * 149.0 * DT));
}
