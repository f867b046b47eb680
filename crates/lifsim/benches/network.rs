//! Criterion benchmark of the network engine: wiring (ns per synapse), spike delivery (ns per synaptic event) and runs (ns per neuron-step).
//!
//! Workload N (bench/workloads/brunel_n.toml: Brunel 2000 model A with NEST's brunel_delta
//! parameters, g = 5, eta = 2, ~32 Hz) scaled by its order: 5 * order neurons, in-degrees
//! order / 2.5 (E) and order / 10 (I). "wire" builds the synapses and the chunks (throughput:
//! synapses); "deliver" hands the spikes of 0.2 s of the network (taken from a run) to the ring
//! buffers on one thread, one min-delay interval at a time, as one task of the time loop does
//! (throughput: synaptic events, the spikes' out-degrees summed); "run" simulates 0.2 s (2000
//! steps; throughput: neuron-steps).
//! Criterion's "elem/s" inverts to ns per synapse, per synaptic event or per neuron-step.
//! Run: `cargo bench -p lifsim --bench network`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifsim::engine::DeliveryBench;
use lifsim::{Config, Simulation, Value};
use std::time::{Duration, Instant};

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
        group.bench_function(format!("wire/order={order}"), |b| b.iter(|| DeliveryBench::new(&sim).expect("wires")));
        let sim = brunel(order, "0.2 s");
        let spikes = lifsim::run(&sim).expect("runs").spikes;
        let mut delivery = DeliveryBench::new(&sim).expect("wires");
        // The time loop delivers the spikes of one min-delay interval at a time.
        let interval = sim.network().expect("a network").min_delay();
        let mut intervals: Vec<(&[u32], &[u32])> = Vec::new();
        let mut rest = (&spikes.neuron[..], &spikes.step[..]);
        while let Some(&first) = rest.1.first() {
            let end = first - first % interval + interval;
            let len = rest.1.partition_point(|&step| step < end);
            intervals.push((&rest.0[..len], &rest.1[..len]));
            rest = (&rest.0[len..], &rest.1[len..]);
        }
        group.throughput(Throughput::Elements(delivery.events(&spikes.neuron)));
        group.bench_function(format!("deliver/order={order}"), |b| {
            b.iter_custom(|iterations| {
                let mut spent = Duration::ZERO;
                for _ in 0..iterations {
                    delivery.clear();
                    let start = Instant::now();
                    for (neurons, steps) in &intervals {
                        delivery.deliver(neurons, steps);
                    }
                    spent += start.elapsed();
                }
                spent
            })
        });
        group.throughput(Throughput::Elements((sim.n() * sim.steps()) as u64));
        group.bench_function(format!("run/order={order}"), |b| b.iter(|| lifsim::run(&sim).expect("runs")));
    }
    group.finish();
}

criterion_group!(benches, network);
criterion_main!(benches);
