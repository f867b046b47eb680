//! [`OutputSet`]: a run's files committed into an output directory as one unit, under a lock.
//!
//! A run never writes into its output directory `D`. It takes a lock beside `D` (so a second
//! run into `D` is refused at once), writes and syncs every file in a fresh staging directory
//! beside `D`, and commits by putting that directory in `D`'s place in one atomic step
//! (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames). A reader of `D` sees the
//! earlier run or the new one, never a mix, and nothing of the earlier run is left behind.
//!
//! Files in `D` that lifsim did not write are kept: they are hard-linked into the staging
//! directory before the swap (so at every instant they exist at their path, and a crash at any
//! point loses none of them) and their directories are exchanged back afterwards. Which files
//! are lifsim's is written in `D/.lifsim-run.json` (the manifest); in a directory of an older
//! lifsim without one, the result names it used are.

mod lock;
mod manifest;
mod names;
mod tree;

pub use manifest::MANIFEST;

use lock::DirLock;
use manifest::{Manifest, Previous, is_legacy_temp, is_plain, read_previous, rfc3339};
use names::{Sibling, Siblings};
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Why lifsim refuses to write into an output directory, carried inside the `io::Error` that
/// [`OutputSet::new`] or [`OutputSet::commit`] returns (see [`refusal`]).
#[derive(Debug)]
pub enum Refusal {
    /// A file that lifsim did not write has the name of a file this run writes (error kind
    /// `AlreadyExists`).
    NotOurs {
        /// The file, as the output directory was named.
        path: PathBuf,
    },
    /// Another run holds the output directory's lock (error kind `WouldBlock`).
    Busy {
        /// The output directory, as it was named.
        dir: PathBuf,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotOurs { path } => write!(
                f,
                "`{}` was not written by lifsim, and lifsim will not overwrite a file it did not write; \
                 move it away or choose another output directory",
                path.display()
            ),
            Refusal::Busy { dir } => write!(
                f,
                "another lifsim run is writing into `{}`; wait for it to finish or choose another output directory",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for Refusal {}

impl From<Refusal> for io::Error {
    fn from(refusal: Refusal) -> Self {
        let kind = match refusal {
            Refusal::NotOurs { .. } => io::ErrorKind::AlreadyExists,
            Refusal::Busy { .. } => io::ErrorKind::WouldBlock,
        };
        io::Error::new(kind, refusal)
    }
}

/// The [`Refusal`] inside `error`, when it is one.
pub fn refusal(error: &io::Error) -> Option<&Refusal> {
    error.get_ref().and_then(|inner| inner.downcast_ref::<Refusal>())
}

/// What a run is and every file it may write, declared before it starts so that a file of
/// someone else's with one of those names is found before any work is done.
#[derive(Debug, Clone)]
pub struct Plan {
    command: String,
    names: BTreeSet<String>,
}

impl Plan {
    /// A run described by `command` (written into the manifest, e.g. the command line).
    pub fn new(command: impl Into<String>) -> Self {
        Self { command: command.into(), names: BTreeSet::new() }
    }

    /// Adds file names (plain names in the output directory) the run may write.
    #[must_use]
    pub fn files<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.names.extend(names.into_iter().map(Into::into));
        self
    }
}

/// What [`OutputSet::commit`] did.
#[derive(Debug, Clone)]
pub struct Committed {
    /// The output directory, as it was named.
    pub dir: PathBuf,
    /// The run's files, in the order they were written.
    pub files: Vec<PathBuf>,
    /// When the run that this one replaced was written (RFC 3339, UTC), if one was.
    pub replaced: Option<String>,
    /// What could not be tidied up (the run itself is complete), e.g. a directory left beside
    /// the output directory that the next run removes.
    pub warnings: Vec<String>,
}

/// A test of whether the writing should stop (e.g. a signal arrived).
type Stop = dyn Fn() -> bool + Send + Sync;

/// The file under a [`FileWriter`]: every write and seek first asks whether to stop.
pub struct Guarded<'a> {
    file: &'a mut File,
    stop: Option<&'a Stop>,
}

impl Guarded<'_> {
    fn check(&self) -> io::Result<()> {
        if self.stop.is_some_and(|stop| stop()) { Err(stopped()) } else { Ok(()) }
    }
}

impl Write for Guarded<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for Guarded<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.check()?;
        self.file.seek(pos)
    }
}

/// The buffered writer of one output file (1 MiB; seekable, as zip archives need). Once the
/// set's stop test (see [`OutputSet::stop_when`]) is true, its writes fail.
pub type FileWriter<'a> = BufWriter<Guarded<'a>>;

/// The error of a write that was told to stop. Not `ErrorKind::Interrupted`: the standard
/// library retries writes that fail with that kind.
fn stopped() -> io::Error {
    io::Error::other("stopped before the run was complete")
}

/// The files of one run, written into a staging directory beside the output directory and
/// committed into it as one unit by [`OutputSet::commit`]; dropped without a commit, nothing of
/// it remains and the output directory is as it was.
///
/// ```
/// use lifsim_io::{OutputSet, Plan};
/// use std::io::Write;
///
/// let parent = tempfile::tempdir()?;
/// let dir = parent.path().join("run");
/// let plan = Plan::new("an example").files(["a.csv", "b.csv"]);
///
/// let mut out = OutputSet::new(&dir, plan.clone())?;
/// out.add("a.csv", |w| writeln!(w, "x,y"))?;
/// out.add("b.csv", |w| writeln!(w, "u,v"))?;
/// assert!(!dir.exists(), "nothing is visible before the commit");
/// let first = out.commit()?;
/// assert!(first.replaced.is_none() && dir.join("b.csv").exists());
///
/// // Someone's own file in the directory survives the next run, which writes only a.csv:
/// // afterwards the directory holds that run, and nothing of the first one.
/// std::fs::write(dir.join("notes.txt"), "mine")?;
/// let mut out = OutputSet::new(&dir, plan)?;
/// out.add("a.csv", |w| writeln!(w, "x,y"))?;
/// let second = out.commit()?;
/// assert!(second.replaced.is_some(), "the caller says which run it replaced");
/// assert!(!dir.join("b.csv").exists());
/// assert_eq!(std::fs::read_to_string(dir.join("notes.txt"))?, "mine");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OutputSet {
    /// The output directory as it was named (for messages).
    shown: PathBuf,
    siblings: Siblings,
    plan: Plan,
    previous: Previous,
    /// The output directory's permissions, when it existed (given to the new one at commit).
    permissions: Option<fs::Permissions>,
    /// The staging directory; `None` once committed.
    staging: Option<PathBuf>,
    written: Vec<String>,
    stop: Option<Box<Stop>>,
    warnings: Vec<String>,
    /// Declared last, so it is released after `drop` removed the staging directory.
    _lock: DirLock,
}

impl OutputSet {
    /// Prepares a run into `dir`, before any work is done: takes the directory's lock, removes
    /// what runs killed earlier left (their staging directories beside `dir`, and the
    /// `.NAME.XXXXXX.tmp` files of older versions in it), checks that no file of someone else's
    /// in `dir` has a name of `plan`, and creates the staging directory. `dir` itself is created
    /// only by the commit (its parents now).
    ///
    /// # Errors
    /// [`Refusal::Busy`] when another run holds the lock; [`Refusal::NotOurs`] naming the file
    /// in `dir` that lifsim did not write and would overwrite; the I/O error, with the directory
    /// in its message, when it cannot be prepared (its parent must be writable).
    pub fn new(dir: &Path, plan: Plan) -> io::Result<Self> {
        let context = |e: io::Error| {
            if refusal(&e).is_some() {
                return e;
            }
            io::Error::new(e.kind(), format!("cannot write to output directory `{}`: {e}", dir.display()))
        };
        if let Some(bad) = plan.names.iter().find(|name| !is_plain(name) || *name == MANIFEST) {
            return Err(context(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{bad}` is not a result file name"),
            )));
        }
        let siblings = resolve(dir).map_err(context)?;
        let lock = DirLock::acquire(&siblings.lock(), dir)?;
        let mut warnings = Vec::new();
        clean_stale(&siblings, &mut warnings).map_err(context)?;
        let target = siblings.dir();
        let existed = match fs::symlink_metadata(&target) {
            Ok(meta) if meta.is_dir() => true,
            Ok(_) => return Err(context(io::Error::new(io::ErrorKind::NotADirectory, "it is not a directory"))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(context(e)),
        };
        let (previous, permissions) = if existed {
            same_file_system(&target, siblings.parent()).map_err(context)?;
            (read_previous(&target).map_err(context)?, Some(fs::metadata(&target).map_err(context)?.permissions()))
        } else {
            (Previous::default(), None)
        };
        for name in plan.names.iter().map(String::as_str).chain([MANIFEST]) {
            if existed && !previous.ours.contains(OsStr::new(name)) && fs::symlink_metadata(target.join(name)).is_ok() {
                return Err(Refusal::NotOurs { path: dir.join(name) }.into());
            }
        }
        let staging = create_staging(&siblings).map_err(context)?;
        let set = Self {
            shown: dir.to_path_buf(),
            siblings,
            plan,
            previous,
            permissions,
            staging: Some(staging),
            written: Vec::new(),
            stop: None,
            warnings,
            _lock: lock,
        };
        // From here dropping `set` removes the staging directory.
        set.probe_links()?;
        Ok(set)
    }

    /// Makes every later write fail (and so the run stop without a commit) once `stop` returns
    /// true; it is asked before each file, at every write of a file's buffer (1 MiB) and
    /// before the commit's swap.
    pub fn stop_when(&mut self, stop: impl Fn() -> bool + Send + Sync + 'static) {
        self.stop = Some(Box::new(stop));
    }

    /// Writes `name` (one of the plan's names) through `write` into the staging directory and
    /// syncs it; it appears in the output directory with the commit.
    ///
    /// # Errors
    /// Any error of `write` or of the file system, or a name the plan does not have or that was
    /// written already; the file is removed.
    pub fn add(&mut self, name: &str, write: impl FnOnce(&mut FileWriter) -> io::Result<()>) -> io::Result<()> {
        let path = self.staged(name)?;
        let context = self.context(name);
        let stop = self.stop.as_deref();
        let result = File::create_new(&path).and_then(|mut file| {
            let mut out = BufWriter::with_capacity(1 << 20, Guarded { file: &mut file, stop });
            write(&mut out)?;
            out.flush()?;
            drop(out);
            file.sync_all()
        });
        if let Err(e) = result {
            let _ = fs::remove_file(&path);
            return Err(context(e));
        }
        self.written.push(name.to_string());
        Ok(())
    }

    /// Creates `name` (one of the plan's names) in the staging directory for a file written
    /// while the run goes (`spikes.parquet` of a file run); hand it back to [`OutputSet::adopt`]
    /// when it is complete. Until then it is not one of the run's files, and an error or a drop
    /// removes it with the staging directory.
    ///
    /// # Errors
    /// A name the plan does not have or that was written already; any file-system error.
    pub fn create_streamed(&mut self, name: &str) -> io::Result<File> {
        let path = self.staged(name)?;
        File::create_new(path).map_err(self.context(name))
    }

    /// The path in the staging directory of `name`, about to be written: one of the plan's
    /// names, not written yet, before the commit and the stop.
    fn staged(&self, name: &str) -> io::Result<PathBuf> {
        let context = self.context(name);
        let invalid = |why: &str| context(io::Error::new(io::ErrorKind::InvalidInput, why.to_string()));
        if !self.plan.names.contains(name) {
            return Err(invalid("not one of the files this run declared"));
        }
        if self.written.iter().any(|done| done == name) {
            return Err(invalid("written twice"));
        }
        let Some(staging) = &self.staging else { return Err(invalid("the run was committed")) };
        self.check_stop().map_err(&context)?;
        Ok(staging.join(name))
    }

    /// Puts the path of result `name` into an error's message.
    fn context(&self, name: &str) -> impl Fn(io::Error) -> io::Error + use<> {
        let target = self.shown.join(name);
        move |e: io::Error| io::Error::new(e.kind(), format!("cannot write `{}`: {e}", target.display()))
    }

    /// Syncs `file`, made by [`OutputSet::create_streamed`] for `name` and now complete (its
    /// writer flushed), and makes it one of the run's files.
    ///
    /// # Errors
    /// A name not created by [`OutputSet::create_streamed`], or the sync's error.
    pub fn adopt(&mut self, name: &str, file: File) -> io::Result<()> {
        let context = self.context(name);
        let staged = self.staging.as_ref().map(|staging| staging.join(name));
        if self.written.iter().any(|done| done == name) || !staged.as_ref().is_some_and(|path| path.exists()) {
            return Err(context(io::Error::new(io::ErrorKind::InvalidInput, "not a file created for streaming")));
        }
        self.check_stop().map_err(&context)?;
        file.sync_all().map_err(context)?;
        self.written.push(name.to_string());
        Ok(())
    }

    /// Commits the run: writes the manifest, links the files in the output directory that
    /// lifsim did not write into the staging directory, syncs it, puts it in the output
    /// directory's place in one step, syncs the parent, and removes the replaced run.
    ///
    /// # Errors
    /// Any I/O error up to the swap (the output directory is then as it was); a file of
    /// someone else's, created in the output directory during the run, with a result's name
    /// ([`Refusal::NotOurs`]); the stop test turning true before the swap.
    pub fn commit(mut self) -> io::Result<Committed> {
        let shown = self.shown.clone();
        let context = |e: io::Error| {
            if refusal(&e).is_some() {
                return e;
            }
            io::Error::new(e.kind(), format!("cannot commit the run into `{}`: {e}", shown.display()))
        };
        let staging = self.staging.clone().ok_or_else(|| context(io::Error::other("committed twice")))?;
        self.check_stop().map_err(context)?;
        let manifest = Manifest {
            lifsim_version: env!("CARGO_PKG_VERSION").into(),
            date: rfc3339(SystemTime::now()),
            command: self.plan.command.clone(),
            files: self.written.clone(),
        };
        let mut file = File::create_new(staging.join(MANIFEST)).map_err(context)?;
        serde_json::to_writer_pretty(&mut file, &manifest).map_err(|e| context(e.into()))?;
        file.write_all(b"\n").and_then(|()| file.sync_all()).map_err(context)?;
        let dir = self.siblings.dir();
        let foreign = self.foreign_entries().map_err(context)?;
        for name in &foreign {
            let linked = staging.join(name);
            if fs::symlink_metadata(&linked).is_ok() {
                return Err(Refusal::NotOurs { path: shown.join(name) }.into());
            }
            tree::link_tree(&dir.join(name), &linked).map_err(|(path, e)| context(self.cannot_keep(&path, e)))?;
        }
        if let Some(permissions) = self.permissions.take() {
            fs::set_permissions(&staging, permissions).map_err(context)?;
        }
        tree::sync_dir(&staging).map_err(context)?;
        // The last moment to stop: after the swap the new run is in place.
        self.check_stop().map_err(context)?;
        let replaced = if self.previous_dir_exists() {
            Some(self.swap_in(&staging, &dir).map_err(context)?)
        } else {
            fs::rename(&staging, &dir).map_err(context)?;
            None
        };
        self.staging = None;
        let mut warnings = std::mem::take(&mut self.warnings);
        if let Err(e) = tree::sync_dir(self.siblings.parent()) {
            warnings.push(format!("the run is in `{}`, but syncing its parent directory failed: {e}", shown.display()));
        }
        let replaced_date = replaced.as_ref().and(self.previous.date.take());
        if let Some(old) = replaced {
            self.retire(&old, &dir, &foreign, &mut warnings);
        }
        Ok(Committed {
            files: self.written.iter().map(|name| shown.join(name)).collect(),
            dir: shown,
            replaced: replaced_date,
            warnings,
        })
    }

    /// Whether to stop, as an error.
    fn check_stop(&self) -> io::Result<()> {
        if self.stop.as_ref().is_some_and(|stop| stop()) { Err(stopped()) } else { Ok(()) }
    }

    /// Whether the output directory existed when the run was prepared (and so is replaced).
    fn previous_dir_exists(&self) -> bool {
        fs::symlink_metadata(self.siblings.dir()).is_ok_and(|meta| meta.is_dir())
    }

    /// The entries of the output directory that are not an earlier run's, i.e. someone else's.
    fn foreign_entries(&self) -> io::Result<Vec<OsString>> {
        let dir = self.siblings.dir();
        if !self.previous_dir_exists() {
            return Ok(Vec::new());
        }
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            let name = entry?.file_name();
            if !self.previous.ours.contains(&name) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Checks that the first of someone else's files can be hard-linked into the staging
    /// directory, so that a file system or a file that does not allow it stops the run before
    /// it starts rather than at its commit.
    fn probe_links(&self) -> io::Result<()> {
        let (Some(staging), dir) = (&self.staging, self.siblings.dir()) else { return Ok(()) };
        let Some(file) = self.foreign_entries()?.iter().find_map(|name| tree::first_file(&dir.join(name))) else {
            return Ok(());
        };
        let probe = staging.join(".lifsim-link-probe");
        fs::hard_link(&file, &probe).map_err(|e| self.cannot_keep(&file, e))?;
        fs::remove_file(&probe)
    }

    /// The error for a file of someone else's at `path` that cannot be kept in the new run.
    fn cannot_keep(&self, path: &Path, e: io::Error) -> io::Error {
        let shown =
            path.strip_prefix(self.siblings.dir()).map_or_else(|_| path.to_path_buf(), |rel| self.shown.join(rel));
        io::Error::new(
            e.kind(),
            format!(
                "cannot keep `{}` (not written by lifsim) in the new run: lifsim hard-links such files into it and \
                 that failed: {e}; move it out of `{}` or choose another output directory",
                shown.display(),
                self.shown.display()
            ),
        )
    }

    /// Puts `staging` in the place of the existing `dir` and returns where the replaced run is now.
    fn swap_in(&self, staging: &Path, dir: &Path) -> io::Result<PathBuf> {
        if tree::exchange(staging, dir)? {
            return Ok(staging.to_path_buf());
        }
        // Two renames: a run killed between them leaves no `dir`, and the next run moves the
        // old one back (see `clean_stale`).
        let old = self.siblings.fresh(Sibling::Old);
        fs::rename(dir, &old)?;
        if let Err(e) = fs::rename(staging, dir) {
            let _ = fs::rename(&old, dir);
            return Err(e);
        }
        Ok(old)
    }

    /// Removes the replaced run at `old`, after giving someone else's directories their own
    /// inodes back in `dir` and moving over what someone created in the old directory after
    /// it was linked.
    fn retire(&self, old: &Path, dir: &Path, foreign: &[OsString], warnings: &mut Vec<String>) {
        for name in foreign {
            let (original, linked) = (old.join(name), dir.join(name));
            let is_dir = |path: &Path| fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir());
            if is_dir(&original) && is_dir(&linked) {
                // On failure the linked copy stays: the same files, in a new directory.
                let _ = tree::exchange(&original, &linked);
            }
        }
        let mut kept = true;
        if let Ok(entries) = fs::read_dir(old) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let moved = dir.join(&name);
                if self.previous.ours.contains(&name) || fs::symlink_metadata(&moved).is_ok() {
                    continue;
                }
                if let Err(e) = fs::rename(entry.path(), &moved) {
                    kept = false;
                    warnings.push(format!("cannot move `{}` into the new run: {e}", entry.path().display()));
                }
            }
        }
        if !kept {
            let aside = self.siblings.parent().join(kept_name(&self.siblings));
            let at = if fs::rename(old, &aside).is_ok() { aside } else { old.to_path_buf() };
            warnings.push(format!("the replaced run is kept at `{}`", at.display()));
            return;
        }
        if let Err(e) = remove_tree(old) {
            warnings.push(format!(
                "cannot remove the replaced run at `{}` ({e}); the next run into `{}` removes it",
                old.display(),
                self.shown.display()
            ));
        }
    }
}

/// `.D.lifsim-kept-<date>`: where a replaced run is set aside when someone's files could not be
/// moved out of it (a name no cleanup ever removes).
fn kept_name(siblings: &Siblings) -> OsString {
    let mut name = OsString::from(".");
    name.push(siblings.dir().file_name().unwrap_or_default());
    name.push(format!(".lifsim-kept-{}", rfc3339(SystemTime::now()).replace(':', "")));
    name
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if let Some(staging) = self.staging.take() {
            let _ = remove_tree(&staging);
        }
    }
}

/// The output directory's parent (created if missing) and name, both resolved: a link to a
/// directory stands for that directory, so every name of one directory finds the same lock.
fn resolve(dir: &Path) -> io::Result<Siblings> {
    let full = match fs::symlink_metadata(dir) {
        Ok(_) => fs::canonicalize(dir)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let absolute = std::path::absolute(dir)?;
            let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "it names no directory"));
            };
            fs::create_dir_all(parent)?;
            fs::canonicalize(parent)?.join(name)
        }
        Err(e) => return Err(e),
    };
    match (full.parent(), full.file_name()) {
        (Some(parent), Some(name)) => Ok(Siblings::new(parent, name)),
        _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "the root directory cannot be replaced")),
    }
}

/// Refuses an output directory on another file system than its parent (a mount point): it
/// cannot be replaced as a whole.
fn same_file_system(dir: &Path, parent: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if fs::metadata(dir)?.dev() != fs::metadata(parent)?.dev() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "it is a mount point, and lifsim replaces an output directory as a whole; choose a directory inside it",
            ));
        }
    }
    let _ = (dir, parent);
    Ok(())
}

/// A fresh, empty staging directory beside the output directory.
fn create_staging(siblings: &Siblings) -> io::Result<PathBuf> {
    loop {
        let path = siblings.fresh(Sibling::New);
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
}

/// Removes what killed runs into the same directory left (called with the lock held, so no
/// run is using them): staging and old directories beside it, by their exact pattern, and the
/// `.NAME.XXXXXX.tmp` files older versions left inside it. A run killed between its two
/// renames left no output directory but the old one aside: that one is moved back first.
fn clean_stale(siblings: &Siblings, warnings: &mut Vec<String>) -> io::Result<()> {
    let mut stale = Vec::new();
    for entry in fs::read_dir(siblings.parent())? {
        let entry = entry?;
        if let Some(kind) = siblings.kind_of(&entry.file_name())
            && entry.file_type()?.is_dir()
        {
            let modified = entry.metadata().and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
            stale.push((kind, modified, entry.path()));
        }
    }
    let dir = siblings.dir();
    if fs::symlink_metadata(&dir).is_err() {
        let newest_old = stale.iter().enumerate().filter(|(_, s)| s.0 == Sibling::Old).max_by_key(|(_, s)| s.1);
        if let Some((at, _)) = newest_old {
            fs::rename(&stale[at].2, &dir)?;
            stale.remove(at);
        }
    }
    for (_, _, path) in stale {
        if let Err(e) = remove_tree(&path) {
            warnings.push(format!("cannot remove `{}`, left by an earlier run: {e}", path.display()));
        }
    }
    if fs::symlink_metadata(&dir).is_ok_and(|meta| meta.is_dir()) {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name().to_str().is_some_and(is_legacy_temp) && entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// Removes the tree at `path`, making its directories writable first if that is what stops it
/// (a linked copy of a read-only directory). Links are removed, never followed.
fn remove_tree(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            make_dirs_writable(path);
            fs::remove_dir_all(path)
        }
        other => other,
    }
}

/// Gives the owner write and search permission on every directory of the tree at `path`.
fn make_dirs_writable(path: &Path) {
    let Ok(meta) = fs::symlink_metadata(path) else { return };
    if !meta.is_dir() {
        return;
    }
    let mut permissions = meta.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        permissions.set_mode(permissions.mode() | 0o700);
    }
    #[cfg(not(unix))]
    permissions.set_readonly(false);
    let _ = fs::set_permissions(path, permissions);
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            make_dirs_writable(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests;
