"""Brian2 version of workload N (Brunel 2000 model A, delta synapses), standalone or runtime.

Model: one NeuronGroup of N = N_E + N_I neurons, ``dv/dt = -v/tau : volt (unless
refractory)`` (E_L = 0, exact integration, V(0) = 0), reset v = V_reset; E is
group[:N_E], I is group[N_E:]. Two Synapses objects, E -> all (on_pre
``v_post += J``) and I -> all (``v_post += -g*J``), with one shared delay and no
per-synapse variables. Fixed in-degree connectivity is drawn here with NumPy
(``default_rng(seed)``): for every target C_E sources uniformly with replacement
from E and C_I from I (autapses and multapses allowed), passed to
``connect(i=..., j=...)`` (in calls of at most 25 M synapses, which keeps
Brian2's temporary copies small at order 10000); so the realised out-degrees are known and
synaptic_events is "actual". Brian2's writes to a variable flagged
``(unless refractory)`` are conditional on ``not_refractory``, so synaptic and
external input arriving while a neuron is refractory is discarded, as in NEST.

--semantics nest (default): the same per-step update as NEST's iaf_psc_delta.
  NEST adds the jumps arriving in a step before the threshold test, Brian2's
  default schedule (groups, thresholds, synapses, resets) after it. Here the
  network schedule is groups, synapses, thresholds, resets, which needs two
  counting corrections:
    - a spike found by the threshold in step s is pushed into the synaptic queue in
      step s+1, so the Synapses delay is D - dt (1.4 ms) for NEST's s + 15 arrival;
    - NEST holds a neuron for t_ref/dt = 20 steps after the spike step; Brian2 holds
      it while timestep(t - lastspike) < timestep(refractory), so refractory is
      t_ref + dt (2.1 ms, i.e. 21 timesteps, steps s+1 .. s+20 held).
  Threshold ``v >= theta`` (NEST's comparison). External input: every step from
  step 15 on (NEST's generator delay) each neuron gets ``J*poisson(p_rate*dt)``,
  an exact Poisson count as NEST's poisson_generator draws (run_regularly in the
  synapses slot).
--semantics brian2: the textbook Brian2 formulation (default schedule, threshold
  ``v > theta``, refractory 2 ms, delay 1.5 ms, ``PoissonInput(N=C_E,
  rate=nu_ext, weight=J)`` from step 0, i.e. binomial(C_E, nu_ext*dt) events per
  step). Step for step this is NEST's model with every jump delayed one more step
  (delay 1.6 ms) and scaled by exp(-dt/tau) (it decays once before it is tested).
--ext poisson|binomial overrides the external-input form of either semantics.

Timing:
  build_s  = Python object construction incl. connectivity (build_python_s)
             + build_compile_s + (cpp_standalone) the binary's time outside the
             network run (reading the connectivity, creating synapses, writing
             results: binary_s - sim_s).
  build_compile_s: cpp_standalone: device.build (code written, make; the project
             directory bench/out/brian2_brunel/<config> is reused, so a repeat with
             the same configuration recompiles only what changed; --fresh deletes it
             first; compile_cold says which). runtime: Brian2's code generation and
             cython compilation / cache loading inside net.run.
  sim_s    = cpp_standalone: wall time of the network run, measured by a steady_clock
             timer inserted around it in main.cpp (Brian2's own timer there is CPU
             time without OpenMP); runtime: device._last_run_time. sim_cpu_s:
             std::clock over the same span (CPU time of all threads; standalone only).
  peak_rss_mb: cpp_standalone: the binary's own peak RSS (via rss_exec.py, so the
             compiler's is excluded); python_peak_rss_mb is the Python process's.
Threads: cpp_standalone uses prefs.devices.cpp_standalone.openmp_threads = --threads
(1: no OpenMP); runtime is single-threaded (--threads must be 1).
"""

import gc
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from brunel_workload import main, peak_rss_mb, summarize

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_ROOT = os.path.join(HERE, "..", "out", "brian2_brunel")
TIMER_FILE = "brunel_loop_wall.txt"
TIMER_START = ("const auto _brunel_t0 = std::chrono::steady_clock::now();\n"
               "const std::clock_t _brunel_c0 = std::clock();")
TIMER_STOP = (
    "{\n"
    "    std::ofstream _f(brian::results_dir + \"" + TIMER_FILE + "\");\n"
    "    _f << std::chrono::duration<double>(std::chrono::steady_clock::now()"
    " - _brunel_t0).count() << \" \"\n"
    "       << double(std::clock() - _brunel_c0) / CLOCKS_PER_SEC << std::endl;\n"
    "}")
CONNECT_CHUNK = 25_000_000   # synapses per connect() call (bounds Brian2's temporary copies)
NEST_SCHEDULE = ["start", "groups", "synapses", "thresholds", "resets", "end"]


def connectivity(prm, seed):
    """Fixed in-degree sources, yielded per population as (pop, sources, targets) int32.

    pop "e": sources index E (0 .. N_E-1); pop "i": sources index I (0 .. N_I-1);
    targets index all N. Target j's C_E excitatory sources are
    sources[j*C_E:(j+1)*C_E] (likewise for I). One default_rng(seed) stream draws
    all E sources first, then all I sources. Yielding one population at a time
    keeps Brian2's copies of the other population's arrays out of the peak memory.
    """
    rng = np.random.default_rng(seed)
    n = prm["n"]
    for pop, n_src, c in (("e", prm["n_e"], prm["c_e"]), ("i", prm["n_i"], prm["c_i"])):
        src = rng.integers(0, n_src, size=n * c, dtype=np.int32)
        tgt = np.repeat(np.arange(n, dtype=np.int32), c)
        yield pop, src, tgt
        del src, tgt


def build(b2, prm, seed, semantics, ext):
    """Create workload N's objects; returns (network, spike monitor, out-degrees)."""
    ms, mV = b2.ms, b2.mV
    dt = prm["dt_ms"]
    nest_like = semantics == "nest"
    refractory = (prm["ref_steps"] + 1) * dt if nest_like else prm["t_ref_ms"]
    delay = (prm["delay_steps"] - 1) * dt if nest_like else prm["delay_ms"]
    ns = {"tau": prm["tau_m_ms"] * ms, "theta": prm["theta_mv"] * mV,
          "v_r": prm["v_reset_mv"] * mV, "J": prm["j_mv"] * mV, "J_I": prm["j_i_mv"] * mV,
          "lam": prm["ext_mean_per_step"], "ext_start": prm["delay_steps"]}
    group = b2.NeuronGroup(prm["n"], "dv/dt = -v/tau : volt (unless refractory)",
                           threshold="v >= theta" if nest_like else "v > theta",
                           reset="v = v_r", refractory=refractory * ms, method="exact",
                           namespace=ns, name="neurons")
    group.v = prm["v_init_mv"] * mV
    pop_e, pop_i = group[:prm["n_e"]], group[prm["n_e"]:]

    objects = [group]
    if ext == "poisson":
        start = "int(t_in_timesteps >= ext_start)" if nest_like else "1"
        objects.append(group.run_regularly(f"v += J*poisson(lam)*{start}",
                                           when="synapses", order=-1, name="ext_input"))
    else:
        objects.append(b2.PoissonInput(group, "v", N=prm["c_e"],
                                       rate=prm["nu_ext_per_ms"] / ms, weight="J"))

    syns, degrees = [], []
    for pop, src, tgt in connectivity(prm, seed):
        source, jump, size = (pop_e, "J", prm["n_e"]) if pop == "e" else (pop_i, "J_I", prm["n_i"])
        syn = b2.Synapses(source, group, on_pre=f"v_post += {jump}", delay=delay * ms,
                          namespace=ns, name=f"syn_{pop}")
        for a in range(0, src.size, CONNECT_CHUNK):
            syn.connect(i=src[a:a + CONNECT_CHUNK], j=tgt[a:a + CONNECT_CHUNK])
        syns.append(syn)
        degrees.append(np.bincount(src, minlength=size))
        del src, tgt
    out_degree = np.concatenate(degrees)

    spikes = b2.SpikeMonitor(group, name="spikes")
    net = b2.Network(*objects, *syns, spikes)
    if nest_like:
        net.schedule = NEST_SCHEDULE
    return net, spikes, out_degree


def run(args, prm):
    import brian2 as b2

    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = prm["dt_ms"] * b2.ms
    ext = args.ext or ("poisson" if args.semantics == "nest" else "binomial")
    extra = {"mode": args.mode, "semantics": args.semantics, "ext": ext}
    standalone = args.mode == "cpp_standalone"

    if standalone:
        name = (f"o{args.order}_t{args.threads}_{args.semantics}_{ext}"
                f"_T{prm['steps']}")
        directory = os.path.abspath(os.path.join(BUILD_ROOT, name))
        if args.fresh and os.path.isdir(directory):
            shutil.rmtree(directory)
        extra["compile_cold"] = not os.path.isdir(directory)
        b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
        if args.threads > 1:
            b2.prefs.devices.cpp_standalone.openmp_threads = args.threads
        rss_file = tempfile.NamedTemporaryFile(suffix=".rss", delete=False).name
        b2.prefs.devices.cpp_standalone.run_cmd_unix = [
            sys.executable, os.path.join(HERE, "rss_exec.py"), rss_file, "./main"]
        b2.prefs.codegen.cpp.headers = ["<chrono>", "<ctime>", "<fstream>"]
        b2.device.insert_code("before_network_run", TIMER_START)
        b2.device.insert_code("after_network_run", TIMER_STOP)
    else:
        if args.threads != 1:
            raise SystemExit("runtime mode is single-threaded: use --threads 1")
        b2.prefs.codegen.target = "cython"

    b2.seed(args.seed)
    t0 = time.perf_counter()
    net, spikes, out_degree = build(b2, prm, args.seed, args.semantics, ext)
    t1 = time.perf_counter()
    net.run(prm["t_max_ms"] * b2.ms)
    t2 = time.perf_counter()

    if standalone:
        b2.device.build(directory=directory, compile=True, run=False, with_output=False)
        # the connectivity is on disk now; drop Brian2's two in-memory copies of it
        # (static arrays and the array cache: GBs at order 10000) so they do not sit
        # next to the running binary
        for name, arr in b2.device.static_arrays.items():
            b2.device.static_arrays[name] = arr[:1].copy()
        for var, arr in b2.device.array_cache.items():
            if arr is not None and arr.nbytes > 1e6:
                b2.device.array_cache[var] = None
        gc.collect()
        t3 = time.perf_counter()
        b2.device.run(directory=directory, with_output=False)
        t4 = time.perf_counter()
        with open(os.path.join(directory, "results", TIMER_FILE)) as f:
            sim_s, sim_cpu_s = (float(x) for x in f.read().split())
        with open(rss_file) as f:
            rss = int(f.read()) * 1024 / 1e6
        os.unlink(rss_file)
        compile_s = (t2 - t1) + (t3 - t2)     # codegen into the device + write/make
        binary_s = t4 - t3
        build_s = (t1 - t0) + compile_s + (binary_s - sim_s)
        total_s = t4 - t0
        extra.update(binary_s=binary_s, build_dir=directory)
    else:
        sim_s = b2.device._last_run_time
        sim_cpu_s = None          # (the run() call's CPU time includes compilation)
        compile_s = (t2 - t1) - sim_s
        build_s = (t1 - t0) + compile_s
        total_s = t2 - t0
        rss = None

    neuron = np.asarray(spikes.i[:], dtype=np.int64)
    step = np.rint(np.asarray(spikes.t_[:]) / (prm["dt_ms"] * 1e-3)).astype(np.int64)
    extra.update(build_python_s=t1 - t0, build_compile_s=compile_s, sim_cpu_s=sim_cpu_s,
                 python_peak_rss_mb=peak_rss_mb(), threads_used=args.threads)
    return summarize(f"brian2-{args.mode}", args, prm, neuron, step,
                     build_s=build_s, sim_s=sim_s, total_s=total_s, out_degree=out_degree,
                     rss_mb=rss, versions={"brian2": b2.__version__}, **extra)


def _add_args(p):
    p.add_argument("--semantics", choices=["nest", "brian2"], default="nest",
                   help="per-step update order and counting conventions (see module doc)")
    p.add_argument("--ext", choices=["poisson", "binomial"],
                   help="external input: exact Poisson count (run_regularly) or "
                        "PoissonInput's binomial; default follows --semantics")
    p.add_argument("--fresh", action="store_true",
                   help="cpp_standalone: delete the project directory first (cold compile)")


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0], modes=["cpp_standalone", "runtime"],
         add_args=_add_args)
