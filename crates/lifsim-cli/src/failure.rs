//! Why a command failed, as a typed error, and so its exit code (0, 1, 2, or 128 plus a signal's number).

use crate::signals::{self, Signal};
use lifsim_io::Refusal;

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A bad configuration value or key, reported by the core (exit 2).
    #[error(transparent)]
    Config(lifsim::Error),
    /// A bad command line or configuration file outside the core's keys (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A file in the output directory that lifsim did not write has a result file's name (exit 2:
    /// the command would overwrite it; move the file or choose another `--out`).
    #[error(transparent)]
    NotOurs(std::io::Error),
    /// A file or directory that cannot be read or written, or an output directory that another
    /// run is writing into (exit 1: the same command can succeed later).
    #[error(transparent)]
    Io(std::io::Error),
    /// Something else failed while running, e.g. a validation check (exit 1).
    #[error("{0}")]
    Runtime(String),
    /// Stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP before its results were committed (exit
    /// 130, 143, 129).
    #[error("interrupted by {0}; no result files were written")]
    Interrupted(Signal),
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Config(_) | Failure::Usage(_) | Failure::NotOurs(_) => 2,
            Failure::Io(_) | Failure::Runtime(_) => 1,
            Failure::Interrupted(signal) => signal.exit_code(),
        }
    }
}

impl From<lifsim::Error> for Failure {
    fn from(error: lifsim::Error) -> Self {
        match error {
            lifsim::Error::Cancelled => Failure::Interrupted(signals::received().unwrap_or(Signal::INT)),
            // A run that failed while running, not a bad configuration: exit 1.
            e @ (lifsim::Error::AllocationFailed { .. } | lifsim::Error::NonFinite { .. }) => {
                Failure::Runtime(e.to_string())
            }
            other => Failure::Config(other),
        }
    }
}

/// An I/O error after a signal arrived is the signal's doing (the writers stop on it).
impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        if let Some(signal) = signals::received() {
            return Failure::Interrupted(signal);
        }
        match lifsim_io::refusal(&error) {
            Some(Refusal::NotOurs { .. }) => Failure::NotOurs(error),
            _ => Failure::Io(error),
        }
    }
}
