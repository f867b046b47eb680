//! The user-facing configuration: one vocabulary of keys, human units in, a validated `Simulation` out.
//!
//! The same keys serve the TOML file (`[neuron] tau_m = "20 ms"`), the command line
//! (`--set neuron.tau_m="20 ms"`) and Python keywords (`tau_m="20 ms"`). Values are stored in
//! SI units; [`Config::build`] checks every range once and resolves the derived defaults.

use crate::analysis::AnalysisSpec;
use crate::error::{Error, ParamError};
use crate::input::{Drive, Input, Noise};
use crate::integrate::{Crossing, Method};
use crate::params::{LifParams, finite};
use crate::simulation::{RecordSpec, Simulation};
use crate::units::{Dimension, UnitError, format_quantity, parse_quantity};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A raw configuration value, before its key gives it a meaning.
///
/// ```
/// use lifsim::Value;
/// assert_eq!(Value::from("20 ms"), Value::Str("20 ms".into()));
/// assert_eq!(Value::from(3), Value::Int(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A floating-point number (SI units for quantities).
    Float(f64),
    /// Text: a quantity with its unit, a name, or "none".
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A list of values.
    List(Vec<Value>),
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Str(text.to_string())
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<i64> for Value {
    fn from(x: i64) -> Self {
        Value::Int(x)
    }
}
impl From<i32> for Value {
    fn from(x: i32) -> Self {
        Value::Int(x.into())
    }
}

impl Value {
    /// Parses the right-hand side of `--set key=VALUE`: a TOML value if it is one
    /// (`1000`, `0.5`, `"20 ms"`, `["1 ms", "2 ms"]`), otherwise the text itself (`20 ms`).
    pub fn parse_cli(text: &str) -> Value {
        match format!("v = {text}").parse::<toml::Table>() {
            Ok(table) => table.get("v").and_then(|v| Value::from_toml(v).ok()).unwrap_or_else(|| Value::from(text)),
            Err(_) => Value::from(text.trim()),
        }
    }

    fn from_toml(value: &toml::Value) -> Result<Value, String> {
        Ok(match value {
            toml::Value::String(s) => Value::Str(s.clone()),
            toml::Value::Integer(i) => Value::Int(*i),
            toml::Value::Float(x) => Value::Float(*x),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Array(items) => Value::List(items.iter().map(Value::from_toml).collect::<Result<_, _>>()?),
            other => {
                return Err(format!("a number, text or list, not a {}", other.type_str()));
            }
        })
    }

    fn show(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Str(s) => format!("{s:?}"),
            Value::Bool(b) => b.to_string(),
            Value::List(items) => format!("[{}]", items.iter().map(Value::show).collect::<Vec<_>>().join(", ")),
        }
    }
}

/// The deterministic input's shape, `input.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DriveKind {
    /// `i_mean`.
    #[default]
    Constant,
    /// `i_mean + amplitude sin(2 pi frequency t + phase)`.
    Sine,
    /// `i_mean + amplitude` between `start` and `stop`.
    Step,
}

impl DriveKind {
    /// The configuration name: "constant", "sine" or "step".
    pub fn name(self) -> &'static str {
        match self {
            DriveKind::Constant => "constant",
            DriveKind::Sine => "sine",
            DriveKind::Step => "step",
        }
    }
}

/// The noise model, `input.noise`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NoiseKind {
    /// No noise.
    None,
    /// The tutorial's uniform current noise.
    #[default]
    Tutorial,
    /// Gaussian white noise.
    White,
    /// Ornstein-Uhlenbeck current noise.
    Ou,
}

impl NoiseKind {
    /// The configuration name: "none", "tutorial", "white" or "ou".
    pub fn name(self) -> &'static str {
        match self {
            NoiseKind::None => "none",
            NoiseKind::Tutorial => "tutorial",
            NoiseKind::White => "white",
            NoiseKind::Ou => "ou",
        }
    }
}

/// `[simulation]`: the time grid, the ensemble and the method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulationSection {
    /// Simulated duration (s).
    pub t_max: f64,
    /// Time step (s).
    pub dt: f64,
    /// Number of independent neurons.
    pub n: u64,
    /// Seed of all random streams.
    pub seed: u64,
    /// Integration method.
    pub method: Method,
    /// Threshold-crossing rule.
    pub crossing: Crossing,
}

/// `[neuron]`: the LIF parameters (SI units); `None` means "derived" (v_init = e_l) or
/// "absent" (v_th: free membrane).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeuronSection {
    /// Membrane time constant (s).
    pub tau_m: f64,
    /// Resting potential (V).
    pub e_l: f64,
    /// Reset potential (V).
    pub v_reset: f64,
    /// Threshold (V); `None` = free membrane.
    pub v_th: Option<f64>,
    /// Membrane resistance (ohm).
    pub r_m: f64,
    /// Refractory period (s).
    pub t_ref: f64,
    /// Initial potential (V); `None` = `e_l`.
    pub v_init: Option<f64>,
}

/// `[input]`: the deterministic drive and the noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSection {
    /// Drive shape.
    pub kind: DriveKind,
    /// Mean current (A).
    pub i_mean: f64,
    /// Sine or step amplitude (A); `None` = `i_mean`.
    pub amplitude: Option<f64>,
    /// Sine frequency (Hz).
    pub frequency: f64,
    /// Sine phase (rad).
    pub phase: f64,
    /// Step onset (s).
    pub start: f64,
    /// Step end (s); `None` = `t_max`.
    pub stop: Option<f64>,
    /// Noise model.
    pub noise: NoiseKind,
    /// Tutorial noise factor `f`.
    pub noise_factor: f64,
    /// White/OU noise: stationary standard deviation of the free membrane (V).
    pub sigma_v: f64,
    /// OU noise correlation time (s).
    pub tau_noise: f64,
}

/// `[record]`: what is recorded besides moments, spikes and activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSection {
    /// Number of traced neurons; `None` = `min(n, 50)`.
    pub traces: Option<u64>,
    /// Trace every `every`-th step.
    pub every: u64,
    /// Times of the V histograms (s); `None` = `[t_max/10, t_max]`.
    pub hist_times: Option<Vec<f64>>,
    /// Number of histogram bins.
    pub hist_bins: u64,
}

/// `[analysis]`: the window and bins of the spike statistics (see [`crate::analysis`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSection {
    /// Start of the analysis window (s); earlier spikes are treated as a transient.
    pub t_start: f64,
    /// End of the analysis window (s); `None` = `t_max`.
    pub t_stop: Option<f64>,
    /// Bin width of the population rate (s).
    pub bin: f64,
}

impl Default for AnalysisSection {
    fn default() -> Self {
        Self { t_start: 0.0, t_stop: None, bin: 1e-3 }
    }
}

/// A whole configuration, in SI units. `Default` is lifsim's built-in run: the tutorial's
/// parameters, tutorial noise, n = 500, t_ref = 10 ms (exercises 9-10).
///
/// ```
/// let mut config = lifsim::Config::default();
/// config.set("neuron.tau_m", &"10 ms".into()).unwrap();
/// assert_eq!(config.neuron.tau_m, 10e-3);
/// let err = config.set("neuron.tau_m", &"10 mV".into()).unwrap_err();
/// assert!(err.to_string().contains("neuron.tau_m"));
/// let sim = config.build().unwrap();
/// assert_eq!(sim.steps, 150);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// `[simulation]`.
    pub simulation: SimulationSection,
    /// `[neuron]`.
    pub neuron: NeuronSection,
    /// `[input]`.
    pub input: InputSection,
    /// `[record]`.
    pub record: RecordSection,
    /// `[analysis]`.
    #[serde(default)]
    pub analysis: AnalysisSection,
}

impl Default for Config {
    fn default() -> Self {
        let p = LifParams::default();
        Self {
            simulation: SimulationSection {
                t_max: 0.15,
                dt: 1e-3,
                n: 500,
                seed: 2017,
                method: Method::Euler,
                crossing: Crossing::Grid,
            },
            neuron: NeuronSection {
                tau_m: p.tau_m,
                e_l: p.e_l,
                v_reset: p.v_reset,
                v_th: p.v_th,
                r_m: p.r_m,
                t_ref: p.t_ref,
                v_init: None,
            },
            input: InputSection {
                kind: DriveKind::Constant,
                i_mean: 250e-12,
                amplitude: None,
                frequency: 100.0,
                phase: 0.0,
                start: 0.0,
                stop: None,
                noise: NoiseKind::Tutorial,
                noise_factor: 0.1,
                sigma_v: 5e-3,
                tau_noise: 5e-3,
            },
            record: RecordSection { traces: None, every: 1, hist_times: None, hist_bins: 50 },
            analysis: AnalysisSection::default(),
        }
    }
}

/// How a key's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Quantity(Dimension),
    /// A quantity or "none".
    OptionalQuantity(Dimension),
    /// A non-negative integer.
    Count,
    /// One of the listed names.
    Choice(&'static [&'static str]),
    /// A list of times (or one time).
    Times,
}

/// One configuration key: its name, how it is read and what it means.
struct Key {
    name: &'static str,
    kind: Kind,
    doc: &'static str,
}

const fn key(name: &'static str, kind: Kind, doc: &'static str) -> Key {
    Key { name, kind, doc }
}

use Dimension::{Angle, Current, Dimensionless, Frequency, Resistance, Time, Voltage};

/// Every key lifsim knows, in the order `lifsim config` prints them.
const KEYS: &[Key] = &[
    key(
        "simulation.t_max",
        Kind::Quantity(Time),
        "simulated duration; the grid is t_k = k dt, k = 0 .. round(t_max/dt) - 1",
    ),
    key("simulation.dt", Kind::Quantity(Time), "integration time step"),
    key("simulation.n", Kind::Count, "number of independent neurons in the ensemble"),
    key(
        "simulation.seed",
        Kind::Count,
        "seed of every random stream (same seed = same numbers, whatever the thread count)",
    ),
    key(
        "simulation.method",
        Kind::Choice(&["euler", "exact"]),
        "\"euler\" (the tutorial's forward Euler) or \"exact\" (exponential propagator, exact OU step)",
    ),
    key(
        "simulation.crossing",
        Kind::Choice(&["grid", "bridge"]),
        "\"grid\" (spike when V >= v_th on the grid, the tutorial's rule) or \"bridge\" (also when the white-noise path crossed between grid points)",
    ),
    key("neuron.tau_m", Kind::Quantity(Time), "membrane time constant"),
    key("neuron.e_l", Kind::Quantity(Voltage), "leak (resting) potential"),
    key("neuron.v_reset", Kind::Quantity(Voltage), "potential after a spike"),
    key("neuron.v_th", Kind::OptionalQuantity(Voltage), "spike threshold; \"none\" for a free membrane"),
    key("neuron.r_m", Kind::Quantity(Resistance), "membrane resistance"),
    key(
        "neuron.t_ref",
        Kind::Quantity(Time),
        "refractory period (V held at v_reset for round(t_ref/dt) grid points); 0 = none",
    ),
    key("neuron.v_init", Kind::OptionalQuantity(Voltage), "potential at t = 0; default: e_l"),
    key(
        "input.kind",
        Kind::Choice(&["constant", "sine", "step"]),
        "deterministic current: \"constant\", \"sine\" or \"step\"",
    ),
    key("input.i_mean", Kind::Quantity(Current), "mean (baseline) current"),
    key("input.amplitude", Kind::OptionalQuantity(Current), "sine or step amplitude; default: i_mean"),
    key("input.frequency", Kind::Quantity(Frequency), "sine frequency"),
    key("input.phase", Kind::Quantity(Angle), "sine phase at t = 0"),
    key("input.start", Kind::Quantity(Time), "step onset"),
    key("input.stop", Kind::OptionalQuantity(Time), "step end; default: t_max"),
    key(
        "input.noise",
        Kind::Choice(&["none", "tutorial", "white", "ou"]),
        "per-neuron noise: \"none\", \"tutorial\" (I_mean (1 + f sqrt(t_max/dt) U(-1,1))), \"white\" or \"ou\"",
    ),
    key("input.noise_factor", Kind::Quantity(Dimensionless), "tutorial noise factor f"),
    key(
        "input.sigma_v",
        Kind::Quantity(Voltage),
        "white/ou noise: stationary std of the free membrane (white-noise limit)",
    ),
    key("input.tau_noise", Kind::Quantity(Time), "ou noise: correlation time of the noise current"),
    key("record.traces", Kind::Count, "number of neurons whose V is traced (the first ones); default: min(n, 50)"),
    key("record.every", Kind::Count, "trace every `every`-th step"),
    key("record.hist_times", Kind::Times, "times of the V histograms across the ensemble; default: [t_max/10, t_max]"),
    key("record.hist_bins", Kind::Count, "number of histogram bins"),
    key(
        "analysis.t_start",
        Kind::Quantity(Time),
        "start of the spike-statistics window (drops the transient); spikes at t_start < t <= t_stop count",
    ),
    key("analysis.t_stop", Kind::OptionalQuantity(Time), "end of the spike-statistics window; default: t_max"),
    key("analysis.bin", Kind::Quantity(Time), "bin width of the population rate (PSTH), whole grid steps"),
];

/// A value as read for its key.
enum Parsed {
    Number(f64),
    Optional(Option<f64>),
    Count(u64),
    Name(String),
    Times(Vec<f64>),
}

impl Config {
    /// All configuration keys, `section.name`, in documentation order.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        KEYS.iter().map(|k| k.name)
    }

    /// The unit dimension of a quantity key (`Some`), or `None` for a count, a name or a list.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] for a key lifsim does not know.
    ///
    /// ```
    /// use lifsim::{Config, units::Dimension};
    /// assert_eq!(Config::key_dimension("input.i_mean").unwrap(), Some(Dimension::Current));
    /// assert_eq!(Config::key_dimension("simulation.n").unwrap(), None);
    /// ```
    pub fn key_dimension(name: &str) -> Result<Option<Dimension>, Error> {
        let key = KEYS.iter().find(|k| k.name == name).ok_or_else(|| unknown_key(name))?;
        Ok(match key.kind {
            Kind::Quantity(dim) | Kind::OptionalQuantity(dim) => Some(dim),
            _ => None,
        })
    }

    /// Sets one key from a raw value, checking its type and unit (ranges are checked by
    /// [`Config::build`], since they may depend on other keys).
    ///
    /// # Errors
    /// [`Error::UnknownKey`] with a suggestion, or [`Error::Param`] naming the key, the value
    /// and what it should be.
    pub fn set(&mut self, name: &str, value: &Value) -> Result<(), Error> {
        let key = KEYS.iter().find(|k| k.name == name).ok_or_else(|| unknown_key(name))?;
        let bad = |expected: String| Error::from(ParamError::new(name, value.show(), expected));
        let parsed = match key.kind {
            Kind::Quantity(dim) => Parsed::Number(quantity(value, dim).map_err(bad)?),
            Kind::OptionalQuantity(dim) => match value {
                Value::Str(s) if s.trim().eq_ignore_ascii_case("none") => Parsed::Optional(None),
                _ => Parsed::Optional(Some(quantity(value, dim).map_err(|e| bad(format!("{e} or \"none\"")))?)),
            },
            Kind::Count => Parsed::Count(count(value).map_err(bad)?),
            Kind::Choice(names) => match value {
                Value::Str(s) if names.contains(&s.trim().to_ascii_lowercase().as_str()) => {
                    Parsed::Name(s.trim().to_ascii_lowercase())
                }
                _ => {
                    return Err(bad(format!(
                        "one of {}",
                        names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
                    )));
                }
            },
            Kind::Times => {
                let items = match value {
                    Value::List(items) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                Parsed::Times(
                    items
                        .iter()
                        .map(|v| quantity(v, Time))
                        .collect::<Result<_, _>>()
                        .map_err(|e| bad(format!("a list of {e}")))?,
                )
            }
        };
        self.assign(name, parsed);
        Ok(())
    }

    fn assign(&mut self, name: &str, parsed: Parsed) {
        let (s, p, i, r) = (&mut self.simulation, &mut self.neuron, &mut self.input, &mut self.record);
        let a = &mut self.analysis;
        match (name, parsed) {
            ("simulation.t_max", Parsed::Number(x)) => s.t_max = x,
            ("simulation.dt", Parsed::Number(x)) => s.dt = x,
            ("simulation.n", Parsed::Count(c)) => s.n = c,
            ("simulation.seed", Parsed::Count(c)) => s.seed = c,
            ("simulation.method", Parsed::Name(m)) => {
                s.method = if m == "exact" { Method::Exact } else { Method::Euler }
            }
            ("simulation.crossing", Parsed::Name(m)) => {
                s.crossing = if m == "bridge" { Crossing::Bridge } else { Crossing::Grid }
            }
            ("neuron.tau_m", Parsed::Number(x)) => p.tau_m = x,
            ("neuron.e_l", Parsed::Number(x)) => p.e_l = x,
            ("neuron.v_reset", Parsed::Number(x)) => p.v_reset = x,
            ("neuron.v_th", Parsed::Optional(x)) => p.v_th = x,
            ("neuron.r_m", Parsed::Number(x)) => p.r_m = x,
            ("neuron.t_ref", Parsed::Number(x)) => p.t_ref = x,
            ("neuron.v_init", Parsed::Optional(x)) => p.v_init = x,
            ("input.kind", Parsed::Name(k)) => {
                i.kind = match k.as_str() {
                    "sine" => DriveKind::Sine,
                    "step" => DriveKind::Step,
                    _ => DriveKind::Constant,
                }
            }
            ("input.i_mean", Parsed::Number(x)) => i.i_mean = x,
            ("input.amplitude", Parsed::Optional(x)) => i.amplitude = x,
            ("input.frequency", Parsed::Number(x)) => i.frequency = x,
            ("input.phase", Parsed::Number(x)) => i.phase = x,
            ("input.start", Parsed::Number(x)) => i.start = x,
            ("input.stop", Parsed::Optional(x)) => i.stop = x,
            ("input.noise", Parsed::Name(k)) => {
                i.noise = match k.as_str() {
                    "none" => NoiseKind::None,
                    "white" => NoiseKind::White,
                    "ou" => NoiseKind::Ou,
                    _ => NoiseKind::Tutorial,
                }
            }
            ("input.noise_factor", Parsed::Number(x)) => i.noise_factor = x,
            ("input.sigma_v", Parsed::Number(x)) => i.sigma_v = x,
            ("input.tau_noise", Parsed::Number(x)) => i.tau_noise = x,
            ("record.traces", Parsed::Count(c)) => r.traces = Some(c),
            ("record.every", Parsed::Count(c)) => r.every = c,
            ("record.hist_times", Parsed::Times(t)) => r.hist_times = Some(t),
            ("record.hist_bins", Parsed::Count(c)) => r.hist_bins = c,
            ("analysis.t_start", Parsed::Number(x)) => a.t_start = x,
            ("analysis.t_stop", Parsed::Optional(x)) => a.t_stop = x,
            ("analysis.bin", Parsed::Number(x)) => a.bin = x,
            (other, _) => unreachable!("key table and assign() disagree on {other}"),
        }
    }

    /// Reads a TOML configuration text (sections `[simulation]`, `[neuron]`, `[input]`,
    /// `[record]`) on top of the defaults.
    ///
    /// # Errors
    /// [`Error::Malformed`] for invalid TOML, [`Error::UnknownKey`] or [`Error::Param`] for a
    /// bad key or value.
    ///
    /// ```
    /// let config = lifsim::Config::from_toml_str("[neuron]\ntau_m = \"10 ms\"\n").unwrap();
    /// assert_eq!(config.neuron.tau_m, 10e-3);
    /// assert!(lifsim::Config::from_toml_str("[neuron]\ntau = 1\n").is_err());
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Config, Error> {
        let table: toml::Table =
            text.parse().map_err(|e: toml::de::Error| Error::Malformed(e.to_string().trim().to_string()))?;
        let mut config = Config::default();
        for (section, body) in &table {
            let Some(body) = body.as_table() else {
                return Err(unknown_key(section));
            };
            for (name, value) in body {
                let key = format!("{section}.{name}");
                let value =
                    Value::from_toml(value).map_err(|expected| ParamError::new(&key, value.to_string(), expected))?;
                config.set(&key, &value)?;
            }
        }
        Ok(config)
    }

    /// The configuration as commented TOML in human units: `lifsim config` prints it and
    /// [`Config::from_toml_str`] reads it back to an equal configuration.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# lifsim configuration. Every quantity takes a number in SI units or a string with a\n\
             # unit (\"20 ms\", \"-60 mV\", \"100 Mohm\", \"250 pA\", \"100 Hz\"). Commented keys show their default.\n",
        );
        let mut section = "";
        for key in KEYS {
            let (head, name) = key.name.split_once('.').expect("keys are section.name");
            if head != section {
                section = head;
                let _ = write!(out, "\n[{head}]\n");
            }
            let _ = writeln!(out, "# {}", key.doc);
            match self.show(key) {
                Some(value) => {
                    let _ = writeln!(out, "{name} = {value}");
                }
                None => {
                    let _ = writeln!(out, "# {name} = ...");
                }
            }
        }
        out
    }

    /// The TOML text of the value of `key` (`section.name`) in human units, e.g. `"20 ms"`
    /// (quotes included), `500` or `"none"`; `None` for a derived default or an unknown key.
    ///
    /// ```
    /// let config = lifsim::Config::default();
    /// assert_eq!(config.value_text("neuron.tau_m").as_deref(), Some("\"20 ms\""));
    /// assert_eq!(config.value_text("neuron.v_init"), None);
    /// ```
    pub fn value_text(&self, key: &str) -> Option<String> {
        self.show(KEYS.iter().find(|k| k.name == key)?)
    }

    /// The TOML text of one key's value in human units; `None` for a derived default.
    fn show(&self, key: &Key) -> Option<String> {
        let quoted = |x: f64, dim: Dimension| match dim {
            Dimensionless => format_quantity(x, dim),
            _ => format!("\"{}\"", format_quantity(x, dim)),
        };
        let optional = |x: Option<f64>, dim: Dimension| x.map(|x| quoted(x, dim));
        let (s, p, i, r) = (&self.simulation, &self.neuron, &self.input, &self.record);
        let enum_name = |name: &str| format!("\"{name}\"");
        Some(match key.name {
            "simulation.t_max" => quoted(s.t_max, Time),
            "simulation.dt" => quoted(s.dt, Time),
            "simulation.n" => s.n.to_string(),
            "simulation.seed" => s.seed.to_string(),
            "simulation.method" => enum_name(s.method.name()),
            "simulation.crossing" => enum_name(s.crossing.name()),
            "neuron.tau_m" => quoted(p.tau_m, Time),
            "neuron.e_l" => quoted(p.e_l, Voltage),
            "neuron.v_reset" => quoted(p.v_reset, Voltage),
            "neuron.v_th" => optional(p.v_th, Voltage).unwrap_or_else(|| "\"none\"".into()),
            "neuron.r_m" => quoted(p.r_m, Resistance),
            "neuron.t_ref" => quoted(p.t_ref, Time),
            "neuron.v_init" => return optional(p.v_init, Voltage),
            "input.kind" => enum_name(i.kind.name()),
            "input.i_mean" => quoted(i.i_mean, Current),
            "input.amplitude" => return optional(i.amplitude, Current),
            "input.frequency" => quoted(i.frequency, Frequency),
            "input.phase" => quoted(i.phase, Angle),
            "input.start" => quoted(i.start, Time),
            "input.stop" => return optional(i.stop, Time),
            "input.noise" => enum_name(i.noise.name()),
            "input.noise_factor" => quoted(i.noise_factor, Dimensionless),
            "input.sigma_v" => quoted(i.sigma_v, Voltage),
            "input.tau_noise" => quoted(i.tau_noise, Time),
            "record.traces" => return r.traces.map(|c| c.to_string()),
            "record.every" => r.every.to_string(),
            "record.hist_times" => {
                let times = r.hist_times.as_ref()?;
                format!("[{}]", times.iter().map(|&t| quoted(t, Time)).collect::<Vec<_>>().join(", "))
            }
            "record.hist_bins" => r.hist_bins.to_string(),
            "analysis.t_start" => quoted(self.analysis.t_start, Time),
            "analysis.t_stop" => return optional(self.analysis.t_stop, Time),
            "analysis.bin" => quoted(self.analysis.bin, Time),
            other => unreachable!("key table and show() disagree on {other}"),
        })
    }

    /// The configuration with every derived default filled in (v_init, amplitude, stop,
    /// traces, hist_times), as written to `summary.json`.
    pub fn resolved(&self) -> Config {
        let mut c = self.clone();
        c.neuron.v_init.get_or_insert(c.neuron.e_l);
        c.input.amplitude.get_or_insert(c.input.i_mean);
        c.input.stop.get_or_insert(c.simulation.t_max);
        c.record.traces.get_or_insert(c.simulation.n.min(50));
        c.record.hist_times.get_or_insert_with(|| vec![c.simulation.t_max / 10.0, c.simulation.t_max]);
        c.analysis.t_stop.get_or_insert(c.simulation.t_max);
        c
    }

    /// Validates every value and builds the [`Simulation`].
    ///
    /// # Errors
    /// The first invalid value as [`Error::Param`]: its key, the value and what is valid.
    pub fn build(&self) -> Result<Simulation, Error> {
        let c = self.resolved();
        let (s, i, r) = (&c.simulation, &c.input, &c.record);
        let time = |x: f64| format_quantity(x, Time);
        finite("simulation.t_max", s.t_max, Time)?;
        finite("simulation.dt", s.dt, Time)?;
        if s.t_max <= 0.0 {
            return Err(ParamError::new("simulation.t_max", time(s.t_max), "a positive time, e.g. \"150 ms\"").into());
        }
        if s.dt <= 0.0 || s.dt > s.t_max {
            let expected =
                format!("a positive time no larger than simulation.t_max = {}, e.g. \"0.1 ms\"", time(s.t_max));
            return Err(ParamError::new("simulation.dt", time(s.dt), expected).into());
        }
        let steps = (s.t_max / s.dt).round();
        if steps > f64::from(u32::MAX) {
            let expected = format!("at most {} steps: a larger dt or a shorter t_max", u32::MAX);
            return Err(ParamError::new("simulation.dt", time(s.dt), expected).into());
        }
        if s.n == 0 || s.n > u64::from(u32::MAX) {
            return Err(
                ParamError::new("simulation.n", s.n.to_string(), format!("an integer from 1 to {}", u32::MAX)).into()
            );
        }
        let neuron = LifParams {
            tau_m: c.neuron.tau_m,
            e_l: c.neuron.e_l,
            v_reset: c.neuron.v_reset,
            v_th: c.neuron.v_th,
            r_m: c.neuron.r_m,
            t_ref: c.neuron.t_ref,
            v_init: c.neuron.v_init.unwrap_or(c.neuron.e_l),
        };
        neuron.validate()?;
        if s.method == Method::Euler && s.dt >= 2.0 * neuron.tau_m {
            let expected = format!(
                "dt < 2 tau_m = {} for a stable Euler step (better dt <= tau_m/10), or simulation.method = \"exact\"",
                time(2.0 * neuron.tau_m)
            );
            return Err(ParamError::new("simulation.dt", time(s.dt), expected).into());
        }
        let drive = self.build_drive(&c)?;
        let noise = match i.noise {
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
                    let expected = format!(
                        "a positive time{}, e.g. \"5 ms\"",
                        if s.method == Method::Euler {
                            format!(" above dt/2 = {} for a stable Euler step", time(s.dt / 2.0))
                        } else {
                            String::new()
                        }
                    );
                    return Err(ParamError::new("input.tau_noise", time(i.tau_noise), expected).into());
                }
                Noise::Ou { sigma_v, tau_noise: i.tau_noise }
            }
        };
        if s.crossing == Crossing::Bridge && !matches!(noise, Noise::White { .. }) {
            return Err(ParamError::new(
                "simulation.crossing",
                "\"bridge\"",
                "\"grid\" unless input.noise = \"white\" (only a diffusive path can cross between grid points)",
            )
            .into());
        }
        let steps = steps as usize;
        let record = build_record(r, s.n, s.t_max, s.dt, steps)?;
        let analysis = build_analysis(&c.analysis, s.t_max)?;
        Ok(Simulation {
            neuron,
            input: Input { drive, noise },
            method: s.method,
            crossing: s.crossing,
            dt: s.dt,
            t_max: s.t_max,
            steps,
            n: s.n as usize,
            seed: s.seed,
            record,
            analysis,
        })
    }

    fn build_drive(&self, c: &Config) -> Result<Drive, Error> {
        let i = &c.input;
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
                let stop = i.stop.unwrap_or(c.simulation.t_max);
                finite("input.stop", stop, Time)?;
                if stop <= start {
                    let expected = format!("a time after input.start = {}", format_quantity(start, Time));
                    return Err(ParamError::new("input.stop", format_quantity(stop, Time), expected).into());
                }
                Drive::Step { i_mean: i.i_mean, amplitude, start, stop }
            }
        })
    }
}

fn build_record(r: &RecordSection, n: u64, t_max: f64, dt: f64, steps: usize) -> Result<RecordSpec, Error> {
    let traces = r.traces.unwrap_or(n.min(50));
    if traces > n {
        return Err(ParamError::new("record.traces", traces.to_string(), format!("at most simulation.n = {n}")).into());
    }
    if r.every == 0 {
        return Err(ParamError::new("record.every", "0", "an integer >= 1 (1 = every step)").into());
    }
    if r.hist_bins == 0 || r.hist_bins > 100_000 {
        return Err(ParamError::new("record.hist_bins", r.hist_bins.to_string(), "an integer from 1 to 100000").into());
    }
    let times = r.hist_times.clone().unwrap_or_else(|| vec![t_max / 10.0, t_max]);
    let mut hist_steps = Vec::with_capacity(times.len());
    for &t in &times {
        if !(0.0..=t_max).contains(&t) {
            let value = format_quantity(t, Time);
            return Err(ParamError::new(
                "record.hist_times",
                value,
                format!("times from 0 to simulation.t_max = {}", format_quantity(t_max, Time)),
            )
            .into());
        }
        // Times snap to the grid; t_max itself maps to the last grid point.
        hist_steps.push(((t / dt).round() as usize).min(steps - 1));
    }
    Ok(RecordSpec { traces: traces as usize, every: r.every as usize, hist_steps, hist_bins: r.hist_bins as usize })
}

fn build_analysis(a: &AnalysisSection, t_max: f64) -> Result<AnalysisSpec, Error> {
    let time = |x: f64| format_quantity(x, Time);
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

fn quantity(value: &Value, dim: Dimension) -> Result<f64, String> {
    let expected = || format!("{} such as {}", dim.describe(), dim.example());
    let x = match value {
        Value::Float(x) => *x,
        Value::Int(i) => *i as f64,
        Value::Str(text) => parse_quantity(text, dim).map_err(|e| match e {
            UnitError::WrongDimension(found) => {
                format!("{} such as {} (this unit is {})", dim.describe(), dim.example(), found.describe())
            }
            other => format!("{} such as {} ({other})", dim.describe(), dim.example()),
        })?,
        _ => return Err(expected()),
    };
    if x.is_finite() { Ok(x) } else { Err(format!("a finite number: {}", expected())) }
}

fn count(value: &Value) -> Result<u64, String> {
    let expected = "a whole number >= 0".to_string();
    match value {
        Value::Int(i) if *i >= 0 => Ok(*i as u64),
        Value::Float(x) if x.is_finite() && *x >= 0.0 && x.fract() == 0.0 && *x < 1.8e19 => Ok(*x as u64),
        Value::Str(s) => s.trim().parse::<u64>().map_err(|_| expected),
        _ => Err(expected),
    }
}

fn unknown_key(name: &str) -> Error {
    let (section, _) = name.split_once('.').unwrap_or((name, ""));
    let best = KEYS
        .iter()
        .map(|k| (strsim::jaro_winkler(k.name, name), k.name))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.8)
        .map(|(_, best)| format!("; did you mean `{best}`?"))
        .unwrap_or_default();
    let in_section: Vec<&str> =
        KEYS.iter().filter(|k| k.name.starts_with(&format!("{section}."))).map(|k| k.name).collect();
    let valid = if in_section.is_empty() {
        "; valid sections: simulation, neuron, input, record, analysis".to_string()
    } else {
        format!("; valid keys: {}", in_section.join(", "))
    };
    Error::UnknownKey { key: name.to_string(), hint: format!("{best}{valid}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_defaults_read_back_equal() {
        let config = Config::default();
        assert_eq!(Config::from_toml_str(&config.to_toml()).unwrap(), config);
        let mut custom = Config::default();
        for (k, v) in [
            ("neuron.v_th", "none"),
            ("input.kind", "sine"),
            ("record.hist_times", "5 ms"),
            ("simulation.method", "exact"),
        ] {
            custom.set(k, &v.into()).unwrap();
        }
        custom.set("record.traces", &Value::Int(3)).unwrap();
        assert_eq!(Config::from_toml_str(&custom.to_toml()).unwrap(), custom);
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let err = Config::default().set("neuron.tau", &Value::Float(1.0)).unwrap_err().to_string();
        assert!(err.contains("did you mean `neuron.tau_m`"), "{err}");
        let err = Config::from_toml_str("[nueron]\ntau_m = 1\n").unwrap_err().to_string();
        assert!(err.contains("nueron"), "{err}");
    }

    #[test]
    fn cli_values_parse_as_toml_or_text() {
        assert_eq!(Value::parse_cli("1000"), Value::Int(1000));
        assert_eq!(Value::parse_cli("20 ms"), Value::Str("20 ms".into()));
        assert_eq!(Value::parse_cli("\"20 ms\""), Value::Str("20 ms".into()));
        assert_eq!(Value::parse_cli("[1, 2]"), Value::List(vec![Value::Int(1), Value::Int(2)]));
    }
}
