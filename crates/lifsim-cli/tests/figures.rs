//! Figures and reports of `lifsim run` and `lifsim tutorial`: every file present, valid and of the
//! expected size, and every figure referenced by its report.

use std::path::Path;
use std::process::Command;

mod common;

use common::check_figure;

fn lifsim(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_lifsim")).args(args).output().expect("lifsim runs");
    assert!(output.status.success(), "lifsim {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn report(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.html")).expect("report.html")
}

#[test]
fn run_draws_every_figure_and_a_report_that_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    lifsim(&["run", "--out", out, "-q", "--set", "simulation.n=60"]);
    let html = report(dir.path());
    for name in ["voltage", "moments", "histograms", "raster", "isi", "spike_counts"] {
        check_figure(dir.path(), name);
        assert!(html.contains(&format!("src=\"{name}.png\"")), "report.html shows {name}.png");
    }
    assert!(
        html.contains("<td><code>neuron.tau_m</code></td><td class=\"num\">20 ms</td>"),
        "parameters in human units"
    );
    assert!(!html.contains("http://") && !html.contains("https://"), "report.html loads nothing from the network");
}

#[test]
fn free_membrane_report_compares_moments_with_theory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    lifsim(&["run", "--out", out, "-q", "--set", "neuron.v_th=none", "--set", "simulation.n=2000"]);
    for name in ["voltage", "moments", "histograms", "raster"] {
        check_figure(dir.path(), name);
    }
    // No spikes without a threshold: no ISI or count figures.
    assert!(!dir.path().join("isi.png").exists() && !dir.path().join("spike_counts.png").exists());
    let html = report(dir.path());
    for quantity in ["mean of V at t = 149 ms", "variance of V at t = 149 ms"] {
        let row = html.split("<tr>").find(|row| row.contains(quantity)).unwrap_or_else(|| panic!("row {quantity}"));
        // The last cell is the difference in standard errors: a fixed seed, well inside 5 SE.
        let z: f64 = row.rsplit("<td class=\"num\">").next().unwrap().split('<').next().unwrap().parse().unwrap();
        assert!(z.abs() < 5.0, "{quantity}: {z} standard errors from theory");
    }
}

#[test]
fn single_neuron_and_silent_runs_still_draw() {
    // One neuron has no ensemble variance (NaN); no input and no noise means no spikes at all.
    for settings in [["simulation.n=1", "record.traces=1"], ["input.i_mean=0", "input.noise=none"]] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap();
        lifsim(&["run", "--out", out, "-q", "--set", settings[0], "--set", settings[1]]);
        for name in ["voltage", "moments", "histograms", "raster"] {
            check_figure(dir.path(), name);
        }
    }
}

#[test]
fn no_plots_writes_no_figures() {
    let dir = tempfile::tempdir().unwrap();
    lifsim(&["run", "--out", dir.path().to_str().unwrap(), "-q", "--no-plots", "--set", "simulation.n=10"]);
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(names.iter().all(|n| !n.ends_with(".png") && !n.ends_with(".svg") && n != "report.html"), "{names:?}");
    assert!(names.contains(&"summary.json".to_string()));
}

#[test]
fn tutorial_draws_every_exercise_and_a_report_that_shows_them_in_order() {
    let dir = tempfile::tempdir().unwrap();
    lifsim(&["tutorial", "--out", dir.path().to_str().unwrap(), "-q"]);
    let html = report(dir.path());
    let mut last = 0;
    for name in ["ex02", "ex04", "ex05", "ex06", "ex07", "ex08", "ex09", "ex10", "ex11", "ex12", "ex13"] {
        check_figure(dir.path(), name);
        let at = html.find(&format!("src=\"{name}.png\"")).unwrap_or_else(|| panic!("report.html shows {name}"));
        assert!(at > last, "{name} in exercise order");
        last = at;
    }
}

/// The report's parameter table lists every configuration key (from the key table), so a
/// bridge run says that it used the bridge, and its statistics are summary.json's.
#[test]
fn report_lists_every_key_and_the_summarys_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let settings = ["input.noise=white", "simulation.crossing=bridge", "simulation.n=50", "neuron.t_ref=2 ms"];
    let mut args = vec!["run", "--out", out, "-q"];
    for setting in &settings {
        args.extend(["--set", setting]);
    }
    lifsim(&args);
    let html = report(dir.path());
    for key in lifsim::Config::keys() {
        assert!(html.contains(&format!("<code>{key}</code>")), "report.html lists {key}");
    }
    let row = html.split("<tr>").find(|row| row.contains("<code>simulation.crossing</code>")).unwrap();
    assert!(row.contains(">bridge<"), "{row}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    let rate = summary["analysis"]["rate_hz"].as_f64().unwrap();
    assert!(html.contains(&format!("{rate:.3} Hz")), "the report shows summary.json's rate {rate:.3} Hz");
}

/// A network run: the raster by population, the distributions, the population table in the
/// report, `populations` in summary.json (with the mean field in `theory`), and the population
/// arrays in results.npz.
#[test]
fn a_network_run_writes_its_populations() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("network.toml");
    std::fs::write(
        &config,
        "[simulation]\nt_max = \"300 ms\"\ndt = \"0.1 ms\"\n[neuron]\ne_l = 0\nv_reset = \"10 mV\"\nv_th = \"20 mV\"\nt_ref = \"2 ms\"\n\
         [input]\ni_mean = 0\nnoise = \"poisson\"\nrate_e = \"25 kHz\"\nweight_e = \"0.1 mV\"\n\
         [[population]]\nname = \"E\"\nn = 80\n[[population]]\nname = \"I\"\nn = 20\n\
         [[connection]]\nfrom = \"E\"\nto = \"I\"\nin_degree = 8\n[[connection]]\nfrom = \"I\"\nto = \"E\"\nin_degree = 2\nweight = \"-0.4 mV\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_lifsim"))
        .args(["run", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for name in ["raster", "distributions", "voltage", "moments"] {
        check_figure(&out, name);
    }
    let html = report(&out);
    assert!(html.contains("<h2>Populations</h2>") && html.contains("mean-field rate"), "population table");
    assert!(html.contains("<code>connection.I-&gt;E.weight</code>"), "the network's keys in the parameters");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["populations"]["E"]["n"], 80);
    assert!(summary["populations"]["I"]["rate_hz"].as_f64().unwrap() > 0.0);
    assert!(summary["theory"]["populations"]["E"]["rate_hz"].as_f64().unwrap() > 0.0);
    let mut archive = zip::ZipArchive::new(std::fs::File::open(out.join("results.npz")).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_name(&format!("{name}.npy")).unwrap(), &mut bytes).unwrap();
        bytes
    };
    let names = read("population_names");
    assert!(String::from_utf8_lossy(&names).contains("'descr': '<U1'"), "unicode names");
    let offsets = read("population_offsets");
    let header = u16::from_le_bytes([offsets[8], offsets[9]]) as usize + 10;
    let values: Vec<u64> =
        offsets[header..].chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(values, [0, 80, 100]);
    assert!(String::from_utf8_lossy(&read("population_activity")).contains("'shape': (2, 3000)"));
}
