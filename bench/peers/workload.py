"""Workload W shared by every peer implementation, plus the peers' command line.

W: n independent leaky integrate-and-fire neurons driven by a constant current
and white noise, integrated with Euler-Maruyama at dt = 0.1 ms for 1 s:

    V += dt/tau_m * (mu - V) + sigma_v * sqrt(2 dt / tau_m) * xi,   xi ~ N(0, 1)
    mu = e_l + r_m * i_mean = -35 mV
    if V >= v_th after the update: record (neuron, time), V = v_reset
    on steps k with k - k_last_spike < n_ref the update is skipped (V held at v_reset)

Each peer module (numpy_lif, brian2_lif, nest_lif) exposes ``run(n, seed, ...)``
returning the dictionary built by :func:`result`, and calls :func:`main` under
``if __name__ == "__main__"`` so that bench/compare.py can run every measurement
in its own process:

    python bench/peers/numpy_lif.py --n 10000 --seed 1 --json out.json

All quantities are SI (seconds, volts, ohms, amperes).
"""

import argparse
import json
import math
import sys

TAU_M = 20e-3
E_L = -60e-3
V_RESET = -70e-3
V_TH = -50e-3
R_M = 100e6
I_MEAN = 250e-12
SIGMA_V = 5e-3
T_REF = 2e-3
DT = 0.1e-3
T_MAX = 1.0

MU = E_L + R_M * I_MEAN
N_REF = round(T_REF / DT)
STEPS = round(T_MAX / DT)
DRIFT = DT / TAU_M
NOISE = SIGMA_V * math.sqrt(2.0 * DT / TAU_M)


def result(impl, n, counts, wall_s, *, cpu_s, stats, v_mean=None, v_var=None, **extra):
    """Summarise one run.

    counts: per-neuron spike counts (array-like of length n).
    wall_s: seconds spent in the simulation loop (what ns/neuron-step is computed from).
    cpu_s: CPU seconds (all threads) of the same span, less sensitive to a busy machine.
    stats: how the per-step ensemble mean/variance of V was recorded ("exact", "none", ...).
    v_mean, v_var: the recorded per-step series, if any; only their average over the
    second half of the run is kept (a cheap sanity check of the stationary state).
    extra: implementation-specific fields (code-generation target, build time, ...).
    """
    import numpy as np

    counts = np.asarray(counts)
    out = {
        "impl": impl,
        "n": int(n),
        "steps": STEPS,
        "spike_count": int(counts.sum()),
        "rate_hz": float(counts.mean() / T_MAX),
        "count_sd": float(counts.std(ddof=1)) if n > 1 else 0.0,
        "wall_s": float(wall_s),
        "ns_per_neuron_step": float(wall_s) / (n * STEPS) * 1e9,
        "cpu_s": float(cpu_s),
        "stats": stats,
    }
    if v_mean is not None:
        half = len(v_mean) // 2
        out["v_mean_late_mV"] = float(np.mean(v_mean[half:]) * 1e3)
        out["v_var_late_mV2"] = float(np.mean(v_var[half:]) * 1e6)
    out.update(extra)
    return out


def main(run, variants=None):
    """Command line of a peer module: run once and write the result as JSON.

    run: the module's run(n, seed, threads=..., stats=..., variant=...) function.
    variants: names accepted by --variant (None if the module has only one).
    """
    p = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__.splitlines()[0])
    p.add_argument("--n", type=int, required=True, help="number of neurons")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--stats", choices=["on", "off"], default="on",
                   help="record the per-step ensemble mean and variance of V")
    if variants:
        p.add_argument("--variant", choices=variants, default=variants[0])
    p.add_argument("--json", help="write the result here (default: stdout)")
    a = p.parse_args()
    kwargs = {"threads": a.threads, "stats": a.stats == "on"}
    if variants:
        kwargs["variant"] = a.variant
    res = run(a.n, a.seed, **kwargs)
    text = json.dumps(res)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
