//! Criterion benchmark of the network engine: wiring (ns per synapse) and runs (ns per neuron-step).
//!
//! Workload N (bench/workloads/brunel_n.toml: Brunel 2000 model A with NEST's brunel_delta
//! parameters, g = 5, eta = 2, ~32 Hz) scaled by its order: 5 * order neurons, in-degrees
//! order / 2.5 (E) and order / 10 (I). "wire" runs one step, so its time is the construction of
//! the synapses; "run" simulates 0.2 s (2000 steps). Throughput is synapses for "wire" and
//! neuron-steps for "run", so criterion's "elem/s" inverts to ns per synapse or per neuron-step.
//! Run: `cargo bench -p lifsim --bench network`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifsim::{Config, Simulation, Value};

const WORKLOAD_N: &str = include_str!("../../../bench/workloads/brunel_n.toml");

/// Workload N at `order` over `t_max`.
fn brunel(order: i64, t_max: &str) -> Simulation {
    let mut config = Config::from_toml_str(WORKLOAD_N).expect("workload N parses");
    let (c_e, c_i) = (order * 2 / 5, order / 10);
    let settings = [
        ("simulation.t_max", Value::from(t_max)),
        ("population.E.n", Value::from(4 * order)),
        ("population.I.n", Value::from(order)),
        ("connection.E->E.in_degree", Value::from(c_e)),
        ("connection.E->I.in_degree", Value::from(c_e)),
        ("connection.I->E.in_degree", Value::from(c_i)),
        ("connection.I->I.in_degree", Value::from(c_i)),
    ];
    for (key, value) in settings {
        config.set(key, &value).unwrap_or_else(|e| panic!("{key}: {e}"));
    }
    config.build().expect("workload N builds")
}

fn network(c: &mut Criterion) {
    let mut group = c.benchmark_group("network");
    group.sample_size(10);
    for order in [500, 2500] {
        let sim = brunel(order, "0.1 ms");
        let synapses = sim.network().expect("a network").expected_synapses();
        group.throughput(Throughput::Elements(synapses));
        group.bench_function(format!("wire/order={order}"), |b| b.iter(|| lifsim::run(&sim).expect("runs")));
        let sim = brunel(order, "0.2 s");
        group.throughput(Throughput::Elements((sim.n() * sim.steps()) as u64));
        group.bench_function(format!("run/order={order}"), |b| b.iter(|| lifsim::run(&sim).expect("runs")));
    }
    group.finish();
}

criterion_group!(benches, network);
criterion_main!(benches);
