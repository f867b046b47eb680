//! The lock that lets one run at a time write into an output directory: an exclusive advisory
//! lock (`flock` on Unix) on `.D.lifsim-lock` in D's parent, removed again when released.

use super::Refusal;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// How often a lock file that another run removed between our open and our lock is retried.
const RETRIES: usize = 100;

/// A held lock; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub(crate) struct DirLock {
    path: PathBuf,
    file: File,
}

impl DirLock {
    /// Takes the lock at `path` without waiting; `dir` (as the user named it) is for messages.
    ///
    /// A run that finishes removes its lock file while it still holds the lock, so a run that
    /// opened that file just before sees, once it holds the lock, that the path no longer names
    /// its file, and tries again with a new one: two runs never both hold "the" lock.
    ///
    /// # Errors
    /// [`Refusal::Busy`] (kind `WouldBlock`) when another process holds the lock; the I/O error
    /// when the lock file cannot be created or locked.
    pub(crate) fn acquire(path: &Path, dir: &Path) -> io::Result<Self> {
        let context = |e: io::Error| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot lock output directory `{}`: cannot use `{}` (lifsim works beside the output directory, \
                     in its parent): {e}",
                    dir.display(),
                    path.display()
                ),
            )
        };
        for _ in 0..RETRIES {
            let file =
                OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(context)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(Refusal::Busy { dir: dir.to_path_buf() }.into()),
                Err(TryLockError::Error(e)) => return Err(context(e)),
            }
            if still_at(&file, path) {
                return Ok(Self { path: path.to_path_buf(), file });
            }
        }
        Err(context(io::Error::other("the lock file kept being replaced")))
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Removed while held (and only if it is still ours); the lock goes with the file handle.
        if still_at(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(named)) => (open.dev(), open.ino()) == (named.dev(), named.ino()),
        _ => false,
    }
}

/// Elsewhere the file cannot be compared by identity: it is never removed, so it always is.
#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped_and_the_file_goes_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".out.lifsim-lock");
        let first = DirLock::acquire(&path, Path::new("out")).unwrap();
        let refused = DirLock::acquire(&path, Path::new("out")).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::WouldBlock);
        assert!(refused.to_string().contains("another lifsim run is writing into `out`"), "{refused}");
        drop(first);
        #[cfg(unix)]
        assert!(!path.exists(), "the lock file is removed");
        drop(DirLock::acquire(&path, Path::new("out")).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_removed_under_an_opened_handle_is_not_taken_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".out.lifsim-lock");
        let stale = File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!still_at(&stale, &path));
        let lock = DirLock::acquire(&path, Path::new("out")).unwrap();
        assert!(still_at(&lock.file, &path));
    }
}
