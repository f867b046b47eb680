//! lifsim's result files, shared by the command line and the Python package.
//!
//! A run's directory holds `summary.json`, `results.npz` (NumPy-readable) and `spikes.csv`.
//! [`OutputSet`] writes every file to a temporary file in the target directory first and
//! renames them into place only when all are complete, so an error or an interrupt never
//! leaves a partial or corrupt result behind.

pub mod memory;
pub mod npz;

use lifsim::Recording;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// The buffered writer of one output file (seekable, as zip archives need).
pub type FileWriter<'a> = BufWriter<&'a mut File>;

/// Files being written into one directory; nothing appears under its final name before
/// [`OutputSet::commit`].
pub struct OutputSet {
    dir: PathBuf,
    pending: Vec<(NamedTempFile, PathBuf)>,
}

impl OutputSet {
    /// Prepares `dir` (created if missing) and checks that a file can be written in it.
    ///
    /// # Errors
    /// The I/O error, with the directory in its message, when `dir` cannot be created or written.
    pub fn new(dir: &Path) -> io::Result<Self> {
        let context = |e: io::Error| {
            io::Error::new(e.kind(), format!("cannot write to output directory `{}`: {e}", dir.display()))
        };
        fs::create_dir_all(dir).map_err(context)?;
        NamedTempFile::new_in(dir).map_err(context)?;
        Ok(Self { dir: dir.to_path_buf(), pending: Vec::new() })
    }

    /// Writes `name` through `write` into a temporary file that [`OutputSet::commit`] renames.
    ///
    /// # Errors
    /// Any error of `write` or of the file system; the temporary file is removed.
    pub fn add(&mut self, name: &str, write: impl FnOnce(&mut FileWriter) -> io::Result<()>) -> io::Result<()> {
        let target = self.dir.join(name);
        let context = |e: io::Error| io::Error::new(e.kind(), format!("cannot write `{}`: {e}", target.display()));
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // Result files are ordinary, readable files, not the private 0600 of a temporary file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let mut file = builder.tempfile_in(&self.dir).map_err(context)?;
        {
            let mut out = BufWriter::with_capacity(1 << 20, file.as_file_mut());
            write(&mut out).map_err(context)?;
            out.flush().map_err(context)?;
        }
        file.as_file().sync_all().map_err(context)?;
        self.pending.push((file, target));
        Ok(())
    }

    /// Renames every written file into place and returns their paths.
    ///
    /// # Errors
    /// The first rename that fails; files not yet renamed are removed.
    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        let mut done = Vec::with_capacity(self.pending.len());
        for (file, target) in self.pending {
            file.persist(&target).map_err(|e| {
                io::Error::new(e.error.kind(), format!("cannot write `{}`: {}", target.display(), e.error))
            })?;
            done.push(target);
        }
        Ok(done)
    }
}

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
    for (&neuron, &step) in rec.spikes.neuron.iter().zip(&rec.spikes.step) {
        writeln!(w, "{neuron},{step},{}", rec.grid.time(step as usize))?;
    }
    Ok(())
}
