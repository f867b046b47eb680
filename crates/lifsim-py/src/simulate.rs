//! `lifsim._native.simulate`: one run with the GIL released, its recording as NumPy arrays.

use crate::config::NativeConfig;
use crate::error::Failure;
use crate::run;
use lifsim::summary::Summary;
use numpy::{IntoPyArray, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

/// Runs `config` on `threads` workers (`None`: all cores) and returns `(arrays,
/// summary_json)`: the arrays under the names of `results.npz`, moved (not copied) from the
/// core's vectors into NumPy. The results do not depend on the number of threads.
///
/// The GIL is released during the run, and Ctrl-C raises `KeyboardInterrupt` promptly
/// (see [`run::run`]).
#[pyfunction]
#[pyo3(signature = (config, threads=None))]
pub fn simulate<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    threads: Option<i64>,
) -> Result<(Bound<'py, PyDict>, String), Failure> {
    let config = config.inner.clone();
    let sim = config.build()?;
    let pool = run::pool(threads)?;
    let started = Instant::now();
    let rec = run::run(py, &sim, &pool)?;
    let wall = started.elapsed().as_secs_f64();
    // The summary's theory may take a few quadratures: without the GIL too.
    let summary =
        py.detach(|| serde_json::to_string(&Summary::new(&config, &sim, &rec, pool.current_num_threads(), wall)));
    let summary = summary.map_err(|e| Failure::Value(e.to_string()))?;

    let arrays = PyDict::new(py);
    let spike_time = rec.spike_times();
    let times = rec.times();
    let tr = rec.traces;
    let trace_t: Vec<f64> = (0..tr.samples).map(|s| (s * tr.every) as f64 * rec.dt).collect();
    let hists = rec.histograms;
    let bins = hists.first().map_or(0, |h| h.counts.len());
    let hist_times: Vec<f64> = hists.iter().map(|h| h.time).collect();
    let histograms = hists.len();
    let (mut hist_edges, mut hist_counts) = (Vec::new(), Vec::new());
    for h in hists {
        hist_edges.extend(h.edges);
        hist_counts.extend(h.counts);
    }
    arrays.set_item("t", times.into_pyarray(py))?;
    arrays.set_item("v_mean", rec.v_mean.into_pyarray(py))?;
    arrays.set_item("v_var", rec.v_var.into_pyarray(py))?;
    arrays.set_item("activity", rec.activity.into_pyarray(py))?;
    arrays.set_item("v_traces", tr.values.into_pyarray(py).reshape([tr.neurons, tr.samples])?)?;
    arrays.set_item("trace_t", trace_t.into_pyarray(py))?;
    arrays.set_item("spike_neuron", rec.spikes.neuron.into_pyarray(py))?;
    arrays.set_item("spike_step", rec.spikes.step.into_pyarray(py))?;
    arrays.set_item("spike_time", spike_time.into_pyarray(py))?;
    arrays.set_item("spike_count", rec.spike_count.into_pyarray(py))?;
    arrays.set_item("hist_times", hist_times.into_pyarray(py))?;
    arrays.set_item("hist_edges", hist_edges.into_pyarray(py).reshape([histograms, bins + 1])?)?;
    arrays.set_item("hist_counts", hist_counts.into_pyarray(py).reshape([histograms, bins])?)?;
    Ok((arrays, summary))
}
