//! `lifsim._native.simulate`: one run with the GIL released, its recording as NumPy arrays.

use crate::config::NativeConfig;
use crate::error::Failure;
use crate::run;
use lifsim::SpikeMode;
use lifsim::record::Column;
use lifsim::summary::{Summary, Timings};
use lifsim_io::parquet::SpikeWriter;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

/// Runs `config` on `threads` workers (`None`: all cores) and returns `(arrays,
/// summary_json)`: the arrays of the core's table ([`lifsim::Recording::into_arrays`]) under
/// the names of `results.npz`, moved (not copied) from the core's vectors into NumPy. The results do not depend on the number of threads.
///
/// With `out`, the run's files are written into that directory as `lifsim run --out` writes
/// them (one unit: summary.json, results.npz and the spikes); a run with
/// `record.spikes = "file"` needs it, and streams its spikes to `out/spikes.parquet` while it
/// runs.
///
/// The GIL is released during the run, and Ctrl-C raises `KeyboardInterrupt` promptly
/// (see [`run::run`]).
#[pyfunction]
#[pyo3(signature = (config, threads=None, max_memory=None, out=None))]
pub fn simulate<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    threads: Option<i64>,
    max_memory: Option<u64>,
    out: Option<PathBuf>,
) -> Result<(Bound<'py, PyDict>, String), Failure> {
    let config = config.inner.clone();
    let sim = config.build()?;
    let mut estimate = sim.memory_estimate();
    // The NumPy arrays add the time axis to what the run holds.
    estimate.add("the NumPy arrays", "simulation.t_max", 8 * sim.steps() as u64, "a shorter run");
    estimate.check(run::memory_budget(max_memory)).map_err(lifsim::Error::from)?;
    let file_run = sim.record().spikes == SpikeMode::File;
    if file_run && out.is_none() {
        return Err(Failure::Value(
            "record.spikes = \"file\" streams the spikes to DIR/spikes.parquet: give out=DIR (a directory), \
             or set spikes=\"memory\" or \"counts\""
                .into(),
        ));
    }
    let mut files = match &out {
        Some(dir) => Some(py.detach(|| {
            let plan = lifsim_io::Plan::new("lifsim.simulate (Python)").files(lifsim_io::RUN_FILES);
            lifsim_io::OutputSet::new(dir, plan)
        })?),
        None => None,
    };
    let pool = run::pool(threads)?;
    let started = Instant::now();
    // When the run reports itself set up (state allocated, a network wired).
    let set_up = std::sync::OnceLock::new();
    let mut writer = match (&mut files, file_run) {
        (Some(files), true) => {
            let file = files.create_streamed("spikes.parquet")?;
            Some(SpikeWriter::new(BufWriter::with_capacity(1 << 20, file), sim.grid())?)
        }
        _ => None,
    };
    let rec = run::run_task(py, &pool, |control| {
        let mut control = |progress: lifsim::Progress| {
            if progress.steps_done == 0 {
                let _ = set_up.set(Instant::now());
            }
            control(progress)
        };
        match writer.as_mut() {
            Some(writer) => lifsim::engine::run_streaming(&sim, writer, &mut control),
            None => lifsim::run_with(&sim, &mut control),
        }
    })?;
    let wall = started.elapsed().as_secs_f64();
    let setup_s = set_up.get().map_or(0.0, |at| at.duration_since(started).as_secs_f64()).min(wall);
    let mut timings = Timings { setup_s, simulation_s: wall - setup_s, ..Timings::default() };
    if let Some(mut files) = files {
        let summary = py.detach(|| -> Result<Summary, Failure> {
            let finished = Instant::now();
            if let (Some(writer), true) = (writer, file_run) {
                let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
                files.adopt("spikes.parquet", file)?;
                timings.files_s.insert("spikes.parquet".into(), finished.elapsed().as_secs_f64());
            }
            let analysed = Instant::now();
            let mut summary = Summary::new(&config, &sim, &rec, pool.current_num_threads(), wall);
            timings.analysis_s = Some(analysed.elapsed().as_secs_f64());
            timings.files_s.extend(lifsim_io::add_data_files(&mut files, &rec, config.record.csv)?);
            summary.timings = Some(timings);
            lifsim_io::add_summary(&mut files, &summary)?;
            files.commit()?;
            Ok(summary)
        })?;
        return arrays(py, rec, &summary);
    }
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
    Ok((numpy_arrays(py, rec)?, summary))
}

/// `(arrays, summary_json)` of `rec` and its finished `summary`.
fn arrays<'py>(
    py: Python<'py>,
    rec: lifsim::Recording,
    summary: &Summary,
) -> Result<(Bound<'py, PyDict>, String), Failure> {
    let json = serde_json::to_string(summary).map_err(|e| Failure::Value(e.to_string()))?;
    Ok((numpy_arrays(py, rec)?, json))
}

/// The arrays of `rec` moved into NumPy under the names of `results.npz`.
fn numpy_arrays<'py>(py: Python<'py>, rec: lifsim::Recording) -> Result<Bound<'py, PyDict>, Failure> {
    let arrays = PyDict::new(py);
    for array in rec.into_arrays() {
        let item = match array.data {
            Column::F64(data) => data.into_owned().into_pyarray(py).into_any(),
            Column::U32(data) => data.into_owned().into_pyarray(py).into_any(),
            Column::U64(data) => data.into_owned().into_pyarray(py).into_any(),
            Column::Text(data) => py.import("numpy")?.call_method1("array", (data.into_owned(),))?,
        };
        let item = if array.shape.len() > 1 { item.call_method1("reshape", (array.shape,))? } else { item };
        arrays.set_item(array.name, item)?;
    }
    Ok(arrays)
}
