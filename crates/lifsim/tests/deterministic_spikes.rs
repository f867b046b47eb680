//! Noiseless spiking against the SEED's discrete rule, derived here independently of the
//! engine: after the update, `V >= v_th` is a spike at that step and V is reset to v_reset;
//! after a spike at step k_s, steps k with k - k_s < n_ref = round(t_ref/dt) hold V = v_reset
//! without an update. Spike steps are compared exactly, traces to 1e-12 relative.

mod common;
use common::{assert_rel, build, euler_step, exact_step, int, s};
use lifsim::Value;
use std::f64::consts::PI;

const TAU_M: f64 = 20e-3;
const E_L: f64 = -60e-3;
const R_M: f64 = 100e6;
const V_RESET: f64 = -70e-3;
const V_TH: f64 = -50e-3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scheme {
    Euler,
    Exact,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Euler => "euler",
            Scheme::Exact => "exact",
        }
    }

    fn step(self, v: f64, dt: f64, current: f64) -> f64 {
        match self {
            Scheme::Euler => euler_step(v, dt, TAU_M, E_L, R_M, current),
            Scheme::Exact => exact_step(v, dt, TAU_M, E_L, R_M, current),
        }
    }

    /// The per-step decay of V - mu for constant input.
    fn decay(self, dt: f64) -> f64 {
        match self {
            Scheme::Euler => 1.0 - dt / TAU_M,
            Scheme::Exact => (-dt / TAU_M).exp(),
        }
    }
}

/// The scalar reference: spike steps, the V trace and the smallest |V - v_th| seen after an
/// update (so that a 1e-12 rounding difference cannot flip a threshold decision).
struct Reference {
    spikes: Vec<u32>,
    trace: Vec<f64>,
    margin: f64,
}

fn reference(
    scheme: Scheme,
    dt: f64,
    steps: usize,
    n_ref: usize,
    v_init: f64,
    current: impl Fn(f64) -> f64,
) -> Reference {
    let mut trace = vec![v_init];
    let mut spikes = Vec::new();
    let mut last_spike: Option<usize> = None;
    let mut margin = f64::INFINITY;
    for k in 1..steps {
        if let Some(k_s) = last_spike
            && k - k_s < n_ref
        {
            trace.push(V_RESET);
            continue;
        }
        let mut v = scheme.step(trace[k - 1], dt, current((k - 1) as f64 * dt));
        margin = margin.min((v - V_TH).abs());
        if v >= V_TH {
            spikes.push(k as u32);
            last_spike = Some(k);
            v = V_RESET;
        }
        trace.push(v);
    }
    Reference { spikes, trace, margin }
}

/// Closed form for constant input mu > v_th: V_m - mu = decay^m (V_start - mu), so the first
/// crossing from V_start is m = ceil(ln((v_th - mu)/(V_start - mu)) / ln(decay)). The first
/// spike is at m(v_init); each later one max(n_ref, 1) - 1 held steps plus m(v_reset) after
/// the previous one.
fn closed_form_spikes(decay: f64, mu: f64, v_init: f64, n_ref: usize, steps: usize) -> Vec<u32> {
    let crossing = |start: f64| -> usize {
        if start >= mu {
            // Starting above the fixed point: V moves down towards mu > v_th, or stays.
            return 1;
        }
        let x = ((V_TH - mu) / (start - mu)).ln() / decay.ln();
        assert!((x - x.round()).abs() > 1e-9, "crossing {x} too close to a grid point for a closed form");
        (x.ceil() as usize).max(1)
    };
    let period = n_ref.saturating_sub(1) + crossing(V_RESET);
    let mut spikes = Vec::new();
    let mut k = crossing(v_init);
    while k < steps {
        spikes.push(k as u32);
        k += period;
    }
    spikes
}

fn run_single(settings: &[(&str, Value)]) -> (lifsim::Simulation, lifsim::Recording) {
    let mut all = vec![("input.noise", s("none")), ("simulation.n", int(1)), ("record.traces", int(1))];
    all.extend(settings.iter().cloned());
    let sim = build(&all);
    let rec = lifsim::run(&sim).unwrap();
    (sim, rec)
}

fn check_against_reference(label: &str, rec: &lifsim::Recording, expected: &Reference) {
    assert!(expected.margin > 1e-12, "{label}: reference passes within {:e} V of threshold", expected.margin);
    assert_eq!(rec.spikes.step, expected.spikes, "{label}: spike steps");
    assert!(rec.spikes.neuron.iter().all(|&i| i == 0));
    assert_eq!(rec.spike_count, vec![expected.spikes.len() as u32]);
    let trace = rec.traces.neuron(0);
    assert_eq!(trace.len(), expected.trace.len());
    for (k, (&got, &want)) in trace.iter().zip(&expected.trace).enumerate() {
        assert_rel(got, want, 1e-12, &format!("{label}: V_{k}"));
    }
}

#[test]
fn constant_input_spike_steps_match_closed_form_and_rule() {
    let i_mean = 250e-12;
    let mu = E_L + R_M * i_mean; // -35 mV
    for scheme in [Scheme::Euler, Scheme::Exact] {
        for (t_ref, n_ref) in [("0 ms", 0usize), ("1 ms", 1), ("2.4 ms", 2), ("10 ms", 10), ("37 ms", 37)] {
            for v_init in [-60e-3, -45e-3, -70e-3] {
                let label = format!("{} t_ref={t_ref} v_init={v_init}", scheme.name());
                let (sim, rec) = run_single(&[
                    ("simulation.method", s(scheme.name())),
                    ("neuron.t_ref", s(t_ref)),
                    ("neuron.v_init", Value::Float(v_init)),
                    ("input.i_mean", s("250 pA")),
                ]);
                assert_eq!(sim.steps(), 150);
                let dt = 1e-3;
                let expected = reference(scheme, dt, 150, n_ref, v_init, |_| i_mean);
                let closed = closed_form_spikes(scheme.decay(dt), mu, v_init, n_ref, 150);
                assert_eq!(expected.spikes, closed, "{label}: reference vs closed form");
                check_against_reference(&label, &rec, &expected);
            }
        }
    }
}

/// Hand-derived steps for the defaults (Euler, mu = -35 mV, dt = 1 ms): from -60 mV the
/// first m with 0.95^m * 25 mV <= 15 mV is 10; from -70 mV, 0.95^m * 35 <= 15 gives 17.
#[test]
fn default_euler_spike_steps_by_hand() {
    let (_, rec) = run_single(&[("neuron.t_ref", s("0 ms"))]);
    assert_eq!(rec.spikes.step, vec![10, 27, 44, 61, 78, 95, 112, 129, 146]);
    // t_ref = 10 ms: V sits at v_reset on the spike step and 9 more, so 9 + 17 steps apart.
    let (_, rec) = run_single(&[]);
    assert_eq!(rec.spikes.step, vec![10, 36, 62, 88, 114, 140]);
    let trace = rec.traces.neuron(0);
    assert!(trace[10..20].iter().all(|&v| v == V_RESET), "held at v_reset on steps 10..20: {:?}", &trace[10..20]);
    assert!(trace[20] > V_RESET);
}

#[test]
fn sine_input_spike_steps_match_the_rule() {
    let (i_mean, amplitude, frequency) = (250e-12, 250e-12, 100.0);
    let current = |t: f64| i_mean + amplitude * (2.0 * PI * frequency * t).sin();
    for scheme in [Scheme::Euler, Scheme::Exact] {
        for (t_ref, ref_ms) in [("0 ms", 0usize), ("3 ms", 3), ("10 ms", 10)] {
            for (dt, dt_text, steps) in [(1e-3, "1 ms", 150), (1e-4, "0.1 ms", 1500)] {
                let n_ref = ref_ms * steps / 150; // t_ref / dt in whole steps
                let label = format!("sine {} t_ref={t_ref} dt={dt_text}", scheme.name());
                let (sim, rec) = run_single(&[
                    ("simulation.method", s(scheme.name())),
                    ("simulation.dt", s(dt_text)),
                    ("neuron.t_ref", s(t_ref)),
                    ("input.kind", s("sine")),
                ]);
                assert_eq!(sim.steps(), steps);
                let expected = reference(scheme, dt, steps, n_ref, E_L, current);
                assert!(expected.spikes.len() >= 3, "{label}: the sine drive fires");
                check_against_reference(&label, &rec, &expected);
            }
        }
    }
    // A shifted phase and a smaller amplitude change the train, and still follow the rule.
    let phase = PI / 3.0;
    let current = |t: f64| 250e-12 + 100e-12 * (2.0 * PI * 40.0 * t + phase).sin();
    let (_, rec) = run_single(&[
        ("input.kind", s("sine")),
        ("input.amplitude", s("100 pA")),
        ("input.frequency", s("40 Hz")),
        ("input.phase", Value::Float(phase)),
        ("neuron.t_ref", s("2 ms")),
    ]);
    let expected = reference(Scheme::Euler, 1e-3, 150, 2, E_L, current);
    check_against_reference("sine 40 Hz with phase", &rec, &expected);
}

/// Without noise every neuron of the ensemble follows the same trajectory: same spike steps,
/// activity exactly 1 at those steps and 0 elsewhere, zero variance. n = 300 spans two chunks.
#[test]
fn noiseless_ensemble_spikes_in_lockstep() {
    for scheme in [Scheme::Euler, Scheme::Exact] {
        let n = 300usize;
        let sim = build(&[
            ("input.noise", s("none")),
            ("simulation.method", s(scheme.name())),
            ("simulation.n", int(n as i64)),
            ("record.traces", int(n as i64)),
        ]);
        let rec = lifsim::run(&sim).unwrap();
        let expected = reference(scheme, 1e-3, 150, 10, E_L, |_| 250e-12);
        let n_spikes = expected.spikes.len();
        assert!(n_spikes > 3);
        assert_eq!(rec.spike_count, vec![n_spikes as u32; n]);
        assert_eq!(rec.spikes.len(), n * n_spikes);
        // Ordered by step, then neuron.
        for (j, &k) in expected.spikes.iter().enumerate() {
            let block = j * n..(j + 1) * n;
            assert!(rec.spikes.step[block.clone()].iter().all(|&s| s == k));
            let neurons: Vec<u32> = (0..n as u32).collect();
            assert_eq!(rec.spikes.neuron[block], neurons[..]);
        }
        for k in 0..150 {
            let spiking = expected.spikes.contains(&(k as u32));
            assert_eq!(rec.activity[k], if spiking { 1.0 } else { 0.0 }, "activity[{k}]");
            assert_rel(rec.v_mean[k], expected.trace[k], 1e-12, &format!("v_mean[{k}]"));
            assert!(rec.v_var[k].abs() < 1e-30, "v_var[{k}] = {:e}", rec.v_var[k]);
        }
        let first = rec.traces.neuron(0).to_vec();
        for i in 1..n {
            assert_eq!(rec.traces.neuron(i), &first[..], "trace of neuron {i}");
        }
        for (k, (&got, &want)) in first.iter().zip(&expected.trace).enumerate() {
            assert_rel(got, want, 1e-12, &format!("V_{k}"));
        }
    }
}

/// The engine's period against the continuous-time deterministic ISI,
/// t_ref + tau_m ln((mu - v_reset)/(mu - v_th)). With the exact method the crossing takes
/// m = ceil(T_c/dt) steps (T_c = tau_m ln(35/15)) and the clamp holds v_reset for n_ref grid
/// points including the spike step, i.e. (n_ref - 1) dt of integration are lost. So the
/// discrete ISI lies in [isi - dt, isi).
#[test]
fn exact_method_period_brackets_the_deterministic_isi() {
    for (t_ref, dt_text, dt) in
        [("0 ms", "0.1 ms", 1e-4), ("2 ms", "0.1 ms", 1e-4), ("10 ms", "0.1 ms", 1e-4), ("10 ms", "1 ms", 1e-3)]
    {
        let (sim, rec) = run_single(&[
            ("simulation.method", s("exact")),
            ("simulation.dt", s(dt_text)),
            ("simulation.t_max", s("0.3 s")),
            ("neuron.t_ref", s(t_ref)),
        ]);
        let isi = lifsim::theory::deterministic_isi(sim.neuron(), sim.mu()).unwrap();
        let closed = sim.neuron().t_ref + TAU_M * (35.0f64 / 15.0).ln();
        assert_rel(isi, closed, 1e-14, "deterministic_isi");
        let steps = &rec.spikes.step;
        assert!(steps.len() >= 4);
        for w in steps[1..].windows(2) {
            let period = f64::from(w[1] - w[0]) * dt;
            // The clamp of round(t_ref/dt) points loses one dt of integration when t_ref > 0;
            // without it the period is just ceil(T_c/dt) dt.
            let (lo, hi) = if sim.neuron().t_ref > 0.0 { (isi - dt, isi) } else { (isi, isi + dt) };
            assert!(
                period >= lo - 1e-12 && period < hi + 1e-12,
                "t_ref={t_ref} dt={dt_text}: period {period} not in [{lo}, {hi})"
            );
        }
    }
    // No ISI below threshold or without one.
    let mut p = lifsim::LifParams::default();
    assert_eq!(lifsim::theory::deterministic_isi(&p, -55e-3), None);
    assert_eq!(lifsim::theory::deterministic_isi(&p, -50e-3), None);
    p.v_th = None;
    assert_eq!(lifsim::theory::deterministic_isi(&p, -35e-3), None);
}
