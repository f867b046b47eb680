//! Mean-field theory of a network of LIF neurons with delta synapses: each population's self-consistent stationary rate (Brunel 2000; Amit & Brunel 1997).
//!
//! In the diffusion approximation the input of a neuron of population `a` is Gaussian white
//! noise with mean and variance set by the rates `nu_b` of the populations it receives from:
//!
//! - `mu_a = e_l + r_m i_mean + tau_a (sum_b K_ab w_ab nu_b + d_a)`,
//! - `sigma_a^2 = tau_a (sum_b K_ab w_ab^2 nu_b + s_a) / 2 + sigma_ext^2` (lifsim's `sigma_v`,
//!   the free membrane's standard deviation; Brunel's `sigma` is `sqrt(2)` times it),
//!
//! with `K_ab` the mean in-degree, `w_ab` the weight, `d_a` and `s_a` the drift and variance
//! rate of Poisson input (`w_e r_e + w_i r_i`, `w_e^2 r_e + w_i^2 r_i`, Brunel's eqs. 4-5) and
//! `sigma_ext` that of white (or the tutorial's) noise. Each population's rate is then
//! Siegert's `nu_a = phi_a(mu_a, sigma_a)` ([`WhiteNoiseLif`]); the stationary state is the fixed
//! point `nu = phi(nu)` (Brunel's eqs. 6-7), found by damped relaxation and polished by Newton's
//! method. The ISI CV follows from the same formula as for the ensemble.

use super::free_membrane::stationary_variance;
use super::siegert::WhiteNoiseLif;
use crate::model::{Drive, Network, Noise, Simulation};
use serde::Serialize;

/// The mean-field prediction for one population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationTheory {
    /// The self-consistent stationary rate (Hz).
    pub rate_hz: f64,
    /// The ISI CV at that rate (Brunel 2000, appendix A.1).
    pub cv_isi: f64,
    /// The mean input `mu_a` at the fixed point (V).
    pub mu_v: f64,
    /// The input's standard deviation `sigma_a` at the fixed point (V, lifsim's `sigma_v`).
    pub sigma_v: f64,
}

/// What the mean field needs of one population: its neuron, constant drive and the drift and
/// variance of its external input.
#[derive(Debug, Clone, Copy, PartialEq)]
struct External {
    /// `e_l + r_m i_mean` (V).
    rest: f64,
    /// `tau_m` times the drift of Poisson input (V).
    drift: f64,
    /// The variance of the external input alone, as `sigma_v^2` (V^2).
    variance: f64,
}

/// The network's mean-field model: `None` where it does not apply (a population with a
/// time-varying drive, OU noise or no threshold).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanField<'a> {
    network: &'a Network,
    external: Vec<External>,
}

impl<'a> MeanField<'a> {
    /// The mean-field model of `sim`'s network.
    pub fn of(sim: &'a Simulation) -> Option<Self> {
        let network = sim.network()?;
        let mut external = Vec::new();
        for p in network.populations() {
            p.neuron.v_th?;
            let Drive::Constant { i_mean } = p.input.drive else {
                return None;
            };
            let rest = p.neuron.e_l + p.neuron.r_m * i_mean;
            let (drift, variance) = match p.input.noise {
                Noise::None => (0.0, 0.0),
                Noise::Poisson(input) => {
                    (p.neuron.tau_m * input.mean_drift(), p.neuron.tau_m * input.drift_variance() / 2.0)
                }
                Noise::White { sigma_v } => (0.0, sigma_v * sigma_v),
                // The tutorial noise's white-noise limit.
                Noise::Tutorial { .. } => (0.0, stationary_variance(&p.neuron, &p.input, sim.t_max())),
                Noise::Ou { .. } => return None,
            };
            external.push(External { rest, drift, variance });
        }
        Some(Self { network, external })
    }

    /// The populations' `(mu, sigma_v)` (V) for the rates `rates` (Hz).
    pub fn inputs(&self, rates: &[f64]) -> Vec<(f64, f64)> {
        let populations = self.network.populations();
        let mut drift = vec![0.0; populations.len()];
        let mut variance = vec![0.0; populations.len()];
        for p in self.network.projections() {
            let k = self.network.in_degree(p);
            drift[p.target] += k * p.weight * rates[p.source];
            variance[p.target] += k * p.weight * p.weight * rates[p.source];
        }
        populations
            .iter()
            .zip(&self.external)
            .enumerate()
            .map(|(a, (p, e))| {
                let tau = p.neuron.tau_m;
                (e.rest + e.drift + tau * drift[a], (e.variance + tau * variance[a] / 2.0).sqrt())
            })
            .collect()
    }

    /// The neuron of population `a` with input `(mu, sigma_v)`.
    fn neuron(&self, a: usize, (mu, sigma_v): (f64, f64)) -> WhiteNoiseLif {
        let p = &self.network.populations()[a].neuron;
        WhiteNoiseLif {
            mu,
            sigma_v,
            tau_m: p.tau_m,
            v_th: p.v_th.unwrap_or(f64::INFINITY),
            v_reset: p.v_reset,
            t_ref: p.t_ref,
        }
    }

    /// `phi(rates)`: each population's Siegert rate for the input that `rates` give (Hz).
    pub fn transfer(&self, rates: &[f64]) -> Vec<f64> {
        self.inputs(rates).into_iter().enumerate().map(|(a, input)| self.neuron(a, input).rate_hz()).collect()
    }

    /// The stationary rates: relaxation `nu <- nu + h (phi(nu) - nu)` from the rates without
    /// recurrent input, then Newton's method on `nu - phi(nu) = 0` (finite-difference
    /// Jacobian) until `|nu - phi(nu)| <= 1e-12 nu + 1e-12 Hz`. `None` when it does not
    /// converge (no stable stationary state in reach).
    pub fn fixed_point(&self) -> Option<Vec<f64>> {
        let p = self.network.populations().len();
        let mut rates = self.transfer(&vec![0.0; p]);
        let mut h = 0.5;
        for _ in 0..2000 {
            let phi = self.transfer(&rates);
            let now = residual(&rates, &phi);
            if now < 1e-3 {
                break;
            }
            let next: Vec<f64> = rates.iter().zip(&phi).map(|(r, f)| (r + h * (f - r)).max(0.0)).collect();
            if residual(&next, &self.transfer(&next)) > now {
                h = (h * 0.5).max(1e-3);
            }
            rates = next;
        }
        for _ in 0..50 {
            let phi = self.transfer(&rates);
            let f: Vec<f64> = rates.iter().zip(&phi).map(|(r, g)| r - g).collect();
            if rates.iter().zip(&f).all(|(r, f)| f.abs() <= 1e-12 * r.abs() + 1e-12) {
                return Some(rates);
            }
            let step = self.newton_step(&rates, &f)?;
            // Backtrack so that the residual falls.
            let mut scale = 1.0;
            loop {
                let next: Vec<f64> = rates.iter().zip(&step).map(|(r, s)| (r - scale * s).max(0.0)).collect();
                let next_f = residual(&next, &self.transfer(&next));
                if next_f < residual(&rates, &phi) || scale < 1e-6 {
                    rates = next;
                    break;
                }
                scale *= 0.5;
            }
        }
        let phi = self.transfer(&rates);
        rates.iter().zip(&phi).all(|(r, g)| (r - g).abs() <= 1e-10 * r.abs() + 1e-10).then_some(rates)
    }

    /// Solves `J step = f` with `J = I - dphi/dnu` by central differences.
    fn newton_step(&self, rates: &[f64], f: &[f64]) -> Option<Vec<f64>> {
        let p = rates.len();
        let mut jacobian = vec![vec![0.0; p]; p];
        for b in 0..p {
            let h = 1e-6 * rates[b].abs().max(1e-3);
            let mut up = rates.to_vec();
            let mut down = rates.to_vec();
            up[b] += h;
            down[b] = (down[b] - h).max(0.0);
            let (phi_up, phi_down) = (self.transfer(&up), self.transfer(&down));
            for a in 0..p {
                let derivative = (phi_up[a] - phi_down[a]) / (up[b] - down[b]);
                jacobian[a][b] = f64::from(u8::from(a == b)) - derivative;
            }
        }
        solve(jacobian, f.to_vec())
    }

    /// The theory of each population at the fixed point, in population order.
    pub fn solve(&self) -> Option<Vec<PopulationTheory>> {
        let rates = self.fixed_point()?;
        let inputs = self.inputs(&rates);
        Some(
            inputs
                .iter()
                .enumerate()
                .map(|(a, &(mu, sigma_v))| PopulationTheory {
                    rate_hz: rates[a],
                    cv_isi: self.neuron(a, (mu, sigma_v)).cv_isi(),
                    mu_v: mu,
                    sigma_v,
                })
                .collect(),
        )
    }
}

/// The largest `|nu - phi(nu)|` relative to the rate (Hz, at least 1 Hz).
fn residual(rates: &[f64], phi: &[f64]) -> f64 {
    rates.iter().zip(phi).map(|(r, f)| (r - f).abs() / r.abs().max(1.0)).fold(0.0, f64::max)
}

/// Gaussian elimination with partial pivoting; `None` for a singular matrix.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= factor * p;
            }
            b[col + 1 + offset] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let sum: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - sum) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    /// Brunel (2000) model A, NEST's example at `order` (N_E = 4 order, N_I = order), with `g`, `eta`.
    fn brunel(order: u64, g: f64, eta: f64, v_reset: &str) -> Simulation {
        let (j, c_e, c_i) = (0.1e-3, order * 4 / 10, order / 10);
        let nu_thr = 20e-3 / (j * c_e as f64 * 20e-3);
        let text = format!(
            "[simulation]\ndt = \"0.1 ms\"\nt_max = \"100 ms\"\n[neuron]\ne_l = 0\nv_reset = \"{v_reset}\"\nv_th = \"20 mV\"\nt_ref = \"2 ms\"\n\
             [input]\ni_mean = 0\nnoise = \"poisson\"\nrate_e = {}\nweight_e = {j}\nrate_i = 0\n\
             [[population]]\nname = \"E\"\nn = {}\n[[population]]\nname = \"I\"\nn = {order}\n\
             [[connection]]\nfrom = \"E\"\nto = \"E\"\nin_degree = {c_e}\nweight = {j}\n\
             [[connection]]\nfrom = \"E\"\nto = \"I\"\nin_degree = {c_e}\nweight = {j}\n\
             [[connection]]\nfrom = \"I\"\nto = \"E\"\nin_degree = {c_i}\nweight = {}\n\
             [[connection]]\nfrom = \"I\"\nto = \"I\"\nin_degree = {c_i}\nweight = {}\n",
            eta * nu_thr * c_e as f64,
            4 * order,
            -g * j,
            -g * j
        );
        Config::from_toml_str(&text).unwrap().build().unwrap()
    }

    #[test]
    fn the_fixed_point_solves_its_own_equations() {
        for (g, eta, v_reset) in [(5.0, 2.0, "10 mV"), (6.0, 4.0, "10 mV"), (5.0, 2.0, "0 mV"), (4.5, 0.9, "10 mV")] {
            let sim = brunel(2500, g, eta, v_reset);
            let field = MeanField::of(&sim).expect("the mean field applies");
            let rates = field.fixed_point().unwrap_or_else(|| panic!("g {g} eta {eta}: no fixed point"));
            let phi = field.transfer(&rates);
            for (r, f) in rates.iter().zip(&phi) {
                assert!((r - f).abs() <= 1e-10 * r, "g {g} eta {eta}: {r} vs {f}");
            }
            // Brunel's E and I neurons are identical and receive the same input: equal rates.
            assert!((rates[0] - rates[1]).abs() <= 1e-9 * rates[0], "{rates:?}");
        }
    }

    /// The inputs by hand, Brunel's eqs. 4-5 (sigma_v^2 = sigma^2 / 2): mu = tau (C_E J nu (1 - g gamma) + C_E J nu_ext),
    /// sigma^2 = tau J^2 (C_E nu (1 + g^2 gamma) + C_E nu_ext), gamma = C_I / C_E.
    #[test]
    fn inputs_are_brunels_equations() {
        let sim = brunel(2500, 5.0, 2.0, "10 mV");
        let field = MeanField::of(&sim).unwrap();
        let (tau, j, c_e, nu, nu_ext) = (20e-3, 0.1e-3, 1000.0, 12.0, 20.0);
        let (mu, sigma_v) = field.inputs(&[nu, nu])[0];
        let mu_brunel = tau * c_e * j * (nu * (1.0 - 5.0 * 0.25) + nu_ext);
        let sigma2 = tau * j * j * c_e * (nu * (1.0 + 25.0 * 0.25) + nu_ext);
        assert!((mu - mu_brunel).abs() < 1e-15, "{mu} vs {mu_brunel}");
        assert!((sigma_v * sigma_v - sigma2 / 2.0).abs() < 1e-18, "{sigma_v}");
    }

    /// Without projections a population's rate is the ensemble's Siegert rate of its input.
    #[test]
    fn an_unconnected_network_is_the_ensemble_theory() {
        let text = "[simulation]\ndt = \"0.1 ms\"\n[neuron]\nt_ref = \"2 ms\"\n[input]\nnoise = \"white\"\nsigma_v = \"4 mV\"\n\
                    [[population]]\nname = \"A\"\nn = 10\n";
        let network = Config::from_toml_str(text).unwrap().build().unwrap();
        let ensemble = Config::from_toml_str(
            "[simulation]\ndt = \"0.1 ms\"\n[neuron]\nt_ref = \"2 ms\"\n[input]\nnoise = \"white\"\nsigma_v = \"4 mV\"\n",
        )
        .unwrap()
        .build()
        .unwrap();
        let theory = MeanField::of(&network).unwrap().solve().unwrap();
        let siegert = WhiteNoiseLif::for_simulation(&ensemble).unwrap();
        assert!((theory[0].rate_hz - siegert.rate_hz()).abs() <= 1e-12 * siegert.rate_hz());
        assert!((theory[0].cv_isi - siegert.cv_isi()).abs() <= 1e-12);
    }
}
