//! `lifsim theory`, `lifsim sweep` (tables, JSON and the figure), `lifsim validate`'s command
//! line, and the statistics in `report.html`. The validation suite itself runs in release in
//! `scripts/checks/40-validate.sh` (too slow for a debug build).

mod common;

use common::check_figure;
use std::path::Path;
use std::process::{Command, Output};

fn lifsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifsim")).args(args).output().expect("lifsim runs")
}

fn succeeds(args: &[&str]) -> String {
    let output = lifsim(args);
    assert!(output.status.success(), "lifsim {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// mu = e_l + r_m i_mean = -60 mV + 100 Mohm x 200 pA = -40 mV, white noise of 5 mV, t_ref 2 ms.
const MEAN_DRIVEN: &[&str] = &[
    "--set",
    "input.i_mean=200 pA",
    "--set",
    "input.noise=white",
    "--set",
    "input.sigma_v=5 mV",
    "--set",
    "neuron.t_ref=2 ms",
];

/// Siegert's rate for `MEAN_DRIVEN` (Hz).
const SIEGERT_RATE: f64 = 44.839;

fn assert_rate(rate: f64) {
    assert!(((rate - SIEGERT_RATE) / SIEGERT_RATE).abs() < 1e-4, "rate {rate} Hz, expected {SIEGERT_RATE} Hz");
}

#[test]
fn theory_prints_the_siegert_rate_as_a_table_and_as_json() {
    let table = succeeds(&[&["theory"], MEAN_DRIVEN].concat());
    let line = table.lines().find(|l| l.starts_with("firing rate")).unwrap_or_else(|| panic!("no rate in\n{table}"));
    let rate = line.split_whitespace().rev().nth(1).and_then(|x| x.parse::<f64>().ok()).expect("a rate in Hz");
    assert!(line.ends_with(" Hz"), "{line}");
    assert_rate(rate);
    assert!(table.lines().any(|l| l.starts_with("free V mean, last step") && l.ends_with("n/a")), "{table}");

    let json: serde_json::Value =
        serde_json::from_str(&succeeds(&[&["theory", "--json"], MEAN_DRIVEN].concat())).unwrap();
    assert_rate(json["rate_hz"].as_f64().expect("rate_hz"));
    let cv = json["cv_isi"].as_f64().expect("cv_isi");
    assert!(cv > 0.0 && cv < 1.0, "CV {cv}");
    assert!(json["v_mean_final"].is_null() && json["rate_deterministic_hz"].is_null(), "{json}");
}

/// `sweep.csv` as a header and rows of cells.
fn csv(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("sweep.csv")).expect("sweep.csv");
    let mut lines = text.lines().map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    let header = lines.next().expect("a header");
    (header, lines.collect())
}

fn json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).expect("sweep.json")).expect("valid JSON")
}

/// Runs a small sweep (20 neurons) with `vary` into a fresh directory.
fn sweep(vary: &[&str], extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["sweep", "-q", "--out", dir.path().to_str().unwrap(), "--set", "simulation.n=20"];
    for spec in vary {
        args.extend(["--vary", spec]);
    }
    args.extend(extra);
    succeeds(&args);
    dir
}

#[test]
fn sweep_over_a_range_with_units_writes_csv_json_and_the_figure() {
    let dir = sweep(&["input.i_mean=100pA:300pA:3"], &MEAN_DRIVEN[2..]);
    let (header, rows) = csv(dir.path());
    assert_eq!(header[..3], ["input.i_mean", "rate_hz", "rate_se_hz"]);
    assert!(header.contains(&"theory_rate_hz".to_string()) && header.contains(&"fano".to_string()), "{header:?}");
    assert_eq!(rows.len(), 3);
    for (row, current) in rows.iter().zip([100e-12, 200e-12, 300e-12]) {
        assert_eq!(row.len(), header.len());
        let value: f64 = row[0].parse().unwrap();
        assert!((value - current).abs() < 1e-20, "{value} vs {current}");
        let rate: f64 = row[1].parse().unwrap();
        assert!(rate > 0.0, "{row:?}");
    }
    // Theory at 200 pA is the rate `lifsim theory` gives.
    let theory = header.iter().position(|h| h == "theory_rate_hz").unwrap();
    assert_rate(rows[1][theory].parse().unwrap());

    let json = json(dir.path());
    assert_eq!(json["varied"], serde_json::json!(["input.i_mean"]));
    let points = json["rows"].as_array().expect("rows");
    assert_eq!(points.len(), 3);
    assert!((points[2]["input.i_mean"].as_f64().unwrap() - 300e-12).abs() < 1e-20);
    assert!(points.iter().all(|p| p["rate_hz"].is_f64() && p["theory_cv_isi"].is_f64()), "{json}");
    assert!(points[0]["theory_v_mean_final"].is_null(), "no free-membrane theory with a threshold");
    check_figure(dir.path(), "sweep");
}

#[test]
fn sweep_over_a_list_of_steps_draws_the_convergence_plot_and_no_plots_skips_it() {
    let dir = sweep(&["simulation.dt=1 ms,0.5 ms,0.25 ms"], &MEAN_DRIVEN[2..]);
    let (header, rows) = csv(dir.path());
    assert_eq!(header[0], "simulation.dt");
    let steps: Vec<f64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(steps, [1e-3, 0.5e-3, 0.25e-3]);
    check_figure(dir.path(), "sweep");

    let plain = sweep(&["simulation.dt=1 ms,0.5 ms"], &["--no-plots"]);
    let mut names: Vec<String> =
        std::fs::read_dir(plain.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, [".lifsim-run.json", "sweep.csv", "sweep.json"]);
}

#[test]
fn two_varied_keys_give_their_product_the_last_fastest() {
    let dir = sweep(&["input.i_mean=100pA:200pA:2", "input.noise=white,none,tutorial"], &[]);
    let (header, rows) = csv(dir.path());
    assert_eq!(header[..2], ["input.i_mean", "input.noise"]);
    let parsed: Vec<(f64, &str)> = rows.iter().map(|r| (r[0].parse().unwrap(), r[1].as_str())).collect();
    let wanted: Vec<(f64, &str)> =
        [100e-12, 200e-12].into_iter().flat_map(|i| ["white", "none", "tutorial"].map(|noise| (i, noise))).collect();
    assert_eq!(parsed, wanted);
    assert_eq!(json(dir.path())["rows"].as_array().unwrap().len(), 6);
    check_figure(dir.path(), "sweep");
}

#[test]
fn a_bad_vary_exits_2_naming_the_key_and_writes_nothing() {
    for (spec, named) in [
        ("input.i_mean=100pA:300pA:x", "input.i_mean"),
        ("input.i_mean=1 ms:2 ms:3", "input.i_mean"),
        ("nope.key=1,2", "nope.key"),
        ("neuron.tau_m", "neuron.tau_m"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let output = lifsim(&["sweep", "-q", "--vary", spec, "--out", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{spec}: {stderr}");
        assert!(stderr.contains(named), "{spec}: the message names {named}: {stderr}");
        assert!(!out.exists(), "{spec}: nothing written");
    }
}

#[test]
fn validate_has_help_and_rejects_unknown_options() {
    let help = succeeds(&["validate", "--help"]);
    assert!(help.contains("--quick"), "{help}");
    let output = lifsim(&["validate", "--scenario", "white"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--scenario"));
}

/// The cells of the report's table row whose first cell contains `quantity`.
fn row(html: &str, quantity: &str) -> Vec<String> {
    let row = html.split("<tr>").find(|r| r.contains(quantity)).unwrap_or_else(|| panic!("no row {quantity}"));
    row.split("<td")
        .skip(1)
        .map(|cell| cell.split('>').nth(1).unwrap().split('<').next().unwrap().to_string())
        .collect()
}

#[test]
fn report_shows_the_spike_statistics_and_rate_and_cv_against_theory() {
    let dir = tempfile::tempdir().unwrap();
    succeeds(
        &[&["run", "-q", "--out", dir.path().to_str().unwrap(), "--set", "simulation.n=200"], MEAN_DRIVEN].concat(),
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    let analysis = &summary["analysis"];
    assert!(html.contains("<h2>Spike statistics</h2>"));
    for quantity in ["analysis window", "interspike intervals", "ISI CV", "Fano factor of counts"] {
        assert!(!row(&html, quantity)[1].is_empty(), "{quantity}");
    }
    let fano = format!("{:.4}", analysis["fano"].as_f64().unwrap());
    assert_eq!(row(&html, "Fano factor of counts")[1], fano);

    let rate = row(&html, "mean firing rate in the analysis window (Siegert");
    assert_eq!(rate[1], format!("{:.3} Hz", analysis["rate_hz"].as_f64().unwrap()));
    assert_eq!(rate[2], format!("{:.3} Hz", summary["theory"]["rate_hz"].as_f64().unwrap()));
    let z: f64 = rate[3].parse().expect("a difference in standard errors");
    let expected = (analysis["rate_hz"].as_f64().unwrap() - summary["theory"]["rate_hz"].as_f64().unwrap())
        / analysis["rate_se_hz"].as_f64().unwrap();
    assert!((z - expected).abs() < 0.006, "z {z} vs {expected}");
    let cv = row(&html, "ISI CV (Brunel 2000)");
    assert_eq!(cv[2], format!("{:.4}", summary["theory"]["cv_isi"].as_f64().unwrap()));
    assert_eq!(cv[3], "n/a (no standard error)", "no invented SE for the CV");
}
