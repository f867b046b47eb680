//! Estimators with their standard errors: sample moments of V, batch means, the ISI CV by batches.
//!
//! These are the statistics `lifsim validate` and the statistical tests compare with theory:
//! a check passes when the estimate lies within a few of its standard errors of the prediction,
//! so each estimator here comes with the standard error computed from the same data.

use super::{Window, cv, intervals_of, intervals_timed, mean_and_sample_variance};
use crate::record::Recording;

/// An estimate and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error (same unit); NaN where it cannot be estimated.
    pub se: f64,
}

/// Sample mean and sample variance (1/(n-1)) of values, each with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleMoments {
    /// The mean and `sqrt(var / n)`.
    pub mean: Estimate,
    /// The sample variance and `sqrt((m4 - var^2 (n-3)/(n-1)) / n)`, `m4` the fourth central
    /// moment (1/n): the standard error of a sample variance for any distribution with a
    /// finite fourth moment (for a Gaussian it is `var sqrt(2/(n-1))`).
    pub var: Estimate,
}

/// The [`SampleMoments`] of `values` (NaN for fewer than two values).
///
/// ```
/// let m = lifsim::analysis::sample_moments(&[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!((m.mean.value, m.var.value), (2.5, 5.0 / 3.0));
/// assert!((m.mean.se - (5.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-15);
/// ```
pub fn sample_moments(values: &[f64]) -> SampleMoments {
    let count = values.len() as f64;
    let (mean, var) = mean_and_sample_variance(values.iter().copied());
    let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / count;
    SampleMoments {
        mean: Estimate { value: mean, se: (var / count).sqrt() },
        var: Estimate { value: var, se: ((m4 - var * var * (count - 3.0) / (count - 1.0)) / count).sqrt() },
    }
}

/// The mean of independent batch estimates and its standard error, the spread of the batches
/// (1/(k-1)) over `sqrt(k)` (batch means); NaN for fewer than two batches.
///
/// ```
/// let e = lifsim::analysis::batch_means(&[1.0, 3.0]);
/// assert_eq!((e.value, e.se), (2.0, 1.0));
/// ```
pub fn batch_means(batches: &[f64]) -> Estimate {
    let (mean, var) = mean_and_sample_variance(batches.iter().copied());
    Estimate { value: mean, se: (var / batches.len() as f64).sqrt() }
}

/// The ISI CV of the intervals pooled over all neurons in the window, with the standard error
/// of batch means over `batches` disjoint groups of neurons (neuron `i` in group `i mod
/// batches`): the CV is a ratio of moments, and independent neurons make the groups' CVs
/// independent estimates of it.
pub fn batch_cv(rec: &Recording, window: &Window, batches: usize) -> Estimate {
    if rec.spikes.is_timed() {
        return batch_cv_timed(rec, window, batches);
    }
    let all = intervals_of(&rec.spikes.neuron, &rec.spikes.step, rec.n, window);
    let group_cvs: Vec<f64> = (0..batches)
        .map(|b| {
            let (neurons, steps): (Vec<u32>, Vec<u32>) = rec
                .spikes
                .neuron
                .iter()
                .zip(&rec.spikes.step)
                .filter(|(neuron, _)| **neuron as usize % batches == b)
                .map(|(&neuron, &step)| (neuron, step))
                .unzip();
            cv(&intervals_of(&neurons, &steps, rec.n, window))
        })
        .collect();
    Estimate { value: cv(&all), se: batch_means(&group_cvs).se }
}

/// [`batch_cv`] for spikes with precise times: the same groups, intervals from the times.
fn batch_cv_timed(rec: &Recording, window: &Window, batches: usize) -> Estimate {
    let s = &rec.spikes;
    let all = intervals_timed(&s.neuron, &s.step, &s.time, rec.n, window);
    let group_cvs: Vec<f64> = (0..batches)
        .map(|b| {
            let mut group = (Vec::new(), Vec::new(), Vec::new());
            for ((&neuron, &step), &time) in s.neuron.iter().zip(&s.step).zip(&s.time) {
                if neuron as usize % batches == b {
                    group.0.push(neuron);
                    group.1.push(step);
                    group.2.push(time);
                }
            }
            cv(&intervals_timed(&group.0, &group.1, &group.2, rec.n, window))
        })
        .collect();
    Estimate { value: cv(&all), se: batch_means(&group_cvs).se }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::TimeGrid;
    use crate::record::Spikes;

    #[test]
    fn sample_moments_match_their_definitions() {
        let values = [0.5, -1.0, 2.0, 3.5, 0.0, 1.0];
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let m4 = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
        let m = sample_moments(&values);
        assert!((m.mean.value - mean).abs() < 1e-15 && (m.var.value - var).abs() < 1e-14);
        assert!((m.mean.se - (var / n).sqrt()).abs() < 1e-15);
        assert!((m.var.se - ((m4 - var * var * (n - 3.0) / (n - 1.0)) / n).sqrt()).abs() < 1e-14);
        assert!(sample_moments(&[1.0]).var.value.is_nan());
        assert!(batch_means(&[2.0]).se.is_nan());
    }

    /// Two groups of neurons whose CVs are known by hand: the SE is half their difference.
    #[test]
    fn batch_cv_is_the_pooled_cv_with_the_spread_of_the_groups() {
        // Neuron 0 (group 0): steps 10, 20, 40 (intervals 10, 20). Neuron 1 (group 1): steps
        // 10, 20, 30 (intervals 10, 10: CV 0).
        // (step, neuron), in step order.
        let spikes = [(10, 0), (10, 1), (20, 0), (20, 1), (30, 1), (40, 0)];
        let rec = Recording {
            grid: TimeGrid::new(1e-3, 100),
            n: 2,
            v_mean: Vec::new(),
            v_var: Vec::new(),
            activity: Vec::new(),
            traces: Default::default(),
            spikes: Spikes {
                neuron: spikes.iter().map(|s| s.1).collect(),
                step: spikes.iter().map(|s| s.0).collect(),
                time: Vec::new(),
            },
            spike_count: vec![3, 3],
            histograms: Vec::new(),
            populations: Vec::new(),
            spike_mode: Default::default(),
        };
        let window = Window::new(rec.grid, 0.0, 1.0);
        let e = batch_cv(&rec, &window, 2);
        let cv_group0 = 5.0 / 15.0; // intervals 10, 20: 1/N std 5, mean 15
        assert!((e.value - cv(&[10e-3, 20e-3, 10e-3, 10e-3])).abs() < 1e-15);
        assert!((e.se - cv_group0 / 2.0).abs() < 1e-12, "{}", e.se);
    }
}
