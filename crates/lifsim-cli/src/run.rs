//! `lifsim run`: simulate, then write summary.json, results.npz, spikes.csv, figures and report.html atomically.

use crate::failure::Failure;
use crate::progress::Watcher;
use crate::setup::{ConfigArgs, ExecArgs, thread_pool};
use clap::Args;
use lifsim::summary::Summary;
use lifsim_io::OutputSet;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lifsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output directory (created if missing).
    #[arg(long, default_value = "lifsim-out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// Runs the simulation described by `args` and writes its files.
pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let (config, sim) = args.config.simulation()?;
    args.exec.check_memory(&sim)?;
    for warning in sim.warnings() {
        eprintln!("warning: {warning}");
    }
    let pool = thread_pool(args.exec.threads)?;
    // Check the output directory before spending time on the run.
    let mut out = OutputSet::new(&args.out)?;
    let mut watcher = Watcher::new(args.exec.quiet);
    let started = Instant::now();
    let rec = pool.install(|| lifsim::run_with(&sim, |p| watcher.update(p)));
    watcher.finish();
    let rec = rec?;
    let wall = started.elapsed().as_secs_f64();
    let summary = Summary::new(&config, &sim, &rec, pool.current_num_threads(), wall);
    lifsim_io::add_run_files(&mut out, &summary, &rec)?;
    if !args.exec.no_plots {
        crate::report::add_run_report(&mut out, &summary, &sim, &rec)?;
    }
    if watcher.interrupted() {
        return Err(Failure::Interrupted);
    }
    out.commit()?;
    if !args.exec.quiet {
        eprintln!(
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
