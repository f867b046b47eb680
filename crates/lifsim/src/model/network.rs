//! A validated network: populations of LIF neurons, each with its own parameters and input, and the projections between them.
//!
//! Neurons are numbered globally in population order (the first population's neurons first).
//! A projection joins a source population to a target population by a rule (fixed in-degree
//! or pairwise probability); every synapse of a projection has its weight (a jump of the
//! target's V) and its delay (a whole number of steps). Built only by
//! [`crate::Config::build`].

use super::input::Input;
use super::params::LifParams;
use crate::rng;

/// One population of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Its name.
    pub name: String,
    /// The global index of its first neuron.
    pub first: usize,
    /// Its number of neurons.
    pub n: usize,
    /// Its neurons' parameters.
    pub neuron: LifParams,
    /// Its neurons' input (drive and external noise).
    pub input: Input,
}

impl Population {
    /// Its neurons' global indices.
    pub fn neurons(&self) -> std::ops::Range<usize> {
        self.first..self.first + self.n
    }
}

/// How a projection draws its synapses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Each target draws this many sources uniformly at random from the source population,
    /// with replacement (so a pair may be connected twice, and a neuron to itself): NEST's
    /// `fixed_indegree` with autapses and multapses allowed.
    InDegree(u32),
    /// Each (source, target) pair is connected with this probability, independently
    /// (NEST's `pairwise_bernoulli` with autapses allowed).
    Probability(f64),
}

/// One projection: every synapse from `source` to `target` has the same weight and delay.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// How the configuration addresses it (`E->I` or its name).
    pub address: String,
    /// Index of the source population.
    pub source: usize,
    /// Index of the target population.
    pub target: usize,
    /// How its synapses are drawn.
    pub rule: Rule,
    /// Jump of the target's V per spike (V).
    pub weight: f64,
    /// Delay in steps (>= 1): a spike at step k arrives at step k + delay.
    pub delay_steps: u32,
}

/// Values by population, in population order (a JSON object keyed by population name).
///
/// ```
/// let rates = lifsim::model::ByPopulation(vec![("E".to_string(), 3.5), ("I".to_string(), 9.0)]);
/// assert_eq!(rates.get("I"), Some(&9.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ByPopulation<T>(pub Vec<(String, T)>);

impl<T> ByPopulation<T> {
    /// The value of population `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl<T: serde::Serialize> serde::Serialize for ByPopulation<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Populations and projections.
///
/// ```
/// let config = lifsim::Config::from_toml_str(
///     "[simulation]\ndt = \"0.1 ms\"\n[[population]]\nname = \"E\"\nn = 80\n[[population]]\nname = \"I\"\nn = 20\n\
///      [[connection]]\nfrom = \"E\"\nto = \"I\"\nin_degree = 8\n",
/// ).unwrap();
/// let sim = config.build().unwrap();
/// let network = sim.network().unwrap();
/// assert_eq!((sim.n(), network.populations()[1].first), (100, 80));
/// assert_eq!(network.expected_synapses(), 160);
/// assert_eq!(network.projections()[0].delay_steps, 15); // the default 1.5 ms at dt = 0.1 ms
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    populations: Vec<Population>,
    projections: Vec<Projection>,
}

impl Network {
    /// Assembles validated parts; only the configuration's builder calls this.
    pub(crate) fn new(populations: Vec<Population>, projections: Vec<Projection>) -> Self {
        Self { populations, projections }
    }

    /// The populations, in order.
    pub fn populations(&self) -> &[Population] {
        &self.populations
    }

    /// The projections, in configuration order.
    pub fn projections(&self) -> &[Projection] {
        &self.projections
    }

    /// The total number of neurons.
    pub fn n(&self) -> usize {
        self.populations.iter().map(|p| p.n).sum()
    }

    /// The population of neuron `i` (global index).
    pub fn population_of(&self, i: usize) -> usize {
        self.populations.partition_point(|p| p.first + p.n <= i)
    }

    /// The longest delay (steps); 0 without projections.
    pub fn max_delay(&self) -> u32 {
        self.projections.iter().map(|p| p.delay_steps).max().unwrap_or(0)
    }

    /// The shortest delay (steps): spikes never need to reach a target sooner, so neurons can
    /// advance this many steps between exchanges. `u32::MAX` without projections.
    pub fn min_delay(&self) -> u32 {
        self.projections.iter().map(|p| p.delay_steps).min().unwrap_or(u32::MAX)
    }

    /// The expected number of synapses: in-degree times targets, or probability times pairs.
    pub fn expected_synapses(&self) -> u64 {
        self.projections.iter().map(|p| self.synapses_of(p)).fold(0, u64::saturating_add)
    }

    /// The expected number of synapses of one projection.
    pub fn synapses_of(&self, projection: &Projection) -> u64 {
        let (source, target) = (&self.populations[projection.source], &self.populations[projection.target]);
        match projection.rule {
            Rule::InDegree(k) => u64::from(k).saturating_mul(target.n as u64),
            Rule::Probability(p) => (p * source.n as f64 * target.n as f64).ceil() as u64,
        }
    }

    /// The sources (indices within the source population) of target `target` (global index)
    /// in projection `projection` (its index), in draw order, drawn from the keyed connection
    /// stream ([`rng::connection_block`]): for a fixed in-degree `k`, `k` uniform draws with replacement,
    /// two per Philox block (64 bits each); for a probability `p`, every source whose 32-bit word
    /// (four per block, in source order) is below `p 2^32`.
    pub fn sources_of(&self, seed: u64, projection: usize, target: u64, out: &mut Vec<u32>) {
        let p = &self.projections[projection];
        let (source_n, rule) = (self.populations[p.source].n, p.rule);
        let projection = projection as u32;
        out.clear();
        match rule {
            Rule::InDegree(k) => {
                for pair in 0..k.div_ceil(2) {
                    let [a, b, c, d] = rng::connection_block(seed, projection, target, pair);
                    out.push(rng::uniform_below((u64::from(a) << 32) | u64::from(b), source_n as u64) as u32);
                    if 2 * pair + 1 < k {
                        out.push(rng::uniform_below((u64::from(c) << 32) | u64::from(d), source_n as u64) as u32);
                    }
                }
            }
            Rule::Probability(p) => {
                // p = 1 gives 2^32, above every word.
                let threshold = (p * 4_294_967_296.0) as u64;
                for block in 0..source_n.div_ceil(4) {
                    let words = rng::connection_block(seed, projection, target, block as u32);
                    for (i, &word) in words.iter().enumerate() {
                        let s = 4 * block + i;
                        if s < source_n && u64::from(word) < threshold {
                            out.push(s as u32);
                        }
                    }
                }
            }
        }
    }

    /// The mean number of synapses from `source` onto each neuron of `target` (the in-degree).
    pub fn in_degree(&self, projection: &Projection) -> f64 {
        match projection.rule {
            Rule::InDegree(k) => f64::from(k),
            Rule::Probability(p) => p * self.populations[projection.source].n as f64,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Drive, Noise};

    /// Populations of 250 and 30 neurons, two projections 0 -> 1 with `rule`.
    pub(crate) fn network(rule: Rule) -> Network {
        let population = |name: &str, first, n| Population {
            name: name.into(),
            first,
            n,
            neuron: LifParams::default(),
            input: Input { drive: Drive::Constant { i_mean: 0.0 }, noise: Noise::None },
        };
        let projection = |address: &str| Projection {
            address: address.into(),
            source: 0,
            target: 1,
            rule,
            weight: 1e-4,
            delay_steps: 1,
        };
        Network::new(vec![population("A", 0, 250), population("B", 250, 30)], vec![projection("A->B"), projection("x")])
    }

    #[test]
    fn in_degrees_are_exact_and_probabilities_draw_every_pair_once() {
        let mut out = Vec::new();
        for k in [0, 1, 7, 1000] {
            network(Rule::InDegree(k)).sources_of(9, 0, 12, &mut out);
            assert_eq!(out.len(), k as usize);
            assert!(out.iter().all(|&s| s < 250));
        }
        network(Rule::Probability(1.0)).sources_of(9, 0, 12, &mut out);
        assert_eq!(out, (0..250).collect::<Vec<u32>>());
        network(Rule::Probability(0.0)).sources_of(9, 0, 12, &mut out);
        assert!(out.is_empty());
        // Different targets and projections draw different sources.
        let mut other = Vec::new();
        let wide = network(Rule::InDegree(50));
        wide.sources_of(9, 0, 12, &mut out);
        wide.sources_of(9, 0, 13, &mut other);
        assert_ne!(out, other);
        wide.sources_of(9, 1, 12, &mut other);
        assert_ne!(out, other);
    }
}
