#!/usr/bin/env python3
"""Side-by-side benchmark of lifsim, NEST and Brian2 on workload N (Brunel 2000 model A).

Workload N is defined in bench/peers/brunel_workload.py (NEST's brunel_delta_nest.py:
N_E = 4*order, N_I = order, C_E = N_E/10, C_I = N_I/10, J = 0.1 mV, delay 1.5 ms,
dt 0.1 ms, 1 s, every spike recorded). Default state g = 5, eta = 2; ``--g 6 --eta 4``
is the second (asynchronous irregular) state; comma lists (``--g 5,6 --eta 2,4``) run
several states in one session.

Implementations (--impls), each run as its own subprocess (fresh interpreter or
binary, own peak RSS):
  lifsim-cli      peers/lifsim_brunel.py --mode cli (the lifsim binary, copied at the
                  start of the session so that a rebuild cannot mix two engines)
  lifsim-py       peers/lifsim_brunel.py --mode python (lifsim.brunel2000 + simulate)
  nest            peers/nest_brunel.py (NEST 3.10 iaf_psc_delta, fixed_indegree)
  brian2-cpp      peers/brian2_brunel.py --mode cpp_standalone (NEST's step semantics)
  brian2-runtime  peers/brian2_brunel.py --mode runtime (cython; single-threaded, so
                  only at threads 1, and only at orders <= --runtime-max-order)
  lifsim-cli-nestref  (not in the default set) lifsim-cli with neuron.t_ref = t_ref + dt
                  (2.1 ms): lifsim holds round(t_ref/dt) - 1 steps after a spike where
                  NEST holds t_ref/dt, so this is NEST's refractoriness (a diagnostic
                  for the same-work check; see peers/lifsim_brunel.py)

Interleaving: for every state and order, repeat R times (--repeats: one value, or one
per order, e.g. --orders 500,2500 --repeats 3,2); in each repeat
every (implementation, threads) pair runs once, in forward order on even repeats and
reverse order on odd ones. Repeat r uses seed --seed + r for every implementation
(lifsim gives the same network and spikes at any thread count; NEST draws one stream
per thread, so its network differs between thread counts).

Timing (fields of the peers' records, see the peer modules' docstrings):
  build s  = network construction: lifsim setup_s (allocation + wiring, from
             summary.json timings); NEST Create..Prepare; Brian2 Python objects +
             code generation + compilation (cpp_standalone: write + make, with the
             binary's time outside the network run) -> compile time is inside build_s.
             Brian2's record has build_compile_s (that part alone) and compile_cold
             (true when the project directory did not exist, i.e. a full compile);
             --brian2-fresh first (default) deletes the project directory before the
             first cpp_standalone run of each configuration, so one cold compile is
             measured and later repeats recompile only what changed; the table shows
             the median and names the cold run's build time in the notes.
  sim s    = the simulation loop alone (lifsim timings.simulation_s, NEST nest.Run,
             Brian2 standalone steady_clock around the network run / runtime
             _last_run_time).
  total s  = build s + sim s (NEST/Brian2: the same span measured directly).
  process s = wall time of the whole subprocess as seen from here: interpreter start,
             imports, writing/reading results (lifsim-cli also writes summary.json,
             results.npz and spikes.csv).
  ns / event = sim s / recurrent synaptic events (lifsim: expected out-degrees; NEST,
             Brian2: realised ones where known; see events_method in the records).
  peak RSS = the simulating process (lifsim-cli: the binary's own via GNU time;
             Brian2 standalone: the binary's own; others: the Python process); the
             table gives the maximum over the repeats.
  x lifsim = median of the row / median of lifsim-cli at the same order, state and
             threads.

Same-work check (column "same work"): for each population, the row's mean rate over
its repeats against lifsim-cli's. Standard errors come from the seed-to-seed spread:
the pooled standard deviation s of the per-run rate over all groups (implementation
and threads) of the same order and state, where a run that repeats another's spikes
exactly counts once (lifsim gives identical spikes at any thread count and through
Python, and so do Brian2 runtime and cpp_standalone at one thread with the same
seed), se = s / sqrt(runs); its degrees of freedom are printed below the table (with
few of them the check is only indicative); the row is OK when
|mean - mean_lifsim| <= 4 sqrt(se^2 + se_lifsim^2) for E and I, else DIFF (the z
values are printed). lifsim-py and lifsim-cli at other thread counts must have
exactly the spike counts of lifsim-cli at its smallest thread count (the "reference"
row) at every seed ("identical"). "n/a" when fewer than
two runs per group exist. Column "rates vs NEST" is the same test against all NEST
runs of the order and state (both thread counts). The spike-count ratio to lifsim is a column of its own.

Output: every record (one JSON line per run, failures included with "error") is
appended to --jsonl (bench/out/brunel_peers.jsonl); the Markdown table, with the
machine, versions, date, load averages and the exact command, goes to --out
(bench/out/brunel_table.md) and stdout.

--render SESSION[;SESSION] runs nothing and rebuilds the table from the records of
those session tags in --jsonl (e.g. after adding a diagnostic session).

Skipping: a run is estimated from the same implementation at the next smaller order
(time and memory scaled by order^2, i.e. by synapses); estimated memory above 80 % of
MemTotal skips it, and so does (for implementations other than lifsim) estimated
time above --skip-above-s.

Set-up: bash bench/setup_peers.sh; cargo build --release -p lifsim-cli; and for
lifsim-py the package in bench/.venv (pip install ./crates/lifsim-py or maturin).
Example: bench/.venv/bin/python bench/compare_network.py --orders 500,2500 --repeats 3
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PEERS = os.path.join(BENCH, "peers")
sys.path.insert(0, PEERS)
from brunel_workload import params  # noqa: E402

DEFAULT_IMPLS = ["lifsim-cli", "lifsim-py", "nest", "brian2-cpp", "brian2-runtime"]
ALL_IMPLS = DEFAULT_IMPLS + ["lifsim-cli-nestref"]
LIFSIM = ("lifsim-cli", "lifsim-py")     # identical spikes for a seed, at any thread count
PEER = {
    "lifsim-cli": ("lifsim_brunel.py", ["--mode", "cli"]),
    "lifsim-py": ("lifsim_brunel.py", ["--mode", "python"]),
    "lifsim-cli-nestref": ("lifsim_brunel.py", ["--mode", "cli"]),
    "nest": ("nest_brunel.py", []),
    "brian2-cpp": ("brian2_brunel.py", ["--mode", "cpp_standalone"]),
    "brian2-runtime": ("brian2_brunel.py", ["--mode", "runtime"]),
}
MODULE = {"lifsim-cli": "numpy", "lifsim-cli-nestref": "numpy", "lifsim-py": "lifsim", "nest": "nest",
          "brian2-cpp": "brian2", "brian2-runtime": "brian2"}
Z_LIMIT = 4.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--orders", default="2500",
                   help="comma-separated orders (N = 5*order), e.g. 500,2500,10000 "
                        "(default: %(default)s)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--repeats", default="3",
                   help="runs per row, one value or one per order (medians are reported)")
    p.add_argument("--g", default="5", help="relative inhibition; comma list for several states")
    p.add_argument("--eta", default="2", help="external drive / threshold drive; comma list")
    p.add_argument("--t-max", type=float, default=1000.0, help="simulated time, ms")
    p.add_argument("--in-degrees", metavar="C_E,C_I", default=None,
                   help="hold the in-degrees fixed at every order (e.g. 1000,250: order 10000 "
                        "then has the issue's 62.5 million synapses) instead of N_E/10, N_I/10")
    p.add_argument("--seed", type=int, default=1, help="seed of the first repeat (+1 per repeat)")
    p.add_argument("--impls", default=",".join(DEFAULT_IMPLS),
                   help=f"comma-separated, from {','.join(ALL_IMPLS)} (default: %(default)s)")
    p.add_argument("--runtime-max-order", type=int, default=500,
                   help="largest order for brian2-runtime (default: %(default)s)")
    p.add_argument("--brian2-fresh", choices=["first", "always", "never"], default="first",
                   help="delete Brian2's standalone project before the first / every / no run "
                        "(default: %(default)s: one cold compile per configuration)")
    p.add_argument("--python", default=None,
                   help="interpreter for the peers (default: bench/.venv/bin/python)")
    p.add_argument("--lifsim-python", default=None,
                   help="interpreter that imports lifsim (default: --python)")
    p.add_argument("--lifsim-bin", default=os.path.join(ROOT, "target", "release", "lifsim"))
    p.add_argument("--jsonl", default=os.path.join(BENCH, "out", "brunel_peers.jsonl"),
                   help="append every record here (default: %(default)s)")
    p.add_argument("--out", default=os.path.join(BENCH, "out", "brunel_table.md"),
                   help="Markdown table (default: %(default)s)")
    p.add_argument("--skip-above-s", type=float, default=1200.0,
                   help="skip a non-lifsim run estimated to take longer (default: %(default)s)")
    p.add_argument("--timeout-s", type=float, default=3600.0, help="per-run time limit")
    p.add_argument("--render", metavar="SESSION[;SESSION]",
                   help="run nothing: rebuild the table from the records of these session tags "
                        "in --jsonl (with --orders, --threads, --impls, --g/--eta selecting rows)")
    p.add_argument("--measured-by", metavar="COMMAND", action="append", default=[],
                   help="with --render: the command that measured the records, for the header "
                        "(records written since the compare_command field exists carry it)")
    a = p.parse_args()
    a.orders = [int(float(x)) for x in a.orders.split(",")]
    a.threads = [int(x) for x in a.threads.split(",")]
    reps = [int(x) for x in a.repeats.split(",")]
    if len(reps) not in (1, len(a.orders)):
        p.error("--repeats needs one value or one per order")
    a.repeats_of = dict(zip(a.orders, reps * len(a.orders) if len(reps) == 1 else reps))
    gs = [float(x) for x in a.g.split(",")]
    etas = [float(x) for x in a.eta.split(",")]
    if len(gs) != len(etas) and 1 not in (len(gs), len(etas)):
        p.error("--g and --eta need the same number of values (or one of them a single value)")
    k = max(len(gs), len(etas))
    a.states = list(zip(gs * k if len(gs) == 1 else gs, etas * k if len(etas) == 1 else etas))
    a.c_e, a.c_i = (None, None)
    if a.in_degrees:
        try:
            a.c_e, a.c_i = (int(x) for x in a.in_degrees.split(","))
        except ValueError:
            p.error("--in-degrees needs two integers, C_E,C_I (e.g. 1000,250)")
    a.impls = a.impls.split(",")
    unknown = set(a.impls) - set(ALL_IMPLS)
    if unknown:
        p.error(f"unknown implementation(s): {', '.join(sorted(unknown))}")
    venv_python = os.path.join(BENCH, ".venv", "bin", "python")
    a.python = a.python or (venv_python if os.path.exists(venv_python) else sys.executable)
    a.lifsim_python = a.lifsim_python or a.python
    return a


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[:3]
    except OSError:
        return None


def mem_total_mb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return float("inf")


class Runner:
    """Runs single measurements in subprocesses and appends their records to the JSONL file."""

    def __init__(self, args, workdir, session):
        self.args = args
        self.session = session
        self.workdir = workdir
        self.unavailable = {}
        self.lifsim_bin = None
        self.lifsim_info = None
        self.fresh_done = set()
        self.compare_command = None
        self.count = 0

    def snapshot_lifsim(self):
        self.lifsim_bin = os.path.join(self.workdir, "lifsim")
        shutil.copy2(self.args.lifsim_bin, self.lifsim_bin)
        mtime = os.stat(self.args.lifsim_bin).st_mtime
        version = subprocess.run([self.lifsim_bin, "--version"], capture_output=True,
                                 text=True).stdout.strip()
        self.lifsim_info = {
            "path": (os.path.relpath(os.path.abspath(self.args.lifsim_bin), ROOT)
                     if os.path.abspath(self.args.lifsim_bin).startswith(ROOT + os.sep)
                     else os.path.abspath(self.args.lifsim_bin)),
            "built": datetime.datetime.fromtimestamp(mtime).isoformat(timespec="seconds"),
            "version": version}

    def check(self, impl):
        """None if impl can run, else the reason it cannot."""
        if impl == "lifsim-cli":
            if not os.access(self.args.lifsim_bin, os.X_OK):
                return f"binary {self.args.lifsim_bin} not built"
            self.snapshot_lifsim()
        python = self.args.lifsim_python if impl == "lifsim-py" else self.args.python
        probe = subprocess.run([python, "-c", f"import {MODULE[impl]}"], capture_output=True,
                               text=True)
        if probe.returncode:
            last = (probe.stderr.strip().splitlines() or ["import failed"])[-1]
            return f"`import {MODULE[impl]}` failed with {python}: {last}"
        return None

    def command(self, impl, state, order, threads, seed):
        script, extra = PEER[impl]
        python = self.args.lifsim_python if impl == "lifsim-py" else self.args.python
        g, eta = state
        cmd = [python, os.path.join(PEERS, script), "--order", str(order), "--g", repr(g),
               "--eta", repr(eta), "--threads", str(threads), "--seed", str(seed),
               "--t-max", repr(self.args.t_max), "--tag", self.session] + extra
        if self.args.c_e is not None:
            cmd += ["--c-e", str(self.args.c_e), "--c-i", str(self.args.c_i)]
        if impl in ("lifsim-cli", "lifsim-cli-nestref"):
            cmd += ["--lifsim-bin", self.lifsim_bin]
        if impl == "lifsim-cli-nestref":       # NEST's t_ref/dt held steps (lifsim_brunel.py)
            p = params(order)
            cmd += ["--t-ref", repr(round(p["t_ref_ms"] + p["dt_ms"], 12))]
        if impl == "brian2-cpp":
            key = (state, order, threads)
            if self.args.brian2_fresh == "always" or (
                    self.args.brian2_fresh == "first" and key not in self.fresh_done):
                cmd.append("--fresh")
                self.fresh_done.add(key)
        return cmd

    def run(self, impl, state, order, threads, seed, repeat, timeout):
        cmd = self.command(impl, state, order, threads, seed)
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), RAYON_NUM_THREADS=str(threads),
                   PYTHONUNBUFFERED="1", PYNEST_QUIET="1")
        load0 = loadavg()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
            try:
                proc.wait(timeout=timeout)
                status = proc.returncode
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                status = None
            wall = time.perf_counter() - t0
            out.seek(0)
            err.seek(0)
            lines = out.read().decode(errors="replace").strip().splitlines()
            err_tail = " | ".join(err.read().decode(errors="replace").strip().splitlines()[-3:])
        rec = None
        for line in reversed(lines):
            try:
                rec = json.loads(line)
                break
            except ValueError:
                continue
        if status != 0 or rec is None:
            why = (f"timeout after {timeout:.0f} s" if status is None
                   else err_tail or f"exit status {status}")
            rec = {"impl": impl, "order": order, "threads": threads, "seed": seed,
                   "g": state[0], "eta": state[1], "error": why}
        self.count += 1
        rec.update(impl_key=impl, repeat=repeat, session=self.session, run_index=self.count,
                   compare_command=self.compare_command,
                   subprocess_wall_s=wall, loadavg_start=load0, loadavg_end=loadavg(),
                   command=shlex.join(cmd))
        os.makedirs(os.path.dirname(os.path.abspath(self.args.jsonl)), exist_ok=True)
        with open(self.args.jsonl, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return rec


def applies(impl, order, threads, args):
    if impl == "brian2-runtime":
        return threads == 1 and order <= args.runtime_max_order
    return True


def estimate(results, impl, state, order, threads):
    """(seconds, MB) expected from the same row at the largest smaller order (x order^2)."""
    smaller = [r for r in results if r["impl_key"] == impl and r["order"] < order
               and (r["g"], r["eta"]) == state and r["threads"] == threads and "error" not in r]
    if not smaller:
        return None, None
    o0 = max(r["order"] for r in smaller)
    at = [r for r in smaller if r["order"] == o0]
    f = (order / o0) ** 2
    return (statistics.median(r["subprocess_wall_s"] for r in at) * f,
            max(r["peak_rss_mb"] for r in at) * f)


def run_all(args, runner):
    results, skipped = [], {}
    impls = []
    for impl in args.impls:
        reason = runner.check(impl)
        if reason:
            print(f"note: {impl} skipped: {reason}", file=sys.stderr)
            runner.unavailable[impl] = reason
        else:
            impls.append(impl)
    mem_limit = 0.8 * mem_total_mb()
    for state in args.states:
        for order in args.orders:
            rows = []
            for impl in impls:
                for threads in args.threads:
                    if not applies(impl, order, threads, args):
                        continue
                    est_s, est_mb = estimate(results, impl, state, order, threads)
                    key = (impl, state, order, threads)
                    if est_mb is not None and est_mb > mem_limit:
                        skipped[key] = f"skipped (est. {est_mb / 1e3:.0f} GB RSS)"
                    elif (est_s is not None and est_s > args.skip_above_s
                          and not impl.startswith("lifsim")):
                        skipped[key] = f"skipped (est. {est_s:.0f} s per run)"
                    else:
                        rows.append((impl, threads, est_s))
            for r in range(args.repeats_of[order]):
                for impl, threads, est_s in (rows if r % 2 == 0 else rows[::-1]):
                    timeout = args.timeout_s if est_s is None else max(args.timeout_s, 5 * est_s)
                    rec = runner.run(impl, state, order, threads, args.seed + r, r, timeout)
                    results.append(rec)
                    label = f"{impl:14s} g={state[0]:g} eta={state[1]:g} order={order:<6d} " \
                            f"t={threads} rep {r}"
                    if "error" in rec:
                        print(f"{label}: FAILED {rec['error']}", file=sys.stderr)
                    else:
                        print(f"{label}: build {rec['build_s']:7.2f} s, sim {rec['sim_s']:7.2f} s, "
                              f"process {rec['subprocess_wall_s']:7.2f} s, "
                              f"E {rec['rate_e_hz']:.2f} Hz, I {rec['rate_i_hz']:.2f} Hz, "
                              f"{rec['spikes']} spikes, {rec['peak_rss_mb']:.0f} MB, "
                              f"load {rec['loadavg_start'][0]}", file=sys.stderr)
    return results, skipped


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def lifsim_samples(runs):
    """lifsim runs counted once per seed (all thread counts and both modes give the same spikes)."""
    by_seed = {}
    for r in runs:
        if r["impl_key"] in LIFSIM:
            by_seed.setdefault(r["seed"], r)
    return list(by_seed.values())


def pooled_sd(groups, key):
    """Pooled within-group standard deviation of key over groups (lists of records)."""
    ss, dof = 0.0, 0
    for g in groups:
        vals = [r[key] for r in g if r.get(key) is not None]
        if len(vals) >= 2:
            m = statistics.fmean(vals)
            ss += sum((v - m) ** 2 for v in vals)
            dof += len(vals) - 1
    return (math.sqrt(ss / dof), dof) if dof else (None, 0)


def same_work(row, ref, sds, lifsim_by_seed):
    """'OK'/'DIFF' with z values of E and I (see the module docstring)."""
    if row[0]["impl_key"] in LIFSIM:
        diffs = [r["seed"] for r in row if r["seed"] in lifsim_by_seed
                 and r["spikes"] != lifsim_by_seed[r["seed"]]["spikes"]]
        if diffs:
            return f"DIFF (spike count differs from the reference row's at seed(s) {diffs})"
        if not any(r["seed"] in lifsim_by_seed for r in row):
            return "n/a (no reference run with its seeds)"
        return "identical"
    return rate_z(row, ref, sds)


def rate_z(row, ref, sds):
    """'OK'/'DIFF' and the z values of E and I for row's mean rates against ref's."""
    out, bad = [], False
    for pop in ("e", "i"):
        key = f"rate_{pop}_hz"
        sd = sds[key][0]
        if sd is None:
            return "n/a (one run)"
        a = [r[key] for r in row]
        b = [r[key] for r in ref]
        se = math.sqrt(sd ** 2 / len(a) + sd ** 2 / len(b))
        z = abs(statistics.fmean(a) - statistics.fmean(b)) / se if se > 0 else float("inf")
        bad |= z > Z_LIMIT
        out.append(f"z{pop.upper()} {z:.1f}")
    return ("DIFF " if bad else "OK ") + ", ".join(out)


def fmt(x, spec):
    return "" if x is None else format(x, spec)


def notes(row, nproc):
    n = []
    impl = row[0]["impl_key"]
    if impl == "brian2-cpp":
        cold = [r for r in row if r.get("compile_cold")]
        if cold:
            n.append(f"cold compile run: build {cold[0]['build_s']:.1f} s "
                     f"(compile {cold[0]['build_compile_s']:.1f} s)")
        warm = [r for r in row if not r.get("compile_cold")]
        if warm:
            n.append(f"recompile: build {med(warm, 'build_s'):.1f} s "
                     f"(compile {med(warm, 'build_compile_s'):.1f} s)")
    elif impl == "brian2-runtime":
        n.append(f"codegen/cython {med(row, 'build_compile_s'):.1f} s of build "
                 f"(max {max(r['build_compile_s'] for r in row):.1f} s)")
    elif impl == "nest":
        n.append(f"Connect {med(row, 'connect_s'):.1f} s, Prepare {med(row, 'prepare_s'):.2f} s")
    elif impl == "lifsim-cli":
        n.append(f"outside build+sim (start, analysis, files) {med(row, 'outside_s'):.2f} s")
    elif impl == "lifsim-py":
        n.append(f"simulate() call {med(row, 'simulate_call_s'):.2f} s, "
                 f"import {med(row, 'import_s'):.2f} s")
    loads = [float(r["loadavg_start"][0]) for r in row if r.get("loadavg_start")]
    if loads and max(loads) > nproc:
        n.append(f"busy: load {min(loads):.1f}-{max(loads):.1f} at start")
    return "; ".join(n)


def build_tables(args, results, skipped, runner):
    lines = []
    nproc = os.cpu_count() or 1
    for state in args.states:
        g, eta = state
        lines += [f"### g = {g:g}, eta = {eta:g}", "",
                  "| impl | threads | order | build s | sim s | total s | process s "
                  "| ns / syn. event | peak RSS MB | rate E Hz | rate I Hz | spikes "
                  "| spikes / lifsim | same work (vs lifsim) | rates vs NEST "
                  "| sim x lifsim | total x lifsim "
                  "| process x lifsim | runs | notes |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
                  "---:|---:|---:|---:|---|"]
        info = []
        for order in args.orders:
            here = [r for r in results if (r["g"], r["eta"]) == state and r["order"] == order]
            good = [r for r in here if "error" not in r]
            lif = [r for r in good if r["impl_key"] == "lifsim-cli"]
            ref_threads = min((r["threads"] for r in lif), default=None)
            lif_by_seed = {r["seed"]: r for r in lif if r["threads"] == ref_threads}
            ref = lifsim_samples(lif)
            nest_ref = [r for r in good if r["impl_key"] == "nest"]
            groups = [lifsim_samples([r for r in good if r["impl_key"] in LIFSIM])]
            for impl in args.impls:
                if impl in LIFSIM:
                    continue
                for t in args.threads:
                    groups.append([r for r in good if r["impl_key"] == impl and r["threads"] == t])
            # a run that repeats another's spikes exactly (same seed: lifsim at any thread
            # count or mode, Brian2 runtime and standalone at 1 thread) is no new sample
            seen, distinct = set(), []
            for grp in groups:
                keys = [(r["seed"], r["spikes"], r["spikes_e"]) for r in grp]
                distinct.append([r for r, k in zip(grp, keys) if k not in seen])
                seen.update(keys)
            sds = {k: pooled_sd(distinct, k) for k in ("rate_e_hz", "rate_i_hz")}
            if sds["rate_e_hz"][0] is not None:
                info.append(f"order {order}: seed-to-seed SD of the rate (pooled, "
                            f"{sds['rate_e_hz'][1]} dof) E {sds['rate_e_hz'][0]:.3f} Hz, "
                            f"I {sds['rate_i_hz'][0]:.3f} Hz")
            th = [r for r in lif if r.get("theory_rate_e_hz") is not None]
            if th:
                info.append(f"order {order}: lifsim's mean-field (Siegert) rate "
                            f"E {th[0]['theory_rate_e_hz']:.2f} Hz, "
                            f"I {th[0]['theory_rate_i_hz']:.2f} Hz")
            for impl in args.impls:
                if args.render and not any(r["impl_key"] == impl for r in here):
                    continue
                if impl in runner.unavailable:
                    if order == args.orders[0]:
                        lines.append(f"| {impl} | | all | not run: {runner.unavailable[impl]} |"
                                     + " |" * 16)
                    continue
                for t in args.threads:
                    if not applies(impl, order, t, args):
                        continue
                    key = (impl, state, order, t)
                    if key in skipped:
                        lines.append(f"| {impl} | {t} | {order} | {skipped[key]} |" + " |" * 16)
                        continue
                    runs = [r for r in here if r["impl_key"] == impl and r["threads"] == t]
                    row = [r for r in runs if "error" not in r]
                    if not runs and args.render:
                        continue
                    if not row:
                        err = runs[0]["error"] if runs else "not run"
                        lines.append(f"| {impl} | {t} | {order} | failed: {err} |" + " |" * 16)
                        continue
                    base = [r for r in lif if r["threads"] == t]
                    ratio = {}
                    for k in ("sim_s", "total_s", "subprocess_wall_s"):
                        b = med(base, k) if base else None
                        ratio[k] = med(row, k) / b if b else None
                    spikes = med(row, "spikes")
                    lif_spikes = med(ref, "spikes") if ref else None
                    if impl == "lifsim-cli" and t == ref_threads:
                        sw = "reference"
                    else:
                            sw = same_work(row, ref, sds, lif_by_seed) if ref else "n/a (no lifsim)"
                    if impl == "nest":
                        vs_nest = "reference"
                    else:
                        vs_nest = rate_z(row, nest_ref, sds) if nest_ref else "n/a (no NEST)"
                    lines.append(
                        f"| {impl} | {t} | {order} | {fmt(med(row, 'build_s'), '.2f')} "
                        f"| {fmt(med(row, 'sim_s'), '.2f')} | {fmt(med(row, 'total_s'), '.2f')} "
                        f"| {fmt(med(row, 'subprocess_wall_s'), '.2f')} "
                        f"| {fmt(med(row, 'ns_per_event'), '.1f')} "
                        f"| {max(r['peak_rss_mb'] for r in row):.0f} "
                        f"| {statistics.fmean(r['rate_e_hz'] for r in row):.2f} "
                        f"| {statistics.fmean(r['rate_i_hz'] for r in row):.2f} "
                        f"| {spikes:.0f} "
                        f"| {fmt(spikes / lif_spikes if lif_spikes else None, '.3f')} | {sw} "
                        f"| {vs_nest} "
                        f"| {fmt(ratio['sim_s'], '.1f')} | {fmt(ratio['total_s'], '.1f')} "
                        f"| {fmt(ratio['subprocess_wall_s'], '.1f')} | {len(row)} "
                        f"| {notes(row, nproc)} |")
        lines += [""] + [f"- {x}" for x in info] + [""]
    return lines


def environment(args, runner, results):
    lscpu = {}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            k, _, v = line.partition(":")
            lscpu[k.strip()] = v.strip()
    except OSError:
        pass
    versions = subprocess.run(
        [args.python, "-c", "import importlib.metadata as m, sys\n"
         "for p in ('nest-simulator', 'brian2', 'numpy', 'cython', 'lifsim'):\n"
         "    try: print(f'{p} {m.version(p)}', end=', ')\n"
         "    except m.PackageNotFoundError: print(f'{p} missing', end=', ')\n"
         "print('python', sys.version.split()[0])"],
        capture_output=True, text=True).stdout.strip()
    nest_v = sorted({r["versions"].get("nest") for r in results
                     if "versions" in r and r["versions"].get("nest")})

    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return f"{cmd[0]} missing"

    commit = first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "crates"],
                           capture_output=True, text=True).stdout.strip()
    lines = [f"- machine: {lscpu.get('Model name', 'unknown')}, {lscpu.get('CPU(s)', '?')} "
             f"logical CPUs ({lscpu.get('Socket(s)', '?')} socket(s) x "
             f"{lscpu.get('Core(s) per socket', '?')} core(s) x "
             f"{lscpu.get('Thread(s) per core', '?')} thread(s)), "
             f"{mem_total_mb() / 1e3:.1f} GB RAM, {platform.platform()}",
             f"- peers ({args.python}): {versions}"
             + (f"; nest.__version__ {', '.join(nest_v)}" if nest_v else ""),
             f"- {first_line(['rustc', '--version'])}; {first_line(['g++', '--version'])} "
             "(Brian2 cpp_standalone / cython)"]
    if runner.lifsim_info:
        li = runner.lifsim_info
        lines.append(f"- lifsim: {li['version']}, binary {li['path']} built {li['built']} "
                     f"(copied at the start; every lifsim-cli run used that copy); repository "
                     f"HEAD {commit}" + (", crates/ has uncommitted changes" if dirty else ""))
    return lines


def load_session_records(path, sessions):
    """Records of the given session tags from a JSONL file (order kept)."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rec = json.loads(line)
                if rec.get("session") in sessions:
                    out.append(rec)
    return out


def lifsim_info_from(records):
    for r in records:
        if r.get("impl_key") == "lifsim-cli" and "lifsim_bin_mtime" in r:
            built = datetime.datetime.fromtimestamp(r["lifsim_bin_mtime"])
            return {"path": "(session copy of) " + os.path.basename(r["lifsim_bin"]),
                    "built": built.isoformat(timespec="seconds"),
                    "version": "lifsim " + r["versions"].get("lifsim", "?")}
    return None


def main():
    args = parse_args()
    command = shlex.join([os.path.relpath(sys.executable, ROOT)
                          if sys.executable.startswith(ROOT + os.sep) else sys.executable]
                         + sys.argv)
    if args.render:
        sessions = [x.strip() for x in args.render.split(";") if x.strip()]
        results = [r for r in load_session_records(args.jsonl, sessions)
                   if r.get("t_max_ms", args.t_max) == args.t_max
                   and (r["g"], r["eta"]) in args.states and r["order"] in args.orders]
        if not results:
            raise SystemExit(f"no records of session(s) {sessions} in {args.jsonl}")
        runner = Runner(args, None, None)
        runner.lifsim_info = lifsim_info_from(results)
        skipped = {}
        cmds = sorted({r["compare_command"] for r in results if r.get("compare_command")})
        first = min(r["session"].split(" ", 1)[1] for r in results)
        elapsed = sum(r.get("subprocess_wall_s", 0.0) for r in results)
        when = [f"- date: {first} (session(s) {'; '.join(f'`{x}`' for x in sessions)} in "
                f"{os.path.relpath(args.jsonl, ROOT)}); {elapsed:.0f} s of runs",
                f"- rendered by `{command}`"]
        when += [f"- measured by `{c}`" for c in cmds + args.measured_by]
        if not cmds + args.measured_by:
            when.append("- measuring command: not recorded in these records")
    else:
        started = datetime.datetime.now().astimezone()
        session = f"compare_network {started.isoformat(timespec='seconds')}"
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="lifsim-compare-network-") as workdir:
            runner = Runner(args, workdir, session)
            runner.compare_command = command
            results, skipped = run_all(args, runner)
        elapsed = time.perf_counter() - t0
        when = [f"- date: {started.isoformat(timespec='seconds')}, {elapsed:.0f} s in all; "
                f"session tag `{session}` in {os.path.relpath(args.jsonl, ROOT)}",
                f"- command: `{command}` (in {ROOT})"]
    header = ["# lifsim vs NEST and Brian2 on workload N (Brunel 2000 model A)", ""] + when
    header += environment(args, runner, results)
    loads = [float(r["loadavg_start"][0]) for r in results if r.get("loadavg_start")]
    if loads:
        header.append(f"- 1-min load average at the runs' starts: {min(loads):.1f} .. "
                      f"{max(loads):.1f} on {os.cpu_count()} logical CPUs (above the CPU count "
                      "other processes competed for the cores; every record has loadavg_start "
                      "and loadavg_end)")
    reps = {}
    for r in results:
        reps.setdefault(r["order"], set()).add(r["seed"])
    header += [f"- workload: dt 0.1 ms, t_max {args.t_max:g} ms, rates from t >= 100 ms; "
               "repeats " + ", ".join(f"{len(reps.get(o, ()))} at order {o}" for o in args.orders)
               + " (seed 1 + repeat), interleaved (forward / reverse order on alternate "
               "repeats); medians, peak RSS the maximum; OMP_NUM_THREADS and RAYON_NUM_THREADS "
               "= threads",
               "- build = network construction (Brian2: incl. code generation and compilation), "
               "sim = simulation loop, total = build + sim, process = the whole subprocess; "
               "x lifsim = row / lifsim-cli at the same threads; same work: rates against "
               "lifsim-cli (and against NEST), z = |diff of means| / combined SE from the "
               f"seed-to-seed spread, DIFF above {Z_LIMIT:g} (details: compare_network.py --help)",
               ""]
    def prm(o):
        return params(o, c_e=args.c_e, c_i=args.c_i)
    header += ["Orders: " + ", ".join(f"{o} (N = {prm(o)['n']:,}, "
                                      f"{prm(o)['synapses']:,} synapses)"
                                      for o in args.orders), ""]
    text = "\n".join(header + build_tables(args, results, skipped, runner)) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
