//! The `lifsim` command: glue from command-line arguments to the core library and its files.
//!
//! Exit codes: 0 success, 1 runtime failure (e.g. an output directory that cannot be
//! written, or that another run is writing into), 2 configuration or usage error (or a file in
//! the output directory that lifsim did not write and would overwrite), 130 / 143 / 129
//! stopped by SIGINT (Ctrl-C) / SIGTERM / SIGHUP.

/// Writes a line to stderr as `eprintln!` does, except that a failed write (the terminal gone
/// after SIGHUP) is ignored rather than a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("{}\n", format_args!($($arg)*)));
    }};
}

mod failure;
mod output;
mod plot;
mod progress;
mod report;
mod run;
mod setup;
mod signals;
mod sweep;
mod theory;
mod tutorial;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Fast, exact leaky integrate-and-fire neuron ensembles.
#[derive(Parser)]
#[command(name = "lifsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a simulation and write summary.json, results.npz, spikes.csv, figures and report.html.
    Run(run::RunArgs),
    /// Print the full default configuration as commented TOML, with units.
    Config,
    /// Reproduce the tutorial's exercises 2-13: one figure each and a report.html.
    Tutorial(tutorial::TutorialArgs),
    /// Print the theory's predictions (rate, ISI CV, moments) for a configuration.
    Theory(theory::TheoryArgs),
    /// Run a grid of configurations (--vary KEY=START:STOP:COUNT); write sweep.csv, sweep.json and a figure.
    Sweep(sweep::SweepArgs),
    /// Run the built-in validation suite against theory; exit code 1 on any failure.
    Validate(validate::ValidateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = signals::install() {
        say!("warning: cannot handle SIGINT, SIGTERM and SIGHUP ({e}); a signal stops lifsim at once");
    }
    let outcome = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Tutorial(args) => tutorial::tutorial(&args),
        Command::Config => {
            print!("{}", lifsim::Config::default().to_toml());
            Ok(())
        }
        Command::Theory(args) => theory::theory(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Validate(args) => validate::validate(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            say!("error: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
