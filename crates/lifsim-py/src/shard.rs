//! `lifsim._native.run_shard` and `merge_shards`: an ensemble cut into shards of whole blocks,
//! each run anywhere as bytes of a partial recording, merged exactly.

use crate::config::NativeConfig;
use crate::error::Failure;
use crate::{run, simulate};
use lifsim::SpikeMode;
use lifsim::engine::{Partial, Shard};
use lifsim_io::parquet::SpikeWriter;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// `(blocks, neuron_steps)` of `config`'s ensemble: how many blocks it can be cut into
/// ([`lifsim::engine::blocks`]) and its work in neuron-steps (`n * steps`), for choosing shards.
///
/// # Errors
/// `ValueError` for an invalid configuration or a network (which is never cut into shards).
#[pyfunction]
pub fn shard_plan(config: PyRef<'_, NativeConfig>) -> Result<(usize, u64), Failure> {
    let sim = config.inner.build()?;
    if sim.network().is_some() {
        return Err(Failure::Value(
            "a network cannot be cut into shards (its neurons interact): run it without client= or shards=".into(),
        ));
    }
    Ok((lifsim::engine::blocks(sim.n()), sim.n() as u64 * sim.steps() as u64))
}

/// Runs blocks `first..end` of `config`'s ensemble on `threads` workers (`None`: all cores)
/// with the GIL released and returns the bytes of its partial recording
/// ([`Partial::to_bytes`]). Ctrl-C raises `KeyboardInterrupt`.
///
/// With `record.spikes = "file"` the shard's spikes go to the Parquet file `spikes_path`
/// (needed then), written beside it under a temporary name and renamed into place when
/// complete: a retried or duplicated task writes the same bytes, and a failed one leaves no
/// part.
#[pyfunction]
#[pyo3(signature = (config, first, end, threads=None, max_memory=None, spikes_path=None))]
pub fn run_shard<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    first: usize,
    end: usize,
    threads: Option<i64>,
    max_memory: Option<u64>,
    spikes_path: Option<PathBuf>,
) -> Result<Bound<'py, PyBytes>, Failure> {
    let sim = config.inner.build()?;
    sim.memory_estimate().check(run::memory_budget(max_memory)).map_err(lifsim::Error::from)?;
    let pool = run::pool(threads)?;
    let shard = Shard { blocks: first..end };
    let part = match (sim.record().spikes, spikes_path) {
        (SpikeMode::File, None) => {
            return Err(Failure::Value("record.spikes = \"file\": a shard needs spikes_path".into()));
        }
        (SpikeMode::File, Some(path)) => {
            let temporary = temporary_beside(&path);
            let result = write_part(py, &pool, (&sim, &shard), (&temporary, &path));
            if result.is_err() {
                let _ = std::fs::remove_file(&temporary);
            }
            result?
        }
        _ => run::run_task(py, &pool, |control| lifsim::engine::run_shard_with(&sim, &shard, control))?,
    };
    let bytes = py.detach(|| part.to_bytes());
    Ok(PyBytes::new(py, &bytes))
}

/// A temporary name beside `path`, unique to this process and call.
fn temporary_beside(path: &Path) -> PathBuf {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map_or_else(|| "part".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}-{call}.tmp", std::process::id()))
}

/// Runs `shard` of `sim` streaming its spikes into `temporary`, then syncs it and renames it
/// to `path`.
fn write_part(
    py: Python<'_>,
    pool: &rayon::ThreadPool,
    (sim, shard): (&lifsim::Simulation, &Shard),
    (temporary, path): (&Path, &Path),
) -> Result<Partial, Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::File::create(temporary)?;
    let mut writer = SpikeWriter::new(BufWriter::with_capacity(1 << 20, file), sim.grid())?;
    let part =
        run::run_task(py, pool, |control| lifsim::engine::run_shard_streaming(sim, shard, &mut writer, control))?;
    py.detach(|| -> std::io::Result<()> {
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(temporary, path)
    })?;
    Ok(part)
}

/// Merges the partial recordings `parts` (bytes from [`run_shard`], in any order) of
/// `config`'s ensemble and returns `(arrays, summary_json)` as `simulate` does: the same bits.
/// `wall` (s) and `threads` go into the summary.
///
/// # Errors
/// `ValueError` when the parts belong to another configuration, overlap or miss blocks.
#[pyfunction]
#[pyo3(signature = (config, parts, threads, wall))]
pub fn merge_shards<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    parts: Vec<Vec<u8>>,
    threads: usize,
    wall: f64,
) -> Result<(Bound<'py, PyDict>, String), Failure> {
    let config = config.inner.clone();
    let sim = config.build()?;
    let started = Instant::now();
    let rec = py.detach(|| {
        let parts = parts.iter().map(|bytes| Partial::from_bytes(bytes)).collect::<Result<Vec<_>, _>>()?;
        lifsim::engine::merge(&sim, parts)
    })?;
    simulate::result(py, &config, &sim, rec, (threads, wall + started.elapsed().as_secs_f64()), None)
}
