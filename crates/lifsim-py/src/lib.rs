//! `lifsim._native`: the thin PyO3 layer under the Python package `lifsim`.
//!
//! Each function converts its arguments, releases the GIL around the core call and converts
//! the result; every error becomes a Python exception in [`error`]. The Python sugar (keyword
//! arguments, the `Result` class, plots, loading) lives in the pure-Python package
//! `python/lifsim/`.

mod config;
mod error;
mod files;
mod run;
mod shard;
mod simulate;
mod sweep;
mod theory;

use pyo3::prelude::*;

/// A memory size such as `"4GB"` or `"500 MiB"` in bytes (`ValueError` naming `max_memory`).
#[pyfunction]
fn memory_size(text: &str) -> Result<u64, error::Failure> {
    lifsim::memory::parse_bytes(text).map_err(|e| {
        error::Failure::Value(format!("max_memory = {:?} is invalid: expected {e}", lifsim::error::excerpt(text)))
    })
}

/// The native module, imported by the Python package as `lifsim._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<config::NativeConfig>()?;
    m.add_function(wrap_pyfunction!(simulate::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::sweep_len, m)?)?;
    m.add_function(wrap_pyfunction!(shard::shard_plan, m)?)?;
    m.add_function(wrap_pyfunction!(shard::run_shard, m)?)?;
    m.add_function(wrap_pyfunction!(shard::merge_shards, m)?)?;
    m.add_function(wrap_pyfunction!(files::save, m)?)?;
    m.add_function(wrap_pyfunction!(theory::free_membrane_moments, m)?)?;
    m.add_function(wrap_pyfunction!(memory_size, m)?)?;
    m.add("MAX_THREADS", lifsim::engine::max_threads())?;
    m.add("KEYS", lifsim::Config::keys().collect::<Vec<_>>())?;
    m.add("SWEEP_COLUMNS", lifsim::sweep::Measures::COLUMNS.to_vec())?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
