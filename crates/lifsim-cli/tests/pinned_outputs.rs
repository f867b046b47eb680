//! Pinned result files: the SHA-256 of `results.npz` and `spikes.csv` for configurations that
//! cover every noise kind, both methods, both crossing rules, sine and step drive, traces and
//! histograms. The hashes were taken from the code before the layout change (issue 12), so a
//! refactoring that changes a single bit of a result fails here. A deliberate change of the
//! numbers or the format updates the hashes in the same commit and says why: the `results.npz`
//! hashes changed once when `spike_time.npy` was dropped for spikes on the grid (a spike's
//! time is `t[spike_step]`; issue 18), every other array and every `spikes.csv` unchanged.

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// One pinned configuration: a name, its `--set` assignments, and the expected hashes of
/// `results.npz` and `spikes.csv`.
struct Pinned {
    name: &'static str,
    settings: &'static [&'static str],
    npz: &'static str,
    csv: &'static str,
}

const PINNED: &[Pinned] = &[
    Pinned {
        name: "defaults: tutorial noise, euler, grid, constant drive, traces and histograms",
        settings: &[],
        npz: "985ecabe4d3c92666bed3e36c89f953d8857dd39d754016bc00efa22aef2a5f1",
        csv: "73f794b94c8b600f460b1c59605385075ff4ae5e4a4b99452d3810f27ddc3d86",
    },
    Pinned {
        name: "white noise, exact, bridge crossings, 2 ms refractory",
        settings: &[
            "input.noise=white",
            "input.sigma_v=\"5 mV\"",
            "simulation.method=exact",
            "simulation.crossing=bridge",
            "simulation.dt=\"0.1 ms\"",
            "simulation.t_max=\"60 ms\"",
            "simulation.n=300",
            "neuron.t_ref=\"2 ms\"",
            "record.traces=4",
        ],
        npz: "ebab9ec28adb48cfd6a64555c8dcec7e052f4e1f37798f7788240486b05f6ad3",
        csv: "944adcdc3470b1f29e5d14d58ca970b15cccaacaa1280a8b6a0f4e09a60fc652",
    },
    Pinned {
        name: "white noise, exact, grid, n = 5000 (AVX-512 path, padded last chunk), step drive",
        settings: &[
            "input.noise=white",
            "input.kind=step",
            "input.amplitude=\"50 pA\"",
            "input.start=\"10 ms\"",
            "input.stop=\"30 ms\"",
            "simulation.method=exact",
            "simulation.dt=\"0.1 ms\"",
            "simulation.t_max=\"40 ms\"",
            "simulation.n=5000",
            "neuron.t_ref=\"2 ms\"",
            "record.traces=7",
            "record.every=3",
            "record.hist_times=[\"5 ms\", \"20 ms\", \"40 ms\"]",
            "record.hist_bins=30",
        ],
        npz: "8bbfe7f6023605798b3091cc6f7fbf428acd5549e835832535896a0153520b39",
        csv: "4906b9e65c4c1db64b75ae4aff88d356fa726a59c832a4e77527473a740a0e6f",
    },
    Pinned {
        name: "OU noise, exact, free membrane, histograms",
        settings: &[
            "input.noise=ou",
            "input.tau_noise=\"3 ms\"",
            "simulation.method=exact",
            "neuron.v_th=none",
            "simulation.n=2000",
            "record.hist_times=[\"10 ms\", \"100 ms\"]",
        ],
        npz: "5e53a4d137911a2365af72e8d44783f1d9859c658c00edb1dbeeaae2e961f025",
        csv: "9b2aa0f1d85269f7215dc8c380e25775ac097d1d3c6de6b56bdb64e4759a2242",
    },
    Pinned {
        name: "no noise, sine drive, euler, spikes",
        settings: &[
            "input.noise=none",
            "input.kind=sine",
            "input.frequency=\"40 Hz\"",
            "input.amplitude=\"100 pA\"",
            "simulation.n=3",
            "neuron.t_ref=\"3 ms\"",
            "record.every=2",
        ],
        npz: "cb8734a59b9d3132e03d5982b6b5f53e957c2ca4870b8fa3ca7d9728943b5dec",
        csv: "d12641dc4ab9ffcbef1c49cd30308f6a2c0bf1c324572188c3ca7522d0b4aa81",
    },
    Pinned {
        name: "white noise, euler, grid, step drive, seed 7",
        settings: &[
            "input.noise=white",
            "input.sigma_v=\"3 mV\"",
            "input.kind=step",
            "input.start=\"50 ms\"",
            "simulation.seed=7",
            "simulation.n=777",
            "neuron.t_ref=0",
            "record.hist_bins=12",
        ],
        npz: "bce43a2b93a97e73a2786bd38360debfeaec95978eab605b377adddb74a85031",
        csv: "39d631fe0b0da6a4d1dbc63de3fc12545673d4cf5c52cf073e21c45e988a43b9",
    },
    Pinned {
        name: "tutorial noise, exact, sine drive, free membrane",
        settings: &[
            "simulation.method=exact",
            "input.kind=sine",
            "neuron.v_th=none",
            "simulation.n=1500",
            "record.traces=0",
        ],
        npz: "293322215a3a070816f34c9dd28ce023a7a684e9229a29cbf181388a222e187e",
        csv: "9b2aa0f1d85269f7215dc8c380e25775ac097d1d3c6de6b56bdb64e4759a2242",
    },
];

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs every pinned configuration and compares the hashes; prints them all first, so that a
/// deliberate change can copy the new values.
#[test]
fn result_files_are_bit_identical_to_the_pinned_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    for (i, pinned) in PINNED.iter().enumerate() {
        let out = dir.path().join(format!("run{i}"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_lifsim"));
        command.args(["run", "--quiet", "--no-plots", "--out", out.to_str().unwrap()]);
        for setting in pinned.settings {
            command.args(["--set", setting]);
        }
        let output = command.output().expect("the lifsim binary runs");
        assert!(output.status.success(), "{}: {}", pinned.name, String::from_utf8_lossy(&output.stderr));
        let (npz, csv) = (sha256(&out.join("results.npz")), sha256(&out.join("spikes.csv")));
        println!("{}\n  npz: \"{npz}\",\n  csv: \"{csv}\",", pinned.name);
        if npz != pinned.npz || csv != pinned.csv {
            mismatches.push(pinned.name);
        }
    }
    assert!(mismatches.is_empty(), "result files changed for: {mismatches:#?}");
}
