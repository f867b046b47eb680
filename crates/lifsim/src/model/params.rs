//! The neuron's own parameters (`LifParams`), in SI units, with the tutorial's values as defaults.

use crate::error::ParamError;
use crate::units::{Dimension, format_quantity};
use serde::{Deserialize, Serialize};

/// Parameters of one leaky integrate-and-fire neuron, in SI units.
///
/// The membrane obeys `tau_m dV/dt = e_l - V + r_m I(t)`. When `V >= v_th` after an update the
/// neuron spikes and `V` is reset to `v_reset`, then held there for `t_ref` (see
/// [`LifParams::refractory_steps`]). `v_th = None` is a free membrane that never spikes.
///
/// The defaults are the CCNSS 2017 tutorial's (with `r_m` = 100 MOhm; the deck's `100e-6` is a
/// typo) and its exercise 10 refractory period:
///
/// ```
/// let p = lifsim::LifParams::default();
/// assert_eq!((p.tau_m, p.e_l, p.v_reset, p.v_th), (20e-3, -60e-3, -70e-3, Some(-50e-3)));
/// assert_eq!((p.r_m, p.t_ref, p.v_init), (100e6, 10e-3, -60e-3));
/// assert_eq!(p.refractory_steps(1e-3), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LifParams {
    /// Membrane time constant (s).
    pub tau_m: f64,
    /// Leak reversal potential, the resting potential (V).
    pub e_l: f64,
    /// Potential after a spike (V).
    pub v_reset: f64,
    /// Spike threshold (V); `None` for a free membrane.
    pub v_th: Option<f64>,
    /// Membrane resistance (ohm).
    pub r_m: f64,
    /// Refractory period (s); 0 means no clamp.
    pub t_ref: f64,
    /// Potential at t = 0 (V).
    pub v_init: f64,
}

impl Default for LifParams {
    fn default() -> Self {
        Self::TUTORIAL
    }
}

impl LifParams {
    /// The CCNSS 2017 tutorial's neuron (the defaults of the `neuron.*` keys).
    pub const TUTORIAL: LifParams = LifParams {
        tau_m: 20e-3,
        e_l: -60e-3,
        v_reset: -70e-3,
        v_th: Some(-50e-3),
        r_m: 100e6,
        t_ref: 10e-3,
        v_init: -60e-3,
    };

    /// Checks every value; the error names the `neuron.*` key.
    ///
    /// # Errors
    /// [`ParamError`] for a non-finite value, `tau_m <= 0`, `r_m <= 0`, `t_ref < 0` or
    /// `v_th <= v_reset`.
    pub fn validate(&self) -> Result<(), ParamError> {
        let volt = |x: f64| format_quantity(x, Dimension::Voltage);
        let time = |x: f64| format_quantity(x, Dimension::Time);
        finite("neuron.tau_m", self.tau_m, Dimension::Time)?;
        finite("neuron.e_l", self.e_l, Dimension::Voltage)?;
        finite("neuron.v_reset", self.v_reset, Dimension::Voltage)?;
        finite("neuron.r_m", self.r_m, Dimension::Resistance)?;
        finite("neuron.t_ref", self.t_ref, Dimension::Time)?;
        finite("neuron.v_init", self.v_init, Dimension::Voltage)?;
        if self.tau_m <= 0.0 {
            return Err(ParamError::new("neuron.tau_m", time(self.tau_m), "a positive time, e.g. \"20 ms\""));
        }
        if self.r_m <= 0.0 {
            let value = format_quantity(self.r_m, Dimension::Resistance);
            return Err(ParamError::new("neuron.r_m", value, "a positive resistance, e.g. \"100 Mohm\""));
        }
        if self.t_ref < 0.0 {
            return Err(ParamError::new("neuron.t_ref", time(self.t_ref), "a time >= 0 (0 = no refractory period)"));
        }
        if let Some(v_th) = self.v_th {
            finite("neuron.v_th", v_th, Dimension::Voltage)?;
            if v_th <= self.v_reset {
                return Err(ParamError::new(
                    "neuron.v_th",
                    volt(v_th),
                    format!(
                        "a threshold above neuron.v_reset = {} (or \"none\" for a free membrane)",
                        volt(self.v_reset)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The refractory period in whole steps, `n_ref = round(t_ref / dt)`.
    ///
    /// After a spike at step `k_s`, steps `k` with `k - k_s < n_ref` hold `V = v_reset`
    /// without an update, so `V` sits at `v_reset` for `n_ref` grid points (the tutorial's rule,
    /// compared in integers to avoid the float-time bug of its notebook solutions).
    pub fn refractory_steps(&self, dt: f64) -> usize {
        (self.t_ref / dt).round() as usize
    }
}

/// Rejects NaN and infinities for `key`.
pub(crate) fn finite(key: &str, value: f64, dim: Dimension) -> Result<(), ParamError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ParamError::new(
            key,
            value.to_string(),
            format!("a finite number ({}, e.g. {})", dim.describe(), dim.example()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_key() {
        assert_eq!(LifParams::default().validate(), Ok(()));
        let cases: [(LifParams, &str); 6] = [
            (LifParams { tau_m: 0.0, ..Default::default() }, "neuron.tau_m"),
            (LifParams { tau_m: f64::NAN, ..Default::default() }, "neuron.tau_m"),
            (LifParams { r_m: -1.0, ..Default::default() }, "neuron.r_m"),
            (LifParams { t_ref: -1e-3, ..Default::default() }, "neuron.t_ref"),
            (LifParams { v_th: Some(-70e-3), ..Default::default() }, "neuron.v_th"),
            (LifParams { v_init: f64::INFINITY, ..Default::default() }, "neuron.v_init"),
        ];
        for (params, key) in cases {
            assert_eq!(params.validate().unwrap_err().key, key);
        }
        assert_eq!(LifParams { v_th: None, ..Default::default() }.validate(), Ok(()));
    }

    #[test]
    fn refractory_steps_round_not_truncate() {
        let p = LifParams { t_ref: 2e-3, ..Default::default() };
        assert_eq!(p.refractory_steps(1e-4), 20);
        let p = LifParams { t_ref: 0.7e-3, ..Default::default() };
        assert_eq!(p.refractory_steps(0.1e-3), 7);
    }
}
