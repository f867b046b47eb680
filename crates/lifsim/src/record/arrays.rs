//! A recording as named arrays: the one table behind `results.npz`, `Result.save` and Python's arrays.
//!
//! [`Recording::arrays`] lists every array under its name in `results.npz`, with its shape (C
//! order) and its data, borrowed from the recording where it is stored there and computed from
//! the grid where it is a time axis. [`Recording::into_arrays`] gives the same table owning its
//! data (moved, not copied, for NumPy), and [`Recording::from_arrays`] reads a recording back
//! from such arrays.

use super::{Histogram, PopulationActivity, Recording, Spikes, Traces};
use crate::grid::TimeGrid;
use crate::model::SpikeMode;
use std::borrow::Cow;

/// The data of one named array.
#[derive(Debug, Clone, PartialEq)]
pub enum Column<'a> {
    /// 64-bit floats.
    F64(Cow<'a, [f64]>),
    /// 32-bit unsigned integers.
    U32(Cow<'a, [u32]>),
    /// 64-bit unsigned integers.
    U64(Cow<'a, [u64]>),
    /// Text (NumPy's unicode strings).
    Text(Cow<'a, [String]>),
}

impl Column<'_> {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Column::F64(data) => data.len(),
            Column::U32(data) => data.len(),
            Column::U64(data) => data.len(),
            Column::Text(data) => data.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One array of a recording: its name (as in `results.npz`, without `.npy`), its shape and data.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArray<'a> {
    /// The name, e.g. `v_mean`.
    pub name: &'static str,
    /// The shape, C order (one entry per dimension).
    pub shape: Vec<usize>,
    /// The values.
    pub data: Column<'a>,
}

/// The arrays of a recording, in the order of `results.npz`.
pub type RecordingArrays<'a> = Vec<NamedArray<'a>>;

/// Where [`Recording::from_arrays`] reads arrays from (for example a Python dict of NumPy
/// arrays): each call returns the flat data (C order) and shape of the array `name`.
pub trait ArraySource {
    /// The error of a missing or mistyped array; it should name the array.
    type Error;
    /// The array `name` as 64-bit floats.
    fn f64s(&mut self, name: &'static str) -> Result<(Vec<f64>, Vec<usize>), Self::Error>;
    /// The array `name` as 32-bit unsigned integers.
    fn u32s(&mut self, name: &'static str) -> Result<(Vec<u32>, Vec<usize>), Self::Error>;
    /// The array `name` as 64-bit unsigned integers.
    fn u64s(&mut self, name: &'static str) -> Result<(Vec<u64>, Vec<usize>), Self::Error>;
    /// The array `name` as text, `None` when the source has no such array.
    fn texts(&mut self, name: &'static str) -> Result<Option<Vec<String>>, Self::Error>;
    /// Whether the source has the array `name` (for the arrays a recording may lack).
    fn has(&mut self, name: &'static str) -> bool;
}

/// The stored vectors of a recording, borrowed or owned: what [`table`] reads.
struct Parts<'a> {
    grid: TimeGrid,
    n: usize,
    v_mean: Cow<'a, [f64]>,
    v_var: Cow<'a, [f64]>,
    activity: Cow<'a, [f64]>,
    traces: Cow<'a, [f64]>,
    trace_shape: [usize; 2],
    trace_every: usize,
    spike_neuron: Cow<'a, [u32]>,
    spike_step: Cow<'a, [u32]>,
    /// Precise spike times (s), empty for spikes on the grid.
    spike_time: Cow<'a, [f64]>,
    spike_count: Cow<'a, [u32]>,
    histograms: &'a [Histogram],
    populations: &'a [PopulationActivity],
}

/// The table itself: every array's name, shape and data, in the order of `results.npz`.
///
/// Arrays: `t` (s), `v_mean` (V), `v_var` (V^2), `activity` (spikes per neuron per step),
/// `v_traces` (traced neurons x samples, V), `trace_t` (s), `spike_neuron`, `spike_step`,
/// with precise crossings `spike_time` (s; on the grid a spike's time is `t[spike_step]`,
/// never stored beside its step), `spike_count` (per neuron), `hist_times` (s), `hist_edges` (histograms x
/// bins+1, V), `hist_counts` (histograms x bins); for a network also `population_names`,
/// `population_offsets` (P + 1: population p holds neurons `offsets[p] .. offsets[p + 1]`) and
/// `population_activity` (P x steps, spikes per neuron per step).
fn table(parts: Parts<'_>) -> RecordingArrays<'_> {
    let Parts { grid, n, v_mean, v_var, activity, traces, trace_shape, trace_every, .. } = parts;
    let steps = grid.steps();
    let spikes = parts.spike_step.len();
    let hists = parts.histograms;
    let bins = hists.first().map_or(0, |h| h.counts.len());
    let array = |name, shape: &[usize], data| NamedArray { name, shape: shape.to_vec(), data };
    let populations = parts.populations;
    let mut arrays = vec![
        array("t", &[steps], Column::F64(grid.times().collect())),
        array("v_mean", &[steps], Column::F64(v_mean)),
        array("v_var", &[steps], Column::F64(v_var)),
        array("activity", &[steps], Column::F64(activity)),
        array("v_traces", &trace_shape, Column::F64(traces)),
        array("trace_t", &[trace_shape[1]], Column::F64(grid.sampled(trace_every).collect())),
        array("spike_neuron", &[spikes], Column::U32(parts.spike_neuron)),
        array("spike_step", &[spikes], Column::U32(parts.spike_step)),
    ];
    if !parts.spike_time.is_empty() {
        arrays.push(array("spike_time", &[spikes], Column::F64(parts.spike_time)));
    }
    arrays.extend([
        array("spike_count", &[n], Column::U32(parts.spike_count)),
        array("hist_times", &[hists.len()], Column::F64(hists.iter().map(|h| h.time).collect())),
        array(
            "hist_edges",
            &[hists.len(), bins + 1],
            Column::F64(hists.iter().flat_map(|h| h.edges.iter().copied()).collect()),
        ),
        array(
            "hist_counts",
            &[hists.len(), bins],
            Column::U64(hists.iter().flat_map(|h| h.counts.iter().copied()).collect()),
        ),
    ]);
    if !populations.is_empty() {
        let offsets =
            populations.iter().map(|p| p.first as u64).chain(populations.last().map(|p| (p.first + p.n) as u64));
        arrays.extend([
            array(
                "population_names",
                &[populations.len()],
                Column::Text(populations.iter().map(|p| p.name.clone()).collect()),
            ),
            array("population_offsets", &[populations.len() + 1], Column::U64(offsets.collect())),
            array(
                "population_activity",
                &[populations.len(), steps],
                Column::F64(populations.iter().flat_map(|p| p.activity.iter().copied()).collect()),
            ),
        ]);
    }
    arrays
}

impl Recording {
    /// Every array of the recording under its name in `results.npz`, borrowing the stored data.
    ///
    /// ```
    /// let rec = lifsim::run(&lifsim::Config::default().build().unwrap()).unwrap();
    /// let arrays = rec.arrays();
    /// let v_mean = arrays.iter().find(|a| a.name == "v_mean").unwrap();
    /// assert_eq!(v_mean.shape, [150]);
    /// assert_eq!(v_mean.data, lifsim::record::Column::F64(rec.v_mean.as_slice().into()));
    /// ```
    pub fn arrays(&self) -> RecordingArrays<'_> {
        let tr = &self.traces;
        table(Parts {
            grid: self.grid,
            n: self.n,
            v_mean: Cow::Borrowed(&self.v_mean),
            v_var: Cow::Borrowed(&self.v_var),
            activity: Cow::Borrowed(&self.activity),
            traces: Cow::Borrowed(&tr.values),
            trace_shape: [tr.neurons, tr.samples],
            trace_every: tr.every,
            spike_neuron: Cow::Borrowed(&self.spikes.neuron),
            spike_step: Cow::Borrowed(&self.spikes.step),
            spike_time: Cow::Borrowed(&self.spikes.time),
            spike_count: Cow::Borrowed(&self.spike_count),
            histograms: &self.histograms,
            populations: &self.populations,
        })
    }

    /// The same table as [`Recording::arrays`], owning its data: the stored vectors are moved,
    /// not copied (the histograms' small arrays are copied out).
    pub fn into_arrays(self) -> RecordingArrays<'static> {
        let Recording {
            grid, n, v_mean, v_var, activity, traces, spikes, spike_count, histograms, populations, ..
        } = self;
        let arrays = table(Parts {
            grid,
            n,
            v_mean: Cow::Owned(v_mean),
            v_var: Cow::Owned(v_var),
            activity: Cow::Owned(activity),
            traces: Cow::Owned(traces.values),
            trace_shape: [traces.neurons, traces.samples],
            trace_every: traces.every,
            spike_neuron: Cow::Owned(spikes.neuron),
            spike_step: Cow::Owned(spikes.step),
            spike_time: Cow::Owned(spikes.time),
            spike_count: Cow::Owned(spike_count),
            histograms: &histograms,
            populations: &populations,
        });
        arrays.into_iter().map(NamedArray::into_owned).collect()
    }

    /// Reads a recording back from its arrays (as [`Recording::arrays`] names them) on a grid
    /// of step `dt` (s), traces sampled every `every` steps, its spikes gone the way of
    /// `spike_mode`. Derived arrays (`t`, `trace_t`) are not read; `spike_time` is read where
    /// the source has it ([`ArraySource::has`]) and kept only where it is off the grid (precise
    /// crossings); histograms come back without their V snapshots.
    ///
    /// # Errors
    /// The source's error for the first array it cannot give.
    pub fn from_arrays<S: ArraySource>(
        source: &mut S,
        dt: f64,
        every: usize,
        spike_mode: SpikeMode,
    ) -> Result<Recording, S::Error> {
        let v_mean = source.f64s("v_mean")?.0;
        let grid = TimeGrid::new(dt, v_mean.len());
        let (values, trace_shape) = source.f64s("v_traces")?;
        let (hist_edges, edge_shape) = source.f64s("hist_edges")?;
        let (hist_counts, _) = source.u64s("hist_counts")?;
        let (hist_times, _) = source.f64s("hist_times")?;
        let bins = edge_shape.get(1).map_or(0, |&b| b.saturating_sub(1));
        let histograms = hist_times
            .iter()
            .enumerate()
            .map(|(h, &time)| Histogram {
                time,
                step: grid.step_of(time),
                // Arrays of inconsistent shapes give empty histograms rather than a panic.
                edges: hist_edges.get(h * (bins + 1)..(h + 1) * (bins + 1)).unwrap_or_default().to_vec(),
                counts: hist_counts.get(h * bins..(h + 1) * bins).unwrap_or_default().to_vec(),
                values: Vec::new(),
            })
            .collect();
        let spike_count = source.u32s("spike_count")?.0;
        let populations = match source.texts("population_names")? {
            None => Vec::new(),
            Some(names) => {
                let offsets = source.u64s("population_offsets")?.0;
                let activity = source.f64s("population_activity")?.0;
                let steps = v_mean.len();
                names
                    .into_iter()
                    .enumerate()
                    .map(|(p, name)| {
                        let first = offsets.get(p).copied().unwrap_or(0) as usize;
                        let end = offsets.get(p + 1).copied().unwrap_or(0) as usize;
                        PopulationActivity {
                            name,
                            first,
                            n: end.saturating_sub(first),
                            activity: activity.get(p * steps..(p + 1) * steps).unwrap_or_default().to_vec(),
                        }
                    })
                    .collect()
            }
        };
        Ok(Recording {
            grid,
            n: spike_count.len(),
            v_mean,
            v_var: source.f64s("v_var")?.0,
            activity: source.f64s("activity")?.0,
            traces: Traces {
                neurons: trace_shape.first().copied().unwrap_or(0),
                every,
                samples: trace_shape.get(1).copied().unwrap_or(0),
                values,
            },
            spikes: {
                let (neuron, step) = (source.u32s("spike_neuron")?.0, source.u32s("spike_step")?.0);
                let time = if source.has("spike_time") { source.f64s("spike_time")?.0 } else { Vec::new() };
                // Grid times are derived from the steps; only precise times are stored.
                let on_grid =
                    time.len() != step.len() || time.iter().zip(&step).all(|(&t, &k)| t == grid.time(k as usize));
                Spikes { neuron, step, time: if on_grid { Vec::new() } else { time } }
            },
            spike_count,
            histograms,
            populations,
            spike_mode,
        })
    }
}

impl NamedArray<'_> {
    /// The array owning its data.
    pub fn into_owned(self) -> NamedArray<'static> {
        let data = match self.data {
            Column::F64(d) => Column::F64(Cow::Owned(d.into_owned())),
            Column::U32(d) => Column::U32(Cow::Owned(d.into_owned())),
            Column::U64(d) => Column::U64(Cow::Owned(d.into_owned())),
            Column::Text(d) => Column::Text(Cow::Owned(d.into_owned())),
        };
        NamedArray { name: self.name, shape: self.shape, data }
    }
}
