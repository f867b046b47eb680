//! The user-facing configuration: one vocabulary of keys, human units in, a validated `Simulation` out.
//!
//! The same keys serve the TOML file (`[neuron] tau_m = "20 ms"`), the command line
//! (`--set neuron.tau_m="20 ms"`) and Python keywords (`tau_m="20 ms"`). Values are stored in
//! SI units in the sections below; [`keys`] holds one row per key (reading, showing, defaults),
//! and [`Config::build`] ([`build`]) checks every range once and resolves the derived defaults.

mod build;
pub mod keys;
pub mod network;
pub(crate) mod value;

pub use keys::{KEYS, Key, KeyKind};
pub use network::{CONNECTION_KEYS, ConnectionSection, POPULATION_KEYS, PopulationSection};
pub use value::{Value, describe_settings};

use crate::error::Error;
use crate::model::{Crossing, Method, SpikeMode};
use crate::units::Dimension;
use serde::Serialize;
use std::fmt::Write as _;

choice_enum! {
    /// The deterministic input's shape, `input.kind`.
    pub enum DriveKind {
        /// `i_mean`.
        Constant = "constant",
        /// `i_mean + amplitude sin(2 pi frequency t + phase)`.
        Sine = "sine",
        /// `i_mean + amplitude` between `start` and `stop`.
        Step = "step",
    }
}

choice_enum! {
    /// The noise model, `input.noise` (the configuration's default, `"tutorial"`, is in its
    /// key row; the enum's `Default` is only its first name).
    pub enum NoiseKind {
        /// No noise.
        None = "none",
        /// The tutorial's uniform current noise.
        Tutorial = "tutorial",
        /// Gaussian white noise.
        White = "white",
        /// Ornstein-Uhlenbeck current noise.
        Ou = "ou",
        /// Poisson (shot-noise) input spikes.
        Poisson = "poisson",
    }
}

/// `[simulation]`: the time grid, the ensemble and the method.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
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
    /// Poisson input: total rate of excitatory input spikes (Hz).
    pub rate_e: f64,
    /// Poisson input: jump of V per excitatory input spike (V).
    pub weight_e: f64,
    /// Poisson input: total rate of inhibitory input spikes (Hz).
    pub rate_i: f64,
    /// Poisson input: jump of V per inhibitory input spike (V), negative for inhibition.
    pub weight_i: f64,
}

choice_enum! {
    /// When a run's directory gets `spikes.csv` (`record.csv`), for spikes kept in memory
    /// (which `results.npz` always holds, as `spike_neuron` and `spike_step`).
    pub enum CsvRule {
        /// `spikes.csv` for up to [`CsvRule::AUTO_LIMIT`] spikes; beyond, the spikes are only in
        /// `results.npz`, so that a large run writes no gigabytes of redundant text.
        Auto = "auto",
        /// `spikes.csv` whatever the number of spikes.
        Always = "always",
        /// Never `spikes.csv`.
        Never = "never",
    }
}

impl CsvRule {
    /// Most spikes for which [`CsvRule::Auto`] writes `spikes.csv` (about 25 MB of text).
    pub const AUTO_LIMIT: u64 = 1_000_000;

    /// Whether a run of `spikes` spikes gets `spikes.csv`.
    ///
    /// ```
    /// use lifsim::config::CsvRule;
    /// assert!(CsvRule::Auto.writes_csv(CsvRule::AUTO_LIMIT));
    /// assert!(!CsvRule::Auto.writes_csv(CsvRule::AUTO_LIMIT + 1));
    /// assert!(CsvRule::Always.writes_csv(u64::MAX) && !CsvRule::Never.writes_csv(0));
    /// ```
    pub fn writes_csv(self, spikes: u64) -> bool {
        match self {
            CsvRule::Auto => spikes <= Self::AUTO_LIMIT,
            CsvRule::Always => true,
            CsvRule::Never => false,
        }
    }
}

/// `[record]`: what is recorded besides moments, spikes and activity.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RecordSection {
    /// Number of traced neurons; `None` = `min(n, 50)`.
    pub traces: Option<u64>,
    /// Trace every `every`-th step.
    pub every: u64,
    /// Times of the V histograms (s); `None` = `[t_max/10, t_max]`.
    pub hist_times: Option<Vec<f64>>,
    /// Number of histogram bins.
    pub hist_bins: u64,
    /// Where the spikes go: kept in memory, streamed to a file, or only counted.
    pub spikes: SpikeMode,
    /// When the command line writes `spikes.csv` beside the columnar spike file.
    pub csv: CsvRule,
}

/// `[analysis]`: the window and bins of the spike statistics (see [`crate::analysis`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AnalysisSection {
    /// Start of the analysis window (s); earlier spikes are treated as a transient.
    pub t_start: f64,
    /// End of the analysis window (s); `None` = `t_max`.
    pub t_stop: Option<f64>,
    /// Bin width of the population rate (s).
    pub bin: f64,
}

/// A whole configuration, in SI units. `Default` is lifsim's built-in run (the defaults of
/// the key rows): the tutorial's parameters, tutorial noise, n = 500, t_ref = 10 ms
/// (exercises 9-10).
///
/// ```
/// let mut config = lifsim::Config::default();
/// config.set("neuron.tau_m", &"10 ms".into()).unwrap();
/// assert_eq!(config.neuron.tau_m, 10e-3);
/// let err = config.set("neuron.tau_m", &"10 mV".into()).unwrap_err();
/// assert!(err.to_string().contains("neuron.tau_m"));
/// let sim = config.build().unwrap();
/// assert_eq!(sim.steps(), 150);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub analysis: AnalysisSection,
    /// `[[population]]`: none for an ensemble of identical neurons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub populations: Vec<PopulationSection>,
    /// `[[connection]]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connections: Vec<ConnectionSection>,
}

impl Default for Config {
    fn default() -> Self {
        let mut config = Config {
            simulation: SimulationSection::default(),
            neuron: NeuronSection::default(),
            input: InputSection::default(),
            record: RecordSection::default(),
            analysis: AnalysisSection::default(),
            populations: Vec::new(),
            connections: Vec::new(),
        };
        for key in KEYS {
            key.reset(&mut config);
        }
        config
    }
}

/// A multi-line message with each line cut to an excerpt (TOML's errors quote the offending
/// line, which may be megabytes long).
fn excerpt_lines(message: &str) -> String {
    message.lines().map(crate::error::excerpt).collect::<Vec<_>>().join("\n")
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
        Ok(match Config::key_kind(name)? {
            KeyKind::Quantity(dim) => Some(dim),
            _ => None,
        })
    }

    /// What kind of value the key `name` takes, network addresses (`population.E.n`,
    /// `connection.E->I.weight`) included; the population or connection need not exist.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] for a key lifsim does not know.
    pub fn key_kind(name: &str) -> Result<KeyKind, Error> {
        network::kind(name)
    }

    /// Sets one key from a raw value, checking its type and unit (ranges are checked by
    /// [`Config::build`], since they may depend on other keys).
    ///
    /// # Errors
    /// [`Error::UnknownKey`] with a suggestion, or [`Error::Param`] naming the key, the value
    /// and what it should be.
    pub fn set(&mut self, name: &str, value: &Value) -> Result<(), Error> {
        self.set_network(network::address(name)?, name, value)
    }

    /// Reads a TOML configuration text (sections `[simulation]`, `[neuron]`, `[input]`,
    /// `[record]`, `[analysis]`) on top of the defaults.
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
            text.parse().map_err(|e: toml::de::Error| Error::Malformed(excerpt_lines(e.to_string().trim())))?;
        let mut config = Config::default();
        for (section, body) in &table {
            if section == "population" || section == "connection" {
                continue;
            }
            let Some(body) = body.as_table() else {
                return Err(keys::unknown_key(section));
            };
            for (name, value) in body {
                config.set_toml(&format!("{section}.{name}"), value)?;
            }
        }
        // Populations before connections, whatever the order of the text.
        for section in ["population", "connection"] {
            if let Some(body) = table.get(section) {
                config.read_network_toml(section, body)?;
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
            let (head, name) = key.name.split_once('.').unwrap_or(("", key.name));
            if head != section {
                section = head;
                let _ = write!(out, "\n[{head}]\n");
            }
            let _ = writeln!(out, "# {}", key.doc);
            match key.text(self) {
                Some(value) => {
                    let _ = writeln!(out, "{name} = {value}");
                }
                None => {
                    let _ = writeln!(out, "# {name} = ...");
                }
            }
        }
        out.push_str(&self.network_toml());
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
        self.network_text(network::address(key).ok()?)
    }

    /// The number of neurons: the sum of the populations' sizes for a network, else
    /// `simulation.n`.
    pub fn neurons(&self) -> u64 {
        if self.populations.is_empty() { self.simulation.n } else { self.populations.iter().map(|p| p.n).sum() }
    }

    /// The configuration with every derived default filled in (v_init, amplitude, stop,
    /// traces, hist_times, t_stop), as written to `summary.json`.
    pub fn resolved(&self) -> Config {
        let mut config = self.clone();
        for key in KEYS {
            key.resolve(&mut config);
        }
        config
    }
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
