//! Reliability of the `lifsim` command on bad, huge and hostile input: runs that cannot fit are
//! refused up front (exit 2, naming what dominates), values are read exactly or refused with
//! their key named, messages stay short, and no input makes the process panic or abort.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lifsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifsim")).args(args).output().expect("the lifsim binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `lifsim run --out OUT --no-plots -q ARGS...`.
fn run_into(out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["run", "--out", out.to_str().unwrap(), "--no-plots", "-q"];
    all.extend_from_slice(args);
    lifsim(&all)
}

/// A run refused as a configuration error: exit 2, a short message containing every word,
/// and nothing written.
#[track_caller]
fn refused(out: &Path, args: &[&str], words: &[&str]) {
    let output = run_into(out, args);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
    for word in words {
        assert!(text.contains(word), "{args:?}: the message must say {word:?}: {text}");
    }
    assert!(text.len() < 1500, "{args:?}: {} bytes of stderr", text.len());
    assert!(!out.join("results.npz").exists(), "{args:?}: nothing is written");
}

/// The runs of issue 13 that used to abort or exhaust the memory are refused before they start,
/// with the estimate, the part that dominates and its key. `--max-memory` makes the budget the
/// same on every machine; the last case needs no flag (no machine has 550 GB free).
#[test]
fn runs_that_cannot_fit_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let budget = ["--max-memory", "16GB"];
    assert!(!out.exists());
    let cases: [(&[&str], &[&str]); 6] = [
        (&["--set", "simulation.t_max=20 ks"], &["simulation.t_max", "16.0 GB available", "shorter run"]),
        (&["--set", "simulation.n=20000000", "--set", "simulation.t_max=1 s"], &["simulation.n", "GB"]),
        (&["--set", "simulation.dt=0.25 ns", "--set", "simulation.method=exact"], &["record.traces"]),
        (
            &["--set", "record.traces=20000", "--set", "simulation.n=20000", "--set", "simulation.t_max=100 s"],
            &["record.traces", "record.every"],
        ),
        (&["--set", "record.hist_bins=100000", "--set", "record.hist_times=[\"10 ms\"]"], &[]),
        (&["--set", "simulation.n=4294967295"], &["simulation.n"]),
    ];
    for (i, (args, words)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let mut all = args.to_vec();
        if i != cases.len() - 1 {
            all.extend(budget);
        }
        if words.is_empty() {
            // 1 histogram of 100 000 bins fits: the run goes.
            assert!(run_into(&out, &all).status.success());
            continue;
        }
        refused(&out, &all, words);
    }
    let hist_times = format!("record.hist_times=[{}]", vec!["\"10 ms\""; 5000].join(", "));
    refused(
        &out,
        &["--set", "record.hist_bins=100000", "--set", &hist_times, "--max-memory", "16GB"],
        &["record.hist_bins"],
    );
}

#[test]
fn a_sweep_too_large_is_refused_before_it_allocates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let sweep = |vary: &[&str]| {
        let mut args = vec!["sweep", "--out", out.to_str().unwrap(), "-q", "--no-plots"];
        for v in vary {
            args.extend(["--vary", v]);
        }
        lifsim(&args)
    };
    let output = sweep(&["input.i_mean=100pA:400pA:1000000000"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("COUNT from 1 to 1000000"), "{}", stderr(&output));
    // Two axes of a million each: 1e12 points, refused by their count before any is made.
    let output = sweep(&["input.i_mean=100pA:400pA:1000000", "neuron.tau_m=10ms:20ms:1000000"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--vary") && stderr(&output).contains("points"), "{}", stderr(&output));
    // The same key twice is refused (it used to give two columns and mislabelled rows).
    let output = sweep(&["input.i_mean=1e-10,2e-10", "input.i_mean=3e-10,4e-10"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("input.i_mean") && stderr(&output).contains("varied once"), "{}", stderr(&output));
    assert!(!out.join("sweep.csv").exists());
}

/// Exponents that overflow and values beyond the f64 range are refused naming the key (they used
/// to run with t_ref = 0, i_mean = 0 A or "t_max = 0 s").
#[test]
fn values_are_read_exactly_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (set, key) in [
        ("neuron.t_ref=1e2147483647 ks", "neuron.t_ref"),
        ("input.i_mean=1e2147483645 GA", "input.i_mean"),
        ("simulation.t_max=1e2147483647 ks", "simulation.t_max"),
    ] {
        refused(&out, &["--set", set], &[key, "outside the range of a 64-bit float"]);
    }
    refused(
        &out,
        &["--set", "input.i_mean=1e300 A", "--set", "simulation.method=exact"],
        &["input.i_mean", "overflow"],
    );
}

#[test]
fn messages_echo_only_an_excerpt_of_a_huge_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let digits = format!("neuron.tau_m={}", "9".repeat(100_000));
    refused(&out, &["--set", &digits], &["neuron.tau_m", "characters"]);
    let key = format!("neuron.{}=1", "x".repeat(100_000));
    refused(&out, &["--set", &key], &["unknown key", "characters"]);
}

#[test]
fn negative_and_huge_seeds_and_threads_name_their_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    refused(&out, &["--seed", "-1"], &["--seed", "0 to 18446744073709551615"]);
    refused(&out, &["--threads", "-1"], &["--threads"]);
    refused(&out, &["--threads", "100000"], &["--threads", "from 1 to"]);
    refused(&out, &["--threads", "0"], &["--threads", "from 1 to"]);
    refused(&out, &["--max-memory", "lots"], &["--max-memory"]);
    // The largest seed is a valid seed.
    let output = run_into(&out, &["--seed", "18446744073709551615", "--set", "simulation.n=10"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// Where the estimate is wrong and an allocation fails anyway (here under an address-space
/// limit that the estimate cannot see), the run ends with exit 1 and a message, not an abort.
#[cfg(target_os = "linux")]
#[test]
fn an_allocation_that_fails_is_exit_1_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // 50 traces of 20 million samples: 8 GB of traces, under a 1 GB address-space limit.
    let script = format!(
        "ulimit -v 1000000 && exec '{}' run --out '{}' -q --no-plots --max-memory 1TB --threads 1 \
         --set simulation.t_max=\"20 ks\" --set simulation.n=50",
        env!("CARGO_BIN_EXE_lifsim"),
        out.display()
    );
    let output = Command::new("sh").args(["-c", &script]).output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("out of memory while allocating the V traces"), "{text}");
    assert!(!text.contains("panicked") && !text.contains("memory allocation of"), "{text}");
}

/// The corpus of hostile inputs in `tests/hostile/`: every configuration file and every
/// `--set` value ends with exit 0 (a valid run) or 2 (refused, with an `error:` message that
/// names what is wrong), never a panic, an abort or a flood of stderr.
#[test]
fn the_hostile_corpus_never_panics() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let dir = tempfile::tempdir().unwrap();
    let check = |what: &str, output: Output| {
        let text = stderr(&output);
        let code = output.status.code();
        assert!(matches!(code, Some(0) | Some(2)), "{what}: exit {code:?}: {text}");
        assert!(!text.contains("panicked") && !text.contains("RUST_BACKTRACE"), "{what}: {text}");
        assert!(text.len() < 4000, "{what}: {} bytes of stderr", text.len());
        if code == Some(2) {
            assert!(text.starts_with("error:"), "{what}: {text}");
        }
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus has {} configurations", files.len());
    for file in &files {
        let out = dir.path().join("cfg");
        let output = lifsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-plots",
            "-q",
            "--max-memory",
            "1GB",
        ]);
        check(&file.display().to_string(), output);
    }
    let sets = std::fs::read_to_string(corpus.join("set_values.txt")).unwrap();
    for set in sets.lines() {
        let out = dir.path().join("set");
        let output = run_into(&out, &["--set", set, "--max-memory", "1GB"]);
        let key = set.split_once('=').map_or(set, |(k, _)| k);
        let text = stderr(&output);
        // A run refused for its memory names the key that dominates, not necessarily this one.
        let named = !text.contains("expected KEY=VALUE") && !text.contains("would need about");
        if output.status.code() == Some(2) && !key.is_empty() && key.len() < 100 && named {
            assert!(text.contains(key.trim()), "--set {set}: the message must name {key}: {text}");
        }
        check(&format!("--set {}", &set[..set.len().min(80)]), output);
    }
}
