"""The distributed path's overhead on one machine: LocalCluster (1 and 2 workers) against a
direct run, for several n. python bench/cluster_overhead.py [N ...] (needs lifsim[dask])."""

import sys
import time

import numpy as np
from dask.distributed import Client, LocalCluster

import lifsim

PARAMS = dict(t_max="0.1 s", dt="0.1 ms", noise="white", sigma_v="4 mV", traces=0, hist_times=[])


def timed(**kwargs):
    started = time.perf_counter()
    result = lifsim.simulate(**PARAMS, **kwargs)
    return time.perf_counter() - started, result


def main(sizes):
    rows = []
    for workers, threads in [(1, 2), (2, 1)]:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, dashboard_address=None)
        with Client(cluster) as client:
            for n in sizes:
                direct, here = timed(n=n, threads=2)
                lifsim.simulate(**PARAMS, n=min(n, 100_000), client=client, threads=threads)  # warm the workers
                spread, there = timed(n=n, client=client, shards=None, threads=threads)
                assert np.asarray(here.v_mean).tobytes() == np.asarray(there.v_mean).tobytes()
                rows.append((n, workers, threads, direct, spread, len(here.spike_times)))
                print(f"n={n:.0e} workers={workers}x{threads} direct {direct:.2f} s, cluster {spread:.2f} s,"
                      f" {len(here.spike_times)} spikes, identical", flush=True)
        cluster.close()


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [100_000, 1_000_000, 10_000_000])
