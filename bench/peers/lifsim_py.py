"""lifsim's Python package on workload W, with the same command line as the other peers.

Calls ``lifsim.simulate(...)`` with W's parameters and times the call
(allocation, simulation and building the result object; the import is excluded).
The ensemble mean/variance of V is whatever lifsim records with traces=0; --stats
is not forwarded. ``seed`` and ``threads`` are passed only if simulate() declares
them (RAYON_NUM_THREADS, set by compare.py, applies either way).
"""

import inspect
import time

import numpy as np

from workload import T_MAX, main, result


def run(n, seed=1, threads=1, stats=True):
    """Simulate W for n neurons with lifsim.simulate; returns workload.result(...)."""
    import lifsim

    kwargs = dict(n=n, t_max=T_MAX, dt=1e-4, noise="white", sigma_v="5 mV",
                  i_mean="250 pA", t_ref="2 ms", method="euler", traces=0, hist_times=[])
    try:
        declared = inspect.signature(lifsim.simulate).parameters
    except (TypeError, ValueError):
        declared = {}
    for name, value in (("seed", seed), ("threads", threads)):
        if name in declared:
            kwargs[name] = value
    t0, c0 = time.perf_counter(), time.process_time()
    r = lifsim.simulate(**kwargs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return result("lifsim-py", n, np.asarray(r.spike_counts), wall, cpu_s=cpu, stats="lifsim default",
                  threads_used=kwargs.get("threads"), seeded="seed" in kwargs,
                  lifsim_version=getattr(lifsim, "__version__", None))


if __name__ == "__main__":
    main(run)
