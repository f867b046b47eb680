//! `lifsim._native.save`: a result's arrays and summary written as the command line writes them.

use crate::error::Failure;
use lifsim::Recording;
use lifsim::record::{Histogram, Spikes, Traces};
use numpy::{Element, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// Writes `summary.json`, `results.npz` and `spikes.csv` into `dir` (created if missing),
/// atomically, from `arrays` (the names of `results.npz`) and the summary as JSON text.
#[pyfunction]
pub fn save(py: Python<'_>, dir: PathBuf, arrays: &Bound<'_, PyDict>, summary_json: &str) -> Result<(), Failure> {
    let summary: serde_json::Value =
        serde_json::from_str(summary_json).map_err(|e| Failure::Value(format!("summary: {e}")))?;
    let rec = recording(arrays, &summary)?;
    py.detach(|| {
        let mut out = lifsim_io::OutputSet::new(&dir)?;
        lifsim_io::add_run_files(&mut out, &summary, &rec)?;
        out.commit()?;
        Ok(())
    })
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
    let (v_traces, trace_shape) = array::<f64>(arrays, "v_traces")?;
    let (hist_edges, edge_shape) = array::<f64>(arrays, "hist_edges")?;
    let (hist_counts, _) = array::<u64>(arrays, "hist_counts")?;
    let (hist_times, _) = array::<f64>(arrays, "hist_times")?;
    let bins = edge_shape.get(1).map_or(0, |&b| b.saturating_sub(1));
    let histograms = hist_times
        .iter()
        .enumerate()
        .map(|(h, &time)| Histogram {
            time,
            step: (time / dt).round() as usize,
            edges: hist_edges[h * (bins + 1)..(h + 1) * (bins + 1)].to_vec(),
            counts: hist_counts[h * bins..(h + 1) * bins].to_vec(),
            values: Vec::new(),
        })
        .collect();
    let v_mean = array::<f64>(arrays, "v_mean")?.0;
    let spike_count = array::<u32>(arrays, "spike_count")?.0;
    Ok(Recording {
        dt,
        n: spike_count.len(),
        steps: v_mean.len(),
        v_mean,
        v_var: array::<f64>(arrays, "v_var")?.0,
        activity: array::<f64>(arrays, "activity")?.0,
        traces: Traces {
            neurons: trace_shape.first().copied().unwrap_or(0),
            every,
            samples: trace_shape.get(1).copied().unwrap_or(0),
            values: v_traces,
        },
        spikes: Spikes { neuron: array::<u32>(arrays, "spike_neuron")?.0, step: array::<u32>(arrays, "spike_step")?.0 },
        spike_count,
        histograms,
    })
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
