//! lifsim's result files, shared by the command line and the Python package.
//!
//! A run's directory holds `summary.json`, `results.npz` (NumPy-readable) and its spikes,
//! `spikes.csv` for a small run or `spikes.parquet` (and, from the command line, figures and
//! `report.html`), with a manifest,
//! `.lifsim-run.json`, naming them. [`OutputSet`] commits a run's files as one unit: a reader of
//! the directory sees the earlier run or the new one, never a mix, never a partial file, and
//! files that lifsim did not write are kept. An error or an interrupt leaves the directory as
//! it was.

mod csv;
pub mod memory;
pub use csv::write_spikes_csv;
pub mod npz;
mod output;
pub mod parquet;

pub use output::{Committed, FileWriter, Guarded, MANIFEST, OutputSet, Plan, Refusal, refusal};

use lifsim::Recording;
use lifsim::config::CsvRule;
use serde::Serialize;
use std::io::{self, Write};
use std::time::Instant;

/// The files a run may write ([`add_data_files`] and [`add_summary`]): which spike file is
/// written depends on the spikes ([`spike_files`]).
pub const RUN_FILES: [&str; 4] = ["summary.json", "results.npz", "spikes.csv", "spikes.parquet"];

/// The spike files of a run with `spikes` spikes kept in memory under `rule`: `spikes.csv`
/// up to the rule's limit, `spikes.parquet` beyond it (or with `record.csv = "never"`).
/// A file run streams `spikes.parquet` itself, a counts run writes no spike file.
///
/// ```
/// use lifsim::config::CsvRule;
/// assert_eq!(lifsim_io::spike_files(CsvRule::Auto, 1_000_000), ["spikes.csv"]);
/// assert_eq!(lifsim_io::spike_files(CsvRule::Auto, 1_000_001), ["spikes.parquet"]);
/// assert_eq!(lifsim_io::spike_files(CsvRule::Always, 5e7 as u64), ["spikes.csv"]);
/// ```
pub fn spike_files(rule: CsvRule, spikes: u64) -> [&'static str; 1] {
    if rule.writes_csv(spikes) { ["spikes.csv"] } else { ["spikes.parquet"] }
}

/// Writes `results.npz` and, when the recording holds its spikes, its spike file
/// ([`spike_files`] under `rule`) into `out` (not yet committed), and returns the seconds each
/// took, by name.
///
/// # Errors
/// Any I/O error, with the file's path.
pub fn add_data_files(out: &mut OutputSet, rec: &Recording, rule: CsvRule) -> io::Result<Vec<(String, f64)>> {
    let mut seconds = Vec::new();
    let mut timed = |name: &str, out: &mut OutputSet, write: &dyn Fn(&mut FileWriter) -> io::Result<()>| {
        let started = Instant::now();
        out.add(name, write)?;
        seconds.push((name.to_string(), started.elapsed().as_secs_f64()));
        io::Result::Ok(())
    };
    timed("results.npz", out, &|w| npz::write_recording(w, rec))?;
    if rec.holds_spikes() {
        match spike_files(rule, rec.spike_total()) {
            ["spikes.csv"] => timed("spikes.csv", out, &|w| write_spikes_csv(w, rec))?,
            _ => timed("spikes.parquet", out, &|w| parquet::write_spikes(w, &rec.spikes, rec.grid))?,
        }
    }
    Ok(seconds)
}

/// Writes `summary.json` into `out`: normally a [`lifsim::summary::Summary`]; any serializable
/// value is accepted so that a summary read back from `summary.json` (the Python package's
/// `Result.save`) can be written again. Written last, it can hold the other files' timings.
///
/// # Errors
/// Any I/O error, with the file's path.
pub fn add_summary(out: &mut OutputSet, summary: &impl Serialize) -> io::Result<()> {
    out.add("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(io::Error::other)?;
        writeln!(w)
    })
}

/// Writes the data files ([`add_data_files`]) and `summary.json` of a run into `out`.
///
/// # Errors
/// Any I/O error, with the file's path.
pub fn add_run_files(out: &mut OutputSet, summary: &impl Serialize, rec: &Recording, rule: CsvRule) -> io::Result<()> {
    add_data_files(out, rec, rule)?;
    add_summary(out, summary)
}
