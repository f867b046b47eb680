//! `lifsim run`: simulate, then write summary.json, results.npz, spikes.csv, figures and report.html as one run.

use crate::failure::Failure;
use crate::output;
use crate::progress::Watcher;
use crate::setup::{ConfigArgs, ExecArgs, thread_pool};
use clap::Args;
use lifsim::summary::Summary;
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
    let summary = Summary::new(&config, &sim, &rec, pool.current_num_threads(), wall);
    lifsim_io::add_run_files(&mut out, &summary, &rec)?;
    if !args.exec.no_plots {
        crate::report::add_run_report(&mut out, &summary, &sim, &rec)?;
    }
    output::commit(out)?;
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
