//! Theory for the same setup as a simulation, and which of it applies to a run.
//!
//! - [`free_membrane`]: closed forms without a threshold (the exact moments of the discrete
//!   scheme, stationary moments) and of noise-free firing (the deterministic period, the grid's
//!   own spike steps);
//! - [`siegert`]: the firing rate and ISI CV of a LIF neuron with white-noise input;
//! - [`TheoryValues::for_simulation`]: the one place that decides which of these applies to a
//!   simulation (used by `summary.json`, the report, `lifsim theory` and sweeps).

pub mod free_membrane;
pub mod network;
mod quadrature;
pub mod siegert;

pub use free_membrane::{
    FreeMembraneMoments, GridSpikes, ar1_moments, deterministic_isi, equivalent_sigma_v, free_membrane_moments,
    grid_spike_steps, stationary_moments,
};
pub use network::{MeanField, PopulationTheory};
pub use siegert::WhiteNoiseLif;

use crate::model::{ByPopulation, Drive, Noise, Simulation};
use serde::Serialize;

/// Theory values for the run's setup; `None` (null in JSON) where a value does not apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TheoryValues {
    /// Exact mean of the free membrane at the last step of the discrete scheme (V).
    pub v_mean_final: Option<f64>,
    /// Exact variance of the free membrane at the last step of the discrete scheme (V^2).
    pub v_var_final: Option<f64>,
    /// Stationary mean of the free membrane in continuous time (V).
    pub v_mean_stationary: Option<f64>,
    /// Stationary variance of the free membrane in continuous time (V^2).
    pub v_var_stationary: Option<f64>,
    /// Deterministic interspike interval for constant suprathreshold drive (s).
    pub isi_deterministic_s: Option<f64>,
    /// Its inverse (Hz).
    pub rate_deterministic_hz: Option<f64>,
    /// Stationary firing rate in continuous time (Hz): Siegert's formula for white noise and
    /// for the tutorial's noise through its white-noise limit, the deterministic rate without
    /// noise; for constant drive with a threshold (see [`siegert`]).
    pub rate_hz: Option<f64>,
    /// The matching coefficient of variation of interspike intervals (Brunel 2000); NaN (null)
    /// when the neuron never fires.
    pub cv_isi: Option<f64>,
    /// For a network: each population's mean-field rate and CV ([`MeanField`]), null where
    /// the mean field does not apply or finds no stationary state; absent from `summary.json`
    /// for an ensemble.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub populations: Option<ByPopulation<Option<PopulationTheory>>>,
}

impl TheoryValues {
    /// The theory that applies to `sim`: free-membrane moments without a threshold, the
    /// deterministic ISI without noise and with constant drive, the firing rate and ISI CV for
    /// constant drive with a threshold and white, tutorial or no noise.
    ///
    /// ```
    /// let sim = lifsim::Config::default().build().unwrap();
    /// let theory = lifsim::theory::TheoryValues::for_simulation(&sim);
    /// assert!(theory.rate_hz.unwrap() > 0.0);
    /// assert_eq!(theory.v_mean_final, None); // a threshold: no free-membrane moments
    /// ```
    pub fn for_simulation(sim: &Simulation) -> Self {
        if let Some(network) = sim.network() {
            return Self::for_network(sim, network);
        }
        let free = sim.neuron().v_th.is_none();
        let constant = matches!(sim.input().drive, Drive::Constant { .. });
        let (final_mean, final_var) = if free {
            let m = free_membrane_moments(sim);
            (m.mean.last().copied(), m.var.last().copied())
        } else {
            (None, None)
        };
        let (mean_stat, var_stat) = stationary_moments(sim);
        let isi =
            (constant && sim.input().noise == Noise::None).then(|| deterministic_isi(sim.neuron(), sim.mu())).flatten();
        let first_passage = WhiteNoiseLif::for_simulation(sim);
        Self {
            rate_hz: first_passage.map(|p| p.rate_hz()),
            cv_isi: first_passage.map(|p| p.cv_isi()),
            v_mean_final: final_mean,
            v_var_final: final_var,
            v_mean_stationary: (free && constant).then_some(mean_stat),
            v_var_stationary: (free && constant).then_some(var_stat),
            isi_deterministic_s: isi,
            rate_deterministic_hz: isi.map(|isi| 1.0 / isi),
            populations: None,
        }
    }

    /// A network's theory: the populations' mean field (the ensemble's closed forms do not
    /// apply to coupled neurons).
    fn for_network(sim: &Simulation, network: &crate::model::Network) -> Self {
        let solved = MeanField::of(sim).and_then(|field| field.solve());
        let names = network.populations().iter().map(|p| p.name.clone());
        let populations = match solved {
            Some(theories) => ByPopulation(names.zip(theories.into_iter().map(Some)).collect()),
            None => ByPopulation(names.map(|name| (name, None)).collect()),
        };
        Self {
            v_mean_final: None,
            v_var_final: None,
            v_mean_stationary: None,
            v_var_stationary: None,
            isi_deterministic_s: None,
            rate_deterministic_hz: None,
            rate_hz: None,
            cv_isi: None,
            populations: Some(populations),
        }
    }
}
