//! `lifsim._native.Config`: the core configuration, set key by key from Python values.

use crate::error::{Failure, keyword};
use lifsim::Value;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyList, PyString, PyTuple};

/// A whole lifsim configuration (the core's [`lifsim::Config`]), keys `section.name`.
#[pyclass(name = "Config", module = "lifsim._native", eq)]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NativeConfig {
    /// The configuration in SI units.
    pub inner: lifsim::Config,
}

#[pymethods]
impl NativeConfig {
    /// The default configuration (the tutorial's parameters).
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Reads TOML text, as written by `lifsim config`, on top of the defaults.
    #[staticmethod]
    fn from_toml(text: &str) -> Result<Self, Failure> {
        Ok(Self { inner: lifsim::Config::from_toml_str(text)? })
    }

    /// Sets `key` (`section.name`) from a number (SI), a string with a unit, `None`
    /// ("none"), a bool or a list of these.
    fn set(&mut self, key: &str, value: &Bound<'_, PyAny>) -> Result<(), Failure> {
        let value = to_value(key, value)?;
        Ok(self.inner.set(key, &value)?)
    }

    /// Adds an empty population `name` (set its size with `population.NAME.n`).
    fn add_population(&mut self, name: &str) -> Result<(), Failure> {
        Ok(self.inner.add_population(name)?)
    }

    /// Adds a connection `source -> target`, with a `name` or addressed as `SOURCE->TARGET`.
    #[pyo3(signature = (source, target, name=None))]
    fn add_connection(&mut self, source: &str, target: &str, name: Option<&str>) -> Result<(), Failure> {
        Ok(self.inner.add_connection(source, target, name)?)
    }

    /// The populations' names, in order.
    fn population_names(&self) -> Vec<String> {
        self.inner.populations.iter().map(|p| p.name.clone()).collect()
    }

    /// Each population's own keys (`neuron.*`, `input.*`), in the order set.
    fn population_overrides(&self, name: &str) -> Vec<String> {
        let population = self.inner.populations.iter().find(|p| p.name == name);
        population.map(|p| p.overrides.iter().map(|(key, _)| key.to_string()).collect()).unwrap_or_default()
    }

    /// The connections' addresses (`E->I` or their names), in order.
    fn connection_addresses(&self) -> Vec<String> {
        self.inner.connections.iter().map(|c| c.address()).collect()
    }

    /// The value of `key` as TOML text in human units; `None` for a derived default.
    fn value_text(&self, key: &str) -> Option<String> {
        self.inner.value_text(key)
    }

    /// The whole configuration as JSON (SI units), sections as objects.
    fn to_json(&self) -> Result<String, Failure> {
        serde_json::to_string(&self.inner).map_err(|e| Failure::Value(e.to_string()))
    }

    /// The configuration as commented TOML in human units.
    fn to_toml(&self) -> String {
        self.inner.to_toml()
    }

    /// Checks every value and range, as a run would.
    fn validate(&self) -> Result<(), Failure> {
        self.inner.build()?;
        Ok(())
    }

    /// Warnings about the setup (e.g. a threshold that can never be reached).
    fn warnings(&self) -> Result<Vec<String>, Failure> {
        Ok(self.inner.build()?.warnings())
    }

    /// An independent copy.
    fn copy(&self) -> Self {
        self.clone()
    }
}

/// Converts a Python value for `key` to a core [`Value`]; `TypeError` for anything else.
pub fn to_value(key: &str, value: &Bound<'_, PyAny>) -> Result<Value, Failure> {
    if value.is_none() {
        return Ok(Value::from("none"));
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(value.extract()?));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::Str(value.extract()?));
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        return match value.extract::<i128>() {
            Ok(i) => Ok(Value::Int(i)),
            Err(_) => Ok(Value::Float(value.extract()?)),
        };
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value.try_iter()?.map(|item| to_value(key, &item?)).collect::<Result<_, _>>()?;
        return Ok(Value::List(items));
    }
    // NumPy scalars and other numbers: integers first (they have __index__), then floats.
    if value.hasattr("__index__")?
        && let Ok(i) = value.extract::<i128>()
    {
        return Ok(Value::Int(i));
    }
    if value.hasattr("__float__")?
        && let Ok(x) = value.extract::<f64>()
    {
        return Ok(Value::Float(x));
    }
    Err(Failure::Type(format!(
        "{}: expected a number (SI units), a string with a unit such as \"20 ms\", None or a list, not {}",
        keyword(key),
        value.get_type().name()?
    )))
}
