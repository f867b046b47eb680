//! One chunk of neurons: its state, its step (three forms, the same bits) and its log of a window.
//!
//! A chunk holds V, the refractory release step and the spike flags of up to
//! [`super::CHUNK_MAX`] neurons as structure-of-arrays, its noise source and, for the
//! Brownian bridge, its crossing state. [`ChunkWindow`] runs it through one window of steps and
//! leaves what it recorded in its [`ChunkLog`], which the merge reads in chunk order.

use super::noise::{BlockBuffer, KernelNoise, NoiseSource, NoiseTerm, OpenUniform};
use super::precise::{MAX_SEGMENTS, NEVER, PreciseInputs, Segment};
use super::simd::{self, Isa, Kernel};
use crate::model::integrate::drive_per_step;
use crate::model::{Crossing, LifParams, Noise, RecordSpec, Simulation, StepConstants};
use crate::record::GroupMoments;
use crate::rng::{self, Stream};

/// Sub-step crossing detection by the Brownian-bridge probability (see [`Crossing::Bridge`]).
struct Bridge {
    /// V before the current update.
    previous: Vec<f64>,
    /// `2 / s^2`, `s^2` the per-step noise variance of V (1/V^2).
    two_over_variance: f64,
    blocks: BlockBuffer<OpenUniform>,
}

/// Precise spike timing's per-chunk state (see [`Crossing::Precise`]): the bridge's uniforms.
/// (`Chunk::release` then holds each neuron's release *time*, in seconds.)
struct PreciseState {
    blocks: BlockBuffer<OpenUniform>,
    /// Each neuron's grid-step end `y` and its step's normal, kept by the first pass of
    /// [`Chunk::advance_precise`] for the second.
    ends: Vec<f64>,
    normals: Vec<f64>,
}

/// What every chunk's step reads, computed once before the loop.
pub(super) struct StepInputs<'a> {
    record: &'a RecordSpec,
    isa: Isa,
    decay: f64,
    /// `gain (e_l + r_m I(t_{k-1}))` for each step k (V).
    drive: Vec<f64>,
    v_reset: f64,
    /// Threshold (V); +inf for a free membrane, so the same branch-free test serves both.
    v_th: f64,
    /// Steps a neuron stays clamped after its spike step: `n_ref - 1` (0 when n_ref <= 1).
    hold_steps: f64,
    /// For `Crossing::Precise`: what the precise step needs besides.
    precise: Option<PreciseInputs>,
    /// The time grid, for the step times `t_k = k dt` (s) of the precise step (a network's
    /// inputs, which never take that step, carry an empty grid of the same dt).
    grid: crate::grid::TimeGrid,
}

/// The state and log of one chunk of neurons.
pub(super) struct Chunk<N> {
    pub(super) first: usize,
    /// Neurons in the chunk. With the AVX-512 step, `v`, `release`, `fired_bits` and the noise
    /// are padded to a multiple of [`simd::FAST_LANES`] lanes: the padding lanes are stepped
    /// like neurons (with the streams of the indices that follow) but never recorded.
    pub(super) len: usize,
    v: Vec<f64>,
    /// The first step at which each neuron is free again: it is clamped at `v_reset` at step
    /// k while `release > k` (a spike at step s sets `release = s + 1 + hold_steps`). A double
    /// holding a small integer, so that the step works in one lane width and needs no
    /// countdown store.
    release: Vec<f64>,
    /// `release` as 32-bit integers, for the AVX-512 step (and then `release` is empty): a
    /// half-width load, compare and masked store per 8 neurons (measured with
    /// `simd::tests::kernel_speed`, bench/RESULTS.md).
    release_steps: Vec<u32>,
    /// 1.0 where the neuron spiked at the current step (0.0 elsewhere, and everywhere between
    /// steps); before the threshold pass, with `Crossing::Bridge`, 1.0 where the bridge
    /// crossed. Doubles, so that the threshold pass works in one lane width. (Generic step.)
    fired: Vec<f64>,
    /// One bit per neuron that spiked at the current step (AVX-512 step).
    fired_bits: Vec<u8>,
    pub(super) spike_count: Vec<u32>,
    /// How many of this chunk's neurons are traced.
    pub(super) traced: usize,
    pub(super) noise: N,
    /// Sub-step crossing state, for `Crossing::Bridge` only.
    bridge: Option<Bridge>,
    /// Precise timing state, for `Crossing::Precise` only.
    precise: Option<PreciseState>,
    pub(super) log: ChunkLog,
    /// V at each histogram step, one vector per histogram.
    pub(super) snapshots: Vec<Vec<f64>>,
}

impl<'a> StepInputs<'a> {
    /// The step's inputs for `sim` with `constants`, run in copy `isa`.
    pub(super) fn new(sim: &'a Simulation, isa: Isa, constants: &StepConstants) -> Self {
        let mut inputs =
            Self::of(sim.record(), isa, constants, sim.neuron(), drive_per_step(sim, constants.gain), sim.dt());
        inputs.grid = sim.grid();
        if sim.crossing() == Crossing::Precise {
            let (p, grid) = (sim.neuron(), sim.grid());
            let drive = &sim.input().drive;
            let mu = std::iter::once(0.0)
                .chain((1..grid.steps()).map(|k| p.e_l + p.r_m * drive.current(grid.time(k - 1))))
                .collect();
            let sigma_v = match sim.input().noise {
                Noise::White { sigma_v } => sigma_v,
                _ => 0.0,
            };
            inputs.precise = Some(PreciseInputs::new(mu, p.tau_m, sigma_v, p.t_ref, sim.dt(), sim.seed()));
        }
        inputs
    }

    /// The step's inputs of `neuron` (with its per-step `drive`) at step `dt`.
    pub(super) fn of(
        record: &'a RecordSpec,
        isa: Isa,
        constants: &StepConstants,
        neuron: &LifParams,
        drive: Vec<f64>,
        dt: f64,
    ) -> Self {
        let n_ref = neuron.refractory_steps(dt);
        Self {
            record,
            isa,
            decay: constants.decay,
            drive,
            v_reset: neuron.v_reset,
            v_th: neuron.v_th.unwrap_or(f64::INFINITY),
            hold_steps: n_ref.saturating_sub(1) as f64,
            precise: None,
            grid: crate::grid::TimeGrid::new(dt, 0),
        }
    }
}

/// How [`Chunk::new`] lays out a chunk's lanes.
#[derive(Debug, Clone, Copy)]
pub(super) struct ChunkLayout {
    /// Pad to [`simd::FAST_LANES`] lanes with `u32` release steps, for the AVX-512 step.
    pub pad: bool,
    /// Keep Brownian-bridge crossing state, with this `2 / s^2` (1/V^2).
    pub bridge: Option<f64>,
    /// Keep precise-timing state (release times in seconds, the bridge's uniforms).
    pub precise: bool,
}

impl ChunkLayout {
    /// The layout of `sim`'s chunks for noise sources of kind `N` in copy `isa`.
    pub(super) fn new<N: NoiseSource>(sim: &Simulation, isa: Isa, constants: &StepConstants) -> Self {
        let n_ref = sim.neuron().refractory_steps(sim.dt());
        // The AVX-512 step counts steps in u32 (`Chunk::release_steps`).
        let steps_fit_u32 = u32::try_from(sim.steps().saturating_add(n_ref).saturating_add(2)).is_ok();
        let bridge = sim.crossing() == Crossing::Bridge;
        let precise = sim.crossing() == Crossing::Precise;
        Self {
            pad: isa == Isa::Avx512 && N::PLAIN && !bridge && !precise && steps_fit_u32,
            bridge: bridge.then(|| 2.0 / (constants.noise_scale * constants.noise_scale)),
            precise,
        }
    }
}

impl<N: NoiseSource> Chunk<N> {
    /// The chunk of `len` neurons from `first` of `sim` at `v_init`, its noise from
    /// `make_noise(first, lanes)`.
    pub(super) fn new(
        sim: &Simulation,
        isa: Isa,
        (first, len, v_init): (usize, usize, f64),
        layout: ChunkLayout,
        make_noise: impl FnOnce(u64, usize) -> N,
    ) -> Self {
        let spec = sim.record();
        let lanes = if layout.pad { len.next_multiple_of(simd::FAST_LANES) } else { len };
        Chunk {
            first,
            len,
            v: vec![v_init; lanes],
            release: if layout.pad { Vec::new() } else { vec![0.0; lanes] },
            release_steps: if layout.pad { vec![0; lanes] } else { Vec::new() },
            // Sized on first use: the AVX-512 step keeps spike bits instead.
            fired: Vec::new(),
            fired_bits: vec![0; lanes.div_ceil(8)],
            spike_count: vec![0; len],
            traced: spec.traces.saturating_sub(first).min(len),
            noise: make_noise(first as u64, lanes),
            bridge: layout.bridge.map(|two_over_variance| Bridge {
                previous: vec![0.0; len],
                two_over_variance,
                blocks: BlockBuffer::new(sim.seed(), first as u64, len, isa),
            }),
            precise: layout.precise.then(|| PreciseState {
                blocks: BlockBuffer::new(sim.seed(), first as u64, len, isa),
                ends: Vec::new(),
                normals: Vec::new(),
            }),
            log: ChunkLog::default(),
            snapshots: vec![Vec::new(); spec.hist_steps.len()],
        }
    }
}

/// One window of steps of one chunk: the unit of parallel work, compiled per [`Isa`].
pub(super) struct ChunkWindow<'a, N> {
    pub(super) chunk: &'a mut Chunk<N>,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) shared: &'a StepInputs<'a>,
}

impl<N: NoiseSource> Kernel for ChunkWindow<'_, N> {
    #[inline(always)]
    fn run(&mut self) {
        let (chunk, shared) = (&mut *self.chunk, self.shared);
        chunk.log.clear();
        for k in self.start..self.end {
            if k == 0 {
                chunk.log.push_step(GroupMoments::of(&chunk.v[..chunk.len]), 0);
            } else {
                chunk.advance(k, shared);
            }
            chunk.record(k, shared);
        }
        // Counted once per window from the log, off the step's hot path.
        for &neuron in &chunk.log.spikes {
            chunk.spike_count[neuron as usize - chunk.first] += 1;
        }
    }
}

impl<N: NoiseSource> Chunk<N> {
    /// One update to step `k`: affine step, noise, refractory clamp, threshold and reset; logs
    /// the step's spikes and the moments of the new V.
    ///
    /// Three forms compute the same operations in the same order per neuron: the AVX-512
    /// kernel ([`simd::advance`]) for no noise and white noise on grid crossings; otherwise one
    /// fused generic pass ([`NoiseSource::each`]); with the Brownian bridge, separate passes
    /// (it needs V before and after the noise).
    #[inline(always)]
    fn advance(&mut self, k: usize, shared: &StepInputs) {
        if self.precise.is_some() {
            self.advance_precise(k, shared);
        } else if self.bridge.is_some() {
            self.advance_bridge(k, shared);
        } else if !self.advance_kernel(k, shared) {
            self.advance_fused(k, shared);
        }
    }

    /// The AVX-512 step, where the noise source and the chunk's padding allow it; false
    /// (nothing done) otherwise.
    #[inline(always)]
    fn advance_kernel(&mut self, k: usize, shared: &StepInputs) -> bool {
        if !(N::PLAIN && shared.isa == Isa::Avx512 && self.v.len().is_multiple_of(simd::FAST_LANES)) {
            return false;
        }
        let noise = match self.noise.kernel_noise((k - 1) as u64) {
            Some(KernelNoise::Silent) => None,
            Some(KernelNoise::Normals { scale, xi }) => Some((scale, xi)),
            None => return false,
        };
        // `Chunk::new` pads (and fills `release_steps`) only when these fit in u32.
        let (now, release_at) = (k as u32, (k + 1 + shared.hold_steps as usize) as u32);
        let (decay, drive, v_th, v_reset) = (shared.decay, shared.drive[k], shared.v_th, shared.v_reset);
        let step = simd::StepLanes { decay, drive, noise, v_th, v_reset, now, release_at, neurons: self.len };
        match simd::advance(shared.isa, &step, &mut self.v, &mut self.release_steps, &mut self.fired_bits) {
            Some(moments) => {
                let spikes_now = self.log_fired_bits();
                self.log.push_step(moments, spikes_now);
                true
            }
            None => false,
        }
    }

    /// The generic step in one fused pass per neuron ([`NoiseSource::each`]).
    #[inline(always)]
    fn advance_fused(&mut self, k: usize, shared: &StepInputs) {
        let (decay, drive, v_th, v_reset) = (shared.decay, shared.drive[k], shared.v_th, shared.v_reset);
        let now = k as f64;
        let release_at = now + 1.0 + shared.hold_steps;
        if self.release.len() != self.v.len() {
            // Not reached in practice (a chunk that takes the AVX-512 step takes it every
            // step), but the state would carry over exactly.
            self.release = self.release_steps.drain(..).map(f64::from).collect();
        }
        // `fired` is 0.0 here for every lane (the spike scan clears it), so it is only written.
        let update = |v: &mut f64, release: &mut f64, fired: &mut f64, [factor, value, jump]: NoiseTerm| {
            let affine = decay.mul_add(*v, drive);
            let x = if N::SILENT { affine } else { factor.mul_add(value, affine) };
            let x = if N::JUMPS { x + jump } else { x };
            let held = *release > now;
            let crossed = !held & (x >= v_th);
            *v = if held | crossed { v_reset } else { x };
            *release = keep_or_set(*release, crossed, release_at);
            *fired = if crossed { 1.0 } else { 0.0 };
        };
        self.fired.resize(self.len, 0.0);
        self.noise.each((k - 1) as u64, (&mut self.v, &mut self.release, &mut self.fired), update);
        let spikes_now = self.log_spikes();
        self.log.push_step(GroupMoments::of(&self.v[..self.len]), spikes_now);
    }

    /// The step with Brownian-bridge crossings, in separate passes (the bridge needs V before
    /// and after the noise).
    #[inline(always)]
    fn advance_bridge(&mut self, k: usize, shared: &StepInputs) {
        let (decay, drive, v_th, v_reset) = (shared.decay, shared.drive[k], shared.v_th, shared.v_reset);
        let (now, sample) = (k as f64, (k - 1) as u64);
        let release_at = now + 1.0 + shared.hold_steps;
        self.fired.resize(self.len, 0.0);
        if let Some(bridge) = &mut self.bridge {
            bridge.previous.copy_from_slice(&self.v);
        }
        for v in &mut self.v {
            *v = decay.mul_add(*v, drive);
        }
        // The noise is drawn (keyed by step) whether or not the neuron is clamped, so the
        // streams never depend on the dynamics.
        self.noise.add(sample, &mut self.v);
        if let Some(Bridge { previous, two_over_variance, blocks }) = &mut self.bridge {
            let uniforms = blocks.lane(sample, Stream::Crossing);
            for (((fired, &v), &previous), &u) in self.fired.iter_mut().zip(&self.v).zip(&*previous).zip(uniforms) {
                *fired = if u < (-*two_over_variance * (v_th - previous) * (v_th - v)).exp() { 1.0 } else { 0.0 };
            }
        }
        // Branch-free: the same selects for every lane, so the loop vectorizes.
        for ((v, release), fired) in self.v.iter_mut().zip(&mut self.release).zip(&mut self.fired) {
            let held = *release > now;
            let crossed = !held & ((*v >= v_th) | (*fired != 0.0));
            *v = if held | crossed { v_reset } else { *v };
            *release = keep_or_set(*release, crossed, release_at);
            *fired = if crossed { 1.0 } else { 0.0 };
        }
        let spikes_now = self.log_spikes();
        self.log.push_step(GroupMoments::of(&self.v[..self.len]), spikes_now);
    }

    /// The step with precise spike times ([`Crossing::Precise`], `super::precise`): a scalar
    /// pass over the chunk's neurons, each cut into segments at its spikes and the ends of
    /// its refractory periods. `release` holds each neuron's release time (s): it is free
    /// from `release` on. The step's normals and the bridge's uniforms come from the same
    /// streams as the other steps; every further draw from [`rng::spike_time_block`].
    /// Inlined into each compiled copy (`simd`), so that its fused multiply-adds are
    /// instructions where the CPU has them.
    #[inline(always)]
    fn advance_precise(&mut self, k: usize, shared: &StepInputs) {
        let (Some(p), Some(state)) = (&shared.precise, &mut self.precise) else {
            return;
        };
        let (decay, drive, v_th, v_reset) = (shared.decay, shared.drive[k], shared.v_th, shared.v_reset);
        let sample = (k - 1) as u64;
        let (t0, t1, mu) = (shared.grid.time(k - 1), shared.grid.time(k), p.mu[k]);
        let (noisy, whole) = (p.sigma_v > 0.0, p.whole_step_factor);
        let PreciseState { blocks, ends, normals } = state;
        ends.resize(self.len, 0.0);
        normals.resize(self.len, 0.0);
        self.fired.resize(self.len, 0.0);
        // Pass 1, without branches: every neuron's grid step; those free for the whole step
        // and far from the threshold (no crossing possible: `y < v_th` and an exponent
        // beyond `NEVER`) and those refractory to its end are done; the others are flagged
        // in `fired`, with their step's end and normal kept for pass 2.
        let mut j = 0;
        self.noise.each(
            sample,
            (&mut self.v, &mut self.release, &mut self.fired),
            |v, release, fired, [factor, xi, _]| {
                let affine = decay.mul_add(*v, drive);
                let y = if N::SILENT { affine } else { factor.mul_add(xi, affine) };
                let near = (y >= v_th) | (noisy & ((v_th - *v) * (v_th - y) * whole < NEVER));
                let held = *release >= t1;
                let done = held | ((*release <= t0) & !near);
                ends[j] = y;
                normals[j] = xi;
                *v = if held {
                    v_reset
                } else if done {
                    y
                } else {
                    *v
                };
                *fired = if done { 0.0 } else { 1.0 };
                j += 1;
            },
        );
        // Pass 2: the flagged neurons, one by one, segment by segment.
        let uniforms = blocks.lane(sample, Stream::Crossing);
        let log = &mut self.log;
        let spikes_before = log.spikes.len();
        for (j, fired) in self.fired.iter_mut().enumerate() {
            if *fired == 0.0 {
                continue;
            }
            *fired = 0.0;
            let (v, release) = (&mut self.v[j], &mut self.release[j]);
            let neuron = (self.first + j) as u64;
            let mut segment = 0;
            let mut start = if *release > t0 { *release } else { t0 };
            let mut x = if *release > t0 { v_reset } else { *v };
            loop {
                if start >= t1 || segment == MAX_SEGMENTS {
                    // Refractory to the end of the step (or out of segments).
                    *v = v_reset;
                    break;
                }
                // The segment's end: the grid step itself when the neuron is free for the whole
                // step; the exact transition over the rest of the step otherwise.
                let (y, h, u) = if segment == 0 && start == t0 {
                    (ends[j], p.dt, uniforms[j])
                } else if segment == 0 {
                    (p.transition(x, t1 - start, mu, normals[j]), t1 - start, uniforms[j])
                } else {
                    let words = rng::spike_time_block(p.seed, neuron, sample as u32, 2 * segment);
                    let [normal, _] = rng::normal_pair(words[0], words[1]);
                    let noise = if N::SILENT { 0.0 } else { f64::from(normal) };
                    (p.transition(x, t1 - start, mu, noise), t1 - start, rng::uniform_open(words[2]))
                };
                let seg = Segment { x, y, h };
                if !p.crossed(&seg, v_th, u) {
                    *v = y;
                    break;
                }
                let words = rng::spike_time_block(p.seed, neuron, sample as u32, 2 * segment + 1);
                let spike = (start + p.passage_time(&seg, v_th, mu, words)).min(t1);
                log.spikes.push(neuron as u32);
                log.times.push(spike);
                *release = spike + p.t_ref;
                (start, x) = (*release, v_reset);
                segment += 1;
            }
        }
        let spikes_now = (log.spikes.len() - spikes_before) as u32;
        self.log.push_step(GroupMoments::of(&self.v[..self.len]), spikes_now);
    }

    /// Appends the spikes flagged in `fired` to the log and clears their flags, skipping quiet
    /// groups of 8 lanes; returns their number.
    ///
    /// The quiet test is on whole `[f64; 8]` groups (an OR of their bits: a few vector
    /// instructions); the rare groups with a spike, and the chunk's tail, go to [`log_group`].
    #[inline(always)]
    fn log_spikes(&mut self) -> u32 {
        let tail = self.fired.len() / 8 * 8;
        let mut groups = self.fired.chunks_exact_mut(8);
        let mut spikes = 0;
        for (g, group) in groups.by_ref().enumerate() {
            if group.iter().fold(0, |any, f| any | f.to_bits()) != 0 {
                spikes += log_group(group, self.first + 8 * g, &mut self.log.spikes);
            }
        }
        spikes + log_group(groups.into_remainder(), self.first + tail, &mut self.log.spikes)
    }

    /// [`Chunk::log_spikes`] for the AVX-512 step's spike bits, read 64 lanes at a time (bits
    /// of padding lanes, from `len` on, are dropped).
    ///
    /// About one word in four has a spike, at random, so a test per word (and a loop over its
    /// bits) mispredicts often: the first spike of every word is written without a branch,
    /// into room made for one per word (a word without spike writes a value that the next
    /// write or the final length discards), and only the rare words with a second spike take
    /// a branch.
    #[inline(always)]
    fn log_fired_bits(&mut self) -> u32 {
        let words = self.fired_bits.len().div_ceil(8);
        let spikes = &mut self.log.spikes;
        let start = spikes.len();
        spikes.resize(start + words + 1, 0);
        let mut next = start;
        for (word_index, word) in self.fired_bits.chunks(8).enumerate() {
            let mut bits = match <[u8; 8]>::try_from(word) {
                Ok(whole) => u64::from_le_bytes(whole),
                Err(_) => word.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
            };
            let neurons = self.len.saturating_sub(64 * word_index);
            if neurons < 64 {
                bits &= (1u64 << neurons) - 1;
            }
            let lane0 = self.first + 64 * word_index;
            spikes[next] = (lane0 + bits.trailing_zeros() as usize) as u32;
            next += usize::from(bits != 0);
            bits &= bits.wrapping_sub(1);
            if bits != 0 {
                spikes.truncate(next);
                while bits != 0 {
                    spikes.push((lane0 + bits.trailing_zeros() as usize) as u32);
                    bits &= bits - 1;
                }
                next = spikes.len();
                spikes.resize(next + words - word_index, 0);
            }
        }
        spikes.truncate(next);
        (next - start) as u32
    }

    #[inline(always)]
    fn record(&mut self, k: usize, shared: &StepInputs) {
        let spec = shared.record;
        if self.traced > 0 && k.is_multiple_of(spec.every) {
            self.log.traces.extend_from_slice(&self.v[..self.traced]);
        }
        for (h, &step) in spec.hist_steps.iter().enumerate() {
            if step == k {
                self.snapshots[h].clear();
                self.snapshots[h].extend_from_slice(&self.v[..self.len]);
            }
        }
    }
}

/// Logs the spikes flagged in `fired` (neurons `first + i`) and clears their flags; returns
/// their number. Out of line: most groups never get here.
#[inline(never)]
fn log_group(fired: &mut [f64], first: usize, log: &mut Vec<u32>) -> u32 {
    let mut spikes = 0;
    for (i, fired) in fired.iter_mut().enumerate() {
        if *fired != 0.0 {
            *fired = 0.0;
            log.push((first + i) as u32);
            spikes += 1;
        }
    }
    spikes
}

/// What one chunk of neurons recorded during one window of steps: 20 bytes per step plus 4
/// per spike (12 with precise times), so that long windows fit the memory budget at large n.
#[derive(Debug, Default)]
pub(super) struct ChunkLog {
    /// Mean and m2 of the chunk's V at each step of the window (the count is the chunk's
    /// number of neurons).
    pub moments: Vec<[f64; 2]>,
    /// Spikes of the chunk at each step of the window (at most `engine::CHUNK_MAX` = 1024 on
    /// the grid; more with precise timing, where a neuron may spike twice in a step).
    pub spikes_per_step: Vec<u32>,
    /// Neuron of each spike in the window, by step (see `spikes_per_step`), then neuron.
    pub spikes: Vec<u32>,
    /// Time of each spike (s) with precise timing, beside `spikes`; empty otherwise.
    pub times: Vec<f64>,
    /// Traced V, sample-major: for each trace sample in the window, the chunk's traced neurons.
    pub traces: Vec<f64>,
}

impl ChunkLog {
    /// Empties the log for the next window.
    pub fn clear(&mut self) {
        self.moments.clear();
        self.spikes_per_step.clear();
        self.spikes.clear();
        self.times.clear();
        self.traces.clear();
    }

    /// Logs one step: the moments of the chunk's V and its number of spikes.
    #[inline(always)]
    pub fn push_step(&mut self, moments: GroupMoments, spikes: u32) {
        self.moments.push([moments.mean, moments.m2]);
        self.spikes_per_step.push(spikes);
    }

    /// The moments logged for step `i` of the window, for a chunk of `count` neurons.
    #[inline(always)]
    pub fn moments(&self, i: usize, count: f64) -> GroupMoments {
        let [mean, m2] = self.moments[i];
        GroupMoments { count, mean, m2 }
    }
}

/// The release step after a step: `release_at` if the neuron `crossed`, else `release`
/// unchanged. Written as a maximum (exact: a neuron that crosses is free, so its `release` is
/// at most the current step, below `release_at`; and `release` is never negative) so that
/// the compiler stores every lane instead of only the crossed ones: a masked store
/// (`vmaskmovpd`) is microcoded on AMD Zen and cost 4 % of a Brunel network's run there.
#[inline(always)]
fn keep_or_set(release: f64, crossed: bool, release_at: f64) -> f64 {
    release.max(if crossed { release_at } else { 0.0 })
}
