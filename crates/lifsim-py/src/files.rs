//! `lifsim._native.save`: a result's arrays and summary written as the command line writes them.

use crate::error::Failure;
use lifsim::Recording;
use lifsim::record::ArraySource;
use numpy::{Element, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// Writes `summary.json`, `results.npz` and `spikes.csv` into `dir` (created if missing) as
/// one run, from `arrays` (the names of `results.npz`) and the summary as JSON text: an earlier
/// run in `dir` is replaced as a whole, files lifsim did not write are kept (one with a result's
/// name is refused, `FileExistsError`), and a directory another run is writing into is refused
/// (`BlockingIOError`).
#[pyfunction]
pub fn save(py: Python<'_>, dir: PathBuf, arrays: &Bound<'_, PyDict>, summary_json: &str) -> Result<(), Failure> {
    let summary: serde_json::Value =
        serde_json::from_str(summary_json).map_err(|e| Failure::Value(format!("summary: {e}")))?;
    let rec = recording(arrays, &summary)?;
    py.detach(|| {
        let plan = lifsim_io::Plan::new("lifsim.Result.save (Python)").files(lifsim_io::RUN_FILES);
        let mut out = lifsim_io::OutputSet::new(&dir, plan)?;
        lifsim_io::add_run_files(&mut out, &summary, &rec)?;
        out.commit()?;
        Ok(())
    })
}

/// The arrays of a Python dict, as the core's [`Recording::from_arrays`] reads them.
struct DictArrays<'a, 'py>(&'a Bound<'py, PyDict>);

impl ArraySource for DictArrays<'_, '_> {
    type Error = Failure;

    fn f64s(&mut self, name: &'static str) -> Result<(Vec<f64>, Vec<usize>), Failure> {
        array(self.0, name)
    }

    fn u32s(&mut self, name: &'static str) -> Result<(Vec<u32>, Vec<usize>), Failure> {
        array(self.0, name)
    }

    fn u64s(&mut self, name: &'static str) -> Result<(Vec<u64>, Vec<usize>), Failure> {
        array(self.0, name)
    }

    fn texts(&mut self, name: &'static str) -> Result<Option<Vec<String>>, Failure> {
        let Some(item) = self.0.get_item(name)? else {
            return Ok(None);
        };
        let texts = item.try_iter()?.map(|t| t?.str()?.extract::<String>()).collect::<PyResult<Vec<_>>>()?;
        Ok(Some(texts))
    }
}

/// Rebuilds the core's recording from the arrays (copied once, for the writers).
fn recording(arrays: &Bound<'_, PyDict>, summary: &serde_json::Value) -> Result<Recording, Failure> {
    let number = |path: &[&str]| {
        path.iter()
            .try_fold(summary, |v, k| v.get(k))
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| Failure::Value(format!("summary: missing number `{}`", path.join("."))))
    };
    let dt = number(&["dt"])?;
    let every = number(&["config", "record", "every"])? as usize;
    Recording::from_arrays(&mut DictArrays(arrays), dt, every)
}

/// The array `name` of `arrays` as a flat vector (C order) and its shape.
fn array<T: Element + Copy>(arrays: &Bound<'_, PyDict>, name: &str) -> Result<(Vec<T>, Vec<usize>), Failure> {
    let item = arrays.get_item(name)?.ok_or_else(|| Failure::Value(format!("missing array `{name}`")))?;
    let array: PyReadonlyArrayDyn<'_, T> = item.extract().map_err(|_| {
        Failure::Type(format!("array `{name}`: expected a NumPy array of {}", std::any::type_name::<T>()))
    })?;
    let shape = array.shape().to_vec();
    Ok((array.as_array().iter().copied().collect(), shape))
}
