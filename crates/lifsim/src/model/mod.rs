//! The model: the neuron's parameters, its input, the validated simulation and the integration step.
//!
//! Data flows one way: [`crate::Config::build`] validates a configuration into a
//! [`Simulation`] (neuron, input, method, crossing rule, grid, ensemble, recording), and
//! [`integrate`] turns it into the constants of the one affine step the engine runs.

pub mod input;
pub mod integrate;
pub mod network;
pub mod params;
pub mod simulation;

pub use input::{Drive, Input, Noise, PoissonInput};
pub use integrate::StepConstants;
pub use network::{ByPopulation, Network, Population, Projection, Rule};
pub use params::LifParams;
pub use simulation::{Crossing, Method, RecordSpec, Simulation, SpikeMode};
