"""NEST version of workload W: iaf_psc_delta neurons driven by a noise_generator.

Equivalent formulation. iaf_psc_delta integrates the membrane exactly over one
step h for a current I held constant during the step:

    V' - E_L = P33 (V - E_L) + P30 (I_e + I),   P33 = exp(-h/tau),  P30 = (tau/C)(1 - P33)

W's Euler-Maruyama step is, with a = dt/tau_m and R = r_m:

    V' - E_L = (1 - a)(V - E_L) + a R I_e + sigma_v sqrt(2a) xi

The two maps are identical when NEST is given
  - tau = -h / ln(1 - a)           (19.950 ms; then P33 = 1 - a),
  - C   = tau / R                  (199.5 pF; then R_nest = tau/C = 100 MOhm and
                                    P30 = R (1 - P33) = a R, so I_e = 250 pA gives mu),
  - I   = a noise_generator current, redrawn every step (its dt = h), with
    std = sigma_v sqrt(2a) / (a R) = sigma_v sqrt(2/a) / R = 1000 pA
    (so that P30 * std = sigma_v sqrt(2 dt/tau_m) = 0.5 mV per step).
With tau_m = 20 ms and C = 200 pF instead (R = 100 MOhm, exact exponential
leak), the per-step matching std would be sigma_v sqrt(2a) / (R (1 - exp(-a)))
= 1002.5 pA, and the leak would differ from W's Euler leak by O(a**2) per step.
noise_generator draws an independent value for each target neuron.

Other details that make NEST do the same work as W:
  - Refractory period: NEST clamps V for RefractoryCounts = t_ref/h steps after
    the spike step, W holds n_ref - 1 = 19 steps (k+1 .. k+19), so t_ref is set
    to (n_ref - 1) h = 1.9 ms.
  - The generator is connected with delay h (NEST's default 1 ms would leave the
    first 10 steps without noise); the current drawn in step k acts in step k+1,
    which only shifts an i.i.d. sequence. The first step has no noise.

Per-step ensemble mean and variance of V: NEST can only read V through a
multimeter, which stores (time, sender, value) for every neuron and step, i.e.
24 bytes * n * steps (24 GB at n = 1e6; too heavy beyond n of a few thousand).
With stats on, a multimeter records all neurons and the series are computed from
it after the run (variant "multimeter"); the default variant records no V
("none"), which is what the timing table uses for NEST at large n.

local_num_threads = --threads; wall_s and cpu_s cover the nest.Simulate() call alone.
"""

import math
import time

import numpy as np

from workload import (DT, E_L, I_MEAN, N_REF, R_M, SIGMA_V, T_MAX, TAU_M,
                      V_RESET, V_TH, main, result)

VARIANTS = ["none", "multimeter"]

H_MS = DT * 1e3
A = DT / TAU_M
TAU_NEST_MS = -H_MS / math.log(1.0 - A)
C_NEST_PF = TAU_NEST_MS * 1e-3 / R_M * 1e12
NOISE_STD_PA = SIGMA_V * math.sqrt(2.0 / A) / R_M * 1e12


def _series_from_multimeter(events, n):
    """Per-step ensemble mean and variance (volts, volts**2) of the multimeter's V_m samples."""
    times = np.asarray(events["times"])
    v = np.asarray(events["V_m"]) * 1e-3
    step = np.rint(times / H_MS).astype(np.int64)
    order = np.argsort(step, kind="stable")
    v = v[order].reshape(-1, n)
    return v.mean(axis=1), v.var(axis=1)


def run(n, seed=1, threads=1, stats=True, variant="none"):
    """Simulate W for n neurons in NEST; returns workload.result(...).

    stats is honoured only by variant "multimeter" (variant "none" records no V).
    """
    import nest

    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": H_MS, "local_num_threads": threads,
                          "rng_seed": seed, "print_time": False})
    neurons = nest.Create("iaf_psc_delta", n, params={
        "tau_m": TAU_NEST_MS, "C_m": C_NEST_PF, "E_L": E_L * 1e3, "V_m": E_L * 1e3,
        "V_reset": V_RESET * 1e3, "V_th": V_TH * 1e3, "t_ref": (N_REF - 1) * H_MS,
        "I_e": I_MEAN * 1e12})
    noise = nest.Create("noise_generator", params={"mean": 0.0, "std": NOISE_STD_PA,
                                                    "dt": H_MS})
    nest.Connect(noise, neurons, "all_to_all", {"delay": H_MS})
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    record_v = stats and variant == "multimeter"
    if record_v:
        meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": H_MS})
        nest.Connect(meter, neurons)

    t0, c0 = time.perf_counter(), time.process_time()
    nest.Simulate(T_MAX * 1e3)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0

    events = recorder.get("events")
    senders = np.asarray(events["senders"]) - neurons[0].global_id
    times = np.asarray(events["times"])
    counts = np.bincount(senders, minlength=n)
    v_mean, v_var = _series_from_multimeter(meter.get("events"), n) if record_v else (None, None)
    return result(f"nest-{variant}", n, counts, wall, cpu_s=cpu,
                  stats="multimeter" if record_v else "none", v_mean=v_mean, v_var=v_var,
                  threads_used=threads, nest_version=nest.__version__,
                  first_spike_ms=float(times.min()) if times.size else None,
                  tau_m_ms=TAU_NEST_MS, c_m_pf=C_NEST_PF, noise_std_pa=NOISE_STD_PA)


if __name__ == "__main__":
    main(run, VARIANTS)
