//! A network chunk's input: its population's external noise and the synaptic jumps that arrive through ring buffers of spike counts.
//!
//! Each chunk owns the ring buffer of its targets: for each delay slot and weight class, the
//! number of spikes arriving at each neuron. Delivery ([`deliver`], before every interval of
//! steps) only increments the counts of the chunks a thread owns, so groups of chunks deliver
//! in parallel without atomics or locks, and integer counts make the result independent of
//! the order of delivery. At step `k` a
//! neuron reads slot `k mod slots`: its jump is `sum_c w_c n_c` over the weight classes in a
//! fixed order, added after the step's noise (see `NoiseSource::JUMPS`); arrivals during the
//! refractory period are discarded with the rest of the step (as NEST's `iaf_psc_delta`).

use super::super::chunk::Chunk;
use super::super::noise::{BlockBuffer, Normals};
use super::super::noise::{Lanes, NoiseSource, NoiseTerm, OuNoise, PoissonNoise, ScaledNoise, Silent, Symmetric};
use super::super::simd::{Isa, prefetch};
use super::wiring::Synapses;
use crate::model::{Noise, StepConstants};

/// The external noise of a population (the same kinds as an ensemble's), chosen per chunk.
pub(crate) enum External {
    /// None.
    Silent(Silent),
    /// The tutorial's uniform current noise.
    Tutorial(ScaledNoise<Symmetric>),
    /// Gaussian white noise.
    White(ScaledNoise<Normals>),
    /// Ornstein-Uhlenbeck current noise.
    Ou(OuNoise),
    /// Poisson input spikes.
    Poisson(PoissonNoise),
}

impl External {
    /// The noise `noise` of neurons `first .. first + len` with `constants`.
    pub(crate) fn new(
        noise: &Noise,
        constants: &StepConstants,
        (seed, first, len): (u64, u64, usize),
        dt: f64,
        isa: Isa,
    ) -> Self {
        match noise {
            Noise::None => External::Silent(Silent),
            Noise::Tutorial { .. } => {
                External::Tutorial(ScaledNoise::new(constants.noise_scale, BlockBuffer::new(seed, first, len, isa)))
            }
            Noise::White { .. } => {
                External::White(ScaledNoise::new(constants.noise_scale, BlockBuffer::new(seed, first, len, isa)))
            }
            Noise::Ou { .. } => External::Ou(OuNoise::new(seed, first, len, constants, isa)),
            Noise::Poisson(input) => External::Poisson(PoissonNoise::new(seed, first, len, input, dt)),
        }
    }
}

/// A network chunk's input: external noise and the ring buffer of arriving spikes.
pub(crate) struct NetworkInput {
    external: External,
    /// The weight of each class (V), in class order.
    weights: Vec<f64>,
    /// Delay slots of the ring (more than the longest delay).
    slots: usize,
    /// Neurons in the chunk.
    lanes: usize,
    /// Spike counts, `ring[(slot * classes + class) * lanes + target]`.
    ring: Vec<u32>,
    /// The synaptic jump of each neuron at the current step (V).
    jumps: Vec<f64>,
}

impl NetworkInput {
    /// The input of a chunk of `lanes` neurons whose synapses' classes have `weights`, a
    /// ring of `slots` delay slots.
    pub(crate) fn new(external: External, weights: Vec<f64>, slots: usize, lanes: usize) -> Self {
        let ring = vec![0; slots * weights.len() * lanes];
        Self { external, weights, slots, lanes, ring, jumps: vec![0.0; lanes] }
    }

    /// Counts one spike of weight class `class` arriving in ring slot `slot` (its arrival step
    /// modulo the network's slots) at each of `targets` (chunk-local).
    #[inline(always)]
    fn arrive(&mut self, slot: usize, class: usize, targets: &[u16]) {
        let counts = &mut self.ring[(slot * self.weights.len() + class) * self.lanes..][..self.lanes];
        for &t in targets {
            counts[t as usize] += 1;
        }
    }

    /// Sets every count of the ring back to zero.
    pub(super) fn clear(&mut self) {
        self.ring.iter_mut().for_each(|count| *count = 0);
    }

    /// The jumps of the step `sample + 1` from its slot, which is cleared for reuse.
    #[inline(always)]
    fn take_jumps(&mut self, sample: u64) {
        let (classes, lanes) = (self.weights.len(), self.lanes);
        let slot = (sample as usize + 1) % self.slots;
        let counts = &mut self.ring[slot * classes * lanes..][..classes * lanes];
        self.jumps.iter_mut().for_each(|j| *j = 0.0);
        for (c, &weight) in self.weights.iter().enumerate() {
            for (jump, count) in self.jumps.iter_mut().zip(&mut counts[c * lanes..(c + 1) * lanes]) {
                *jump = weight.mul_add(f64::from(*count), *jump);
                *count = 0;
            }
        }
    }
}

impl NoiseSource for NetworkInput {
    const JUMPS: bool = true;

    fn add(&mut self, sample: u64, v: &mut [f64]) {
        self.take_jumps(sample);
        match &mut self.external {
            External::Silent(s) => s.add(sample, v),
            External::Tutorial(s) => s.add(sample, v),
            External::White(s) => s.add(sample, v),
            External::Ou(s) => s.add(sample, v),
            External::Poisson(s) => s.add(sample, v),
        }
        for (v, jump) in v.iter_mut().zip(&self.jumps) {
            *v += jump;
        }
    }

    #[inline(always)]
    fn each(
        &mut self,
        sample: u64,
        (v, release, fired): Lanes<'_>,
        mut update: impl FnMut(&mut f64, &mut f64, &mut f64, NoiseTerm),
    ) {
        self.take_jumps(sample);
        let jumps = &self.jumps;
        // One straight loop per kind (rather than a closure counting lanes) so that each
        // compiles to a single pass the optimiser can keep in registers.
        let lanes = v.iter_mut().zip(release.iter_mut()).zip(fired.iter_mut()).zip(jumps);
        match &mut self.external {
            External::Silent(_) => {
                for (((v, release), fired), &jump) in lanes {
                    update(v, release, fired, [0.0, 0.0, jump]);
                }
            }
            External::Poisson(source) => {
                for ((((v, release), fired), &jump), &external) in lanes.zip(source.jumps(sample)) {
                    update(v, release, fired, [1.0, external, jump]);
                }
            }
            External::White(source) => {
                let (scale, xi) = source.terms(sample);
                for ((((v, release), fired), &jump), &xi) in lanes.zip(xi) {
                    update(v, release, fired, [scale, f64::from(xi), jump]);
                }
            }
            External::Tutorial(source) => {
                let (scale, xi) = source.terms(sample);
                for ((((v, release), fired), &jump), &xi) in lanes.zip(xi) {
                    update(v, release, fired, [scale, xi, jump]);
                }
            }
            External::Ou(source) => {
                let mut j = 0;
                source.each(sample, (v, release, fired), |v, release, fired, [factor, value, _]| {
                    update(v, release, fired, [factor, value, jumps[j]]);
                    j += 1;
                });
            }
        }
    }
}

/// Spikes ahead whose row lines [`deliver`] prefetches: far enough to hide a memory access
/// behind one spike's increments (about 1000 at order 2500), near enough to stay in cache.
const ROW_PREFETCH_AHEAD: usize = 2;

/// Adds the spikes `(neurons[i], steps[i])` to the ring buffers of the chunks `group` (the
/// network's chunks from index `first`; `slots` delay slots), spike after spike: each spike's
/// row is read once, in order, chunk part after chunk part, while the row of the spike
/// [`ROW_PREFETCH_AHEAD`] places on is fetched into cache. Counts are integers, so any split
/// of the chunks into groups gives the same buffers.
pub(super) fn deliver(
    synapses: &[Synapses],
    (first, group): (usize, &mut [Chunk<NetworkInput>]),
    (neurons, steps): (&[u32], &[u32]),
    slots: usize,
) {
    let end = first + group.len();
    for projection in synapses {
        let lo = projection.chunk_first.max(first);
        let hi = (projection.chunk_first + projection.chunks).min(end);
        if lo >= hi {
            continue;
        }
        let (part_lo, part_hi) = (lo - projection.chunk_first, hi - projection.chunk_first);
        let chunks = &mut group[lo - first..hi - first];
        let (class, delay) = (projection.class, projection.delay as usize);
        for (i, (&neuron, &step)) in neurons.iter().zip(steps).enumerate() {
            if let Some((ends, targets)) = neurons.get(i + ROW_PREFETCH_AHEAD).and_then(|&n| projection.row(n as usize))
            {
                prefetch(&targets[part_start(ends, part_lo)..ends[part_hi - 1] as usize]);
            }
            let Some((ends, targets)) = projection.row(neuron as usize) else { continue };
            let slot = (step as usize + delay) % slots;
            let mut start = part_start(ends, part_lo);
            for (chunk, &part_end) in chunks.iter_mut().zip(&ends[part_lo..part_hi]) {
                chunk.noise.arrive(slot, class, &targets[start..part_end as usize]);
                start = part_end as usize;
            }
        }
    }
}

/// Where the part of a row for chunks from `part_lo` on starts: after the row's earlier parts
/// (`ends` as [`Synapses::row`] gives them).
#[inline(always)]
fn part_start(ends: &[u32], part_lo: usize) -> usize {
    if part_lo == 0 { 0 } else { ends[part_lo - 1] as usize }
}
