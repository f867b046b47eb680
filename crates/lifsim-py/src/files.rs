//! `lifsim._native.save`: a result's arrays and summary written as the command line writes them.

use crate::error::Failure;
use lifsim::config::CsvRule;
use lifsim::record::ArraySource;
use lifsim::{Choice, Recording, SpikeMode};
use numpy::{Element, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// Writes `summary.json`, `results.npz` and, under `record.csv`'s rule, `spikes.csv` (none
/// for a result whose spikes were not kept in memory) into
/// `dir` (created if missing) as one run, from `arrays` (the names of `results.npz`) and the
/// summary as JSON text, and returns the seconds each file took, by name (also written into
/// the summary's `timings.files_s`): an earlier run in `dir` is replaced as a whole, files
/// lifsim did not write are kept (one with a result's name is refused, `FileExistsError`), and
/// a directory another run is writing into is refused (`BlockingIOError`).
#[pyfunction]
pub fn save(
    py: Python<'_>,
    dir: PathBuf,
    arrays: &Bound<'_, PyDict>,
    summary_json: &str,
) -> Result<Vec<(String, f64)>, Failure> {
    let mut summary: serde_json::Value =
        serde_json::from_str(summary_json).map_err(|e| Failure::Value(format!("summary: {e}")))?;
    let setting = |key: &str| summary.get("config").and_then(|c| c.get("record")).and_then(|r| r.get(key)).cloned();
    let text = |key: &str| setting(key).and_then(|v| v.as_str().map(str::to_string));
    let mode = text("spikes").and_then(|name| SpikeMode::from_name(&name)).unwrap_or_default();
    let rule = text("csv").and_then(|name| CsvRule::from_name(&name)).unwrap_or_default();
    let rec = recording(arrays, &summary, mode)?;
    py.detach(|| {
        let plan = lifsim_io::Plan::new("lifsim.Result.save (Python)").files(lifsim_io::RUN_FILES);
        let mut out = lifsim_io::OutputSet::new(&dir, plan)?;
        let seconds = lifsim_io::add_data_files(&mut out, &rec, rule)?;
        let files: serde_json::Map<String, serde_json::Value> =
            seconds.iter().map(|(name, s)| (name.clone(), serde_json::Value::from(*s))).collect();
        if let Some(summary) = summary.as_object_mut() {
            let timings = summary.entry("timings").or_insert_with(|| serde_json::Value::Object(Default::default()));
            if !timings.is_object() {
                *timings = serde_json::Value::Object(Default::default());
            }
            if let Some(timings) = timings.as_object_mut() {
                timings.insert("files_s".into(), files.into());
            }
        }
        lifsim_io::add_summary(&mut out, &summary)?;
        out.commit()?;
        Ok(seconds)
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

    fn has(&mut self, name: &'static str) -> bool {
        self.0.contains(name).unwrap_or(false)
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
fn recording(arrays: &Bound<'_, PyDict>, summary: &serde_json::Value, mode: SpikeMode) -> Result<Recording, Failure> {
    let number = |path: &[&str]| {
        path.iter()
            .try_fold(summary, |v, k| v.get(k))
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| Failure::Value(format!("summary: missing number `{}`", path.join("."))))
    };
    let dt = number(&["dt"])?;
    let every = number(&["config", "record", "every"])? as usize;
    Recording::from_arrays(&mut DictArrays(arrays), dt, every, mode)
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
