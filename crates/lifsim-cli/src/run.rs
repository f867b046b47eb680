//! `lifsim run`: simulate, then write summary.json, results.npz, the spikes (spikes.csv or spikes.parquet), figures and report.html as one run.

use crate::failure::Failure;
use crate::output;
use crate::progress::Watcher;
use crate::setup::{ConfigArgs, ExecArgs, thread_pool};
use clap::Args;
use lifsim::SpikeMode;
use lifsim::config::CsvRule;
use lifsim::summary::{Summary, Timings};
use lifsim_io::parquet::SpikeWriter;
use std::io::BufWriter;
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
    let (rec, streamed) = if sim.record().spikes == SpikeMode::File {
        // The spikes go to spikes.parquet in the staging directory while the run goes.
        let file = out.create_streamed("spikes.parquet")?;
        let mut writer = SpikeWriter::new(BufWriter::with_capacity(1 << 20, file), sim.grid())?;
        let rec = pool.install(|| lifsim::engine::run_streaming(&sim, &mut writer, |p| watcher.update(p)));
        (rec, Some(writer))
    } else {
        (pool.install(|| lifsim::run_with(&sim, |p| watcher.update(p))), None)
    };
    watcher.finish();
    let rec = rec?;
    let wall = started.elapsed().as_secs_f64();
    let mut phases = Phases::default();
    let setup_s = watcher.setup_s().unwrap_or(0.0).min(wall);
    let mut timings = Timings { setup_s, simulation_s: wall - setup_s, ..Timings::default() };
    if let Some(writer) = streamed {
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        out.adopt("spikes.parquet", file)?;
        phases.done("spikes.parquet");
    }
    let mut summary = Summary::new(&config, &sim, &rec, pool.current_num_threads(), wall);
    phases.done("analysis");
    for (name, seconds) in lifsim_io::add_data_files(&mut out, &rec, config.record.csv)? {
        phases.took(name, seconds);
    }
    if !args.exec.no_plots {
        crate::report::add_run_report(&mut out, &summary, &sim, &rec)?;
        phases.done("figures and report");
    }
    timings.analysis_s = phases.get("analysis");
    timings.figures_s = phases.get("figures and report");
    timings.files_s = phases.files().collect();
    summary.timings = Some(timings);
    lifsim_io::add_summary(&mut out, &summary)?;
    phases.done("summary.json");
    output::commit(out)?;
    phases.done("commit");
    if args.timings {
        say!("timings (s): setup {setup_s:.3}, simulation {:.3}{}", wall - setup_s, phases);
    }
    if !args.exec.quiet {
        say!(
            "lifsim: {} neurons x {} steps in {:.2} s; {} spikes ({:.2} Hz per neuron); results in {}{}",
            sim.n(),
            sim.steps(),
            wall,
            rec.spike_total(),
            summary.spikes.rate_hz,
            args.out.display(),
            spike_file_note(&sim, &rec, config.record.csv),
        );
    }
    Ok(())
}

/// Where the spikes went, for the closing line: the file written and why.
fn spike_file_note(sim: &lifsim::Simulation, rec: &lifsim::Recording, rule: CsvRule) -> String {
    match sim.record().spikes {
        SpikeMode::File => " (spikes in spikes.parquet: record.spikes = \"file\")".into(),
        SpikeMode::Counts => " (no spike file: record.spikes = \"counts\")".into(),
        SpikeMode::Memory if rule.writes_csv(rec.spike_total()) => " (spikes in spikes.csv)".into(),
        SpikeMode::Memory if rule == CsvRule::Auto => format!(
            " (spikes in results.npz only, as spike_neuron and spike_step: more than {} spikes make no spikes.csv; \
             record.csv = \"always\" adds it)",
            CsvRule::AUTO_LIMIT
        ),
        SpikeMode::Memory => " (spikes in results.npz only: record.csv = \"never\")".into(),
    }
}

/// The wall-clock time of the phases after the simulation, each from the end of the one before.
struct Phases {
    last: Instant,
    done: Vec<(String, f64)>,
}

impl Default for Phases {
    fn default() -> Self {
        Self { last: Instant::now(), done: Vec::new() }
    }
}

impl Phases {
    /// Ends phase `name` now.
    fn done(&mut self, name: impl Into<String>) {
        let now = Instant::now();
        self.done.push((name.into(), now.duration_since(self.last).as_secs_f64()));
        self.last = now;
    }

    /// Records phase `name`, measured elsewhere to have taken `seconds`, ending now.
    fn took(&mut self, name: String, seconds: f64) {
        self.done.push((name, seconds));
        self.last = Instant::now();
    }

    /// The seconds of phase `name`, if it ran.
    fn get(&self, name: &str) -> Option<f64> {
        self.done.iter().find(|(done, _)| done == name).map(|&(_, s)| s)
    }

    /// The phases that wrote one file (their names end in a file extension).
    fn files(&self) -> impl Iterator<Item = (String, f64)> + '_ {
        self.done.iter().filter(|(name, _)| name.contains('.')).cloned()
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.done.iter().try_for_each(|(name, s)| write!(f, ", {name} {s:.3}"))
    }
}
