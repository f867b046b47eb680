//! A command's output directory: the run's plan (its command line and every file it may
//! write), writing that stops on a signal, and what the commit says on stderr.

use crate::failure::Failure;
use crate::signals;
use lifsim_io::{Committed, OutputSet, Plan};
use std::path::Path;

/// `NAME.png` and `NAME.svg` for each figure name.
pub fn figure_files<'a>(names: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = String> {
    names.into_iter().flat_map(|name| [format!("{name}.png"), format!("{name}.svg")])
}

/// Prepares a run into `dir` that may write the files `names` (see [`OutputSet::new`]): the
/// lock is taken and someone else's files with those names refused before any work is done.
///
/// # Errors
/// The refusal or I/O error of [`OutputSet::new`], as a failure (exit 1, or 2 for a file
/// lifsim would overwrite but did not write).
pub fn prepare<S: Into<String>>(dir: &Path, names: impl IntoIterator<Item = S>) -> Result<OutputSet, Failure> {
    let mut out = OutputSet::new(dir, Plan::new(command_line()).files(names))?;
    out.stop_when(|| signals::received().is_some());
    Ok(out)
}

/// Commits `out`, says on stderr which run it replaced (always: it is the one trace of what
/// was there) and anything that could not be tidied up.
///
/// # Errors
/// The commit's error, as a failure; the output directory is then as it was.
pub fn commit(out: OutputSet) -> Result<Committed, Failure> {
    let committed = out.commit()?;
    if let Some(date) = &committed.replaced {
        say!("lifsim: replaced the run of {date} in {}", committed.dir.display());
    }
    for warning in &committed.warnings {
        say!("warning: {warning}");
    }
    Ok(committed)
}

/// The command line as a shell would take it back: `lifsim` and the arguments, each quoted
/// when it has anything but letters, digits and `_-+=:,./@%`.
fn command_line() -> String {
    let quote = |arg: String| {
        if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "_-+=:,./@%".contains(c)) {
            arg
        } else {
            format!("'{}'", arg.replace('\'', r"'\''"))
        }
    };
    let args = std::env::args_os().skip(1).map(|a| quote(a.to_string_lossy().into_owned()));
    std::iter::once("lifsim".to_string()).chain(args).collect::<Vec<_>>().join(" ")
}
