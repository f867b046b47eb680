//! `lifsim._native.free_membrane_moments`: the core's closed-form moments as NumPy arrays.

use crate::config::NativeConfig;
use crate::error::Failure;
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

/// The exact mean (V) and variance (V^2) of the free membrane (no threshold) at every grid
/// step of `config`'s discrete scheme.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn free_membrane_moments<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
) -> Result<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>), Failure> {
    let sim = config.inner.build()?;
    let moments = py.detach(|| lifsim::theory::free_membrane_moments(&sim));
    Ok((moments.mean.into_pyarray(py), moments.var.into_pyarray(py)))
}
