//! A network chunk's input: its population's external noise and the synaptic jumps that arrive through ring buffers of spike counts.
//!
//! Each chunk owns the ring buffer of its targets: for each delay slot and weight class, the
//! number of spikes arriving at each neuron. Delivery (after every interval of steps) only
//! increments the chunk's own counts, so chunks deliver in parallel without atomics or locks,
//! and integer counts make the result independent of the order of delivery. At step `k` a
//! neuron reads slot `k mod slots`: its jump is `sum_c w_c n_c` over the weight classes in a
//! fixed order, added after the step's noise (see `NoiseSource::JUMPS`); arrivals during the
//! refractory period are discarded with the rest of the step (as NEST's `iaf_psc_delta`).

use super::super::noise::{BlockBuffer, Normals};
use super::super::noise::{Lanes, NoiseSource, NoiseTerm, OuNoise, PoissonNoise, ScaledNoise, Silent, Symmetric};
use super::super::simd::Isa;
use super::wiring::Incoming;
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

/// A network chunk's input: external noise, incoming synapses, and the ring buffer.
pub(crate) struct NetworkInput {
    external: External,
    /// The synapses onto this chunk, one entry per projection into its population.
    incoming: Vec<Incoming>,
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
    /// The input of a chunk of `lanes` neurons with `incoming` synapses whose classes have
    /// `weights`, a ring of `slots` delay slots.
    pub(crate) fn new(
        external: External,
        incoming: Vec<Incoming>,
        weights: Vec<f64>,
        slots: usize,
        lanes: usize,
    ) -> Self {
        let ring = vec![0; slots * weights.len() * lanes];
        Self { external, incoming, weights, slots, lanes, ring, jumps: vec![0.0; lanes] }
    }

    /// Adds the spikes `(neurons[i], steps[i])` to the counts of the steps they arrive at.
    pub(crate) fn deliver(&mut self, neurons: &[u32], steps: &[u32]) {
        let (classes, lanes, slots) = (self.weights.len(), self.lanes, self.slots);
        for incoming in &self.incoming {
            for (&neuron, &step) in neurons.iter().zip(steps) {
                let targets = incoming.targets_of(neuron as usize);
                if targets.is_empty() {
                    continue;
                }
                let slot = (step as usize + incoming.delay as usize) % slots;
                let counts = &mut self.ring[(slot * classes + incoming.class) * lanes..][..lanes];
                for &t in targets {
                    counts[t as usize] += 1;
                }
            }
        }
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
