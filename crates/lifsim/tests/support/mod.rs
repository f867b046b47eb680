//! Code shared by the integration tests and the benches.

pub mod workload;
