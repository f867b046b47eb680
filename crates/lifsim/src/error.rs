//! The errors of the core library: what was wrong, with which key, and what would be valid.

use std::fmt;

/// A parameter or configuration value that cannot be used.
///
/// Every field is meant for a person: `key` is the configuration key (e.g. `neuron.tau_m`),
/// `value` the offending value as the user wrote it (or as it was resolved), and `expected`
/// what would be valid.
///
/// ```
/// let err = lifsim::ParamError::new("simulation.dt", "-1 ms", "a positive time, e.g. \"0.1 ms\"");
/// assert_eq!(
///     err.to_string(),
///     "simulation.dt = -1 ms is invalid: expected a positive time, e.g. \"0.1 ms\""
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The configuration key, `section.name`.
    pub key: String,
    /// The bad value, as text.
    pub value: String,
    /// What would be valid.
    pub expected: String,
}

impl ParamError {
    /// Builds an error for `key` holding `value` when `expected` was wanted.
    pub fn new(key: impl Into<String>, value: impl Into<String>, expected: impl Into<String>) -> Self {
        Self { key: key.into(), value: value.into(), expected: expected.into() }
    }
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {} is invalid: expected {}", self.key, self.value, self.expected)
    }
}

impl std::error::Error for ParamError {}

/// A sweep axis (`--vary KEY=VALUES`, Python's `vary={...}`) that cannot be read.
///
/// ```
/// let err = lifsim::sweep::Axis::parse("input.i_mean=1 ms:2 ms:3").unwrap_err();
/// let lifsim::Error::Axis(axis) = err else { panic!() };
/// assert_eq!((axis.key.as_str(), axis.values.as_str()), ("input.i_mean", "1 ms:2 ms:3"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisError {
    /// The varied key as written (may be empty when the `=` is missing).
    pub key: String,
    /// The values as written, after `=`.
    pub values: String,
    /// What would be valid.
    pub expected: String,
}

impl fmt::Display for AxisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--vary {}={} is invalid: expected {}", self.key, self.values, self.expected)
    }
}

impl std::error::Error for AxisError {}

/// Everything that can go wrong in the core library.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range, of the wrong unit or type.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// A key that lifsim does not know.
    #[error("unknown key `{key}`{hint}")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// A suggestion and the list of valid keys, starting with "; ".
        hint: String,
    },
    /// A sweep axis that cannot be read.
    #[error(transparent)]
    Axis(#[from] AxisError),
    /// A sweep point whose configuration is invalid: where, and why.
    #[error("at {}: {source}", crate::config::value::describe_settings(.point, |key| key))]
    AtPoint {
        /// The point's keys and values.
        point: Vec<(String, crate::config::value::Value)>,
        /// What is wrong there.
        source: Box<Error>,
    },
    /// A configuration text that is not valid TOML.
    #[error("malformed configuration: {0}")]
    Malformed(String),
    /// The run was stopped by its caller (Ctrl-C, a cancelled Python call).
    #[error("the simulation was cancelled")]
    Cancelled,
}
