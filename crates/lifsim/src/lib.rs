//! lifsim: ensembles of leaky integrate-and-fire neurons, their recordings and their theory.
//!
//! Data flows one way:
//! [`Config`] (human units, validated once) -> [`Simulation`] -> [`run`] -> [`Recording`]
//! -> [`analysis`] and [`theory`] -> [`Summary`]. This crate does no file I/O and prints
//! nothing; the `lifsim` command and the Python package are thin layers on top of it.
//!
//! ```
//! let mut config = lifsim::Config::default();
//! config.set("simulation.n", &lifsim::Value::Int(20)).unwrap();
//! config.set("input.noise", &lifsim::Value::from("white")).unwrap();
//! config.set("input.sigma_v", &lifsim::Value::from("4 mV")).unwrap();
//! let sim = config.build().unwrap();
//! let rec = lifsim::run(&sim).unwrap();
//! assert_eq!(rec.v_mean.len(), sim.steps());
//! assert_eq!(rec.v_mean[0], sim.neuron().v_init);
//! ```
//!
//! Modules: [`config`] (keys, values, validation), [`model`] (neuron, input, simulation,
//! integration step), [`engine`] (the time loop), [`record`] (what a run records and its named
//! arrays), [`analysis`] (spike statistics and estimators), [`theory`] (closed forms, Siegert,
//! which theory applies), [`summary`], [`sweep`], [`rng`] (keyed random streams), [`units`],
//! [`grid`] (the time grid).
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[macro_use]
mod choice;

pub mod analysis;
pub mod config;
pub mod engine;
pub mod error;
pub mod grid;
pub mod memory;
pub mod model;
pub mod record;
pub mod rng;
pub mod summary;
pub mod sweep;
pub mod theory;
pub mod units;

pub use choice::Choice;
pub use config::{Config, Value};
pub use engine::{Progress, run, run_with};
pub use error::{Error, ParamError};
pub use grid::TimeGrid;
pub use model::{Crossing, Drive, Input, LifParams, Method, Noise, RecordSpec, Simulation, SpikeMode};
pub use record::Recording;
pub use summary::Summary;
