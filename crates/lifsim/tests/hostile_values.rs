//! Property tests over hostile values: the unit parser and `Config::set` never panic; a value is
//! either read exactly (the correctly rounded double of the text written) or refused with its
//! key named.

use lifsim::units::{Dimension, parse_quantity};
use lifsim::{Config, Error, Value};
use proptest::prelude::*;

const DIMENSIONS: [Dimension; 7] = [
    Dimension::Time,
    Dimension::Voltage,
    Dimension::Resistance,
    Dimension::Current,
    Dimension::Frequency,
    Dimension::Angle,
    Dimension::Dimensionless,
];

/// The SI prefix letters and their powers, as the parser knows them.
const PREFIXES: [(&str, i32); 8] = [("p", -12), ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9)];

fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// A number as a person might type it, with an exponent anywhere in i32 and beyond.
fn number_text() -> impl Strategy<Value = (String, String, i64)> {
    ("-?[0-9]{1,30}(\\.[0-9]{0,30})?", prop_oneof![-400i64..400, any::<i32>().prop_map(i64::from), any::<i64>()])
        .prop_map(|(mantissa, exponent)| (format!("{mantissa}e{exponent}"), mantissa, exponent))
}

proptest! {
    #![proptest_config(cases(2000))]

    /// Arbitrary text: the parser returns, it never panics, and any number it gives is finite.
    #[test]
    fn the_unit_parser_never_panics(text in "\\PC{0,40}", d in 0usize..7) {
        if let Ok(x) = parse_quantity(&text, DIMENSIONS[d]) {
            prop_assert!(x.is_finite(), "{text:?} -> {x}");
        }
    }

    /// A number with a prefixed unit reads as exactly the double of its decimal text with the
    /// prefix's power added to the exponent, or is refused when that lies outside the finite,
    /// non-zero range (never wrapped, never silently 0 or infinity).
    #[test]
    fn numbers_read_exactly_or_are_refused((_, mantissa, exponent) in number_text(), p in 0usize..8) {
        let (prefix, power) = PREFIXES[p];
        let text = format!("{mantissa}e{exponent} {prefix}s");
        let exact: f64 = format!("{mantissa}e{}", i128::from(exponent) + i128::from(power)).parse().unwrap();
        let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
        let representable = i32::try_from(exponent).is_ok() && exact.is_finite() && (exact != 0.0 || !nonzero);
        match parse_quantity(&text, Dimension::Time) {
            Ok(x) => {
                prop_assert!(representable, "{text} read as {x}");
                prop_assert_eq!(x.to_bits(), exact.to_bits(), "{} read as {} instead of {}", text, x, exact);
            }
            Err(e) => prop_assert!(!representable, "{text} refused: {e}"),
        }
    }

    /// `--set KEY=VALUE` with any text for any key: Ok, or an error that names the key; never a
    /// panic. Reading it again gives the same configuration (the value was read, not guessed).
    #[test]
    fn set_never_panics_and_names_the_key(k in 0usize..31, text in "\\PC{0,30}") {
        let keys: Vec<&str> = Config::keys().collect();
        let key = keys[k % keys.len()];
        let mut config = Config::default();
        match config.set(key, &Value::parse_cli(&text)) {
            Ok(()) => {
                let mut again = Config::default();
                again.set(key, &Value::parse_cli(&text)).unwrap();
                prop_assert_eq!(again, config);
            }
            Err(Error::Param(e)) => prop_assert_eq!(e.key, key),
            Err(other) => prop_assert!(false, "{key} = {text:?}: unexpected {other:?}"),
        }
    }

    /// Any TOML text: a configuration or an error, never a panic.
    #[test]
    fn toml_never_panics(text in "(\\[[a-z]{0,10}\\]\n)?([a-z_.]{0,12} ?= ?[\\PC]{0,20}\n){0,4}") {
        let _ = Config::from_toml_str(&text);
    }
}
