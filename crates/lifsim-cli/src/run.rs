//! `lifsim run`: simulate, then write summary.json, results.npz, spikes.csv, figures and report.html as one run.

use crate::failure::Failure;
use crate::output;
use crate::progress::Watcher;
use crate::setup::{ConfigArgs, ExecArgs, thread_pool};
use clap::Args;
use lifsim::summary::{Summary, Timings};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lifsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output directory (created if missing; an earlier run in it is replaced as a whole).
    #[arg(long, default_value = "lifsim-out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Print where the time went (setup, simulation, analysis, files, figures, commit) on stderr.
    #[arg(long)]
    pub timings: bool,
}

/// Runs the simulation described by `args` and writes its files.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let (config, sim) = args.config.simulation()?;
    args.exec.check_memory(&sim)?;
    for warning in sim.warnings() {
        say!("warning: {warning}");
    }
    let pool = thread_pool(args.exec.threads)?;
    // Lock and check the output directory before spending time on the run.
    let mut names: Vec<String> = lifsim_io::RUN_FILES.map(String::from).into();
    if !args.exec.no_plots {
        names.extend(output::figure_files(crate::plot::RUN_FIGURES));
        names.push("report.html".into());
    }
    let mut out = output::prepare(&args.out, names)?;
    let mut watcher = Watcher::new(args.exec.quiet);
    let started = Instant::now();
    let rec = pool.install(|| lifsim::run_with(&sim, |p| watcher.update(p)));
    watcher.finish();
    let rec = rec?;
    let wall = started.elapsed().as_secs_f64();
    let mut phases = Phases::default();
    let mut summary = Summary::new(&config, &sim, &rec, pool.current_num_threads(), wall);
    let setup_s = watcher.setup_s().unwrap_or(0.0).min(wall);
    summary.timings = Some(Timings { setup_s, simulation_s: wall - setup_s });
    phases.done("analysis");
    lifsim_io::add_run_files(&mut out, &summary, &rec)?;
    phases.done("files");
    if !args.exec.no_plots {
        crate::report::add_run_report(&mut out, &summary, &sim, &rec)?;
        phases.done("figures and report");
    }
    output::commit(out)?;
    phases.done("commit");
    if args.timings {
        say!("timings (s): setup {setup_s:.3}, simulation {:.3}{}", wall - setup_s, phases);
    }
    if !args.exec.quiet {
        say!(
            "lifsim: {} neurons x {} steps in {:.2} s; {} spikes ({:.2} Hz per neuron); results in {}",
            sim.n(),
            sim.steps(),
            wall,
            rec.spikes.len(),
            summary.spikes.rate_hz,
            args.out.display()
        );
    }
    Ok(())
}

/// The wall-clock time of the phases after the simulation, each from the end of the one before.
struct Phases {
    last: Instant,
    done: Vec<(&'static str, f64)>,
}

impl Default for Phases {
    fn default() -> Self {
        Self { last: Instant::now(), done: Vec::new() }
    }
}

impl Phases {
    /// Ends phase `name` now.
    fn done(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done.push((name, now.duration_since(self.last).as_secs_f64()));
        self.last = now;
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.done.iter().try_for_each(|(name, s)| write!(f, ", {name} {s:.3}"))
    }
}
