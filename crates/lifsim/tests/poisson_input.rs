//! Poisson (shot-noise) input against theory: the free membrane's exact discrete-time moments
//! (Campbell's theorem for each step's counts) and, in the diffusion limit (small jumps at high
//! rates), the Siegert rate. Tolerances are 4.5 standard errors computed from the data.

mod common;
use common::{build, int, s};
use lifsim::analysis::{Window, batch_cv, mean_rate, sample_moments, spike_counts};
use lifsim::theory::{WhiteNoiseLif, free_membrane_moments, stationary_moments};
use lifsim::{Value, run};

/// E and I input with a net depolarizing drift, no threshold: V at three times has the exact
/// mean and variance of the discrete scheme (both methods).
#[test]
fn free_membrane_moments_match_the_exact_discrete_theory() {
    for method in ["euler", "exact"] {
        let sim = build(&[
            ("simulation.method", s(method)),
            ("simulation.dt", s("0.1 ms")),
            ("simulation.t_max", s("100 ms")),
            ("simulation.n", int(20_000)),
            ("neuron.v_th", s("none")),
            ("input.i_mean", s("0 pA")),
            ("input.noise", s("poisson")),
            ("input.rate_e", s("20 kHz")),
            ("input.weight_e", s("0.1 mV")),
            ("input.rate_i", s("4 kHz")),
            ("input.weight_i", s("-0.5 mV")),
            ("record.hist_times", Value::List(vec![s("2 ms"), s("20 ms"), s("99.9 ms")])),
        ]);
        let rec = run(&sim).unwrap();
        let theory = free_membrane_moments(&sim);
        for h in &rec.histograms {
            let m = sample_moments(&h.values);
            let (mean, var) = (theory.mean[h.step], theory.var[h.step]);
            assert!(
                (m.mean.value - mean).abs() < 4.5 * m.mean.se,
                "{method} t={}: mean {:?} vs {mean}",
                h.time,
                m.mean
            );
            assert!((m.var.value - var).abs() < 4.5 * m.var.se, "{method} t={}: var {:?} vs {var}", h.time, m.var);
        }
        // The last step is near the stationary state: mu + tau (w_e r_e + w_i r_i) = -60 mV + 0 mV.
        let (mu, var) = stationary_moments(&sim);
        assert!((mu - (-60e-3)).abs() < 1e-12, "{mu}");
        assert!((var - 20e-3 * (1e-8 * 20e3 + 25e-8 * 4e3) / 2.0).abs() < 1e-18, "{var}");
    }
}

/// Many small jumps (0.02 mV at 1.1 MHz each way, net drift to -50 mV, sigma_v 3 mV): the rate
/// and ISI CV of the grid rule match Siegert / Brunel at the threshold raised by Siegmund's
/// 0.5826 per-step standard deviations (as `lifsim validate` does for white noise), within 4.5 SE
/// plus the O(dt) dead-time allowance `nu^2 dt` (rate) and `CV nu dt` (CV).
#[test]
fn the_diffusion_limit_matches_siegert() {
    let sim = build(&[
        ("simulation.method", s("exact")),
        ("simulation.dt", s("0.05 ms")),
        ("simulation.t_max", s("4.2 s")),
        ("simulation.n", int(400)),
        ("neuron.t_ref", s("2 ms")),
        ("input.i_mean", s("0 pA")),
        ("input.noise", s("poisson")),
        ("input.rate_e", s("1.1375 MHz")),
        ("input.weight_e", s("0.02 mV")),
        ("input.rate_i", s("1.1125 MHz")),
        ("input.weight_i", s("-0.02 mV")),
        ("record.traces", int(0)),
        ("record.hist_times", Value::List(vec![])),
        ("analysis.t_start", s("200 ms")),
    ]);
    let rec = run(&sim).unwrap();
    let p = WhiteNoiseLif::for_simulation(&sim).expect("the diffusion approximation applies");
    assert!((p.mu - (-50e-3)).abs() < 1e-9 && (p.sigma_v - 3e-3).abs() < 1e-6, "{p:?}");
    let input = match sim.input().noise {
        lifsim::Noise::Poisson(input) => input,
        _ => unreachable!(),
    };
    let step_sd = (input.drift_variance() * sim.dt()).sqrt();
    let shifted = p.with_threshold_shift(0.5826 * step_sd);
    let (nu, cv) = (shifted.rate_hz(), shifted.cv_isi());
    let window = Window::of(&rec, sim.analysis());
    let rate = mean_rate(&spike_counts(&rec, &window), window.duration());
    assert!(rate.rate_hz > 5.0, "{rate:?}");
    assert!((rate.rate_hz - nu).abs() <= 4.5 * rate.se_hz + nu * nu * sim.dt(), "rate {rate:?} vs Siegert {nu}");
    let measured = batch_cv(&rec, &window, 20);
    assert!((measured.value - cv).abs() <= 4.5 * measured.se + cv * nu * sim.dt(), "CV {measured:?} vs {cv}");
}
