//! Criterion benchmark of the engine in ns per neuron-step, per kernel variant.
//!
//! Workload W: dt 0.1 ms, white noise sigma_v = 5 mV, i_mean 250 pA, t_ref 2 ms, spikes and
//! moments recorded, no traces; here 0.2 s (2000 steps) of 10 000 neurons, so a sample takes
//! well under a second. Variants: method (euler, exact) x noise (white, tutorial, ou, none) x
//! crossing (grid, bridge) x recorder (spikes + moments; plus 100 traces and 4 histograms).
//! Criterion's throughput is set to neuron-steps, so its "elem/s" reading inverts to ns per
//! neuron-step.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifsim::Value;
#[path = "../tests/support/workload.rs"]
mod workload;
use workload::workload;

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    let variants = [
        ("euler", "white", "grid", "spikes"),
        ("exact", "white", "grid", "spikes"),
        ("euler", "white", "bridge", "spikes"),
        ("euler", "white", "grid", "traces+hist"),
        ("euler", "tutorial", "grid", "spikes"),
        ("euler", "ou", "grid", "spikes"),
        ("euler", "none", "grid", "spikes"),
    ];
    for (method, noise, crossing, recorder) in variants {
        let hist: &[&str] = if recorder == "spikes" { &[] } else { &["50 ms", "100 ms", "150 ms", "199 ms"] };
        let traces = if recorder == "spikes" { 0 } else { 100 };
        let extra = [("simulation.crossing", Value::from(crossing)), ("record.traces", Value::from(traces))];
        let sim = workload(10_000, "0.2 s", method, noise, hist, &extra);
        group.throughput(Throughput::Elements((sim.n() * sim.steps()) as u64));
        group.bench_function(format!("{method}-{noise}-{crossing}-{recorder}/n=10000"), |b| {
            b.iter(|| lifsim::run(&sim).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
