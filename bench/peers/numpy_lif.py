"""Plain NumPy version of workload W: vectorised over neurons, Python loop over steps.

This is the version a student would write: one ``default_rng().standard_normal(n)``
draw per step for all neurons, whole-array updates with ``np.where`` for the
refractory hold, and boolean masks for threshold and reset. It is also the
reference implementation of W's exact rules (see workload.py); the other peers
are checked against its firing rate.

NumPy runs single-threaded here whatever --threads says (no BLAS call is involved).
"""

import time

import numpy as np

from workload import (DRIFT, DT, E_L, MU, N_REF, NOISE, STEPS, V_RESET, V_TH,
                      main, result)


def run(n, seed=1, threads=1, stats=True):
    """Simulate W for n neurons; returns workload.result(...)."""
    rng = np.random.default_rng(seed)
    v = np.full(n, E_L)
    last_spike = np.full(n, -N_REF, dtype=np.int64)
    spike_idx, spike_step = [], []
    v_mean = np.empty(STEPS) if stats else None
    v_var = np.empty(STEPS) if stats else None

    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(1, STEPS + 1):
        xi = rng.standard_normal(n)
        refractory = (k - last_spike) < N_REF
        v = np.where(refractory, V_RESET, v + DRIFT * (MU - v) + NOISE * xi)
        fired = np.flatnonzero(v >= V_TH)
        if fired.size:
            v[fired] = V_RESET
            last_spike[fired] = k
            spike_idx.append(fired.astype(np.int32))
            spike_step.append(np.full(fired.size, k, dtype=np.int32))
        if stats:
            v_mean[k - 1] = v.mean()
            v_var[k - 1] = v.var()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0

    idx = np.concatenate(spike_idx) if spike_idx else np.empty(0, np.int32)
    steps = np.concatenate(spike_step) if spike_step else np.empty(0, np.int32)
    counts = np.bincount(idx, minlength=n)
    return result("numpy", n, counts, wall, cpu_s=cpu, stats="exact" if stats else "none",
                  v_mean=v_mean, v_var=v_var, threads_used=1,
                  numpy_version=np.__version__,
                  first_spike_ms=float(steps.min() * DT * 1e3) if steps.size else None)


if __name__ == "__main__":
    main(run)
