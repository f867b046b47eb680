//! `lifsim._native.sweep`: `lifsim sweep` from Python, by the core's sweep functions.

use crate::config::{NativeConfig, to_value};
use crate::error::{Failure, keyword};
use crate::run;
use lifsim::Value;
use lifsim::sweep::{Axis, Measures, Point, configure, points};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

/// Runs one simulation per point of the grid of `vary` over `config`, one point after the
/// other on `threads` workers (`None`: all cores), exactly as `lifsim sweep` does, and returns
/// the columns of `sweep.csv`: each varied key (`section.name`) with its values (NumPy arrays
/// of SI numbers or integers, lists of names), then `Measures::COLUMNS` as float arrays (NaN
/// where undefined).
///
/// `vary` holds `(key, values)` pairs in grid order (the last varies fastest); `values` is a
/// range `(START, STOP, COUNT)`, a list of values, one value, or the command line's text
/// (`"100pA:400pA:7"`, `"1 ms,0.5 ms"`). Every point is checked before any runs.
#[pyfunction]
#[pyo3(signature = (config, vary, threads=None))]
pub fn sweep<'py>(
    py: Python<'py>,
    config: PyRef<'_, NativeConfig>,
    vary: Vec<(String, Bound<'py, PyAny>)>,
    threads: Option<i64>,
) -> Result<Bound<'py, PyDict>, Failure> {
    let base = config.inner.clone();
    let axes =
        vary.iter().map(|(key, values)| Ok(Axis::parse(&spec(key, values)?)?)).collect::<Result<Vec<_>, Failure>>()?;
    let grid = points(&axes);
    let sims = grid
        .iter()
        .map(|point| {
            let at = |e: lifsim::Error| Failure::At(format!("at {}", describe(point)), Box::new(e.into()));
            configure(&base, point).and_then(|c| c.build()).map_err(at)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pool = run::pool(threads)?;
    let mut measures = Vec::with_capacity(sims.len());
    for sim in &sims {
        let rec = run::run(py, sim, &pool)?;
        measures.push(py.detach(|| Measures::of(sim, &rec).values()));
    }

    let table = PyDict::new(py);
    for (i, axis) in axes.iter().enumerate() {
        table.set_item(&axis.key, column(py, grid.iter().map(|point| &point[i].1))?)?;
    }
    for (j, name) in Measures::COLUMNS.iter().enumerate() {
        table.set_item(*name, measures.iter().map(|row| row[j]).collect::<Vec<f64>>().into_pyarray(py))?;
    }
    Ok(table)
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
    match text(&value) {
        Some(s) if s.contains([',', ':']) => Err(Failure::Value(format!(
            "vary[\"{name}\"]: the value {s:?} may not contain ',' or ':' (give a range as a tuple, values as a list)"
        ))),
        Some(s) => Ok(s),
        None => Err(Failure::Type(format!(
            "vary[\"{name}\"]: expected numbers, strings with units or names, not lists (list-valued keys cannot be varied)"
        ))),
    }
}

/// A single value as text (numbers in SI units, the shortest that reads back exactly);
/// `None` for a list.
fn text(value: &Value) -> Option<String> {
    Some(match value {
        Value::Float(x) => x.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::List(_) => return None,
    })
}

/// `name=value, ...` (Python keywords) for messages.
fn describe(point: &Point) -> String {
    let shown = |(key, value): &(String, Value)| format!("{}={}", keyword(key), text(value).unwrap_or_default());
    point.iter().map(shown).collect::<Vec<_>>().join(", ")
}

/// One varied key's values down the table: a float or integer NumPy array, or a list of names.
fn column<'a, 'py>(py: Python<'py>, values: impl Iterator<Item = &'a Value> + Clone) -> PyResult<Bound<'py, PyAny>> {
    let floats = values.clone().map(|v| if let Value::Float(x) = v { Some(*x) } else { None }).collect();
    if let Some(floats) = floats {
        return Ok(Vec::<f64>::into_pyarray(floats, py).into_any());
    }
    let ints = values.clone().map(|v| if let Value::Int(i) = v { Some(*i) } else { None }).collect();
    if let Some(ints) = ints {
        return Ok(Vec::<i64>::into_pyarray(ints, py).into_any());
    }
    Ok(PyList::new(py, values.map(|v| text(v).unwrap_or_default()))?.into_any())
}
