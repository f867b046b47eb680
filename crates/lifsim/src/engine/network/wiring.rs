//! A network's wiring: the synapses of each projection onto each chunk of its targets, grouped by source and drawn from keyed streams.
//!
//! Which sources a target has is a pure function of (seed, projection, target, synapse index)
//! ([`rng::connection_block`]), so the wiring is the same whatever the thread count, the
//! chunking or the machine. Each (projection, target chunk) pair is built on its own (in
//! parallel) and stored as compressed rows by source: `targets[rows[s] .. rows[s + 1]]` are the
//! chunk-local targets of source `s`, in target order. Targets are `u16` (a chunk has at most
//! 1024 neurons): 2 bytes per synapse.

use crate::model::Network;

/// The synapses of one projection onto one chunk of its target population.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incoming {
    /// The projection's index in the network.
    pub projection: usize,
    /// Global index of the source population's first neuron.
    pub source_first: usize,
    /// Neurons in the source population.
    pub source_n: usize,
    /// The weight class of the projection in the target population (see `NetworkInput`).
    pub class: usize,
    /// The projection's delay (steps).
    pub delay: u32,
    /// Row offsets by source (source-local index), `source_n + 1` entries.
    pub rows: Vec<u32>,
    /// Chunk-local targets, row after row.
    pub targets: Vec<u16>,
}

impl Incoming {
    /// The chunk-local targets of global neuron `source`, empty when it is not in the source
    /// population.
    #[inline(always)]
    pub fn targets_of(&self, source: usize) -> &[u16] {
        let s = source.wrapping_sub(self.source_first);
        if s >= self.source_n {
            return &[];
        }
        &self.targets[self.rows[s] as usize..self.rows[s + 1] as usize]
    }
}

/// The synapses of projection `projection` onto the chunk of `len` targets from global index
/// `first`, grouped by source.
pub(crate) fn wire(
    seed: u64,
    network: &Network,
    projection: usize,
    first: usize,
    len: usize,
    class: usize,
) -> Incoming {
    let p = &network.projections()[projection];
    let source = &network.populations()[p.source];
    let mut drawn: Vec<u32> = Vec::new();
    let mut pairs: Vec<(u32, u16)> = Vec::new();
    for t in 0..len {
        network.sources_of(seed, projection, (first + t) as u64, &mut drawn);
        pairs.extend(drawn.iter().map(|&s| (s, t as u16)));
    }
    // A counting sort by source keeps each row's targets in target (then draw) order.
    let mut rows = vec![0u32; source.n + 1];
    for &(s, _) in &pairs {
        rows[s as usize + 1] += 1;
    }
    for s in 0..source.n {
        rows[s + 1] += rows[s];
    }
    let mut next: Vec<u32> = rows[..source.n].to_vec();
    let mut targets = vec![0u16; pairs.len()];
    for &(s, t) in &pairs {
        targets[next[s as usize] as usize] = t;
        next[s as usize] += 1;
    }
    Incoming { projection, source_first: source.first, source_n: source.n, class, delay: p.delay_steps, rows, targets }
}
