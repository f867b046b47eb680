//! A raw configuration value (from TOML, `--set` or Python) before its key gives it a meaning.

use serde::{Serialize, Serializer};
use std::fmt;

/// A raw configuration value, before its key gives it a meaning.
///
/// ```
/// use lifsim::Value;
/// assert_eq!(Value::from("20 ms"), Value::Str("20 ms".into()));
/// assert_eq!(Value::from(3), Value::Int(3));
/// assert_eq!(Value::from("20 ms").to_string(), "\"20 ms\"");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer (wide enough for every `u64` seed and every TOML or Python integer key).
    Int(i128),
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
        Value::Int(x.into())
    }
}
impl From<u64> for Value {
    fn from(x: u64) -> Self {
        Value::Int(x.into())
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
    ///
    /// ```
    /// use lifsim::Value;
    /// assert_eq!(Value::parse_cli("1000"), Value::Int(1000));
    /// assert_eq!(Value::parse_cli("20 ms"), Value::Str("20 ms".into()));
    /// ```
    pub fn parse_cli(text: &str) -> Value {
        match format!("v = {text}").parse::<toml::Table>() {
            Ok(table) => table.get("v").and_then(|v| Value::from_toml(v).ok()).unwrap_or_else(|| Value::from(text)),
            Err(_) => Value::from(text.trim()),
        }
    }

    /// The value of a TOML item; a table or a date is not a configuration value.
    ///
    /// # Errors
    /// What was expected instead, for a message.
    pub(crate) fn from_toml(value: &toml::Value) -> Result<Value, String> {
        Ok(match value {
            toml::Value::String(s) => Value::Str(s.clone()),
            toml::Value::Integer(i) => Value::Int((*i).into()),
            toml::Value::Float(x) => Value::Float(*x),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Array(items) => Value::List(items.iter().map(Value::from_toml).collect::<Result<_, _>>()?),
            other => {
                return Err(format!("a number, text or list, not a {}", other.type_str()));
            }
        })
    }
}

impl Value {
    /// The value as a table cell: numbers in SI units (the shortest text that reads back
    /// exactly), names as they are, lists space-separated.
    ///
    /// ```
    /// assert_eq!(lifsim::Value::Float(1e-10).cell(), "0.0000000001");
    /// assert_eq!(lifsim::Value::from("exact").cell(), "exact");
    /// ```
    pub fn cell(&self) -> String {
        match self {
            Value::Float(x) => x.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::List(items) => items.iter().map(Value::cell).collect::<Vec<_>>().join(" "),
        }
    }
}

/// Settings as `name=value, ...` for messages, each key shown through `name` (e.g. the key
/// itself, or its Python keyword).
///
/// ```
/// let point = [("input.i_mean".to_string(), lifsim::Value::Float(1e-10))];
/// assert_eq!(lifsim::config::describe_settings(&point, |k| k), "input.i_mean=0.0000000001");
/// ```
pub fn describe_settings<'a>(settings: &'a [(String, Value)], name: impl Fn(&'a str) -> &'a str) -> String {
    settings.iter().map(|(k, v)| format!("{}={}", name(k), v.cell())).collect::<Vec<_>>().join(", ")
}

/// The value as the user wrote it, for messages: text quoted, lists in brackets.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A value in JSON: numbers as numbers, text as strings, lists as arrays.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(i) => match (i64::try_from(*i), u64::try_from(*i)) {
                (Ok(i), _) => serializer.serialize_i64(i),
                (_, Ok(u)) => serializer.serialize_u64(u),
                _ => serializer.serialize_i128(*i),
            },
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::List(items) => items.serialize(serializer),
        }
    }
}
