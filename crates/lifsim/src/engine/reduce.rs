//! Shards and their exact merge: partial recordings of whole blocks, combined by one fixed tree.
//!
//! An ensemble's chunks are grouped in blocks of [`BLOCK_CHUNKS`] chunks ([`block_len`]
//! neurons). A shard is a range of whole blocks; running it ([`super::run_shard`]) gives a
//! [`Partial`]: for every step the moments of each of its blocks (folded over the block's chunks
//! in chunk order), its spikes, counts, traced V and histogram values. [`merge`] combines the
//! partials of all blocks: per step, the blocks' moments go through a fixed pairwise tree whose
//! shape depends only on the number of blocks, so only on `n`. [`crate::run`] is the merge of
//! the one shard that holds every block, so a run cut into any shards, run on any machines with
//! any thread counts, gives the same bits as a run on one machine.

use super::{BLOCK_CHUNKS, chunk_len, concat_freeing, gather};
use crate::error::Error;
use crate::model::{Simulation, SpikeMode};
use crate::record::{GroupMoments, Histogram, Recording, Spikes, Traces};
use std::ops::Range;

/// Neurons per block for an ensemble of `n`: [`BLOCK_CHUNKS`] chunks of
/// [`super::chunk_len`]`(n)` neurons. The last block may be shorter.
///
/// ```
/// assert_eq!(lifsim::engine::block_len(1_000_000), 64 * 1024);
/// ```
pub fn block_len(n: usize) -> usize {
    BLOCK_CHUNKS * chunk_len(n)
}

/// Blocks of an ensemble of `n` neurons (at least 1).
///
/// ```
/// assert_eq!(lifsim::engine::blocks(1_000), 1);
/// assert_eq!(lifsim::engine::blocks(1_000_000), 16);
/// ```
pub fn blocks(n: usize) -> usize {
    n.div_ceil(block_len(n)).max(1)
}

/// A range of whole blocks of an ensemble ([`block_len`] neurons each), the unit of
/// distributed work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// Indices of its blocks; the end is clamped to [`blocks`]`(n)`.
    pub blocks: Range<usize>,
}

impl Shard {
    /// Every block of the ensemble.
    pub const WHOLE: Shard = Shard { blocks: 0..usize::MAX };

    /// `count` shards of nearly equal numbers of blocks covering the ensemble of `n` neurons,
    /// in block order; fewer when there are fewer blocks than `count` (at least one).
    ///
    /// ```
    /// use lifsim::engine::Shard;
    /// let shards = Shard::split(1_000_000, 3);
    /// assert_eq!(shards.iter().map(|s| s.blocks.clone()).collect::<Vec<_>>(), [0..5, 5..10, 10..16]);
    /// ```
    pub fn split(n: usize, count: usize) -> Vec<Shard> {
        let total = blocks(n);
        let count = count.clamp(1, total);
        (0..count).map(|i| Shard { blocks: i * total / count..(i + 1) * total / count }).collect()
    }

    /// The neurons of this shard in an ensemble of `n`: `blocks * block_len(n)`, clamped to `n`.
    pub fn neurons(&self, n: usize) -> Range<usize> {
        let len = block_len(n);
        let end = self.blocks.end.min(blocks(n));
        let start = self.blocks.start.min(end);
        (start * len).min(n)..(end * len).min(n)
    }
}

/// The recording of one shard, to be merged with the others by [`merge`].
///
/// It carries a fingerprint of its simulation, so that partials of different simulations are
/// never merged. [`Partial::to_bytes`] and [`Partial::from_bytes`] move it between processes.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    pub(super) fingerprint: u64,
    pub(super) n: usize,
    pub(super) steps: usize,
    pub(super) blocks: Range<usize>,
    pub(super) neurons: Range<usize>,
    /// Per block of the shard, the (mean, m2) of its V at each step.
    pub(super) moments: Vec<Vec<[f64; 2]>>,
    /// The shard's spikes at each step.
    pub(super) spikes_per_step: Vec<u32>,
    /// The shard's spikes (global neuron indices), by step, then neuron.
    pub(super) spikes: Spikes,
    /// Spikes per neuron of the shard.
    pub(super) spike_count: Vec<u32>,
    /// Traced neurons in the shard (the first ones of its range).
    pub(super) traced: usize,
    pub(super) trace_every: usize,
    pub(super) trace_samples: usize,
    /// Traced V, neuron-major (`traced * trace_samples`).
    pub(super) traces: Vec<f64>,
    /// V of the shard's neurons at each histogram step.
    pub(super) snapshots: Vec<Vec<f64>>,
}

impl Partial {
    /// Fills in the step of each spike from the spikes per step, where the run left it out
    /// (see `merge::Columns::steps`); nothing to do when every spike has its step.
    ///
    /// # Errors
    /// [`Error::AllocationFailed`] when the steps do not fit in memory.
    pub(super) fn fill_spike_steps(&mut self) -> Result<(), Error> {
        let spikes = &mut self.spikes;
        if spikes.step.len() == spikes.neuron.len() {
            return Ok(());
        }
        spikes.step.clear();
        spikes
            .step
            .try_reserve_exact(spikes.neuron.len())
            .map_err(|_| Error::AllocationFailed { what: "the spike steps", bytes: 4 * spikes.neuron.len() as u64 })?;
        for (k, &count) in self.spikes_per_step.iter().enumerate() {
            spikes.step.extend(std::iter::repeat_n(k as u32, count as usize));
        }
        debug_assert_eq!(spikes.step.len(), spikes.neuron.len(), "spikes per step and spikes disagree");
        Ok(())
    }
}

/// The first bytes of [`Partial::to_bytes`], with the format's version.
const MAGIC: &[u8; 8] = b"LIFPART2";

impl Partial {
    /// An empty partial for `shard` of `sim`, ready for the run's windows: its per-step
    /// vectors reserved, its traces allocated.
    ///
    /// # Errors
    /// [`Error::AllocationFailed`] when they do not fit in memory.
    pub(super) fn new(sim: &Simulation, shard: &Shard) -> Result<Self, Error> {
        let n = sim.n();
        let neurons = shard.neurons(n);
        let end = shard.blocks.end.min(blocks(n));
        let spec = sim.record();
        let samples = sim.steps().div_ceil(spec.every);
        let traced = spec.traces.saturating_sub(neurons.start).min(neurons.len());
        let steps = sim.steps();
        let blocks = end - shard.blocks.start.min(end);
        let mut moments = Vec::with_capacity(blocks);
        for _ in 0..blocks {
            moments.push(gather(steps, [], "the mean and variance of V")?);
        }
        let len = traced.saturating_mul(samples);
        Ok(Partial {
            fingerprint: fingerprint(sim),
            n,
            steps: sim.steps(),
            blocks: shard.blocks.start.min(end)..end,
            moments,
            spikes_per_step: gather(steps, [], "the activity")?,
            spikes: Spikes::default(),
            spike_count: Vec::new(),
            traced,
            trace_every: spec.every,
            trace_samples: samples,
            traces: gather(len, std::iter::repeat_n(0.0, len), "the V traces")?,
            snapshots: Vec::new(),
            neurons,
        })
    }

    /// Its blocks.
    pub fn blocks(&self) -> Range<usize> {
        self.blocks.clone()
    }

    /// Its neurons (indices in the ensemble).
    pub fn neurons(&self) -> Range<usize> {
        self.neurons.clone()
    }

    /// The partial as bytes (little-endian, exact), for [`Partial::from_bytes`] in another
    /// process.
    ///
    /// ```
    /// use lifsim::engine::{Partial, Shard, run_shard};
    /// let sim = lifsim::Config::default().build().unwrap();
    /// let part = run_shard(&sim, &Shard::WHOLE).unwrap();
    /// assert_eq!(Partial::from_bytes(&part.to_bytes()).unwrap(), part);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 8 * self.spikes.len() + 8 * self.traces.len());
        out.extend_from_slice(MAGIC);
        let word = |out: &mut Vec<u8>, x: u64| out.extend_from_slice(&x.to_le_bytes());
        for x in [self.fingerprint, self.n as u64, self.steps as u64, self.blocks.start as u64, self.blocks.end as u64]
        {
            word(&mut out, x);
        }
        for x in [self.neurons.start, self.neurons.end, self.traced, self.trace_every, self.trace_samples] {
            word(&mut out, x as u64);
        }
        let floats = |out: &mut Vec<u8>, v: &[f64]| {
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        };
        let ints = |out: &mut Vec<u8>, v: &[u32]| {
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        };
        for block in &self.moments {
            floats(&mut out, block.as_flattened());
        }
        ints(&mut out, &self.spikes_per_step);
        ints(&mut out, &self.spikes.neuron);
        ints(&mut out, &self.spikes.step);
        floats(&mut out, &self.spikes.time);
        ints(&mut out, &self.spike_count);
        floats(&mut out, &self.traces);
        word(&mut out, self.snapshots.len() as u64);
        for values in &self.snapshots {
            floats(&mut out, values);
        }
        out
    }

    /// The partial written by [`Partial::to_bytes`].
    ///
    /// # Errors
    /// [`Error::Shard`] when `bytes` are not such a partial (cut short, another format).
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial, Error> {
        let bad = |what: &str| Error::Shard(format!("not a lifsim partial recording: {what}"));
        let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| bad("wrong header or version"))?;
        let mut reader = Reader { rest };
        let mut word = || reader.word().ok_or_else(|| bad("cut short"));
        let fingerprint = word()?;
        let [n, steps, b0, b1, s0, s1, traced, trace_every, trace_samples] =
            [word()?, word()?, word()?, word()?, word()?, word()?, word()?, word()?, word()?].map(|x| x as usize);
        if b1 < b0 || s1 < s0 || b1 - b0 > bytes.len() {
            return Err(bad("inconsistent ranges"));
        }
        let mut moments = Vec::with_capacity(b1 - b0);
        for _ in b0..b1 {
            let flat = reader.floats().ok_or_else(|| bad("cut short"))?;
            if flat.len() != 2 * steps {
                return Err(bad("moments of the wrong length"));
            }
            moments.push(flat.chunks_exact(2).map(|p| [p[0], p[1]]).collect());
        }
        let cut = || bad("cut short");
        let spikes_per_step = reader.ints().ok_or_else(cut)?;
        let neuron = reader.ints().ok_or_else(cut)?;
        let step = reader.ints().ok_or_else(cut)?;
        let time = reader.floats().ok_or_else(cut)?;
        let spike_count = reader.ints().ok_or_else(cut)?;
        let traces = reader.floats().ok_or_else(cut)?;
        let histograms = reader.word().ok_or_else(cut)? as usize;
        let mut snapshots = Vec::new();
        for _ in 0..histograms.min(bytes.len()) {
            snapshots.push(reader.floats().ok_or_else(cut)?);
        }
        let total: u64 = spikes_per_step.iter().map(|&c| u64::from(c)).sum();
        if neuron.len() != step.len()
            || !(time.is_empty() || time.len() == neuron.len())
            || (total != neuron.len() as u64 && !neuron.is_empty())
            || spikes_per_step.len() != steps
            || spike_count.len() != s1 - s0
            || traces.len() != traced.saturating_mul(trace_samples)
            || snapshots.iter().any(|s| s.len() != s1 - s0)
            || !reader.rest.is_empty()
        {
            return Err(bad("inconsistent lengths"));
        }
        Ok(Partial {
            fingerprint,
            n,
            steps,
            blocks: b0..b1,
            neurons: s0..s1,
            moments,
            spikes_per_step,
            spikes: Spikes { neuron, step, time },
            spike_count,
            traced,
            trace_every,
            trace_samples,
            traces,
            snapshots,
        })
    }
}

/// Reads the little-endian words of [`Partial::to_bytes`].
struct Reader<'a> {
    rest: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> Option<&[u8]> {
        if self.rest.len() < len {
            return None;
        }
        let (head, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(head)
    }

    fn word(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn floats(&mut self) -> Option<Vec<f64>> {
        let len = usize::try_from(self.word()?).ok()?;
        let bytes = self.take(len.checked_mul(8)?)?;
        Some(bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect())
    }

    fn ints(&mut self) -> Option<Vec<u32>> {
        let len = usize::try_from(self.word()?).ok()?;
        let bytes = self.take(len.checked_mul(4)?)?;
        Some(bytes.chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))).collect())
    }
}

/// A 64-bit fingerprint of everything that makes `sim`'s result (FNV-1a of its full
/// description, floats exact), so that partials of different simulations are never merged.
///
/// ```
/// let a = lifsim::Config::default().build().unwrap();
/// let mut config = lifsim::Config::default();
/// config.set("simulation.seed", &lifsim::Value::Int(7)).unwrap();
/// let b = config.build().unwrap();
/// assert_ne!(lifsim::engine::fingerprint(&a), lifsim::engine::fingerprint(&b));
/// ```
pub fn fingerprint(sim: &Simulation) -> u64 {
    let text = format!("{sim:?}");
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The moments of `blocks` combined by the fixed pairwise tree: halves split at
/// `ceil(len / 2)`, the left merged with the right. Its shape depends only on the number of
/// blocks; one block is returned as it is.
fn tree(blocks: &[GroupMoments]) -> GroupMoments {
    match blocks {
        [] => GroupMoments::default(),
        [one] => *one,
        _ => {
            let (left, right) = blocks.split_at(blocks.len().div_ceil(2));
            let mut total = tree(left);
            total.merge(&tree(right));
            total
        }
    }
}

/// Merges the partial recordings of all blocks of `sim` (in any order) into its recording:
/// the same bits as [`crate::run`] for any cut into shards.
///
/// # Errors
/// [`Error::Shard`] when a partial belongs to another simulation, or the partials overlap or
/// miss blocks; [`Error::NonFinite`] when V became non-finite.
///
/// ```
/// use lifsim::engine::{Shard, merge, run_shard};
/// let sim = lifsim::Config::default().build().unwrap();
/// let parts = vec![run_shard(&sim, &Shard::WHOLE).unwrap()];
/// assert_eq!(merge(&sim, parts).unwrap(), lifsim::run(&sim).unwrap());
/// ```
pub fn merge(sim: &Simulation, mut parts: Vec<Partial>) -> Result<Recording, Error> {
    let (n, steps) = (sim.n(), sim.steps());
    let print = fingerprint(sim);
    if let Some(other) = parts.iter().find(|p| p.fingerprint != print || p.n != n || p.steps != steps) {
        return Err(Error::Shard(format!(
            "the partial recording of blocks {:?} belongs to another simulation (fingerprint {:016x}, this one \
             {print:016x}): every shard must run the same configuration",
            other.blocks, other.fingerprint
        )));
    }
    let spec = sim.record();
    let expected_traced = |p: &Partial| spec.traces.saturating_sub(p.neurons.start).min(p.neurons.len());
    // The spikes a partial holds: all of them in memory runs, none in file and counts runs.
    let held = |p: &Partial| match spec.spikes {
        SpikeMode::Memory => p.spikes_per_step.iter().map(|&c| u64::from(c)).sum(),
        SpikeMode::File | SpikeMode::Counts => 0,
    };
    if let Some(bad) = parts.iter().find(|p| {
        p.neurons != (Shard { blocks: p.blocks.clone() }).neurons(n)
            || p.moments.len() != p.blocks.len()
            || p.spike_count.len() != p.neurons.len()
            || p.snapshots.len() != spec.hist_steps.len()
            || p.traced != expected_traced(p)
            || p.trace_every != spec.every
            || p.trace_samples != steps.div_ceil(spec.every)
            || p.spikes.len() as u64 != held(p)
    }) {
        return Err(Error::Shard(format!(
            "the partial recording of blocks {:?} is inconsistent with its simulation (damaged or hand-made)",
            bad.blocks
        )));
    }
    parts.sort_by_key(|p| p.blocks.start);
    let total = blocks(n);
    let mut next = 0;
    for part in &parts {
        if part.blocks.start != next {
            let what = if part.blocks.start < next { "overlap" } else { "leave out some blocks" };
            return Err(Error::Shard(format!(
                "the partial recordings {what}: blocks {:?} follow blocks 0..{next} (the ensemble has {total} blocks)",
                part.blocks
            )));
        }
        next = part.blocks.end;
    }
    if next != total {
        return Err(Error::Shard(format!(
            "the partial recordings cover blocks 0..{next}, but the ensemble has {total} blocks"
        )));
    }

    let len = block_len(n);
    let counts: Vec<f64> = (0..total).map(|b| (len.min(n - b * len)) as f64).collect();
    let moments: Vec<&Vec<[f64; 2]>> = parts.iter().flat_map(|p| &p.moments).collect();
    let (mut v_mean, mut v_var, mut activity) = (
        gather(steps, [], "the mean of V")?,
        gather(steps, [], "the variance of V")?,
        gather(steps, [], "the activity")?,
    );
    let mut scratch = Vec::with_capacity(total);
    for k in 0..steps {
        scratch.clear();
        scratch.extend(moments.iter().zip(&counts).map(|(m, &count)| {
            let [mean, m2] = m[k];
            GroupMoments { count, mean, m2 }
        }));
        let moments = tree(&scratch);
        let spikes: u64 = parts.iter().map(|p| u64::from(p.spikes_per_step[k])).sum();
        v_mean.push(moments.mean);
        v_var.push(if n > 1 { moments.m2 / (n as f64 - 1.0) } else { f64::NAN });
        activity.push(spikes as f64 / n as f64);
    }

    let spikes = match spec.spikes {
        // File and counts runs hold no spikes (checked above).
        SpikeMode::File | SpikeMode::Counts => Spikes::default(),
        SpikeMode::Memory if parts.len() == 1 => std::mem::take(&mut parts[0].spikes),
        SpikeMode::Memory => interleave(&parts)?,
    };
    let samples = steps.div_ceil(spec.every);
    let traces = Traces {
        neurons: spec.traces,
        every: spec.every,
        samples,
        values: concat(&mut parts, |p| &mut p.traces, "the V traces")?,
    };
    let spike_count = concat(&mut parts, |p| &mut p.spike_count, "the spike counts")?;
    let mut histograms = Vec::with_capacity(spec.hist_steps.len());
    for (h, &step) in spec.hist_steps.iter().enumerate() {
        let values = concat(&mut parts, |p| &mut p.snapshots[h], "a V histogram")?;
        histograms.push(Histogram::new(sim.time(step), step, values, spec.hist_bins));
    }
    if let Some(step) = v_mean.iter().position(|v: &f64| !v.is_finite()) {
        return Err(Error::NonFinite { step, time: sim.time(step) });
    }
    Ok(Recording {
        grid: sim.grid(),
        n,
        v_mean,
        v_var,
        activity,
        traces,
        spikes,
        spike_count,
        histograms,
        populations: Vec::new(),
        spike_mode: sim.record().spikes,
    })
}

/// The vectors `field` of all partials (in block order) joined, taken out of them (moved, not
/// copied, when there is one partial).
///
/// # Errors
/// [`Error::AllocationFailed`] naming `what` when the joined vector does not fit in memory.
fn concat<T: Copy>(
    parts: &mut [Partial],
    field: impl Fn(&mut Partial) -> &mut Vec<T>,
    what: &'static str,
) -> Result<Vec<T>, Error> {
    if let [one] = parts {
        return Ok(std::mem::take(field(one)));
    }
    let len = parts.iter_mut().map(|p| field(p).len()).sum();
    concat_freeing(len, parts.iter_mut().map(field), what)
}

/// The spikes of all partials (in block order) in the recording's order: by step, then neuron.
fn interleave(parts: &[Partial]) -> Result<Spikes, Error> {
    let total: usize = parts.iter().map(|p| p.spikes.len()).sum();
    let mut spikes = Spikes::default();
    let fail = |_| Error::AllocationFailed { what: "the spikes", bytes: 8 * total as u64 };
    spikes.neuron.try_reserve_exact(total).map_err(fail)?;
    spikes.step.try_reserve_exact(total).map_err(fail)?;
    let mut cursors = vec![0; parts.len()];
    let steps = parts.first().map_or(0, |p| p.steps);
    for k in 0..steps {
        for (part, at) in parts.iter().zip(cursors.iter_mut()) {
            let count = part.spikes_per_step[k] as usize;
            spikes.neuron.extend_from_slice(&part.spikes.neuron[*at..*at + count]);
            spikes.step.extend_from_slice(&part.spikes.step[*at..*at + count]);
            if part.spikes.is_timed() {
                spikes.time.extend_from_slice(&part.spikes.time[*at..*at + count]);
            }
            *at += count;
        }
    }
    Ok(spikes)
}

#[cfg(test)]
mod tests {
    use super::super::run_shard;
    use super::*;
    use crate::{Config, Value};

    /// An ensemble of 7 blocks (420 000 neurons of 64 chunks of 1024), a few steps.
    fn simulation(noise: &str) -> Simulation {
        config(noise).build().expect("valid test configuration")
    }

    /// The configuration of [`simulation`].
    fn config(noise: &str) -> Config {
        let mut config = Config::default();
        for (key, value) in [
            ("simulation.n", Value::from(420_000)),
            ("simulation.t_max", Value::from("2 ms")),
            ("simulation.dt", Value::from("0.1 ms")),
            ("input.noise", Value::from(noise)),
            ("input.sigma_v", Value::from("8 mV")),
            ("input.i_mean", Value::from("450 pA")),
            ("neuron.v_init", Value::from("-52 mV")),
            ("record.traces", Value::from(3)),
            ("record.hist_times", Value::List(vec![Value::from("1 ms")])),
        ] {
            config.set(key, &value).expect("valid test configuration");
        }
        config
    }

    /// Bitwise, so that NaN and -0.0 would count as differences.
    fn bits(r: &Recording) -> Vec<u64> {
        r.v_mean.iter().chain(&r.v_var).chain(&r.activity).chain(&r.traces.values).map(|x| x.to_bits()).collect()
    }

    /// 1, 2, 3 and 7 shards, run on 1 and 2 threads, merged in any order (and through bytes):
    /// the same bits as the whole run.
    #[test]
    fn shards_merge_to_the_whole_run() {
        let sim = simulation("white");
        assert_eq!(blocks(sim.n()), 7);
        let whole = crate::run(&sim).expect("runs");
        assert!(!whole.spikes.is_empty(), "no spikes");
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            for count in [1, 2, 3, 7] {
                let shards = Shard::split(sim.n(), count);
                assert_eq!(shards.len(), count);
                let mut parts: Vec<Partial> =
                    pool.install(|| shards.iter().map(|s| run_shard(&sim, s).expect("runs")).collect());
                parts.reverse();
                let parts = parts.iter().map(|p| Partial::from_bytes(&p.to_bytes()).expect("reads")).collect();
                let rec = merge(&sim, parts).expect("merges");
                assert_eq!(bits(&rec), bits(&whole), "{count} shards on {threads} threads");
                assert_eq!(rec, whole, "{count} shards on {threads} threads");
            }
        }
    }

    /// A file run cut into 3 shards: each shard's sink gets its neurons' spikes, which together
    /// (sorted stably by step) are the memory run's; the merged recording holds no spikes and is
    /// otherwise the memory run's, through bytes; a counts run's shards merge the same way.
    #[test]
    fn shards_of_file_and_counts_runs_merge_without_spikes() {
        let whole = crate::run(&simulation("white")).expect("runs");
        for mode in ["file", "counts"] {
            let mut config = config("white");
            config.set("record.spikes", &Value::from(mode)).expect("valid");
            let sim = config.build().expect("valid");
            let mut sinks: Vec<Spikes> = (0..3).map(|_| Spikes::default()).collect();
            let parts: Vec<Partial> = Shard::split(sim.n(), 3)
                .iter()
                .zip(&mut sinks)
                .map(|(shard, sink)| {
                    let part =
                        super::super::run_shard_streaming(&sim, shard, sink, |_| std::ops::ControlFlow::Continue(()));
                    Partial::from_bytes(&part.expect("runs").to_bytes()).expect("reads")
                })
                .collect();
            let rec = merge(&sim, parts).expect("merges");
            assert!(rec.spikes.is_empty() && rec.spike_total() == whole.spikes.len() as u64, "{mode}");
            assert_eq!(
                Recording { spikes: whole.spikes.clone(), spike_mode: SpikeMode::Memory, ..rec },
                whole,
                "{mode}"
            );
            let mut pairs: Vec<(u32, u32)> =
                sinks.iter().flat_map(|s| s.step.iter().copied().zip(s.neuron.iter().copied())).collect();
            pairs.sort_by_key(|&(step, _)| step);
            let expected: Vec<(u32, u32)> =
                whole.spikes.step.iter().copied().zip(whole.spikes.neuron.iter().copied()).collect();
            if mode == "file" {
                assert_eq!(pairs, expected, "the shards' sinks hold every spike once");
            } else {
                assert!(pairs.is_empty(), "a counts run hands nothing to its sink");
            }
        }
    }

    /// Precise crossings: the spikes' own times travel through the bytes and the merge.
    #[test]
    fn shards_carry_precise_spike_times() {
        let mut config = config("white");
        config.set("simulation.method", &Value::from("exact")).expect("valid");
        config.set("simulation.crossing", &Value::from("precise")).expect("valid");
        let sim = config.build().expect("valid");
        let whole = crate::run(&sim).expect("runs");
        assert!(whole.spikes.is_timed() && !whole.spikes.is_empty(), "precise spikes");
        let parts =
            Shard::split(sim.n(), 3).iter().map(|s| run_shard(&sim, s).expect("runs").to_bytes()).collect::<Vec<_>>();
        let parts = parts.iter().rev().map(|b| Partial::from_bytes(b).expect("reads")).collect();
        let rec = merge(&sim, parts).expect("merges");
        assert_eq!(
            rec.spikes.time.iter().map(|t| t.to_bits()).collect::<Vec<_>>(),
            whole.spikes.time.iter().map(|t| t.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(rec, whole);
    }

    /// Partials of another simulation, overlapping or missing blocks, and damaged bytes are
    /// refused with an error saying so; a network is not cut into shards.
    #[test]
    fn mismatched_partials_are_refused() {
        let sim = simulation("none");
        let shards = Shard::split(sim.n(), 3);
        let parts: Vec<Partial> = shards.iter().map(|s| run_shard(&sim, s).expect("runs")).collect();
        let message = |parts: Vec<Partial>| merge(&sim, parts).expect_err("refused").to_string();
        assert!(message(parts[..2].to_vec()).contains("cover blocks 0..4, but the ensemble has 7"));
        assert!(message(vec![parts[0].clone(), parts[2].clone()]).contains("leave out some blocks"));
        let mut overlapping = parts.clone();
        overlapping.push(parts[1].clone());
        assert!(message(overlapping).contains("overlap"));
        let mut config = Config::default();
        config.set("simulation.n", &Value::from(420_000)).expect("valid");
        config.set("simulation.t_max", &Value::from("2 ms")).expect("valid");
        let other = config.build().expect("valid");
        let foreign = run_shard(&other, &shards[2]).expect("runs");
        assert!(message(vec![parts[0].clone(), parts[1].clone(), foreign]).contains("another simulation"));
        let mut damaged = parts.clone();
        damaged[1].snapshots.clear();
        assert!(message(damaged).contains("inconsistent with its simulation"));
        let bytes = parts[0].to_bytes();
        for cut in [&bytes[..4], &bytes[..bytes.len() - 1]] {
            let error = Partial::from_bytes(cut).expect_err("refused").to_string();
            assert!(error.starts_with("not a lifsim partial recording"), "{error}");
        }

        let mut config = Config::default();
        config.add_population("E").expect("valid");
        config.set("population.E.n", &Value::Int(100)).expect("valid");
        let network = config.build().expect("valid");
        let error = run_shard(&network, &Shard::WHOLE).expect_err("refused").to_string();
        assert!(error.contains("a network cannot be cut into shards"), "{error}");
    }
}
