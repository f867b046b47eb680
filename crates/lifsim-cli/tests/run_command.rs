//! The `lifsim` binary end to end: result files, exit codes, error messages, atomic output.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

fn lifsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifsim")).args(args).output().expect("the lifsim binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A small, fast run with every recorder on; figures and report.html are tested in `figures.rs`.
const SMALL: &[&str] = &["--quiet", "--no-plots", "--set", "simulation.n=40", "--set", "record.traces=3"];

fn run_small(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--out", out.to_str().unwrap()];
    args.extend_from_slice(SMALL);
    args.extend_from_slice(extra);
    lifsim(&args)
}

/// Reads one `.npy` array of little-endian u32 from `results.npz`, with its shape text.
fn npz_u32(path: &Path, name: &str) -> (String, Vec<u32>) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(&format!("{name}.npy")).unwrap();
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = String::from_utf8(bytes[10..10 + header_len].to_vec()).unwrap();
    assert!(header.contains("'descr': '<u4'"), "{header}");
    let data = bytes[10 + header_len..].chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    (header, data)
}

/// Reads one `.npy` array of little-endian f64 from `results.npz`, with its shape text.
fn npz_f64(path: &Path, name: &str) -> (String, Vec<f64>) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(&format!("{name}.npy")).unwrap();
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = String::from_utf8(bytes[10..10 + header_len].to_vec()).unwrap();
    assert!(header.contains("'descr': '<f8'"), "{header}");
    let data = bytes[10 + header_len..].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    (header, data)
}

#[test]
fn default_run_writes_summary_npz_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = run_small(&out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));

    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["n"], 40);
    assert_eq!(summary["steps"], 150);
    assert_eq!(summary["config"]["neuron"]["r_m"], 100e6);
    assert_eq!(summary["config"]["neuron"]["v_init"], -60e-3);
    assert_eq!(summary["config"]["record"]["hist_times"], serde_json::json!([0.015, 0.15]));
    let count = summary["spikes"]["count"].as_u64().unwrap();
    assert!(count > 0, "the default neuron fires");

    let (_, t) = npz_f64(&out.join("results.npz"), "t");
    assert_eq!(t.len(), 150);
    assert_eq!(t[10], 10.0 * 1e-3);
    let (_, v_mean) = npz_f64(&out.join("results.npz"), "v_mean");
    assert_eq!(v_mean[0], -60e-3, "index 0 is t = 0, v_mean[0] = v_init");
    let (header, traces) = npz_f64(&out.join("results.npz"), "v_traces");
    assert!(header.contains("'shape': (3, 150)"), "{header}");
    assert_eq!(traces.len(), 450);
    let (header, _) = npz_u32(&out.join("results.npz"), "spike_step");
    assert!(header.contains(&format!("'shape': ({count},)")), "{header}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(out.join("results.npz")).unwrap()).unwrap();
    assert!(archive.by_name("spike_time.npy").is_err(), "a grid spike's time is t[spike_step], not stored");

    let csv = std::fs::read_to_string(out.join("spikes.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("neuron,step,time_s"));
    assert_eq!(lines.count() as u64, count);
    let mut leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [".lifsim-run.json", "results.npz", "spikes.csv", "summary.json"],
        "the result files and the manifest"
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let extra = ["--set", "simulation.n=1000", "--set", "input.noise=white", "--set", "simulation.dt=0.5 ms"];
    let mut files = Vec::new();
    for threads in ["1", "2", "7"] {
        let out = dir.path().join(threads);
        let mut args = extra.to_vec();
        args.extend(["--threads", threads]);
        assert!(run_small(&out, &args).status.success());
        files.push((std::fs::read(out.join("results.npz")).unwrap(), std::fs::read(out.join("spikes.csv")).unwrap()));
    }
    assert!(files.windows(2).all(|w| w[0] == w[1]), "results.npz and spikes.csv are byte-identical");
}

#[test]
fn printed_default_config_runs_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let printed = lifsim(&["config"]);
    assert!(printed.status.success());
    let text = String::from_utf8(printed.stdout).unwrap();
    assert!(text.contains("tau_m = \"20 ms\"") && text.contains("r_m = \"100 Mohm\""), "{text}");
    let path = dir.path().join("default.toml");
    std::fs::write(&path, &text).unwrap();
    let out = dir.path().join("out");
    let output = lifsim(&["run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Each bad input: exit code 2, a message naming the key (or path) and what is valid, and
/// no output directory content.
#[test]
fn bad_configuration_exits_2_with_a_message_and_writes_nothing() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["--set", "neuron.tau=5"], &["neuron.tau", "did you mean `neuron.tau_m`"]),
        (&["--set", "neuron.tau_m=20 mV"], &["neuron.tau_m", "a time", "voltage"]),
        (&["--set", "input.i_mean=nan"], &["input.i_mean", "finite"]),
        (&["--set", "neuron.e_l=inf"], &["neuron.e_l", "finite"]),
        (&["--set", "simulation.dt=0"], &["simulation.dt", "positive"]),
        (&["--set", "simulation.dt=1 s"], &["simulation.dt", "t_max"]),
        (&["--set", "simulation.n=0"], &["simulation.n", "from 1"]),
        (&["--set", "neuron.t_ref=-1 ms"], &["neuron.t_ref", ">= 0"]),
        (&["--set", "neuron.v_th=-80 mV"], &["neuron.v_th", "above neuron.v_reset"]),
        (&["--set", "neuron.tau_m=0"], &["neuron.tau_m", "positive"]),
        (&["--set", "simulation.t_max=1", "--set", "simulation.dt=50 ms"], &["simulation.dt", "2 tau_m", "exact"]),
        (&["--set", "simulation.method=runge-kutta"], &["simulation.method", "\"euler\", \"exact\""]),
        (&["--set", "noequals"], &["--set noequals", "KEY=VALUE"]),
        (&["--threads", "0"], &["--threads", "from 1 to"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (args, needles)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("case{i}"));
        let output = run_small(&out, args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        for needle in *needles {
            assert!(message.contains(needle), "{args:?}: `{needle}` missing from: {message}");
        }
        assert!(!message.contains("panicked") && !message.contains("RUST_BACKTRACE"), "{message}");
        // One message (clap adds its pointer to --help after a bad option value).
        let lines = message.trim().lines().filter(|l| !l.is_empty() && !l.starts_with("For more information"));
        assert_eq!(lines.count(), 1, "one message: {message}");
        assert!(!out.join("summary.json").exists() && !out.join("results.npz").exists(), "{args:?} wrote results");
    }
}

#[test]
fn unreadable_and_malformed_config_files_exit_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let output = lifsim(&["run", missing.to_str().unwrap(), "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("missing.toml"), "{}", stderr(&output));

    let malformed = dir.path().join("bad.toml");
    std::fs::write(&malformed, "[neuron\ntau_m = 1\n").unwrap();
    let output = lifsim(&["run", malformed.to_str().unwrap(), "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bad.toml") && stderr(&output).contains("malformed"), "{}", stderr(&output));

    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, "[simulation]\nsteps = 10\n").unwrap();
    let output = lifsim(&["run", unknown.to_str().unwrap(), "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("simulation.steps"), "{}", stderr(&output));
}

#[test]
fn an_output_path_that_cannot_be_written_exits_1_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let out = blocker.join("out");
    let output = run_small(&out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("a-file"), "{}", stderr(&output));
}

#[test]
fn a_neuron_that_never_fires_is_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_small(&dir.path().join("out"), &["--set", "input.i_mean=50 pA", "--set", "input.noise=none"]);
    assert!(output.status.success());
    assert!(stderr(&output).contains("warning: the neuron can never reach its threshold"), "{}", stderr(&output));
}

/// Ctrl-C during a long run: exit code 130, a message, and no result file at all.
#[cfg(unix)]
#[test]
fn interrupt_stops_the_run_and_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_lifsim"))
        .args(["run", "--quiet", "--out", out.to_str().unwrap()])
        // A free membrane (no spikes to keep): a long run that fits in memory.
        .args(["--set", "simulation.n=20000", "--set", "simulation.t_max=1000", "--set", "record.traces=0"])
        .args(["--set", "neuron.v_th=none", "--set", "record.hist_times=[]"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let started = std::time::Instant::now();
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "stops promptly");
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(stderr(&output).contains("interrupted"), "{}", stderr(&output));
    let left: Vec<_> = std::fs::read_dir(&out).map(|d| d.map(|e| e.unwrap().file_name()).collect()).unwrap_or_default();
    assert!(left.is_empty(), "no files left behind: {left:?}");
}

/// `--timings` prints each phase; summary.json splits `wall_time_s` into setup and simulation.
#[test]
fn timings_split_the_run_into_phases() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["run", "--out", out.to_str().unwrap(), "--timings"];
    args.extend_from_slice(&SMALL[1..]);
    let output = lifsim(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    for phase in ["setup", "simulation", "analysis", "results.npz", "spikes.csv", "summary.json", "commit"] {
        assert!(text.contains(&format!(" {phase} ")), "{phase} missing in: {text}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let (setup, simulation) =
        (summary["timings"]["setup_s"].as_f64().unwrap(), summary["timings"]["simulation_s"].as_f64().unwrap());
    let wall = summary["wall_time_s"].as_f64().unwrap();
    assert!(setup >= 0.0 && simulation >= 0.0, "{setup} {simulation}");
    assert!((setup + simulation - wall).abs() <= 1e-12 * wall.max(1.0), "{setup} + {simulation} != {wall}");
    let timings = &summary["timings"];
    assert!(timings["analysis_s"].as_f64().unwrap() >= 0.0);
    assert!(timings["figures_s"].as_f64().is_none(), "SMALL has --no-plots");
    let files: Vec<&String> = timings["files_s"].as_object().unwrap().keys().collect();
    assert_eq!(files, ["results.npz", "spikes.csv"]);
}

/// A run whose every neuron spikes at every step after the first: `n` neurons over 1001
/// steps give exactly `1000 n` spikes.
fn every_step_spikes(out: &Path, n: u32, extra: &[&str]) -> Output {
    let n = format!("simulation.n={n}");
    let mut args = vec!["run", "--quiet", "--no-plots", "--out", out.to_str().unwrap()];
    for setting in [
        n.as_str(),
        "simulation.t_max=1001 ms",
        "simulation.dt=1 ms",
        "record.traces=0",
        "record.hist_times=[]",
        "input.noise=none",
        "input.i_mean=100 nA",
        "neuron.t_ref=0",
    ] {
        args.extend(["--set", setting]);
    }
    args.extend_from_slice(extra);
    lifsim(&args)
}

/// The CSV rule of README: spikes.csv up to 1 000 000 spikes (here exactly that many), none
/// just above (1 001 000): each spike is then stored once, in results.npz; `record.csv =
/// "always"` gives the CSV above the limit, "never" none below it. results.npz holds every
/// spike in each case.
#[test]
fn spikes_csv_up_to_a_million_spikes_and_none_beyond() {
    let dir = tempfile::tempdir().unwrap();
    let files = |out: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| !name.starts_with('.'))
            .collect();
        names.sort();
        names
    };
    let count = |out: &Path| -> u64 {
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        summary["spikes"]["count"].as_u64().unwrap()
    };
    let with_csv = ["results.npz", "spikes.csv", "summary.json"];
    let without = ["results.npz", "summary.json"];
    for (n, extra, expected, spikes) in [
        (1000, &[][..], &with_csv[..], 1_000_000),
        (1001, &[][..], &without[..], 1_001_000),
        (1001, &["--set", "record.csv=always"][..], &with_csv[..], 1_001_000),
        (1000, &["--set", "record.csv=never"][..], &without[..], 1_000_000),
    ] {
        let out = dir.path().join(format!("run-{n}-{}", extra.len()));
        let output = every_step_spikes(&out, n, extra);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(count(&out), spikes, "n = {n} {extra:?}");
        assert_eq!(files(&out), expected, "n = {n} {extra:?}");
        let (_, steps) = npz_u32(&out.join("results.npz"), "spike_step");
        assert_eq!(steps.len() as u64, spikes, "n = {n} {extra:?}: every spike in results.npz");
        if expected.contains(&"spikes.csv") {
            let rows = std::fs::read_to_string(out.join("spikes.csv")).unwrap().lines().count() as u64 - 1;
            assert_eq!(rows, spikes, "n = {n} {extra:?}: every spike in spikes.csv");
        }
    }
}

/// `record.spikes = "file"`: spikes.parquet holds exactly the spikes of the same run kept in
/// memory (results.npz's), its results.npz has no spikes, and the summary counts them all;
/// `"counts"` writes no spike file at all.
#[test]
fn file_and_counts_runs_write_parquet_or_no_spike_file() {
    let dir = tempfile::tempdir().unwrap();
    let settings = ["--set", "input.noise=white", "--set", "simulation.n=3000"];
    let memory = dir.path().join("memory");
    let output = run_small(&memory, &settings);
    assert!(output.status.success(), "{}", stderr(&output));
    let file = dir.path().join("file");
    let output = run_small(&file, &[&settings[..], &["--set", "record.spikes=file"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let streamed = lifsim_io::parquet::read_spikes(std::fs::File::open(file.join("spikes.parquet")).unwrap()).unwrap();
    let (_, neuron) = npz_u32(&memory.join("results.npz"), "spike_neuron");
    let (_, step) = npz_u32(&memory.join("results.npz"), "spike_step");
    assert!(neuron.len() > 1000, "{} spikes", neuron.len());
    assert_eq!((streamed.neuron, streamed.step), (neuron, step), "the same spikes, in the same order");
    let (_, t) = npz_f64(&memory.join("results.npz"), "t");
    let times: Vec<f64> = npz_u32(&memory.join("results.npz"), "spike_step").1.iter().map(|&k| t[k as usize]).collect();
    assert_eq!(streamed.time, times, "time = t[step]");
    let (header, _) = npz_u32(&file.join("results.npz"), "spike_step");
    assert!(header.contains("'shape': (0,)"), "{header}");
    let summary = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
    };
    assert_eq!(summary(&file)["spikes"], summary(&memory)["spikes"]);
    assert_eq!(summary(&file)["analysis"]["rate_hz"], summary(&memory)["analysis"]["rate_hz"]);
    let counts = dir.path().join("counts");
    let output = run_small(&counts, &[&settings[..], &["--set", "record.spikes=counts"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!counts.join("spikes.parquet").exists() && !counts.join("spikes.csv").exists());
    assert_eq!(summary(&counts)["spikes"], summary(&memory)["spikes"]);
    let (_, spike_count) = npz_u32(&counts.join("results.npz"), "spike_count");
    let (_, memory_count) = npz_u32(&memory.join("results.npz"), "spike_count");
    assert_eq!(spike_count, memory_count);
}

/// `crossing = "precise"`: `spike_time` in `results.npz` and the time column of `spikes.csv`
/// are the spikes' own times (off the grid, each inside the step that holds it), the same in
/// both files; a refused combination exits with 2 and names the key.
#[test]
fn precise_crossings_write_off_grid_spike_times() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let precise = [
        "--set",
        "input.noise=white",
        "--set",
        "simulation.method=exact",
        "--set",
        "simulation.crossing=precise",
        "--set",
        "neuron.t_ref=2 ms",
    ];
    let output = run_small(&out, &precise);
    assert!(output.status.success(), "{}", stderr(&output));
    let (_, spike_time) = npz_f64(&out.join("results.npz"), "spike_time");
    assert!(spike_time.len() > 20, "{} spikes", spike_time.len());
    let csv = std::fs::read_to_string(out.join("spikes.csv")).unwrap();
    let rows: Vec<(u32, f64)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[1].parse().unwrap(), fields[2].parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), spike_time.len());
    let dt = 1e-3;
    let mut off_grid = 0;
    for (&(step, time), &npz_time) in rows.iter().zip(&spike_time) {
        assert_eq!(time, npz_time, "spikes.csv and results.npz agree to the bit");
        let k = f64::from(step);
        assert!((k - 1.0) * dt <= time + 1e-15 && time <= k * dt + 1e-15, "{time} s in step {step}");
        off_grid += usize::from(time != k * dt);
    }
    assert!(off_grid * 10 > rows.len() * 9, "{off_grid} of {} off the grid", rows.len());

    let refused = run_small(&dir.path().join("euler"), &["--set", "simulation.crossing=precise"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("simulation.crossing"), "{}", stderr(&refused));
}
