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
//! clamp, the threshold test and the reset (see [`crate::model::integrate`] and
//! [`crate::LifParams::refractory_steps`]).
//!
//! Speed: a chunk's state is structure-of-arrays, and each step is a few branch-free passes
//! over it that LLVM vectorizes: one fused pass for the affine update, noise, clamp, threshold
//! and reset by selects (separate passes with the Brownian bridge), then moments with fixed
//! partial sums; Philox blocks and their numbers are computed for all neurons of a chunk in
//! one vectorized loop every fourth step; the rare spike lanes are found by a scan that tests
//! whole groups of eight flags and logs only the groups with a spike. The window kernel is
//! compiled for SSE2, AVX2 and AVX-512 and the best one for the CPU runs (`simd`);
//! for white noise or none on grid crossings, the AVX-512 copy hands the refill and the step to
//! hand-written kernels (chunks padded to their 32 lanes). All give the same bits.
//!
//! An ensemble's chunks are grouped in blocks of [`BLOCK_CHUNKS`] chunks; a shard is a range of
//! whole blocks ([`run_shard`] gives its [`Partial`] recording) and [`merge`] combines the
//! partials through one fixed tree. [`run`] is the merge of the one shard holding every block,
//! so the threaded run on one machine and a run spread over many share one reduction.
//!
//! Files: this one holds the run loop; `noise.rs` the noise sources, their block buffers and
//! transforms; `chunk.rs` a chunk's state, its step and spike log; `merge.rs` the in-order
//! merge; `reduce.rs` shards, partials and their merge; `simd.rs` the compiled copies and the
//! hand-written AVX-512 kernels.

mod chunk;
mod heap;
mod merge;
mod network;
mod noise;
mod precise;
mod reduce;
mod simd;

#[doc(hidden)]
pub use network::DeliveryBench;
pub use reduce::{Partial, Shard, block_len, blocks, fingerprint, merge};

use crate::error::Error;
use crate::model::{Crossing, Noise, Simulation, SpikeMode, StepConstants};
use crate::record::{Histogram, Recording, SpikeSink, Spikes, Traces};
use chunk::{Chunk, ChunkLayout, ChunkLog, ChunkWindow, StepInputs};
use merge::{ChunkPlace, Columns, MergeScratch, merge_shard_window};
use noise::{BlockBuffer, NoiseSource, Normals, OuNoise, PoissonNoise, ScaledNoise, Silent, Symmetric};
use rayon::prelude::*;
use simd::Isa;
use std::ops::ControlFlow;

/// Fewest neurons per chunk ([`chunk_len`]). Engine tuning, not part of the documented API.
#[doc(hidden)]
pub const CHUNK_MIN: usize = 256;
/// Most neurons per chunk ([`chunk_len`]). Engine tuning, not part of the documented API.
#[doc(hidden)]
pub const CHUNK_MAX: usize = 1024;

/// Neurons per chunk for an ensemble of `n`: about `n / 16` (so that the chunks spread over
/// the threads), a multiple of 32 (the AVX-512 kernel's lanes), between [`CHUNK_MIN`] and
/// [`CHUNK_MAX`]. It depends on `n` only, never on the thread count, so that the merge order
/// (and thus every rounding) is the same for any number of threads. Each chunk-step costs a
/// fixed overhead (the kernel call, its moments, the spike scan, the log), so larger chunks run
/// faster at large n (measured in bench/RESULTS.md, third round).
///
/// ```
/// use lifsim::engine::chunk_len;
/// assert_eq!((chunk_len(1_000), chunk_len(10_000), chunk_len(1_000_000)), (256, 640, 1024));
/// ```
#[doc(hidden)]
pub fn chunk_len(n: usize) -> usize {
    n.div_ceil(16).next_multiple_of(32).clamp(CHUNK_MIN, CHUNK_MAX)
}

/// Chunks per block ([`block_len`]): the moments of a block's chunks are folded in chunk order,
/// those of the blocks by a fixed tree ([`merge`]). Ensembles of up to 64 chunks (65 536
/// neurons at most) are one block.
pub const BLOCK_CHUNKS: usize = 64;

/// Most steps per window between merges and progress reports. Long enough that the
/// per-window costs (waking the pool's threads, the last chunk's wait) stay a few percent of
/// a window at n = 1e4 (16 chunks of 640 neurons and 1024 steps).
#[doc(hidden)]
pub const WINDOW: usize = 1024;
/// Chunk-steps logged per window (20 bytes each, plus the window's spikes): bounds each of
/// the two sets of logs (the window being computed, the one being merged) at about 5 MB.
const WINDOW_CHUNK_STEPS: usize = 1 << 18;

/// Steps per window for `n` neurons: [`WINDOW`], fewer for large ensembles so that the
/// chunks' logs stay near 5 MB per window (much shorter windows are slower, as each chunk's
/// state comes back from memory once per window; bench/RESULTS.md) and a cancel is seen within
/// a fraction of a second. The window length never changes a result: merging is per step, in
/// chunk order.
///
/// ```
/// assert_eq!(lifsim::engine::window_steps(1_000), 1024);
/// assert_eq!(lifsim::engine::window_steps(1_000_000), 268);
/// ```
#[doc(hidden)]
pub fn window_steps(n: usize) -> usize {
    (WINDOW_CHUNK_STEPS / n.div_ceil(chunk_len(n)).max(1)).clamp(16, WINDOW)
}

/// The most worker threads a run may ask for: 4 per core (at least 16, at most 1024). More
/// threads than that never make a run faster, and a typo such as `--threads 100000` would
/// spend minutes starting threads and could exhaust the machine's process ids.
///
/// ```
/// assert!((16..=1024).contains(&lifsim::engine::max_threads()));
/// ```
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (4 * cores).clamp(16, 1024)
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

/// Runs `sim`, calling `control` once the run is set up (its state allocated and a network
/// wired: `steps_done == 0`) and then after every window of steps; returning
/// `ControlFlow::Break(())` stops the run.
///
/// # Errors
/// [`Error::Cancelled`] when `control` breaks.
pub fn run_with(sim: &Simulation, control: impl FnMut(Progress) -> ControlFlow<()>) -> Result<Recording, Error> {
    run_on(sim, Isa::best(), None, control)
}

/// [`run_with`], handing the spikes of a run with `record.spikes = "file"` to `sink` window by
/// window, in the recording's order, instead of keeping them (see [`SpikeSink`]); other spike
/// modes never call `sink`.
///
/// # Errors
/// [`Error::Cancelled`] when `control` breaks; [`Error::SpikeSink`] when `sink` fails.
pub fn run_streaming(
    sim: &Simulation,
    sink: &mut dyn SpikeSink,
    control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Recording, Error> {
    run_on(sim, Isa::best(), Some(sink), control)
}

/// [`run_shard_with`], handing the shard's spikes to `sink` as [`run_streaming`] does (with
/// `record.spikes = "file"`): its spikes in the order of its neurons' recording.
///
/// # Errors
/// As [`run_shard_with`]; [`Error::SpikeSink`] when `sink` fails.
pub fn run_shard_streaming(
    sim: &Simulation,
    shard: &Shard,
    sink: &mut dyn SpikeSink,
    control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Partial, Error> {
    run_shard_on(sim, shard, Isa::best(), Some(sink), control)
}

/// Runs the blocks of `shard` of the ensemble `sim` on the current rayon pool and returns its
/// partial recording, for [`merge`] with those of the other shards.
///
/// # Errors
/// [`Error::Shard`] for a network (its neurons interact, so it runs whole).
///
/// ```
/// use lifsim::engine::{Shard, merge, run_shard};
/// let mut config = lifsim::Config::default();
/// config.set("simulation.n", &lifsim::Value::Int(70_000)).unwrap(); // 2 blocks of 65 536
/// config.set("simulation.t_max", &lifsim::Value::from("2 ms")).unwrap();
/// let sim = config.build().unwrap();
/// let parts = Shard::split(sim.n(), 2).iter().map(|s| run_shard(&sim, s)).collect::<Result<_, _>>().unwrap();
/// assert_eq!(merge(&sim, parts).unwrap(), lifsim::run(&sim).unwrap());
/// ```
pub fn run_shard(sim: &Simulation, shard: &Shard) -> Result<Partial, Error> {
    run_shard_with(sim, shard, |_| ControlFlow::Continue(()))
}

/// [`run_shard`], calling `control` after every window of steps; returning
/// `ControlFlow::Break(())` stops the run.
///
/// # Errors
/// [`Error::Cancelled`] when `control` breaks; [`Error::Shard`] for a network.
pub fn run_shard_with(
    sim: &Simulation,
    shard: &Shard,
    control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Partial, Error> {
    run_shard_on(sim, shard, Isa::best(), None, control)
}

/// [`run_with`] with the kernel compiled for `isa` and the spikes of a file run going to
/// `sink`: the merge of the whole ensemble's one shard.
fn run_on(
    sim: &Simulation,
    isa: Isa,
    sink: Option<&mut dyn SpikeSink>,
    control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Recording, Error> {
    let sink = Spikeway::new(sim, sink)?;
    if let Some(network) = sim.network() {
        return network::run(sim, network, isa, sink, control);
    }
    let whole = run_generic_shard(sim, &Shard::WHOLE, isa, sink, control)?;
    merge(sim, vec![whole])
}

/// Where a run's spikes go once merged: kept, handed to a sink, or dropped (counted only).
pub(crate) struct Spikeway<'a> {
    mode: SpikeMode,
    sink: Option<&'a mut dyn SpikeSink>,
}

impl<'a> Spikeway<'a> {
    /// The way of `sim`'s spikes with `sink` (needed with `record.spikes = "file"`).
    ///
    /// # Errors
    /// [`Error::SpikeSink`] for a file run without a sink.
    fn new(sim: &Simulation, sink: Option<&'a mut dyn SpikeSink>) -> Result<Self, Error> {
        let mode = sim.record().spikes;
        if mode == SpikeMode::File && sink.is_none() {
            return Err(Error::SpikeSink(
                "record.spikes = \"file\" streams the spikes to a file, and this run was given none: run it \
                 with `lifsim run --out DIR`, `lifsim.simulate(..., out=DIR)`, or `lifsim::engine::run_streaming`; \
                 or set record.spikes = \"memory\" or \"counts\""
                    .into(),
            ));
        }
        Ok(Self { mode, sink })
    }

    /// After a window's merge: hands the spikes merged so far to the sink (file runs) or drops
    /// them (counts runs); a memory run keeps them.
    ///
    /// # Errors
    /// [`Error::SpikeSink`] when the sink fails.
    pub(crate) fn pass(&mut self, spikes: &mut Spikes) -> Result<(), Error> {
        match (self.mode, &mut self.sink) {
            (SpikeMode::Memory, _) => return Ok(()),
            (SpikeMode::File, Some(sink)) if !spikes.is_empty() => sink.write(spikes).map_err(Error::SpikeSink)?,
            _ => {}
        }
        spikes.neuron.clear();
        spikes.step.clear();
        spikes.time.clear();
        Ok(())
    }
}

/// [`run_shard_with`] with the kernel compiled for `isa`, the spikes of a file run going to
/// `sink`.
fn run_shard_on(
    sim: &Simulation,
    shard: &Shard,
    isa: Isa,
    sink: Option<&mut dyn SpikeSink>,
    control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Partial, Error> {
    if sim.network().is_some() {
        return Err(Error::Shard(
            "a network cannot be cut into shards: its neurons interact; run it whole (without shards or client)".into(),
        ));
    }
    let sink = Spikeway::new(sim, sink)?;
    run_generic_shard(sim, shard, isa, sink, control)
}

/// The blocks of `shard` of the ensemble `sim` run with the noise source of its input.
fn run_generic_shard(
    sim: &Simulation,
    shard: &Shard,
    isa: Isa,
    sink: Spikeway<'_>,
    control: impl FnMut(Progress) -> ControlFlow<()>,
) -> Result<Partial, Error> {
    let constants = StepConstants::new(sim);
    let seed = sim.seed();
    let part = Partial::new(sim, shard)?;
    match sim.input().noise {
        Noise::None => run_generic(sim, part, isa, &constants, (sink, control), |_, _| Silent),
        Noise::Tutorial { .. } => run_generic(sim, part, isa, &constants, (sink, control), |first, len| {
            ScaledNoise::<Symmetric>::new(constants.noise_scale, BlockBuffer::new(seed, first, len, isa))
        }),
        Noise::White { .. } => run_generic(sim, part, isa, &constants, (sink, control), |first, len| {
            ScaledNoise::<Normals>::new(constants.noise_scale, BlockBuffer::new(seed, first, len, isa))
        }),
        Noise::Ou { .. } => run_generic(sim, part, isa, &constants, (sink, control), |first, len| {
            OuNoise::new(seed, first, len, &constants, isa)
        }),
        Noise::Poisson(input) => run_generic(sim, part, isa, &constants, (sink, control), |first, len| {
            PoissonNoise::new(seed, first, len, &input, sim.dt())
        }),
    }
}

/// The run loop for noise sources of kind `N` over the neurons of `part`: chunks built, then
/// window after window computed in parallel while the previous window's logs are merged, then
/// counts and histograms.
fn run_generic<N: NoiseSource>(
    sim: &Simulation,
    mut part: Partial,
    isa: Isa,
    constants: &StepConstants,
    (mut sink, mut control): (Spikeway<'_>, impl FnMut(Progress) -> ControlFlow<()>),
    make_noise: impl Fn(u64, usize) -> N,
) -> Result<Partial, Error> {
    let shared = StepInputs::new(sim, isa, constants);
    let layout = ChunkLayout::new::<N>(sim, isa, constants);
    let (n, len, v_init) = (sim.n(), chunk_len(sim.n()), sim.neuron().v_init);
    let neurons = part.neurons();
    let mut chunks: Vec<Chunk<N>> = neurons
        .clone()
        .step_by(len)
        .map(|first| Chunk::new(sim, isa, (first, len.min(neurons.end - first), v_init), layout, &make_noise))
        .collect();
    let window = window_steps(n);
    let mut scratch = MergeScratch::default();
    // A memory run's spike steps wait for the end (see `Columns::steps`); file runs hand
    // theirs on every window.
    let columns = Columns { steps: sink.mode != SpikeMode::Memory, times: sim.crossing() == Crossing::Precise };
    let places: Vec<ChunkPlace> =
        chunks.iter().map(|c| ChunkPlace { first: c.first, len: c.len, traced: c.traced }).collect();
    // The logs of the last window computed, merged while the chunks compute the next one, then
    // swapped with the chunks' logs: the serial merge leaves the critical path with two
    // threads or more (bench/RESULTS.md, fourth round).
    let mut logged: Vec<ChunkLog> = chunks.iter().map(|_| ChunkLog::default()).collect();
    let mut unmerged: Option<(usize, usize)> = None;
    if control(Progress { steps_done: 0, steps_total: sim.steps() }).is_break() {
        return Err(Error::Cancelled);
    }
    let mut start = 0;
    while start < sim.steps() {
        let end = (start + window).min(sim.steps());
        let shared = &shared;
        let mut merged = Ok(());
        rayon::join(
            || chunks.par_iter_mut().for_each(|chunk| isa.run(&mut ChunkWindow { chunk, start, end, shared })),
            || {
                if let Some((start, end)) = unmerged {
                    merged =
                        merge_and_pass(&mut part, (&places, &logged), (start, end), &mut scratch, columns, &mut sink);
                }
            },
        );
        merged?;
        for (chunk, log) in chunks.iter_mut().zip(&mut logged) {
            std::mem::swap(&mut chunk.log, log);
        }
        unmerged = Some((start, end));
        start = end;
        if control(Progress { steps_done: end, steps_total: sim.steps() }).is_break() {
            return Err(Error::Cancelled);
        }
    }
    // What outlives the neurons' state: their spike counts and V snapshots. The state is freed
    // before the last window's merge, and the spikes' steps are filled in after it, so the
    // recording reaches its full size only once the state is gone (issue 18's memory budget).
    let (mut counts, mut snapshots): (Vec<_>, Vec<_>) =
        chunks.into_iter().map(|chunk| (chunk.spike_count, chunk.snapshots)).unzip();
    if let Some((start, end)) = unmerged {
        merge_and_pass(&mut part, (&places, &logged), (start, end), &mut scratch, columns, &mut sink)?;
    }
    drop(logged);
    part.spike_count = concat_freeing(neurons.len(), counts.iter_mut(), "the spike counts")?;
    for h in 0..sim.record().hist_steps.len() {
        let pieces = snapshots.iter_mut().map(|chunk| &mut chunk[h]);
        part.snapshots.push(concat_freeing(neurons.len(), pieces, "a V histogram")?);
    }
    heap::release_freed_pages();
    part.fill_spike_steps()?;
    Ok(part)
}

/// The vectors `pieces` joined into one of `capacity` values, each piece freed once copied (so
/// that the joined vector and its pieces are never all held at once), or the error naming `what`.
fn concat_freeing<'a, T: Copy + 'a>(
    capacity: usize,
    pieces: impl Iterator<Item = &'a mut Vec<T>>,
    what: &'static str,
) -> Result<Vec<T>, Error> {
    let mut joined = gather(capacity, [], what)?;
    for piece in pieces {
        joined.extend_from_slice(&std::mem::take(piece));
    }
    Ok(joined)
}

/// Merges the window `start..end` of the chunk logs `logs` (of the chunks at `places`) into
/// `part`, then lets its spikes go their way (`sink`).
///
/// # Errors
/// [`Error::AllocationFailed`] when the spikes outgrow the memory; [`Error::SpikeSink`].
fn merge_and_pass(
    part: &mut Partial,
    (places, logs): (&[ChunkPlace], &[ChunkLog]),
    (start, end): (usize, usize),
    scratch: &mut MergeScratch,
    columns: Columns,
    sink: &mut Spikeway<'_>,
) -> Result<(), Error> {
    merge_shard_window(part, places, logs, start, end, scratch, columns)
        .map_err(|_| Error::AllocationFailed { what: "the spikes", bytes: spike_bytes(&part.spikes, logs) })?;
    sink.pass(&mut part.spikes)
}

/// The size of the spike vectors a failed merge tried to grow to (bytes), for its message.
fn spike_bytes(spikes: &Spikes, logs: &[ChunkLog]) -> u64 {
    let window: usize = logs.iter().map(|log| log.spikes.len()).sum();
    let per_spike = if spikes.is_timed() { 16 } else { 8 };
    per_spike * (spikes.len() + window) as u64
}

/// A vector with room for `capacity` values holding those of `values`, or the error naming
/// `what` when it cannot be allocated.
fn gather<T>(capacity: usize, values: impl IntoIterator<Item = T>, what: &'static str) -> Result<Vec<T>, Error> {
    let mut v = Vec::new();
    v.try_reserve_exact(capacity).map_err(|_| Error::AllocationFailed {
        what,
        bytes: (capacity as u64).saturating_mul(size_of::<T>() as u64),
    })?;
    v.extend(values);
    Ok(v)
}

/// The recording before the first window: its per-step vectors reserved, traces allocated.
///
/// # Errors
/// [`Error::AllocationFailed`] when they do not fit in memory.
fn empty_recording(sim: &Simulation) -> Result<Recording, Error> {
    let (spec, steps) = (sim.record(), sim.steps());
    let samples = steps.div_ceil(spec.every);
    let per_step = |what| gather(steps, [], what);
    Ok(Recording {
        grid: sim.grid(),
        n: sim.n(),
        v_mean: per_step("the mean of V")?,
        v_var: per_step("the variance of V")?,
        activity: per_step("the activity")?,
        traces: Traces {
            neurons: spec.traces,
            every: spec.every,
            samples,
            values: {
                let len = spec.traces.saturating_mul(samples);
                gather(len, std::iter::repeat_n(0.0, len), "the V traces")?
            },
        },
        spikes: Spikes::default(),
        spike_count: Vec::new(),
        histograms: Vec::new(),
        populations: Vec::new(),
        spike_mode: sim.record().spikes,
    })
}

/// Fills in what the chunks hold at the end: spike counts and histograms, in neuron order.
///
/// # Errors
/// [`Error::AllocationFailed`] when they do not fit in memory.
fn finish<N>(sim: &Simulation, rec: &mut Recording, chunks: &[Chunk<N>]) -> Result<(), Error> {
    let spec = sim.record();
    let counts = chunks.iter().flat_map(|c| c.spike_count.iter().copied());
    rec.spike_count = gather(sim.n(), counts, "the spike counts")?;
    for (h, &step) in spec.hist_steps.iter().enumerate() {
        let values = gather(sim.n(), chunks.iter().flat_map(|c| c.snapshots[h].iter().copied()), "a V histogram")?;
        rec.histograms.push(Histogram::new(sim.time(step), step, values, spec.hist_bins));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Value};

    fn simulation(noise: &str, crossing: &str) -> Simulation {
        let exact = [("simulation.method", Value::from("exact"))];
        simulation_with(noise, crossing, if crossing == "precise" { &exact } else { &[] })
    }

    /// The test simulation with `extra` settings applied last.
    fn simulation_with(noise: &str, crossing: &str, extra: &[(&str, Value)]) -> Simulation {
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
        ]
        .into_iter()
        .chain(extra.iter().cloned())
        {
            config.set(key, &value).expect("valid test configuration");
        }
        config.build().expect("valid test configuration")
    }

    /// Every compiled SIMD copy of the kernel and every thread count give the same bits.
    #[test]
    fn results_do_not_depend_on_simd_width_or_threads() {
        for (noise, crossing) in [
            ("white", "grid"),
            ("none", "grid"),
            ("white", "bridge"),
            ("white", "precise"),
            ("none", "precise"),
            ("tutorial", "grid"),
            ("ou", "grid"),
            ("poisson", "grid"),
        ] {
            let sim = simulation(noise, crossing);
            let reference = run_on(&sim, Isa::Portable, None, |_| ControlFlow::Continue(())).expect("runs");
            assert!(!reference.spikes.is_empty(), "{noise}/{crossing}: no spikes");
            for isa in Isa::available() {
                for threads in [1, 2, 3] {
                    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
                    let rec = pool.install(|| run_on(&sim, isa, None, |_| ControlFlow::Continue(()))).expect("runs");
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
                let traces = Value::from(n.min(3) as i64);
                let sim = simulation_with(
                    noise,
                    "grid",
                    &[("simulation.n", Value::from(n as i64)), ("record.traces", traces)],
                );
                let reference = run_on(&sim, Isa::Portable, None, |_| ControlFlow::Continue(())).expect("runs");
                for isa in Isa::available() {
                    let rec = run_on(&sim, isa, None, |_| ControlFlow::Continue(())).expect("runs");
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

    /// `record.spikes = "file"` hands the sink exactly the spikes a memory run keeps, in the
    /// same order, and `"counts"` keeps none; everything else is the same bits, for an
    /// ensemble over several windows (n = 17 000 has 17 chunks; precise times go along) and
    /// for a network.
    #[test]
    fn file_and_counts_runs_record_what_a_memory_run_does_without_keeping_spikes() {
        let network = "[[population]]\nname = \"e\"\nn = 800\n[[population]]\nname = \"i\"\nn = 200\n\
            [[connection]]\nfrom = \"e\"\nto = \"e\"\nin_degree = 80\nweight = \"0.1 mV\"\ndelay = \"1.5 ms\"\n\
            [[connection]]\nfrom = \"i\"\nto = \"e\"\nin_degree = 20\nweight = \"-0.5 mV\"\ndelay = \"1.5 ms\"\n";
        let mut cases: Vec<(&str, Config)> = Vec::new();
        for (noise, crossing) in [("white", "grid"), ("white", "precise")] {
            let method = if crossing == "precise" { "exact" } else { "euler" };
            let mut config = Config::default();
            for (key, value) in [
                ("simulation.n", Value::from(17_000)),
                ("simulation.t_max", Value::from("0.15 s")),
                ("simulation.dt", Value::from("0.1 ms")),
                ("simulation.crossing", Value::from(crossing)),
                ("simulation.method", Value::from(method)),
                ("input.noise", Value::from(noise)),
                ("input.i_mean", Value::from("250 pA")),
            ] {
                config.set(key, &value).expect("valid");
            }
            cases.push((crossing, config));
        }
        let mut net = Config::from_toml_str(network).expect("network");
        net.set("simulation.t_max", &Value::from("50 ms")).expect("valid");
        net.set("simulation.dt", &Value::from("0.1 ms")).expect("valid");
        net.set("input.noise", &Value::from("white")).expect("valid");
        net.set("input.i_mean", &Value::from("300 pA")).expect("valid");
        cases.push(("network", net));
        for (name, config) in cases {
            let memory = crate::run(&config.build().expect("valid")).expect("runs");
            assert!(memory.spikes.len() > 1000, "{name}: {} spikes", memory.spikes.len());
            let mut file = config.clone();
            file.set("record.spikes", &Value::from("file")).expect("valid");
            let file = file.build().expect("valid");
            assert!(matches!(crate::run(&file), Err(Error::SpikeSink(_))), "{name}: a file run needs a sink");
            let mut sink = Spikes::default();
            let streamed = run_streaming(&file, &mut sink, |_| ControlFlow::Continue(())).expect("runs");
            assert_eq!(sink, memory.spikes, "{name}: the sink's spikes");
            let mut counts = config.clone();
            counts.set("record.spikes", &Value::from("counts")).expect("valid");
            let counted = crate::run(&counts.build().expect("valid")).expect("runs");
            for (mode, rec) in [("file", streamed), ("counts", counted)] {
                assert!(rec.spikes.is_empty() && !rec.holds_spikes(), "{name} {mode}: spikes kept");
                assert_eq!(rec.spike_total(), memory.spike_total(), "{name} {mode}");
                let same = Recording { spikes: memory.spikes.clone(), spike_mode: SpikeMode::Memory, ..rec };
                assert_eq!(same, memory, "{name} {mode}: the rest of the recording");
            }
        }
    }

    /// Not a test: prints ns per neuron-step of each compiled copy on workload W (n = 10 000,
    /// 0.2 s), for bench/RESULTS.md. `cargo test --release -p lifsim --lib -- --ignored
    /// --nocapture simd_copy_speed`.
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn simd_copy_speed() {
        let sim = simulation_with(
            "white",
            "grid",
            &[
                ("simulation.n", Value::from(10_000)),
                ("simulation.t_max", Value::from("0.2 s")),
                ("record.traces", Value::from(0)),
                ("record.hist_times", Value::List(Vec::new())),
            ],
        );
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        for round in 0..3 {
            for isa in Isa::available() {
                let started = std::time::Instant::now();
                pool.install(|| run_on(&sim, isa, None, |_| ControlFlow::Continue(()))).expect("runs");
                let ns = started.elapsed().as_secs_f64() * 1e9 / (sim.n() * sim.steps()) as f64;
                println!("round {round} {isa:?}: {ns:.2} ns per neuron-step");
            }
        }
    }
}
