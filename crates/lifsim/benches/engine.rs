//! Criterion benchmark of the engine in ns per neuron-step (the core issue's workload).
//!
//! Workload: dt 0.1 ms, 1 s, white noise sigma_v = 5 mV, i_mean 250 pA, t_ref 2 ms, Euler,
//! spikes and moments recorded, no traces. Criterion's throughput is set to neuron-steps, so
//! its "elem/s" reading inverts to ns per neuron-step.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
#[path = "../tests/support/workload.rs"]
mod workload;
use workload::workload;

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    for (method, noise) in
        [("euler", "white"), ("exact", "white"), ("euler", "tutorial"), ("euler", "ou"), ("euler", "none")]
    {
        let sim = workload(10_000, "1 s", method, noise, &[]);
        group.throughput(Throughput::Elements((sim.n * sim.steps) as u64));
        group.bench_function(format!("{method}-{noise}/n=10000"), |b| b.iter(|| lifsim::run(&sim).expect("runs")));
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
