//! The one place where failures become Python exceptions.

use pyo3::PyErr;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyTypeError, PyValueError};

/// Everything the native layer can fail with.
#[derive(Debug)]
pub enum Failure {
    /// A core error: a bad key or value (`ValueError`), or a cancelled run (`KeyboardInterrupt`).
    Core(lifsim::Error),
    /// A Python value of a type no key accepts (`TypeError`).
    Type(String),
    /// A malformed value that is not a configuration key's, e.g. a summary (`ValueError`).
    Value(String),
    /// A file that cannot be written (`OSError`).
    Io(std::io::Error),
    /// An exception already raised by Python code (passed through unchanged).
    Python(PyErr),
    /// A failure at a place, e.g. a sweep point (`i_mean=1e-10, dt=0.002`): the same
    /// exception, its message prefixed with the place.
    At(String, Box<Failure>),
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

/// The configuration key as a Python keyword: `neuron.tau_m` -> `tau_m`.
pub fn keyword(key: &str) -> &str {
    key.rsplit_once('.').map_or(key, |(_, name)| name)
}

impl From<Failure> for PyErr {
    fn from(failure: Failure) -> PyErr {
        exception(failure, String::new())
    }
}

/// The exception for `failure`, its message starting with `at` (empty, or `PLACE: `).
fn exception(failure: Failure, at: String) -> PyErr {
    match failure {
        Failure::Core(lifsim::Error::Param(e)) => {
            // A sweep axis (`--vary input.i_mean` = `input.i_mean=...`) is named as in Python.
            let (name, value) = match e.key.strip_prefix("--vary ") {
                Some(key) => {
                    (format!("vary[\"{}\"]", keyword(key)), e.value.split_once('=').map_or(&*e.value, |(_, v)| v))
                }
                None => (keyword(&e.key).to_string(), &*e.value),
            };
            PyValueError::new_err(format!("{at}{name} = {value} is invalid: expected {}", e.expected))
        }
        Failure::Core(lifsim::Error::Cancelled) => PyKeyboardInterrupt::new_err("the simulation was cancelled"),
        Failure::Core(other) => PyValueError::new_err(format!("{at}{other}")),
        Failure::Type(message) => PyTypeError::new_err(format!("{at}{message}")),
        Failure::Value(message) => PyValueError::new_err(format!("{at}{message}")),
        Failure::Io(e) => PyOSError::new_err(format!("{at}{e}")),
        Failure::Python(e) => e,
        Failure::At(place, inner) => exception(*inner, format!("{at}{place}: ")),
    }
}
