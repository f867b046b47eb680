//! The one time loop: neurons in fixed-size chunks, run in parallel window by window.
//!
//! The ensemble is cut into chunks of [`CHUNK`] neurons, a size that never depends on the
//! thread count. Time advances in windows of [`WINDOW`] steps: in each window every chunk runs
//! all its steps with its state in cache (chunks in parallel on the current rayon pool), then
//! the chunks' logs are merged in chunk order. Every random number is keyed by (seed, neuron,
//! sample) ([`crate::rng`]), so results are bit-identical for any number of threads and a
//! neuron's trajectory does not depend on the ensemble size. Between windows the caller sees
//! the progress and may cancel.
//!
//! The step itself is generic over the noise source (monomorphized, no dynamic dispatch):
//! `V_k = decay V_{k-1} + drive[k] + noise_k`, then the refractory clamp, the threshold test
//! and the reset (see [`crate::integrate`] and [`crate::LifParams::refractory_steps`]).

use crate::error::Error;
use crate::input::Noise;
use crate::integrate::{Crossing, StepConstants, drive_per_step};
use crate::record::{ChunkLog, Histogram, Moments, Recording, Spikes, Traces};
use crate::rng::{self, Stream};
use crate::simulation::Simulation;
use rayon::prelude::*;
use std::ops::ControlFlow;

/// Neurons per chunk. Fixed, so that the merge order (and thus every rounding) is the same
/// for any thread count.
pub const CHUNK: usize = 256;
/// Steps per window between merges and progress reports.
pub const WINDOW: usize = 256;

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
    let constants = StepConstants::new(sim);
    let seed = sim.seed;
    match sim.input.noise {
        Noise::None => run_generic(sim, constants, control, |_, _| Silent),
        Noise::Tutorial { .. } => run_generic(sim, constants, control, |first, _| UniformNoise {
            scale: constants.noise_scale,
            blocks: BlockBuffer::new(seed, first),
        }),
        Noise::White { .. } => run_generic(sim, constants, control, |first, _| GaussianNoise {
            scale: constants.noise_scale,
            blocks: BlockBuffer::new(seed, first),
        }),
        Noise::Ou { .. } => {
            run_generic(sim, constants, control, |first, len| OuNoise::new(seed, first, len, &constants))
        }
    }
}

/// A source of per-step noise for one chunk.
trait NoiseSource: Send {
    /// Adds the noise of `sample` (the update to step `sample + 1`) to each neuron's V.
    fn add(&mut self, sample: u64, v: &mut [f64]);
}

/// No noise.
struct Silent;

impl NoiseSource for Silent {
    #[inline]
    fn add(&mut self, _sample: u64, _v: &mut [f64]) {}
}

/// Philox blocks of four samples for every neuron of a chunk, refilled every fourth sample.
struct BlockBuffer {
    seed: u64,
    first_neuron: u64,
    loaded: Option<u32>,
    lanes: [Vec<f64>; 4],
}

impl BlockBuffer {
    fn new(seed: u64, first_neuron: u64) -> Self {
        Self { seed, first_neuron, loaded: None, lanes: Default::default() }
    }

    /// The chunk's `len` numbers for `sample`, transformed from Philox words by `transform`.
    #[inline]
    fn lane(&mut self, sample: u64, len: usize, stream: Stream, transform: impl Fn([u32; 4]) -> [f64; 4]) -> &[f64] {
        let block = (sample / 4) as u32;
        if self.loaded != Some(block) {
            for lane in &mut self.lanes {
                lane.resize(len, 0.0);
            }
            for j in 0..len {
                let values = transform(rng::block(self.seed, stream, self.first_neuron + j as u64, block));
                for (lane, value) in self.lanes.iter_mut().zip(values) {
                    lane[j] = value;
                }
            }
            self.loaded = Some(block);
        }
        &self.lanes[(sample % 4) as usize]
    }
}

/// The tutorial's uniform noise: `scale * U(-1, 1)`.
struct UniformNoise {
    scale: f64,
    blocks: BlockBuffer,
}

impl NoiseSource for UniformNoise {
    #[inline]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, v.len(), Stream::InputNoise, |w| w.map(rng::uniform_symmetric));
        for (v, xi) in v.iter_mut().zip(xi) {
            *v += self.scale * xi;
        }
    }
}

/// Gaussian white noise: `scale * N(0, 1)`.
struct GaussianNoise {
    scale: f64,
    blocks: BlockBuffer,
}

impl NoiseSource for GaussianNoise {
    #[inline]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, v.len(), Stream::InputNoise, rng::normals);
        for (v, xi) in v.iter_mut().zip(xi) {
            *v += self.scale * xi;
        }
    }
}

/// Ornstein-Uhlenbeck noise voltage `x`: V gets `gain x_{k-1}`, then `x` takes its own step.
struct OuNoise {
    gain: f64,
    decay: f64,
    scale: f64,
    x: Vec<f64>,
    blocks: BlockBuffer,
}

impl OuNoise {
    fn new(seed: u64, first: u64, len: usize, c: &StepConstants) -> Self {
        let x = (0..len as u64)
            .map(|j| c.ou_stationary_sd * rng::normal_sample(seed, Stream::InitialState, first + j, 0))
            .collect();
        Self { gain: c.gain, decay: c.ou_decay, scale: c.ou_scale, x, blocks: BlockBuffer::new(seed, first) }
    }
}

impl NoiseSource for OuNoise {
    #[inline]
    fn add(&mut self, sample: u64, v: &mut [f64]) {
        let xi = self.blocks.lane(sample, v.len(), Stream::InputNoise, rng::normals);
        for ((v, x), xi) in v.iter_mut().zip(&mut self.x).zip(xi) {
            *v += self.gain * *x;
            *x = self.decay * *x + self.scale * xi;
        }
    }
}

/// Sub-step crossing detection by the Brownian-bridge probability (see [`Crossing::Bridge`]).
struct Bridge {
    /// V before the current update.
    previous: Vec<f64>,
    /// `2 / s^2`, `s^2` the per-step noise variance of V (1/V^2).
    two_over_variance: f64,
    blocks: BlockBuffer,
}

/// What every chunk shares, computed once before the loop.
struct Shared<'a> {
    sim: &'a Simulation,
    decay: f64,
    /// `gain (e_l + r_m I(t_{k-1}))` for each step k (V).
    drive: Vec<f64>,
    v_reset: f64,
    /// Threshold (V); +inf for a free membrane, so the same branch-free test serves both.
    v_th: f64,
    /// Steps a neuron stays clamped after its spike step: `n_ref - 1` (0 when n_ref <= 1).
    hold_steps: u32,
}

/// The state and log of one chunk of neurons.
struct Chunk<N> {
    first: usize,
    v: Vec<f64>,
    /// Clamped steps left for each neuron.
    hold: Vec<u32>,
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

impl<N: NoiseSource> Chunk<N> {
    fn run_window(&mut self, start: usize, end: usize, shared: &Shared) {
        self.log.clear();
        for k in start..end {
            if k > 0 {
                self.advance(k, shared);
            }
            self.record(k, shared);
        }
    }

    /// One update to step `k`: affine step, noise, refractory clamp, threshold and reset.
    #[inline]
    fn advance(&mut self, k: usize, shared: &Shared) {
        let (decay, drive, sample) = (shared.decay, shared.drive[k], (k - 1) as u64);
        if let Some(bridge) = &mut self.bridge {
            bridge.previous.clone_from(&self.v);
        }
        for v in &mut self.v {
            *v = decay * *v + drive;
        }
        // The noise is drawn (keyed by step) whether or not the neuron is clamped, so the
        // streams never depend on the dynamics.
        self.noise.add(sample, &mut self.v);
        let th = shared.v_th;
        let bridge = self.bridge.as_mut().map(|Bridge { previous, two_over_variance, blocks }| {
            let uniforms = blocks.lane(sample, previous.len(), Stream::Crossing, |w| w.map(rng::uniform_open));
            (previous.as_slice(), uniforms, *two_over_variance)
        });
        let mut spikes_now = 0;
        for (j, (v, hold)) in self.v.iter_mut().zip(&mut self.hold).enumerate() {
            if *hold > 0 {
                *hold -= 1;
                *v = shared.v_reset;
                continue;
            }
            let crossed = *v >= th
                || bridge.is_some_and(|(previous, uniforms, scale)| {
                    uniforms[j] < (-scale * (th - previous[j]) * (th - *v)).exp()
                });
            if crossed {
                *v = shared.v_reset;
                *hold = shared.hold_steps;
                self.spike_count[j] += 1;
                self.log.spikes.push((k as u32, (self.first + j) as u32));
                spikes_now += 1;
            }
        }
        self.log.spikes_per_step.push(spikes_now);
    }

    fn record(&mut self, k: usize, shared: &Shared) {
        if k == 0 {
            self.log.spikes_per_step.push(0);
        }
        self.log.moments.push(Moments::of(&self.v));
        let spec = &shared.sim.record;
        if self.traced > 0 && k % spec.every == 0 {
            self.log.traces.extend_from_slice(&self.v[..self.traced]);
        }
        for (h, &step) in spec.hist_steps.iter().enumerate() {
            if step == k {
                self.snapshots[h].clone_from(&self.v);
            }
        }
    }
}

fn run_generic<N: NoiseSource>(
    sim: &Simulation,
    constants: StepConstants,
    mut control: impl FnMut(Progress) -> ControlFlow<()>,
    make_noise: impl Fn(u64, usize) -> N,
) -> Result<Recording, Error> {
    let n_ref = sim.neuron.refractory_steps(sim.dt);
    let shared = Shared {
        sim,
        decay: constants.decay,
        drive: drive_per_step(sim, constants.gain),
        v_reset: sim.neuron.v_reset,
        v_th: sim.neuron.v_th.unwrap_or(f64::INFINITY),
        hold_steps: n_ref.saturating_sub(1) as u32,
    };
    let spec = &sim.record;
    let mut chunks: Vec<Chunk<N>> = (0..sim.n)
        .step_by(CHUNK)
        .map(|first| {
            let len = CHUNK.min(sim.n - first);
            Chunk {
                first,
                v: vec![sim.neuron.v_init; len],
                hold: vec![0; len],
                spike_count: vec![0; len],
                traced: spec.traces.saturating_sub(first).min(len),
                noise: make_noise(first as u64, len),
                bridge: (sim.crossing == Crossing::Bridge).then(|| Bridge {
                    previous: Vec::with_capacity(len),
                    two_over_variance: 2.0 / (constants.noise_scale * constants.noise_scale),
                    blocks: BlockBuffer::new(sim.seed, first as u64),
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
    let mut window_spikes: Vec<(u32, u32)> = Vec::new();
    let mut start = 0;
    while start < sim.steps {
        let end = (start + WINDOW).min(sim.steps);
        chunks.par_iter_mut().for_each(|chunk| chunk.run_window(start, end, &shared));
        merge_window(&mut rec, &chunks, start, end, &mut window_spikes);
        start = end;
        if control(Progress { steps_done: end, steps_total: sim.steps }).is_break() {
            return Err(Error::Cancelled);
        }
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

/// Appends one window of chunk logs to the recording, in chunk order.
fn merge_window<N>(
    rec: &mut Recording,
    chunks: &[Chunk<N>],
    start: usize,
    end: usize,
    window_spikes: &mut Vec<(u32, u32)>,
) {
    let n = rec.n as f64;
    for i in 0..end - start {
        let mut total = Moments::default();
        let mut spikes = 0u64;
        for chunk in chunks {
            total.merge(&chunk.log.moments[i]);
            spikes += u64::from(chunk.log.spikes_per_step[i]);
        }
        rec.v_mean.push(total.mean);
        rec.v_var.push(if rec.n > 1 { total.m2 / (n - 1.0) } else { f64::NAN });
        rec.activity.push(spikes as f64 / n);
    }
    window_spikes.clear();
    for chunk in chunks {
        window_spikes.extend_from_slice(&chunk.log.spikes);
    }
    window_spikes.sort_unstable();
    rec.spikes.step.extend(window_spikes.iter().map(|&(step, _)| step));
    rec.spikes.neuron.extend(window_spikes.iter().map(|&(_, neuron)| neuron));

    let traces = &mut rec.traces;
    if traces.neurons > 0 {
        let first_sample = start.div_ceil(traces.every);
        for chunk in chunks.iter().filter(|c| c.traced > 0) {
            for (s, values) in chunk.log.traces.chunks_exact(chunk.traced).enumerate() {
                for (j, &v) in values.iter().enumerate() {
                    traces.values[(chunk.first + j) * traces.samples + first_sample + s] = v;
                }
            }
        }
    }
}
