//! Progress on stderr and Ctrl-C handling for long runs.

use indicatif::{ProgressBar, ProgressStyle};
use lifsim::Progress;
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Runs shorter than this never show a bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// Watches a run: shows a bar once it has taken more than a second (on a terminal, unless
/// quiet) and stops it when Ctrl-C was pressed.
pub struct Watcher {
    started: Instant,
    show: bool,
    bar: Option<ProgressBar>,
    interrupted: Arc<AtomicBool>,
}

impl Watcher {
    /// A watcher; `quiet` hides the bar.
    pub fn new(quiet: bool) -> Self {
        let interrupted = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&interrupted);
        // A second handler cannot be installed (e.g. in a sweep); the first one still sets its flag.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
        Self { started: Instant::now(), show: !quiet && std::io::stderr().is_terminal(), bar: None, interrupted }
    }

    /// Whether Ctrl-C was pressed.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
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
