//! A network's wiring: each projection's synapses as one row per source, split by target chunk, drawn from keyed streams.
//!
//! Which sources a target has is a pure function of (seed, projection, target, synapse index)
//! ([`rng::connection_block`]), so the wiring is the same whatever the thread count, the
//! chunking or the machine. A projection is drawn chunk by chunk of its targets (in parallel),
//! then laid out row-major by source: the row of source `s` holds all its targets, chunk after
//! chunk, each as a chunk-local `u16` (a chunk has at most 1024 neurons), so delivering one
//! spike reads one contiguous run of memory (2 bytes per synapse) instead of one scattered
//! piece per chunk. `ends[s * chunks + c]` marks where chunk `c`'s part of the row ends.
//!
//! [`rng::connection_block`]: crate::rng::connection_block

use crate::error::Error;
use crate::model::Network;
use rayon::prelude::*;

/// The synapses of one projection, one row per source split by target chunk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Synapses {
    /// The weight class of the projection in its target population (see `NetworkInput`).
    pub class: usize,
    /// The projection's delay (steps).
    pub delay: u32,
    /// Global index of the source population's first neuron.
    source_first: usize,
    /// Neurons in the source population.
    source_n: usize,
    /// Index (among all the network's chunks) of the first chunk of the target population.
    pub chunk_first: usize,
    /// Chunks of the target population.
    pub chunks: usize,
    /// Where each source's row starts in `targets`; `source_n + 1` entries.
    row_start: Vec<u64>,
    /// The end of each chunk's part of its source's row, from the row's start:
    /// `ends[s * chunks + c]`.
    ends: Vec<u32>,
    /// Chunk-local targets, row after row.
    targets: Vec<u16>,
}

impl Synapses {
    /// The row of global neuron `source`: the ends of its chunks' parts and its targets, or
    /// `None` when `source` is not in the source population.
    #[inline(always)]
    pub fn row(&self, source: usize) -> Option<(&[u32], &[u16])> {
        let s = source.wrapping_sub(self.source_first);
        if s >= self.source_n {
            return None;
        }
        let targets = &self.targets[self.row_start[s] as usize..self.row_start[s + 1] as usize];
        Some((&self.ends[s * self.chunks..(s + 1) * self.chunks], targets))
    }

    /// The synapses held (for tests and the memory estimate's check).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.targets.len()
    }
}

/// One chunk's synapses of a projection while the wiring is built: compressed rows by source.
struct ChunkRows {
    /// Row offsets by source, `source_n + 1` entries.
    rows: Vec<u32>,
    /// Chunk-local targets, row after row, each row in target order.
    targets: Vec<u16>,
}

impl ChunkRows {
    #[inline(always)]
    fn row(&self, s: usize) -> &[u16] {
        &self.targets[self.rows[s] as usize..self.rows[s + 1] as usize]
    }
}

/// Sources per task when the chunks' rows are copied into the projection's rows.
const COPY_BLOCK: usize = 512;

/// The synapses of projection `projection` onto its target population, whose chunks are
/// `(first, len)` (global index of the first neuron, neurons) from chunk index `chunk_first`.
pub(crate) fn wire(
    seed: u64,
    network: &Network,
    projection: usize,
    class: usize,
    (chunk_first, chunks): (usize, &[(usize, usize)]),
) -> Result<Synapses, Error> {
    let p = &network.projections()[projection];
    let source = &network.populations()[p.source];
    let per_chunk: Vec<ChunkRows> =
        chunks.par_iter().map(|&(first, len)| chunk_rows(seed, network, projection, first, len)).collect();
    let (n_chunks, source_n) = (chunks.len(), source.n);
    let mut ends = allocate::<u32>(source_n * n_chunks)?;
    let mut row_start = allocate::<u64>(source_n + 1)?;
    row_start.push(0);
    let mut total = 0u64;
    for s in 0..source_n {
        let mut end = 0u32;
        for part in &per_chunk {
            end += part.rows[s + 1] - part.rows[s];
            ends.push(end);
        }
        total += u64::from(end);
        row_start.push(total);
    }
    let mut targets = allocate::<u16>(total as usize)?;
    targets.resize(total as usize, 0);
    // Each task copies the rows of a block of sources: disjoint, contiguous pieces of `targets`.
    let mut pieces = Vec::with_capacity(source_n.div_ceil(COPY_BLOCK));
    let mut rest = &mut targets[..];
    for s0 in (0..source_n).step_by(COPY_BLOCK) {
        let s1 = (s0 + COPY_BLOCK).min(source_n);
        let (piece, tail) = rest.split_at_mut((row_start[s1] - row_start[s0]) as usize);
        pieces.push((s0..s1, piece));
        rest = tail;
    }
    pieces.into_par_iter().for_each(|(sources, piece)| {
        let mut at = 0;
        for s in sources {
            for part in &per_chunk {
                let row = part.row(s);
                piece[at..at + row.len()].copy_from_slice(row);
                at += row.len();
            }
        }
    });
    Ok(Synapses {
        class,
        delay: p.delay_steps,
        source_first: source.first,
        source_n,
        chunk_first,
        chunks: n_chunks,
        row_start,
        ends,
        targets,
    })
}

/// An empty vector with room for `len` values, or [`Error::AllocationFailed`].
fn allocate<T>(len: usize) -> Result<Vec<T>, Error> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::AllocationFailed {
        what: "the synapses",
        bytes: (len as u64).saturating_mul(size_of::<T>() as u64),
    })?;
    Ok(v)
}

/// The synapses of projection `projection` onto the chunk of `len` targets from global index
/// `first`, grouped by source.
fn chunk_rows(seed: u64, network: &Network, projection: usize, first: usize, len: usize) -> ChunkRows {
    let p = &network.projections()[projection];
    let source_n = network.populations()[p.source].n;
    let mut drawn: Vec<u32> = Vec::new();
    let mut pairs: Vec<(u32, u16)> = Vec::new();
    for t in 0..len {
        network.sources_of(seed, projection, (first + t) as u64, &mut drawn);
        pairs.extend(drawn.iter().map(|&s| (s, t as u16)));
    }
    // A counting sort by source keeps each row's targets in target (then draw) order.
    let mut rows = vec![0u32; source_n + 1];
    for &(s, _) in &pairs {
        rows[s as usize + 1] += 1;
    }
    for s in 0..source_n {
        rows[s + 1] += rows[s];
    }
    let mut next: Vec<u32> = rows[..source_n].to_vec();
    let mut targets = vec![0u16; pairs.len()];
    for &(s, t) in &pairs {
        targets[next[s as usize] as usize] = t;
        next[s as usize] += 1;
    }
    ChunkRows { rows, targets }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rule;

    /// Every (source, target) pair of the row layout is a pair `sources_of` draws, with the
    /// same multiplicity, for chunks of unequal size, by in-degree and by probability.
    #[test]
    fn rows_hold_exactly_the_drawn_synapses() {
        for rule in [Rule::InDegree(40), Rule::Probability(0.2)] {
            let network = crate::model::network::tests::network(rule);
            let (source, target) = (&network.populations()[0], &network.populations()[1]);
            let chunks: Vec<(usize, usize)> =
                (0..target.n).step_by(8).map(|i| (target.first + i, 8.min(target.n - i))).collect();
            let synapses = wire(7, &network, 1, 0, (3, &chunks)).unwrap();
            assert_eq!((synapses.chunk_first, synapses.chunks), (3, 4));
            let mut expected = Vec::new();
            let mut drawn = Vec::new();
            for t in 0..target.n {
                network.sources_of(7, 1, (target.first + t) as u64, &mut drawn);
                expected.extend(drawn.iter().map(|&s| (s as usize, t)));
            }
            let mut found = Vec::new();
            for s in 0..source.n {
                let (ends, targets) = synapses.row(source.first + s).unwrap();
                let mut start = 0;
                for (c, &end) in ends.iter().enumerate() {
                    let base = chunks[c].0 - target.first;
                    found.extend(targets[start..end as usize].iter().map(|&t| (s, base + t as usize)));
                    start = end as usize;
                }
                assert_eq!(start, targets.len());
            }
            assert!(!expected.is_empty());
            expected.sort_unstable();
            found.sort_unstable();
            assert_eq!(found, expected);
            assert_eq!(synapses.len(), expected.len());
            assert!(synapses.row(source.first + source.n).is_none());
        }
    }
}
