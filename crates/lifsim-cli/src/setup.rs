//! From command-line arguments to a validated simulation: config file, `--set`, `--seed`, threads.

use crate::failure::Failure;
use clap::Args;
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
    #[arg(long)]
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
            let (key, value) = assignment.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--set {assignment}: expected KEY=VALUE, e.g. --set neuron.tau_m=\"10 ms\""))
            })?;
            config
                .set(key.trim(), &Value::parse_cli(value))
                .map_err(|e| Failure::Usage(format!("--set {assignment}: {e}")))?;
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
    /// Worker threads (default: all cores). Results are identical for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar and no closing message.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the figures (PNG + SVG) and report.html.
    #[arg(long)]
    pub no_plots: bool,
}

/// A rayon pool of `threads` workers (all cores when `None`).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    if threads == Some(0) {
        return Err(Failure::Usage("--threads 0 is invalid: expected at least 1 thread".into()));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start worker threads: {e}")))
}
