//! lifsim's result files, shared by the command line and the Python package.
//!
//! A run's directory holds `summary.json`, `results.npz` (NumPy-readable, with every spike
//! kept in memory), `spikes.csv` for a run of up to a million spikes or `spikes.parquet` for
//! a run that streamed its spikes (and, from the command line, figures and `report.html`),
//! with a manifest,
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

/// The files a run may write ([`add_data_files`] and [`add_summary`]): `spikes.csv` only under
/// the CSV rule ([`CsvRule::writes_csv`]: up to a million spikes; beyond, each spike is
/// stored once, in `results.npz`), `spikes.parquet` only for a file run (`record.spikes =
/// "file"`), which streams it itself.
pub const RUN_FILES: [&str; 4] = ["summary.json", "results.npz", "spikes.csv", "spikes.parquet"];

/// Writes `results.npz` and, when the recording holds its spikes and the CSV rule says so
/// ([`CsvRule::writes_csv`] of `rule`), `spikes.csv` into `out` (not yet committed), and returns the
/// seconds each took, by name.
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
    if rec.holds_spikes() && rule.writes_csv(rec.spike_total()) {
        timed("spikes.csv", out, &|w| write_spikes_csv(w, rec))?;
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
