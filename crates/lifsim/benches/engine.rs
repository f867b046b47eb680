//! Criterion benchmark of the engine in ns per neuron-step (the core issue's workload).
//!
//! Workload: dt 0.1 ms, 1 s, white noise sigma_v = 5 mV, i_mean 250 pA, t_ref 2 ms, Euler,
//! spikes and moments recorded, no traces. Criterion's throughput is set to neuron-steps, so
//! its "elem/s" reading inverts to ns per neuron-step.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifsim::{Config, Value};

fn workload(n: i64, method: &str, noise: &str) -> lifsim::Simulation {
    let mut config = Config::default();
    for (key, value) in [
        ("simulation.t_max", Value::from("1 s")),
        ("simulation.dt", Value::from("0.1 ms")),
        ("simulation.n", Value::from(n)),
        ("simulation.method", Value::from(method)),
        ("input.noise", Value::from(noise)),
        ("input.sigma_v", Value::from("5 mV")),
        ("input.i_mean", Value::from("250 pA")),
        ("neuron.t_ref", Value::from("2 ms")),
        ("record.traces", Value::from(0)),
        ("record.hist_times", Value::List(vec![])),
    ] {
        config.set(key, &value).expect("benchmark configuration is valid");
    }
    config.build().expect("benchmark configuration is valid")
}

fn engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    for (method, noise) in
        [("euler", "white"), ("exact", "white"), ("euler", "tutorial"), ("euler", "ou"), ("euler", "none")]
    {
        let sim = workload(10_000, method, noise);
        group.throughput(Throughput::Elements((sim.n * sim.steps) as u64));
        group.bench_function(format!("{method}-{noise}/n=10000"), |b| b.iter(|| lifsim::run(&sim).expect("runs")));
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
