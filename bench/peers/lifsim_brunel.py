"""lifsim version of workload N (Brunel 2000 model A, delta synapses): CLI or Python package.

Network: populations E (N_E = 4*order) and I (N_I = order), listed in that order, so
lifsim's global neuron index is already the workload's (0 .. N_E-1 excitatory); the
peer checks this against results.npz's population_names / population_offsets (resp.
Result.populations) and fails otherwise. Four [[connection]]s E->E, E->I, I->E, I->I
with in_degree C_E resp. C_I (fixed in-degree, sources with replacement, autapses
allowed: NEST's fixed_indegree), weights J and -g*J, delay 1.5 ms; neuron as
brunel_delta_nest.py (tau_m 20 ms, E_L = V_reset = V(0) = 0, theta 20 mV, t_ref 2 ms,
method "exact" = iaf_psc_delta's propagator); external drive input.noise = "poisson"
at rate_e = p_rate with weight_e = J and input.i_mean = "0 A" (lifsim's default is
250 pA). No V traces or histograms are recorded (record.traces = 0,
record.hist_times = []): the peers record spikes only. The generated TOML is the
same for both modes (--mode python cross-checks lifsim.brunel2000(...) against it,
config_matches_toml in the record).

Step convention: lifsim's grid is t_k = k dt, k = 0 .. steps-1, with V(t_0) = V_init;
a spike with spike_step k was found when V(t_k) was computed, i.e. in the 0-based
integration step s = k - 1 of the workload's convention (NEST stamps it s+1 = k).
So lifsim integrates steps - 1 steps (its last grid point is t_max - dt), one step
less than NEST (0.01 % of the rate window). lifsim's external Poisson input acts
from the first step on (NEST's generator, with its 1.5 ms delay, from step 15): a
difference in the transient only, before the rate window starts at 100 ms.

--mode cli: runs the lifsim binary (--lifsim-bin, default target/release/lifsim)
  as a child process: ``lifsim run CONFIG --threads T --out DIR --no-plots -q``.
  sim_s   = summary.json timings.simulation_s (the engine's step loop);
  build_s = summary.json timings.setup_s (allocation and network wiring, NEST's
            Create..Prepare); a lifsim without the timings section: wall_time_s
            is sim_s and build_s = process wall - sim_s;
  total_s = build_s + sim_s; process_wall_s = the whole child process (start-up,
            parsing, analysis, writing summary.json/results.npz/spikes.csv),
            outside_s = process_wall_s - total_s.
  peak_rss_mb: the lifsim process's own peak RSS, through GNU time (/usr/bin/time -f %M)
            when it is installed (rss_method "gnu-time"); otherwise the child's ru_maxrss
            from os.wait4 ("wait4"), which also counts the pages of this Python process
            that the child inherited before exec (about 29 MB here with NumPy loaded:
            order 500's 10 MB would read 29 MB).
  Spikes are read from DIR/results.npz (spike_neuron, spike_step).
--mode python: ``lifsim.brunel2000(...)`` + ``lifsim.simulate(config, threads=T)``
  in this process; sim_s and build_s from the result's summary timings as above
  when it has them. The package (as of commit 371e268) reports only wall_time_s
  (setup + simulation, no split): then sim_s = wall_time_s, which INCLUDES the
  network wiring (about 0.2 s of the CLI's setup_s at order 2500), and build_s =
  config_s + (simulate_call_s - wall_time_s) (Config construction and the
  conversion of the results to NumPy arrays); timing_source says which.
  simulate_call_s = the whole simulate() call, config_s = building the Config,
  import_s = ``import lifsim``; total_s = build_s + sim_s;
  peak_rss_mb = this process's (interpreter, NumPy and lifsim included).

Refractory steps: lifsim holds V at V_reset for round(t_ref/dt) grid points counted
from the spike's own grid point, i.e. for round(t_ref/dt) - 1 integration steps after
the spike step; NEST's iaf_psc_delta holds it for t_ref/dt steps after it. A
single neuron with constant drive (35 mV asymptote, theta 20 mV) fires every 189
steps in lifsim at t_ref = 2 ms and every 190 in NEST; lifsim at t_ref = 2.1 ms
fires every 190. So workload N's t_ref = 2 ms in lifsim is NEST's 1.9 ms, which
raises the rate in the regular state of order 500 (ISI ~ 19 ms) by about 0.5 %.
--t-ref MS sets lifsim's t_ref (e.g. 2.1 for NEST's 20 held steps), recorded as
lifsim_t_ref_ms.

synaptic_events: "expected" (lifsim does not report realised out-degrees).
lifsim's results do not depend on --threads (keyed random streams): the same seed
gives the same network and spikes at every thread count.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from brunel_workload import main, summarize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


GNU_TIME = "/usr/bin/time"


def _gnu_time():
    """True if /usr/bin/time is GNU time (it has -f and -o)."""
    try:
        out = subprocess.run([GNU_TIME, "--version"], capture_output=True, text=True)
    except OSError:
        return False
    return "GNU" in out.stdout + out.stderr


def config_toml(prm, seed, t_ref_ms=None):
    """lifsim's configuration of workload N for prm (see bench/workloads/brunel_n.toml)."""
    t_ref_ms = prm["t_ref_ms"] if t_ref_ms is None else t_ref_ms
    conns = []
    for src, c, w in (("E", prm["c_e"], prm["j_mv"]), ("I", prm["c_i"], prm["j_i_mv"])):
        for tgt in ("E", "I"):
            conns.append(f'[[connection]]\nfrom = "{src}"\nto = "{tgt}"\nin_degree = {c}\n'
                         f'weight = "{w!r} mV"\ndelay = "{prm["delay_ms"]!r} ms"\n')
    return (
        "# workload N (bench/peers/brunel_workload.py), generated by lifsim_brunel.py\n"
        f'[simulation]\nt_max = "{prm["t_max_ms"]!r} ms"\ndt = "{prm["dt_ms"]!r} ms"\n'
        f'seed = {seed}\nmethod = "exact"\n\n'
        f'[neuron]\ntau_m = "{prm["tau_m_ms"]!r} ms"\ne_l = "{prm["e_l_mv"]!r} mV"\n'
        f'v_reset = "{prm["v_reset_mv"]!r} mV"\nv_th = "{prm["theta_mv"]!r} mV"\n'
        f't_ref = "{t_ref_ms!r} ms"\nv_init = "{prm["v_init_mv"]!r} mV"\n\n'
        f'[input]\ni_mean = "0 A"\nnoise = "poisson"\nrate_e = "{prm["p_rate_hz"]!r} Hz"\n'
        f'weight_e = "{prm["j_mv"]!r} mV"\nrate_i = "0 Hz"\n\n'
        "[record]\ntraces = 0\nhist_times = []\n\n"
        f'[[population]]\nname = "E"\nn = {prm["n_e"]}\n\n'
        f'[[population]]\nname = "I"\nn = {prm["n_i"]}\n\n' + "\n".join(conns))


def check_populations(names, offsets, prm):
    names = [str(x) for x in names]
    offsets = [int(x) for x in offsets]
    if names != ["E", "I"] or offsets != [0, prm["n_e"], prm["n"]]:
        raise SystemExit(f"unexpected population layout {names} {offsets}: "
                         "neuron indices would not be the workload's")


def timings(summary):
    """(build_s, sim_s, source) from a summary dict."""
    t = summary.get("timings") or {}
    if "simulation_s" in t:
        return float(t.get("setup_s", 0.0)), float(t["simulation_s"]), "summary timings"
    return None, float(summary["wall_time_s"]), "wall_time_s"


def theory_rates(summary):
    pops = ((summary.get("theory") or {}).get("populations")) or {}
    return {f"theory_rate_{p.lower()}_hz": (pops.get(p) or {}).get("rate_hz") for p in ("E", "I")}


def run_cli(args, prm):
    binary = os.path.abspath(args.lifsim_bin)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="lifsim-brunel-") as tmp:
        cfg = os.path.join(tmp, "brunel_n.toml")
        with open(cfg, "w") as f:
            f.write(config_toml(prm, args.seed, args.t_ref))
        out = os.path.join(tmp, "out")
        cmd = [binary, "run", cfg, "--threads", str(args.threads), "--out", out,
               "--no-plots", "-q"]
        env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
        rss_file = os.path.join(tmp, "rss_kib")
        rss_method = "gnu-time" if _gnu_time() else "wait4"
        launch = ([GNU_TIME, "-f", "%M", "-o", rss_file] if rss_method == "gnu-time" else []) + cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(launch, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code:
            raise SystemExit(f"{' '.join(cmd)} exited with {code}")
        rss_kib = usage.ru_maxrss
        if rss_method == "gnu-time":
            with open(rss_file) as f:
                rss_kib = int(f.read().split()[-1])
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        with np.load(os.path.join(out, "results.npz")) as z:
            check_populations(z["population_names"], z["population_offsets"], prm)
            neuron = z["spike_neuron"].astype(np.int64)
            step = z["spike_step"].astype(np.int64) - 1
    build_s, sim_s, source = timings(summary)
    if build_s is None:
        build_s = wall - sim_s
    total_s = build_s + sim_s
    return summarize(
        "lifsim-cli", args, prm, neuron, step, build_s=build_s, sim_s=sim_s, total_s=total_s,
        rss_mb=rss_kib * 1024 / 1e6, rss_method=rss_method,
        versions={"lifsim": summary.get("lifsim_version") or version},
        mode="cli", timing_source=source, process_wall_s=wall, outside_s=wall - total_s,
        wall_time_s=float(summary["wall_time_s"]), cpu_s=usage.ru_utime + usage.ru_stime,
        threads_used=summary.get("threads"), lifsim_bin=binary,
        lifsim_bin_mtime=os.stat(binary).st_mtime, spikes_reported=summary["spikes"]["count"],
        rate_e_reported_hz=summary["populations"]["E"]["rate_hz"],
        rate_i_reported_hz=summary["populations"]["I"]["rate_hz"], **theory_rates(summary))


def run_python(args, prm):
    t_ref_ms = prm["t_ref_ms"] if args.t_ref is None else args.t_ref
    t0 = time.perf_counter()
    import lifsim
    t1 = time.perf_counter()
    cfg = lifsim.brunel2000(g=prm["g"], eta=prm["eta"], order=prm["order"],
                            j=f"{prm['j_mv']!r} mV", delay=f"{prm['delay_ms']!r} ms",
                            v_reset=f"{prm['v_reset_mv']!r} mV", v_th=f"{prm['theta_mv']!r} mV",
                            tau_m=f"{prm['tau_m_ms']!r} ms", t_ref=f"{t_ref_ms!r} ms",
                            dt=f"{prm['dt_ms']!r} ms", t_max=f"{prm['t_max_ms']!r} ms",
                            seed=args.seed).copy(traces=0)
    t2 = time.perf_counter()
    try:
        matches = cfg == lifsim.Config.from_toml(config_toml(prm, args.seed, args.t_ref))
    except Exception as exc:        # noqa: BLE001 (recorded, not fatal)
        matches = f"not compared: {exc}"
    t3, c3 = time.perf_counter(), time.process_time()
    r = lifsim.simulate(cfg, threads=args.threads)
    t4, c4 = time.perf_counter(), time.process_time()
    pops = r.populations
    check_populations(list(pops), [pops["E"]["first"], pops["I"]["first"],
                                   pops["I"]["first"] + pops["I"]["n"]], prm)
    neuron = np.asarray(r.spike_neurons, dtype=np.int64)
    step = np.asarray(r.spike_steps, dtype=np.int64) - 1
    summary = r.summary
    build_s, sim_s, source = timings(summary)
    if build_s is None:       # no setup/simulation split: sim_s includes the wiring
        build_s = (t2 - t1) + (t4 - t3) - sim_s
        source = "wall_time_s (includes wiring)"
    return summarize(
        "lifsim-py", args, prm, neuron, step, build_s=build_s, sim_s=sim_s,
        total_s=build_s + sim_s, versions={"lifsim": lifsim.__version__}, mode="python",
        timing_source=source, simulate_call_s=t4 - t3, simulate_cpu_s=c4 - c3,
        config_s=t2 - t1, import_s=t1 - t0, config_matches_toml=matches,
        wall_time_s=float(summary["wall_time_s"]), threads_used=summary.get("threads"),
        spikes_reported=summary["spikes"]["count"],
        rate_e_reported_hz=summary["populations"]["E"]["rate_hz"],
        rate_i_reported_hz=summary["populations"]["I"]["rate_hz"], **theory_rates(summary))


def run(args, prm):
    rec_extra = {"lifsim_t_ref_ms": prm["t_ref_ms"] if args.t_ref is None else args.t_ref}
    if args.print_toml:
        sys.stdout.write(config_toml(prm, args.seed, args.t_ref))
        sys.exit(0)
    rec = run_cli(args, prm) if args.mode == "cli" else run_python(args, prm)
    rec.update(rec_extra)
    return rec


def _add_args(p):
    p.add_argument("--lifsim-bin", default=os.path.join(ROOT, "target", "release", "lifsim"),
                   help="lifsim binary for --mode cli (default: %(default)s)")
    p.add_argument("--t-ref", type=float, default=None, metavar="MS",
                   help="lifsim's neuron.t_ref in ms (default: the workload's 2 ms); see the "
                        "module docstring on refractory steps")
    p.add_argument("--print-toml", action="store_true",
                   help="print the generated lifsim configuration and exit")


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0], modes=["cli", "python"], add_args=_add_args)
