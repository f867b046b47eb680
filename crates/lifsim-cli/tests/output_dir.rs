//! The output directory through the `lifsim` binary: one run per directory, never a mix; files
//! lifsim did not write kept; one run at a time; every signal leaves the directory as it was.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The manifest every run writes.
const MANIFEST: &str = ".lifsim-run.json";

/// A small, fast run (figures unless `--no-plots` is added).
const SMALL: &[&str] = &["--quiet", "--set", "simulation.n=40", "--set", "record.traces=3"];

/// A run whose simulation lasts far longer than any test (it is always stopped).
const LONG_SIMULATION: &[&str] = &[
    "--quiet",
    "--no-plots",
    "--set",
    "simulation.n=2000",
    "--set",
    "simulation.t_max=1000",
    "--set",
    "record.traces=0",
];

/// A run with a short simulation and a long write: every neuron spikes at every step (3e6
/// spikes, about 100 MB of results.npz and spikes.csv, which `record.csv = "always"` asks for
/// beyond the million spikes of the default rule; seconds to write in a debug build).
const LONG_WRITE: &[&str] = &[
    "--quiet",
    "--no-plots",
    "--set",
    "record.csv=always",
    "--set",
    "simulation.n=3000",
    "--set",
    "simulation.t_max=1 s",
    "--set",
    "record.traces=0",
    "--set",
    "input.i_mean=100 nA",
    "--set",
    "neuron.t_ref=0",
    "--set",
    "input.noise=none",
];

fn command(subcommand: &str, out: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lifsim"));
    command.args([subcommand, "--out", out.to_str().unwrap()]).args(args);
    command
}

fn run(out: &Path, args: &[&str]) -> Output {
    command("run", out, args).output().expect("the lifsim binary runs")
}

fn spawn(subcommand: &str, out: &Path, args: &[&str]) -> Child {
    command(subcommand, out, args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("the lifsim binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs and asserts success.
fn run_ok(out: &Path, args: &[&str]) -> Output {
    let output = run(out, args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    output
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

/// The SHA-256 of every file in `dir` (recursively), by relative path.
fn hashes(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                let digest = Sha256::digest(std::fs::read(&path).unwrap());
                let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
                into.insert(path.strip_prefix(root).unwrap().to_path_buf(), hex);
            }
        }
    }
    let mut into = BTreeMap::new();
    walk(dir, dir, &mut into);
    into
}

/// Reads `summary.json` of `dir`.
fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The number of elements of `spike_step.npy` (u32) in `results.npz`.
fn npz_spikes(dir: &Path) -> u64 {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(dir.join("results.npz")).unwrap()).unwrap();
    let mut entry = archive.by_name("spike_step.npy").unwrap();
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    ((bytes.len() - 10 - header_len) / 4) as u64
}

/// Checks that `dir` holds one complete run: summary, npz and csv agree on the spikes.
fn assert_one_complete_run(dir: &Path) {
    let count = summary(dir)["spikes"]["count"].as_u64().unwrap();
    assert_eq!(npz_spikes(dir), count, "results.npz and summary.json are of the same run");
    let csv = std::fs::read_to_string(dir.join("spikes.csv")).unwrap();
    assert_eq!(csv.lines().count() as u64 - 1, count, "spikes.csv and summary.json are of the same run");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(MANIFEST)).unwrap()).unwrap();
    let mut listed: Vec<String> =
        manifest["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    listed.push(MANIFEST.into());
    listed.sort();
    let present: Vec<String> = names(dir).into_iter().filter(|n| listed.contains(n)).collect();
    assert_eq!(present, listed, "every file the manifest lists is there");
}

/// Waits (up to 60 s) until `ready` holds.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether the run into `parent/name` has started writing its result files: a file named
/// like `results.npz` (the first file written) exists in a hidden directory beside it (or, as older versions wrote,
/// as a hidden temporary file inside it).
fn writing(parent: &Path, name: &str) -> bool {
    let hidden = |dir: &Path| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let file = e.file_name().into_string().unwrap_or_default();
                file.starts_with('.') && file.contains("results.npz")
            })
        })
    };
    std::fs::read_dir(parent).unwrap().flatten().any(|e| {
        let file = e.file_name().into_string().unwrap_or_default();
        let beside =
            file.starts_with(&format!(".{name}.")) && e.path().is_dir() && e.path().join("results.npz").exists();
        beside || (file == name && hidden(&e.path()))
    })
}

/// Whether the run into `parent/name` has prepared its output (and so holds the lock and
/// started to simulate); older versions leave no trace, so wait a moment instead.
fn prepared(parent: &Path, name: &str, since: Instant) -> bool {
    let beside = std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().into_string().unwrap_or_default().starts_with(&format!(".{name}.lifsim-new-")));
    beside || since.elapsed() > Duration::from_secs(3)
}

fn kill(child: &Child, signal: &str) {
    let status = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success(), "kill -{signal}");
}

/// A parent directory with an earlier run in `D`, and that run's file hashes.
fn with_an_earlier_run() -> (tempfile::TempDir, PathBuf, BTreeMap<PathBuf, String>) {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let before = hashes(&out);
    (parent, out, before)
}

#[test]
fn a_run_without_figures_replaces_a_run_with_figures_as_a_whole() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    run_ok(&out, SMALL);
    assert!(names(&out).contains(&"report.html".to_string()) && names(&out).contains(&"voltage.png".to_string()));
    run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert_eq!(names(&out), [MANIFEST, "results.npz", "spikes.csv", "summary.json"], "no figure, no report.html");
    assert_one_complete_run(&out);
    assert_eq!(names(parent.path()), ["D"], "nothing left beside it");
}

#[test]
fn a_run_without_spikes_leaves_no_spike_figure_of_the_earlier_run() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    run_ok(&out, SMALL);
    assert!(out.join("isi.png").exists() && out.join("spike_counts.svg").exists());
    run_ok(&out, &[SMALL, &["--set", "neuron.v_th=none"]].concat());
    let figures: Vec<String> = names(&out).into_iter().filter(|n| n.ends_with(".png")).collect();
    assert_eq!(figures, ["histograms.png", "moments.png", "raster.png", "voltage.png"]);
    assert!(!names(&out).iter().any(|n| n.starts_with("isi.") || n.starts_with("spike_counts.")), "{:?}", names(&out));
}

#[test]
fn the_second_run_says_which_run_it_replaced() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    let first = run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert!(!stderr(&first).contains("replaced"), "{}", stderr(&first));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join(MANIFEST)).unwrap()).unwrap();
    let date = manifest["date"].as_str().unwrap();
    assert!(date.len() == 20 && date.ends_with('Z'), "RFC 3339 in UTC: {date}");
    let second = run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    let expected = format!("lifsim: replaced the run of {date} in {}", out.display());
    assert!(stderr(&second).lines().any(|l| l == expected), "`{expected}` missing from: {}", stderr(&second));
}

#[cfg(unix)]
#[test]
fn files_lifsim_did_not_write_survive_a_replacement_unchanged() {
    use std::os::unix::fs::MetadataExt;
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    run_ok(&out, SMALL);
    std::fs::write(out.join("notes.txt"), "my notes\n").unwrap();
    std::fs::create_dir_all(out.join("analysis/plots")).unwrap();
    std::fs::write(out.join("analysis/plots/fit.py"), "print('fit')\n").unwrap();
    let inode = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
    let inodes = [inode("notes.txt"), inode("analysis"), inode("analysis/plots/fit.py")];
    run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert_eq!(names(&out), [MANIFEST, "analysis", "notes.txt", "results.npz", "spikes.csv", "summary.json"]);
    assert_eq!(std::fs::read(out.join("notes.txt")).unwrap(), b"my notes\n");
    assert_eq!(std::fs::read(out.join("analysis/plots/fit.py")).unwrap(), b"print('fit')\n");
    assert_eq!([inode("notes.txt"), inode("analysis"), inode("analysis/plots/fit.py")], inodes, "the same files");
    assert_eq!(names(parent.path()), ["D"]);
}

#[test]
fn a_file_of_someone_elses_with_a_result_name_is_refused_and_left_alone() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("results.npz"), "my own data").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let output = run(&out, &[SMALL, &["--no-plots"]].concat());
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains(&out.join("results.npz").display().to_string()), "names the file: {message}");
    assert!(message.contains("will not overwrite a file it did not write"), "{message}");
    assert_eq!(message.trim().lines().count(), 1, "one message: {message}");
    assert_eq!(names(&out), ["notes.txt", "results.npz"]);
    assert_eq!(std::fs::read_to_string(out.join("results.npz")).unwrap(), "my own data");
    assert_eq!(names(parent.path()), ["D"]);
}

#[test]
fn a_directory_of_an_older_lifsim_is_replaced_and_its_temporary_files_removed() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    run_ok(&out, SMALL);
    // As an older lifsim left it: no manifest, a temporary file of a killed run.
    std::fs::remove_file(out.join(MANIFEST)).unwrap();
    std::fs::write(out.join(".results.npz.aB3dE9.tmp"), "partial").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let output = run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert!(stderr(&output).contains("replaced the run of"), "{}", stderr(&output));
    assert_eq!(names(&out), [MANIFEST, "notes.txt", "results.npz", "spikes.csv", "summary.json"]);
}

#[test]
fn a_run_replaces_a_sweep_and_a_sweep_a_run() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    let sweep = |out: &Path| {
        let args = ["--quiet", "--vary", "input.i_mean=200pA,300pA", "--set", "simulation.n=20"];
        let output = command("sweep", out, &args).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    };
    sweep(&out);
    run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert_eq!(names(&out), [MANIFEST, "results.npz", "spikes.csv", "summary.json"]);
    sweep(&out);
    assert_eq!(names(&out), [MANIFEST, "sweep.csv", "sweep.json", "sweep.png", "sweep.svg"]);
}

#[test]
fn of_two_runs_started_at_once_into_one_directory_one_writes_and_the_other_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    let args = |seed: &'static str| -> Vec<&'static str> {
        vec!["--quiet", "--no-plots", "--set", "simulation.n=3000", "--set", "simulation.t_max=1 s", "--seed", seed]
    };
    for trial in 0..3 {
        let children = [spawn("run", &out, &args("1")), spawn("run", &out, &args("2"))];
        let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
        let won: Vec<usize> = (0..2).filter(|&i| outputs[i].status.success()).collect();
        assert_eq!(
            won.len(),
            1,
            "trial {trial}: exactly one run succeeds: {:?}",
            outputs.iter().map(stderr).collect::<Vec<_>>()
        );
        let lost = &outputs[1 - won[0]];
        assert_eq!(lost.status.code(), Some(1), "{}", stderr(lost));
        let expected = format!("error: another lifsim run is writing into `{}`", out.display());
        assert!(stderr(lost).starts_with(&expected), "{}", stderr(lost));
        assert_eq!(summary(&out)["seed"], [1, 2][won[0]], "trial {trial}: the directory holds the run that succeeded");
        assert_one_complete_run(&out);
        assert_eq!(names(&out), [MANIFEST, "results.npz", "spikes.csv", "summary.json"]);
        assert_eq!(names(parent.path()), ["D"], "trial {trial}: no lock or staging directory left");
    }
}

/// A signal during the simulation: the exit code, the message, the earlier run intact, nothing left.
#[cfg(unix)]
fn signal_during_the_simulation(signal: &str, code: i32) {
    let (parent, out, before) = with_an_earlier_run();
    let child = spawn("run", &out, LONG_SIMULATION);
    let since = Instant::now();
    wait_for("the run to start", || prepared(parent.path(), "D", since));
    std::thread::sleep(Duration::from_millis(300));
    kill(&child, signal);
    let stopped = Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(10), "stops promptly");
    assert_eq!(output.status.code(), Some(code), "SIG{signal}: {}", stderr(&output));
    let expected = format!("error: interrupted by SIG{signal}; no result files were written");
    assert_eq!(stderr(&output).trim(), expected);
    assert_eq!(hashes(&out), before, "the earlier run is intact");
    assert_eq!(names(parent.path()), ["D"], "nothing left beside it");
}

#[cfg(unix)]
#[test]
fn sigterm_during_the_simulation_exits_143_and_changes_nothing() {
    signal_during_the_simulation("TERM", 143);
}

#[cfg(unix)]
#[test]
fn sighup_during_the_simulation_exits_129_and_changes_nothing() {
    signal_during_the_simulation("HUP", 129);
}

#[cfg(unix)]
#[test]
fn sigint_during_the_simulation_exits_130_and_changes_nothing() {
    signal_during_the_simulation("INT", 130);
}

/// Signals during the write of a run's files: the exit code, the earlier run intact, nothing
/// left; `signals` are sent back to back, `within` bounds the time from the first to the exit.
#[cfg(unix)]
fn signals_during_the_write(signals: &[&str], code: i32, within: Duration) -> Output {
    let (parent, out, before) = with_an_earlier_run();
    let child = spawn("run", &out, LONG_WRITE);
    wait_for("the write to start", || writing(parent.path(), "D"));
    let started = Instant::now();
    for signal in signals {
        kill(&child, signal);
    }
    let output = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(code), "{signals:?}: {}", stderr(&output));
    assert!(took < within, "{signals:?}: stopped {took:?} after the signal");
    assert_eq!(hashes(&out), before, "the earlier run is intact");
    if signals.len() == 1 {
        assert_eq!(names(parent.path()), ["D"], "nothing left beside it");
    }
    // The next run removes whatever was left and replaces the earlier one.
    run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert_eq!(names(parent.path()), ["D"]);
    assert_eq!(names(&out), [MANIFEST, "notes.txt", "results.npz", "spikes.csv", "summary.json"]);
    output
}

#[cfg(unix)]
#[test]
fn sigterm_during_the_write_exits_143_and_changes_nothing() {
    let output = signals_during_the_write(&["TERM"], 143, Duration::from_secs(5));
    assert!(stderr(&output).contains("interrupted by SIGTERM; no result files were written"), "{}", stderr(&output));
}

#[cfg(unix)]
#[test]
fn sighup_during_the_write_exits_129_and_changes_nothing() {
    signals_during_the_write(&["HUP"], 129, Duration::from_secs(5));
}

#[cfg(unix)]
#[test]
fn sigint_during_the_write_exits_130_and_changes_nothing() {
    signals_during_the_write(&["INT"], 130, Duration::from_secs(5));
}

/// The write takes seconds; two Ctrl-C stop it well before (the first stops it at its next
/// buffer; a second exits at once, whatever the first is waiting for).
#[cfg(unix)]
#[test]
fn a_second_sigint_during_the_write_stops_at_once() {
    signals_during_the_write(&["INT", "INT"], 130, Duration::from_millis(700));
}

#[cfg(unix)]
#[test]
fn kill_9_during_the_write_leaves_the_earlier_run_and_the_next_run_cleans_up() {
    let (parent, out, before) = with_an_earlier_run();
    let child = spawn("run", &out, LONG_WRITE);
    wait_for("the write to start", || writing(parent.path(), "D"));
    kill(&child, "KILL");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), None, "killed");
    assert_eq!(hashes(&out), before, "the earlier run is intact");
    run_ok(&out, &[SMALL, &["--no-plots"]].concat());
    assert_eq!(names(parent.path()), ["D"], "the next run removed what the killed one left");
    assert_eq!(names(&out), [MANIFEST, "notes.txt", "results.npz", "spikes.csv", "summary.json"]);
    assert_one_complete_run(&out);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_tutorial_and_leaves_nothing() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    let child = spawn("tutorial", &out, &["--quiet"]);
    let since = Instant::now();
    wait_for("the tutorial to start", || prepared(parent.path(), "D", since));
    // The whole tutorial takes about 0.2 s in a release build: freeze it where it is (within
    // 5 ms of preparing its output), so that the signal surely arrives before it could finish.
    kill(&child, "STOP");
    kill(&child, "TERM");
    kill(&child, "CONT");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143), "{}", stderr(&output));
    assert!(names(parent.path()).is_empty(), "{:?}", names(parent.path()));
}

#[cfg(unix)]
#[test]
fn sigint_stops_validate() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lifsim"))
        .args(["validate", "--quick"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    kill(&child, "INT");
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(10), "stops promptly");
}

/// Under `nohup` SIGHUP stays ignored: the run goes on and writes its results.
#[cfg(unix)]
#[test]
fn a_run_under_nohup_ignores_sighup() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("D");
    let child = Command::new("nohup")
        .arg(env!("CARGO_BIN_EXE_lifsim"))
        .args(["run", "--out", out.to_str().unwrap(), "--quiet", "--no-plots"])
        .args(["--set", "simulation.n=2000", "--set", "simulation.t_max=1 s"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let since = Instant::now();
    wait_for("the run to start", || prepared(parent.path(), "D", since));
    kill(&child, "HUP");
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_one_complete_run(&out);
}
