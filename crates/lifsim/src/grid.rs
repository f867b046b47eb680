//! The time grid `t_k = k dt`: its steps, the time of a step and the step of a time.
//!
//! Every time axis lifsim builds (the recording's `t`, trace sample times, spike times, the
//! histogram times, analysis windows, the written files) comes from this one type, so a time is
//! always `k as f64 * dt`, never accumulated, and a time is always snapped to a step the same way.

use serde::{Deserialize, Serialize};

/// A grid of `steps` points `t_k = k dt`, `k = 0 .. steps - 1` (s).
///
/// ```
/// let grid = lifsim::TimeGrid::new(1e-3, 150);
/// assert_eq!(grid.time(10), 10.0 * 1e-3);
/// assert_eq!(grid.step_of(0.0149), 15);
/// assert_eq!(grid.step_of(1.0), 149); // clamped to the last point
/// assert_eq!(grid.times().count(), 150);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimeGrid {
    dt: f64,
    steps: usize,
}

impl TimeGrid {
    /// The grid of `steps` points spaced `dt` seconds.
    pub fn new(dt: f64, steps: usize) -> Self {
        Self { dt, steps }
    }

    /// The step `dt` (s).
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// The number of grid points.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The time of grid point `k`, `k dt` (s).
    #[inline]
    pub fn time(&self, k: usize) -> f64 {
        k as f64 * self.dt
    }

    /// The time of every grid point (s).
    pub fn times(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        (0..self.steps).map(|k| self.time(k))
    }

    /// The times of the samples taken every `every` steps, at steps `0, every, 2 every, ...`
    /// below `steps` (s): `ceil(steps / every)` values.
    ///
    /// ```
    /// let t: Vec<f64> = lifsim::TimeGrid::new(0.5, 5).sampled(2).collect();
    /// assert_eq!(t, [0.0, 1.0, 2.0]);
    /// ```
    pub fn sampled(&self, every: usize) -> impl ExactSizeIterator<Item = f64> + '_ {
        let every = every.max(1);
        (0..self.steps.div_ceil(every)).map(move |s| self.time(s * every))
    }

    /// The last grid point's index (0 for an empty grid).
    pub fn last_step(&self) -> usize {
        self.steps.saturating_sub(1)
    }

    /// The grid point nearest to time `t` (s), `round(t / dt)`, clamped to `0 ..= last_step`;
    /// an infinite or NaN `t` maps to the last point.
    pub fn step_of(&self, t: f64) -> usize {
        if !t.is_finite() {
            return self.last_step();
        }
        ((t / self.dt).round().max(0.0) as usize).min(self.last_step())
    }

    /// The span in which spikes can occur, `(steps - 1) dt` (s): updates happen at steps
    /// `1 .. steps - 1`.
    pub fn span(&self) -> f64 {
        self.time(self.last_step())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_multiples_never_sums() {
        let grid = TimeGrid::new(0.1e-3, 10_001);
        for k in 0..grid.steps() {
            assert_eq!(grid.time(k), k as f64 * 0.1e-3);
        }
        assert_eq!(grid.span(), 10_000.0 * 0.1e-3);
        assert_eq!(grid.step_of(-1.0), 0);
        assert_eq!(grid.step_of(f64::INFINITY), 10_000);
        assert_eq!(TimeGrid::new(1.0, 0).last_step(), 0);
        assert_eq!(TimeGrid::new(1.0, 7).sampled(3).len(), 3);
    }
}
