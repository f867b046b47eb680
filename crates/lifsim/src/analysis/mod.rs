//! Spike-train statistics over a recording (rates, population rate, ISIs, CV, Fano factor) and
//! estimators with standard errors (`estimators.rs`).
//!
//! All functions are pure and never panic on empty input: where a statistic is undefined
//! (no neurons, no spikes, fewer than two intervals) it is NaN, as documented on each function.
//!
//! **The window.** A spike recorded at grid step `k` happened during the update from `t_{k-1}`
//! to `t_k`. An analysis window `(t_start, t_stop]` is snapped to grid steps
//! `first = round(t_start/dt)`, `last = min(round(t_stop/dt), steps - 1)` and holds the spikes
//! at steps `first < k <= last`; its duration is `(last - first) dt`. With the defaults
//! (`t_start = 0`, `t_stop = t_max`) that is the whole run, `(steps - 1) dt`, as in
//! [`Recording::mean_rate_hz`].
//!
//! **Definitions** follow Elephant's (`elephant.statistics`) with these differences, each
//! chosen because lifsim's neurons are an ensemble of independent, identical trials:
//! - `isi`: intervals are pooled over all neurons (Elephant: one train at a time); only
//!   intervals whose two spikes both lie in the window count.
//! - `cv`: `std / mean` of the pooled intervals with the 1/N standard deviation, as Elephant's
//!   `cv`; but NaN (not 0) for fewer than two intervals, where no spread can be estimated.
//! - `fanofactor`: `var / mean` of the per-neuron counts with the 1/(N-1) sample variance
//!   (Elephant uses 1/N), so that a Poisson process has expectation exactly 1; NaN for fewer
//!   than two neurons or a zero mean count.
//! - `time_histogram` with `output='rate'`: the population rate, spikes per neuron per second;
//!   as in Elephant a last partial bin is dropped; bins are whole numbers of grid steps.

mod estimators;

pub use estimators::{Estimate, SampleMoments, batch_cv, batch_means, sample_moments};

use crate::grid::TimeGrid;
use crate::record::Recording;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The analysis settings of a simulation (`[analysis]` in a configuration).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSpec {
    /// Start of the analysis window (s); earlier spikes are a transient and ignored.
    pub t_start: f64,
    /// End of the analysis window (s); clamped to the last grid point.
    pub t_stop: f64,
    /// Bin width of the population rate (s), rounded to whole grid steps (at least one).
    pub bin: f64,
}

impl Default for AnalysisSpec {
    /// The whole run (`t_stop` = infinity, clamped to the grid) and 1 ms bins.
    fn default() -> Self {
        Self { t_start: 0.0, t_stop: f64::INFINITY, bin: 1e-3 }
    }
}

/// A window of grid steps: the spikes at steps `first < k <= last`.
///
/// ```
/// let w = lifsim::analysis::Window::new(lifsim::TimeGrid::new(1e-3, 100), 0.01, 1.0);
/// assert_eq!((w.first, w.last), (10, 99));
/// assert!((w.duration() - 0.089).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Step at the window's start (excluded).
    pub first: usize,
    /// Last step in the window (included).
    pub last: usize,
    grid: TimeGrid,
}

impl Window {
    /// The window `(t_start, t_stop]` (s) snapped to `grid` ([`TimeGrid::step_of`]).
    pub fn new(grid: TimeGrid, t_start: f64, t_stop: f64) -> Self {
        let last = grid.step_of(t_stop);
        Self { first: grid.step_of(t_start).min(last), last, grid }
    }

    /// The window of `spec` over `rec`'s grid.
    pub fn of(rec: &Recording, spec: &AnalysisSpec) -> Self {
        Self::new(rec.grid, spec.t_start, spec.t_stop)
    }

    /// True when the window holds every step of `rec` that can hold a spike, so that its
    /// spike counts are the recording's `spike_count`.
    fn is_whole_run(&self, rec: &Recording) -> bool {
        self.first == 0 && self.last + 1 >= rec.grid.steps()
    }

    /// Whether a spike at `step` counts.
    pub fn contains(&self, step: u32) -> bool {
        let k = step as usize;
        k > self.first && k <= self.last
    }

    /// The grid step (s).
    pub fn dt(&self) -> f64 {
        self.grid.dt()
    }

    /// Duration `(last - first) dt` (s).
    pub fn duration(&self) -> f64 {
        self.grid.time(self.last - self.first)
    }

    /// Start time `first dt` (s).
    pub fn t_start(&self) -> f64 {
        self.grid.time(self.first)
    }

    /// End time `last dt` (s).
    pub fn t_stop(&self) -> f64 {
        self.grid.time(self.last)
    }
}

/// Spikes per neuron in the window.
///
/// ```
/// let rec = lifsim::run(&lifsim::Config::default().build().unwrap()).unwrap();
/// let whole = lifsim::analysis::Window::new(rec.grid, 0.0, f64::INFINITY);
/// assert_eq!(lifsim::analysis::spike_counts(&rec, &whole), rec.spike_count);
/// ```
pub fn spike_counts(rec: &Recording, window: &Window) -> Vec<u32> {
    let mut counts = vec![0u32; rec.n];
    for (&neuron, &step) in rec.spikes.neuron.iter().zip(&rec.spikes.step) {
        if window.contains(step) {
            counts[neuron as usize] += 1;
        }
    }
    counts
}

/// Each neuron's firing rate in the window (Hz): its count divided by the duration; NaN for
/// an empty window.
pub fn neuron_rates(counts: &[u32], duration: f64) -> Vec<f64> {
    counts.iter().map(|&c| if duration > 0.0 { f64::from(c) / duration } else { f64::NAN }).collect()
}

/// A mean rate and its standard error (Hz).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateEstimate {
    /// Mean firing rate per neuron (Hz); NaN without neurons or for an empty window.
    pub rate_hz: f64,
    /// Its standard error from the spread of per-neuron counts, `std(counts)/sqrt(n)/T`
    /// (1/(n-1) variance) (Hz); NaN for fewer than two neurons.
    pub se_hz: f64,
}

/// The ensemble's mean rate and its standard error from per-neuron spike counts in a window
/// of `duration` seconds.
///
/// ```
/// let r = lifsim::analysis::mean_rate(&[1, 3], 0.5);
/// assert_eq!(r.rate_hz, 4.0);
/// assert!((r.se_hz - 2.0).abs() < 1e-12); // std = sqrt(2), / sqrt(2) / 0.5
/// ```
pub fn mean_rate(counts: &[u32], duration: f64) -> RateEstimate {
    let (mean, var) = mean_and_sample_variance(counts.iter().map(|&c| f64::from(c)));
    let n = counts.len() as f64;
    let duration = if duration > 0.0 { duration } else { f64::NAN };
    RateEstimate { rate_hz: mean / duration, se_hz: (var / n).sqrt() / duration }
}

/// The Fano factor of spike counts, `var / mean` with the 1/(n-1) variance (dimensionless);
/// NaN for fewer than two neurons or no spikes.
///
/// ```
/// assert_eq!(lifsim::analysis::fano_factor(&[1, 3]), 1.0);
/// assert!(lifsim::analysis::fano_factor(&[0, 0]).is_nan());
/// ```
pub fn fano_factor(counts: &[u32]) -> f64 {
    let (mean, var) = mean_and_sample_variance(counts.iter().map(|&c| f64::from(c)));
    if mean > 0.0 { var / mean } else { f64::NAN }
}

/// Each interspike interval in whole grid steps whose two spikes lie in the window, pooled
/// over neurons in the order of their second spike (spikes in step order, as recorded).
fn interval_steps<'a>(
    neurons: &'a [u32],
    steps: &'a [u32],
    n: usize,
    window: &'a Window,
) -> impl Iterator<Item = u32> + 'a {
    interval_steps_of(neurons, steps, n, window, |_| true)
}

/// [`interval_steps`] of the neurons for which `keep` is true.
fn interval_steps_of<'a>(
    neurons: &'a [u32],
    steps: &'a [u32],
    n: usize,
    window: &'a Window,
    keep: impl Fn(u32) -> bool + 'a,
) -> impl Iterator<Item = u32> + 'a {
    let mut last = vec![u32::MAX; n];
    let inside = move |&(&neuron, &step): &(&u32, &u32)| window.contains(step) && keep(neuron);
    neurons.iter().zip(steps).filter(inside).filter_map(move |(&neuron, &step)| {
        let previous = std::mem::replace(&mut last[neuron as usize], step);
        (previous != u32::MAX).then(|| step - previous)
    })
}

/// Every interspike interval (s) whose two spikes lie in the window, pooled over neurons in
/// the order of their second spike.
///
/// ```
/// use lifsim::analysis::{Window, intervals_of};
/// // neuron 0 spikes at steps 2, 5, 9; neuron 1 at step 4; dt = 1 ms.
/// let isi = intervals_of(&[0, 1, 0, 0], &[2, 4, 5, 9], 2, &Window::new(lifsim::TimeGrid::new(1e-3, 20), 0.0, 1.0));
/// assert_eq!(isi.len(), 2);
/// assert!((isi[0] - 3e-3).abs() < 1e-15 && (isi[1] - 4e-3).abs() < 1e-15);
/// ```
pub fn intervals_of(neurons: &[u32], steps: &[u32], n: usize, window: &Window) -> Vec<f64> {
    interval_steps(neurons, steps, n, window).map(|k| f64::from(k) * window.dt()).collect()
}

/// [`intervals_of`] for spikes with precise times `times` (s): the intervals are differences
/// of those times; which spikes count is still decided by their steps.
///
/// ```
/// use lifsim::analysis::{Window, intervals_timed};
/// let w = Window::new(lifsim::TimeGrid::new(1e-3, 20), 0.0, 1.0);
/// let isi = intervals_timed(&[0, 0], &[2, 5], &[1.5e-3, 4.25e-3], 1, &w);
/// assert!((isi[0] - 2.75e-3).abs() < 1e-18);
/// ```
pub fn intervals_timed(neurons: &[u32], steps: &[u32], times: &[f64], n: usize, window: &Window) -> Vec<f64> {
    timed_intervals_of(neurons, steps, times, n, window, |_| true).collect()
}

/// Each interspike interval (s) of spikes with precise times whose two spikes lie in the
/// window, of the neurons for which `keep` is true, in the order of their second spike.
fn timed_intervals_of<'a>(
    neurons: &'a [u32],
    steps: &'a [u32],
    times: &'a [f64],
    n: usize,
    window: &'a Window,
    keep: impl Fn(u32) -> bool + 'a,
) -> impl Iterator<Item = f64> + 'a {
    let mut last = vec![f64::NAN; n];
    neurons
        .iter()
        .zip(steps)
        .zip(times)
        .filter(move |&((&neuron, &step), _)| window.contains(step) && keep(neuron))
        .filter_map(move |((&neuron, _), &time)| {
            let previous = std::mem::replace(&mut last[neuron as usize], time);
            (!previous.is_nan()).then_some(time - previous)
        })
}

/// The interspike intervals of a recording in a window (s); see [`intervals_of`] (and
/// [`intervals_timed`] for precise spike times).
pub fn intervals(rec: &Recording, window: &Window) -> Vec<f64> {
    if rec.spikes.is_timed() {
        return intervals_timed(&rec.spikes.neuron, &rec.spikes.step, &rec.spikes.time, rec.n, window);
    }
    intervals_of(&rec.spikes.neuron, &rec.spikes.step, rec.n, window)
}

/// How many interspike intervals of a recording in a window last each whole number of grid
/// steps: entry `k` counts the intervals of `k dt` seconds. The same intervals as
/// [`intervals`], in memory that grows with the steps, not with the spikes (for the ISI
/// histogram of a million neurons, 80 kB instead of 432 MB). With precise spike times each
/// interval is counted at its nearest whole number of steps.
///
/// ```
/// let rec = lifsim::run(&lifsim::Config::default().build().unwrap()).unwrap();
/// let w = lifsim::analysis::Window::new(rec.grid, 0.0, f64::INFINITY);
/// let tally = lifsim::analysis::interval_step_tally(&rec, &w);
/// let all = lifsim::analysis::intervals(&rec, &w);
/// assert_eq!(tally.iter().sum::<u64>(), all.len() as u64);
/// let shortest = tally.iter().position(|&c| c > 0).unwrap();
/// assert_eq!(shortest as f64 * rec.grid.dt(), all.iter().copied().fold(f64::INFINITY, f64::min));
/// ```
pub fn interval_step_tally(rec: &Recording, window: &Window) -> Vec<u64> {
    let mut tally = Vec::new();
    let steps: Box<dyn Iterator<Item = usize>> = if rec.spikes.is_timed() {
        let s = &rec.spikes;
        let dt = window.dt();
        Box::new(
            timed_intervals_of(&s.neuron, &s.step, &s.time, rec.n, window, |_| true)
                .map(move |t| (t / dt).round() as usize),
        )
    } else {
        Box::new(interval_steps(&rec.spikes.neuron, &rec.spikes.step, rec.n, window).map(|k| k as usize))
    };
    for k in steps {
        if k >= tally.len() {
            tally.resize(k + 1, 0);
        }
        tally[k] += 1;
    }
    tally
}

/// The coefficient of variation `std / mean` of intervals (1/N standard deviation, as
/// Elephant's `cv`); NaN for fewer than two intervals.
///
/// ```
/// assert!((lifsim::analysis::cv(&[1.0, 3.0]) - 0.5).abs() < 1e-15);
/// assert!(lifsim::analysis::cv(&[2.0]).is_nan());
/// ```
pub fn cv(intervals: &[f64]) -> f64 {
    if intervals.len() < 2 {
        return f64::NAN;
    }
    let n = intervals.len() as f64;
    let (mean, var) = mean_and_sample_variance(intervals.iter().copied());
    (var * (n - 1.0) / n).sqrt() / mean
}

/// Count, mean and CV of the interspike intervals in a window, as [`intervals`] and [`cv`]
/// would give, but in one pass that stores nothing per interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntervalSummary {
    /// Number of intervals.
    pub count: usize,
    /// Mean interval (s); NaN without intervals.
    pub mean_s: f64,
    /// Coefficient of variation (1/N standard deviation over the mean); NaN for fewer than two.
    pub cv: f64,
}

/// The [`IntervalSummary`] of a recording in a window. Intervals are whole grid steps, so
/// their sums are accumulated exactly in integers; memory is 4 bytes per neuron, however
/// many spikes there are (a million neurons at 54 Hz for 1 s would need 432 MB as a list).
///
/// ```
/// let rec = lifsim::run(&lifsim::Config::default().build().unwrap()).unwrap();
/// let w = lifsim::analysis::Window::new(rec.grid, 0.0, f64::INFINITY);
/// let all = lifsim::analysis::intervals(&rec, &w);
/// let s = lifsim::analysis::interval_summary(&rec, &w);
/// assert_eq!(s.count, all.len());
/// assert!((s.cv - lifsim::analysis::cv(&all)).abs() < 1e-12);
/// ```
pub fn interval_summary(rec: &Recording, window: &Window) -> IntervalSummary {
    interval_summary_of(rec, window, 0..rec.n)
}

/// [`interval_summary`] of the neurons `neurons` only.
pub fn interval_summary_of(rec: &Recording, window: &Window, neurons: std::ops::Range<usize>) -> IntervalSummary {
    if rec.spikes.is_timed() {
        let s = &rec.spikes;
        let keep = |n: u32| neurons.contains(&(n as usize));
        return timed_summary(timed_intervals_of(&s.neuron, &s.step, &s.time, rec.n, window, keep));
    }
    // Whole steps summed exactly in integers: the neurons are cut into ranges summed in
    // parallel (on the current rayon pool), and the result is the same for any cut.
    let pieces = rayon::current_num_threads().clamp(1, 64);
    let piece_len = neurons.len().div_ceil(pieces).max(1);
    let (count, sum, sum_sq) = (0..pieces)
        .into_par_iter()
        .map(|i| {
            let start = (neurons.start + i * piece_len).min(neurons.end);
            let piece = start..(start + piece_len).min(neurons.end);
            let intervals = interval_steps_of(&rec.spikes.neuron, &rec.spikes.step, rec.n, window, |n| {
                piece.contains(&(n as usize))
            });
            intervals.fold((0u128, 0u128, 0u128), |(count, sum, sum_sq), k| {
                let steps = u128::from(k);
                (count + 1, sum + steps, sum_sq + steps * steps)
            })
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let n = count as f64;
    let mean_steps = sum as f64 / n;
    // Population variance in steps^2, exact numerator: (n sum_sq - sum^2) / n^2.
    let variance = (count * sum_sq - sum * sum) as f64 / (n * n);
    IntervalSummary {
        count: count as usize,
        mean_s: if count == 0 { f64::NAN } else { mean_steps * window.dt() },
        cv: if count < 2 { f64::NAN } else { variance.sqrt() / mean_steps },
    }
}

/// The [`IntervalSummary`] of intervals in seconds (precise spike times), in one pass of
/// sums shifted by the first interval (so that the variance does not cancel).
fn timed_summary(intervals: impl Iterator<Item = f64>) -> IntervalSummary {
    let (mut count, mut shift, mut sum, mut sum_sq) = (0usize, f64::NAN, 0.0, 0.0);
    for t in intervals {
        if count == 0 {
            shift = t;
        }
        let d = t - shift;
        count += 1;
        sum += d;
        sum_sq += d * d;
    }
    let n = count as f64;
    let mean = shift + sum / n;
    let variance = ((sum_sq - sum * sum / n) / n).max(0.0);
    IntervalSummary {
        count,
        mean_s: if count == 0 { f64::NAN } else { mean },
        cv: if count < 2 { f64::NAN } else { variance.sqrt() / mean },
    }
}

/// Equal bins and their counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Binned {
    /// Bin edges, one more than bins.
    pub edges: Vec<f64>,
    /// Count in each bin.
    pub counts: Vec<u64>,
}

/// The population rate (PSTH) in the window: spikes of all neurons in bins of `bin` seconds
/// (rounded to whole grid steps, at least one), and the rate in each bin, spikes per neuron
/// per second (Hz). A last partial bin is dropped.
///
/// ```
/// let rec = lifsim::run(&lifsim::Config::default().build().unwrap()).unwrap();
/// let w = lifsim::analysis::Window::new(rec.grid, 0.0, f64::INFINITY);
/// let (bins, rate) = lifsim::analysis::population_rate(&rec, &w, 10e-3);
/// assert_eq!(rate.len(), 14);
/// assert_eq!(bins.edges.len(), 15);
/// ```
pub fn population_rate(rec: &Recording, window: &Window, bin: f64) -> (Binned, Vec<f64>) {
    let width = ((bin / rec.grid.dt()).round() as usize).max(1);
    let bins = (window.last - window.first) / width;
    let mut counts = vec![0u64; bins];
    for &step in &rec.spikes.step {
        if window.contains(step) {
            let b = (step as usize - window.first - 1) / width;
            if b < bins {
                counts[b] += 1;
            }
        }
    }
    let edges = (0..=bins).map(|b| rec.grid.time(window.first + b * width)).collect();
    let per = rec.n as f64 * width as f64 * rec.grid.dt();
    let rate = counts.iter().map(|&c| c as f64 / per).collect();
    (Binned { edges, counts }, rate)
}

/// A histogram of intervals (s) in `bins` equal bins from 0 to the longest; empty input gives
/// no bins.
///
/// ```
/// let h = lifsim::analysis::interval_histogram(&[1.0, 2.0, 4.0], 2);
/// assert_eq!((h.edges, h.counts), (vec![0.0, 2.0, 4.0], vec![1, 2]));
/// ```
pub fn interval_histogram(intervals: &[f64], bins: usize) -> Binned {
    let hi = intervals.iter().copied().fold(0.0, f64::max);
    if intervals.is_empty() || bins == 0 || hi <= 0.0 {
        return Binned { edges: Vec::new(), counts: Vec::new() };
    }
    let width = hi / bins as f64;
    let mut counts = vec![0u64; bins];
    for &x in intervals {
        counts[((x / width) as usize).min(bins - 1)] += 1;
    }
    Binned { edges: (0..=bins).map(|b| b as f64 * width).collect(), counts }
}

/// How many neurons fired 0, 1, 2, ... spikes: entry `c` counts the neurons with `c` spikes.
///
/// ```
/// assert_eq!(lifsim::analysis::count_histogram(&[0, 2, 2]), vec![1, 0, 2]);
/// assert!(lifsim::analysis::count_histogram(&[]).is_empty());
/// ```
pub fn count_histogram(counts: &[u32]) -> Vec<u64> {
    let top = counts.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut hist = vec![0u64; top];
    for &c in counts {
        hist[c as usize] += 1;
    }
    hist
}

/// Each neuron's ISI CV in the window (1/N standard deviation over the mean of its own
/// intervals); NaN for a neuron with fewer than two intervals.
///
/// ```
/// use lifsim::analysis::{Window, neuron_cvs};
/// let rec = lifsim::run(&lifsim::Config::default().build().unwrap()).unwrap();
/// let cvs = neuron_cvs(&rec, &Window::new(rec.grid, 0.0, f64::INFINITY));
/// assert_eq!(cvs.len(), rec.n);
/// ```
pub fn neuron_cvs(rec: &Recording, window: &Window) -> Vec<f64> {
    if rec.spikes.is_timed() {
        let s = &rec.spikes;
        return (0..rec.n)
            .map(|i| {
                let keep = move |n: u32| n as usize == i;
                timed_summary(timed_intervals_of(&s.neuron, &s.step, &s.time, rec.n, window, keep)).cv
            })
            .collect();
    }
    let mut sums = vec![(0u64, 0u128, 0u128); rec.n];
    let mut last = vec![u32::MAX; rec.n];
    for (&neuron, &step) in rec.spikes.neuron.iter().zip(&rec.spikes.step) {
        if !window.contains(step) {
            continue;
        }
        let previous = std::mem::replace(&mut last[neuron as usize], step);
        if previous != u32::MAX {
            let k = u128::from(step - previous);
            let s = &mut sums[neuron as usize];
            *s = (s.0 + 1, s.1 + k, s.2 + k * k);
        }
    }
    sums.iter()
        .map(|&(count, sum, sum_sq)| {
            if count < 2 {
                return f64::NAN;
            }
            let n = count as f64;
            let mean = sum as f64 / n;
            let variance = (u128::from(count) * sum_sq - sum * sum) as f64 / (n * n);
            variance.sqrt() / mean
        })
        .collect()
}

/// The statistics `summary.json` reports under `analysis`; NaN (null in JSON) where undefined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeStatistics {
    /// Window start, on the grid (s).
    pub t_start: f64,
    /// Window end, on the grid (s).
    pub t_stop: f64,
    /// Mean firing rate per neuron in the window (Hz).
    pub rate_hz: f64,
    /// Standard error of `rate_hz` (Hz), see [`mean_rate`].
    pub rate_se_hz: f64,
    /// Number of interspike intervals in the window.
    pub isi_count: usize,
    /// Mean interspike interval (s).
    pub isi_mean_s: f64,
    /// Coefficient of variation of the intervals, see [`cv`].
    pub cv_isi: f64,
    /// Fano factor of per-neuron counts in the window, see [`fano_factor`].
    pub fano: f64,
}

impl SpikeStatistics {
    /// The statistics of `rec` in the window of `spec`.
    ///
    /// ```
    /// let sim = lifsim::Config::default().build().unwrap();
    /// let rec = lifsim::run(&sim).unwrap();
    /// let s = lifsim::analysis::SpikeStatistics::of(&rec, sim.analysis());
    /// assert!((s.rate_hz - rec.mean_rate_hz()).abs() < 1e-9);
    /// ```
    pub fn of(rec: &Recording, spec: &AnalysisSpec) -> Self {
        Self::of_neurons(rec, spec, 0..rec.n)
    }

    /// The statistics of the neurons `neurons` (global indices, e.g. one population's) of `rec`
    /// in the window of `spec`.
    ///
    /// A recording that does not hold its spikes (`record.spikes = "file"` or `"counts"`)
    /// has no intervals (`isi_count` 0, `isi_mean_s` and `cv_isi` NaN); its rate, SE and Fano
    /// factor come from the per-neuron counts when the window is the whole run, else its rate
    /// from the activity (SE and Fano NaN).
    pub fn of_neurons(rec: &Recording, spec: &AnalysisSpec, neurons: std::ops::Range<usize>) -> Self {
        let window = Window::of(rec, spec);
        if !rec.holds_spikes() {
            return Self::of_counts(rec, &window, neurons);
        }
        // Over the whole run the counts are the recording's own (one pass over the spikes
        // fewer: 0.4 s of analysis at 54 million spikes).
        let counted;
        let counts = if window.is_whole_run(rec) && rec.spike_count.len() == rec.n {
            &rec.spike_count
        } else {
            counted = spike_counts(rec, &window);
            &counted
        };
        let counts = counts.get(neurons.clone()).unwrap_or_default();
        let rate = mean_rate(counts, window.duration());
        let isi = interval_summary_of(rec, &window, neurons);
        Self {
            t_start: window.t_start(),
            t_stop: window.t_stop(),
            rate_hz: rate.rate_hz,
            rate_se_hz: rate.se_hz,
            isi_count: isi.count,
            isi_mean_s: isi.mean_s,
            cv_isi: isi.cv,
            fano: fano_factor(counts),
        }
    }
}

impl SpikeStatistics {
    /// [`SpikeStatistics::of_neurons`] of a recording that holds no spikes, only counts and
    /// activity.
    fn of_counts(rec: &Recording, window: &Window, neurons: std::ops::Range<usize>) -> Self {
        let (rate, fano) = if window.is_whole_run(rec) {
            let counts = rec.spike_count.get(neurons).unwrap_or_default();
            (mean_rate(counts, window.duration()), fano_factor(counts))
        } else {
            // Spikes per neuron at each step, of the whole ensemble or of one population.
            let activity = match rec.populations.iter().find(|p| (p.first..p.first + p.n) == neurons) {
                Some(population) => &population.activity,
                None => &rec.activity,
            };
            let per_neuron: f64 = activity.get(window.first + 1..=window.last).unwrap_or_default().iter().sum();
            let duration = if window.duration() > 0.0 { window.duration() } else { f64::NAN };
            (RateEstimate { rate_hz: per_neuron / duration, se_hz: f64::NAN }, f64::NAN)
        };
        Self {
            t_start: window.t_start(),
            t_stop: window.t_stop(),
            rate_hz: rate.rate_hz,
            rate_se_hz: rate.se_hz,
            isi_count: 0,
            isi_mean_s: f64::NAN,
            cv_isi: f64::NAN,
            fano,
        }
    }
}

/// Mean and 1/(n-1) variance by the corrected two-pass formula; NaN where undefined.
fn mean_and_sample_variance(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let (sq, sum): (f64, f64) =
        values.fold((0.0, 0.0), |(sq, sum), x| (sq + (x - mean) * (x - mean), sum + (x - mean)));
    let var = if n > 1.0 { (sq - sum * sum / n) / (n - 1.0) } else { f64::NAN };
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Spikes;

    /// A recording of `n` neurons over `steps` grid points (dt = 1 ms) with the given spikes.
    fn recording(n: usize, steps: usize, spikes: &[(u32, u32)]) -> Recording {
        let mut sorted = spikes.to_vec();
        sorted.sort_by_key(|&(neuron, step)| (step, neuron));
        let mut spike_count = vec![0; n];
        for &(neuron, _) in &sorted {
            spike_count[neuron as usize] += 1;
        }
        Recording {
            grid: TimeGrid::new(1e-3, steps),
            n,
            v_mean: vec![0.0; steps],
            v_var: vec![0.0; steps],
            activity: vec![0.0; steps],
            traces: Default::default(),
            spikes: Spikes {
                neuron: sorted.iter().map(|s| s.0).collect(),
                step: sorted.iter().map(|s| s.1).collect(),
                time: Vec::new(),
            },
            spike_count,
            histograms: Vec::new(),
            populations: Vec::new(),
            spike_mode: Default::default(),
        }
    }

    /// The interval summary, summed over neuron ranges in parallel, is the same for any thread
    /// count and equals the pooled intervals' count, mean and CV; the whole-run statistics use
    /// the recording's counts and agree with counting the spikes.
    #[test]
    fn interval_summary_is_the_same_for_any_thread_count() {
        let mut config = crate::Config::default();
        config.set("simulation.n", &crate::Value::from(3000)).expect("valid");
        config.set("input.i_mean", &crate::Value::from("300 pA")).expect("valid");
        let sim = config.build().expect("valid");
        let rec = crate::run(&sim).expect("runs");
        let window = Window::of(&rec, sim.analysis());
        let all = intervals(&rec, &window);
        assert!(all.len() > 1000, "{} intervals", all.len());
        let summaries: Vec<IntervalSummary> = [1, 2, 3, 7]
            .iter()
            .map(|&threads| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
                pool.install(|| interval_summary(&rec, &window))
            })
            .collect();
        for s in &summaries {
            assert_eq!(s, &summaries[0]);
        }
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        assert_eq!(summaries[0].count, all.len());
        assert!((summaries[0].mean_s - mean).abs() <= 1e-12 * mean);
        assert!((summaries[0].cv - cv(&all)).abs() <= 1e-9);
        let counted = spike_counts(&rec, &window);
        assert_eq!(counted, rec.spike_count);
        let stats = SpikeStatistics::of(&rec, sim.analysis());
        assert_eq!(stats.fano, fano_factor(&counted));
        assert_eq!(stats.rate_hz, mean_rate(&counted, window.duration()).rate_hz);
    }

    #[test]
    fn hand_computed_train() {
        // dt = 1 ms, 101 points: 0.1 s. Neuron 0: steps 10, 30, 60; neuron 1: 20, 40; neuron 2 silent.
        let rec = recording(3, 101, &[(0, 10), (0, 30), (0, 60), (1, 20), (1, 40)]);
        let s = SpikeStatistics::of(&rec, &AnalysisSpec::default());
        assert!((s.rate_hz - 5.0 / 3.0 / 0.1).abs() < 1e-9);
        // counts 3, 2, 0: mean 5/3, sample variance ((4/3)^2 + (1/3)^2 + (5/3)^2)/2 = 7/3.
        assert!((s.fano - (7.0 / 3.0) / (5.0 / 3.0)).abs() < 1e-12);
        assert!((s.rate_se_hz - (7.0f64 / 3.0 / 3.0).sqrt() / 0.1).abs() < 1e-9);
        // intervals 20, 30 (neuron 0) and 20 ms (neuron 1): mean 70/3 ms, 1/N std sqrt(200/9) ms.
        assert_eq!(s.isi_count, 3);
        assert!((s.isi_mean_s - 70e-3 / 3.0).abs() < 1e-12);
        assert!((s.cv_isi - (200.0f64 / 9.0).sqrt() / (70.0 / 3.0)).abs() < 1e-12);
        // Window (25 ms, 100 ms]: spikes 30, 60 and 40.
        let late = SpikeStatistics::of(&rec, &AnalysisSpec { t_start: 25e-3, ..AnalysisSpec::default() });
        assert!((late.rate_hz - 1.0 / 0.075).abs() < 1e-9);
        assert_eq!(late.isi_count, 1);
        assert!(late.cv_isi.is_nan());
        let w = Window::new(TimeGrid::new(1e-3, 101), 0.0, 1.0);
        let (bins, rate) = population_rate(&rec, &w, 25e-3);
        assert_eq!(bins.counts, vec![2, 2, 1, 0]);
        assert!((rate[0] - 2.0 / 3.0 / 25e-3).abs() < 1e-9);
        assert_eq!(count_histogram(&spike_counts(&rec, &w)), vec![1, 0, 1, 1]);
    }

    #[test]
    fn silent_empty_and_single_spike_give_nan_not_panics() {
        for rec in [recording(4, 50, &[]), recording(1, 50, &[(0, 7)]), recording(0, 50, &[]), recording(2, 1, &[])] {
            let s = SpikeStatistics::of(&rec, &AnalysisSpec::default());
            assert!(s.cv_isi.is_nan() && s.isi_mean_s.is_nan() && s.isi_count == 0);
            assert!(s.fano.is_nan());
            let w = Window::of(&rec, &AnalysisSpec::default());
            let _ = population_rate(&rec, &w, 1e-3);
            assert!(interval_histogram(&intervals(&rec, &w), 10).counts.is_empty());
        }
        let silent = SpikeStatistics::of(&recording(4, 50, &[]), &AnalysisSpec::default());
        assert_eq!((silent.rate_hz, silent.rate_se_hz), (0.0, 0.0));
        assert!(SpikeStatistics::of(&recording(0, 50, &[]), &AnalysisSpec::default()).rate_hz.is_nan());
        assert!(SpikeStatistics::of(&recording(2, 1, &[]), &AnalysisSpec::default()).rate_hz.is_nan());
        assert!(mean_rate(&[3], 1.0).se_hz.is_nan());
    }
}
