//! `lifsim tutorial`: the deck's exercises 2-12, each with its own parameters and size, as one
//! figure per exercise (`exNN.png`/`.svg`) and a `report.html` that walks through them.

use crate::plot::{CountsPlot, DtStudyPlot, HistogramPlot, MomentsPlot, RasterPlot, Source, VoltagePlot, Written};
use crate::setup::Failure;
use clap::Args;
use lifsim::{Config, Recording, Simulation, Value};
use lifsim_io::OutputSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lifsim tutorial`.
#[derive(Args, Debug)]
pub struct TutorialArgs {
    /// Output directory (created if missing).
    #[arg(long, default_value = "lifsim-tutorial")]
    pub out: PathBuf,
    /// No closing message.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The integration steps of exercise 10's dt study (s).
const DT_STUDY: [f64; 4] = [1e-3, 0.5e-3, 0.25e-3, 0.1e-3];

/// What the report says before the figures.
const INTRO: &str = "Each figure below reproduces one exercise of the CCNSS 2017 LIF tutorial with the deck's own \
    parameters (tau_m = 20 ms, E_L = -60 mV, V_reset = -70 mV, V_th = -50 mV, R = 100 Mohm, I_mean = 250 pA, \
    noise factor 0.1, dt = 1 ms, t_max = 150 ms) and ensemble size. Every figure is drawn from the recording of \
    one run and the closed-form theory for the same setup; nothing is re-simulated for drawing.";

/// The default configuration with `changes` (key, value) applied.
fn config(changes: &[(&str, Value)]) -> Result<Config, Failure> {
    let mut config = Config::default();
    for (key, value) in changes {
        config.set(key, value).map_err(|e| Failure::Runtime(format!("tutorial setup, {key}: {e}")))?;
    }
    Ok(config)
}

/// Builds and runs one configuration.
fn simulate(config: &Config) -> Result<(Simulation, Recording), Failure> {
    let sim = config.build()?;
    let rec = lifsim::run(&sim)?;
    Ok((sim, rec))
}

/// The free membrane of exercises 2-8 (no threshold yet) with `n` neurons and `noise`.
fn free(n: i64, noise: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("simulation.n", Value::from(n)),
        ("neuron.v_th", Value::from("none")),
        ("neuron.t_ref", Value::from(0.0)),
        ("input.noise", Value::from(noise)),
    ]
}

/// Runs every exercise and writes its figure and the report into `args.out`.
pub fn tutorial(args: &TutorialArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let io = |e: std::io::Error| Failure::Runtime(e.to_string());
    let mut out = OutputSet::new(&args.out).map_err(io)?;
    let mut shown: Vec<Written> = Vec::new();
    let mut add = |written: std::io::Result<Written>| -> Result<(), Failure> {
        shown.push(written.map_err(io)?);
        Ok(())
    };

    let mut sine = free(1, "none");
    sine.extend([("input.kind", Value::from("sine")), ("input.frequency", Value::from("100 Hz"))]);
    let (sim, rec) = simulate(&config(&sine)?)?;
    let title = "Exercises 2-3: Euler integration of V(t) with a sinusoidal input";
    add(Written::add(
        &mut out,
        "ex02",
        &VoltagePlot { source: Source::new(&sim, &rec, title), traces: 1, mean: false, band: false },
        "One neuron driven by I(t) = I_mean (1 + sin(2 pi t / 10 ms)), forward Euler with dt = 1 ms. V rises from \
             E_L = -60 mV towards E_L + R I_mean = -35 mV and settles into a periodic orbit of 10 steps around it.",
    ))?;

    let (sim, rec) = simulate(&config(&free(1, "tutorial"))?)?;
    add(Written::add(
        &mut out,
        "ex04",
        &VoltagePlot {
            source: Source::new(&sim, &rec, "Exercise 4: one trace with stochastic input"),
            traces: 1,
            mean: false,
            band: false,
        },
        "One neuron with the tutorial's noise I = I_mean (1 + 0.1 sqrt(t_max/dt) xi), xi ~ U(-1, 1): V relaxes \
             towards -35 mV with fluctuations of a few mV (theory: stationary sd about 2.8 mV).",
    ))?;

    let (sim, rec) = simulate(&config(&free(50, "tutorial"))?)?;
    for (name, heading, mean, band, caption) in [
        (
            "ex05",
            "Exercise 5: an ensemble of 50 realizations",
            false,
            false,
            "Fifty independent realizations of the same noisy neuron: they start together at E_L and spread as \
             the noise accumulates.",
        ),
        (
            "ex06",
            "Exercise 6: the sample mean over realizations",
            true,
            false,
            "The ensemble mean (thick) follows the noise-free relaxation E_L + R I_mean (1 - exp(-t/tau_m)) towards \
             -35 mV; the noise averages out.",
        ),
        (
            "ex07",
            "Exercise 7: mean ± standard deviation",
            true,
            true,
            "The band is the mean ± one sample standard deviation (1/(n-1)); theory: the variance grows from 0 and \
             saturates after a few tau_m at about 8 mV² (sd ≈ 2.8 mV).",
        ),
    ] {
        let traces = if band { 0 } else { 50 };
        let plot = VoltagePlot { source: Source::new(&sim, &rec, heading), traces, mean, band };
        add(Written::add(&mut out, name, &plot, caption))?;
    }

    let (sim, rec) = simulate(&config(&free(10_000, "tutorial"))?)?;
    let heading = "Exercise 8: histograms of V over 10 000 realizations";
    add(Written::add(
        &mut out,
        "ex08",
        &HistogramPlot(Source::new(&sim, &rec, heading)),
        "V across 10 000 free membranes at t_max/10 and at the end of the run. The curves are Gaussians with the \
             exact mean and variance of the discrete scheme at those steps: at 15 ms V is still on its way from \
             E_L = -60 mV (mean about -47 mV); at the end it is centred near E_L + R I_mean = -35 mV.",
    ))?;

    let (sim, rec) = simulate(&config(&[("simulation.n", Value::from(500)), ("neuron.t_ref", Value::from(0.0))])?)?;
    let heading = "Exercise 9: spikes, raster and population activity";
    add(Written::add(
        &mut out,
        "ex09",
        &RasterPlot(Source::new(&sim, &rec, heading)),
        "500 neurons with threshold -50 mV and reset to -70 mV, no refractory period. All start at E_L, so the \
             first spikes are synchronous and the population rate (activity / dt, in Hz) rings before the neurons \
             desynchronize.",
    ))?;

    let mut runs = Vec::new();
    for dt in DT_STUDY {
        runs.push(simulate(&config(&[("simulation.n", Value::from(500)), ("simulation.dt", Value::from(dt))])?)?);
    }
    let heading = "Exercise 10: refractory period 10 ms and the integration step";
    add(Written::add(
        &mut out,
        "ex10",
        &DtStudyPlot { runs: &runs, title: heading.into() },
        "With t_ref = 10 ms, the same 500-neuron ensemble at dt = 1, 0.5, 0.25 and 0.1 ms (the noise keeps its \
             sqrt(t_max/dt) scaling, so it tends to white noise). The rate curves and the mean rates settle as dt \
             shrinks. Two grid effects shift coarse-dt rates in opposite directions: the threshold is checked only \
             on the grid (crossings between grid points are missed) and each Euler step adds a larger noise kick. \
             The dashed line is the noise-free rate 1/(t_ref + tau_m ln((mu - V_r)/(mu - V_th))).",
    ))?;

    let (sim, rec) = simulate(&config(&free(1000, "tutorial"))?)?;
    let heading = "Exercise 11: functions, statistics checked against theory";
    add(Written::add(
        &mut out,
        "ex11",
        &MomentsPlot(Source::new(&sim, &rec, heading)),
        "The clean API in action: Config::default() + set(..) -> build() -> run() -> Recording, and \
             theory::free_membrane_moments for the same Simulation. Sample mean and variance of 1000 free \
             membranes follow the exact AR(1) mean and variance up to sampling noise (the standard error of the \
             variance is var sqrt(2/(n-1)), about 0.36 mV² here, and neighbouring steps are correlated).",
    ))?;

    let (sim, rec) = simulate(&config(&[("simulation.n", Value::from(500))])?)?;
    let heading = "Exercise 12: the NumPy figure";
    add(Written::add(
        &mut out,
        "ex12",
        &VoltagePlot { source: Source::new(&sim, &rec, heading), traces: 50, mean: true, band: true },
        "500 spiking neurons with t_ref = 10 ms, computed for all neurons at once: 50 thin traces, the mean ± std \
             band (fill_between) and the mean as a thick line.",
    ))?;
    if let Some(isi) = CountsPlot::isi(&rec, "Exercise 12 (extra): interspike intervals".into()) {
        add(Written::add(
            &mut out,
            "ex12_isi",
            &isi,
            "The ISIs of the same run; with t_ref = 10 ms and mean drive above threshold the neurons fire fairly \
                 regularly (CV well below 1).",
        ))?;
    }

    let html = crate::report::tutorial_report(INTRO, &shown);
    out.add("report.html", |w| w.write_all(html.as_bytes())).map_err(io)?;
    out.commit().map_err(io)?;
    if !args.quiet {
        eprintln!(
            "lifsim: tutorial exercises 2-12 in {:.2} s; {} figures and report.html in {}",
            started.elapsed().as_secs_f64(),
            shown.len(),
            args.out.display()
        );
    }
    Ok(())
}
