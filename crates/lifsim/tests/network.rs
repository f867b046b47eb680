//! Networks: delays and refractory discards against closed forms, the engine against a plain
//! scalar reference network (same streams, same bits), thread invariance, and clear errors for
//! wrong networks.

use lifsim::model::integrate::{StepConstants, drive_of};
use lifsim::model::{Network, Noise};
use lifsim::rng::{ChunkStreams, PoissonTable, Stream, word64};
use lifsim::{Config, Recording, Simulation, Value};

/// A configuration from TOML text, built.
fn build(text: &str) -> Simulation {
    Config::from_toml_str(text).unwrap_or_else(|e| panic!("{e}\n{text}")).build().unwrap_or_else(|e| panic!("{e}"))
}

/// Two neurons: A driven above threshold without noise, B at rest; A -> B with `weight` and
/// `delay`.
fn pair(b_drive: &str, delay: &str, t_ref: &str) -> String {
    format!(
        "[simulation]\nt_max = \"60 ms\"\ndt = \"0.1 ms\"\nmethod = \"exact\"\n\
         [neuron]\ne_l = \"0 mV\"\nv_reset = \"0 mV\"\nv_th = \"20 mV\"\nt_ref = \"{t_ref}\"\nr_m = \"100 Mohm\"\n\
         [input]\nnoise = \"none\"\n[record]\ntraces = 2\nhist_times = []\n\
         [[population]]\nname = \"A\"\nn = 1\ninput.i_mean = \"300 pA\"\n\
         [[population]]\nname = \"B\"\nn = 1\ninput.i_mean = \"{b_drive}\"\n\
         [[connection]]\nfrom = \"A\"\nto = \"B\"\nin_degree = 1\nweight = \"0.5 mV\"\ndelay = \"{delay}\"\n"
    )
}

/// A's spikes arrive at B exactly `delay` steps later: B's V, at rest until then, jumps by the
/// weight at the arrival step and decays by the exact propagator after it.
#[test]
fn a_kick_arrives_exactly_delay_steps_after_the_spike() {
    let sim = build(&pair("0 pA", "1.5 ms", "2 ms"));
    let rec = lifsim::run(&sim).unwrap();
    let a_spikes: Vec<u32> =
        rec.spikes.step.iter().zip(&rec.spikes.neuron).filter(|(_, n)| **n == 0).map(|(s, _)| *s).collect();
    assert!(a_spikes.len() >= 2, "A fires: {a_spikes:?}");
    assert!(rec.spikes.neuron.iter().all(|&n| n == 0), "B stays below threshold");
    let b = rec.traces.neuron(1);
    let decay = StepConstants::new(&sim).decay;
    let first = a_spikes[0] as usize + 15;
    assert!(b[..first].iter().all(|&v| v == 0.0), "B rests until the first arrival");
    // The arrival step: V = decay * 0 + 0 (drive) + 0.5 mV, exactly; then pure decay until the next.
    assert_eq!(b[first], 0.5e-3);
    let second = a_spikes[1] as usize + 15;
    for k in first + 1..second {
        assert_eq!(b[k], decay.mul_add(b[k - 1], 0.0), "step {k}");
    }
    assert_eq!(b[second], decay.mul_add(b[second - 1], 0.0) + 0.5e-3);
}

/// B fires in lockstep with A (same drive), and A's kicks arrive 1 ms later, inside B's 2 ms
/// refractory period: they are discarded, so B's spikes and V are those of an uncoupled B.
#[test]
fn kicks_during_the_refractory_period_are_discarded() {
    let coupled = lifsim::run(&build(&pair("300 pA", "1 ms", "2 ms"))).unwrap();
    let uncoupled =
        lifsim::run(&build(&pair("300 pA", "1 ms", "2 ms").replace("weight = \"0.5 mV\"", "weight = \"0 mV\"")))
            .unwrap();
    assert!(coupled.spikes.len() >= 4);
    assert_eq!(coupled.spikes, uncoupled.spikes);
    assert_eq!(coupled.traces.neuron(1), uncoupled.traces.neuron(1));
    // With a delay longer than the refractory period the kicks count and B fires earlier.
    let late = lifsim::run(&build(&pair("300 pA", "3 ms", "2 ms"))).unwrap();
    assert_ne!(late.spikes, uncoupled.spikes);
}

/// A small Brunel-like network: E and I with Poisson input, four projections with two weights
/// and two delays, one by probability.
const SMALL: &str = "[simulation]\nt_max = \"200 ms\"\ndt = \"0.1 ms\"\nmethod = \"exact\"\nseed = 11\n\
    [neuron]\ne_l = \"0 mV\"\nv_reset = \"10 mV\"\nv_th = \"20 mV\"\nt_ref = \"2 ms\"\n\
    [input]\ni_mean = \"0 pA\"\nnoise = \"poisson\"\nrate_e = \"25 kHz\"\nweight_e = \"0.1 mV\"\n\
    [record]\ntraces = 0\nhist_times = [\"199.9 ms\"]\n\
    [[population]]\nname = \"E\"\nn = 700\n\
    [[population]]\nname = \"I\"\nn = 300\nneuron.t_ref = \"1 ms\"\ninput.rate_e = \"24 kHz\"\n\
    [[connection]]\nfrom = \"E\"\nto = \"E\"\nin_degree = 70\nweight = \"0.1 mV\"\ndelay = \"1.5 ms\"\n\
    [[connection]]\nfrom = \"E\"\nto = \"I\"\nin_degree = 70\nweight = \"0.1 mV\"\ndelay = \"1.5 ms\"\n\
    [[connection]]\nfrom = \"I\"\nto = \"E\"\nprobability = 0.06\nweight = \"-0.45 mV\"\ndelay = \"2 ms\"\n\
    [[connection]]\nfrom = \"I\"\nto = \"I\"\nin_degree = 18\nweight = \"-0.45 mV\"\ndelay = \"1.5 ms\"\n";

/// The documented dynamics, neuron by neuron and step by step: the exact step, the Poisson jump
/// from the neuron's Philox words, then the synaptic jump `sum_c w_c n_c` over the distinct
/// weights of the projections into its population (in order of first appearance), refractory
/// clamp, threshold and reset; every spike of step k counted at its targets for step k + delay,
/// through the synapses `Network::sources_of` draws. Returns the spikes (step, neuron) and V at
/// the last step.
fn reference(sim: &Simulation) -> (Vec<(u32, u32)>, Vec<f64>) {
    let network: &Network = sim.network().unwrap();
    let (n, steps, seed) = (sim.n(), sim.steps(), sim.seed());
    let slots = network.max_delay() as usize + 1;
    // Weight classes per target population.
    let mut classes: Vec<Vec<f64>> = vec![Vec::new(); network.populations().len()];
    let class_of: Vec<usize> = network
        .projections()
        .iter()
        .map(|p| {
            let c = &mut classes[p.target];
            c.iter().position(|&w| w == p.weight).unwrap_or_else(|| {
                c.push(p.weight);
                c.len() - 1
            })
        })
        .collect();
    // targets[p][source-local] = list of target global indices (with multiplicity).
    let mut targets: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut drawn = Vec::new();
    for (i, p) in network.projections().iter().enumerate() {
        let (source, target) = (&network.populations()[p.source], &network.populations()[p.target]);
        let mut rows = vec![Vec::new(); source.n];
        for t in target.neurons() {
            network.sources_of(seed, i, t as u64, &mut drawn);
            for &s in &drawn {
                rows[s as usize].push(t);
            }
        }
        targets.push(rows);
    }
    let population = |i: usize| network.population_of(i);
    let pops = network.populations();
    let constants: Vec<StepConstants> =
        pops.iter().map(|p| StepConstants::of(&p.neuron, &p.input, sim.method(), sim.dt(), sim.t_max())).collect();
    let drives: Vec<Vec<f64>> =
        pops.iter().zip(&constants).map(|(p, c)| drive_of(&p.neuron, &p.input.drive, sim.grid(), c.gain)).collect();
    let streams = ChunkStreams::new(seed, Stream::PoissonInput, 0, n);
    // Each population's Poisson tables (excitatory, inhibitory), built once.
    let tables: Vec<[PoissonTable; 2]> = pops
        .iter()
        .map(|pop| {
            let Noise::Poisson(input) = pop.input.noise else { panic!("the test network has Poisson input") };
            [PoissonTable::new(input.rate_e * sim.dt()), PoissonTable::new(input.rate_i * sim.dt())]
        })
        .collect();
    let mut counts = vec![0u32; n * 2 * slots];
    let mut v: Vec<f64> = (0..n).map(|i| pops[population(i)].neuron.v_init).collect();
    let mut hold = vec![0usize; n];
    let mut spikes = Vec::new();
    for k in 1..steps {
        let mut now = Vec::new();
        for i in 0..n {
            let p = population(i);
            let (pop, c) = (&pops[p], &constants[p]);
            let Noise::Poisson(input) = pop.input.noise else { panic!("the test network has Poisson input") };
            // Sample k - 1: block k - 1 (words 0:1 E, 2:3 I) with both rates; with the
            // excitatory rate alone, block (k - 1) / 2, words 0:1 for an even sample, 2:3 odd.
            let sample = k - 1;
            let external = if input.rate_i > 0.0 {
                let [a, b, x, y] = streams.block(i, sample as u32);
                let n_e = f64::from(tables[p][0].sample(word64(a, b)));
                let n_i = f64::from(tables[p][1].sample(word64(x, y)));
                input.weight_i.mul_add(n_i, input.weight_e * n_e)
            } else {
                let [a, b, x, y] = streams.block(i, (sample / 2) as u32);
                let word = if sample.is_multiple_of(2) { word64(a, b) } else { word64(x, y) };
                input.weight_e * f64::from(tables[p][0].sample(word))
            };
            let mut jump = 0.0;
            for (class, &w) in classes[p].iter().enumerate() {
                let count = &mut counts[(i * 2 + class) * slots + k % slots];
                jump = w.mul_add(f64::from(*count), jump);
                *count = 0;
            }
            let x = 1.0f64.mul_add(external, c.decay.mul_add(v[i], drives[p][k])) + jump;
            let th = pop.neuron.v_th.unwrap();
            if hold[i] > 0 {
                hold[i] -= 1;
                v[i] = pop.neuron.v_reset;
            } else if x >= th {
                v[i] = pop.neuron.v_reset;
                hold[i] = pop.neuron.refractory_steps(sim.dt()).saturating_sub(1);
                now.push(i);
            } else {
                v[i] = x;
            }
        }
        for &s in &now {
            spikes.push((k as u32, s as u32));
            for (j, p) in network.projections().iter().enumerate() {
                if population(s) != p.source {
                    continue;
                }
                for &t in &targets[j][s - pops[p.source].first] {
                    counts[(t * 2 + class_of[j]) * slots + (k + p.delay_steps as usize) % slots] += 1;
                }
            }
        }
    }
    (spikes, v)
}

#[test]
fn the_engine_matches_the_scalar_reference_network_bit_for_bit() {
    let sim = build(SMALL);
    let rec = lifsim::run(&sim).unwrap();
    let (spikes, v) = reference(&sim);
    assert!(spikes.len() > 2000, "the network fires: {} spikes", spikes.len());
    let got: Vec<(u32, u32)> = rec.spikes.step.iter().copied().zip(rec.spikes.neuron.iter().copied()).collect();
    assert_eq!(got.len(), spikes.len());
    assert_eq!(got, spikes);
    let last = &rec.histograms[0];
    assert_eq!(last.step, sim.steps() - 1);
    assert!(v.iter().zip(&last.values).all(|(a, b)| a.to_bits() == b.to_bits()), "final voltages differ");
    // Population activity adds up to the spikes of each population.
    let network = sim.network().unwrap();
    for (p, pop) in rec.populations.iter().zip(network.populations()) {
        let total: f64 = p.activity.iter().sum::<f64>() * pop.n as f64;
        let spikes = got.iter().filter(|(_, n)| pop.neurons().contains(&(*n as usize))).count();
        assert!((total - spikes as f64).abs() < 1e-6, "{}: {total} vs {spikes}", p.name);
    }
}

#[test]
fn network_results_do_not_depend_on_the_thread_count() {
    let sim = build(SMALL);
    let runs: Vec<Recording> = [1, 2, 7]
        .iter()
        .map(|&threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| lifsim::run(&sim)).unwrap()
        })
        .collect();
    for (threads, rec) in [2, 7].iter().zip(&runs[1..]) {
        assert_eq!(rec, &runs[0], "{threads} threads");
        let bits = |r: &Recording| r.v_mean.iter().chain(&r.v_var).map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(rec), bits(&runs[0]), "{threads} threads");
    }
}

/// Wrong networks are refused with the key named and what would be valid.
#[test]
fn wrong_networks_get_clear_errors() {
    let base =
        "[simulation]\ndt = \"0.1 ms\"\n[[population]]\nname = \"E\"\nn = 10\n[[population]]\nname = \"Z\"\nn = 0\n";
    for (connection, key, words) in [
        ("from = \"E\"\nto = \"X\"\nin_degree = 1\n", "connection.E->X.to", "one of the populations E, Z"),
        ("from = \"Z\"\nto = \"E\"\nin_degree = 3\n", "connection.Z->E.in_degree", "has no neurons"),
        (
            "from = \"E\"\nto = \"E\"\nin_degree = 1\ndelay = \"0.05 ms\"\n",
            "connection.E->E.delay",
            "whole number of steps",
        ),
        (
            "from = \"E\"\nto = \"E\"\nin_degree = 1\ndelay = \"1.25 ms\"\n",
            "connection.E->E.delay",
            "whole number of steps",
        ),
        ("from = \"E\"\nto = \"E\"\nprobability = 1.5\n", "connection.E->E.probability", "from 0 to 1"),
        ("from = \"E\"\nto = \"E\"\n", "connection.E->E.in_degree", "one rule"),
        ("from = \"E\"\nto = \"E\"\nin_degree = 1\nprobability = 0.1\n", "connection.E->E.in_degree", "one rule"),
    ] {
        let text = format!("{base}[[connection]]\n{connection}");
        let err = Config::from_toml_str(&text).unwrap().build().unwrap_err().to_string();
        assert!(err.contains(key) && err.contains(words), "{connection}: {err}");
    }
    // Zero synapses from an empty population is fine.
    Config::from_toml_str(&format!("{base}[[connection]]\nfrom = \"Z\"\nto = \"E\"\nin_degree = 0\n"))
        .unwrap()
        .build()
        .unwrap();
    // A population's own value is checked and named with the population.
    let err = Config::from_toml_str(&format!("{base}[[population]]\nname = \"I\"\nn = 5\nneuron.tau_m = \"-1 ms\"\n"))
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("population.I.neuron.tau_m"), "{err}");
    // Connections without populations.
    let mut config = Config::default();
    config.add_connection("E", "E", None).unwrap();
    assert!(config.build().unwrap_err().to_string().contains("population"));
    // A connection table larger than memory is refused up front.
    let huge = "[simulation]\ndt = \"0.1 ms\"\n[[population]]\nname = \"E\"\nn = 4000000\n\
                [[connection]]\nfrom = \"E\"\nto = \"E\"\nin_degree = 10000\n";
    let sim = Config::from_toml_str(huge).unwrap().build().unwrap();
    let err = sim.memory_estimate().check(16_000_000_000).unwrap_err();
    assert!(err.to_string().contains("synapses") && err.to_string().contains("connection"), "{err}");
    let _ = Value::Int(0);
}
