//! Quantities with units: parse "20 ms" into SI seconds, print SI values in human units.
//!
//! A quantity is a number followed by an optional SI prefix and a unit symbol. The symbol must
//! match the dimension a key expects, so "100 Mohm" is a resistance and "20 mV" given for a
//! time is an error that says so. A bare number (or a string holding only a number) is taken
//! as SI units.

use std::fmt;

/// The physical dimension a configuration value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Seconds (`s`).
    Time,
    /// Volts (`V`).
    Voltage,
    /// Ohms (`ohm`, `Ohm` or `Ω`).
    Resistance,
    /// Amperes (`A`).
    Current,
    /// Hertz (`Hz`).
    Frequency,
    /// Radians (`rad`), also accepted in degrees (`deg`).
    Angle,
    /// A pure number.
    Dimensionless,
}

/// SI prefixes and their powers of ten. `u`, `µ` (micro sign) and `μ` (Greek mu) all mean micro.
const PREFIXES: [(&str, i32); 10] =
    [("p", -12), ("n", -9), ("u", -6), ("µ", -6), ("μ", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9)];

impl Dimension {
    const ALL: [Dimension; 7] = [
        Dimension::Time,
        Dimension::Voltage,
        Dimension::Resistance,
        Dimension::Current,
        Dimension::Frequency,
        Dimension::Angle,
        Dimension::Dimensionless,
    ];

    /// The unit symbols this dimension accepts, the canonical one first.
    pub fn symbols(self) -> &'static [&'static str] {
        match self {
            Dimension::Time => &["s"],
            Dimension::Voltage => &["V"],
            Dimension::Resistance => &["ohm", "Ohm", "Ω"],
            Dimension::Current => &["A"],
            Dimension::Frequency => &["Hz"],
            Dimension::Angle => &["rad", "deg"],
            Dimension::Dimensionless => &[],
        }
    }

    /// The dimension's name with an article, for messages: "a time".
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::Time => "a time",
            Dimension::Voltage => "a voltage",
            Dimension::Resistance => "a resistance",
            Dimension::Current => "a current",
            Dimension::Frequency => "a frequency",
            Dimension::Angle => "an angle",
            Dimension::Dimensionless => "a plain number",
        }
    }

    /// A typical value written with its unit, for messages: "\"20 ms\"".
    pub fn example(self) -> &'static str {
        match self {
            Dimension::Time => "\"20 ms\"",
            Dimension::Voltage => "\"-60 mV\"",
            Dimension::Resistance => "\"100 Mohm\"",
            Dimension::Current => "\"250 pA\"",
            Dimension::Frequency => "\"100 Hz\"",
            Dimension::Angle => "\"1.57 rad\" or \"90 deg\"",
            Dimension::Dimensionless => "0.1",
        }
    }
}

/// Why a quantity could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitError {
    /// No number at the start of the text.
    NotANumber,
    /// A unit that is not known at all.
    UnknownUnit(String),
    /// A known unit of another dimension.
    WrongDimension(Dimension),
    /// A number outside the finite, non-zero range of a 64-bit float (or an exponent that
    /// overflows), which cannot be read exactly.
    OutOfRange,
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitError::NotANumber => write!(f, "no number found"),
            UnitError::UnknownUnit(unit) => write!(f, "unknown unit `{unit}`"),
            UnitError::WrongDimension(found) => write!(f, "the unit is {}", found.describe()),
            UnitError::OutOfRange => write!(f, "outside the range of a 64-bit float, about 1e-308 to 1e308"),
        }
    }
}

/// Parses `text` as a quantity of dimension `dim` and returns it in SI units.
///
/// The prefix is applied in decimal (the text "20 ms" becomes the literal `20e-3`), so the
/// result is the correctly rounded double of the written value.
///
/// # Errors
/// [`UnitError`] when there is no number, the unit is unknown or has another dimension.
///
/// # Example
/// ```
/// use lifsim::units::{parse_quantity, Dimension};
/// assert_eq!(parse_quantity("20 ms", Dimension::Time), Ok(20e-3));
/// assert_eq!(parse_quantity("-60mV", Dimension::Voltage), Ok(-60e-3));
/// assert_eq!(parse_quantity("100 Mohm", Dimension::Resistance), Ok(100e6));
/// assert!(parse_quantity("20 mV", Dimension::Time).is_err());
/// ```
pub fn parse_quantity(text: &str, dim: Dimension) -> Result<f64, UnitError> {
    let text = text.trim();
    let split = text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E')))
        .map_or(text.len(), |(i, _)| i);
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    let (mantissa, exponent) = match number.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, exponent),
        None => (number, "0"),
    };
    if mantissa.is_empty() || mantissa.parse::<f64>().is_err() {
        return Err(UnitError::NotANumber);
    }
    // An exponent too large for i32 is a valid number but never a finite, non-zero one.
    let exponent = match exponent.parse::<i32>() {
        Ok(e) => e,
        Err(_)
            if exponent.trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit()) && !exponent.is_empty() =>
        {
            return Err(UnitError::OutOfRange);
        }
        Err(_) => return Err(UnitError::NotANumber),
    };
    let (power, scale) = unit_power(unit, dim)?;
    let exponent = exponent.checked_add(power).ok_or(UnitError::OutOfRange)?;
    let value: f64 = format!("{mantissa}e{exponent}").parse().map_err(|_| UnitError::NotANumber)?;
    let value = value * scale;
    let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
    if !value.is_finite() || (nonzero && value == 0.0) {
        return Err(UnitError::OutOfRange);
    }
    Ok(value)
}

/// The power of ten and extra factor that `unit` means for `dim`.
fn unit_power(unit: &str, dim: Dimension) -> Result<(i32, f64), UnitError> {
    if unit.is_empty() {
        return Ok((0, 1.0));
    }
    if let Some(power) = prefix_power(unit, dim) {
        let scale = if dim == Dimension::Angle && unit.ends_with("deg") { std::f64::consts::PI / 180.0 } else { 1.0 };
        return Ok((power, scale));
    }
    match Dimension::ALL.into_iter().find(|&other| prefix_power(unit, other).is_some()) {
        Some(other) => Err(UnitError::WrongDimension(other)),
        None => Err(UnitError::UnknownUnit(unit.to_string())),
    }
}

fn prefix_power(unit: &str, dim: Dimension) -> Option<i32> {
    dim.symbols().iter().find_map(|symbol| {
        let prefix = unit.strip_suffix(symbol)?;
        PREFIXES.iter().find(|(p, _)| *p == prefix).map(|&(_, power)| power)
    })
}

/// Formats an SI value in human units with a prefix that keeps the number readable.
///
/// # Example
/// ```
/// use lifsim::units::{format_quantity, Dimension};
/// assert_eq!(format_quantity(20e-3, Dimension::Time), "20 ms");
/// assert_eq!(format_quantity(-60e-3, Dimension::Voltage), "-60 mV");
/// assert_eq!(format_quantity(100e6, Dimension::Resistance), "100 Mohm");
/// assert_eq!(format_quantity(2.5e-10, Dimension::Current), "250 pA");
/// ```
pub fn format_quantity(value: f64, dim: Dimension) -> String {
    let symbol = match dim {
        Dimension::Dimensionless => return format_number(value, 0),
        Dimension::Angle => return format!("{} rad", format_number(value, 0)),
        _ => dim.symbols()[0],
    };
    if value == 0.0 || !value.is_finite() {
        return format!("{} {symbol}", format_number(value, 0));
    }
    let magnitude = decimal_exponent(value);
    let (prefix, power) = PREFIXES
        .iter()
        .filter(|(p, _)| !matches!(*p, "µ" | "μ"))
        .rev()
        .find(|(_, power)| magnitude >= *power)
        .copied()
        .unwrap_or(("p", -12));
    format!("{} {prefix}{symbol}", format_number(value, power))
}

/// Formats an SI value in human units for reading, rounded to `digits` significant digits
/// (`format_quantity` keeps every digit so that the text reads back exactly).
///
/// # Example
/// ```
/// use lifsim::units::{display_quantity, Dimension};
/// assert_eq!(display_quantity(-0.034999999999999996, Dimension::Voltage, 6), "-35 mV");
/// assert_eq!(display_quantity(0.0123456789, Dimension::Time, 3), "12.3 ms");
/// ```
pub fn display_quantity(value: f64, dim: Dimension, digits: usize) -> String {
    if value == 0.0 || !value.is_finite() {
        return format_quantity(value, dim);
    }
    let rounded: f64 = format!("{:.*e}", digits.saturating_sub(1), value).parse().unwrap_or(value);
    format_quantity(rounded, dim)
}

/// The decimal exponent of `value`'s shortest representation (`2.5e-10` -> -10).
fn decimal_exponent(value: f64) -> i32 {
    let sci = format!("{value:e}");
    sci.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0)
}

/// `value / 10^power` written with the shortest digits that read back to exactly `value`.
///
/// The decimal point is moved in the text of Rust's shortest round-trip representation, so
/// no rounding happens: "8.097448782150435e-10" with power -12 becomes "809.7448782150435".
fn format_number(value: f64, power: i32) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let sci = format!("{:e}", value.abs());
    let (mantissa, _) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = decimal_exponent(value) - power + 1; // digits before the decimal point
    let sign = if value < 0.0 { "-" } else { "" };
    let len = digits.len() as i32;
    let body = if !(-6..=21).contains(&point) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        format!("{first}{rest}e{}", point - 1)
    } else if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= len {
        format!("{digits}{}", "0".repeat((point - len) as usize))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_example() {
        assert_eq!(parse_quantity("20 ms", Dimension::Time), Ok(0.02));
        assert_eq!(parse_quantity("-60 mV", Dimension::Voltage), Ok(-0.06));
        assert_eq!(parse_quantity("100 Mohm", Dimension::Resistance), Ok(1e8));
        assert_eq!(parse_quantity("100 MΩ", Dimension::Resistance), Ok(1e8));
        assert_eq!(parse_quantity("250 pA", Dimension::Current), Ok(2.5e-10));
        assert_eq!(parse_quantity("0.5 nA", Dimension::Current), Ok(5e-10));
        assert_eq!(parse_quantity("100 Hz", Dimension::Frequency), Ok(100.0));
        assert_eq!(parse_quantity("1e-3", Dimension::Time), Ok(1e-3));
        assert_eq!(parse_quantity("2.5e2 pA", Dimension::Current), Ok(2.5e-10));
        assert_eq!(parse_quantity("10 us", Dimension::Time), Ok(1e-5));
        assert_eq!(parse_quantity("90 deg", Dimension::Angle), Ok(std::f64::consts::FRAC_PI_2));
    }

    #[test]
    fn rejects_wrong_dimension_unknown_unit_and_garbage() {
        assert_eq!(parse_quantity("20 mV", Dimension::Time), Err(UnitError::WrongDimension(Dimension::Voltage)));
        assert_eq!(
            parse_quantity("100 uohm", Dimension::Current),
            Err(UnitError::WrongDimension(Dimension::Resistance))
        );
        assert_eq!(parse_quantity("20 parsecs", Dimension::Time), Err(UnitError::UnknownUnit("parsecs".into())));
        assert_eq!(parse_quantity("ms", Dimension::Time), Err(UnitError::NotANumber));
        assert_eq!(parse_quantity("", Dimension::Time), Err(UnitError::NotANumber));
        assert_eq!(parse_quantity("1.2.3 ms", Dimension::Time), Err(UnitError::NotANumber));
    }

    #[test]
    fn formats_round_trip_through_parse() {
        for (value, dim) in [
            (20e-3, Dimension::Time),
            (1e-4, Dimension::Time),
            (-60e-3, Dimension::Voltage),
            (-70e-3, Dimension::Voltage),
            (100e6, Dimension::Resistance),
            (2.5e-10, Dimension::Current),
            (100.0, Dimension::Frequency),
            (0.15, Dimension::Time),
            (0.0, Dimension::Voltage),
        ] {
            let text = format_quantity(value, dim);
            assert_eq!(parse_quantity(&text, dim), Ok(value), "{text}");
        }
        assert_eq!(format_quantity(0.15, Dimension::Time), "150 ms");
        assert_eq!(format_quantity(1e-4, Dimension::Time), "100 us");
        assert_eq!(format_quantity(8.097448782150435e-10, Dimension::Current), "809.7448782150435 pA");
        assert_eq!(format_quantity(1.234e-20, Dimension::Current), "1.234e-8 pA");
        assert_eq!(format_quantity(0.1, Dimension::Dimensionless), "0.1");
        assert_eq!(format_quantity(1.2345678901e-3, Dimension::Dimensionless), "0.0012345678901");
        assert_eq!(format_quantity(1.23456789e-5, Dimension::Angle), "0.0000123456789 rad");
        assert_eq!(format_quantity(-3e30, Dimension::Dimensionless), "-3e30");
    }
}
