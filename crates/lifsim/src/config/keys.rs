//! The key table: every configuration key as one row of data, and everything driven by it.
//!
//! A row holds the key's name, its documentation, how its value is read (a quantity of a
//! dimension, a count, a name, a list of times), its default (a value, or one derived from other
//! keys) and where it lives in [`Config`]. Reading a value ([`Config::set`]), showing it back
//! ([`Config::value_text`], `lifsim config`), the defaults ([`Config::default`],
//! [`Config::resolved`]), unknown-key suggestions and the Python keyword list all come from
//! [`KEYS`]; adding a key is adding a row (and its section field).

use super::{Config, CsvRule, DriveKind, NoiseKind, Value};
use crate::choice::Choice;
use crate::error::{Error, ParamError};
use crate::model::{Crossing, LifParams, Method, SpikeMode};
use crate::units::{Dimension, UnitError, format_quantity, parse_quantity};

/// One configuration key: its name (`section.name`), documentation, and how it is read,
/// defaulted and stored in a `T` (the [`Config`] by default; a population's or a connection's
/// section for the network keys).
pub struct Key<T: 'static = Config> {
    /// `section.name`, e.g. `neuron.tau_m`.
    pub name: &'static str,
    /// One line saying what the key means (shown by `lifsim config`).
    pub doc: &'static str,
    pub(crate) field: Field<T>,
}

/// What kind of value a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A quantity of this dimension (some keys also take `"none"`).
    Quantity(Dimension),
    /// A whole number >= 0.
    Count,
    /// One of the listed names.
    Name(&'static [&'static str]),
    /// A list of times.
    Times,
    /// A name (a population's, a connection's ends).
    Text,
}

/// How a key's value is read, its default, and its place in a `T` (the configuration, a
/// population or a connection) as accessor functions, so that every row is plain data.
pub(crate) enum Field<T: 'static> {
    Quantity {
        dim: Dimension,
        default: f64,
        get: fn(&T) -> f64,
        set: fn(&mut T, f64),
    },
    /// A quantity that may be absent (`None`): see [`Absent`].
    Optional {
        dim: Dimension,
        default: Option<f64>,
        absent: Absent<T>,
        get: fn(&T) -> Option<f64>,
        set: fn(&mut T, Option<f64>),
    },
    /// A whole number in `range`.
    Count {
        default: u64,
        range: Range,
        get: fn(&T) -> u64,
        set: fn(&mut T, u64),
    },
    /// A count in `range` that may be unset: its default is derived from other keys, or (no
    /// `derive`) it stays unset until given.
    OptionalCount {
        range: Range,
        derive: Option<fn(&T) -> u64>,
        get: fn(&T) -> Option<u64>,
        set: fn(&mut T, Option<u64>),
    },
    Choice {
        names: &'static [&'static str],
        default: &'static str,
        get: fn(&T) -> &'static str,
        set: fn(&mut T, &str) -> bool,
    },
    /// A name (of a population, of a connection's ends); `None` where it is not set.
    Text {
        get: fn(&T) -> Option<&str>,
        set: fn(&mut T, String),
    },
    /// A list of times whose default is derived from other keys.
    Times {
        derive: fn(&T) -> Vec<f64>,
        get: fn(&T) -> Option<&[f64]>,
        set: fn(&mut T, Option<Vec<f64>>),
    },
}

// Every field is a function pointer or plain data, so a row copies whatever `T` is.
impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Field<T> {}
impl<T> Clone for Absent<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Absent<T> {}

/// The valid values of a count, `min ..= max`.
#[derive(Clone, Copy)]
pub(crate) struct Range {
    pub(crate) min: u64,
    pub(crate) max: u64,
}

/// Counts of neurons and steps: the engine indexes them in 32 bits.
const NEURONS: Range = Range { min: 1, max: u32::MAX as u64 };

/// What an absent optional quantity means.
pub(crate) enum Absent<T: 'static> {
    /// `"none"`, a setting of its own (`neuron.v_th = "none"`: a free membrane).
    None,
    /// The default derived from other keys (`neuron.v_init`: `e_l`).
    Derived(fn(&T) -> f64),
    /// Not set, and not shown (a connection's `probability` when it has an `in_degree`).
    Unset,
}

macro_rules! quantity {
    ($name:literal, $dim:ident, $($field:ident).+ = $default:expr, $doc:expr) => {
        Key {
            name: $name,
            doc: $doc,
            field: Field::Quantity {
                dim: Dimension::$dim,
                default: $default,
                get: |c| c.$($field).+,
                set: |c, x| c.$($field).+ = x,
            },
        }
    };
}

macro_rules! optional {
    ($name:literal, $dim:ident, $($field:ident).+ = $default:expr, $absent:expr, $doc:expr) => {
        Key {
            name: $name,
            doc: $doc,
            field: Field::Optional {
                dim: Dimension::$dim,
                default: $default,
                absent: $absent,
                get: |c| c.$($field).+,
                set: |c, x| c.$($field).+ = x,
            },
        }
    };
}

macro_rules! count {
    ($name:literal, $($field:ident).+ = $default:expr, [$min:expr, $max:expr], $doc:expr) => {
        Key {
            name: $name,
            doc: $doc,
            field: Field::Count {
                default: $default,
                range: Range { min: $min, max: $max },
                get: |c| c.$($field).+,
                set: |c, x| c.$($field).+ = x,
            },
        }
    };
}

macro_rules! choice {
    ($name:literal, $($field:ident).+ : $kind:ty = $default:literal, $doc:expr) => {
        Key {
            name: $name,
            doc: $doc,
            field: Field::Choice {
                names: <$kind>::NAMES,
                default: $default,
                get: |c| c.$($field).+.name(),
                set: |c, name| match <$kind>::from_name(name) {
                    Some(value) => {
                        c.$($field).+ = value;
                        true
                    }
                    None => false,
                },
            },
        }
    };
}

/// Every key lifsim knows, in the order `lifsim config` prints them.
pub const KEYS: &[Key] = &[
    quantity!(
        "simulation.t_max",
        Time,
        simulation.t_max = 0.15,
        "simulated duration; the grid is t_k = k dt, k = 0 .. round(t_max/dt) - 1"
    ),
    quantity!("simulation.dt", Time, simulation.dt = 1e-3, "integration time step"),
    count!(
        "simulation.n",
        simulation.n = 500,
        [NEURONS.min, NEURONS.max],
        "number of independent neurons in the ensemble (a network's is the sum of its populations)"
    ),
    count!(
        "simulation.seed",
        simulation.seed = 2017,
        [0, u64::MAX],
        "seed of every random stream (same seed = same numbers, whatever the thread count)"
    ),
    choice!(
        "simulation.method",
        simulation.method: Method = "euler",
        "\"euler\" (the tutorial's forward Euler) or \"exact\" (exponential propagator, exact OU step)"
    ),
    choice!(
        "simulation.crossing",
        simulation.crossing: Crossing = "grid",
        "\"grid\" (spike when V >= v_th on the grid, the tutorial's rule) or \"bridge\" (also when the white-noise path crossed between grid points) or \"precise\" (as bridge, with each spike at its time within the step, reset and t_ref counted from it; white noise or none, method \"exact\")"
    ),
    quantity!("neuron.tau_m", Time, neuron.tau_m = LifParams::TUTORIAL.tau_m, "membrane time constant"),
    quantity!("neuron.e_l", Voltage, neuron.e_l = LifParams::TUTORIAL.e_l, "leak (resting) potential"),
    quantity!("neuron.v_reset", Voltage, neuron.v_reset = LifParams::TUTORIAL.v_reset, "potential after a spike"),
    optional!(
        "neuron.v_th",
        Voltage,
        neuron.v_th = LifParams::TUTORIAL.v_th,
        Absent::None,
        "spike threshold; \"none\" for a free membrane"
    ),
    quantity!("neuron.r_m", Resistance, neuron.r_m = LifParams::TUTORIAL.r_m, "membrane resistance"),
    quantity!(
        "neuron.t_ref",
        Time,
        neuron.t_ref = LifParams::TUTORIAL.t_ref,
        "refractory period (V held at v_reset for round(t_ref/dt) grid points); 0 = none"
    ),
    optional!(
        "neuron.v_init",
        Voltage,
        neuron.v_init = None,
        Absent::Derived(|c| c.neuron.e_l),
        "potential at t = 0; default: e_l"
    ),
    choice!(
        "input.kind",
        input.kind: DriveKind = "constant",
        "deterministic current: \"constant\", \"sine\" or \"step\""
    ),
    quantity!("input.i_mean", Current, input.i_mean = 250e-12, "mean (baseline) current"),
    optional!(
        "input.amplitude",
        Current,
        input.amplitude = None,
        Absent::Derived(|c| c.input.i_mean),
        "sine or step amplitude; default: i_mean"
    ),
    quantity!("input.frequency", Frequency, input.frequency = 100.0, "sine frequency"),
    quantity!("input.phase", Angle, input.phase = 0.0, "sine phase at t = 0"),
    quantity!("input.start", Time, input.start = 0.0, "step onset"),
    optional!(
        "input.stop",
        Time,
        input.stop = None,
        Absent::Derived(|c| c.simulation.t_max),
        "step end; default: t_max"
    ),
    choice!(
        "input.noise",
        input.noise: NoiseKind = "tutorial",
        "per-neuron noise: \"none\", \"tutorial\" (I_mean (1 + f sqrt(t_max/dt) U(-1,1))), \"white\", \"ou\" or \"poisson\""
    ),
    quantity!("input.noise_factor", Dimensionless, input.noise_factor = 0.1, "tutorial noise factor f"),
    quantity!(
        "input.sigma_v",
        Voltage,
        input.sigma_v = 5e-3,
        "white/ou noise: stationary std of the free membrane (white-noise limit)"
    ),
    quantity!("input.tau_noise", Time, input.tau_noise = 5e-3, "ou noise: correlation time of the noise current"),
    quantity!(
        "input.rate_e",
        Frequency,
        input.rate_e = 20e3,
        "poisson noise: total rate of excitatory input spikes per neuron"
    ),
    quantity!(
        "input.weight_e",
        Voltage,
        input.weight_e = 0.1e-3,
        "poisson noise: jump of V per excitatory input spike"
    ),
    quantity!(
        "input.rate_i",
        Frequency,
        input.rate_i = 0.0,
        "poisson noise: total rate of inhibitory input spikes per neuron"
    ),
    quantity!(
        "input.weight_i",
        Voltage,
        input.weight_i = -0.5e-3,
        "poisson noise: jump of V per inhibitory input spike (negative: inhibitory)"
    ),
    Key {
        name: "record.traces",
        doc: "number of neurons whose V is traced (the first ones); default: min(n, 50)",
        field: Field::OptionalCount {
            range: Range { min: 0, max: NEURONS.max },
            derive: Some(|c| c.neurons().min(50)),
            get: |c| c.record.traces,
            set: |c, x| c.record.traces = x,
        },
    },
    count!("record.every", record.every = 1, [1, u32::MAX as u64], "trace every `every`-th step"),
    Key {
        name: "record.hist_times",
        doc: "times of the V histograms across the ensemble; default: [t_max/10, t_max]",
        field: Field::Times {
            derive: |c| vec![c.simulation.t_max / 10.0, c.simulation.t_max],
            get: |c| c.record.hist_times.as_deref(),
            set: |c, x| c.record.hist_times = x,
        },
    },
    count!("record.hist_bins", record.hist_bins = 50, [1, 100_000], "number of histogram bins"),
    choice!(
        "record.spikes",
        record.spikes: SpikeMode = "memory",
        "\"memory\" (every spike kept), \"file\" (streamed to spikes.parquet during the run, memory bounded) or \"counts\" (per-neuron counts and activity only)"
    ),
    choice!(
        "record.csv",
        record.csv: CsvRule = "auto",
        "when spikes.csv is written beside results.npz (which holds every spike): \"auto\" (up to 1 000 000 spikes), \"always\" or \"never\""
    ),
    quantity!(
        "analysis.t_start",
        Time,
        analysis.t_start = 0.0,
        "start of the spike-statistics window (drops the transient); spikes at t_start < t <= t_stop count"
    ),
    optional!(
        "analysis.t_stop",
        Time,
        analysis.t_stop = None,
        Absent::Derived(|c| c.simulation.t_max),
        "end of the spike-statistics window; default: t_max"
    ),
    quantity!("analysis.bin", Time, analysis.bin = 1e-3, "bin width of the population rate (PSTH), whole grid steps"),
];

impl Key {
    /// The row of `name`.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] with the closest key and the keys of its section.
    pub fn find(name: &str) -> Result<&'static Key, Error> {
        KEYS.iter().find(|k| k.name == name).ok_or_else(|| unknown_key(name))
    }
}

impl<T> Key<T> {
    /// What kind of value the key takes.
    pub fn kind(&self) -> KeyKind {
        match self.field {
            Field::Quantity { dim, .. } | Field::Optional { dim, .. } => KeyKind::Quantity(dim),
            Field::Count { .. } | Field::OptionalCount { .. } => KeyKind::Count,
            Field::Choice { names, .. } => KeyKind::Name(names),
            Field::Times { .. } => KeyKind::Times,
            Field::Text { .. } => KeyKind::Text,
        }
    }

    /// Reads `value` into `config`, checking its type and unit (not its range).
    ///
    /// # Errors
    /// [`ParamError`] naming the key, the value and what it should be.
    pub(crate) fn read(&self, config: &mut T, value: &Value) -> Result<(), ParamError> {
        let bad = |expected: String| ParamError::new(self.name, value.to_string(), expected);
        match self.field {
            Field::Quantity { dim, set, .. } => set(config, quantity(value, dim).map_err(bad)?),
            Field::Optional { dim, set, .. } => match value {
                Value::Str(s) if s.trim().eq_ignore_ascii_case("none") => set(config, None),
                _ => set(config, Some(quantity(value, dim).map_err(|e| bad(format!("{e} or \"none\"")))?)),
            },
            Field::Count { range, set, .. } => set(config, count(value, range).map_err(bad)?),
            Field::OptionalCount { range, set, .. } => set(config, Some(count(value, range).map_err(bad)?)),
            Field::Choice { names, set, .. } => {
                let chosen = match value {
                    Value::Str(s) => set(config, &s.trim().to_ascii_lowercase()),
                    _ => false,
                };
                if !chosen {
                    let listed: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                    return Err(bad(format!("one of {}", listed.join(", "))));
                }
            }
            Field::Text { set, .. } => match value {
                Value::Str(text) if is_name(text) => set(config, text.clone()),
                _ => return Err(bad(NAME_RULE.into())),
            },
            Field::Times { set, .. } => {
                let items = match value {
                    Value::List(items) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                let times = items.iter().map(|v| quantity(v, Dimension::Time)).collect::<Result<_, _>>();
                set(config, Some(times.map_err(|e| bad(format!("a list of {e}")))?));
            }
        }
        Ok(())
    }

    /// The TOML text of the key's value in `config`, in human units (`"20 ms"`, `500`,
    /// `"none"`); `None` for a default that is derived from other keys.
    pub(crate) fn text(&self, config: &T) -> Option<String> {
        let quoted = |x: f64, dim: Dimension| match dim {
            Dimension::Dimensionless => format_quantity(x, dim),
            _ => format!("\"{}\"", format_quantity(x, dim)),
        };
        Some(match self.field {
            Field::Quantity { dim, get, .. } => quoted(get(config), dim),
            Field::Optional { dim, get, absent, .. } => match (get(config), absent) {
                (Some(x), _) => quoted(x, dim),
                (None, Absent::None) => "\"none\"".into(),
                (None, Absent::Derived(_) | Absent::Unset) => return None,
            },
            Field::Count { get, .. } => get(config).to_string(),
            Field::OptionalCount { get, .. } => get(config)?.to_string(),
            Field::Choice { get, .. } => format!("\"{}\"", get(config)),
            Field::Text { get, .. } => format!("{:?}", get(config)?),
            Field::Times { get, .. } => {
                let times: Vec<String> = get(config)?.iter().map(|&t| quoted(t, Dimension::Time)).collect();
                format!("[{}]", times.join(", "))
            }
        })
    }

    /// The key's value in `config` in SI units (a number, a count, a name, a list of times, or
    /// `"none"`); `None` for a default that is derived from other keys or a value not set.
    pub(crate) fn value(&self, config: &T) -> Option<Value> {
        Some(match self.field {
            Field::Quantity { get, .. } => Value::Float(get(config)),
            Field::Optional { get, absent, .. } => match (get(config), absent) {
                (Some(x), _) => Value::Float(x),
                (None, Absent::None) => Value::from("none"),
                (None, Absent::Derived(_) | Absent::Unset) => return None,
            },
            Field::Count { get, .. } => Value::from(get(config)),
            Field::OptionalCount { get, .. } => Value::from(get(config)?),
            Field::Choice { get, .. } => Value::from(get(config)),
            Field::Text { get, .. } => Value::from(get(config)?),
            Field::Times { get, .. } => Value::List(get(config)?.iter().map(|&t| Value::Float(t)).collect()),
        })
    }

    /// Sets the key's default in `config` (a derived default is left to [`Key::resolve`]).
    pub(crate) fn reset(&self, config: &mut T) {
        match self.field {
            Field::Quantity { default, set, .. } => set(config, default),
            Field::Optional { default, set, .. } => set(config, default),
            Field::Count { default, set, .. } => set(config, default),
            Field::OptionalCount { set, .. } => set(config, None),
            Field::Choice { default, set, .. } => {
                let known = set(config, default);
                debug_assert!(known, "{}: the default {default:?} is not one of its names", self.name);
            }
            Field::Times { set, .. } => set(config, None),
            Field::Text { .. } => {}
        }
    }

    /// Fills in the key's derived default in `config` when it is not set.
    pub(crate) fn resolve(&self, config: &mut T) {
        match self.field {
            Field::Optional { get, set, absent: Absent::Derived(derive), .. } if get(config).is_none() => {
                let value = derive(config);
                set(config, Some(value));
            }
            Field::OptionalCount { derive: Some(derive), get, set, .. } if get(config).is_none() => {
                let value = derive(config);
                set(config, Some(value));
            }
            Field::Times { derive, get, set } if get(config).is_none() => {
                let value = derive(config);
                set(config, Some(value));
            }
            _ => {}
        }
    }
}

/// What a name of a population or connection may be.
pub(crate) const NAME_RULE: &str =
    "a name of 1 to 64 letters, digits, '_' or '-' (no '.', '+' or '->'), e.g. \"E\" or \"inh_2\"";

/// Whether `text` can name a population or a connection (see [`NAME_RULE`]): it must not
/// contain the separators of the keys that address it (`population.E.n`, `connection.E->I.weight`,
/// a joint sweep axis `a+b`).
pub(crate) fn is_name(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !text.contains("->")
}

/// A quantity of dimension `dim` from a number (SI) or a text with its unit.
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

/// A whole number in `range` from an integer, an integral float (exactly representable) or a
/// text of digits.
fn count(value: &Value, range: Range) -> Result<u64, String> {
    let expected = || format!("a whole number from {} to {}", range.min, range.max);
    let whole: Option<u64> = match value {
        Value::Int(i) => u64::try_from(*i).ok(),
        // Below 2^53 every integral float is exact; above it a float may stand for many counts.
        Value::Float(x) if x.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(x) => Some(*x as u64),
        Value::Str(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    whole.filter(|c| (range.min..=range.max).contains(c)).ok_or_else(expected)
}

/// The error for an unknown key: the closest known key (if any is close) and the keys of its
/// section, or the valid sections.
pub(crate) fn unknown_key(name: &str) -> Error {
    let (section, _) = name.split_once('.').unwrap_or((name, ""));
    // A similarity of a huge text with every key would take long, and suggest nothing.
    let best = KEYS
        .iter()
        .filter(|_| name.len() <= crate::error::EXCERPT_CHARS)
        .map(|k| (strsim::jaro_winkler(k.name, name), k.name))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.8)
        .map(|(_, best)| format!("; did you mean `{best}`?"))
        .unwrap_or_default();
    let in_section: Vec<&str> = KEYS
        .iter()
        .filter(|k| k.name.split_once('.').is_some_and(|(head, _)| head == section))
        .map(|k| k.name)
        .collect();
    let valid = if in_section.is_empty() {
        "; valid sections: simulation, neuron, input, record, analysis".to_string()
    } else {
        format!("; valid keys: {}", in_section.join(", "))
    };
    Error::UnknownKey { key: crate::error::excerpt(name), hint: format!("{best}{valid}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaf fields of a configuration as `section.name`, read from its JSON form.
    fn fields(config: &Config) -> Vec<String> {
        let json = serde_json::to_value(config).expect("a configuration serializes");
        let sections = json.as_object().expect("sections");
        let mut fields: Vec<String> = sections
            .iter()
            .flat_map(|(section, body)| {
                body.as_object().expect("a section").keys().map(move |k| format!("{section}.{k}"))
            })
            .collect();
        fields.sort();
        fields
    }

    /// Every field of every section has exactly one row, and every row reads and writes the
    /// field of its own name (a row that wrote another field would leave its own at the
    /// default while changing a neighbour).
    #[test]
    fn every_field_has_one_row_that_writes_it() {
        let mut names: Vec<String> = KEYS.iter().map(|k| k.name.to_string()).collect();
        names.sort();
        assert_eq!(names, fields(&Config::default()), "rows and section fields differ");
        for key in KEYS {
            let mut config = Config::default();
            let before = serde_json::to_value(&config).unwrap();
            let value = match key.kind() {
                KeyKind::Quantity(_) => Value::Float(0.123),
                KeyKind::Count => Value::Int(3),
                KeyKind::Name(names) => {
                    let current = key.text(&config).unwrap();
                    Value::from(*names.iter().find(|&&n| format!("\"{n}\"") != current).unwrap())
                }
                KeyKind::Times => Value::List(vec![Value::Float(0.01)]),
                KeyKind::Text => Value::from("x"),
            };
            key.read(&mut config, &value).unwrap_or_else(|e| panic!("{}: {e}", key.name));
            let after = serde_json::to_value(&config).unwrap();
            let (section, field) = key.name.split_once('.').unwrap();
            assert_ne!(before[section][field], after[section][field], "{} did not change its field", key.name);
            let mut changed = 0;
            for (s, body) in after.as_object().unwrap() {
                for (f, v) in body.as_object().unwrap() {
                    changed += usize::from(before[s][f] != *v);
                }
            }
            assert_eq!(changed, 1, "{} changed other fields", key.name);
        }
    }

    #[test]
    fn choice_defaults_are_names_and_derived_defaults_resolve() {
        let config = Config::default();
        for key in KEYS {
            if let Field::Choice { names, .. } = key.field {
                let shown = key.text(&config).unwrap();
                assert!(names.contains(&shown.trim_matches('"')), "{}: {shown}", key.name);
            }
        }
        let resolved = config.resolved();
        assert_eq!(resolved.neuron.v_init, Some(config.neuron.e_l));
        assert_eq!(resolved.record.traces, Some(50));
        assert_eq!(resolved.record.hist_times, Some(vec![0.015, 0.15]));
        assert!(KEYS.iter().all(|k| k.text(&resolved).is_some()), "every key has a value once resolved");
    }
}
