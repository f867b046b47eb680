//! Why a command failed, as a typed error, and so its exit code (0, 1, 2 or 130).

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
    /// Stopped by Ctrl-C (exit 130).
    #[error("interrupted; no result files were written")]
    Interrupted,
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Config(_) | Failure::Usage(_) | Failure::NotOurs(_) => 2,
            Failure::Io(_) | Failure::Runtime(_) => 1,
            Failure::Interrupted => 130,
        }
    }
}

impl From<lifsim::Error> for Failure {
    fn from(error: lifsim::Error) -> Self {
        match error {
            lifsim::Error::Cancelled => Failure::Interrupted,
            other => Failure::Config(other),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        match lifsim_io::refusal(&error) {
            Some(Refusal::NotOurs { .. }) => Failure::NotOurs(error),
            _ => Failure::Io(error),
        }
    }
}
