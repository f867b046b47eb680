//! The engine against a plain scalar stepper: same streams, same spikes, same voltages, bit for bit.
//!
//! The reference draws every noise sample with [`lifsim::rng::normal_sample`] (or
//! `symmetric_sample`), one neuron and one step at a time, and applies the documented rule:
//! `V_k = decay V_{k-1} + drive[k]`, then `V_k += noise_scale xi_{k-1}` (each one fused
//! multiply-add, one rounding), then the refractory
//! clamp (`n_ref - 1` further steps at `v_reset` after a spike step), the threshold test and
//! the reset.

use lifsim::Simulation;
use lifsim::Value;
use lifsim::model::integrate::{StepConstants, drive_per_step};
use lifsim::rng::{PoissonTable, Stream, block, normal_sample, symmetric_sample, word64};

mod support;
use support::workload::workload;

/// The documented Poisson jump of neuron `i` for `sample`: counts by the tables of `rate_e dt`
/// and `rate_i dt` (`tables`), `w_i n_i + w_e n_e`, from the 64-bit words 0:1 (excitatory)
/// and 2:3 (inhibitory) of its Philox block `sample`; without inhibitory input, from words 0:1
/// of block `sample / 2` for an even sample and 2:3 for an odd one.
fn poisson_jump(
    sim: &Simulation,
    p: &lifsim::model::PoissonInput,
    tables: &[PoissonTable; 2],
    i: u64,
    sample: u64,
) -> f64 {
    if p.rate_i == 0.0 {
        let [a, b, c, d] = block(sim.seed(), Stream::PoissonInput, i, (sample / 2) as u32);
        let word = if sample.is_multiple_of(2) { word64(a, b) } else { word64(c, d) };
        return p.weight_e * f64::from(tables[0].sample(word));
    }
    let [a, b, c, d] = block(sim.seed(), Stream::PoissonInput, i, sample as u32);
    let n_e = f64::from(tables[0].sample(word64(a, b)));
    let n_i = f64::from(tables[1].sample(word64(c, d)));
    p.weight_i.mul_add(n_i, p.weight_e * n_e)
}

/// Spikes as (step, neuron) in step-then-neuron order, and V of every neuron at `at_step`.
fn reference(sim: &Simulation, at_step: usize) -> (Vec<(u32, u32)>, Vec<f64>) {
    let c = StepConstants::new(sim);
    let drive = drive_per_step(sim, c.gain);
    let n_ref = sim.neuron().refractory_steps(sim.dt());
    let th = sim.neuron().v_th.unwrap_or(f64::INFINITY);
    let tables = match sim.input().noise {
        lifsim::Noise::Poisson(p) => [PoissonTable::new(p.rate_e * sim.dt()), PoissonTable::new(p.rate_i * sim.dt())],
        _ => [PoissonTable::new(0.0), PoissonTable::new(0.0)],
    };
    let mut spikes = Vec::new();
    let mut snapshot = Vec::new();
    for i in 0..sim.n() as u64 {
        let mut v = sim.neuron().v_init;
        let mut hold = 0;
        for (k, &drive) in drive.iter().enumerate().take(at_step + 1).skip(1) {
            let sample = (k - 1) as u64;
            let (factor, xi) = match sim.input().noise {
                lifsim::Noise::White { .. } => {
                    (c.noise_scale, normal_sample(sim.seed(), Stream::InputNoise, i, sample))
                }
                lifsim::Noise::Tutorial { .. } => {
                    (c.noise_scale, symmetric_sample(sim.seed(), Stream::InputNoise, i, sample))
                }
                lifsim::Noise::Poisson(p) => (1.0, poisson_jump(sim, &p, &tables, i, sample)),
                _ => (0.0, 0.0),
            };
            v = c.decay.mul_add(v, drive);
            v = factor.mul_add(xi, v);
            if hold > 0 {
                hold -= 1;
                v = sim.neuron().v_reset;
            } else if v >= th {
                spikes.push((k as u32, i as u32));
                v = sim.neuron().v_reset;
                hold = n_ref.saturating_sub(1);
            }
        }
        snapshot.push(v);
    }
    spikes.sort_unstable();
    (spikes, snapshot)
}

/// `--set`-style settings of a case.
type Settings = [(&'static str, Value)];

#[test]
fn engine_matches_the_scalar_reference_bit_for_bit() {
    // 600 neurons: two full chunks and a partial one.
    let poisson = [
        ("input.rate_e", Value::from("150 kHz")),
        ("input.weight_e", Value::from("0.1 mV")),
        ("input.rate_i", Value::from("20 kHz")),
        ("input.weight_i", Value::from("-0.4 mV")),
        ("input.i_mean", Value::from("0 pA")),
    ];
    // Excitatory input alone draws one 64-bit word per step, two steps per Philox block.
    let poisson_e = [&poisson[..2], &poisson[4..]].concat();
    let cases: [(&str, &str, &Settings); 6] = [
        ("euler", "white", &[]),
        ("exact", "white", &[]),
        ("euler", "tutorial", &[]),
        ("euler", "none", &[]),
        ("exact", "poisson", &poisson),
        ("exact", "poisson", &poisson_e),
    ];
    for (method, noise, extra) in cases {
        let sim = workload(600, "50 ms", method, noise, &["49.9 ms"], extra);
        let rec = lifsim::run(&sim).expect("runs");
        let at = rec.histograms[0].step;
        assert_eq!(at, sim.steps() - 1);
        let (spikes, snapshot) = reference(&sim, at);
        assert!(noise == "none" || spikes.len() > 100, "{method}/{noise}: too few spikes to compare");
        let got: Vec<(u32, u32)> = rec.spikes.step.iter().copied().zip(rec.spikes.neuron.iter().copied()).collect();
        assert_eq!(got, spikes, "{method}/{noise}: spikes");
        let same = snapshot.iter().zip(&rec.histograms[0].values).all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same, "{method}/{noise}: final voltages differ");
    }
}
