//! Progress on stderr for long runs, and their stop when a signal arrived (see `signals`).

use indicatif::{ProgressBar, ProgressStyle};
use lifsim::Progress;
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// Runs shorter than this never show a bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Watches a run: shows a bar once it has taken more than a second (on a terminal, unless
/// quiet) and stops it once SIGINT (Ctrl-C), SIGTERM or SIGHUP arrived.
pub struct Watcher {
    started: Instant,
    set_up: Option<Instant>,
    show: bool,
    bar: Option<ProgressBar>,
}

impl Watcher {
    /// A watcher; `quiet` hides the bar.
    pub fn new(quiet: bool) -> Self {
        Self { started: Instant::now(), set_up: None, show: !quiet && std::io::stderr().is_terminal(), bar: None }
    }

    /// Whether a signal arrived.
    pub fn interrupted(&self) -> bool {
        crate::signals::received().is_some()
    }

    /// The seconds from [`Watcher::new`] until the run reported itself set up (state allocated,
    /// network wired), if it did.
    pub fn setup_s(&self) -> Option<f64> {
        self.set_up.map(|at| at.duration_since(self.started).as_secs_f64())
    }

    /// The callback for [`lifsim::run_with`].
    pub fn update(&mut self, progress: Progress) -> ControlFlow<()> {
        if progress.steps_done == 0 && self.set_up.is_none() {
            self.set_up = Some(Instant::now());
        }
        if self.interrupted() {
            return ControlFlow::Break(());
        }
        if self.show && self.bar.is_none() && self.started.elapsed() > SHOW_AFTER {
            let bar = ProgressBar::new(progress.steps_total as u64).with_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps (eta {eta})")
                    .expect("valid template"),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(progress.steps_done as u64);
        }
        ControlFlow::Continue(())
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
