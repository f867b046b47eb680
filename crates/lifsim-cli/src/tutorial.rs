//! `lifsim tutorial`: the deck's exercises 2-13, each with its own parameters and size, as one
//! figure per exercise (`exNN.png`/`.svg`) and a `report.html` that walks through them.
//!
//! The exercises are a table ([`EXERCISES`]): a name, a title, the settings on top of lifsim's
//! defaults, what the figure shows ([`Panel`]) and a caption. Exercises with the same settings
//! share one run.

use crate::failure::Failure;
use crate::output;
use crate::plot::{
    CountsPlot, CouplingPlot, DtStudyPlot, HistogramPlot, MomentsPlot, RasterPlot, ReportFigure, RunView, VoltagePlot,
};
use clap::Args;
use lifsim::{Config, Recording, Simulation, Value};
use lifsim_io::OutputSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `lifsim tutorial`.
#[derive(Args, Debug)]
pub struct TutorialArgs {
    /// Output directory (created if missing; an earlier run in it is replaced as a whole).
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

/// What an exercise's figure shows of its run.
#[derive(Debug, Clone, Copy)]
enum Panel {
    /// V traces, with the mean and a mean ± std band as asked.
    Voltage { traces: usize, mean: bool, band: bool },
    /// V histograms with the theory Gaussian.
    Histograms,
    /// Spike raster and population rate.
    Raster,
    /// The same settings at each dt of [`DT_STUDY`].
    DtStudy,
    /// Ensemble mean and variance against the exact moments.
    Moments,
    /// The interspike intervals (left out when there are none).
    Intervals,
    /// The run against the same neurons with the network given here (uncoupled).
    Coupling { uncoupled: &'static str },
}

/// One exercise: its figure's name, title, settings (key, value as `--set` writes it), figure
/// and caption.
struct Exercise {
    name: &'static str,
    title: &'static str,
    /// `[[population]]` and `[[connection]]` tables (TOML), empty for an ensemble.
    network: &'static str,
    settings: &'static [(&'static str, &'static str)],
    panel: Panel,
    caption: &'static str,
}

/// The free membrane of exercises 4-8 and 11 (no threshold yet) with tutorial noise.
macro_rules! free {
    ($n:literal) => {
        &[("simulation.n", $n), ("neuron.v_th", "none"), ("neuron.t_ref", "0"), ("input.noise", "tutorial")]
    };
}

/// Exercise 13's network: the 500 tutorial neurons as one population, kicked by two random
/// projections of opposite signs.
const EX13_NETWORK: &str = "[[population]]\nname = \"all\"\nn = 500\n\
    [[connection]]\nname = \"up\"\nfrom = \"all\"\nto = \"all\"\nin_degree = 20\nweight = \"1 mV\"\ndelay = \"1 ms\"\n\
    [[connection]]\nname = \"down\"\nfrom = \"all\"\nto = \"all\"\nin_degree = 20\nweight = \"-1 mV\"\ndelay = \"1 ms\"\n";
/// The same population without connections.
const EX13_UNCOUPLED: &str = "[[population]]\nname = \"all\"\nn = 500\n";

/// The exercises in the order of the deck.
const EXERCISES: &[Exercise] = &[
    Exercise {
        name: "ex02",
        title: "Exercises 2-3: Euler integration of V(t) with a sinusoidal input",
        network: "",
        settings: &[
            ("simulation.n", "1"),
            ("neuron.v_th", "none"),
            ("neuron.t_ref", "0"),
            ("input.noise", "none"),
            ("input.kind", "sine"),
            ("input.frequency", "100 Hz"),
        ],
        panel: Panel::Voltage { traces: 1, mean: false, band: false },
        caption: "One neuron driven by I(t) = I_mean (1 + sin(2 pi t / 10 ms)), forward Euler with dt = 1 ms. V rises \
                  from E_L = -60 mV towards E_L + R I_mean = -35 mV and settles into a periodic orbit of 10 steps \
                  around it.",
    },
    Exercise {
        name: "ex04",
        title: "Exercise 4: one trace with stochastic input",
        network: "",
        settings: free!("1"),
        panel: Panel::Voltage { traces: 1, mean: false, band: false },
        caption: "One neuron with the tutorial's noise I = I_mean (1 + 0.1 sqrt(t_max/dt) xi), xi ~ U(-1, 1): V \
                  relaxes towards -35 mV with fluctuations of a few mV (theory: stationary sd about 2.8 mV).",
    },
    Exercise {
        name: "ex05",
        title: "Exercise 5: an ensemble of 50 realizations",
        network: "",
        settings: free!("50"),
        panel: Panel::Voltage { traces: 50, mean: false, band: false },
        caption: "Fifty independent realizations of the same noisy neuron: they start together at E_L and spread as \
                  the noise accumulates.",
    },
    Exercise {
        name: "ex06",
        title: "Exercise 6: the sample mean over realizations",
        network: "",
        settings: free!("50"),
        panel: Panel::Voltage { traces: 50, mean: true, band: false },
        caption: "The ensemble mean (thick) follows the noise-free relaxation E_L + R I_mean (1 - exp(-t/tau_m)) \
                  towards -35 mV; the noise averages out.",
    },
    Exercise {
        name: "ex07",
        title: "Exercise 7: mean ± standard deviation",
        network: "",
        settings: free!("50"),
        panel: Panel::Voltage { traces: 0, mean: true, band: true },
        caption: "The band is the mean ± one sample standard deviation (1/(n-1)); theory: the variance grows from 0 \
                  and saturates after a few tau_m at about 8 mV² (sd ≈ 2.8 mV).",
    },
    Exercise {
        name: "ex08",
        title: "Exercise 8: histograms of V over 10 000 realizations",
        network: "",
        settings: free!("10000"),
        panel: Panel::Histograms,
        caption: "V across 10 000 free membranes at t_max/10 and at the end of the run. The curves are Gaussians with \
                  the exact mean and variance of the discrete scheme at those steps: at 15 ms V is still on its way \
                  from E_L = -60 mV (mean about -47 mV); at the end it is centred near E_L + R I_mean = -35 mV.",
    },
    Exercise {
        name: "ex09",
        title: "Exercise 9: spikes, raster and population activity",
        network: "",
        settings: &[("simulation.n", "500"), ("neuron.t_ref", "0")],
        panel: Panel::Raster,
        caption: "500 neurons with threshold -50 mV and reset to -70 mV, no refractory period. All start at E_L, so \
                  the first spikes are synchronous and the population rate (activity / dt, in Hz) rings before the \
                  neurons desynchronize.",
    },
    Exercise {
        name: "ex10",
        title: "Exercise 10: refractory period 10 ms and the integration step",
        network: "",
        settings: &[("simulation.n", "500")],
        panel: Panel::DtStudy,
        caption: "With t_ref = 10 ms, the same 500-neuron ensemble at dt = 1, 0.5, 0.25 and 0.1 ms (the noise keeps \
                  its sqrt(t_max/dt) scaling, so it tends to white noise). The rate curves and the mean rates \
                  settle as dt shrinks. Two grid effects shift coarse-dt rates in opposite directions: the \
                  threshold is checked only on the grid (crossings between grid points are missed) and each Euler \
                  step adds a larger noise kick. The dashed line is the noise-free rate \
                  1/(t_ref + tau_m ln((mu - V_r)/(mu - V_th))).",
    },
    Exercise {
        name: "ex11",
        title: "Exercise 11: functions, statistics checked against theory",
        network: "",
        settings: free!("1000"),
        panel: Panel::Moments,
        caption: "The clean API in action: Config::default() + set(..) -> build() -> run() -> Recording, and \
                  theory::free_membrane_moments for the same Simulation. Sample mean and variance of 1000 free \
                  membranes follow the exact AR(1) mean and variance up to sampling noise (the standard error of \
                  the variance is var sqrt(2/(n-1)), about 0.36 mV² here, and neighbouring steps are correlated).",
    },
    Exercise {
        name: "ex12",
        title: "Exercise 12: the NumPy figure",
        network: "",
        settings: &[("simulation.n", "500")],
        panel: Panel::Voltage { traces: 50, mean: true, band: true },
        caption: "500 spiking neurons with t_ref = 10 ms, computed for all neurons at once: 50 thin traces, the mean \
                  ± std band (fill_between) and the mean as a thick line.",
    },
    Exercise {
        name: "ex12_isi",
        title: "Exercise 12 (extra): interspike intervals",
        network: "",
        settings: &[("simulation.n", "500")],
        panel: Panel::Intervals,
        caption: "The ISIs of the same run; with t_ref = 10 ms and mean drive above threshold the neurons fire fairly \
                  regularly (CV well below 1).",
    },
    Exercise {
        name: "ex13",
        title: "Exercise 13: a network of kicks",
        network: EX13_NETWORK,
        settings: &[("simulation.t_max", "1 s")],
        panel: Panel::Coupling { uncoupled: EX13_UNCOUPLED },
        caption: "The 500 noisy neurons of exercise 10 (t_ref = 10 ms), now a network: every spike kicks the V of \
                  20 randomly drawn partners by +1 mV and of 20 others by -1 mV, 1 ms later. Kicks of both signs \
                  keep the mean input unchanged, so the activity does not explode; they add fluctuations (at about \
                  40 Hz each neuron receives some 1600 kicks per second, a standard deviation of V of about \
                  sqrt(tau_m r w^2 / 2) = 4 mV on top of the tutorial noise's 2.8 mV) and correlate neurons that \
                  share partners. Driven above threshold (mean-driven), the neurons keep about their rate; the kicks \
                  jitter their spike times. The second raster and rate are the same neurons with the same noise but \
                  no kicks.",
    },
];

/// The runs made so far, by their settings (and dt, for the dt study), so that exercises with
/// the same settings share one.
#[derive(Default)]
struct Runs(Vec<(Settings, (Simulation, Recording))>);

/// Configuration keys and their values.
type Settings = Vec<(String, Value)>;

impl Runs {
    /// The run of the defaults with `settings`, made on first use.
    fn get(&mut self, settings: &[(&str, Value)]) -> Result<&(Simulation, Recording), Failure> {
        self.get_network("", settings)
    }

    /// The run of the defaults with the `network` tables (TOML) and `settings`.
    fn get_network(&mut self, network: &str, settings: &[(&str, Value)]) -> Result<&(Simulation, Recording), Failure> {
        let mut key: Settings = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        key.push(("network".into(), Value::from(network)));
        let position = match self.0.iter().position(|(done, _)| *done == key) {
            Some(position) => position,
            None => {
                let mut config = Config::from_toml_str(network)?;
                for (k, v) in settings {
                    config.set(k, v)?;
                }
                let sim = config.build()?;
                let rec = lifsim::run_with(&sim, crate::signals::keep_going)?;
                self.0.push((key, (sim, rec)));
                self.0.len() - 1
            }
        };
        Ok(&self.0[position].1)
    }
}

/// An exercise's settings as values.
fn values(settings: &[(&'static str, &'static str)]) -> Vec<(&'static str, Value)> {
    settings.iter().map(|&(key, text)| (key, Value::parse_cli(text))).collect()
}

/// Draws one exercise's figure into `out`; `None` when it has nothing to show.
fn draw(out: &mut OutputSet, runs: &mut Runs, exercise: &Exercise) -> Result<Option<ReportFigure>, Failure> {
    let settings = values(exercise.settings);
    let (name, title, caption) = (exercise.name, exercise.title, exercise.caption);
    let figure = match exercise.panel {
        Panel::DtStudy => {
            let mut study = Vec::new();
            for dt in DT_STUDY {
                let mut at = settings.clone();
                at.push(("simulation.dt", Value::Float(dt)));
                study.push(runs.get(&at)?.clone());
            }
            ReportFigure::draw(out, name, &DtStudyPlot { runs: &study, title: title.into() }, caption)?
        }
        Panel::Voltage { traces, mean, band } => {
            let (sim, rec) = runs.get(&settings)?;
            let source = RunView::new(sim, rec, title);
            ReportFigure::draw(out, name, &VoltagePlot { source, traces, mean, band }, caption)?
        }
        Panel::Histograms => {
            let (sim, rec) = runs.get(&settings)?;
            ReportFigure::draw(out, name, &HistogramPlot(RunView::new(sim, rec, title)), caption)?
        }
        Panel::Raster => {
            let (sim, rec) = runs.get(&settings)?;
            ReportFigure::draw(out, name, &RasterPlot(RunView::new(sim, rec, title)), caption)?
        }
        Panel::Moments => {
            let (sim, rec) = runs.get(&settings)?;
            ReportFigure::draw(out, name, &MomentsPlot(RunView::new(sim, rec, title)), caption)?
        }
        Panel::Coupling { uncoupled } => {
            let without = runs.get_network(uncoupled, &settings)?.1.clone();
            let (sim, rec) = runs.get_network(exercise.network, &settings)?;
            let plot = CouplingPlot { coupled: RunView::new(sim, rec, title), uncoupled: &without };
            ReportFigure::draw(out, name, &plot, caption)?
        }
        Panel::Intervals => match CountsPlot::isi(&runs.get(&settings)?.1, title.into()) {
            Some(isi) => ReportFigure::draw(out, name, &isi, caption)?,
            None => return Ok(None),
        },
    };
    Ok(Some(figure))
}

/// Runs every exercise and writes its figure and the report into `args.out`.
pub fn tutorial(args: &TutorialArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let names = output::figure_files(EXERCISES.iter().map(|e| e.name)).chain(["report.html".to_string()]);
    let mut out = output::prepare(&args.out, names)?;
    let mut runs = Runs::default();
    let mut shown = Vec::new();
    for exercise in EXERCISES {
        shown.extend(draw(&mut out, &mut runs, exercise)?);
    }
    let html = crate::report::tutorial_report(INTRO, &shown);
    out.add("report.html", |w| w.write_all(html.as_bytes()))?;
    output::commit(out)?;
    if !args.quiet {
        say!(
            "lifsim: tutorial exercises 2-13 in {:.2} s; {} figures and report.html in {}",
            started.elapsed().as_secs_f64(),
            shown.len(),
            args.out.display()
        );
    }
    Ok(())
}
