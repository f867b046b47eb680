//! Noisy spiking runs re-simulated neuron by neuron with a scalar loop written from the SEED's
//! rules. The noise numbers come from the documented public streams: the update to step k of
//! neuron i uses sample k - 1 of (seed, `Stream::InputNoise`, i), drawn whether or not the
//! neuron is clamped; the OU noise current starts at sample 0 of `Stream::InitialState`,
//! scaled to the stationary standard deviation of its discrete recursion.

mod common;
use common::{assert_rel, build, euler_step, exact_step, int, s};
use lifsim::rng::{Stream, normal_sample, symmetric_sample};

const TAU_M: f64 = 20e-3;
const E_L: f64 = -60e-3;
const R_M: f64 = 100e6;
const I_MEAN: f64 = 250e-12;
const V_RESET: f64 = -70e-3;
const V_TH: f64 = -50e-3;
const DT: f64 = 1e-4;
const T_MAX: f64 = 0.05;
const STEPS: usize = 500;
const N_REF: usize = 20; // t_ref = 2 ms
const SEED: u64 = 31;
const SIGMA_V: f64 = 5e-3;
const TAU_NOISE: f64 = 3e-3;

#[derive(Clone, Copy, Debug)]
enum Case {
    TutorialEuler,
    WhiteEuler,
    WhiteExact,
    OuEuler,
    OuExact,
}

impl Case {
    fn settings(self) -> (&'static str, &'static str) {
        match self {
            Case::TutorialEuler => ("tutorial", "euler"),
            Case::WhiteEuler => ("white", "euler"),
            Case::WhiteExact => ("white", "exact"),
            Case::OuEuler => ("ou", "euler"),
            Case::OuExact => ("ou", "exact"),
        }
    }
}

/// (spike steps, trace, smallest |V - v_th| after an update) of neuron `i`.
fn reference(case: Case, i: u64) -> (Vec<u32>, Vec<f64>, f64) {
    let xi = |k: usize| normal_sample(SEED, Stream::InputNoise, i, (k - 1) as u64);
    // OU current x (V): tau_n dx = -x dt + sigma_v sqrt(2 tau_m) dW, so x has sd
    // sigma_v sqrt(tau_m/tau_n); per step x <- c x + s eta.
    let x_sd = SIGMA_V * (TAU_M / TAU_NOISE).sqrt();
    let (c, s_ou) = match case {
        Case::OuExact => {
            let c = (-DT / TAU_NOISE).exp();
            (c, x_sd * (1.0 - c * c).sqrt())
        }
        _ => (1.0 - DT / TAU_NOISE, x_sd * (2.0 * DT / TAU_NOISE).sqrt()),
    };
    let mut x = s_ou / (1.0 - c * c).sqrt() * normal_sample(SEED, Stream::InitialState, i, 0);

    let mut trace = vec![E_L];
    let mut spikes = Vec::new();
    let mut last: Option<usize> = None;
    let mut margin = f64::INFINITY;
    for k in 1..STEPS {
        let v_prev = trace[k - 1];
        let mut v = match case {
            Case::TutorialEuler => {
                let xi_u = symmetric_sample(SEED, Stream::InputNoise, i, (k - 1) as u64);
                let current = I_MEAN * (1.0 + 0.1 * (T_MAX / DT).sqrt() * xi_u);
                euler_step(v_prev, DT, TAU_M, E_L, R_M, current)
            }
            Case::WhiteEuler => {
                euler_step(v_prev, DT, TAU_M, E_L, R_M, I_MEAN) + SIGMA_V * (2.0 * DT / TAU_M).sqrt() * xi(k)
            }
            Case::WhiteExact => {
                let a = (-DT / TAU_M).exp();
                exact_step(v_prev, DT, TAU_M, E_L, R_M, I_MEAN) + SIGMA_V * (1.0 - a * a).sqrt() * xi(k)
            }
            Case::OuEuler | Case::OuExact => {
                // V sees x_{k-1}, held over the step, as an extra current x / r_m.
                let held = I_MEAN + x / R_M;
                x = c * x + s_ou * xi(k);
                match case {
                    Case::OuEuler => euler_step(v_prev, DT, TAU_M, E_L, R_M, held),
                    _ => exact_step(v_prev, DT, TAU_M, E_L, R_M, held),
                }
            }
        };
        if let Some(k_s) = last
            && k - k_s < N_REF
        {
            trace.push(V_RESET);
            continue;
        }
        margin = margin.min((v - V_TH).abs());
        if v >= V_TH {
            spikes.push(k as u32);
            last = Some(k);
            v = V_RESET;
        }
        trace.push(v);
    }
    (spikes, trace, margin)
}

#[test]
fn noisy_runs_follow_the_scalar_reference() {
    let traced = [0usize, 1, 2, 255, 256, 299];
    for case in [Case::TutorialEuler, Case::WhiteEuler, Case::WhiteExact, Case::OuEuler, Case::OuExact] {
        let (noise, method) = case.settings();
        let sim = build(&[
            ("simulation.n", int(300)),
            ("simulation.seed", int(SEED as i64)),
            ("simulation.dt", s("0.1 ms")),
            ("simulation.t_max", s("50 ms")),
            ("simulation.method", s(method)),
            ("input.noise", s(noise)),
            ("input.sigma_v", s("5 mV")),
            ("input.tau_noise", s("3 ms")),
            ("neuron.t_ref", s("2 ms")),
            ("record.traces", int(300)),
        ]);
        assert_eq!(sim.steps(), STEPS);
        let rec = lifsim::run(&sim).unwrap();
        let mut total = 0;
        for &i in &traced {
            let label = format!("{case:?} neuron {i}");
            let (spikes, trace, margin) = reference(case, i as u64);
            assert!(margin > 1e-12, "{label}: reference within {margin:e} of v_th");
            let got: Vec<u32> = rec
                .spikes
                .neuron
                .iter()
                .zip(&rec.spikes.step)
                .filter(|&(&n, _)| n as usize == i)
                .map(|(_, &k)| k)
                .collect();
            assert_eq!(got, spikes, "{label}: spike steps");
            assert_eq!(rec.spike_count[i] as usize, spikes.len(), "{label}");
            total += spikes.len();
            for (k, (&v, &want)) in rec.traces.neuron(i).iter().zip(&trace).enumerate() {
                assert_rel(v, want, 1e-12, &format!("{label}: V_{k}"));
            }
        }
        assert!(total > 0, "{case:?}: the reference neurons spike");
    }
}
