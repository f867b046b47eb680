//! Validation: a configuration's every value and range checked once, into a [`Simulation`].
//!
//! Checks run in a fixed order (grid, ensemble, neuron, stability, drive, noise, crossing,
//! recording, analysis) and the first failure is reported, naming its key, the value and what
//! would be valid.

use super::{
    AnalysisSection, Config, ConnectionSection, DriveKind, InputSection, NoiseKind, RecordSection, SimulationSection,
};
use crate::analysis::AnalysisSpec;
use crate::choice::Choice;
use crate::error::{Error, ParamError};
use crate::grid::TimeGrid;
use crate::model::params::finite;
use crate::model::simulation::SimulationParts;
use crate::model::{
    Crossing, Drive, Input, LifParams, Method, Network, Noise, PoissonInput, Population, Projection, RecordSpec, Rule,
    Simulation,
};
use crate::units::Dimension::{self, Angle, Current, Dimensionless, Frequency, Time, Voltage};
use crate::units::format_quantity;

fn time(x: f64) -> String {
    format_quantity(x, Time)
}

impl Config {
    /// Validates every value and builds the [`Simulation`].
    ///
    /// # Errors
    /// The first invalid value as [`Error::Param`]: its key, the value and what is valid.
    pub fn build(&self) -> Result<Simulation, Error> {
        let c = self.resolved();
        let s = &c.simulation;
        let grid = build_grid(s)?;
        if s.n == 0 || s.n > u64::from(u32::MAX) {
            return Err(ParamError::new(
                "simulation.n",
                s.n.to_string(),
                format!("a whole number from 1 to {}", u32::MAX),
            )
            .into());
        }
        let neuron = build_neuron(&c)?;
        if s.method == Method::Euler && s.dt >= 2.0 * neuron.tau_m {
            let expected = format!(
                "dt < 2 tau_m = {} for a stable Euler step (better dt <= tau_m/10), or simulation.method = \"exact\"",
                time(2.0 * neuron.tau_m)
            );
            return Err(ParamError::new("simulation.dt", time(s.dt), expected).into());
        }
        let drive = build_drive(&c.input, s.t_max)?;
        let noise = build_noise(&c.input, s)?;
        check_voltage_scale(&neuron, &drive, &noise, s.t_max / s.dt)?;
        if s.crossing == Crossing::Bridge && !matches!(noise, Noise::White { .. }) {
            return Err(ParamError::new(
                "simulation.crossing",
                "\"bridge\"",
                "\"grid\" unless input.noise = \"white\" (only a diffusive path can cross between grid points)",
            )
            .into());
        }
        if s.crossing == Crossing::Precise && self.populations.is_empty() {
            check_precise(s.method, &noise)?;
        }
        let network = self.build_network(grid)?;
        let n = network.as_ref().map_or(s.n, |network| network.n() as u64);
        let record = build_record(&c.record, n, s.t_max, grid)?;
        let analysis = build_analysis(&c.analysis, s.t_max)?;
        Ok(Simulation::from_parts(SimulationParts {
            neuron,
            input: Input { drive, noise },
            method: s.method,
            crossing: s.crossing,
            grid,
            t_max: s.t_max,
            n: n as usize,
            seed: s.seed,
            record,
            analysis,
            network,
        }))
    }

    /// The network of `[[population]]` and `[[connection]]`, `None` without populations.
    fn build_network(&self, grid: TimeGrid) -> Result<Option<Network>, Error> {
        if self.populations.is_empty() {
            if let Some(c) = self.connections.first() {
                let expected = "connections between [[population]]s; an ensemble without populations has none";
                return Err(ParamError::new(format!("connection.{}", c.address()), "a connection", expected).into());
            }
            return Ok(None);
        }
        if self.simulation.crossing != Crossing::Grid {
            let expected = "\"grid\" in a network (synaptic jumps are not a diffusion the bridge could time, and \
                            spikes are delivered on the grid)";
            let value = format!("\"{}\"", self.simulation.crossing.name());
            return Err(ParamError::new("simulation.crossing", value, expected).into());
        }
        let mut populations = Vec::with_capacity(self.populations.len());
        let mut first = 0u64;
        for section in &self.populations {
            let at = |e: Error| match e {
                Error::Param(e) => {
                    Error::from(ParamError { key: format!("population.{}.{}", section.name, e.key), ..e })
                }
                other => other,
            };
            let config = self.population_config(&section.name).map(|c| c.resolved()).ok_or_else(|| {
                ParamError::new(format!("population.{}", section.name), "its keys", "keys that read back")
            })?;
            let (neuron, input) = build_population(&config).map_err(at)?;
            populations.push(Population {
                name: section.name.clone(),
                first: first as usize,
                n: section.n as usize,
                neuron,
                input,
            });
            first += section.n;
        }
        if first > u64::from(u32::MAX) {
            let expected = format!("populations of at most {} neurons in all", u32::MAX);
            return Err(ParamError::new("population.n", first.to_string(), expected).into());
        }
        let projections =
            self.connections.iter().map(|c| build_projection(c, &populations, grid)).collect::<Result<_, Error>>()?;
        Ok(Some(Network::new(populations, projections)))
    }
}

/// `simulation.crossing = "precise"` times a crossing within its step exactly only for the
/// exact integration of white noise or of no noise (an Ornstein-Uhlenbeck path between grid
/// points, or the deterministic exponential); anything else is refused, naming what is valid.
fn check_precise(method: Method, noise: &Noise) -> Result<(), Error> {
    if !matches!(noise, Noise::White { .. } | Noise::None) {
        let expected = "\"grid\" or \"bridge\" unless input.noise = \"white\" or \"none\" (\"precise\" times \
                        crossings of a white-noise or noise-free path only)";
        return Err(ParamError::new("simulation.crossing", "\"precise\"", expected).into());
    }
    if method != Method::Exact {
        let expected = "\"grid\" with simulation.method = \"euler\" (\"precise\" needs simulation.method = \
                        \"exact\": the exact transition over a partial step)";
        return Err(ParamError::new("simulation.crossing", "\"precise\"", expected).into());
    }
    Ok(())
}

/// A population's neuron and input from its own (resolved) configuration; errors name the keys
/// without the population (the caller adds it).
fn build_population(c: &Config) -> Result<(LifParams, Input), Error> {
    let s = &c.simulation;
    let neuron = build_neuron(c)?;
    if s.method == Method::Euler && s.dt >= 2.0 * neuron.tau_m {
        let expected = format!(
            "a time above dt/2 = {} for a stable Euler step, or simulation.method = \"exact\"",
            time(s.dt / 2.0)
        );
        return Err(ParamError::new("neuron.tau_m", time(neuron.tau_m), expected).into());
    }
    let drive = build_drive(&c.input, s.t_max)?;
    let noise = build_noise(&c.input, s)?;
    check_voltage_scale(&neuron, &drive, &noise, s.t_max / s.dt)?;
    Ok((neuron, Input { drive, noise }))
}

/// One projection: its populations, rule, weight and delay (a whole number of steps >= 1).
fn build_projection(c: &ConnectionSection, populations: &[Population], grid: TimeGrid) -> Result<Projection, Error> {
    let address = c.address();
    let key = |field: &str| format!("connection.{address}.{field}");
    let index = |field: &str, name: &str| {
        populations.iter().position(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = populations.iter().map(|p| p.name.as_str()).collect();
            Error::from(ParamError::new(
                key(field),
                format!("{name:?}"),
                format!("one of the populations {}", names.join(", ")),
            ))
        })
    };
    let (source, target) = (index("from", &c.from)?, index("to", &c.to)?);
    let rule = match (c.in_degree, c.probability) {
        (Some(k), None) => {
            if k > 0 && populations[source].n == 0 {
                let expected = format!("0, as population {} has no neurons to draw sources from", c.from);
                return Err(ParamError::new(key("in_degree"), k.to_string(), expected).into());
            }
            Rule::InDegree(k as u32)
        }
        (None, Some(p)) => {
            if !(0.0..=1.0).contains(&p) {
                return Err(ParamError::new(key("probability"), p.to_string(), "a probability from 0 to 1").into());
            }
            Rule::Probability(p)
        }
        (in_degree, _) => {
            let value = if in_degree.is_some() {
                "both in_degree and probability"
            } else {
                "neither in_degree nor probability"
            };
            return Err(ParamError::new(key("in_degree"), value, "one rule: in_degree = K or probability = P").into());
        }
    };
    finite(&key("weight"), c.weight, Voltage)?;
    if c.weight.abs() > VOLTAGE_LIMIT {
        let expected = format!("a jump of at most {} (V would overflow)", format_quantity(VOLTAGE_LIMIT, Voltage));
        return Err(ParamError::new(key("weight"), format_quantity(c.weight, Voltage), expected).into());
    }
    finite(&key("delay"), c.delay, Time)?;
    let steps = c.delay / grid.dt();
    let whole = steps.round();
    if whole < 1.0 || (steps - whole).abs() > 1e-9 * whole.max(1.0) || whole > f64::from(u32::MAX / 2) {
        let expected = format!(
            "a whole number of steps, at least one (simulation.dt = {}): e.g. {}",
            time(grid.dt()),
            time(grid.dt() * whole.max(1.0))
        );
        return Err(ParamError::new(key("delay"), time(c.delay), expected).into());
    }
    Ok(Projection { address, source, target, rule, weight: c.weight, delay_steps: whole as u32 })
}

/// The grid `round(t_max / dt)` points of `dt`, at most `u32::MAX` steps.
fn build_grid(s: &SimulationSection) -> Result<TimeGrid, Error> {
    finite("simulation.t_max", s.t_max, Time)?;
    finite("simulation.dt", s.dt, Time)?;
    if s.t_max <= 0.0 {
        return Err(ParamError::new("simulation.t_max", time(s.t_max), "a positive time, e.g. \"150 ms\"").into());
    }
    if s.dt <= 0.0 || s.dt > s.t_max {
        let expected = format!("a positive time no larger than simulation.t_max = {}, e.g. \"0.1 ms\"", time(s.t_max));
        return Err(ParamError::new("simulation.dt", time(s.dt), expected).into());
    }
    let steps = (s.t_max / s.dt).round();
    if steps > f64::from(u32::MAX) {
        let expected = format!("at most {} steps: a larger dt or a shorter t_max", u32::MAX);
        return Err(ParamError::new("simulation.dt", time(s.dt), expected).into());
    }
    Ok(TimeGrid::new(s.dt, steps as usize))
}

/// The neuron's parameters, `v_init` resolved, validated.
fn build_neuron(c: &Config) -> Result<LifParams, Error> {
    let p = &c.neuron;
    let neuron = LifParams {
        tau_m: p.tau_m,
        e_l: p.e_l,
        v_reset: p.v_reset,
        v_th: p.v_th,
        r_m: p.r_m,
        t_ref: p.t_ref,
        v_init: p.v_init.unwrap_or(p.e_l),
    };
    neuron.validate()?;
    Ok(neuron)
}

/// The deterministic drive of `input.kind`.
fn build_drive(i: &InputSection, t_max: f64) -> Result<Drive, Error> {
    let amplitude = i.amplitude.unwrap_or(i.i_mean);
    finite("input.i_mean", i.i_mean, Current)?;
    Ok(match i.kind {
        DriveKind::Constant => Drive::Constant { i_mean: i.i_mean },
        DriveKind::Sine => {
            finite("input.amplitude", amplitude, Current)?;
            finite("input.phase", i.phase, Angle)?;
            let frequency = non_negative("input.frequency", i.frequency, Frequency)?;
            Drive::Sine { i_mean: i.i_mean, amplitude, frequency, phase: i.phase }
        }
        DriveKind::Step => {
            finite("input.amplitude", amplitude, Current)?;
            let start = non_negative("input.start", i.start, Time)?;
            let stop = i.stop.unwrap_or(t_max);
            finite("input.stop", stop, Time)?;
            if stop <= start {
                let expected = format!("a time after input.start = {}", time(start));
                return Err(ParamError::new("input.stop", time(stop), expected).into());
            }
            Drive::Step { i_mean: i.i_mean, amplitude, start, stop }
        }
    })
}

/// The noise of `input.noise`, with its stability condition for OU noise under Euler.
fn build_noise(i: &InputSection, s: &SimulationSection) -> Result<Noise, Error> {
    Ok(match i.noise {
        NoiseKind::None => Noise::None,
        NoiseKind::Tutorial => {
            Noise::Tutorial { factor: non_negative("input.noise_factor", i.noise_factor, Dimensionless)? }
        }
        NoiseKind::White => Noise::White { sigma_v: non_negative("input.sigma_v", i.sigma_v, Voltage)? },
        NoiseKind::Ou => {
            let sigma_v = non_negative("input.sigma_v", i.sigma_v, Voltage)?;
            finite("input.tau_noise", i.tau_noise, Time)?;
            let stable = s.method == Method::Exact || s.dt < 2.0 * i.tau_noise;
            if i.tau_noise <= 0.0 || !stable {
                let euler = match s.method {
                    Method::Euler => format!(" above dt/2 = {} for a stable Euler step", time(s.dt / 2.0)),
                    Method::Exact => String::new(),
                };
                let expected = format!("a positive time{euler}, e.g. \"5 ms\"");
                return Err(ParamError::new("input.tau_noise", time(i.tau_noise), expected).into());
            }
            Noise::Ou { sigma_v, tau_noise: i.tau_noise }
        }
        NoiseKind::Poisson => {
            let rate = |key: &str, rate: f64| -> Result<f64, Error> {
                let rate = non_negative(key, rate, Frequency)?;
                if rate * s.dt > MAX_SPIKES_PER_STEP {
                    let expected = format!(
                        "at most {MAX_SPIKES_PER_STEP} input spikes per step on average (rate x simulation.dt), here \
                         {}: a smaller simulation.dt, or white noise (the diffusion limit of many small inputs)",
                        rate * s.dt
                    );
                    return Err(ParamError::new(key, format_quantity(rate, Frequency), expected).into());
                }
                Ok(rate)
            };
            let weight = |key: &str, w: f64| -> Result<f64, Error> {
                finite(key, w, Voltage)?;
                Ok(w)
            };
            Noise::Poisson(PoissonInput {
                rate_e: rate("input.rate_e", i.rate_e)?,
                weight_e: weight("input.weight_e", i.weight_e)?,
                rate_i: rate("input.rate_i", i.rate_i)?,
                weight_i: weight("input.weight_i", i.weight_i)?,
            })
        }
    })
}

/// Most input spikes per step on average that Poisson input may have: its counts are drawn by
/// inverting a table of the Poisson distribution, which needs `exp(-rate dt)` to stay far from
/// underflow (and a few thousand entries at most).
pub const MAX_SPIKES_PER_STEP: f64 = 500.0;

/// Largest voltage scale (V) a run may reach: V and its squares summed over every neuron stay
/// finite in 64-bit floats (the moments of 4e9 neurons at 1e100 V sum to 4e209).
pub const VOLTAGE_LIMIT: f64 = 1e100;

/// Refuses a setup whose potentials, drive or noise exceed [`VOLTAGE_LIMIT`]: its V would
/// overflow to infinity and its moments to NaN (e.g. `input.i_mean = "1e300 A"`).
fn check_voltage_scale(neuron: &LifParams, drive: &Drive, noise: &Noise, steps: f64) -> Result<(), Error> {
    // `key`'s own value is shown in its unit; `what` is the voltage scale it sets.
    let too_large_value = |key: &str, what: &str, scale: f64, (value, unit): (f64, Dimension)| -> Result<(), Error> {
        if scale.abs() <= VOLTAGE_LIMIT {
            return Ok(());
        }
        let expected = format!(
            "a value for which {what} stays within {} (here {what} = {:e} V; V would overflow)",
            format_quantity(VOLTAGE_LIMIT, Voltage),
            scale
        );
        Err(ParamError::new(key, format_quantity(value, unit), expected).into())
    };
    let too_large = |key: &str, what: &str, scale: f64| too_large_value(key, what, scale, (scale, Voltage));
    for (key, v) in [("neuron.e_l", neuron.e_l), ("neuron.v_reset", neuron.v_reset), ("neuron.v_init", neuron.v_init)] {
        too_large(key, key, v)?;
    }
    too_large("neuron.v_th", "neuron.v_th", neuron.v_th.unwrap_or(0.0))?;
    let (i_mean, current) = match *drive {
        Drive::Constant { i_mean } => (i_mean, i_mean.abs()),
        Drive::Sine { i_mean, amplitude, .. } | Drive::Step { i_mean, amplitude, .. } => {
            (i_mean, i_mean.abs() + amplitude.abs())
        }
    };
    too_large_value("input.i_mean", "r_m times the largest current", neuron.r_m * current, (i_mean, Current))?;
    match *noise {
        Noise::None => Ok(()),
        Noise::Tutorial { factor } => too_large_value(
            "input.noise_factor",
            "the tutorial noise's largest kick",
            neuron.r_m * current * factor * steps.sqrt(),
            (factor, Dimensionless),
        ),
        Noise::White { sigma_v } => too_large("input.sigma_v", "input.sigma_v", sigma_v),
        Noise::Poisson(p) => {
            too_large("input.weight_e", "input.weight_e", p.weight_e)?;
            too_large("input.weight_i", "input.weight_i", p.weight_i)
        }
        Noise::Ou { sigma_v, tau_noise } => {
            too_large("input.sigma_v", "the OU noise's standard deviation", sigma_v * (neuron.tau_m / tau_noise).sqrt())
        }
    }
}

/// What to record: traces, their interval, histogram steps (snapped to the grid) and bins.
fn build_record(r: &RecordSection, n: u64, t_max: f64, grid: TimeGrid) -> Result<RecordSpec, Error> {
    let traces = r.traces.unwrap_or(n.min(50));
    if traces > n {
        return Err(ParamError::new("record.traces", traces.to_string(), format!("at most simulation.n = {n}")).into());
    }
    if r.every == 0 {
        return Err(ParamError::new("record.every", "0", format!("a whole number from 1 to {}", u32::MAX)).into());
    }
    if r.hist_bins == 0 || r.hist_bins > 100_000 {
        let expected = "a whole number from 1 to 100000";
        return Err(ParamError::new("record.hist_bins", r.hist_bins.to_string(), expected).into());
    }
    let times = r.hist_times.clone().unwrap_or_else(|| vec![t_max / 10.0, t_max]);
    let mut hist_steps = Vec::with_capacity(times.len());
    for &t in &times {
        if !(0.0..=t_max).contains(&t) {
            let expected = format!("times from 0 to simulation.t_max = {}", time(t_max));
            return Err(ParamError::new("record.hist_times", time(t), expected).into());
        }
        // Times snap to the grid; t_max itself maps to the last grid point.
        hist_steps.push(grid.step_of(t));
    }
    Ok(RecordSpec {
        traces: traces as usize,
        every: r.every as usize,
        hist_steps,
        hist_bins: r.hist_bins as usize,
        spikes: r.spikes,
    })
}

/// The spike-statistics window `(t_start, t_stop]` inside the run, and the rate's bin.
fn build_analysis(a: &AnalysisSection, t_max: f64) -> Result<AnalysisSpec, Error> {
    let t_start = non_negative("analysis.t_start", a.t_start, Time)?;
    let t_stop = a.t_stop.unwrap_or(t_max);
    finite("analysis.t_stop", t_stop, Time)?;
    if t_start >= t_max {
        let expected = format!("a time before simulation.t_max = {}", time(t_max));
        return Err(ParamError::new("analysis.t_start", time(t_start), expected).into());
    }
    if t_stop <= t_start || t_stop > t_max {
        let expected =
            format!("a time after analysis.t_start = {} and at most simulation.t_max = {}", time(t_start), time(t_max));
        return Err(ParamError::new("analysis.t_stop", time(t_stop), expected).into());
    }
    finite("analysis.bin", a.bin, Time)?;
    if a.bin <= 0.0 {
        return Err(ParamError::new("analysis.bin", time(a.bin), "a positive time, e.g. \"1 ms\"").into());
    }
    Ok(AnalysisSpec { t_start, t_stop, bin: a.bin })
}

/// `value` for `key` when it is finite and >= 0.
fn non_negative(key: &str, value: f64, dim: Dimension) -> Result<f64, ParamError> {
    finite(key, value, dim)?;
    if value < 0.0 {
        return Err(ParamError::new(
            key,
            format_quantity(value, dim),
            format!("{} >= 0, e.g. {}", dim.describe(), dim.example()),
        ));
    }
    Ok(value)
}
