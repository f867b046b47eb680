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
use super::{Progress, Spikeway, WINDOW, chunk_len, empty_recording, finish};
use crate::error::Error;
use crate::model::integrate::drive_of;
use crate::model::{Network, Simulation, StepConstants};
use crate::record::{PopulationActivity, Recording};
use input::{External, NetworkInput};
use rayon::prelude::*;
use std::ops::ControlFlow;
use wiring::Synapses;

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

/// The synapses of every projection, built one projection at a time (each in parallel over
/// its target chunks), so that only one projection's drawing buffers live at once.
fn wire(seed: u64, network: &Network, places: &[Place], class: &[usize]) -> Result<Vec<Synapses>, Error> {
    network
        .projections()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let chunk_first = places.iter().position(|place| place.population == p.target).unwrap_or(places.len());
            let chunks: Vec<(usize, usize)> = places
                .iter()
                .filter(|place| place.population == p.target)
                .map(|place| (place.first, place.len))
                .collect();
            wiring::wire(seed, network, i, class[i], (chunk_first, &chunks))
        })
        .collect()
}

/// The chunks each task owns, as contiguous ranges of chunk indices with about equal numbers
/// of neurons (so about equal steps and, in a network of equal in-degrees, equal
/// deliveries): one range per thread, or one per chunk when there are fewer chunks.
fn groups(places: &[Place], threads: usize) -> Vec<std::ops::Range<usize>> {
    let total: usize = places.iter().map(|p| p.len).sum();
    let count = threads.clamp(1, places.len().max(1));
    let mut groups = Vec::with_capacity(count);
    let (mut first, mut neurons) = (0, 0);
    for (i, place) in places.iter().enumerate() {
        neurons += place.len;
        let remaining_chunks = places.len() - i - 1;
        let remaining_groups = count - groups.len() - 1;
        if remaining_groups == 0 {
            continue;
        }
        if neurons * count >= total * (groups.len() + 1) || remaining_chunks == remaining_groups {
            groups.push(first..i + 1);
            first = i + 1;
        }
    }
    groups.push(first..places.len());
    groups
}

/// `chunks` cut into `groups`, each with the index of its first chunk.
fn split_groups<'a, T>(mut chunks: &'a mut [T], groups: &[std::ops::Range<usize>]) -> Vec<(usize, &'a mut [T])> {
    let mut pieces = Vec::with_capacity(groups.len());
    for range in groups {
        let (piece, rest) = chunks.split_at_mut(range.len());
        pieces.push((range.start, piece));
        chunks = rest;
    }
    pieces
}

/// A network ready to run: its chunks in neuron order with their inputs, where they sit, the
/// synapses of every projection, the shared step inputs of each population, and the ring's
/// delay slots.
struct Built<'a> {
    places: Vec<Place>,
    synapses: Vec<Synapses>,
    chunks: Vec<Chunk<NetworkInput>>,
    inputs: Vec<StepInputs<'a>>,
    slots: usize,
}

/// Wires `network` (in parallel, from the keyed streams) and builds its chunks for copy `isa`.
fn build<'a>(sim: &'a Simulation, network: &Network, isa: Isa) -> Result<Built<'a>, Error> {
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
    let layout = ChunkLayout { pad: false, bridge: None, precise: false };
    let places = places(network);
    let synapses = wire(seed, network, &places, &class)?;
    let chunks: Vec<Chunk<NetworkInput>> = places
        .par_iter()
        .map(|place| {
            let population = &network.populations()[place.population];
            Chunk::new(sim, isa, (place.first, place.len, population.neuron.v_init), layout, |first, lanes| {
                let external =
                    External::new(&population.input.noise, &constants[place.population], (seed, first, lanes), dt, isa);
                NetworkInput::new(external, weights[place.population].clone(), slots, lanes)
            })
        })
        .collect();
    Ok(Built { places, synapses, chunks, inputs, slots })
}

/// Runs the network of `sim` in copy `isa`, calling `control` after every interval.
pub(super) fn run(
    sim: &Simulation,
    network: &Network,
    isa: Isa,
    mut sink: Spikeway<'_>,
    mut control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Recording, Error> {
    let Built { places, synapses, mut chunks, inputs, slots } = build(sim, network, isa)?;
    let mut rec = empty_recording(sim)?;
    let merge_places: Vec<ChunkPlace> =
        chunks.iter().map(|c| ChunkPlace { first: c.first, len: c.len, traced: c.traced }).collect();
    let mut scratch = MergeScratch::default();
    let mut logs: Vec<ChunkLog> = chunks.iter().map(|_| ChunkLog::default()).collect();
    let interval = (network.min_delay() as usize).min(WINDOW);
    let groups = groups(&places, rayon::current_num_threads());
    if control(Progress { steps_done: 0, steps_total: sim.steps() }).is_break() {
        return Err(Error::Cancelled);
    }
    let (mut start, mut delivered) = (0, 0);
    // Spikes per population at each step, tallied as they are merged (a file or counts run
    // does not keep them).
    let mut tally = vec![vec![0u32; sim.steps()]; network.populations().len()];
    while start < sim.steps() {
        let end = (start + interval).min(sim.steps());
        // Each task first delivers the spikes of the interval before (they arrive no earlier
        // than `start`) to its group of chunks, then advances them: one parallel pass per
        // interval.
        let spikes = (&rec.spikes.neuron[delivered..], &rec.spikes.step[delivered..]);
        split_groups(&mut chunks, &groups).into_par_iter().for_each(|(first, group)| {
            if !spikes.0.is_empty() {
                input::deliver(&synapses, (first, &mut *group), spikes, slots);
            }
            for (chunk, place) in group.iter_mut().zip(&places[first..]) {
                isa.run(&mut ChunkWindow { chunk, start, end, shared: &inputs[place.population] });
            }
        });
        for (chunk, log) in chunks.iter_mut().zip(&mut logs) {
            std::mem::swap(&mut chunk.log, log);
        }
        // Every spike merged so far has been delivered: a file or counts run lets them go.
        sink.pass(&mut rec.spikes)?;
        delivered = rec.spikes.len();
        merge_window(&mut rec, &merge_places, &logs, start, end, &mut scratch, false)
            .map_err(|_| Error::AllocationFailed { what: "the spikes", bytes: 8 * rec.spikes.len() as u64 })?;
        for (&neuron, &step) in rec.spikes.neuron[delivered..].iter().zip(&rec.spikes.step[delivered..]) {
            tally[network.population_of(neuron as usize)][step as usize] += 1;
        }
        start = end;
        if control(Progress { steps_done: end, steps_total: sim.steps() }).is_break() {
            return Err(Error::Cancelled);
        }
    }
    sink.pass(&mut rec.spikes)?;
    finish(sim, &mut rec, &chunks)?;
    rec.populations = population_activity(network, tally);
    if let Some(step) = rec.v_mean.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { step, time: sim.time(step) });
    }
    Ok(rec)
}

/// Spike delivery alone, for the criterion benchmark `benches/network.rs` (not part of the
/// API): a simulation's network wired and its ring buffers built, without the time loop.
///
/// ```
/// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/workloads/brunel_n.toml")).unwrap();
/// let mut config = lifsim::Config::from_toml_str(&text).unwrap();
/// config.set("population.E.n", &lifsim::Value::from(400)).unwrap();
/// config.set("population.I.n", &lifsim::Value::from(100)).unwrap();
/// for (key, c) in [("E->E", 40), ("E->I", 40), ("I->E", 10), ("I->I", 10)] {
///     config.set(&format!("connection.{key}.in_degree"), &lifsim::Value::from(c)).unwrap();
/// }
/// let sim = config.build().unwrap();
/// let mut bench = lifsim::engine::DeliveryBench::new(&sim).unwrap();
/// // Every neuron has 50 in-synapses, so the 500 neurons' spikes make 25 000 events.
/// let neurons: Vec<u32> = (0..500).collect();
/// assert_eq!(bench.events(&neurons), 25_000);
/// bench.deliver(&neurons, &vec![3; 500]);
/// bench.clear();
/// ```
#[doc(hidden)]
pub struct DeliveryBench<'a> {
    built: Built<'a>,
}

impl<'a> DeliveryBench<'a> {
    /// `sim`'s network wired for the best copy of the kernel.
    ///
    /// # Errors
    /// [`Error::AllocationFailed`] when the synapses do not fit in memory. A simulation
    /// without a network gives a bench without synapses.
    pub fn new(sim: &'a Simulation) -> Result<Self, Error> {
        let built = match sim.network() {
            Some(network) => build(sim, network, Isa::best())?,
            None => {
                Built { places: Vec::new(), synapses: Vec::new(), chunks: Vec::new(), inputs: Vec::new(), slots: 1 }
            }
        };
        Ok(Self { built })
    }

    /// Delivers the spikes `(neurons[i], steps[i])` (global neuron index, step) to every chunk's
    /// ring buffer, on the calling thread, as one task of the time loop does.
    pub fn deliver(&mut self, neurons: &[u32], steps: &[u32]) {
        let Built { synapses, chunks, slots, .. } = &mut self.built;
        input::deliver(synapses, (0, chunks), (neurons, steps), *slots);
    }

    /// The synaptic events that delivering spikes of `neurons` makes: their out-degrees summed.
    pub fn events(&self, neurons: &[u32]) -> u64 {
        let row_len = |p: &Synapses, n: u32| p.row(n as usize).map_or(0, |(_, targets)| targets.len() as u64);
        neurons.iter().map(|&n| self.built.synapses.iter().map(|p| row_len(p, n)).sum::<u64>()).sum()
    }

    /// Sets every ring buffer's counts back to zero.
    pub fn clear(&mut self) {
        self.built.chunks.iter_mut().for_each(|chunk| chunk.noise.clear());
    }
}

/// Each population's spikes per neuron at each step, from its spikes at each step (`counts`).
fn population_activity(network: &Network, counts: Vec<Vec<u32>>) -> Vec<PopulationActivity> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups cover every chunk once, in order, none empty, one per thread (at most one per
    /// chunk), with about equal neurons.
    #[test]
    fn groups_cut_the_chunks_into_contiguous_near_equal_ranges() {
        let place = |len| Place { population: 0, first: 0, len };
        let places: Vec<Place> = [640; 16].into_iter().chain([160; 16]).map(place).collect();
        for threads in [1, 2, 3, 7, 32, 100] {
            let groups = groups(&places, threads);
            assert_eq!(groups.len(), threads.min(places.len()));
            assert_eq!(groups.first().unwrap().start, 0);
            assert_eq!(groups.last().unwrap().end, places.len());
            assert!(groups.windows(2).all(|w| w[0].end == w[1].start));
            assert!(groups.iter().all(|g| !g.is_empty()));
        }
        let neurons = |g: &std::ops::Range<usize>| places[g.clone()].iter().map(|p| p.len).sum::<usize>();
        let halves = groups(&places, 2);
        assert_eq!((neurons(&halves[0]), neurons(&halves[1])), (6400, 6400));
        assert_eq!(groups(&[], 4), vec![0..0]);
    }
}
