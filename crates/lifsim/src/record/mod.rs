//! What a run records: per-step ensemble moments, activity, spikes, counts, traces and histograms.
//!
//! Memory is O(n + steps): moments and activity per step, spikes as two `u32` per spike,
//! one count per neuron, V snapshots only at the histogram times, traces only for the first
//! `record.traces` neurons. Chunks of neurons record into their own buffers; the engine merges
//! them in chunk order so the result does not depend on the thread count. [`RecordingArrays`] names
//! every array of a recording once, for the files and for Python.

mod arrays;

pub use arrays::{ArraySource, Column, NamedArray, RecordingArrays};

use crate::grid::TimeGrid;
use crate::model::SpikeMode;
use serde::{Deserialize, Serialize};

/// Where the spikes of a run with `record.spikes = "file"` go while it runs: the engine hands
/// each window's spikes to [`SpikeSink::write`], in the recording's order (by step, then
/// neuron), from the thread that merges the windows, while the next window computes. The core
/// does no I/O: the command line and Python give a Parquet writer (`lifsim_io::parquet`).
///
/// ```
/// use lifsim::record::{SpikeSink, Spikes};
/// struct Tally(usize);
/// impl SpikeSink for Tally {
///     fn write(&mut self, spikes: &Spikes) -> Result<(), String> {
///         self.0 += spikes.len();
///         Ok(())
///     }
/// }
/// let mut config = lifsim::Config::default();
/// config.set("record.spikes", &lifsim::Value::from("file")).unwrap();
/// let sim = config.build().unwrap();
/// let mut tally = Tally(0);
/// let rec = lifsim::engine::run_streaming(&sim, &mut tally, |_| std::ops::ControlFlow::Continue(())).unwrap();
/// assert!(rec.spikes.is_empty() && tally.0 as u64 == rec.spike_total() && tally.0 > 0);
/// ```
pub trait SpikeSink: Send {
    /// Takes the next spikes of the run (global neuron indices, in order).
    ///
    /// # Errors
    /// A message saying what failed (e.g. a full disk); the run stops with
    /// [`crate::Error::SpikeSink`].
    fn write(&mut self, spikes: &Spikes) -> Result<(), String>;
}

/// Spikes are a sink that keeps what it is handed, in order (what a memory run would hold).
impl SpikeSink for Spikes {
    fn write(&mut self, spikes: &Spikes) -> Result<(), String> {
        self.neuron.extend_from_slice(&spikes.neuron);
        self.step.extend_from_slice(&spikes.step);
        self.time.extend_from_slice(&spikes.time);
        Ok(())
    }
}

/// All spikes of a run, ordered by step, then neuron, then time (8 bytes per spike; 16 with
/// precise spike times).
///
/// A spike at step `k` happened during the update from `t_{k-1}` to `t_k`. On the grid
/// (`simulation.crossing = "grid"` or `"bridge"`) its time is `t_k = k dt` and `time` is empty;
/// with `"precise"` each spike has its own time in `[t_{k-1}, t_k]`, stored in `time`, and
/// a neuron may spike more than once in a step.
///
/// ```
/// let grid = lifsim::TimeGrid::new(1e-3, 10);
/// let on_grid = lifsim::record::Spikes { neuron: vec![0], step: vec![3], time: Vec::new() };
/// assert_eq!(on_grid.time_of(0, grid), 3e-3);
/// let precise = lifsim::record::Spikes { neuron: vec![0], step: vec![3], time: vec![2.25e-3] };
/// assert_eq!(precise.time_of(0, grid), 2.25e-3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Spikes {
    /// Neuron index of each spike.
    pub neuron: Vec<u32>,
    /// Grid step of each spike: the step whose update holds it.
    pub step: Vec<u32>,
    /// Time of each spike (s) when spikes are timed within their step
    /// (`simulation.crossing = "precise"`); empty when every spike is at `step * dt`.
    #[serde(default)]
    pub time: Vec<f64>,
}

impl Spikes {
    /// The time (s) of spike `i` on `grid`: its precise time, or `step * dt`.
    pub fn time_of(&self, i: usize, grid: TimeGrid) -> f64 {
        match self.time.get(i) {
            Some(&t) => t,
            None => grid.time(self.step[i] as usize),
        }
    }

    /// Whether the spikes carry their own times (precise crossings) rather than grid times.
    pub fn is_timed(&self) -> bool {
        !self.time.is_empty()
    }

    /// Number of spikes.
    pub fn len(&self) -> usize {
        self.neuron.len()
    }

    /// Whether there are no spikes.
    pub fn is_empty(&self) -> bool {
        self.neuron.is_empty()
    }
}

/// V traces of the first `neurons` neurons, sampled at steps 0, every, 2 every, ...
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Traces {
    /// Number of traced neurons.
    pub neurons: usize,
    /// Sampling interval in steps.
    pub every: usize,
    /// Number of samples per neuron, `ceil(steps / every)`.
    pub samples: usize,
    /// V (V), neuron-major: `values[i * samples + s]` is neuron i at step `s * every`.
    pub values: Vec<f64>,
}

impl Traces {
    /// The trace of neuron `i` (V).
    pub fn neuron(&self, i: usize) -> &[f64] {
        &self.values[i * self.samples..(i + 1) * self.samples]
    }
}

/// A histogram of V across the ensemble at one grid step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Time of the snapshot (s), on the grid.
    pub time: f64,
    /// Grid step of the snapshot.
    pub step: usize,
    /// Bin edges (V), `bins + 1` values from the smallest to the largest V.
    pub edges: Vec<f64>,
    /// Neurons per bin; the last bin includes its right edge.
    pub counts: Vec<u64>,
    /// V of every neuron at that step (V), in neuron order.
    pub values: Vec<f64>,
}

impl Histogram {
    /// Bins `values` into `bins` equal bins spanning their range (1 mV wide around a single value).
    ///
    /// ```
    /// let h = lifsim::record::Histogram::new(0.0, 0, vec![0.0, 1.0, 1.0, 3.0], 3);
    /// assert_eq!(h.edges, vec![0.0, 1.0, 2.0, 3.0]);
    /// assert_eq!(h.counts, vec![1, 2, 1]);
    /// ```
    pub fn new(time: f64, step: usize, values: Vec<f64>, bins: usize) -> Self {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5e-3, lo + 0.5e-3) };
        let width = (hi - lo) / bins as f64;
        let edges: Vec<f64> = (0..=bins).map(|b| if b == bins { hi } else { lo + b as f64 * width }).collect();
        let mut counts = vec![0u64; bins];
        for &v in &values {
            let bin = (((v - lo) / width) as usize).min(bins - 1);
            counts[bin] += 1;
        }
        Self { time, step, edges, counts, values }
    }
}

/// One population's spikes per neuron at each step (a network's recording).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationActivity {
    /// The population's name.
    pub name: String,
    /// The global index of its first neuron.
    pub first: usize,
    /// Its number of neurons.
    pub n: usize,
    /// Spikes per neuron of the population at each step (divide by dt for Hz).
    pub activity: Vec<f64>,
}

/// The recording of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// The time grid `t_k = k dt`.
    pub grid: TimeGrid,
    /// Number of neurons.
    pub n: usize,
    /// Ensemble mean of V at each step (V); `v_mean[0] = v_init`.
    pub v_mean: Vec<f64>,
    /// Ensemble sample variance of V at each step (V^2), with 1/(n-1); NaN when n = 1.
    pub v_var: Vec<f64>,
    /// Spikes per neuron at each step (dimensionless); divide by dt for a rate in Hz.
    pub activity: Vec<f64>,
    /// Traced neurons.
    pub traces: Traces,
    /// Every spike.
    pub spikes: Spikes,
    /// Spikes per neuron.
    pub spike_count: Vec<u32>,
    /// V histograms at the requested steps.
    pub histograms: Vec<Histogram>,
    /// Each population's activity, in population order (empty for an ensemble).
    #[serde(default)]
    pub populations: Vec<PopulationActivity>,
    /// Where the spikes went: with [`SpikeMode::File`] or [`SpikeMode::Counts`], `spikes` is
    /// empty and `spike_count` and `activity` hold what is known of them.
    #[serde(default)]
    pub spike_mode: SpikeMode,
}

impl Recording {
    /// The time of every spike (s): `step dt`, or its precise time ([`Spikes::time`]).
    pub fn spike_times(&self) -> Vec<f64> {
        if self.spikes.is_timed() {
            return self.spikes.time.clone();
        }
        self.spikes.step.iter().map(|&k| self.grid.time(k as usize)).collect()
    }

    /// The number of spikes of the run: those held, or with spikes not kept in memory
    /// ([`SpikeMode::File`], [`SpikeMode::Counts`]) the sum of the per-neuron counts.
    pub fn spike_total(&self) -> u64 {
        match self.spike_mode {
            SpikeMode::Memory => self.spikes.len() as u64,
            SpikeMode::File | SpikeMode::Counts => self.spike_count.iter().map(|&c| u64::from(c)).sum(),
        }
    }

    /// Whether every spike is held in [`Recording::spikes`].
    pub fn holds_spikes(&self) -> bool {
        self.spike_mode == SpikeMode::Memory
    }

    /// Mean firing rate per neuron over the whole run, `(steps - 1) dt` (Hz).
    pub fn mean_rate_hz(&self) -> f64 {
        self.spike_total() as f64 / (self.n as f64 * self.grid.span())
    }
}

/// Mean and sum of squared deviations of a group of values (one chunk's V at one step, or
/// several chunks merged).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct GroupMoments {
    pub count: f64,
    pub mean: f64,
    pub m2: f64,
}

impl GroupMoments {
    /// One-pass moments of `values`, shifted by the first value (Chan, Golub & LeVeque 1983):
    /// with `d = v - values[0]`, `mean = values[0] + sum(d)/n` and
    /// `m2 = sum(d^2) - sum(d)^2/n` (never below 0). V varies by millivolts around tens of
    /// millivolts, so the shift removes the cancellation of the plain sums; identical values
    /// give exactly their value and m2 = 0. The sums run in eight fixed partial sums (element
    /// i goes to sum i mod 8; `d^2` is multiplied, then added: a fused multiply-add here made
    /// the generic loop slower for the noises without a hand-written kernel, bench/RESULTS.md) added
    /// pairwise at the end ([`pairwise_sum8`]): a fixed order, so they vectorize and their
    /// rounding depends only on `values`; the AVX-512 kernel (`crate::simd`) computes the same
    /// sums inside the step.
    #[inline(always)]
    pub fn of(values: &[f64]) -> Self {
        let Some(&shift) = values.first() else {
            return Self::default();
        };
        let (mut sums, mut squares) = ([0.0; 8], [0.0; 8]);
        let groups = values.chunks_exact(8);
        let rest = groups.remainder();
        for group in groups {
            let group: &[f64; 8] = group.try_into().expect("chunks_exact(8) gives 8 values");
            let d = group.map(|v| v - shift);
            sums = std::array::from_fn(|i| sums[i] + d[i]);
            squares = std::array::from_fn(|i| squares[i] + d[i] * d[i]);
        }
        for (i, &v) in rest.iter().enumerate() {
            let d = v - shift;
            sums[i] += d;
            squares[i] += d * d;
        }
        Self::from_shifted_sums(values.len() as f64, shift, pairwise_sum8(sums), pairwise_sum8(squares))
    }

    /// The moments of `count` values from `sum(v - shift)` and `sum((v - shift)^2)`.
    #[inline(always)]
    pub fn from_shifted_sums(count: f64, shift: f64, sum: f64, sum_squares: f64) -> Self {
        let m2 = sum_squares - sum * sum / count;
        Self { count, mean: shift + sum / count, m2: if m2 > 0.0 { m2 } else { 0.0 } }
    }

    /// Merges another group into this one (Chan, Golub & LeVeque 1979).
    pub fn merge(&mut self, other: &GroupMoments) {
        if other.count == 0.0 {
            return;
        }
        if self.count == 0.0 {
            // Merging into nothing must copy, not compute 0 + m c / c (which can be off by an ulp).
            *self = *other;
            return;
        }
        let count = self.count + other.count;
        let delta = other.mean - self.mean;
        self.mean += delta * other.count / count;
        self.m2 += other.m2 + delta * delta * self.count * other.count / count;
        self.count = count;
    }
}

/// The sum of eight partial sums in a fixed pairwise order.
#[inline(always)]
pub(crate) fn pairwise_sum8(s: [f64; 8]) -> f64 {
    ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}
