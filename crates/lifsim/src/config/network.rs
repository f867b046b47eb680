//! The network part of a configuration: `[[population]]` and `[[connection]]`, their key rows and addresses.
//!
//! A population has a `name`, a size `n` and any `neuron.*` or `input.*` key of its own (the
//! rest is the configuration's `[neuron]` and `[input]`). A connection joins two populations
//! `from` -> `to` by a rule (`in_degree` or `probability`) with a `weight` and a `delay`.
//! On the command line (`--set`) and in sweeps (`--vary`) they are addressed as
//! `population.NAME.n`, `population.NAME.neuron.t_ref`, `connection.FROM->TO.weight` (or
//! `connection.NAME.weight` for a connection with a `name`).

use super::keys::{Field, Key, KeyKind, NAME_RULE, Range, is_name};
use super::{Config, Value};
use crate::error::{Error, ParamError, excerpt};
use crate::units::Dimension;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// One `[[population]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationSection {
    /// Its name, unique in the configuration.
    pub name: String,
    /// Number of neurons.
    pub n: u64,
    /// Its own `neuron.*` and `input.*` keys, in the order they were set, with their values in
    /// SI units (later entries win).
    pub overrides: Vec<(&'static str, Value)>,
}

/// One `[[connection]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionSection {
    /// Its name; without one it is addressed as `FROM->TO`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The presynaptic population.
    pub from: String,
    /// The postsynaptic population.
    pub to: String,
    /// Fixed in-degree: each target draws this many sources at random, with replacement.
    pub in_degree: Option<u64>,
    /// Pairwise probability: each (source, target) pair is connected with this probability.
    pub probability: Option<f64>,
    /// Jump of the target's V per spike (V); negative is inhibitory.
    pub weight: f64,
    /// Transmission delay (s), a whole number of steps.
    pub delay: f64,
}

impl ConnectionSection {
    /// A connection `from -> to` with the default weight and delay and no rule yet.
    pub fn new(from: &str, to: &str, name: Option<&str>) -> Self {
        let mut connection = ConnectionSection {
            name: name.map(str::to_string),
            from: from.to_string(),
            to: to.to_string(),
            in_degree: None,
            probability: None,
            weight: 0.0,
            delay: 0.0,
        };
        for key in CONNECTION_KEYS {
            key.reset(&mut connection);
        }
        connection
    }

    /// How it is addressed: its name, or `FROM->TO`.
    pub fn address(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("{}->{}", self.from, self.to))
    }
}

/// The keys of a population besides its `neuron.*` and `input.*` overrides.
pub const POPULATION_KEYS: &[Key<PopulationSection>] = &[
    Key {
        name: "name",
        doc: "the population's name (unique; addresses it as population.NAME.KEY)",
        field: Field::Text { get: |p| Some(p.name.as_str()), set: |p, name| p.name = name },
    },
    Key {
        name: "n",
        doc: "number of neurons",
        field: Field::Count {
            default: 0,
            range: Range { min: 0, max: u32::MAX as u64 },
            get: |p| p.n,
            set: |p, n| p.n = n,
        },
    },
];

/// The keys of a connection.
pub const CONNECTION_KEYS: &[Key<ConnectionSection>] = &[
    Key {
        name: "name",
        doc: "an optional name (addresses it as connection.NAME.KEY instead of connection.FROM->TO.KEY)",
        field: Field::Text { get: |c| c.name.as_deref(), set: |c, name| c.name = Some(name) },
    },
    Key {
        name: "from",
        doc: "the presynaptic population",
        field: Field::Text { get: |c| Some(c.from.as_str()), set: |c, name| c.from = name },
    },
    Key {
        name: "to",
        doc: "the postsynaptic population",
        field: Field::Text { get: |c| Some(c.to.as_str()), set: |c, name| c.to = name },
    },
    Key {
        name: "in_degree",
        doc: "fixed in-degree: sources per target, drawn at random with replacement (autapses allowed)",
        field: Field::OptionalCount {
            range: Range { min: 0, max: u32::MAX as u64 },
            derive: None,
            get: |c| c.in_degree,
            set: |c, k| c.in_degree = k,
        },
    },
    Key {
        name: "probability",
        doc: "pairwise connection probability (instead of in_degree)",
        field: Field::Optional {
            dim: Dimension::Dimensionless,
            default: None,
            absent: super::keys::Absent::Unset,
            get: |c| c.probability,
            set: |c, p| c.probability = p,
        },
    },
    Key {
        name: "weight",
        doc: "jump of the target's V per spike; negative is inhibitory",
        field: Field::Quantity {
            dim: Dimension::Voltage,
            default: 0.1e-3,
            get: |c| c.weight,
            set: |c, w| c.weight = w,
        },
    },
    Key {
        name: "delay",
        doc: "transmission delay, a whole number of steps >= 1",
        field: Field::Quantity { dim: Dimension::Time, default: 1.5e-3, get: |c| c.delay, set: |c, d| c.delay = d },
    },
];

/// Where a key of the network part points.
pub(crate) enum Address<'a> {
    /// A key of `[simulation]`, `[neuron]`, ...
    Base(&'static Key),
    /// `population.NAME.n` (or `.name`).
    Population(&'a str, &'static Key<PopulationSection>),
    /// `population.NAME.neuron.t_ref`: a population's own value of a base key.
    Override(&'a str, &'static Key),
    /// `connection.NAME.weight`.
    Connection(&'a str, &'static Key<ConnectionSection>),
}

/// The address of `name`, read from its shape (the population or connection need not exist).
///
/// # Errors
/// [`Error::UnknownKey`] naming what is valid at that place.
pub(crate) fn address(name: &str) -> Result<Address<'_>, Error> {
    if let Some(rest) = name.strip_prefix("population.") {
        let (population, key) = rest.split_once('.').ok_or_else(|| unknown(name, "population.NAME.KEY"))?;
        if let Some(row) = POPULATION_KEYS.iter().find(|k| k.name == key) {
            return Ok(Address::Population(population, row));
        }
        return match Key::find(key) {
            Ok(row) if row.name.starts_with("neuron.") || row.name.starts_with("input.") => {
                Ok(Address::Override(population, row))
            }
            _ => Err(unknown(name, "population.NAME.n or population.NAME.neuron.KEY / population.NAME.input.KEY")),
        };
    }
    if let Some(rest) = name.strip_prefix("connection.") {
        let (connection, key) = rest.rsplit_once('.').ok_or_else(|| unknown(name, "connection.FROM->TO.KEY"))?;
        let valid = || {
            let keys: Vec<&str> = CONNECTION_KEYS.iter().map(|k| k.name).collect();
            format!("connection.FROM->TO.KEY with KEY one of {}", keys.join(", "))
        };
        let row = CONNECTION_KEYS.iter().find(|k| k.name == key).ok_or_else(|| unknown(name, &valid()))?;
        return Ok(Address::Connection(connection, row));
    }
    Ok(Address::Base(Key::find(name)?))
}

fn unknown(name: &str, valid: &str) -> Error {
    Error::UnknownKey { key: excerpt(name), hint: format!("; expected {valid}") }
}

/// The kind of value the key `name` takes (network addresses included; for keys a sweep joins
/// with `+`, the first key's).
///
/// # Errors
/// [`Error::UnknownKey`] for a key lifsim does not know.
pub(crate) fn kind(name: &str) -> Result<KeyKind, Error> {
    let name = name.split('+').next().unwrap_or(name).trim();
    Ok(match address(name)? {
        Address::Base(row) | Address::Override(_, row) => row.kind(),
        Address::Population(_, row) => row.kind(),
        Address::Connection(_, row) => row.kind(),
    })
}

impl Config {
    /// Adds an empty population `name` (its size and keys are set with
    /// `population.NAME.KEY`).
    ///
    /// # Errors
    /// [`Error::Param`] for a name that is taken or not a valid name.
    ///
    /// ```
    /// let mut config = lifsim::Config::default();
    /// config.add_population("E").unwrap();
    /// config.set("population.E.n", &lifsim::Value::Int(100)).unwrap();
    /// config.set("population.E.neuron.t_ref", &"2 ms".into()).unwrap();
    /// assert_eq!(config.value_text("population.E.neuron.t_ref").as_deref(), Some("\"2 ms\""));
    /// ```
    pub fn add_population(&mut self, name: &str) -> Result<(), Error> {
        if !is_name(name) {
            return Err(ParamError::new("population.name", format!("{name:?}"), NAME_RULE).into());
        }
        if self.populations.iter().any(|p| p.name == name) {
            return Err(
                ParamError::new("population.name", format!("{name:?}"), "a name no other population has").into()
            );
        }
        self.populations.push(PopulationSection { name: name.to_string(), n: 0, overrides: Vec::new() });
        Ok(())
    }

    /// Adds a connection `from -> to` (with a `name`, or addressed as `FROM->TO`), with the
    /// default weight and delay; its rule is set with `connection.ADDRESS.in_degree` or
    /// `.probability`. The populations are checked when the configuration is built.
    ///
    /// # Errors
    /// [`Error::Param`] for invalid names or a second unnamed connection between the same
    /// populations.
    pub fn add_connection(&mut self, from: &str, to: &str, name: Option<&str>) -> Result<(), Error> {
        for (key, text) in
            [("connection.from", from), ("connection.to", to)].into_iter().chain(name.map(|n| ("connection.name", n)))
        {
            if !is_name(text) {
                return Err(ParamError::new(key, format!("{text:?}"), NAME_RULE).into());
            }
        }
        let connection = ConnectionSection::new(from, to, name);
        let address = connection.address();
        if self.connections.iter().any(|c| c.address() == address) {
            let expected = "an address no other connection has: give each connection between the same populations \
                            a name (name = \"...\")";
            return Err(ParamError::new(format!("connection.{address}"), "a second connection", expected).into());
        }
        self.connections.push(connection);
        Ok(())
    }

    /// The population `name`.
    pub(crate) fn population_mut(&mut self, name: &str) -> Result<&mut PopulationSection, Error> {
        let known: Vec<String> = self.populations.iter().map(|p| p.name.clone()).collect();
        self.populations.iter_mut().find(|p| p.name == name).ok_or_else(|| Error::UnknownKey {
            key: format!("population.{}", excerpt(name)),
            hint: format!("; no population is named so (populations: {})", list(&known)),
        })
    }

    /// The connection addressed as `address`.
    pub(crate) fn connection_mut(&mut self, address: &str) -> Result<&mut ConnectionSection, Error> {
        let known: Vec<String> = self.connections.iter().map(ConnectionSection::address).collect();
        self.connections.iter_mut().find(|c| c.address() == address).ok_or_else(|| Error::UnknownKey {
            key: format!("connection.{}", excerpt(address)),
            hint: format!("; no connection has this address (connections: {})", list(&known)),
        })
    }

    /// Sets a network key (see [`address`]) of an existing population or connection.
    pub(crate) fn set_network(&mut self, address: Address<'_>, name: &str, value: &Value) -> Result<(), Error> {
        let named = |e: ParamError| Error::from(ParamError { key: excerpt(name), ..e });
        match address {
            Address::Base(row) => row.read(self, value)?,
            Address::Population(population, row) => {
                if row.name == "name" {
                    return Err(
                        ParamError::new(name, value.to_string(), "no renaming: add a population instead").into()
                    );
                }
                row.read(self.population_mut(population)?, value).map_err(named)?;
            }
            Address::Override(population, row) => {
                // Read into a scratch copy of the base to check the type and unit, and keep
                // the value in SI units.
                let mut scratch = self.clone();
                row.read(&mut scratch, value).map_err(named)?;
                let si = row.value(&scratch).unwrap_or_else(|| value.clone());
                let overrides = &mut self.population_mut(population)?.overrides;
                overrides.retain(|(key, _)| *key != row.name);
                overrides.push((row.name, si));
            }
            Address::Connection(connection, row) => {
                let connection = self.connection_mut(connection)?;
                row.read(connection, value).map_err(named)?;
            }
        }
        Ok(())
    }

    /// Checks `value` for the key `name` (its type and unit) without a configuration to set
    /// it in: the population or connection it addresses need not exist.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] or [`Error::Param`] naming the key.
    pub fn check_value(name: &str, value: &Value) -> Result<(), Error> {
        let named = |e: ParamError| Error::from(ParamError { key: excerpt(name), ..e });
        match address(name)? {
            Address::Base(row) | Address::Override(_, row) => row.read(&mut Config::default(), value).map_err(named),
            Address::Population(_, row) => {
                let mut scratch = PopulationSection { name: "scratch".into(), n: 0, overrides: Vec::new() };
                row.read(&mut scratch, value).map_err(named)
            }
            Address::Connection(_, row) => row.read(&mut ConnectionSection::new("a", "b", None), value).map_err(named),
        }
    }

    /// The text of a network key's value (see [`Config::value_text`]).
    pub(crate) fn network_text(&self, address: Address<'_>) -> Option<String> {
        match address {
            Address::Base(row) => row.text(self),
            Address::Population(population, row) => row.text(self.populations.iter().find(|p| p.name == population)?),
            Address::Override(population, row) => row.text(&self.population_config(population)?),
            Address::Connection(connection, row) => {
                row.text(self.connections.iter().find(|c| c.address() == connection)?)
            }
        }
    }

    /// The configuration a population's neurons see: this one with the population's own
    /// `neuron.*` and `input.*` values.
    pub(crate) fn population_config(&self, name: &str) -> Option<Config> {
        let population = self.populations.iter().find(|p| p.name == name)?;
        let mut config = self.clone();
        for (key, value) in &population.overrides {
            Key::find(key).ok()?.read(&mut config, value).ok()?;
        }
        Some(config)
    }

    /// Reads `[[population]]` and `[[connection]]` arrays of a TOML text into this configuration.
    pub(crate) fn read_network_toml(&mut self, section: &str, body: &toml::Value) -> Result<(), Error> {
        let tables = body.as_array().filter(|items| items.iter().all(toml::Value::is_table)).ok_or_else(|| {
            Error::UnknownKey { key: section.to_string(), hint: format!("; write it as [[{section}]] tables") }
        })?;
        for table in tables.iter().filter_map(toml::Value::as_table) {
            let text = |key: &str| table.get(key).and_then(toml::Value::as_str).map(str::to_string);
            let prefix = if section == "population" {
                let name =
                    text("name").ok_or_else(|| missing("population.name", "every [[population]] needs a name"))?;
                self.add_population(&name)?;
                format!("population.{name}")
            } else {
                let (from, to) = (text("from"), text("to"));
                let (Some(from), Some(to)) = (from, to) else {
                    return Err(missing("connection.from", "every [[connection]] needs from and to"));
                };
                let name = text("name");
                self.add_connection(&from, &to, name.as_deref())?;
                format!("connection.{}", name.unwrap_or_else(|| format!("{from}->{to}")))
            };
            for (key, value) in table {
                if matches!(key.as_str(), "name" | "from" | "to") {
                    continue;
                }
                match value.as_table() {
                    Some(inner) if section == "population" => {
                        for (inner_key, inner_value) in inner {
                            self.set_toml(&format!("{prefix}.{key}.{inner_key}"), inner_value)?;
                        }
                    }
                    _ => self.set_toml(&format!("{prefix}.{key}"), value)?,
                }
            }
        }
        Ok(())
    }

    /// Sets `key` from a TOML value.
    pub(crate) fn set_toml(&mut self, key: &str, value: &toml::Value) -> Result<(), Error> {
        let value = Value::from_toml(value).map_err(|expected| ParamError::new(key, value.to_string(), expected))?;
        self.set(key, &value)
    }

    /// The `[[population]]` and `[[connection]]` tables as commented TOML (empty without a network).
    pub(crate) fn network_toml(&self) -> String {
        let mut out = String::new();
        for population in &self.populations {
            out.push_str("\n[[population]]\n");
            for row in POPULATION_KEYS {
                if let Some(text) = row.text(population) {
                    out.push_str(&format!("{} = {text}\n", row.name));
                }
            }
            let config = self.population_config(&population.name).unwrap_or_else(|| self.clone());
            for (key, _) in &population.overrides {
                if let Some(text) = Key::find(key).ok().and_then(|row| row.text(&config)) {
                    out.push_str(&format!("{key} = {text}\n"));
                }
            }
        }
        for connection in &self.connections {
            out.push_str("\n[[connection]]\n");
            for row in CONNECTION_KEYS {
                if let Some(text) = row.text(connection) {
                    out.push_str(&format!("{} = {text}\n", row.name));
                }
            }
        }
        out
    }
}

fn missing(key: &str, expected: &str) -> Error {
    ParamError::new(key, "nothing", expected).into()
}

/// Names for a message: `E, I`, or `none`.
fn list(names: &[String]) -> String {
    if names.is_empty() { "none".into() } else { names.join(", ") }
}

/// A population in `summary.json`: name, n, then its own keys in SI units.
impl Serialize for PopulationSection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2 + self.overrides.len()))?;
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("n", &self.n)?;
        for (key, value) in &self.overrides {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> Config {
        Config::from_toml_str(
            "[[population]]\nname = \"E\"\nn = 80\nneuron.t_ref = \"2 ms\"\n\n[[population]]\nname = \"I\"\nn = 20\n\n\
             [[connection]]\nfrom = \"E\"\nto = \"I\"\nin_degree = 8\nweight = \"0.2 mV\"\ndelay = \"1.5 ms\"\n\n\
             [[connection]]\nname = \"inh\"\nfrom = \"I\"\nto = \"E\"\nprobability = 0.1\nweight = \"-1 mV\"\n",
        )
        .unwrap()
    }

    #[test]
    fn toml_reads_populations_and_connections_and_prints_them_back() {
        let config = network();
        assert_eq!(config.populations.len(), 2);
        assert_eq!(config.populations[0].overrides, vec![("neuron.t_ref", Value::Float(2e-3))]);
        assert_eq!(config.connections[0].in_degree, Some(8));
        assert_eq!(config.connections[1].name.as_deref(), Some("inh"));
        assert_eq!(config.connections[1].probability, Some(0.1));
        assert_eq!(Config::from_toml_str(&config.to_toml()).unwrap(), config);
    }

    #[test]
    fn set_addresses_populations_and_connections() {
        let mut config = network();
        config.set("population.I.n", &Value::Int(30)).unwrap();
        config.set("population.I.input.noise", &"poisson".into()).unwrap();
        config.set("connection.E->I.weight", &"0.3 mV".into()).unwrap();
        config.set("connection.inh.delay", &"2 ms".into()).unwrap();
        assert_eq!(config.populations[1].n, 30);
        assert_eq!(config.value_text("population.I.input.noise").as_deref(), Some("\"poisson\""));
        assert_eq!(config.connections[0].weight, 0.3e-3);
        assert_eq!(config.value_text("connection.inh.delay").as_deref(), Some("\"2 ms\""));
        for (key, word) in [
            ("population.X.n", "populations: E, I"),
            ("connection.E->E.weight", "connections: E->I, inh"),
            ("population.E.neuron.tau", "population.NAME.n"),
            ("connection.E->I.wieght", "weight"),
        ] {
            let err = config.set(key, &Value::Int(1)).unwrap_err().to_string();
            assert!(err.contains(word), "{key}: {err}");
        }
        let err = config.set("population.E.neuron.t_ref", &"2 mV".into()).unwrap_err().to_string();
        assert!(err.contains("population.E.neuron.t_ref") && err.contains("a time"), "{err}");
    }

    #[test]
    fn names_are_checked() {
        let mut config = Config::default();
        config.add_population("E").unwrap();
        for bad in ["", "E", "a.b", "a->b", "a+b"] {
            assert!(config.add_population(bad).is_err(), "{bad:?}");
        }
        config.add_connection("E", "E", None).unwrap();
        assert!(config.add_connection("E", "E", None).unwrap_err().to_string().contains("name"));
        config.add_connection("E", "E", Some("second")).unwrap();
    }
}
