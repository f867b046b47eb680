//! The time loop of a network: chunks of each population advance one interval of steps in parallel, then their spikes are delivered to every chunk's ring buffer.
//!
//! A spike needs at least the shortest delay `D` (steps) to reach any target, so every chunk
//! can advance `D` steps on its own ([`Network::min_delay`], as NEST exchanges spikes every
//! min-delay interval). After an interval the chunks' logs are merged in chunk order into the
//! recording (as for an ensemble), and the interval's spikes are delivered: each chunk adds
//! the spikes that reach its own neurons to its own ring buffer ([`input::NetworkInput`]), in
//! parallel, without atomics or locks. Chunks never straddle two populations, so each has one
//! neuron model; the wiring is built first, in parallel, from keyed streams ([`wiring`]).
//! Every step of a neuron is the ensemble's step (`engine::chunk`) with the synaptic jump
//! added, so results are bit-identical for any thread count.

pub(crate) mod input;
pub(crate) mod wiring;

use super::chunk::{Chunk, ChunkLayout, ChunkLog, ChunkWindow, StepInputs};
use super::merge::{ChunkPlace, MergeScratch, merge_window};
use super::simd::Isa;
use super::{Progress, WINDOW, chunk_len, empty_recording, finish};
use crate::error::Error;
use crate::model::integrate::drive_of;
use crate::model::{Network, Simulation, StepConstants};
use crate::record::{PopulationActivity, Recording};
use input::{External, NetworkInput};
use rayon::prelude::*;
use std::ops::ControlFlow;

/// A chunk of a network: its population and its neurons.
struct Place {
    population: usize,
    first: usize,
    len: usize,
}

/// The chunks of every population, in neuron order: `chunk_len` of each population's size.
fn places(network: &Network) -> Vec<Place> {
    let mut places = Vec::new();
    for (population, p) in network.populations().iter().enumerate() {
        let len = chunk_len(p.n);
        places.extend((0..p.n).step_by(len.max(1)).map(|i| Place {
            population,
            first: p.first + i,
            len: len.min(p.n - i),
        }));
    }
    places
}

/// The weight classes of the projections into each population: distinct weights in
/// projection order, and each projection's class in its target population.
fn weight_classes(network: &Network) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut weights: Vec<Vec<f64>> = vec![Vec::new(); network.populations().len()];
    let mut class = Vec::with_capacity(network.projections().len());
    for p in network.projections() {
        let classes = &mut weights[p.target];
        let c = classes.iter().position(|w| w.to_bits() == p.weight.to_bits()).unwrap_or_else(|| {
            classes.push(p.weight);
            classes.len() - 1
        });
        class.push(c);
    }
    (weights, class)
}

/// Runs the network of `sim` in copy `isa`, calling `control` after every interval.
pub(super) fn run(
    sim: &Simulation,
    network: &Network,
    isa: Isa,
    mut control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Recording, Error> {
    let (dt, t_max, seed) = (sim.dt(), sim.t_max(), sim.seed());
    let constants: Vec<StepConstants> =
        network.populations().iter().map(|p| StepConstants::of(&p.neuron, &p.input, sim.method(), dt, t_max)).collect();
    let inputs: Vec<StepInputs> = network
        .populations()
        .iter()
        .zip(&constants)
        .map(|(p, c)| {
            StepInputs::of(sim.record(), isa, c, &p.neuron, drive_of(&p.neuron, &p.input.drive, sim.grid(), c.gain), dt)
        })
        .collect();
    let (weights, class) = weight_classes(network);
    let slots = network.max_delay() as usize + 1;
    let layout = ChunkLayout { pad: false, bridge: None };
    let places = places(network);
    // The wiring is the costly part of building: one task per chunk.
    let mut chunks: Vec<Chunk<NetworkInput>> = places
        .par_iter()
        .map(|place| {
            let population = &network.populations()[place.population];
            let incoming = network
                .projections()
                .iter()
                .enumerate()
                .filter(|(_, p)| p.target == place.population)
                .map(|(i, _)| wiring::wire(seed, network, i, place.first, place.len, class[i]))
                .collect();
            Chunk::new(sim, isa, (place.first, place.len, population.neuron.v_init), layout, |first, lanes| {
                let external =
                    External::new(&population.input.noise, &constants[place.population], (seed, first, lanes), dt, isa);
                NetworkInput::new(external, incoming, weights[place.population].clone(), slots, lanes)
            })
        })
        .collect();

    let mut rec = empty_recording(sim)?;
    let merge_places: Vec<ChunkPlace> =
        chunks.iter().map(|c| ChunkPlace { first: c.first, len: c.len, traced: c.traced }).collect();
    let mut scratch = MergeScratch::default();
    let mut logs: Vec<ChunkLog> = chunks.iter().map(|_| ChunkLog::default()).collect();
    let interval = (network.min_delay() as usize).min(WINDOW);
    let mut start = 0;
    while start < sim.steps() {
        let end = (start + interval).min(sim.steps());
        chunks.par_iter_mut().zip(&places).for_each(|(chunk, place)| {
            isa.run(&mut ChunkWindow { chunk, start, end, shared: &inputs[place.population] });
        });
        for (chunk, log) in chunks.iter_mut().zip(&mut logs) {
            std::mem::swap(&mut chunk.log, log);
        }
        let before = rec.spikes.len();
        merge_window(&mut rec, &merge_places, &logs, start, end, &mut scratch)
            .map_err(|_| Error::AllocationFailed { what: "the spikes", bytes: 8 * rec.spikes.len() as u64 })?;
        let (neurons, steps) = (&rec.spikes.neuron[before..], &rec.spikes.step[before..]);
        if !neurons.is_empty() {
            chunks.par_iter_mut().for_each(|chunk| chunk.noise.deliver(neurons, steps));
        }
        start = end;
        if control(Progress { steps_done: end, steps_total: sim.steps() }).is_break() {
            return Err(Error::Cancelled);
        }
    }
    finish(sim, &mut rec, &chunks)?;
    rec.populations = population_activity(network, &rec);
    if let Some(step) = rec.v_mean.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { step, time: sim.time(step) });
    }
    Ok(rec)
}

/// Each population's spikes per neuron at each step.
fn population_activity(network: &Network, rec: &Recording) -> Vec<PopulationActivity> {
    let steps = rec.grid.steps();
    let mut counts = vec![vec![0u32; steps]; network.populations().len()];
    for (&neuron, &step) in rec.spikes.neuron.iter().zip(&rec.spikes.step) {
        counts[network.population_of(neuron as usize)][step as usize] += 1;
    }
    network
        .populations()
        .iter()
        .zip(counts)
        .map(|(p, counts)| PopulationActivity {
            name: p.name.clone(),
            first: p.first,
            n: p.n,
            activity: counts.iter().map(|&c| if p.n > 0 { f64::from(c) / p.n as f64 } else { 0.0 }).collect(),
        })
        .collect()
}
