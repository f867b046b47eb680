//! Memory a run will need, estimated before anything is allocated, and the refusal of a run that cannot fit.
//!
//! [`Simulation::memory_estimate`] adds up what a run holds at its peak: the neurons' state, the
//! per-step moments and drive, traces, histogram snapshots and the spikes it is expected to
//! fire (from the firing-rate theory at the strongest drive, or the largest rate the grid and
//! the refractory period allow). [`MemoryEstimate::check`] compares the total with a budget
//! (the memory available, found by the caller: this crate does no I/O) and, when it does not
//! fit, says what dominates and how to shrink it.

use crate::model::{Drive, Noise, Simulation, SpikeMode};
use crate::theory::WhiteNoiseLif;
use std::fmt;

/// One part of a run's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryPart {
    /// What it holds, e.g. "V traces".
    pub what: &'static str,
    /// The configuration key that sets its size, e.g. `record.traces`.
    pub key: &'static str,
    /// Its size (bytes).
    pub bytes: u64,
    /// How to make it smaller.
    pub shrink: &'static str,
}

/// The parts of a run's peak memory.
///
/// ```
/// let sim = lifsim::Config::default().build().unwrap();
/// let estimate = sim.memory_estimate();
/// assert!(estimate.total() < 100_000_000); // the default run needs a few MB
/// assert!(estimate.check(1_000_000_000).is_ok());
/// let err = estimate.check(1_000).unwrap_err();
/// assert!(err.to_string().contains("more than the 1.0 kB available"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryEstimate {
    /// The parts, in the order they were added.
    pub parts: Vec<MemoryPart>,
}

impl MemoryEstimate {
    /// Adds a part.
    pub fn add(&mut self, what: &'static str, key: &'static str, bytes: u64, shrink: &'static str) {
        self.parts.push(MemoryPart { what, key, bytes, shrink });
    }

    /// The sum of the parts (bytes), saturating.
    pub fn total(&self) -> u64 {
        self.parts.iter().fold(0u64, |sum, p| sum.saturating_add(p.bytes))
    }

    /// The largest part.
    pub fn dominant(&self) -> Option<&MemoryPart> {
        self.parts.iter().max_by_key(|p| p.bytes)
    }

    /// `Ok` when the total fits in `available` bytes.
    ///
    /// # Errors
    /// [`MemoryError`] with the estimate, what dominates it and how to shrink it.
    pub fn check(&self, available: u64) -> Result<(), MemoryError> {
        let needed = self.total();
        match self.dominant() {
            Some(dominant) if needed > available => {
                Err(MemoryError { needed, available, dominant: dominant.clone(), parts: self.parts.clone() })
            }
            _ => Ok(()),
        }
    }
}

/// A run refused because its estimated memory exceeds the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryError {
    /// The estimate (bytes).
    pub needed: u64,
    /// The budget it was compared with (bytes).
    pub available: u64,
    /// The largest part.
    pub dominant: MemoryPart,
    /// Every part.
    pub parts: Vec<MemoryPart>,
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.dominant;
        write!(
            f,
            "this run would need about {} of memory, more than the {} available; most of it is {} ({}, set by {}). \
             Shrink it: {}; or raise the limit (--max-memory, Python max_memory=) if the memory is there",
            format_bytes(self.needed),
            format_bytes(self.available),
            d.what,
            format_bytes(d.bytes),
            d.key,
            d.shrink
        )
    }
}

impl std::error::Error for MemoryError {}

/// A number of bytes in decimal units with three significant digits: "8.00 GB", "512 kB".
///
/// ```
/// assert_eq!(lifsim::memory::format_bytes(8_000_000_000), "8.0 GB");
/// assert_eq!(lifsim::memory::format_bytes(999), "999 B");
/// ```
pub fn format_bytes(bytes: u64) -> String {
    let units = [("B", 1.0), ("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("PB", 1e15), ("EB", 1e18)];
    let x = bytes as f64;
    let &(unit, scale) = units.iter().rev().find(|(_, scale)| x >= *scale).unwrap_or(&units[0]);
    if scale == 1.0 { format!("{bytes} B") } else { format!("{:.1} {unit}", x / scale) }
}

/// Parses a memory size: a number with `B`, `kB`, `MB`, `GB`, `TB` (powers of 1000) or `KiB`,
/// `MiB`, `GiB`, `TiB` (powers of 1024); a bare number is bytes.
///
/// # Errors
/// What was expected, for a message.
///
/// ```
/// use lifsim::memory::parse_bytes;
/// assert_eq!(parse_bytes("4GB"), Ok(4_000_000_000));
/// assert_eq!(parse_bytes("1.5 GiB"), Ok(1_610_612_736));
/// assert!(parse_bytes("lots").is_err());
/// ```
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    let scale: f64 = match unit {
        "" | "B" => 1.0,
        "kB" | "KB" | "k" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024f64.powi(2),
        "GiB" => 1024f64.powi(3),
        "TiB" => 1024f64.powi(4),
        _ => return Err(format!("a memory size such as \"4GB\" or \"500 MiB\" (unknown unit `{unit}`)")),
    };
    let value: f64 = number.parse().map_err(|_| "a memory size such as \"4GB\" or \"500 MiB\"".to_string())?;
    let bytes = value * scale;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("a memory size below 18 EB".into());
    }
    Ok(bytes.round() as u64)
}

/// Bytes per neuron of the engine's state: V, refractory release, spike flags and count, the
/// noise's block buffer and stream words, OU and Brownian-bridge state (an upper bound).
const NEURON_STATE_BYTES: u64 = 128;
/// Bytes per grid step: the recorded mean, variance and activity, and the shared drive.
const STEP_BYTES: u64 = 32;
/// The engine's fixed buffers: two sets of window logs (about 5 MB each) and merge scratch.
const ENGINE_BYTES: u64 = 16_000_000;
/// Bytes per recorded spike (neuron and step, u32 each), times 2 for the headroom of growing
/// vectors.
const SPIKE_BYTES: u64 = 16;

/// The buffer of a spike sink of a file run (`record.spikes = "file"`): the Parquet writer
/// of `lifsim_io` holds one row group of 1 Mi spikes (16 bytes each) and its encoded pages.
const SPIKE_SINK_BYTES: u64 = 40_000_000;

/// A network's wiring and its ring buffers of spike counts. The wiring holds 2 bytes per
/// synapse (a chunk-local u16 target), a u32 row end for every source and target chunk and a
/// u64 row start per source. While one projection is wired its chunks' own rows (another
/// 2 bytes per synapse and 4 bytes per source and chunk) coexist with the final layout, and
/// each thread holds the (source, target) pairs of one chunk (8 bytes per synapse of a chunk).
fn add_network_parts(estimate: &mut MemoryEstimate, network: &crate::model::Network) {
    let populations = network.populations();
    let chunks = |n: usize| n.div_ceil(crate::engine::chunk_len(n).max(1)) as u64;
    let per_projection = |p: &crate::model::Projection| {
        let sources = populations[p.source].n as u64 + 1;
        let ends = chunks(populations[p.target].n).saturating_mul(4 * sources);
        (network.synapses_of(p).saturating_mul(2), ends, 8 * sources)
    };
    let fixed: u64 = network
        .projections()
        .iter()
        .map(|p| {
            let (targets, ends, starts) = per_projection(p);
            targets.saturating_add(ends).saturating_add(starts)
        })
        .fold(0, u64::saturating_add);
    // The transient rows of the largest projection and the pairs of the largest chunk.
    let transient_rows = network
        .projections()
        .iter()
        .map(|p| {
            let (t, e, _) = per_projection(p);
            t.saturating_add(e)
        })
        .max()
        .unwrap_or(0);
    let largest_chunk = network
        .projections()
        .iter()
        .map(|p| network.synapses_of(p) / chunks(populations[p.target].n).max(1))
        .max()
        .unwrap_or(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from) as u64;
    estimate.add(
        "the synapses",
        "connection.*.in_degree (or probability) and population.*.n",
        fixed.saturating_add(transient_rows).saturating_add(largest_chunk.saturating_mul(8 * threads)),
        "fewer synapses: a smaller in_degree or probability, or smaller populations",
    );
    let slots = u64::from(network.max_delay()) + 1;
    let classes = network.projections().len() as u64;
    estimate.add(
        "the ring buffers of arriving spikes",
        "connection.*.delay",
        (network.n() as u64).saturating_mul(slots).saturating_mul(classes).saturating_mul(4),
        "shorter delays or fewer projections",
    );
}

impl Simulation {
    /// The run's peak memory, part by part (see [`crate::memory`]).
    pub fn memory_estimate(&self) -> MemoryEstimate {
        let (n, steps) = (self.n() as u64, self.steps() as u64);
        let spec = self.record();
        let mut estimate = MemoryEstimate::default();
        estimate.add(
            "the neurons' state",
            "simulation.n",
            n.saturating_mul(NEURON_STATE_BYTES).saturating_add(ENGINE_BYTES),
            "fewer neurons (simulation.n)",
        );
        // An ensemble's shards keep each block's moments (16 bytes) and their spike count
        // (4 bytes) per step until the merge (`engine::merge`).
        let per_step = match self.network() {
            None => STEP_BYTES + 16 * crate::engine::blocks(self.n()) as u64 + 4,
            Some(_) => STEP_BYTES,
        };
        estimate.add(
            "the per-step moments and drive",
            "simulation.t_max",
            steps.saturating_mul(per_step),
            "a shorter simulation.t_max or a larger simulation.dt",
        );
        let samples = steps.div_ceil(spec.every as u64);
        estimate.add(
            "the V traces",
            "record.traces",
            (spec.traces as u64).saturating_mul(samples).saturating_mul(8),
            "fewer record.traces or a larger record.every",
        );
        // Each snapshot is held by its chunks and then gathered into its histogram.
        estimate.add(
            "the V histogram snapshots",
            "record.hist_times",
            (spec.hist_steps.len() as u64).saturating_mul(n).saturating_mul(16),
            "fewer record.hist_times (each holds V of every neuron)",
        );
        // Edges and counts, and their flat copies in the named arrays.
        estimate.add(
            "the histograms' bins",
            "record.hist_bins",
            (spec.hist_steps.len() as u64).saturating_mul(spec.hist_bins as u64 + 1).saturating_mul(32),
            "fewer record.hist_bins or fewer record.hist_times",
        );
        match spec.spikes {
            SpikeMode::Memory => estimate.add(
                "the spikes",
                "simulation.n and simulation.t_max",
                self.expected_spikes().saturating_mul(SPIKE_BYTES),
                "fewer neurons, a shorter run, or record.spikes = \"file\" (every spike is kept in memory)",
            ),
            // Only a window's spikes are held (twice: logged, then merged) and the sink's buffer.
            SpikeMode::File | SpikeMode::Counts => {
                let window = crate::engine::window_steps(self.n()).min(self.steps().max(1)) as u64;
                let per_window = self.expected_spikes().saturating_mul(window) / steps.max(1);
                let sink = if spec.spikes == SpikeMode::File { SPIKE_SINK_BYTES } else { 0 };
                estimate.add(
                    "the spikes",
                    "simulation.n",
                    per_window.saturating_mul(SPIKE_BYTES).saturating_add(sink),
                    "fewer neurons",
                );
            }
        }
        if let Some(network) = self.network() {
            add_network_parts(&mut estimate, network);
        }
        estimate
    }

    /// The number of spikes the run can be expected to record, erring high: the firing rate
    /// at the strongest drive (Siegert, or the deterministic rate), doubled, at most the
    /// largest rate the refractory period and the grid allow, plus one spike per neuron for a
    /// start above threshold.
    fn expected_spikes(&self) -> u64 {
        if let Some(network) = self.network() {
            return self.expected_network_spikes(network);
        }
        let Some(v_th) = self.neuron().v_th else {
            return 0;
        };
        let p = self.neuron();
        let strongest = match self.input().drive {
            Drive::Constant { i_mean } => i_mean,
            Drive::Sine { i_mean, amplitude, .. } | Drive::Step { i_mean, amplitude, .. } => i_mean + amplitude.abs(),
        };
        let sigma_v = match self.input().noise {
            Noise::None => 0.0,
            Noise::White { sigma_v } | Noise::Ou { sigma_v, .. } => sigma_v,
            Noise::Tutorial { .. } | Noise::Poisson(_) => crate::theory::stationary_moments(self).1.sqrt(),
        };
        let neuron = WhiteNoiseLif {
            mu: self.mu() + p.r_m * (strongest - self.input().drive.i_mean()),
            sigma_v,
            tau_m: p.tau_m,
            v_th,
            v_reset: p.v_reset,
            t_ref: p.t_ref,
        };
        let largest = 1.0 / p.t_ref.max(self.dt());
        let rate = (2.0 * neuron.rate_hz()).min(largest);
        let rate = if rate.is_finite() { rate } else { largest };
        let per_neuron = rate * self.grid().span() + 1.0;
        (per_neuron * self.n() as f64).min(u64::MAX as f64) as u64
    }
}

impl Simulation {
    /// A network's expected spikes: three times each population's mean-field rate plus 10 Hz
    /// (networks oscillate and synchronize), at most the largest rate its refractory period
    /// allows (which is the estimate where the mean field does not apply).
    fn expected_network_spikes(&self, network: &crate::model::Network) -> u64 {
        let theory = crate::theory::MeanField::of(self).and_then(|field| field.fixed_point());
        let span = self.grid().span();
        let spikes: f64 = network
            .populations()
            .iter()
            .enumerate()
            .map(|(a, p)| {
                let largest = 1.0 / p.neuron.t_ref.max(self.dt());
                let rate = theory.as_ref().map_or(largest, |rates| (3.0 * rates[a] + 10.0).min(largest));
                (rate * span + 1.0) * p.n as f64
            })
            .sum();
        spikes.min(u64::MAX as f64) as u64
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Value};

    fn estimate(settings: &[(&str, Value)]) -> super::MemoryEstimate {
        let mut config = Config::default();
        for (k, v) in settings {
            config.set(k, v).unwrap();
        }
        config.build().unwrap().memory_estimate()
    }

    /// The refusals of issue 13: each is refused with 16 GB available and names its key.
    #[test]
    fn huge_runs_are_named_by_their_dominant_key() {
        let budget = 16_000_000_000;
        for (settings, key) in [
            (vec![("simulation.t_max", Value::from("20 ks"))], "simulation.t_max"),
            (
                vec![
                    ("simulation.t_max", Value::from("100 s")),
                    ("record.traces", Value::from(20_000)),
                    ("simulation.n", Value::from(20_000)),
                ],
                "record.traces",
            ),
            (vec![("simulation.n", Value::from(20_000_000)), ("simulation.t_max", Value::from("1 s"))], "simulation.n"),
            (
                vec![("simulation.n", Value::from(4_294_967_295u64)), ("record.hist_times", Value::List(vec![]))],
                "simulation.n",
            ),
            (
                vec![("simulation.dt", Value::from("0.25 ns")), ("simulation.method", Value::from("exact"))],
                "record.traces",
            ),
            (
                vec![
                    ("simulation.dt", Value::from("0.25 ns")),
                    ("simulation.method", Value::from("exact")),
                    ("record.traces", Value::from(0)),
                ],
                "simulation.t_max",
            ),
            (
                vec![
                    ("record.hist_times", Value::List(vec![Value::from("10 ms"); 5000])),
                    ("record.hist_bins", Value::from(100_000)),
                ],
                "record.hist_bins",
            ),
            (
                vec![
                    ("simulation.n", Value::from(1_000_000)),
                    ("record.hist_times", Value::List(vec![Value::from("10 ms"); 2000])),
                ],
                "record.hist_times",
            ),
        ] {
            let err = estimate(&settings).check(budget).unwrap_err();
            assert!(err.dominant.key.contains(key), "{settings:?}: {err}");
            assert!(err.to_string().contains(key) && err.to_string().contains("available"), "{err}");
        }
    }

    /// The spikes part per `record.spikes`: every spike in memory, only a window's (and the
    /// sink's buffer) in a file run, only a window's in a counts run. For issue 16's run (2e6
    /// neurons for 1 s, ~1e8 spikes, measured at 254 MiB in bench/RESULTS.md) the spikes of a
    /// memory run are estimated above 1.6 GB, those of a file run under 100 MB (its whole
    /// estimate, 433 MB, errs high on the neurons' state).
    #[test]
    fn the_spikes_are_estimated_per_mode() {
        let run = |mode: &str| {
            estimate(&[
                ("simulation.n", Value::from(2_000_000)),
                ("simulation.t_max", Value::from("1 s")),
                ("simulation.dt", Value::from("0.1 ms")),
                ("input.noise", Value::from("white")),
                ("input.sigma_v", Value::from("5 mV")),
                ("neuron.t_ref", Value::from("2 ms")),
                ("record.spikes", Value::from(mode)),
            ])
        };
        let spikes = |e: &super::MemoryEstimate| e.parts.iter().find(|p| p.what == "the spikes").unwrap().bytes;
        let (memory, file, counts) = (run("memory"), run("file"), run("counts"));
        assert!(spikes(&memory) > 1_600_000_000, "{}", spikes(&memory));
        assert!(spikes(&file) < 100_000_000 && spikes(&file) > spikes(&counts), "{}", spikes(&file));
        assert_eq!(memory.total() - spikes(&memory), file.total() - spikes(&file), "only the spikes differ");
        assert_eq!(spikes(&file) - spikes(&counts), super::SPIKE_SINK_BYTES);
    }

    /// The spikes part bounds the spikes a run really records.
    #[test]
    fn expected_spikes_err_high() {
        for noise in ["white", "tutorial", "none", "ou"] {
            let mut config = Config::default();
            config.set("input.noise", &Value::from(noise)).unwrap();
            config.set("neuron.t_ref", &Value::from("2 ms")).unwrap();
            let sim = config.build().unwrap();
            let rec = crate::run(&sim).unwrap();
            let estimated = sim.expected_spikes();
            assert!(estimated as usize >= rec.spikes.len(), "{noise}: {estimated} < {}", rec.spikes.len());
            assert!((estimated as usize) < 4 * rec.spikes.len() + 2 * sim.n(), "{noise}: {estimated} far too high");
        }
    }
}
