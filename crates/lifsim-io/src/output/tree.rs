//! The file-system steps of a commit: hard-linking a tree of someone else's files, syncing a
//! directory, and exchanging two directories in one step (Linux `renameat2(RENAME_EXCHANGE)`,
//! macOS `renameatx_np(RENAME_SWAP)`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Flushes a directory's entries to disk (on Unix; elsewhere there is nothing to open).
///
/// # Errors
/// The I/O error of opening or syncing `dir`.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Re-creates the tree at `src` at `dst`: every file (and link, pipe, socket) hard-linked, so
/// it is the same inode with the same content; every directory re-created with the same
/// permissions and synced.
///
/// # Errors
/// The first path that cannot be read or linked, with its I/O error.
pub(crate) fn link_tree(src: &Path, dst: &Path) -> Result<(), (PathBuf, io::Error)> {
    let at = |e: io::Error| (src.to_path_buf(), e);
    let meta = fs::symlink_metadata(src).map_err(at)?;
    if !meta.is_dir() {
        // Where it can, the standard library links a symbolic link itself, not its target.
        return fs::hard_link(src, dst).map_err(at);
    }
    fs::create_dir(dst).map_err(at)?;
    for entry in fs::read_dir(src).map_err(at)? {
        let entry = entry.map_err(at)?;
        link_tree(&entry.path(), &dst.join(entry.file_name()))?;
    }
    // Permissions last: a read-only directory could not have been filled.
    fs::set_permissions(dst, meta.permissions()).map_err(at)?;
    sync_dir(dst).map_err(at)
}

/// The first file (not a directory) of the tree at `path`, depth first, if any.
pub(crate) fn first_file(path: &Path) -> Option<PathBuf> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_dir() {
        return Some(path.to_path_buf());
    }
    fs::read_dir(path).ok()?.flatten().find_map(|entry| first_file(&entry.path()))
}

/// Exchanges the entries at `a` and `b` (both must exist) in one atomic step.
///
/// Returns `false`, changing nothing, where the system or the file system cannot (an older
/// kernel, a file system without the operation, another OS); the caller then renames in two steps.
///
/// # Errors
/// Any other error of the exchange.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    #[cfg(test)]
    if tests::NO_EXCHANGE.get() {
        return Ok(false);
    }
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Exchanges the entries at `a` and `b` in one atomic step: not available here.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
pub(crate) fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    thread_local! {
        /// Set by a test to take the path of systems without an atomic exchange.
        pub(crate) static NO_EXCHANGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_tree_has_the_same_inodes_links_and_permissions() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("sub/deeper")).unwrap();
        fs::write(src.join("sub/a.txt"), "a").unwrap();
        fs::write(src.join("sub/deeper/b.txt"), "b").unwrap();
        std::os::unix::fs::symlink("a.txt", src.join("sub/link")).unwrap();
        fs::set_permissions(src.join("sub/deeper"), fs::Permissions::from_mode(0o555)).unwrap();
        let dst = dir.path().join("dst");
        link_tree(&src, &dst).unwrap();
        for file in ["sub/a.txt", "sub/deeper/b.txt"] {
            assert_eq!(fs::metadata(src.join(file)).unwrap().ino(), fs::metadata(dst.join(file)).unwrap().ino());
        }
        assert_eq!(fs::read_link(dst.join("sub/link")).unwrap(), Path::new("a.txt"));
        assert_eq!(fs::metadata(dst.join("sub/deeper")).unwrap().permissions().mode() & 0o777, 0o555);
        assert_eq!(first_file(&src).map(|p| p.starts_with(src.join("sub"))), Some(true));
        for d in [&src, &dst] {
            fs::set_permissions(d.join("sub/deeper"), fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    #[cfg(any(target_os = "linux", target_os = "macos"))]
    #[test]
    fn exchange_swaps_two_directories() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("in-a"), "").unwrap();
        if exchange(&a, &b).unwrap() {
            assert!(b.join("in-a").exists() && !a.join("in-a").exists());
        }
    }
}
