//! SIGINT, SIGTERM and SIGHUP for every command: the first asks the command to stop cleanly
//! (the engine at its next window, the writing of files at its next 1 MiB buffer, the commit
//! before its swap), a second one exits at once. Either way the exit code is 128 plus the
//! signal's number: 130, 143, 129.
//!
//! A signal that was ignored when lifsim started (`nohup`, a background job of a script) stays
//! ignored.

use lifsim::Progress;
use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The number of the first signal received (0: none yet).
static RECEIVED: AtomicUsize = AtomicUsize::new(0);
/// Whether a signal was received, so that the next one exits at once.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// A signal that stops lifsim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal(i32);

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP, by their POSIX numbers.
const HANDLED: [(i32, &str); 3] = [(2, "SIGINT"), (15, "SIGTERM"), (1, "SIGHUP")];

impl Signal {
    /// SIGINT, what Ctrl-C sends.
    pub const INT: Signal = Signal(2);

    /// The exit code of a command it stopped: 128 + its number.
    pub fn exit_code(self) -> u8 {
        128 + self.0 as u8
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match HANDLED.iter().find(|(number, _)| *number == self.0) {
            Some((_, name)) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}

/// Installs the handlers (once, at the start of `main`).
///
/// # Errors
/// The I/O error of a handler that cannot be installed.
#[cfg(unix)]
pub fn install() -> std::io::Result<()> {
    use signal_hook::flag;
    for (number, _) in HANDLED {
        if ignored(number) {
            continue;
        }
        // Run in this order on each signal: exit if one came before, else remember this one.
        flag::register_conditional_shutdown(number, 128 + number, &STOPPING)?;
        flag::register_usize(number, &RECEIVED, number as usize)?;
        flag::register(number, &STOPPING)?;
    }
    Ok(())
}

/// Installs the handlers: none on this system, where the default (stop at once) applies.
#[cfg(not(unix))]
pub fn install() -> std::io::Result<()> {
    Ok(())
}

/// Whether `number`'s disposition is "ignore".
#[cfg(unix)]
fn ignored(number: i32) -> bool {
    // SAFETY: an all-zero `sigaction` is a valid value (integers, a mask, a null handler), and
    // with a null new action `sigaction` only writes the current one into `current`, which
    // lives for the whole call.
    let current = unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(number, std::ptr::null(), &mut current) == 0).then_some(current)
    };
    current.is_some_and(|action| action.sa_sigaction == libc::SIG_IGN)
}

/// The first signal received, if any.
pub fn received() -> Option<Signal> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        number => Some(Signal(number as i32)),
    }
}

/// The callback for [`lifsim::run_with`] of a run without a progress bar: stops at the next
/// window once a signal was received.
pub fn keep_going(_: Progress) -> ControlFlow<()> {
    if received().is_some() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
}
