//! `lifsim._native.sweep`: `lifsim sweep` from Python, by the core's sweep functions.

use crate::config::{NativeConfig, to_value};
use crate::error::{Failure, keyword};
use crate::run;
use lifsim::Value;
use lifsim::sweep::{Axis, Measures, Sweep};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

/// Runs one simulation per point of the grid of `vary` over `config`, one point after the
/// other on `threads` workers (`None`: all cores), by the core's [`Sweep`] as `lifsim sweep`, and returns
/// the columns of `sweep.csv`: each varied key (`section.name`) with its values (NumPy arrays
/// of SI numbers or integers, lists of names), then `Measures::COLUMNS` as float arrays (NaN
/// where undefined).
///
/// `vary` holds `(key, values)` pairs in grid order (the last varies fastest); `values` is a
/// range `(START, STOP, COUNT)`, a list of values, one value, or the command line's text
/// (`"100pA:400pA:7"`, `"1 ms,0.5 ms"`). Every point is checked before any runs. With `only`
/// (point indices in grid order), only those points run and the table holds their rows, in
/// the order given: the rows of a sweep spread over several processes.
#[pyfunction]
#[pyo3(signature = (config, vary, threads=None, max_memory=None, only=None))]
pub fn sweep<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    vary: Vec<(String, Bound<'py, PyAny>)>,
    threads: Option<i64>,
    max_memory: Option<u64>,
    only: Option<Vec<usize>>,
) -> Result<Bound<'py, PyDict>, Failure> {
    let sweep = build(&config, &vary, max_memory)?;
    let pool = run::pool(threads)?;
    let chosen: Vec<&lifsim::sweep::SweepPoint> = match only {
        None => sweep.points().iter().collect(),
        Some(only) => only
            .iter()
            .map(|&i| {
                sweep.points().get(i).ok_or_else(|| {
                    Failure::Value(format!("only: point {i} is out of range (the sweep has {})", sweep.points().len()))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let mut rows = Vec::with_capacity(chosen.len());
    for point in &chosen {
        let rec = run::run(py, &point.simulation, &pool)?;
        rows.push(py.detach(|| Measures::of(&point.simulation, &rec).values()));
    }

    let table = PyDict::new(py);
    for (i, axis) in sweep.axes().iter().enumerate() {
        table.set_item(&axis.key, column(py, chosen.iter().map(|p| &p.point[i].1))?)?;
    }
    for (j, name) in Measures::COLUMNS.iter().enumerate() {
        table.set_item(*name, rows.iter().map(|row| row[j]).collect::<Vec<f64>>().into_pyarray(py))?;
    }
    Ok(table)
}

/// `(points, neuron_steps)` of the sweep of `vary` over `config`: its number of points and the
/// work of each in neuron-steps (`n * steps`), for cutting it into tasks.
#[pyfunction]
#[pyo3(signature = (config, vary, max_memory=None))]
pub fn sweep_len<'py>(
    config: PyRef<'_, NativeConfig>,
    vary: Vec<(String, Bound<'py, PyAny>)>,
    max_memory: Option<u64>,
) -> Result<(usize, Vec<u64>), Failure> {
    let sweep = build(&config, &vary, max_memory)?;
    let work = sweep.points().iter().map(|p| p.simulation.n() as u64 * p.simulation.steps() as u64).collect();
    Ok((sweep.points().len(), work))
}

/// The checked sweep of `vary` over `config`.
fn build(
    config: &NativeConfig,
    vary: &[(String, Bound<'_, PyAny>)],
    max_memory: Option<u64>,
) -> Result<Sweep, Failure> {
    let axes =
        vary.iter().map(|(key, values)| Ok(Axis::parse(&spec(key, values)?)?)).collect::<Result<Vec<_>, Failure>>()?;
    Ok(Sweep::within(&config.inner, axes, run::memory_budget(max_memory))?)
}

/// The `--vary` text for `key` and a Python description of its values.
fn spec(key: &str, values: &Bound<'_, PyAny>) -> Result<String, Failure> {
    let body = if values.is_instance_of::<PyString>() {
        values.extract::<String>()?
    } else if values.is_instance_of::<PyTuple>() {
        let items = values.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        let [start, stop, count] = items.as_slice() else {
            return Err(Failure::Value(format!(
                "vary[\"{}\"]: a range is a tuple (START, STOP, COUNT), not one of {} items; use a list for values",
                keyword(key),
                items.len()
            )));
        };
        format!("{}:{}:{}", item(key, start)?, item(key, stop)?, item(key, count)?)
    } else if values.hasattr("__iter__")? && !values.is_instance_of::<PyBytes>() {
        let items = values.try_iter()?.map(|v| item(key, &v?)).collect::<Result<Vec<_>, _>>()?;
        items.join(",")
    } else {
        item(key, values)?
    };
    Ok(format!("{key}={body}"))
}

/// One value of `key` as the command line writes it.
fn item(key: &str, value: &Bound<'_, PyAny>) -> Result<String, Failure> {
    let value = to_value(key, value)?;
    let name = keyword(key);
    if matches!(value, Value::List(_)) {
        return Err(Failure::Type(format!(
            "vary[\"{name}\"]: expected numbers, strings with units or names, not lists (list-valued keys cannot be varied)"
        )));
    }
    let text = value.cell();
    if text.contains([',', ':']) {
        return Err(Failure::Value(format!(
            "vary[\"{name}\"]: the value {text:?} may not contain ',' or ':' (give a range as a tuple, values as a list)"
        )));
    }
    Ok(text)
}

/// One varied key's values down the table: a float or integer NumPy array, or a list of names.
fn column<'a, 'py>(py: Python<'py>, values: impl Iterator<Item = &'a Value> + Clone) -> PyResult<Bound<'py, PyAny>> {
    let floats = values.clone().map(|v| if let Value::Float(x) = v { Some(*x) } else { None }).collect();
    if let Some(floats) = floats {
        return Ok(Vec::<f64>::into_pyarray(floats, py).into_any());
    }
    let ints = values.clone().map(|v| if let Value::Int(i) = v { i64::try_from(*i).ok() } else { None }).collect();
    if let Some(ints) = ints {
        return Ok(Vec::<i64>::into_pyarray(ints, py).into_any());
    }
    Ok(PyList::new(py, values.map(Value::cell))?.into_any())
}
