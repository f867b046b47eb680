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
    /// Builds an error for `key` holding `value` when `expected` was wanted; a long value is
    /// cut to an [`excerpt`].
    pub fn new(key: impl Into<String>, value: impl Into<String>, expected: impl Into<String>) -> Self {
        Self { key: excerpt(&key.into()), value: excerpt(&value.into()), expected: expected.into() }
    }
}

/// Most characters of a user's text that a message repeats.
pub const EXCERPT_CHARS: usize = 100;

/// `text` as a message repeats it: whole up to [`EXCERPT_CHARS`] characters, else its start
/// and its length (a 10 MB value must not make 10 MB of stderr).
///
/// ```
/// assert_eq!(lifsim::error::excerpt("20 ms"), "20 ms");
/// let long = "9".repeat(5000);
/// assert_eq!(lifsim::error::excerpt(&long), format!("{}... (5000 characters)", "9".repeat(100)));
/// ```
pub fn excerpt(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= EXCERPT_CHARS {
        return text.to_string();
    }
    let start: String = text.chars().take(EXCERPT_CHARS).collect();
    format!("{start}... ({chars} characters)")
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
    /// The varied key as written (may be empty when the `=` is missing), as an [`excerpt`].
    pub key: String,
    /// The values as written, after `=`, as an [`excerpt`].
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
    /// A run whose estimated memory exceeds what is available: refused before it starts.
    #[error(transparent)]
    TooLarge(#[from] crate::memory::MemoryError),
    /// An allocation failed during a run although the estimate said it would fit.
    #[error(
        "out of memory while allocating {what} ({}); the run was stopped. Shrink the run (fewer neurons, \
         a shorter run, fewer traces) or free memory",
        crate::memory::format_bytes(*bytes)
    )]
    AllocationFailed {
        /// What was being allocated.
        what: &'static str,
        /// How many bytes were asked for.
        bytes: u64,
    },
    /// Shards that cannot be run or merged: a network cut into shards, partial recordings of
    /// another simulation, overlapping or missing blocks, bytes that are no partial recording.
    #[error("{0}")]
    Shard(String),
    /// The spike sink of a run with `record.spikes = "file"` failed (a full disk, a lost
    /// file system), or such a run was started without one.
    #[error("cannot write the spikes: {0}; the run was stopped")]
    SpikeSink(String),
    /// The membrane potential became infinite or NaN during a run.
    #[error(
        "V became non-finite (infinite or NaN) at step {step} (t = {time} s): the drive, the noise or the \
         potentials are too large for 64-bit floats; check neuron.r_m, input.i_mean, input.amplitude, \
         input.sigma_v and the neuron.* potentials"
    )]
    NonFinite {
        /// The first step whose mean V is not finite.
        step: usize,
        /// Its time (s).
        time: f64,
    },
}
