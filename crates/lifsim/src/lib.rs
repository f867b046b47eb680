//! lifsim: ensembles of leaky integrate-and-fire neurons, their recordings and their theory.
//!
//! Data flows one way:
//! [`Config`] (human units, validated once) -> [`Simulation`] -> [`run`] -> [`Recording`]
//! -> [`theory`] functions. This crate does no file I/O and prints nothing;
//! the `lifsim` command and the Python package are thin layers on top of it.
//!
//! ```
//! let mut config = lifsim::Config::default();
//! config.set("simulation.n", &lifsim::Value::Int(20)).unwrap();
//! config.set("input.noise", &lifsim::Value::from("white")).unwrap();
//! config.set("input.sigma_v", &lifsim::Value::from("4 mV")).unwrap();
//! let sim = config.build().unwrap();
//! let rec = lifsim::run(&sim).unwrap();
//! assert_eq!(rec.v_mean.len(), sim.steps);
//! assert_eq!(rec.v_mean[0], sim.neuron.v_init);
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
pub mod config;
pub mod engine;
pub mod error;
pub mod input;
pub mod integrate;
pub mod params;
mod quadrature;
pub mod record;
pub mod rng;
pub mod siegert;
mod simd;
pub mod simulation;
pub mod summary;
pub mod sweep;
pub mod theory;
pub mod units;

pub use config::{Config, Value};
pub use engine::{Progress, run, run_with};
pub use error::{Error, ParamError};
pub use input::{Drive, Input, Noise};
pub use integrate::Method;
pub use params::LifParams;
pub use record::Recording;
pub use simulation::{RecordSpec, Simulation};
