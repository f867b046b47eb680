//! The one time loop: neurons in fixed-size chunks, run in parallel window by window.
//!
//! The ensemble is cut into chunks of [`chunk_len`] neurons, a size that never depends on the
//! thread count. Time advances in windows of [`window_steps`] steps: in each window every chunk runs
//! all its steps with its state in cache (chunks in parallel on the current rayon pool), and
//! the chunks' logs are merged in chunk order while the next window runs. Every random number
//! is keyed by (seed, neuron, sample) ([`crate::rng`]), so results are bit-identical for any
//! number of threads and a neuron's trajectory does not depend on the ensemble size. Between windows the caller sees
//! the progress and may cancel.
//!
//! The step itself is generic over the noise source (monomorphized, no dynamic dispatch):
//! `V_k = fma(factor_k, value_k, fma(decay, V_{k-1}, drive[k]))` (the noise increment
//! `noise_k = factor_k value_k`, each fused multiply-add rounded once), then the refractory
//! clamp, the threshold test and the reset (see [`crate::integrate`] and
//! [`crate::LifParams::refractory_steps`]).
//!
//! Speed: a chunk's state is structure-of-arrays, and each step is a few branch-free passes
//! over it that LLVM vectorizes: one fused pass for the affine update, noise, clamp, threshold
//! and reset by selects (separate passes with the Brownian bridge), then moments with fixed
//! partial sums; Philox blocks and their numbers are computed for all neurons of a chunk in
//! one vectorized loop every fourth step; the rare spike lanes are found by a scan that tests
//! whole groups of eight flags and logs only the groups with a spike. The window kernel is
//! compiled for SSE2, AVX2 and AVX-512 and the best one for the CPU runs ([`crate::simd`]);
//! for white noise or none on grid crossings, the AVX-512 copy hands the refill and the step to
//! hand-written kernels (chunks padded to their 32 lanes). All give the same bits.

use crate::error::Error;
use crate::input::Noise;
use crate::integrate::{Crossing, StepConstants, drive_per_step};
use crate::record::{ChunkLog, Histogram, Moments, Recording, Spikes, Traces};
use crate::rng::{self, ChunkStreams, Stream};
use crate::simd::{self, Isa, Kernel};
use crate::simulation::Simulation;
use rayon::prelude::*;
use std::ops::ControlFlow;

/// Fewest neurons per chunk ([`chunk_len`]).
pub const CHUNK_MIN: usize = 256;
/// Most neurons per chunk ([`chunk_len`]).
pub const CHUNK_MAX: usize = 1024;

/// Neurons per chunk for an ensemble of `n`: about `n / 16` (so that the chunks spread over
/// the threads), a multiple of 32 (the AVX-512 kernel's lanes), between [`CHUNK_MIN`] and
/// [`CHUNK_MAX`]. It depends on `n` only, never on the thread count, so that the merge order
/// (and thus every rounding) is the same for any number of threads. Each chunk-step costs a
/// fixed overhead (the kernel call, its moments, the spike scan, the log), and at n = 1e5 and
/// 1e6 chunks of 1024 ran 8 to 15 % faster than chunks of 256 (bench/RESULTS.md).
///
/// ```
/// use lifsim::engine::chunk_len;
/// assert_eq!((chunk_len(1_000), chunk_len(10_000), chunk_len(1_000_000)), (256, 640, 1024));
/// ```
pub fn chunk_len(n: usize) -> usize {
    n.div_ceil(16).next_multiple_of(32).clamp(CHUNK_MIN, CHUNK_MAX)
}

/// Most steps per window between merges and progress reports. Long enough that the
/// per-window costs (waking the pool's threads, the last chunk's wait) stay a few percent of
/// a window at n = 1e4 (16 chunks of 640 neurons and 1024 steps: about 12 ms of work).
pub const WINDOW: usize = 1024;
/// Chunk-steps logged per window (18 bytes each, plus the window's spikes): bounds each of
/// the two sets of logs (the window being computed, the one being merged) at about 5 MB.
const WINDOW_CHUNK_STEPS: usize = 1 << 18;

/// Steps per window for `n` neurons: [`WINDOW`], fewer for large ensembles so that the
/// chunks' logs stay near 5 MB per window (at n = 1e6, 268 steps, measured as fast as 536;
/// much shorter windows are slower, as each chunk's state comes back from memory once per
/// window: 67 steps measured 7 % slower than 134) and a cancel is seen within a fraction of a
/// second. The window length never changes a result: merging is per step, in chunk order.
///
/// ```
/// assert_eq!(lifsim::engine::window_steps(1_000), 1024);
/// assert_eq!(lifsim::engine::window_steps(1_000_000), 268);
/// ```
pub fn window_steps(n: usize) -> usize {
    (WINDOW_CHUNK_STEPS / n.div_ceil(chunk_len(n)).max(1)).clamp(16, WINDOW)
}

/// How far a run has come, reported between windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Grid steps completed.
    pub steps_done: usize,
    /// Grid steps in the run.
    pub steps_total: usize,
}

/// Runs `sim` on the current rayon thread pool and returns its recording.
///
/// # Errors
/// None today for a validated simulation; the `Result` leaves room for resource limits.
///
/// ```
/// let sim = lifsim::Config::default().build().unwrap();
/// let rec = lifsim::run(&sim).unwrap();
/// assert_eq!(rec.spike_count.len(), 500);
/// ```
pub fn run(sim: &Simulation) -> Result<Recording, Error> {
    run_with(sim, |_| ControlFlow::Continue(()))
}

/// Runs `sim`, calling `control` after every window of steps; returning
/// `ControlFlow::Break(())` stops the run.
///
/// # Errors
/// [`Error::Cancelled`] when `control` breaks.
pub fn run_with(sim: &Simulation, control: impl FnMut(Progress) -> ControlFlow<()>) -> Result<Recording, Error> {
    run_on(sim, Isa::best(), control)
}

/// [`run_with`] with the kernel compiled for `isa`.
fn run_on(sim: &Simulation, isa: Isa, control: impl FnMut(Progress) -> ControlFlow<()>) -> Result<Recording, Error> {
    let constants = StepConstants::new(sim);
    let seed = sim.seed;
    match sim.input.noise {
        Noise::None => run_generic(sim, isa, constants, control, |_, _| Silent),
        Noise::Tutorial { .. } => run_generic(sim, isa, constants, control, |first, len| {
            ScaledNoise::<Symmetric>::new(constants.noise_scale, BlockBuffer::new(seed, first, len, isa))
        }),
        Noise::White { .. } => run_generic(sim, isa, constants, control, |first, len| {
            ScaledNoise::<Normals>::new(constants.noise_scale, BlockBuffer::new(seed, first, len, isa))
        }),
        Noise::Ou { .. } => {
            run_generic(sim, isa, constants, control, |first, len| OuNoise::new(seed, first, len, &constants, isa))
        }
    }
}

/// A neuron's noise increment `factor * value` as `[factor, value]`, so that the step adds it
/// with one fused multiply-add.
type Product = [f64; 2];

/// V, clamp release step and spike flags of a chunk's neurons, for [`NoiseSource::each`].
type Lanes<'a> = (&'a mut [f64], &'a mut [f64], &'a mut [f64]);

/// A source of per-step noise for one chunk.
trait NoiseSource: Send {
    /// True for the source that adds nothing (so that the fused step skips the `+ 0.0`).
    const SILENT: bool = false;

    /// Adds the noise of `sample` (the update to step `sample + 1`) to each neuron's V, as
    /// `v = factor.mul_add(value, v)` (one rounding).
    fn add(&mut self, sample: u64, v: &mut [f64]);

    /// The fused step: with `lanes = (v, release, fired)`, calls for each neuron `j` in order
    /// `update(&mut v[j], &mut release[j], &mut fired[j], noise_j)`, `noise_j` being the
    /// `[factor, value]` that [`NoiseSource::add`] would add to `v[j]` for `sample`, and
    /// advances the source's own state in the same loop: one pass over the chunk instead of one
    /// per stage.
    fn each(&mut self, sample: u64, lanes: Lanes<'_>, update: impl Fn(&mut f64, &mut f64, &mut f64, Product));

    /// Whether [`NoiseSource::plain_normals`] can return `Some`.
    const PLAIN: bool = false;

    /// For the AVX-512 step ([`simd::advance`]): `Some(None)` for no noise,
    /// `Some(Some((scale, xi)))` for noise `scale * xi` with these f32 normals, `None` when
    /// this source needs the generic step.
    fn plain_normals(&mut self, _sample: u64) -> Option<Option<(f64, &[f32])>> {
        None
    }
}

/// No noise.
struct Silent;

impl NoiseSource for Silent {
    const SILENT: bool = true;
    const PLAIN: bool = true;

    #[inline(always)]
    fn add(&mut self, _sample: u64, _v: &mut [f64]) {}

    #[inline(always)]
    fn each(
        &mut self,
        _sample: u64,
        (v, release, fired): Lanes<'_>,
        update: impl Fn(&mut f64, &mut f64, &mut f64, Product),
    ) {
        for ((v, release), fired) in v.iter_mut().zip(release).zip(fired) {
            update(v, release, fired, [0.0, 0.0]);
        }
    }

    #[inline(always)]
    fn plain_normals(&mut self, _sample: u64) -> Option<Option<(f64, &[f32])>> {
        Some(None)
    }
}

/// Philox blocks of four samples for every neuron of a chunk, refilled every fourth sample.
struct BlockBuffer<T: Transform> {
    seed: u64,
    first_neuron: u64,
    isa: Isa,
    /// For normals: the input-noise streams with rounds 0-1 done.
    streams: Option<ChunkStreams>,
    loaded: Option<u32>,
    /// Sample `4 block + w` of neuron `first_neuron + j` is `lanes[w][j]`.
    lanes: [Vec<T::Sample>; 4],
}

impl<T: Transform> BlockBuffer<T> {
    fn new(seed: u64, first_neuron: u64, len: usize, isa: Isa) -> Self {
        Self {
            seed,
            first_neuron,
            isa,
            streams: T::NORMALS.then(|| ChunkStreams::new(seed, Stream::InputNoise, first_neuron, len)),
            loaded: None,
            lanes: std::array::from_fn(|_| vec![T::Sample::default(); len]),
        }
    }

    /// The chunk's numbers for `sample`, transformed from Philox words by `T`.
    ///
    /// The refill is one loop over the chunk's neurons with straight-line Philox rounds and a
    /// branch-free transform, so it vectorizes across neurons; normals of the input noise go
    /// through [`ChunkStreams::fill_normals`], or the AVX-512 kernel where the CPU has it
    /// ([`simd::fill_normals`]).
    #[inline(always)]
    fn lane(&mut self, sample: u64, stream: Stream) -> &[T::Sample] {
        let block = (sample / 4) as u32;
        if self.loaded != Some(block) {
            let [l0, l1, l2, l3] = &mut self.lanes;
            let len = l0.len();
            // Plain slices, so that the compiler sees the stores cannot move the vectors.
            let (l0, l1, l2, l3) = (&mut l0[..], &mut l1[..len], &mut l2[..len], &mut l3[..len]);
            let done = match &self.streams {
                Some(streams) if stream == streams.stream() => T::fill_fast(self.isa, streams, block, [l0, l1, l2, l3]),
                _ => false,
            };
            if !done {
                let (seed, first) = (self.seed, self.first_neuron);
                for j in 0..len {
                    let [a, b, c, d] = T::apply(rng::block(seed, stream, first + j as u64, block));
                    (l0[j], l1[j], l2[j], l3[j]) = (a, b, c, d);
                }
            }
            self.loaded = Some(block);
        }
        &self.lanes[(sample % 4) as usize]
    }
}

/// How the four words of a Philox block become four numbers. A trait with an
/// `#[inline(always)]` method rather than a closure, so that it is compiled into the
/// vectorized refill loop of each SIMD copy of the kernel.
trait Transform {
    /// The number type stored per sample (f32 for normals, f64 for uniforms).
    type Sample: Copy + Default + Into<f64> + Send;
    /// True for [`Normals`], which has an AVX-512 refill.
    const NORMALS: bool = false;
    fn apply(words: [u32; 4]) -> [Self::Sample; 4];
    /// Refills from precomputed streams; false where this transform has no such refill.
    fn fill_fast(_isa: Isa, _streams: &ChunkStreams, _block: u32, _out: [&mut [Self::Sample]; 4]) -> bool {
        false
    }
    /// The samples as f32 standard normals, for the AVX-512 step; `None` for other transforms.
    fn as_normals(_samples: &[Self::Sample]) -> Option<&[f32]> {
        None
    }
}

/// Standard normals ([`rng::normals`]), single precision.
struct Normals;

impl Transform for Normals {
    type Sample = f32;
    const NORMALS: bool = true;

    #[inline(always)]
    fn apply(words: [u32; 4]) -> [f32; 4] {
        rng::normals(words)
    }

    #[inline(always)]
    fn fill_fast(isa: Isa, streams: &ChunkStreams, block: u32, [o0, o1, o2, o3]: [&mut [f32]; 4]) -> bool {
        if !simd::fill_normals(isa, streams, block, [&mut *o0, &mut *o1, &mut *o2, &mut *o3]) {
            streams.fill_normals(block, [o0, o1, o2, o3]);
        }
        true
    }

    #[inline(always)]
    fn as_normals(samples: &[f32]) -> Option<&[f32]> {
        Some(samples)
    }
}

/// Uniforms in (-1, 1) ([`rng::uniform_symmetric`]).
struct Symmetric;

impl Transform for Symmetric {
    type Sample = f64;

    #[inline(always)]
    fn apply(words: [u32; 4]) -> [f64; 4] {
        words.map(rng::uniform_symmetric)
    }
}

/// Uniforms in (0, 1) ([`rng::uniform_open`]).
struct OpenUniform;

impl Transform for OpenUniform {
    type Sample = f64;

    #[inline(always)]
    fn apply(words: [u32; 4]) -> [f64; 4] {
        words.map(rng::uniform_open)
    }
}

/// Noise `scale * xi` with `xi` from the transform `T`: the tutorial's uniform noise
/// `scale * U(-1, 1)` ([`Symmetric`]) and Gaussian white noise `scale * N(0, 1)` ([`Normals`]).
struct ScaledNoise<T: Transform> {
    scale: f64,
    blocks: BlockBuffer<T>,
}

impl<T: Transform> ScaledNoise<T> {
    fn new(scale: f64, blocks: BlockBuffer<T>) -> Self {
        Self { scale, blocks }
    }
}

impl<T: Transform> NoiseSource for ScaledNoise<T> {
    const PLAIN: bool = T::NORMALS;

    #[inline(always)]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for (v, &xi) in v.iter_mut().zip(xi) {
            *v = self.scale.mul_add(xi.into(), *v);
        }
    }

    #[inline(always)]
    fn each(
        &mut self,
        sample: u64,
        (v, release, fired): Lanes<'_>,
        update: impl Fn(&mut f64, &mut f64, &mut f64, Product),
    ) {
        let scale = self.scale;
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for (((v, release), fired), &xi) in v.iter_mut().zip(release).zip(fired).zip(xi) {
            update(v, release, fired, [scale, xi.into()]);
        }
    }

    #[inline(always)]
    fn plain_normals(&mut self, sample: u64) -> Option<Option<(f64, &[f32])>> {
        let scale = self.scale;
        T::as_normals(self.blocks.lane(sample, Stream::InputNoise)).map(|xi| Some((scale, xi)))
    }
}
/// Ornstein-Uhlenbeck noise voltage `x`: V gets `gain x_{k-1}`, then `x` takes its own step.
struct OuNoise {
    gain: f64,
    decay: f64,
    scale: f64,
    x: Vec<f64>,
    blocks: BlockBuffer<Normals>,
}

impl OuNoise {
    fn new(seed: u64, first: u64, len: usize, c: &StepConstants, isa: Isa) -> Self {
        let x = (0..len as u64)
            .map(|j| c.ou_stationary_sd * rng::normal_sample(seed, Stream::InitialState, first + j, 0))
            .collect();
        let blocks = BlockBuffer::new(seed, first, len, isa);
        Self { gain: c.gain, decay: c.ou_decay, scale: c.ou_scale, x, blocks }
    }
}

impl NoiseSource for OuNoise {
    #[inline(always)]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for ((v, x), &xi) in v.iter_mut().zip(&mut self.x).zip(xi) {
            *v = self.gain.mul_add(*x, *v);
            *x = self.decay * *x + self.scale * f64::from(xi);
        }
    }

    #[inline(always)]
    fn each(
        &mut self,
        sample: u64,
        (v, release, fired): Lanes<'_>,
        update: impl Fn(&mut f64, &mut f64, &mut f64, Product),
    ) {
        let (gain, decay, scale) = (self.gain, self.decay, self.scale);
        let xi = self.blocks.lane(sample, Stream::InputNoise);
        for ((((v, release), fired), x), &xi) in v.iter_mut().zip(release).zip(fired).zip(&mut self.x).zip(xi) {
            update(v, release, fired, [gain, *x]);
            *x = decay * *x + scale * f64::from(xi);
        }
    }
}

/// Sub-step crossing detection by the Brownian-bridge probability (see [`Crossing::Bridge`]).
struct Bridge {
    /// V before the current update.
    previous: Vec<f64>,
    /// `2 / s^2`, `s^2` the per-step noise variance of V (1/V^2).
    two_over_variance: f64,
    blocks: BlockBuffer<OpenUniform>,
}

/// What every chunk shares, computed once before the loop.
struct Shared<'a> {
    sim: &'a Simulation,
    isa: Isa,
    decay: f64,
    /// `gain (e_l + r_m I(t_{k-1}))` for each step k (V).
    drive: Vec<f64>,
    v_reset: f64,
    /// Threshold (V); +inf for a free membrane, so the same branch-free test serves both.
    v_th: f64,
    /// Steps a neuron stays clamped after its spike step: `n_ref - 1` (0 when n_ref <= 1).
    hold_steps: f64,
}

/// The state and log of one chunk of neurons.
struct Chunk<N> {
    first: usize,
    /// Neurons in the chunk. With the AVX-512 step, `v`, `release`, `fired_bits` and the noise
    /// are padded to a multiple of [`simd::FAST_LANES`] lanes: the padding lanes are stepped
    /// like neurons (with the streams of the indices that follow) but never recorded.
    len: usize,
    v: Vec<f64>,
    /// The first step at which each neuron is free again: it is clamped at `v_reset` at step
    /// k while `release > k` (a spike at step s sets `release = s + 1 + hold_steps`). A double
    /// holding a small integer, so that the step works in one lane width and needs no
    /// countdown store.
    release: Vec<f64>,
    /// `release` as 32-bit integers, for the AVX-512 step (and then `release` is empty): a
    /// half-width load, compare and masked store per 8 neurons (advance alone 0.359 -> 0.335 ns
    /// per neuron-step, `simd::tests::kernel_speed`).
    release_steps: Vec<u32>,
    /// 1.0 where the neuron spiked at the current step (0.0 elsewhere, and everywhere between
    /// steps); before the threshold pass, with `Crossing::Bridge`, 1.0 where the bridge
    /// crossed. Doubles, so that the threshold pass works in one lane width. (Generic step.)
    fired: Vec<f64>,
    /// One bit per neuron that spiked at the current step (AVX-512 step).
    fired_bits: Vec<u8>,
    spike_count: Vec<u32>,
    /// How many of this chunk's neurons are traced.
    traced: usize,
    noise: N,
    /// Sub-step crossing state, for `Crossing::Bridge` only.
    bridge: Option<Bridge>,
    log: ChunkLog,
    /// V at each histogram step, one vector per histogram.
    snapshots: Vec<Vec<f64>>,
}

/// One window of steps of one chunk: the unit of parallel work, compiled per [`Isa`].
struct Window<'a, N> {
    chunk: &'a mut Chunk<N>,
    start: usize,
    end: usize,
    shared: &'a Shared<'a>,
}

impl<N: NoiseSource> Kernel for Window<'_, N> {
    #[inline(always)]
    fn run(&mut self) {
        let (chunk, shared) = (&mut *self.chunk, self.shared);
        chunk.log.clear();
        for k in self.start..self.end {
            if k == 0 {
                chunk.log.push_step(Moments::of(&chunk.v[..chunk.len]), 0);
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
    fn advance(&mut self, k: usize, shared: &Shared) {
        let (decay, drive, sample) = (shared.decay, shared.drive[k], (k - 1) as u64);
        let (v_th, v_reset) = (shared.v_th, shared.v_reset);
        let now = k as f64;
        let release_at = now + 1.0 + shared.hold_steps;
        if self.bridge.is_none() {
            if N::PLAIN
                && shared.isa == Isa::Avx512
                && self.v.len().is_multiple_of(simd::FAST_LANES)
                && let Some(noise) = self.noise.plain_normals(sample)
            {
                let neurons = self.len;
                // `run_generic` pads (and fills `release_steps`) only when these fit in u32.
                let (now, release_at) = (k as u32, (k + 1 + shared.hold_steps as usize) as u32);
                let step = simd::StepLanes { decay, drive, noise, v_th, v_reset, now, release_at, neurons };
                if let Some(moments) =
                    simd::advance(shared.isa, &step, &mut self.v, &mut self.release_steps, &mut self.fired_bits)
                {
                    let spikes_now = self.log_fired_bits();
                    self.log.push_step(moments, spikes_now);
                    return;
                }
            }
            if self.release.len() != self.v.len() {
                // Not reached in practice (a chunk that takes the AVX-512 step takes it every
                // step), but the state would carry over exactly.
                self.release = self.release_steps.drain(..).map(f64::from).collect();
            }
            // `fired` is 0.0 here for every lane (the spike scan clears it), so it is only written.
            let update = |v: &mut f64, release: &mut f64, fired: &mut f64, [factor, value]: Product| {
                let affine = decay.mul_add(*v, drive);
                let x = if N::SILENT { affine } else { factor.mul_add(value, affine) };
                let held = *release > now;
                let crossed = !held & (x >= v_th);
                *v = if held | crossed { v_reset } else { x };
                *release = if crossed { release_at } else { *release };
                *fired = if crossed { 1.0 } else { 0.0 };
            };
            self.fired.resize(self.len, 0.0);
            self.noise.each(sample, (&mut self.v, &mut self.release, &mut self.fired), update);
        } else {
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
                *release = if crossed { release_at } else { *release };
                *fired = if crossed { 1.0 } else { 0.0 };
            }
        }
        let spikes_now = self.log_spikes();
        self.log.push_step(Moments::of(&self.v[..self.len]), spikes_now);
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
    fn record(&mut self, k: usize, shared: &Shared) {
        let spec = &shared.sim.record;
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

fn run_generic<N: NoiseSource>(
    sim: &Simulation,
    isa: Isa,
    constants: StepConstants,
    mut control: impl FnMut(Progress) -> ControlFlow<()>,
    make_noise: impl Fn(u64, usize) -> N,
) -> Result<Recording, Error> {
    let n_ref = sim.neuron.refractory_steps(sim.dt);
    let shared = Shared {
        sim,
        isa,
        decay: constants.decay,
        drive: drive_per_step(sim, constants.gain),
        v_reset: sim.neuron.v_reset,
        v_th: sim.neuron.v_th.unwrap_or(f64::INFINITY),
        hold_steps: n_ref.saturating_sub(1) as f64,
    };
    let spec = &sim.record;
    // The AVX-512 step counts steps in u32 (`Chunk::release_steps`).
    let steps_fit_u32 = u32::try_from(sim.steps.saturating_add(n_ref).saturating_add(2)).is_ok();
    let pad = isa == Isa::Avx512 && N::PLAIN && sim.crossing == Crossing::Grid && steps_fit_u32;
    let mut chunks: Vec<Chunk<N>> = (0..sim.n)
        .step_by(chunk_len(sim.n))
        .map(|first| {
            let len = chunk_len(sim.n).min(sim.n - first);
            let lanes = if pad { len.next_multiple_of(simd::FAST_LANES) } else { len };
            Chunk {
                first,
                len,
                v: vec![sim.neuron.v_init; lanes],
                release: if pad { Vec::new() } else { vec![0.0; lanes] },
                release_steps: if pad { vec![0; lanes] } else { Vec::new() },
                // Sized on first use: the AVX-512 step keeps spike bits instead.
                fired: Vec::new(),
                fired_bits: vec![0; lanes.div_ceil(8)],
                spike_count: vec![0; len],
                traced: spec.traces.saturating_sub(first).min(len),
                noise: make_noise(first as u64, lanes),
                bridge: (sim.crossing == Crossing::Bridge).then(|| Bridge {
                    previous: vec![0.0; len],
                    two_over_variance: 2.0 / (constants.noise_scale * constants.noise_scale),
                    blocks: BlockBuffer::new(sim.seed, first as u64, len, isa),
                }),
                log: ChunkLog::default(),
                snapshots: vec![Vec::new(); spec.hist_steps.len()],
            }
        })
        .collect();

    let samples = sim.steps.div_ceil(spec.every);
    let mut rec = Recording {
        dt: sim.dt,
        n: sim.n,
        steps: sim.steps,
        v_mean: Vec::with_capacity(sim.steps),
        v_var: Vec::with_capacity(sim.steps),
        activity: Vec::with_capacity(sim.steps),
        traces: Traces { neurons: spec.traces, every: spec.every, samples, values: vec![0.0; spec.traces * samples] },
        spikes: Spikes::default(),
        spike_count: Vec::new(),
        histograms: Vec::new(),
    };
    let window = window_steps(sim.n);
    let mut scratch = MergeScratch::default();
    let places: Vec<ChunkPlace> =
        chunks.iter().map(|c| ChunkPlace { first: c.first, len: c.len, traced: c.traced }).collect();
    // The logs of the last window computed, merged while the chunks compute the next one, then
    // swapped with the chunks' logs. The merge is serial, 3-4 % of a one-thread run: this
    // takes it off the critical path with two threads or more (n = 1e5, 2 threads: 0.555 /
    // 0.573 -> 0.523 / 0.559 ns min / median of 5 interleaved runs).
    let mut logged: Vec<ChunkLog> = chunks.iter().map(|_| ChunkLog::default()).collect();
    let mut unmerged: Option<(usize, usize)> = None;
    let mut start = 0;
    while start < sim.steps {
        let end = (start + window).min(sim.steps);
        let shared = &shared;
        rayon::join(
            || chunks.par_iter_mut().for_each(|chunk| isa.run(&mut Window { chunk, start, end, shared })),
            || {
                if let Some((start, end)) = unmerged {
                    merge_window(&mut rec, &places, &logged, start, end, &mut scratch);
                }
            },
        );
        for (chunk, log) in chunks.iter_mut().zip(&mut logged) {
            std::mem::swap(&mut chunk.log, log);
        }
        unmerged = Some((start, end));
        start = end;
        if control(Progress { steps_done: end, steps_total: sim.steps }).is_break() {
            return Err(Error::Cancelled);
        }
    }
    if let Some((start, end)) = unmerged {
        merge_window(&mut rec, &places, &logged, start, end, &mut scratch);
    }
    rec.spike_count = chunks.iter().flat_map(|c| c.spike_count.iter().copied()).collect();
    rec.histograms = spec
        .hist_steps
        .iter()
        .enumerate()
        .map(|(h, &step)| {
            let values = chunks.iter().flat_map(|c| c.snapshots[h].iter().copied()).collect();
            Histogram::new(sim.time(step), step, values, spec.hist_bins)
        })
        .collect();
    Ok(rec)
}

/// Per-step buffers of [`merge_window`].
#[derive(Default)]
struct MergeScratch {
    /// Merged moments of each step of the window.
    totals: Vec<Moments>,
    /// Spikes at each step of the window.
    counts: Vec<usize>,
    /// Where the next spike of each step goes in the recording.
    next: Vec<usize>,
}

/// Where a chunk's neurons sit in the ensemble, for [`merge_window`].
struct ChunkPlace {
    /// Index of the chunk's first neuron.
    first: usize,
    /// Neurons in the chunk.
    len: usize,
    /// How many of them are traced.
    traced: usize,
}

/// Appends one window of chunk logs (`logs[c]` of the chunk at `places[c]`) to the recording,
/// in chunk order; `scratch` is reused between windows.
///
/// Chunk-major, so that each chunk's log is read sequentially: every step's moments are merged
/// over the chunks in chunk order (so the result is the same for any thread count), and each
/// chunk's spikes are copied to their place in the step-then-neuron order of the recording.
fn merge_window(
    rec: &mut Recording,
    places: &[ChunkPlace],
    logs: &[ChunkLog],
    start: usize,
    end: usize,
    scratch: &mut MergeScratch,
) {
    let steps = end - start;
    let MergeScratch { totals, counts, next } = scratch;
    totals.clear();
    totals.resize(steps, Moments::default());
    counts.clear();
    counts.resize(steps, 0);
    for (place, log) in places.iter().zip(logs) {
        let count = place.len as f64;
        for (i, (total, spikes)) in totals.iter_mut().zip(counts.iter_mut()).enumerate() {
            total.merge(&log.moments(i, count));
            *spikes += usize::from(log.spikes_per_step[i]);
        }
    }
    let n = rec.n as f64;
    for (total, &count) in totals.iter().zip(counts.iter()) {
        rec.v_mean.push(total.mean);
        rec.v_var.push(if rec.n > 1 { total.m2 / (n - 1.0) } else { f64::NAN });
        rec.activity.push(count as f64 / n);
    }

    // Where each step's spikes go in `rec.spikes`, then each chunk's spikes, step by step.
    let first = rec.spikes.neuron.len();
    next.clear();
    let mut offset = first;
    for (i, &count) in counts.iter().enumerate() {
        next.push(offset);
        offset += count;
        rec.spikes.step.extend(std::iter::repeat_n((start + i) as u32, count));
    }
    rec.spikes.neuron.resize(offset, 0);
    for log in logs {
        let mut logged = log.spikes.as_slice();
        for (place, &spikes) in next.iter_mut().zip(&log.spikes_per_step) {
            let (now, later) = logged.split_at(spikes as usize);
            rec.spikes.neuron[*place..*place + now.len()].copy_from_slice(now);
            *place += now.len();
            logged = later;
        }
    }

    let traces = &mut rec.traces;
    if traces.neurons > 0 {
        let first_sample = start.div_ceil(traces.every);
        for (chunk, log) in places.iter().zip(logs).filter(|(c, _)| c.traced > 0) {
            for (s, values) in log.traces.chunks_exact(chunk.traced).enumerate() {
                for (j, &v) in values.iter().enumerate() {
                    traces.values[(chunk.first + j) * traces.samples + first_sample + s] = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Value};

    fn simulation(noise: &str, crossing: &str) -> Simulation {
        let mut config = Config::default();
        for (key, value) in [
            ("simulation.t_max", Value::from("30 ms")),
            ("simulation.dt", Value::from("0.1 ms")),
            ("simulation.n", Value::from(700)),
            ("simulation.crossing", Value::from(crossing)),
            ("input.noise", Value::from(noise)),
            ("input.sigma_v", Value::from("5 mV")),
            ("input.i_mean", Value::from("250 pA")),
            ("record.traces", Value::from(3)),
            ("record.hist_times", Value::List(vec![Value::from("10 ms")])),
        ] {
            config.set(key, &value).expect("valid test configuration");
        }
        config.build().expect("valid test configuration")
    }

    /// Every compiled SIMD copy of the kernel and every thread count give the same bits.
    #[test]
    fn results_do_not_depend_on_simd_width_or_threads() {
        for (noise, crossing) in
            [("white", "grid"), ("none", "grid"), ("white", "bridge"), ("tutorial", "grid"), ("ou", "grid")]
        {
            let sim = simulation(noise, crossing);
            let reference = run_on(&sim, Isa::Portable, |_| ControlFlow::Continue(())).expect("runs");
            assert!(!reference.spikes.is_empty(), "{noise}/{crossing}: no spikes");
            for isa in Isa::available() {
                for threads in [1, 2, 3] {
                    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
                    let rec = pool.install(|| run_on(&sim, isa, |_| ControlFlow::Continue(()))).expect("runs");
                    // Bitwise, so NaN (none here) and -0.0 would count as differences too.
                    let bits = |r: &Recording| {
                        let mut all: Vec<u64> = r.v_mean.iter().chain(&r.v_var).map(|x| x.to_bits()).collect();
                        all.extend(r.traces.values.iter().chain(&r.histograms[0].values).map(|x| x.to_bits()));
                        all
                    };
                    assert_eq!(bits(&rec), bits(&reference), "{noise}/{crossing} {isa:?} x{threads}");
                    assert_eq!(rec, reference, "{noise}/{crossing} {isa:?} x{threads}");
                }
            }
        }
    }

    /// Chunks whose length is no multiple of the AVX-512 kernel's 32 lanes (padded there): the
    /// same bits as the portable copy, down to a single neuron, and with every chunk length
    /// ([`chunk_len`] is 288 for n = 4100, 1024 for n = 17 000).
    #[test]
    fn padded_chunks_match_the_portable_copy() {
        assert_eq!((chunk_len(4100), chunk_len(17_000)), (288, 1024));
        for n in [1, 7, 9, 257, 300, 4100, 17_000] {
            for noise in ["white", "none"] {
                let mut sim = simulation(noise, "grid");
                sim.n = n;
                sim.record.traces = n.min(3);
                let reference = run_on(&sim, Isa::Portable, |_| ControlFlow::Continue(())).expect("runs");
                for isa in Isa::available() {
                    let rec = run_on(&sim, isa, |_| ControlFlow::Continue(())).expect("runs");
                    // Bitwise (v_var is NaN for n = 1, which `==` would never match).
                    let bits = |r: &Recording| -> Vec<u64> {
                        r.v_mean
                            .iter()
                            .chain(&r.v_var)
                            .chain(&r.activity)
                            .chain(&r.traces.values)
                            .map(|x| x.to_bits())
                            .collect()
                    };
                    assert_eq!(bits(&rec), bits(&reference), "n = {n}, {noise}, {isa:?}");
                    assert_eq!(rec.spikes, reference.spikes, "n = {n}, {noise}, {isa:?}");
                    assert_eq!(rec.spike_count, reference.spike_count, "n = {n}, {noise}, {isa:?}");
                }
            }
        }
    }

    /// Not a test: prints ns per neuron-step of each compiled copy on workload W (n = 10 000,
    /// 0.2 s), for bench/RESULTS.md. `cargo test --release -p lifsim --lib -- --ignored
    /// --nocapture simd_copy_speed`.
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn simd_copy_speed() {
        let mut sim = simulation("white", "grid");
        sim.n = 10_000;
        sim.steps = 2000;
        sim.record.traces = 0;
        sim.record.hist_steps.clear();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        for round in 0..3 {
            for isa in Isa::available() {
                let started = std::time::Instant::now();
                pool.install(|| run_on(&sim, isa, |_| ControlFlow::Continue(()))).expect("runs");
                let ns = started.elapsed().as_secs_f64() * 1e9 / (sim.n * sim.steps) as f64;
                println!("round {round} {isa:?}: {ns:.2} ns per neuron-step");
            }
        }
    }
}
