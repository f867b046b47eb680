//! `lifsim._native.run_shard` and `merge_shards`: an ensemble cut into shards of whole blocks,
//! each run anywhere as bytes of a partial recording, merged exactly.

use crate::config::NativeConfig;
use crate::error::Failure;
use crate::{run, simulate};
use lifsim::engine::{Partial, Shard};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
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
#[pyfunction]
#[pyo3(signature = (config, first, end, threads=None, max_memory=None))]
pub fn run_shard<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    first: usize,
    end: usize,
    threads: Option<i64>,
    max_memory: Option<u64>,
) -> Result<Bound<'py, PyBytes>, Failure> {
    let sim = config.inner.build()?;
    sim.memory_estimate().check(run::memory_budget(max_memory)).map_err(lifsim::Error::from)?;
    let pool = run::pool(threads)?;
    let shard = Shard { blocks: first..end };
    let part = run::run_task(py, &pool, |control| lifsim::engine::run_shard_with(&sim, &shard, control))?;
    let bytes = py.detach(|| part.to_bytes());
    Ok(PyBytes::new(py, &bytes))
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
