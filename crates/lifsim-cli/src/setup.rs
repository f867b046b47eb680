//! From command-line arguments to a validated simulation: config file, `--set`, `--seed`, threads.

use crate::failure::Failure;
use clap::Args;
use lifsim::error::excerpt;
use lifsim::{Config, Simulation, Value};
use std::path::PathBuf;

/// The arguments every simulating command shares: where the configuration comes from.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// A TOML configuration (`lifsim config` prints a commented one); built-in defaults if omitted.
    pub config: Option<PathBuf>,
    /// Override one key, e.g. `--set neuron.tau_m="10 ms"` or `--set simulation.n=1000`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Seed of the random streams (same as `--set simulation.seed=N`).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
}

impl ConfigArgs {
    /// Reads the configuration file (if any) and applies `--set` and `--seed` in order.
    pub fn config(&self) -> Result<Config, Failure> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Failure::Usage(format!("cannot read configuration file `{}`: {e}", path.display())))?;
                Config::from_toml_str(&text).map_err(|e| Failure::Usage(format!("in `{}`: {e}", path.display())))?
            }
            None => Config::default(),
        };
        for assignment in &self.set {
            let shown = excerpt(assignment);
            let (key, value) = assignment.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--set {shown}: expected KEY=VALUE, e.g. --set neuron.tau_m=\"10 ms\""))
            })?;
            config
                .set(key.trim(), &Value::parse_cli(value))
                .map_err(|e| Failure::Usage(format!("--set {shown}: {e}")))?;
        }
        if let Some(seed) = self.seed {
            config.simulation.seed = seed;
        }
        Ok(config)
    }

    /// The configuration and the validated simulation it describes.
    pub fn simulation(&self) -> Result<(Config, Simulation), Failure> {
        let config = self.config()?;
        let sim = config.build()?;
        Ok((config, sim))
    }
}

/// How a simulating command executes and what it writes besides its results.
#[derive(Args, Debug, Clone)]
pub struct ExecArgs {
    /// Worker threads (default: all cores; at most 4 per core). Results are identical for any count.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Largest memory a run may use, e.g. `4GB` or `500MiB` (default: what the system has
    /// available). A run estimated to need more is refused before it starts.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub max_memory: Option<u64>,
    /// No progress bar and no closing message.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the figures (PNG + SVG) and report.html.
    #[arg(long)]
    pub no_plots: bool,
}

impl ExecArgs {
    /// The memory a run may use (bytes): `--max-memory`, else what the system has available
    /// (no limit where that cannot be read).
    pub fn memory_budget(&self) -> u64 {
        self.max_memory.or_else(lifsim_io::memory::available).unwrap_or(u64::MAX)
    }

    /// Refuses `sim` when its memory estimate exceeds the budget (exit 2, naming what dominates).
    pub fn check_memory(&self, sim: &Simulation) -> Result<(), Failure> {
        Ok(sim.memory_estimate().check(self.memory_budget()).map_err(lifsim::Error::from)?)
    }
}

/// `--seed`: a whole number from 0 to 2^64 - 1 (a negative number is a value, not an option).
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| format!("expected a whole number from 0 to {}", u64::MAX))
}

/// `--threads`: a whole number from 1 to [`lifsim::engine::max_threads`].
fn parse_threads(text: &str) -> Result<usize, String> {
    let max = lifsim::engine::max_threads();
    text.trim()
        .parse()
        .ok()
        .filter(|t| (1..=max).contains(t))
        .ok_or_else(|| format!("expected a whole number of threads from 1 to {max} (4 per core on this machine)"))
}

/// `--max-memory`: a memory size.
fn parse_memory(text: &str) -> Result<u64, String> {
    lifsim::memory::parse_bytes(text).map_err(|e| format!("expected {e}"))
}

/// A rayon pool of `threads` workers (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start worker threads: {e}")))
}
