//! lifsim's result files, shared by the command line and the Python package.
//!
//! A run's directory holds `summary.json`, `results.npz` (NumPy-readable) and `spikes.csv`
//! (and, from the command line, figures and `report.html`), with a manifest,
//! `.lifsim-run.json`, naming them. [`OutputSet`] commits a run's files as one unit: a reader of
//! the directory sees the earlier run or the new one, never a mix, never a partial file, and
//! files that lifsim did not write are kept. An error or an interrupt leaves the directory as
//! it was.

pub mod memory;
pub mod npz;
mod output;

pub use output::{Committed, FileWriter, Guarded, MANIFEST, OutputSet, Plan, Refusal, refusal};

use lifsim::Recording;
use serde::Serialize;
use std::io::{self, Write};

/// The files [`add_run_files`] writes.
pub const RUN_FILES: [&str; 3] = ["summary.json", "results.npz", "spikes.csv"];

/// Writes `summary.json`, `results.npz` and `spikes.csv` for a run into `out` (not yet committed).
///
/// `summary` is normally a [`lifsim::summary::Summary`]; any serializable value is accepted so that a summary
/// read back from `summary.json` (the Python package's `Result.save`) can be written again.
///
/// # Errors
/// Any I/O error, with the file's path.
pub fn add_run_files(out: &mut OutputSet, summary: &impl Serialize, rec: &Recording) -> io::Result<()> {
    out.add("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(io::Error::other)?;
        writeln!(w)
    })?;
    out.add("results.npz", |w| npz::write_recording(w, rec))?;
    out.add("spikes.csv", |w| write_spikes_csv(w, rec))
}

/// Writes the spikes as CSV with the header `neuron,step,time_s`.
///
/// # Errors
/// Any I/O error of `w`.
pub fn write_spikes_csv(w: &mut impl Write, rec: &Recording) -> io::Result<()> {
    writeln!(w, "neuron,step,time_s")?;
    for (i, (&neuron, &step)) in rec.spikes.neuron.iter().zip(&rec.spikes.step).enumerate() {
        writeln!(w, "{neuron},{step},{}", rec.spikes.time_of(i, rec.grid))?;
    }
    Ok(())
}
