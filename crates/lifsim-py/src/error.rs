//! The one place where failures become Python exceptions.

use pyo3::PyErr;
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyTypeError, PyValueError};

/// Everything the native layer can fail with.
#[derive(Debug)]
pub enum Failure {
    /// A core error: a bad key or value (`ValueError`), or a cancelled run (`KeyboardInterrupt`).
    Core(lifsim::Error),
    /// A Python value of a type no key accepts (`TypeError`).
    Type(String),
    /// A malformed value that is not a configuration key's, e.g. a summary (`ValueError`).
    Value(String),
    /// A file that cannot be written: `OSError`, or its subclass for the error's kind
    /// (`FileExistsError` for a file lifsim would overwrite, `BlockingIOError` for a directory
    /// another run is writing into, `PermissionError`, ...).
    Io(std::io::Error),
    /// An exception already raised by Python code (passed through unchanged).
    Python(PyErr),
}

impl From<lifsim::Error> for Failure {
    fn from(e: lifsim::Error) -> Self {
        Failure::Core(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::Python(e)
    }
}

/// The configuration key as a Python keyword: `neuron.tau_m` -> `tau_m`; a network key
/// (`population.E.neuron.t_ref`, `connection.E->I.weight`) stays whole, as Python gives it.
pub fn keyword(key: &str) -> &str {
    if key.starts_with("population.") || key.starts_with("connection.") {
        return key;
    }
    key.rsplit_once('.').map_or(key, |(_, name)| name)
}

/// A sweep point in Python keywords, `i_mean=1e-10, dt=0.002`.
pub fn describe(point: &lifsim::sweep::Point) -> String {
    lifsim::config::describe_settings(point, keyword)
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> PyErr {
        match failure {
            Failure::Core(e) => core_exception(e, String::new()),
            Failure::Type(message) => PyTypeError::new_err(message),
            Failure::Value(message) => PyValueError::new_err(message),
            Failure::Io(e) => PyErr::from(e),
            Failure::Python(e) => e,
        }
    }
}

/// The exception for a core error, its message starting with `at` (empty, or `PLACE: `);
/// keys are named as Python keywords, sweep axes as `vary["keyword"]`.
fn core_exception(error: lifsim::Error, at: String) -> PyErr {
    match error {
        lifsim::Error::Param(e) => {
            PyValueError::new_err(format!("{at}{} = {} is invalid: expected {}", keyword(&e.key), e.value, e.expected))
        }
        lifsim::Error::Axis(e) => PyValueError::new_err(format!(
            "{at}vary[\"{}\"] = {} is invalid: expected {}",
            keyword(&e.key),
            e.values,
            e.expected
        )),
        lifsim::Error::AtPoint { point, source } => core_exception(*source, format!("{at}at {}: ", describe(&point))),
        lifsim::Error::Cancelled => PyKeyboardInterrupt::new_err("the simulation was cancelled"),
        lifsim::Error::TooLarge(e) => PyMemoryError::new_err(format!("{at}{e}")),
        e @ lifsim::Error::AllocationFailed { .. } => PyMemoryError::new_err(format!("{at}{e}")),
        other => PyValueError::new_err(format!("{at}{other}")),
    }
}
