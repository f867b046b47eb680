//! `lifsim validate`: a fixed suite of simulations checked against theory, printed as a table.
//!
//! Rules (docs/VALIDATION.md explains them):
//! - free-membrane moments are compared with the exact moments of the discrete scheme
//!   (`theory::free_membrane_moments`), spike counts without noise with the exact spike steps of
//!   the scheme (`theory::grid_spike_steps`); no allowance;
//! - rates and ISI CVs are compared with Siegert / Brunel only for white noise with exact
//!   integration at dt = 0.05 ms: with `crossing = "bridge"` directly, with `crossing = "grid"`
//!   against the theory at the threshold raised by 0.5826 times the per-step noise standard
//!   deviation (Siegmund's correction for discrete monitoring); the remaining O(dt) error
//!   (the spike is timed at the end of its step, so the dead time differs from t_ref by at most
//!   dt) is allowed for as `nu^2 dt` on rates and `CV nu dt` on CVs;
//! - ISIs are counted inside a window of 10 s (quick) or 40 s (full), long against every ISI,
//!   since a finite window biases the CV low by about `CV^2 E[ISI] / T`;
//! - a check passes when `|sim - theory| <= 4.5 SE + allowance`, SE from the data;
//! - then a convergence table: workload W's neuron (mu = -35 mV, sigma_v = 5 mV, t_ref = 2 ms,
//!   exact integration) at dt = 1, 0.5, 0.2, 0.1 and 0.05 ms with each crossing rule, the rate
//!   against Siegert with its SE (`--quick`: fewer neurons). The `"precise"` rows are checks
//!   without allowance (that rule has no O(dt) bias); the others show their bias.

use crate::failure::Failure;
use clap::Args;
use lifsim::analysis::{Window, batch_cv, mean_rate, sample_moments, spike_counts};
use lifsim::model::integrate::StepConstants;
use lifsim::theory::WhiteNoiseLif;
use lifsim::{Config, Recording, Simulation, Value, theory};
use std::time::Instant;

/// Arguments of `lifsim validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The short suite (under a minute in release on 2 cores), as CI runs it.
    #[arg(long)]
    pub quick: bool,
}

/// Z-score bound of a pass.
const Z_PASS: f64 = 4.5;

/// Siegmund's constant `-zeta(1/2)/sqrt(2 pi)`: the mean overshoot of a Gaussian random walk
/// over a far barrier, in step standard deviations (Siegmund 1979; Broadie, Glasserman & Kou 1997).
const SIEGMUND: f64 = 0.5826;

/// One compared quantity.
struct Check {
    scenario: String,
    quantity: &'static str,
    sim: f64,
    se: f64,
    theory: f64,
    allowance: f64,
}

impl Check {
    fn z(&self) -> f64 {
        (self.sim - self.theory) / self.se
    }

    fn passes(&self) -> bool {
        let diff = (self.sim - self.theory).abs();
        if self.se == 0.0 {
            diff <= 1e-12 * self.theory.abs().max(1e-300) + self.allowance
        } else {
            diff <= Z_PASS * self.se + self.allowance
        }
    }
}

/// Runs the suite and prints its table; a failed check is a runtime failure (exit 1).
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let scale = if args.quick { 1 } else { 4 };
    let mut checks = Vec::new();
    free_membrane(&mut checks, scale)?;
    deterministic_spikes(&mut checks)?;
    first_passage(&mut checks, scale)?;
    let convergence = convergence(&mut checks, scale)?;
    println!(
        "{:<44} {:<14} {:>14} {:>11} {:>14} {:>10} {:>7}  result",
        "scenario", "quantity", "simulation", "SE", "theory", "allowance", "z"
    );
    let mut failed = 0;
    for c in &checks {
        let z = if c.se == 0.0 { "exact".to_string() } else { format!("{:.2}", c.z()) };
        let result = if c.passes() { "PASS" } else { "FAIL" };
        failed += usize::from(!c.passes());
        println!(
            "{:<44} {:<14} {:>14.6e} {:>11.3e} {:>14.6e} {:>10.2e} {:>7}  {result}",
            c.scenario, c.quantity, c.sim, c.se, c.theory, c.allowance, z
        );
    }
    println!();
    println!(
        "convergence: rate vs Siegert, mu -35 mV, sigma_v 5 mV, t_ref 2 ms, exact, n = {}, window {:.2} s",
        convergence.n, convergence.window
    );
    println!(
        "{:>8} {:>9} {:>12} {:>9} {:>12} {:>9} {:>7}",
        "dt (ms)", "crossing", "rate (Hz)", "SE", "Siegert", "diff (%)", "z"
    );
    for r in &convergence.rows {
        println!(
            "{:>8} {:>9} {:>12.4} {:>9.4} {:>12.4} {:>9.3} {:>7.2}",
            r.dt_ms,
            r.crossing,
            r.rate,
            r.se,
            r.theory,
            100.0 * (r.rate - r.theory) / r.theory,
            (r.rate - r.theory) / r.se
        );
    }
    println!(
        "{} checks, {} failed, {:.1} s ({} suite)",
        checks.len(),
        failed,
        started.elapsed().as_secs_f64(),
        if args.quick { "quick" } else { "full" }
    );
    if failed > 0 { Err(Failure::Runtime(format!("{failed} validation checks failed"))) } else { Ok(()) }
}

/// A simulation from the defaults and `settings`.
fn build(settings: &[(&str, Value)]) -> Result<Simulation, Failure> {
    let mut config = Config::default();
    for (key, value) in settings {
        config.set(key, value)?;
    }
    Ok(config.build()?)
}

fn run(sim: &Simulation) -> Result<Recording, Failure> {
    Ok(lifsim::run_with(sim, crate::signals::keep_going)?)
}

/// Moments of the free membrane at each histogram time against the exact discrete moments,
/// with the standard errors of [`sample_moments`].
fn free_membrane(checks: &mut Vec<Check>, scale: u64) -> Result<(), Failure> {
    let n = Value::from(10_000 * scale);
    let none = Value::from("none");
    let scenarios: [(&str, Vec<(&str, Value)>); 5] = [
        ("tutorial noise, euler, free", vec![("neuron.v_th", none.clone())]),
        ("white noise, euler, free", vec![("neuron.v_th", none.clone()), ("input.noise", "white".into())]),
        (
            "white noise, exact, free",
            vec![("neuron.v_th", none.clone()), ("input.noise", "white".into()), ("simulation.method", "exact".into())],
        ),
        (
            "ou noise, exact, free",
            vec![("neuron.v_th", none.clone()), ("input.noise", "ou".into()), ("simulation.method", "exact".into())],
        ),
        (
            "tutorial noise, sine drive, euler, free",
            vec![("neuron.v_th", none), ("input.kind", "sine".into()), ("input.amplitude", "100 pA".into())],
        ),
    ];
    for (name, mut settings) in scenarios {
        settings.push(("simulation.n", n.clone()));
        let sim = build(&settings)?;
        let rec = run(&sim)?;
        let exact = theory::free_membrane_moments(&sim);
        for h in &rec.histograms {
            let m = sample_moments(&h.values);
            let scenario = format!("{name}, t = {:.0} ms", h.time * 1e3);
            checks.push(Check {
                scenario: scenario.clone(),
                quantity: "V mean (V)",
                sim: m.mean.value,
                se: m.mean.se,
                theory: exact.mean[h.step],
                allowance: 0.0,
            });
            checks.push(Check {
                scenario,
                quantity: "V var (V^2)",
                sim: m.var.value,
                se: m.var.se,
                theory: exact.var[h.step],
                allowance: 0.0,
            });
        }
    }
    Ok(())
}

/// The tutorial model without noise, with and without refractoriness, both methods: the
/// spike count per neuron equals the exact count of the discrete scheme.
fn deterministic_spikes(checks: &mut Vec<Check>) -> Result<(), Failure> {
    for (name, t_ref, method) in [
        ("tutorial, no noise, t_ref 10 ms, euler", "10 ms", "euler"),
        ("tutorial, no noise, t_ref 0, euler", "0 ms", "euler"),
        ("tutorial, no noise, t_ref 2 ms, exact", "2 ms", "exact"),
    ] {
        let sim = build(&[
            ("input.noise", "none".into()),
            ("neuron.t_ref", t_ref.into()),
            ("simulation.method", method.into()),
            ("simulation.t_max", "1 s".into()),
            ("simulation.n", Value::Int(10)),
        ])?;
        let rec = run(&sim)?;
        let grid = theory::grid_spike_steps(&sim)
            .ok_or_else(|| Failure::Runtime(format!("{name}: no exact spike steps for this scenario")))?;
        let mean = rec.spike_count.iter().map(|&c| f64::from(c)).sum::<f64>() / rec.n as f64;
        checks.push(Check {
            scenario: name.to_string(),
            quantity: "spikes/neuron",
            sim: mean,
            se: 0.0,
            theory: grid.count_until(sim.steps() - 1) as f64,
            allowance: 0.0,
        });
    }
    Ok(())
}

/// One row of the convergence table.
struct ConvergenceRow {
    dt_ms: f64,
    crossing: &'static str,
    rate: f64,
    se: f64,
    theory: f64,
}

/// The convergence table and its run's size.
struct Convergence {
    n: u64,
    window: f64,
    rows: Vec<ConvergenceRow>,
}

/// Workload W's neuron (exact integration) at five steps with each crossing rule: the rate in
/// a 1.8 s window after a 200 ms transient against Siegert, SE from the per-neuron counts
/// (independent neurons). The `"precise"` rows are also checks, without allowance.
fn convergence(checks: &mut Vec<Check>, scale: u64) -> Result<Convergence, Failure> {
    let n = 500 * scale;
    let mut rows = Vec::new();
    let mut window = 0.0;
    for dt_ms in [1.0, 0.5, 0.2, 0.1, 0.05] {
        for crossing in ["grid", "bridge", "precise"] {
            let sim = build(&[
                ("input.noise", "white".into()),
                ("input.sigma_v", "5 mV".into()),
                ("input.i_mean", "250 pA".into()),
                ("neuron.t_ref", "2 ms".into()),
                ("simulation.method", "exact".into()),
                ("simulation.crossing", crossing.into()),
                ("simulation.dt", Value::Float(dt_ms * 1e-3)),
                ("simulation.t_max", "2 s".into()),
                ("simulation.n", Value::from(n)),
                ("record.hist_times", Value::List(Vec::new())),
                ("record.traces", Value::Int(0)),
                ("analysis.t_start", "200 ms".into()),
            ])?;
            let rec = run(&sim)?;
            let nu = WhiteNoiseLif::for_simulation(&sim)
                .ok_or_else(|| Failure::Runtime("convergence: no first-passage theory".into()))?
                .rate_hz();
            let w = Window::of(&rec, sim.analysis());
            window = w.duration();
            let rate = mean_rate(&spike_counts(&rec, &w), w.duration());
            if crossing == "precise" {
                checks.push(Check {
                    scenario: format!("white, W neuron, dt {dt_ms} ms, precise"),
                    quantity: "rate (Hz)",
                    sim: rate.rate_hz,
                    se: rate.se_hz,
                    theory: nu,
                    allowance: 0.0,
                });
            }
            rows.push(ConvergenceRow { dt_ms, crossing, rate: rate.rate_hz, se: rate.se_hz, theory: nu });
        }
    }
    Ok(Convergence { n, window, rows })
}

/// White noise with spikes: rate and ISI CV against Siegert / Brunel, from mean-driven to
/// fluctuation-driven, with the bridge and (corrected) grid crossing rules.
fn first_passage(checks: &mut Vec<Check>, scale: u64) -> Result<(), Failure> {
    let regimes: [(&str, &str, &str, &str); 4] = [
        ("mean-driven", "-40 mV", "5 mV", "bridge"),
        ("near threshold", "-50 mV", "4 mV", "bridge"),
        ("fluctuation-driven", "-56 mV", "4 mV", "bridge"),
        ("mean-driven, grid + Siegmund", "-40 mV", "5 mV", "grid"),
    ];
    for (regime, mu, sigma_v, crossing) in regimes {
        let mu_v = lifsim::units::parse_quantity(mu, lifsim::units::Dimension::Voltage).unwrap_or(f64::NAN);
        let e_l = -60e-3;
        let i_mean = (mu_v - e_l) / 100e6;
        let sim = build(&[
            ("input.noise", "white".into()),
            ("input.sigma_v", sigma_v.into()),
            ("input.i_mean", Value::Float(i_mean)),
            ("neuron.t_ref", "2 ms".into()),
            ("simulation.method", "exact".into()),
            ("simulation.crossing", crossing.into()),
            ("simulation.dt", "0.05 ms".into()),
            // Long trains, few neurons: intervals counted only inside a window of length T are
            // biased short by about CV^2 E[ISI] / T (long intervals fit less often), so T must be
            // far longer than the ISI (10 s vs at most 0.13 s here) for that bias to stay << SE.
            ("simulation.t_max", Value::Float(0.2 + 10.0 * scale as f64)),
            ("simulation.n", Value::from(100 * scale)),
            ("record.hist_times", Value::List(Vec::new())),
            ("record.traces", Value::Int(0)),
            ("analysis.t_start", "200 ms".into()),
        ])?;
        let rec = run(&sim)?;
        let mut p = WhiteNoiseLif::for_simulation(&sim)
            .ok_or_else(|| Failure::Runtime(format!("{regime}: no first-passage theory")))?;
        if crossing == "grid" {
            p = p.with_threshold_shift(SIEGMUND * StepConstants::new(&sim).noise_scale);
        }
        let (nu, theory_cv) = (p.rate_hz(), p.cv_isi());
        let window = Window::of(&rec, sim.analysis());
        let rate = mean_rate(&spike_counts(&rec, &window), window.duration());
        let scenario = format!("white, {regime}, mu {mu}, sigma_v {sigma_v}, {crossing}");
        checks.push(Check {
            scenario: scenario.clone(),
            quantity: "rate (Hz)",
            sim: rate.rate_hz,
            se: rate.se_hz,
            theory: nu,
            allowance: nu * nu * sim.dt(),
        });
        let cv = batch_cv(&rec, &window, 20);
        checks.push(Check {
            scenario,
            quantity: "ISI CV",
            sim: cv.value,
            se: cv.se,
            theory: theory_cv,
            allowance: theory_cv * nu * sim.dt(),
        });
    }
    Ok(())
}
