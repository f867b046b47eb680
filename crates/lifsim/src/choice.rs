//! Enums whose configuration values are names (`"euler"`, `"bridge"`, `"white"`), each name written once.

/// An enum read from and shown as one of a fixed list of names.
///
/// ```
/// use lifsim::{Choice, Method};
/// assert_eq!(Method::from_name("exact"), Some(Method::Exact));
/// assert_eq!(Method::Exact.name(), "exact");
/// assert_eq!(Method::NAMES, ["euler", "exact"]);
/// ```
pub trait Choice: Copy + 'static {
    /// Every name, in documentation order.
    const NAMES: &'static [&'static str];
    /// The name of this value.
    fn name(self) -> &'static str;
    /// The value of `name` (exact, lower-case match), `None` for any other text.
    fn from_name(name: &str) -> Option<Self>;
}

/// Defines an enum whose variants are configuration names, with `Choice`, serde (the same
/// names), `Default` (the first variant) and per-variant docs: each name is written once.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(#[$first_meta:meta])* $first:ident = $first_text:literal,
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $(#[$first_meta])*
            #[default]
            #[serde(rename = $first_text)]
            $first,
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )*
        }

        impl $crate::choice::Choice for $name {
            const NAMES: &'static [&'static str] = &[$first_text, $($text),*];

            fn name(self) -> &'static str {
                match self {
                    $name::$first => $first_text,
                    $( $name::$variant => $text, )*
                }
            }

            fn from_name(name: &str) -> Option<Self> {
                match name {
                    $first_text => Some($name::$first),
                    $( $text => Some($name::$variant), )*
                    _ => None,
                }
            }
        }
    };
}
