//! Precise spike timing (`simulation.crossing = "precise"`) against closed forms and theory.
//!
//! - Without noise, every spike time equals the closed form of continuous time, for any dt:
//!   the first at `tau ln((mu - v_init)/(mu - v_th))`, then one every
//!   `t_ref + tau ln((mu - v_reset)/(mu - v_th))`, to 1e-12 s.
//! - With white noise (workload W's neuron, exact integration), the rate agrees with Siegert's
//!   formula and the ISI CV with Brunel's within 4.5 standard errors computed from the same
//!   run, with no allowance for a bias, at dt = 0.1 ms and 0.5 ms (heavy: release builds only,
//!   `cargo test --release -p lifsim --test precise_spikes`).
//! - The spikes and their times are bit-identical for 1 and 2 threads.

mod common;
use common::{build, int, s};
use lifsim::analysis::{Window, batch_means, mean_rate, spike_counts};
use lifsim::theory::WhiteNoiseLif;
use lifsim::{Recording, Simulation, Value};

const TAU_M: f64 = 20e-3;
const V_RESET: f64 = -70e-3;
const V_TH: f64 = -50e-3;
const V_INIT: f64 = -60e-3;

/// A noise-free ensemble of 3 neurons with drive `mu` (V), refractory period `t_ref` and step
/// `dt` (s), for `t_max` (s).
fn deterministic(mu: f64, t_ref: f64, dt: f64, t_max: f64) -> Simulation {
    build(&[
        ("input.noise", s("none")),
        ("input.i_mean", Value::Float((mu - V_INIT) / 100e6)),
        ("neuron.t_ref", Value::Float(t_ref)),
        ("simulation.method", s("exact")),
        ("simulation.crossing", s("precise")),
        ("simulation.dt", Value::Float(dt)),
        ("simulation.t_max", Value::Float(t_max)),
        ("simulation.n", int(3)),
    ])
}

/// Spike times of the closed form, neuron by neuron identical, against the run: every time to
/// 1e-12 s, every step the one whose update holds the time (`t_{k-1} < t <= t_k`).
fn check_closed_form(mu: f64, t_ref: f64, dt: f64) {
    let t_max = 0.5;
    let sim = deterministic(mu, t_ref, dt, t_max);
    let rec = lifsim::run(&sim).expect("runs");
    let first = TAU_M * ((mu - V_INIT) / (mu - V_TH)).ln();
    let isi = t_ref + TAU_M * ((mu - V_RESET) / (mu - V_TH)).ln();
    let last_time = sim.time(sim.steps() - 1);
    let expected: Vec<f64> = (0..).map(|m| first + f64::from(m) * isi).take_while(|&t| t <= last_time - 1e-9).collect();
    let label = format!("mu {mu}, t_ref {t_ref}, dt {dt}");
    assert!(expected.len() > 5, "{label}: too few spikes to test");
    assert!(rec.spikes.is_timed(), "{label}: precise spikes carry their times");
    assert_eq!(rec.spikes.len(), 3 * expected.len(), "{label}: spike count");
    for neuron in 0..3u32 {
        let got: Vec<(f64, u32)> = (0..rec.spikes.len())
            .filter(|&i| rec.spikes.neuron[i] == neuron)
            .map(|i| (rec.spikes.time[i], rec.spikes.step[i]))
            .collect();
        for (m, (&want, &(time, step))) in expected.iter().zip(&got).enumerate() {
            assert!((time - want).abs() < 1e-12, "{label}: spike {m} at {time} s, closed form {want} s");
            let k = step as usize;
            assert!(sim.time(k - 1) <= time && time <= sim.time(k), "{label}: spike {m} at {time} s in step {k}");
        }
    }
    let times = rec.spike_times();
    assert_eq!(times, rec.spikes.time);
}

/// The closed-form spike train at dt = 0.1, 0.3 and 1 ms, with t_ref = 2 ms (the step then
/// holds at most one spike), and with t_ref shorter than the step or 0 (the refractory period
/// ends inside the step of the spike, whose rest is integrated from v_reset).
#[test]
fn noise_free_spike_times_are_the_closed_form_for_any_dt() {
    for dt in [0.1e-3, 0.3e-3, 1e-3] {
        check_closed_form(-35e-3, 2e-3, dt);
        check_closed_form(-45e-3, 2e-3, dt);
    }
    check_closed_form(-35e-3, 0.25e-3, 1e-3);
    check_closed_form(-35e-3, 0.0, 0.3e-3);
}

/// A drive so strong that a neuron spikes several times in one step (t_ref = 0, ISI 1.33 ms,
/// dt = 3 ms): still the closed form, every spike in its step.
#[test]
fn several_spikes_in_one_step_keep_their_times() {
    check_closed_form(0.24, 0.0, 3e-3);
}

/// Workload W's neuron with white noise, exact integration and precise crossings.
fn white(dt: &str, n: i64, t_max: &str) -> Simulation {
    build(&[
        ("input.noise", s("white")),
        ("input.sigma_v", s("5 mV")),
        ("input.i_mean", s("250 pA")),
        ("neuron.t_ref", s("2 ms")),
        ("simulation.method", s("exact")),
        ("simulation.crossing", s("precise")),
        ("simulation.dt", s(dt)),
        ("simulation.t_max", s(t_max)),
        ("simulation.n", int(n)),
        ("record.traces", int(2)),
        ("analysis.t_start", s("200 ms")),
    ])
}

/// 1 and 2 threads give the same spikes, times and moments, bit for bit.
#[test]
fn precise_results_do_not_depend_on_threads() {
    let sim = white("0.5 ms", 2000, "0.3 s");
    let runs: Vec<Recording> = [1, 2]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            pool.install(|| lifsim::run(&sim)).expect("runs")
        })
        .collect();
    assert!(runs[0].spikes.len() > 1000, "{} spikes", runs[0].spikes.len());
    let bits = |r: &Recording| -> Vec<u64> {
        r.spikes.time.iter().chain(&r.v_mean).chain(&r.v_var).chain(&r.traces.values).map(|x| x.to_bits()).collect()
    };
    assert_eq!(bits(&runs[0]), bits(&runs[1]));
    assert_eq!(runs[0], runs[1]);
    // Off the grid: almost no spike sits exactly on a grid point.
    let on_grid =
        (0..runs[0].spikes.len()).filter(|&i| runs[0].spikes.time[i] == sim.time(runs[0].spikes.step[i] as usize));
    assert!(on_grid.count() < 10);
}

/// Neuron groups for the batch means (neuron i in group i mod GROUPS).
const GROUPS: usize = 40;

/// Rate and ISI CV of a precise white-noise run (n = 2e4, 2 s, after a 200 ms transient)
/// against Siegert and Brunel, within 4.5 standard errors from the run itself: the rate's from
/// batch means over neuron groups, the CV's from batch means over the same groups.
///
/// The CV is estimated from the intervals inside the window, each weighted by `1/(T - L)`
/// (`T` the window, `L` the interval): an interval of length L fits inside the window with a
/// probability proportional to `T - L`, so the plain pooled CV of a 1.8 s window is biased low
/// by about `CV^2 E[ISI]/T` (several SE here); the weights undo that sampling exactly for a
/// stationary renewal process.
fn check_against_siegert(dt: &str) {
    let sim = white(dt, 20_000, "2 s");
    let rec = lifsim::run(&sim).expect("runs");
    let theory = WhiteNoiseLif::for_simulation(&sim).expect("Siegert applies");
    let window = Window::of(&rec, sim.analysis());
    let counts = spike_counts(&rec, &window);
    let duration = window.duration();
    let groups: Vec<f64> = (0..GROUPS)
        .map(|g| {
            let group: Vec<u32> = counts.iter().skip(g).step_by(GROUPS).copied().collect();
            mean_rate(&group, duration).rate_hz
        })
        .collect();
    let rate = batch_means(&groups);
    let z_rate = (rate.value - theory.rate_hz()) / rate.se;
    // Weighted ISI moments per group.
    let mut sums = vec![[0.0f64; 3]; GROUPS];
    let mut last = vec![f64::NAN; rec.n];
    for i in 0..rec.spikes.len() {
        if !window.contains(rec.spikes.step[i]) {
            continue;
        }
        let (neuron, time) = (rec.spikes.neuron[i] as usize, rec.spikes.time[i]);
        let previous = std::mem::replace(&mut last[neuron], time);
        if previous.is_nan() {
            continue;
        }
        let interval = time - previous;
        let weight = 1.0 / (duration - interval);
        let sum = &mut sums[neuron % GROUPS];
        sum[0] += weight;
        sum[1] += weight * interval;
        sum[2] += weight * interval * interval;
    }
    let cv_of = |[w, s1, s2]: [f64; 3]| {
        let mean = s1 / w;
        (s2 / w - mean * mean).sqrt() / mean
    };
    let group_cvs: Vec<f64> = sums.iter().map(|&s| cv_of(s)).collect();
    let all = sums.iter().fold([0.0; 3], |a, s| [a[0] + s[0], a[1] + s[1], a[2] + s[2]]);
    let cv = cv_of(all);
    let cv_se = batch_means(&group_cvs).se;
    let z_cv = (cv - theory.cv_isi()) / cv_se;
    println!(
        "dt {dt}: rate {:.4} +- {:.4} Hz vs Siegert {:.4} (z {z_rate:.2}); CV {cv:.5} +- {cv_se:.5} vs {:.5} (z {z_cv:.2})",
        rate.value,
        rate.se,
        theory.rate_hz(),
        theory.cv_isi()
    );
    assert!(z_rate.abs() < 4.5, "dt {dt}: rate {} +- {} Hz, Siegert {} Hz", rate.value, rate.se, theory.rate_hz());
    assert!(z_cv.abs() < 4.5, "dt {dt}: CV {cv} +- {cv_se}, Brunel {}", theory.cv_isi());
}

#[test]
#[cfg_attr(debug_assertions, ignore = "heavy (4e8 neuron-steps): cargo test --release -p lifsim --test precise_spikes")]
fn white_noise_rate_and_cv_match_siegert_at_dt_0_1_ms() {
    check_against_siegert("0.1 ms");
}

#[test]
#[cfg_attr(debug_assertions, ignore = "heavy (8e7 neuron-steps): cargo test --release -p lifsim --test precise_spikes")]
fn white_noise_rate_and_cv_match_siegert_at_dt_0_5_ms() {
    check_against_siegert("0.5 ms");
}
