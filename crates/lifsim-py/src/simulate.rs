//! `lifsim._native.simulate`: one run with the GIL released, its recording as NumPy arrays.

use crate::config::NativeConfig;
use crate::error::Failure;
use crate::run;
use lifsim::record::Column;
use lifsim::summary::{Summary, Timings};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::Instant;

/// Runs `config` on `threads` workers (`None`: all cores) and returns `(arrays,
/// summary_json)`: the arrays of the core's table ([`lifsim::Recording::into_arrays`]) under
/// the names of `results.npz`, moved (not copied) from the core's vectors into NumPy. The results do not depend on the number of threads.
///
/// The GIL is released during the run, and Ctrl-C raises `KeyboardInterrupt` promptly
/// (see [`run::run`]).
#[pyfunction]
#[pyo3(signature = (config, threads=None, max_memory=None))]
pub fn simulate<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    threads: Option<i64>,
    max_memory: Option<u64>,
) -> Result<(Bound<'py, PyDict>, String), Failure> {
    let config = config.inner.clone();
    let sim = config.build()?;
    let mut estimate = sim.memory_estimate();
    // The NumPy arrays add the spike times and the time axis to what the run holds.
    let spikes = estimate.parts.iter().find(|p| p.what == "the spikes").map_or(0, |p| p.bytes / 2);
    estimate.add(
        "the NumPy arrays",
        "simulation.n and simulation.t_max",
        spikes.saturating_add(8 * sim.steps() as u64),
        "fewer neurons or a shorter run",
    );
    estimate.check(run::memory_budget(max_memory)).map_err(lifsim::Error::from)?;
    let pool = run::pool(threads)?;
    let started = Instant::now();
    // When the run reports itself set up (state allocated, a network wired).
    let set_up = std::sync::OnceLock::new();
    let rec = run::run_task(py, &pool, |control| {
        lifsim::run_with(&sim, |progress| {
            if progress.steps_done == 0 {
                let _ = set_up.set(Instant::now());
            }
            control(progress)
        })
    })?;
    let wall = started.elapsed().as_secs_f64();
    let setup_s = set_up.get().map_or(0.0, |at| at.duration_since(started).as_secs_f64()).min(wall);
    let timings = Timings { setup_s, simulation_s: wall - setup_s };
    // The summary's theory may take a few quadratures: without the GIL too.
    result(py, &config, &sim, rec, (pool.current_num_threads(), wall), Some(timings))
}

/// `(arrays, summary_json)` of the recording `rec` of `sim` (from `config`), run on `threads`
/// workers in `wall` seconds (split into `timings` where known): the arrays moved into NumPy
/// under the names of `results.npz`.
pub fn result<'py>(
    py: Python<'py>,
    config: &lifsim::Config,
    sim: &lifsim::Simulation,
    rec: lifsim::Recording,
    (threads, wall): (usize, f64),
    timings: Option<Timings>,
) -> Result<(Bound<'py, PyDict>, String), Failure> {
    let summary = py.detach(|| {
        let mut summary = Summary::new(config, sim, &rec, threads, wall);
        summary.timings = timings;
        serde_json::to_string(&summary)
    });
    let summary = summary.map_err(|e| Failure::Value(e.to_string()))?;

    let arrays = PyDict::new(py);
    for array in rec.into_arrays() {
        let item = match array.data {
            Column::F64(data) => data.into_owned().into_pyarray(py).into_any(),
            Column::U32(data) => data.into_owned().into_pyarray(py).into_any(),
            Column::U64(data) => data.into_owned().into_pyarray(py).into_any(),
            Column::Text(data) => py.import("numpy")?.call_method1("array", (data.into_owned(),))?,
            Column::StepTimes { steps, grid } => {
                steps.iter().map(|&k| grid.time(k as usize)).collect::<Vec<f64>>().into_pyarray(py).into_any()
            }
        };
        let item = if array.shape.len() > 1 { item.call_method1("reshape", (array.shape,))? } else { item };
        arrays.set_item(array.name, item)?;
    }
    Ok((arrays, summary))
}
