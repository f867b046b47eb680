"""Brian2 version of workload W, in runtime mode (numpy or cython target) or cpp_standalone.

Model (Brian2's ``xi`` has units s**-0.5 and its Euler-Maruyama step draws
``xi * sqrt(dt)``, so the noise term below adds sigma_v*sqrt(2 dt/tau_m)*N(0,1)
per step, exactly as W):

    dv/dt = (mu - v)/tau_m + sigma_v*sqrt(2/tau_m)*xi : volt (unless refractory)
    threshold v >= v_th, reset v = v_reset, refractory t_ref, method 'euler'

Refractoriness: Brian2 evaluates ``timestep(t - lastspike, dt) >= timestep(t_ref, dt)``
before each update, so after a spike on step k the steps k+1 .. k+19 are held and
step k+20 integrates again: the same rule as W (k - k_last < n_ref skips).

Per-step ensemble mean and variance of V (stats on): a StateMonitor on all
neurons would hold n*steps values (80 GB at n = 1e6), and a network_operation
runs Python every step. Instead a one-neuron group receives the sums of v and
v**2 through a Synapses object with ``(summed)`` variables (one synapse per
neuron), and a StateMonitor records those two sums each step: O(n) work per
step and O(steps) memory, in generated code for every target. Brian2 updates
summed variables at the start of the step, so entry k holds the ensemble after
step k-1 (entry 0 is V_0); the cost is the same as aligned recording.

Timing:
- runtime targets: wall_s is Brian2's own measurement of the main simulation
  loop (``device._last_run_time``, wall clock); it excludes code generation and
  compilation, which are reported as setup_s (the rest of the run() call:
  compiling or loading the cached cython extensions). cpu_s is the process CPU
  time of the whole run() call, so it includes setup_s's share.
- cpp_standalone: Brian2's own loop timer there is std::clock(), i.e. CPU time,
  unless OpenMP is on. So code inserted around the network run in main.cpp
  measures the loop's wall time (steady_clock, wall_s) and CPU time
  (std::clock, cpu_s) itself. build_s is code generation + compilation (make);
  the project directory is reused per (n, threads, stats) under
  bench/out/brian2_standalone, so a repeat recompiles only main.cpp (which holds
  the seed); delete the directory for a cold build. binary_s is the whole binary
  run (allocation, loop, writing results) and binary_peak_rss_kib the binary's
  own peak RSS (the compiler's is excluded).
"""

import os
import sys
import tempfile
import time

import numpy as np

from workload import (DT, E_L, MU, SIGMA_V, T_MAX, T_REF, TAU_M, V_RESET, V_TH, main,
                      result)

VARIANTS = ["cython", "numpy", "cpp_standalone"]
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_ROOT = os.path.join(HERE, "..", "out", "brian2_standalone")
LOOP_TIMER_FILE = "bench_loop_times.txt"
LOOP_TIMER_START = ("const auto _bench_wall0 = std::chrono::steady_clock::now();\n"
                    "const std::clock_t _bench_cpu0 = std::clock();")
LOOP_TIMER_STOP = (
    "{\n"
    "    const double wall = std::chrono::duration<double>(\n"
    "        std::chrono::steady_clock::now() - _bench_wall0).count();\n"
    "    const double cpu = double(std::clock() - _bench_cpu0) / CLOCKS_PER_SEC;\n"
    f'    std::ofstream out(brian::results_dir + "{LOOP_TIMER_FILE}");\n'
    '    out << wall << " " << cpu << std::endl;\n'
    "}")


def _build_network(b2, n, stats):
    """Create W's objects; returns (network, spike monitor, stats monitor or None)."""
    ns = {"mu": MU * b2.volt, "tau_m": TAU_M * b2.second, "sigma_v": SIGMA_V * b2.volt,
          "v_th": V_TH * b2.volt, "v_reset": V_RESET * b2.volt}
    eqs = "dv/dt = (mu - v)/tau_m + sigma_v*sqrt(2/tau_m)*xi : volt (unless refractory)"
    group = b2.NeuronGroup(n, eqs, threshold="v >= v_th", reset="v = v_reset",
                           refractory=T_REF * b2.second, method="euler",
                           namespace=ns, name="lif")
    group.v = E_L * b2.volt
    spikes = b2.SpikeMonitor(group, name="spikes")
    if not stats:
        return b2.Network(group, spikes), spikes, None
    ensemble = b2.NeuronGroup(1, "vsum : volt\nv2sum : volt**2", name="ensemble")
    summer = b2.Synapses(group, ensemble, "vsum_post = v_pre : volt (summed)\n"
                                          "v2sum_post = v_pre**2 : volt**2 (summed)",
                         name="summer")
    summer.connect(i=np.arange(n), j=np.zeros(n, dtype=np.int64))
    monitor = b2.StateMonitor(ensemble, ["vsum", "v2sum"], record=0, when="end",
                              name="ensemble_monitor")
    return b2.Network(group, spikes, ensemble, summer, monitor), spikes, monitor


def _series(monitor, n):
    """Per-step ensemble mean and variance (volts, volts**2) from the summed monitor."""
    vsum = np.asarray(monitor.vsum_[0])
    v2sum = np.asarray(monitor.v2sum_[0])
    mean = vsum / n
    return mean, v2sum / n - mean ** 2


def run(n, seed=1, threads=1, stats=True, variant="cython"):
    """Simulate W for n neurons with the given Brian2 variant; returns workload.result(...)."""
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = DT * b2.second
    extra = {"brian2_version": b2.__version__, "variant": variant}

    if variant == "cpp_standalone":
        directory = os.path.join(BUILD_ROOT, f"n{n}_t{threads}_s{int(stats)}")
        b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
        if threads > 1:
            b2.prefs.devices.cpp_standalone.openmp_threads = threads
        rss_file = tempfile.NamedTemporaryFile(suffix=".rss", delete=False).name
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [
            sys.executable, os.path.join(HERE, "rss_exec.py"), rss_file, "./main"]
        b2.prefs.codegen.cpp.headers = ["<chrono>"]
        b2.device.insert_code("before_network_run", LOOP_TIMER_START)
        b2.device.insert_code("after_network_run", LOOP_TIMER_STOP)
        extra["threads_used"] = threads
    else:
        b2.prefs.codegen.target = variant
        extra["threads_used"] = 1

    b2.seed(seed)
    net, spikes, monitor = _build_network(b2, n, stats)
    t_run, c_run = time.perf_counter(), time.process_time()
    net.run(T_MAX * b2.second)
    run_call_s, cpu = time.perf_counter() - t_run, time.process_time() - c_run

    if variant == "cpp_standalone":
        t_build = time.perf_counter()
        b2.device.build(directory=directory, compile=True, run=False)
        extra["build_s"] = time.perf_counter() - t_build
        t_bin = time.perf_counter()
        b2.device.run(directory=directory, with_output=False)
        extra["binary_s"] = time.perf_counter() - t_bin
        with open(rss_file) as f:
            extra["binary_peak_rss_kib"] = int(f.read())
        os.unlink(rss_file)
        with open(os.path.join(directory, "results", LOOP_TIMER_FILE)) as f:
            wall, cpu = (float(x) for x in f.read().split())
    else:
        wall = b2.device._last_run_time
        extra["setup_s"] = run_call_s - wall

    counts = np.asarray(spikes.count[:])
    times = np.asarray(spikes.t_[:])
    v_mean, v_var = _series(monitor, n) if stats else (None, None)
    return result(f"brian2-{variant}", n, counts, wall, cpu_s=cpu, stats="exact" if stats else "none",
                  v_mean=v_mean, v_var=v_var,
                  first_spike_ms=float(times.min() * 1e3) if times.size else None, **extra)


if __name__ == "__main__":
    main(run, VARIANTS)
