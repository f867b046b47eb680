//! Unit tests of [`OutputSet`]: one run per directory, someone else's files kept, the lock,
//! and what killed runs leave.

use super::*;

/// A plan of the files `a.txt`, `b.txt` and `c.txt`.
fn plan() -> Plan {
    Plan::new("test").files(["a.txt", "b.txt", "c.txt"])
}

/// Writes `names` (each containing `text`) into `dir` and commits.
fn run(dir: &Path, names: &[&str], text: &str) -> io::Result<Committed> {
    let mut out = OutputSet::new(dir, plan())?;
    for name in names {
        out.add(name, |w| w.write_all(text.as_bytes()))?;
    }
    out.commit()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&fs::symlink_metadata(path).unwrap())
}

#[test]
fn nothing_is_visible_before_the_commit_and_the_manifest_names_the_files() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    let mut out = OutputSet::new(&dir, plan()).unwrap();
    out.add("b.txt", |w| w.write_all(b"b")).unwrap();
    out.add("a.txt", |w| w.write_all(b"a")).unwrap();
    assert!(!dir.exists());
    let committed = out.commit().unwrap();
    assert_eq!(committed.replaced, None);
    assert_eq!(committed.files, [dir.join("b.txt"), dir.join("a.txt")]);
    assert_eq!(names(&dir), [MANIFEST, "a.txt", "b.txt"]);
    let manifest: Manifest = serde_json::from_slice(&fs::read(dir.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(manifest.files, ["b.txt", "a.txt"]);
    assert_eq!(manifest.command, "test");
    assert_eq!(manifest.lifsim_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(names(parent.path()), ["run"], "no lock, staging or old directory left beside it");
}

#[test]
fn a_run_replaces_the_earlier_one_as_a_whole() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt", "b.txt", "c.txt"], "first").unwrap();
    let first: Manifest = serde_json::from_slice(&fs::read(dir.join(MANIFEST)).unwrap()).unwrap();
    let second = run(&dir, &["a.txt"], "second").unwrap();
    assert_eq!(second.replaced.as_deref(), Some(first.date.as_str()));
    assert_eq!(names(&dir), [MANIFEST, "a.txt"], "nothing of the first run is left");
    assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "second");
    assert_eq!(names(parent.path()), ["run"]);
}

#[cfg(unix)]
#[test]
fn someone_elses_files_and_directories_survive_with_their_inodes() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt", "b.txt"], "first").unwrap();
    fs::write(dir.join("notes.txt"), "my notes").unwrap();
    fs::create_dir_all(dir.join("mine/deeper")).unwrap();
    fs::write(dir.join("mine/deeper/data.bin"), [1u8, 2, 3]).unwrap();
    std::os::unix::fs::symlink("notes.txt", dir.join("link")).unwrap();
    let before: Vec<u64> = ["notes.txt", "mine", "mine/deeper/data.bin"].iter().map(|p| inode(&dir.join(p))).collect();
    let mut out = OutputSet::new(&dir, plan()).unwrap();
    out.add("c.txt", |w| w.write_all(b"c")).unwrap();
    // Created during the run: kept too.
    fs::write(dir.join("late.txt"), "late").unwrap();
    fs::write(dir.join("mine/late.txt"), "late").unwrap();
    out.commit().unwrap();
    assert_eq!(names(&dir), [MANIFEST, "c.txt", "late.txt", "link", "mine", "notes.txt"]);
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "my notes");
    assert_eq!(fs::read(dir.join("mine/deeper/data.bin")).unwrap(), [1, 2, 3]);
    assert_eq!(fs::read_to_string(dir.join("mine/late.txt")).unwrap(), "late");
    assert_eq!(fs::read_link(dir.join("link")).unwrap(), Path::new("notes.txt"));
    let after: Vec<u64> = ["notes.txt", "mine", "mine/deeper/data.bin"].iter().map(|p| inode(&dir.join(p))).collect();
    if cfg!(target_os = "linux") {
        assert_eq!(before, after, "the same files and directories, not copies");
    } else {
        assert_eq!((before[0], before[2]), (after[0], after[2]), "the same files, not copies");
    }
    assert_eq!(names(parent.path()), ["run"]);
}

#[test]
fn a_file_of_someone_elses_with_a_result_name_is_refused_before_anything_is_written() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("b.txt"), "mine").unwrap();
    let error = OutputSet::new(&dir, plan()).err().expect("refused");
    assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
    assert!(matches!(refusal(&error), Some(Refusal::NotOurs { path }) if *path == dir.join("b.txt")));
    assert!(error.to_string().contains("will not overwrite a file it did not write"), "{error}");
    assert_eq!(names(&dir), ["b.txt"]);
    assert_eq!(names(parent.path()), ["run"]);
}

#[test]
fn a_file_with_a_result_name_created_during_the_run_stops_the_commit() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt"], "first").unwrap();
    let mut out = OutputSet::new(&dir, plan()).unwrap();
    out.add("b.txt", |w| w.write_all(b"b")).unwrap();
    fs::write(dir.join("b.txt"), "mine").unwrap();
    let error = out.commit().unwrap_err();
    assert!(matches!(refusal(&error), Some(Refusal::NotOurs { .. })), "{error}");
    assert_eq!(fs::read_to_string(dir.join("b.txt")).unwrap(), "mine");
    assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "first");
    assert_eq!(names(parent.path()), ["run"]);
}

#[test]
fn an_older_lifsims_directory_is_replaced_and_its_other_files_kept() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("summary.json"), r#"{"lifsim_version": "0.0.9"}"#).unwrap();
    for name in ["results.npz", "isi.png", "isi.svg", "notes.txt", ".results.npz.aB3dE9.tmp"] {
        fs::write(dir.join(name), "old").unwrap();
    }
    let plan = Plan::new("test").files(crate::RUN_FILES);
    let mut out = OutputSet::new(&dir, plan).unwrap();
    out.add("summary.json", |w| w.write_all(b"{}")).unwrap();
    let committed = out.commit().unwrap();
    assert!(committed.replaced.is_some());
    assert_eq!(names(&dir), [MANIFEST, "notes.txt", "summary.json"]);
}

#[test]
fn dropped_or_stopped_the_set_leaves_the_directory_as_it_was() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt"], "first").unwrap();
    let mut out = OutputSet::new(&dir, plan()).unwrap();
    out.add("b.txt", |w| w.write_all(b"b")).unwrap();
    drop(out);
    assert_eq!(names(&dir), [MANIFEST, "a.txt"]);
    assert_eq!(names(parent.path()), ["run"]);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut out = OutputSet::new(&dir, plan()).unwrap();
    let flag = std::sync::Arc::clone(&stop);
    out.stop_when(move || flag.load(std::sync::atomic::Ordering::SeqCst));
    let error = out
        .add("b.txt", |w| {
            w.write_all(&[0; 3 << 20])?;
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            w.write_all(&[0; 3 << 20])
        })
        .unwrap_err();
    assert!(error.to_string().contains("stopped"), "{error}");
    assert!(out.add("c.txt", |w| w.write_all(b"c")).is_err(), "stopped between files too");
    assert!(out.commit().is_err(), "and before the commit");
    assert_eq!(names(&dir), [MANIFEST, "a.txt"]);
    assert_eq!(fs::read_to_string(dir.join("a.txt")).unwrap(), "first");
    assert_eq!(names(parent.path()), ["run"]);
}

#[test]
fn a_second_run_is_refused_while_the_first_holds_the_lock() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    let first = OutputSet::new(&dir, plan()).unwrap();
    let error = OutputSet::new(&dir, plan()).err().expect("refused");
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    assert!(error.to_string().contains("another lifsim run is writing into"), "{error}");
    // Another name of the same directory finds the same lock.
    let error = OutputSet::new(&parent.path().join("x/../run"), plan()).err().expect("refused");
    assert!(matches!(refusal(&error), Some(Refusal::Busy { .. })), "{error}");
    first.commit().unwrap();
    run(&dir, &["a.txt"], "second").unwrap();
}

#[test]
fn what_killed_runs_left_is_removed_and_only_that() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt"], "first").unwrap();
    for stale in [".run.lifsim-new-0123456789", ".run.lifsim-old-abcdefghij"] {
        fs::create_dir(parent.path().join(stale)).unwrap();
        fs::write(parent.path().join(stale).join("a.txt"), "stale").unwrap();
    }
    for kept in [".run.lifsim-new-short", ".other.lifsim-new-0123456789", "run.lifsim-new-0123456789"] {
        fs::create_dir(parent.path().join(kept)).unwrap();
    }
    fs::write(parent.path().join(".run.lifsim-lock"), "").unwrap();
    fs::write(dir.join(".results.npz.Ab12Cd.tmp"), "stale").unwrap();
    fs::write(dir.join(".summary.json.Ab12Cd.tmp"), "stale").unwrap();
    // Not a result name of an older lifsim: someone else's.
    fs::write(dir.join(".a.txt.Ab12Cd.tmp"), "mine").unwrap();
    fs::write(dir.join(".notes.txt.Ab12Cd.tmp"), "mine").unwrap();
    run(&dir, &["a.txt"], "second").unwrap();
    assert_eq!(names(&dir), [".a.txt.Ab12Cd.tmp", ".lifsim-run.json", ".notes.txt.Ab12Cd.tmp", "a.txt"]);
    assert_eq!(
        names(parent.path()),
        [".other.lifsim-new-0123456789", ".run.lifsim-new-short", "run", "run.lifsim-new-0123456789"]
    );
}

#[test]
fn a_run_killed_between_its_two_renames_gets_the_old_run_back() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt"], "first").unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let old = parent.path().join(".run.lifsim-old-0000000000");
    fs::rename(&dir, &old).unwrap();
    fs::create_dir(parent.path().join(".run.lifsim-new-1111111111")).unwrap();
    let committed = run(&dir, &["b.txt"], "second").unwrap();
    assert!(committed.replaced.is_some(), "the old run was put back, then replaced");
    assert_eq!(names(&dir), [MANIFEST, "b.txt", "notes.txt"]);
    assert_eq!(names(parent.path()), ["run"]);
}

#[test]
fn undeclared_and_repeated_names_are_errors_not_files() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    let mut out = OutputSet::new(&dir, plan()).unwrap();
    assert!(out.add("z.txt", |_| Ok(())).unwrap_err().to_string().contains("not one of the files"));
    out.add("a.txt", |_| Ok(())).unwrap();
    assert!(out.add("a.txt", |_| Ok(())).unwrap_err().to_string().contains("twice"));
    let bad = Plan::new("test").files(["../x"]);
    assert!(OutputSet::new(&dir, bad).is_err());
    let bad = Plan::new("test").files([MANIFEST]);
    assert!(OutputSet::new(&dir, bad).is_err());
}

#[cfg(unix)]
#[test]
fn read_only_directories_of_someone_elses_are_kept_and_the_old_run_still_removed() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt"], "first").unwrap();
    fs::create_dir(dir.join("frozen")).unwrap();
    fs::write(dir.join("frozen/f.txt"), "f").unwrap();
    fs::set_permissions(dir.join("frozen"), fs::Permissions::from_mode(0o555)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
    run(&dir, &["b.txt"], "second").unwrap();
    assert_eq!(names(&dir), [MANIFEST, "b.txt", "frozen"]);
    assert_eq!(fs::metadata(dir.join("frozen")).unwrap().permissions().mode() & 0o777, 0o555);
    assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o750, "the directory keeps its mode");
    assert_eq!(names(parent.path()), ["run"]);
    fs::set_permissions(dir.join("frozen"), fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_link_to_a_directory_stays_a_link_to_the_new_run() {
    let parent = tempfile::tempdir().unwrap();
    let real = parent.path().join("real");
    run(&real, &["a.txt"], "first").unwrap();
    let link = parent.path().join("link");
    std::os::unix::fs::symlink("real", &link).unwrap();
    run(&link, &["b.txt"], "second").unwrap();
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(names(&real), [MANIFEST, "b.txt"]);
    assert_eq!(names(parent.path()), ["link", "real"]);
}

#[test]
fn an_existing_file_in_the_place_of_the_directory_is_an_error() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    fs::write(&dir, "a file").unwrap();
    let error = OutputSet::new(&dir, plan()).err().expect("an error");
    assert!(error.to_string().contains("not a directory"), "{error}");
    assert_eq!(fs::read_to_string(&dir).unwrap(), "a file");
    assert_eq!(names(parent.path()), ["run"]);
}

#[test]
fn without_an_atomic_exchange_two_renames_do_the_same() {
    super::tree::tests::NO_EXCHANGE.set(true);
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("run");
    run(&dir, &["a.txt", "b.txt"], "first").unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    fs::create_dir(dir.join("mine")).unwrap();
    fs::write(dir.join("mine/data"), "data").unwrap();
    let committed = run(&dir, &["c.txt"], "second").unwrap();
    super::tree::tests::NO_EXCHANGE.set(false);
    assert!(committed.replaced.is_some());
    assert_eq!(names(&dir), [MANIFEST, "c.txt", "mine", "notes.txt"]);
    assert_eq!(fs::read_to_string(dir.join("mine/data")).unwrap(), "data");
    assert_eq!(names(parent.path()), ["run"]);
}

/// A streamed file appears only with the commit, holds what was written, and is gone with a
/// dropped set; one not adopted is no result file.
#[test]
fn a_streamed_file_is_committed_with_the_run_or_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let plan = Plan::new("test").files(["big.bin", "a.csv"]);
    let mut out = OutputSet::new(&dir, plan.clone()).unwrap();
    let mut file = out.create_streamed("big.bin").unwrap();
    file.write_all(b"streamed").unwrap();
    assert!(out.create_streamed("other.bin").is_err(), "an undeclared name");
    drop(out);
    assert!(!dir.exists(), "a dropped set leaves nothing");

    let mut out = OutputSet::new(&dir, plan).unwrap();
    let mut file = out.create_streamed("big.bin").unwrap();
    file.write_all(b"streamed").unwrap();
    assert!(!dir.join("big.bin").exists());
    assert!(out.adopt("a.csv", File::open(tmp.path()).unwrap()).is_err(), "not created for streaming");
    out.adopt("big.bin", file).unwrap();
    assert!(out.create_streamed("big.bin").is_err(), "written twice");
    out.add("a.csv", |w| w.write_all(b"x\n")).unwrap();
    out.commit().unwrap();
    assert_eq!(fs::read(dir.join("big.bin")).unwrap(), b"streamed");
    assert_eq!(names(&dir), [".lifsim-run.json", "a.csv", "big.bin"]);
}
