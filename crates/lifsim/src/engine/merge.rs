//! The in-order merge: one window of chunk logs appended to the recording, in chunk order.
//!
//! Every step's moments are merged over the chunks in chunk order (Chan et al.'s pairwise
//! formula), so the rounding depends only on the chunk layout, which depends only on `n`:
//! results are bit-identical for any thread count.

use super::chunk::ChunkLog;
use crate::record::{GroupMoments, Recording, Spikes};
use std::collections::TryReserveError;

/// Per-step buffers of [`merge_window`].
#[derive(Default)]
pub(super) struct MergeScratch {
    /// Merged moments of each step of the window.
    totals: Vec<GroupMoments>,
    /// Spikes at each step of the window.
    counts: Vec<usize>,
    /// Where the next spike of each step goes in the recording.
    next: Vec<usize>,
}

/// Where a chunk's neurons sit in the ensemble, for [`merge_window`].
pub(super) struct ChunkPlace {
    /// Index of the chunk's first neuron.
    pub first: usize,
    /// Neurons in the chunk.
    pub len: usize,
    /// How many of them are traced.
    pub traced: usize,
}

/// Appends one window of chunk logs (`logs[c]` of the chunk at `places[c]`) to the recording,
/// in chunk order; `scratch` is reused between windows. With `timed` (precise crossings) each
/// spike's time is copied beside its neuron.
///
/// Chunk-major, so that each chunk's log is read sequentially: every step's moments are merged
/// over the chunks in chunk order (so the result is the same for any thread count), and each
/// chunk's spikes are copied to their place in the step-then-neuron order of the recording.
///
/// # Errors
/// When the recording's spike vectors cannot grow (the spikes outgrew the memory).
pub(super) fn merge_window(
    rec: &mut Recording,
    places: &[ChunkPlace],
    logs: &[ChunkLog],
    start: usize,
    end: usize,
    scratch: &mut MergeScratch,
    timed: bool,
) -> Result<(), TryReserveError> {
    let steps = end - start;
    let MergeScratch { totals, counts, next } = scratch;
    totals.clear();
    totals.resize(steps, GroupMoments::default());
    counts.clear();
    counts.resize(steps, 0);
    for (place, log) in places.iter().zip(logs) {
        let count = place.len as f64;
        for (i, (total, spikes)) in totals.iter_mut().zip(counts.iter_mut()).enumerate() {
            total.merge(&log.moments(i, count));
            *spikes += log.spikes_per_step[i] as usize;
        }
    }
    let n = rec.n as f64;
    for (total, &count) in totals.iter().zip(counts.iter()) {
        rec.v_mean.push(total.mean);
        rec.v_var.push(if rec.n > 1 { total.m2 / (n - 1.0) } else { f64::NAN });
        rec.activity.push(count as f64 / n);
    }

    append_spikes(&mut rec.spikes, logs, (start, counts), next, Columns { steps: true, times: timed })?;

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
    Ok(())
}

/// Which spike columns a merge appends besides the neurons.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    /// Each spike's step. A shard that keeps its spikes leaves it out while it runs and fills
    /// it in from its spikes per step once its neurons' state is freed
    /// ([`super::reduce::Partial::fill_spike_steps`]): the steps would double the spikes'
    /// memory while the state is still there.
    pub steps: bool,
    /// Each spike's time (precise crossings).
    pub times: bool,
}

/// Appends a window's spikes (`counts[i]` at step `start + i`) from the chunk logs `logs`, in
/// the recording's order: by step, then by chunk, then as logged. `next` is scratch for
/// where each step's spikes go; `columns` says whether steps and times go along.
fn append_spikes(
    spikes: &mut Spikes,
    logs: &[ChunkLog],
    (start, counts): (usize, &[usize]),
    next: &mut Vec<usize>,
    columns: Columns,
) -> Result<(), TryReserveError> {
    let window_spikes: usize = counts.iter().sum();
    if columns.steps {
        spikes.step.try_reserve(window_spikes)?;
    }
    spikes.neuron.try_reserve(window_spikes)?;
    next.clear();
    let mut offset = spikes.neuron.len();
    for (i, &count) in counts.iter().enumerate() {
        next.push(offset);
        offset += count;
        if columns.steps {
            spikes.step.extend(std::iter::repeat_n((start + i) as u32, count));
        }
    }
    spikes.neuron.resize(offset, 0);
    let timed = columns.times;
    if timed {
        spikes.time.try_reserve(window_spikes)?;
        spikes.time.resize(offset, 0.0);
    }
    for log in logs {
        let (mut logged, mut times) = (log.spikes.as_slice(), log.times.as_slice());
        for (place, &count) in next.iter_mut().zip(&log.spikes_per_step) {
            let (now, later) = logged.split_at(count as usize);
            spikes.neuron[*place..*place + now.len()].copy_from_slice(now);
            if timed {
                let (now, later) = times.split_at(count as usize);
                spikes.time[*place..*place + now.len()].copy_from_slice(now);
                times = later;
            }
            *place += now.len();
            logged = later;
        }
    }
    Ok(())
}

/// Appends one window of a shard's chunk logs (`logs[c]` of the chunk at `places[c]`, the
/// shard's chunks in order, starting at a block boundary) to the partial recording `part`,
/// with the spike columns `columns`.
///
/// Each block's moments are folded over its [`super::BLOCK_CHUNKS`] chunks in chunk order,
/// starting from nothing, exactly as [`merge_window`] folds all chunks: an ensemble of one
/// block gets the same bits either way. Blocks are combined later, by the fixed tree of
/// [`super::reduce`].
///
/// # Errors
/// When the partial's spike vectors cannot grow (the spikes outgrew the memory).
pub(super) fn merge_shard_window(
    part: &mut super::reduce::Partial,
    places: &[ChunkPlace],
    logs: &[ChunkLog],
    start: usize,
    end: usize,
    scratch: &mut MergeScratch,
    columns: Columns,
) -> Result<(), TryReserveError> {
    let steps = end - start;
    let MergeScratch { totals, counts, next } = scratch;
    counts.clear();
    counts.resize(steps, 0);
    let blocks = places.chunks(super::BLOCK_CHUNKS).zip(logs.chunks(super::BLOCK_CHUNKS));
    for ((block_places, block_logs), moments) in blocks.zip(part.moments.iter_mut()) {
        totals.clear();
        totals.resize(steps, GroupMoments::default());
        for (place, log) in block_places.iter().zip(block_logs) {
            let count = place.len as f64;
            for (i, (total, spikes)) in totals.iter_mut().zip(counts.iter_mut()).enumerate() {
                total.merge(&log.moments(i, count));
                *spikes += log.spikes_per_step[i] as usize;
            }
        }
        moments.extend(totals.iter().map(|t| [t.mean, t.m2]));
    }
    part.spikes_per_step.extend(counts.iter().map(|&c| c as u32));

    append_spikes(&mut part.spikes, logs, (start, counts), next, columns)?;

    if part.traced > 0 {
        let samples = part.trace_samples;
        let first_sample = start.div_ceil(part.trace_every);
        for (chunk, log) in places.iter().zip(logs).filter(|(c, _)| c.traced > 0) {
            for (s, values) in log.traces.chunks_exact(chunk.traced).enumerate() {
                for (j, &v) in values.iter().enumerate() {
                    part.traces[(chunk.first - part.neurons.start + j) * samples + first_sample + s] = v;
                }
            }
        }
    }
    Ok(())
}
