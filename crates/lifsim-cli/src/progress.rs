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
    show: bool,
    bar: Option<ProgressBar>,
}

impl Watcher {
    /// A watcher; `quiet` hides the bar.
    pub fn new(quiet: bool) -> Self {
        Self { started: Instant::now(), show: !quiet && std::io::stderr().is_terminal(), bar: None }
    }

    /// Whether a signal arrived.
    pub fn interrupted(&self) -> bool {
        crate::signals::received().is_some()
    }

    /// The callback for [`lifsim::run_with`].
    pub fn update(&mut self, progress: Progress) -> ControlFlow<()> {
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
