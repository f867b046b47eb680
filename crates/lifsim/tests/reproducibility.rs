//! Reproducibility: every random number is keyed by (seed, neuron, sample), so a recording is
//! bit-identical for any thread count, a neuron's trajectory does not depend on the ensemble
//! size, the same seed repeats and another seed differs.

mod common;
use common::{build, int, s};
use lifsim::{Recording, Simulation, Value};

/// A white-noise spiking run over several chunks (engine::chunk_len = 256 here) and several windows
/// (5000 steps, engine::WINDOW = 1024).
fn spiking(n: i64, seed: i64, traces: i64) -> Simulation {
    build(&[
        ("simulation.n", int(n)),
        ("simulation.seed", int(seed)),
        ("simulation.dt", s("0.1 ms")),
        ("simulation.t_max", s("0.5 s")),
        ("input.noise", s("white")),
        ("input.sigma_v", s("5 mV")),
        ("neuron.t_ref", s("2 ms")),
        ("record.traces", int(traces)),
        ("record.hist_times", Value::List(vec![s("10 ms"), s("55.55 ms"), s("100 ms")])),
    ])
}

fn run_on(threads: usize, sim: &Simulation) -> Recording {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(|| lifsim::run(sim)).unwrap()
}

/// Field by field, so that a failure names what differs; `==` on f64 is bit equality here
/// (no NaN: n > 1).
fn assert_identical(a: &Recording, b: &Recording, what: &str) {
    assert_eq!(a.v_mean, b.v_mean, "{what}: v_mean");
    assert_eq!(a.v_var, b.v_var, "{what}: v_var");
    assert_eq!(a.activity, b.activity, "{what}: activity");
    assert_eq!(a.spikes, b.spikes, "{what}: spikes");
    assert_eq!(a.spike_count, b.spike_count, "{what}: spike_count");
    assert_eq!(a.traces, b.traces, "{what}: traces");
    assert_eq!(a.histograms, b.histograms, "{what}: histograms");
    assert_eq!(a, b, "{what}: whole recording");
}

#[test]
fn bit_identical_for_1_2_and_7_threads() {
    let sim = spiking(1500, 2017, 50);
    assert_eq!(sim.n().div_ceil(lifsim::engine::chunk_len(sim.n())), 6);
    assert!(sim.steps() > 3 * lifsim::engine::window_steps(sim.n()));
    let one = run_on(1, &sim);
    assert!(one.spikes.len() > 1500, "the run must spike: {}", one.spikes.len());
    assert!(one.v_var.iter().skip(1).all(|&v| v > 0.0));
    for threads in [2, 7] {
        let other = run_on(threads, &sim);
        assert_identical(&one, &other, &format!("{threads} threads vs 1"));
    }
}

/// The spike train of each neuron below `n`, from the (step, neuron)-ordered spike list.
fn trains(rec: &Recording, n: usize) -> Vec<Vec<u32>> {
    let mut trains = vec![Vec::new(); n];
    for (&i, &k) in rec.spikes.neuron.iter().zip(&rec.spikes.step) {
        if (i as usize) < n {
            trains[i as usize].push(k);
        }
    }
    trains
}

#[test]
fn a_neuron_does_not_depend_on_the_ensemble_size() {
    // n = 100 and 200 (one chunk each), and 300 vs 700 (neurons 256.. in a second chunk).
    for (small, large, traced) in [(100, 200, 50), (300, 700, 300)] {
        let a = run_on(3, &spiking(small, 7, traced));
        let b = run_on(3, &spiking(large, 7, traced));
        for i in 0..traced as usize {
            assert_eq!(a.traces.neuron(i), b.traces.neuron(i), "trace of neuron {i}, n = {small} vs {large}");
        }
        let (ta, tb) = (trains(&a, small as usize), trains(&b, small as usize));
        assert!(ta.iter().all(|t| !t.is_empty()));
        assert_eq!(ta, tb, "spike trains, n = {small} vs {large}");
        assert_eq!(a.spike_count[..], b.spike_count[..small as usize]);
        // Histogram values are per neuron too.
        for (ha, hb) in a.histograms.iter().zip(&b.histograms) {
            assert_eq!(ha.step, hb.step);
            assert_eq!(ha.values[..], hb.values[..small as usize]);
        }
    }
}

#[test]
fn same_seed_repeats_and_another_seed_differs() {
    let first = lifsim::run(&spiking(300, 42, 20)).unwrap();
    let again = lifsim::run(&spiking(300, 42, 20)).unwrap();
    assert_identical(&first, &again, "same seed");
    let other = lifsim::run(&spiking(300, 43, 20)).unwrap();
    assert_ne!(first.spikes, other.spikes);
    assert_ne!(first.v_mean, other.v_mean);
    for i in 0..20 {
        assert_ne!(first.traces.neuron(i), other.traces.neuron(i), "neuron {i}");
    }
    // Within one run, neurons are not copies of each other.
    assert_ne!(first.traces.neuron(0), first.traces.neuron(1));
}

/// Thread-count independence for every noise kind and both methods (smaller runs).
#[test]
fn every_noise_kind_is_thread_independent() {
    for noise in ["tutorial", "white", "ou"] {
        for method in ["euler", "exact"] {
            let sim = build(&[
                ("simulation.n", int(600)),
                ("simulation.method", s(method)),
                ("input.noise", s(noise)),
                ("record.traces", int(600)),
                ("record.every", int(7)),
            ]);
            let one = run_on(1, &sim);
            let four = run_on(4, &sim);
            assert_identical(&one, &four, &format!("{noise}/{method}"));
        }
    }
}

/// Sampling every `every`-th step across window boundaries gives the every-step trace,
/// subsampled: samples at steps 0, every, 2 every, ... (ceil(steps/every) of them).
#[test]
fn sparse_traces_are_the_full_trace_subsampled() {
    let full = lifsim::run(&spiking(300, 5, 260)).unwrap();
    for every in [2usize, 3, 7, 100, 999, 1000, 5000] {
        let sim = build(&[
            ("simulation.n", int(300)),
            ("simulation.seed", int(5)),
            ("simulation.dt", s("0.1 ms")),
            ("simulation.t_max", s("0.5 s")),
            ("input.noise", s("white")),
            ("input.sigma_v", s("5 mV")),
            ("neuron.t_ref", s("2 ms")),
            ("record.traces", int(260)),
            ("record.every", int(every as i64)),
        ]);
        let sparse = lifsim::run(&sim).unwrap();
        assert_eq!(sparse.traces.every, every);
        assert_eq!(sparse.traces.samples, 5000usize.div_ceil(every));
        assert_eq!(sparse.spikes, full.spikes, "every = {every}");
        for i in [0, 1, 255, 256, 259] {
            let expected: Vec<f64> = full.traces.neuron(i).iter().step_by(every).copied().collect();
            assert_eq!(sparse.traces.neuron(i), &expected[..], "neuron {i}, every = {every}");
        }
    }
}
