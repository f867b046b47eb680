//! Why a command failed, as a typed error, and so its exit code (0, 1, 2 or 130).

/// Why a command failed, and so its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A bad configuration value or key, reported by the core (exit 2).
    #[error(transparent)]
    Config(lifsim::Error),
    /// A bad command line or configuration file outside the core's keys (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A file or directory that cannot be read or written (exit 1).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Something else failed while running, e.g. a validation check (exit 1).
    #[error("{0}")]
    Runtime(String),
    /// Stopped by Ctrl-C (exit 130).
    #[error("interrupted; no result files were written")]
    Interrupted,
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Config(_) | Failure::Usage(_) => 2,
            Failure::Io(_) | Failure::Runtime(_) => 1,
            Failure::Interrupted => 130,
        }
    }
}

impl From<lifsim::Error> for Failure {
    fn from(error: lifsim::Error) -> Self {
        match error {
            lifsim::Error::Cancelled => Failure::Interrupted,
            // A run that failed while running, not a bad configuration: exit 1.
            e @ (lifsim::Error::AllocationFailed { .. } | lifsim::Error::NonFinite { .. }) => {
                Failure::Runtime(e.to_string())
            }
            other => Failure::Config(other),
        }
    }
}
