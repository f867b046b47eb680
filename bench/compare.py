#!/usr/bin/env python3
"""Side-by-side benchmark of lifsim and its peers on workload W (bench/peers/workload.py).

Runs every measurement in its own process, interleaved within one session: for
each size n, repeat R times, run each implementation, in forward order on even
repeats and reverse order on odd ones. The reported time is the median over the
repeats. Checks that all implementations do the same work (mean firing rate per
neuron against the pooled NumPy reference: z = |diff| / combined standard error,
from the spread of per-neuron spike counts; z >= 5 is flagged), and writes a
Markdown table (plus the raw results as JSON next to it).

Implementations (--impls):
  lifsim-cli     target/release/lifsim run ... (wall_time_s from DIR/summary.json; run
                 compare.py with bench/.venv/bin/python so results.npz can be read)
  lifsim-py      import lifsim; lifsim.simulate(...)        (bench/peers/lifsim_py.py)
  numpy          plain NumPy, Python loop over steps         (bench/peers/numpy_lif.py)
  brian2-cython  Brian2 runtime mode, cython target          (bench/peers/brian2_lif.py)
  brian2-numpy   Brian2 runtime mode, numpy target
  brian2-cpp     Brian2 cpp_standalone (build time reported apart)
  nest           NEST iaf_psc_delta + noise_generator, spikes only (bench/peers/nest_lif.py)
  nest-mm        the same plus a multimeter on all neurons (exact V mean/variance)
The lifsim entries are skipped with a note when the binary or package is missing.

Skipping: a run is estimated from the same implementation at the next smaller
size (time and peak memory scaled by n). Estimated memory above 80 % of MemTotal
or, for the peers only, estimated time above --skip-above-s skips it ("skipped
(est. ...)"); estimated time above --single-above-s runs it once instead of R times.

The lifsim binary is copied at the start of the session and the copy is run, so a
rebuild during the session cannot mix two engines in one table.

Peak memory is the simulating process's maximum RSS (os.wait4 on the worker, so
interpreter and imports are included; for brian2-cpp it is the standalone binary's
own, the compiler excluded).

Set-up: bash bench/setup_peers.sh; build lifsim with cargo build --release.
Example: python3 bench/compare.py --sizes 1000,10000 --repeats 3 --impls numpy,nest
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
except ImportError:  # only needed to read lifsim's results.npz (per-neuron count SD)
    np = None

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PEERS = os.path.join(BENCH, "peers")
sys.path.insert(0, PEERS)
from workload import STEPS, T_MAX  # noqa: E402

DEFAULT_IMPLS = ["lifsim-cli", "lifsim-py", "numpy", "brian2-cython", "brian2-cpp", "nest"]
ALL_IMPLS = DEFAULT_IMPLS + ["brian2-numpy", "nest-mm"]
PEER_SCRIPTS = {
    "lifsim-py": ("lifsim_py.py", None),
    "numpy": ("numpy_lif.py", None),
    "brian2-cython": ("brian2_lif.py", "cython"),
    "brian2-numpy": ("brian2_lif.py", "numpy"),
    "brian2-cpp": ("brian2_lif.py", "cpp_standalone"),
    "nest": ("nest_lif.py", "none"),
    "nest-mm": ("nest_lif.py", "multimeter"),
}
LIFSIM_SETS = ["simulation.t_max=1", "simulation.dt=0.1e-3", "input.noise=white",
               'input.sigma_v=5 mV', 'input.i_mean=250 pA', 'neuron.t_ref=2 ms',
               "simulation.method=euler", "record.traces=0", "record.hist_times=[]"]
Z_LIMIT = 5.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--sizes", default="1000,10000,100000,1000000",
                   help="comma-separated neuron counts (default: %(default)s)")
    p.add_argument("--repeats", type=int, default=3, help="runs per (impl, n); median is reported")
    p.add_argument("--impls", default=",".join(DEFAULT_IMPLS),
                   help=f"comma-separated, from {','.join(ALL_IMPLS)} (default: %(default)s)")
    p.add_argument("--threads", type=int, default=1,
                   help="threads for NEST, Brian2 cpp_standalone (OpenMP) and lifsim "
                        "(RAYON_NUM_THREADS); NumPy and Brian2 runtime are single-threaded")
    p.add_argument("--stats", choices=["on", "off"], default="on",
                   help="record per-step ensemble mean/variance of V in numpy and brian2-*")
    p.add_argument("--out", default=os.path.join(BENCH, "out", "compare.md"))
    p.add_argument("--seed", type=int, default=1, help="seed of the first repeat (+1 per repeat)")
    p.add_argument("--skip-above-s", type=float, default=300.0,
                   help="skip a peer run whose estimated wall time exceeds this "
                        "(default: %(default)s; lifsim is never skipped on time)")
    p.add_argument("--single-above-s", type=float, default=60.0,
                   help="run only once when the estimate exceeds this (default: %(default)s)")
    p.add_argument("--python", default=None,
                   help="interpreter for the peers (default: bench/.venv/bin/python)")
    p.add_argument("--lifsim-bin", default=os.path.join(ROOT, "target", "release", "lifsim"))
    p.add_argument("--lifsim-python", default=None,
                   help="interpreter that can import lifsim (default: .venv/bin/python at the "
                        "repository root if present, else --python)")
    p.add_argument("--lifsim-set", action="append", default=[], metavar="KEY=VALUE",
                   help="extra --set for the lifsim CLI; repeatable")
    a = p.parse_args()
    a.sizes = [int(float(s)) for s in a.sizes.split(",")]
    a.impls = a.impls.split(",")
    unknown = set(a.impls) - set(ALL_IMPLS)
    if unknown:
        p.error(f"unknown implementation(s): {', '.join(sorted(unknown))}")
    venv_python = os.path.join(BENCH, ".venv", "bin", "python")
    a.python = a.python or (venv_python if os.path.exists(venv_python) else sys.executable)
    root_python = os.path.join(ROOT, ".venv", "bin", "python")
    a.lifsim_python = a.lifsim_python or (root_python if os.path.exists(root_python) else a.python)
    return a


def run_process(cmd, env, timeout):
    """Run cmd; returns (exit status or None on timeout, wall seconds, rusage, stderr tail)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                return None, time.perf_counter() - t0, usage, f"timeout after {timeout:.0f} s"
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
    return os.waitstatus_to_exitcode(status), wall, usage, " | ".join(tail)


class Runner:
    """Runs single measurements of each implementation in a subprocess."""

    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
                        RAYON_NUM_THREADS=str(args.threads), PYTHONUNBUFFERED="1")
        self.unavailable = {}
        self.lifsim_bin = None
        self.lifsim_built = None

    def snapshot_lifsim(self):
        """Copy the lifsim binary into workdir so that a rebuild mid-session cannot mix engines."""
        self.lifsim_bin = os.path.join(self.workdir, "lifsim")
        shutil.copy2(self.args.lifsim_bin, self.lifsim_bin)
        mtime = os.stat(self.args.lifsim_bin).st_mtime
        self.lifsim_built = datetime.datetime.fromtimestamp(mtime).isoformat(timespec="seconds")

    def check_available(self, impl):
        """Returns None if impl can run, else the reason it cannot."""
        if impl == "lifsim-cli":
            if not os.access(self.args.lifsim_bin, os.X_OK):
                return f"binary {os.path.relpath(self.args.lifsim_bin, ROOT)} not built yet"
            self.snapshot_lifsim()
            return None
        python = self.args.lifsim_python if impl == "lifsim-py" else self.args.python
        module = {"lifsim-py": "lifsim", "numpy": "numpy"}.get(impl, impl.split("-")[0])
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                               text=True, env=self.env)
        if probe.returncode:
            last = (probe.stderr.strip().splitlines() or ["import failed"])[-1]
            return f"`import {module}` failed with {python}: {last}"
        return None

    def run(self, impl, n, seed, timeout):
        """One measurement; returns a result dict (with "error" on failure)."""
        with tempfile.TemporaryDirectory(prefix="lifsim-bench-") as tmp:
            if impl == "lifsim-cli":
                cmd = [self.lifsim_bin, "run", "--quiet", "--no-plots", "--out", tmp, "--seed", str(seed),
                       "--threads", str(self.args.threads), "--set", f"simulation.n={n}"]
                for kv in LIFSIM_SETS + self.args.lifsim_set:
                    cmd += ["--set", kv]
            else:
                script, variant = PEER_SCRIPTS[impl]
                python = self.args.lifsim_python if impl == "lifsim-py" else self.args.python
                cmd = [python, os.path.join(PEERS, script), "--n", str(n), "--seed", str(seed),
                       "--threads", str(self.args.threads), "--stats", self.args.stats,
                       "--json", os.path.join(tmp, "result.json")]
                if variant:
                    cmd += ["--variant", variant]
            load = os.getloadavg()[0]
            status, total, usage, err = run_process(cmd, self.env, timeout)
            if status != 0:
                return {"impl": impl, "n": n, "error": err or f"exit status {status}"}
            if impl == "lifsim-cli":
                res = self._lifsim_summary(tmp, n)
                res["cpu_s"] = usage.ru_utime + usage.ru_stime
            else:
                with open(os.path.join(tmp, "result.json")) as f:
                    res = json.load(f)
        res.update(impl=impl, seed=seed, total_s=total, load1=load,
                   peak_rss_kib=res.get("binary_peak_rss_kib", usage.ru_maxrss))
        return res

    @staticmethod
    def _lifsim_summary(out_dir, n):
        """Result dict from the lifsim CLI's summary.json (and results.npz when NumPy is here).

        The rate is recomputed as count / (n * t_max), as for the peers.
        """
        with open(os.path.join(out_dir, "summary.json")) as f:
            summary = json.load(f)
        count = int(summary["spikes"]["count"])
        wall = float(summary["wall_time_s"])
        res = {"n": n, "steps": STEPS, "spike_count": count, "rate_hz": count / n / T_MAX,
               "rate_hz_reported": float(summary["spikes"]["rate_hz"]), "wall_s": wall,
               "ns_per_neuron_step": wall / (n * STEPS) * 1e9, "stats": "lifsim default",
               "threads_used": summary.get("threads")}
        npz = os.path.join(out_dir, "results.npz")
        if np is not None and os.path.exists(npz):
            with np.load(npz) as z:
                if "spike_count" in z.files:
                    res["count_sd"] = float(np.std(z["spike_count"], ddof=1))
                if "v_mean" in z.files and len(z["v_mean"]) == STEPS:
                    res["stats"] = "exact"
        return res


def estimate(results, impl, n):
    """(seconds, KiB) expected for impl at n, from its largest smaller measured size."""
    smaller = [r for r in results if r["impl"] == impl and r["n"] < n and "error" not in r]
    if not smaller:
        return None, None
    n0 = max(r["n"] for r in smaller)
    at_n0 = [r for r in smaller if r["n"] == n0]
    ns = statistics.median(r["ns_per_neuron_step"] for r in at_n0)
    rss = max(r["peak_rss_kib"] for r in at_n0)
    return ns * 1e-9 * n * STEPS, rss * n / n0


def mem_total_kib():
    """Physical memory in KiB."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    return float("inf")


def run_all(args, runner):
    """Interleaved measurements; returns (results, skipped {(impl, n): reason})."""
    results, skipped = [], {}
    impls = []
    for impl in args.impls:
        reason = runner.check_available(impl)
        if reason:
            print(f"note: {impl} skipped: {reason}", file=sys.stderr)
            runner.unavailable[impl] = reason
        else:
            impls.append(impl)
    mem_limit = 0.8 * mem_total_kib()
    for n in args.sizes:
        repeats = {}
        for impl in impls:
            est_s, est_kib = estimate(results, impl, n)
            if est_kib is not None and est_kib > mem_limit:
                skipped[(impl, n)] = f"skipped (est. {est_kib / 2**20:.0f} GiB RSS)"
            elif est_s is not None and est_s > args.skip_above_s and not impl.startswith("lifsim"):
                skipped[(impl, n)] = f"skipped (est. {est_s:.0f} s)"
            else:
                single = est_s is not None and est_s > args.single_above_s
                repeats[impl] = (1 if single else args.repeats, est_s)
        for r in range(args.repeats):
            order = impls if r % 2 == 0 else impls[::-1]
            for impl in order:
                if impl not in repeats or r >= repeats[impl][0]:
                    continue
                est_s = repeats[impl][1]
                timeout = None if est_s is None else max(600.0, 5 * est_s)
                res = runner.run(impl, n, args.seed + r, timeout)
                results.append(res)
                if "error" in res:
                    print(f"{impl:14s} n={n:<8d} rep {r}: FAILED {res['error']}", file=sys.stderr)
                else:
                    print(f"{impl:14s} n={n:<8d} rep {r}: sim {res['wall_s']:8.3f} s, "
                          f"total {res['total_s']:8.2f} s, {res['rate_hz']:.3f} Hz, "
                          f"{res['peak_rss_kib'] / 1024:.0f} MiB", file=sys.stderr)
    return results, skipped


def pooled(runs):
    """(rate Hz, standard error Hz or None) of a group of runs at one size.

    Runs with identical spike counts (an unseeded implementation) count once.
    """
    distinct = list({r["spike_count"]: r for r in runs}.values())
    neurons = sum(r["n"] for r in distinct)
    rate = sum(r["spike_count"] for r in distinct) / neurons / T_MAX
    sds = [r["count_sd"] for r in distinct if "count_sd" in r]
    if len(sds) != len(distinct):
        return rate, None
    var = sum(r["count_sd"] ** 2 * r["n"] for r in distinct) / neurons
    return rate, (var / neurons) ** 0.5 / T_MAX


def reference(results):
    """Pooled reference (rate Hz, its SE, per-neuron count SD, label).

    All NumPy runs (W's reference implementation) if any, else all runs with a count SD.
    """
    ok = [r for r in results if "error" not in r]
    base = [r for r in ok if r["impl"] == "numpy"] or [r for r in ok if "count_sd" in r]
    if not base:
        return None
    neurons = sum(r["n"] for r in base)
    rate = sum(r["spike_count"] for r in base) / neurons / T_MAX
    sd = (sum(r["count_sd"] ** 2 * r["n"] for r in base) / neurons) ** 0.5
    label = "numpy (all sizes pooled)" if base[0]["impl"] == "numpy" else "all runs pooled"
    return rate, sd / neurons ** 0.5 / T_MAX, sd, label


def fmt_notes(runs):
    """Implementation-specific remarks for a table row."""
    notes = []
    first = runs[0]
    if "build_s" in first:
        builds = [r["build_s"] for r in runs]
        build = (f"build {builds[0]:.1f} s" if len(builds) == 1 else
                 f"build {max(builds):.1f} s (first) / {min(builds):.1f} s (cached)")
        notes.append(f"{build}; binary {statistics.median(r['binary_s'] for r in runs):.2f} s")
    if "setup_s" in first:
        notes.append(f"codegen/compile {max(r['setup_s'] for r in runs):.1f} s max")
    load = max(r["load1"] for r in runs)
    if load > os.cpu_count():
        notes.append(f"machine busy (load {load:.1f} at a run's start)")
    if first.get("threads_used") not in (None, 1):
        notes.append(f"{first['threads_used']} threads")
    if first.get("seeded") is False or (len(runs) > 1 and len({r["spike_count"] for r in runs}) == 1):
        notes.append("same spikes every repeat")
    return "; ".join(notes)


def build_table(args, results, skipped, runner):
    """Markdown table rows (one per implementation and size, in run order)."""
    ref = reference(results)
    lifsim_wall = {}
    for impl in ("lifsim-py", "lifsim-cli"):
        for n in args.sizes:
            walls = [r["wall_s"] for r in results
                     if r["impl"] == impl and r["n"] == n and "error" not in r]
            if walls:
                lifsim_wall[n] = statistics.median(walls)
    lines = ["| implementation | n | ns / neuron-step | sim wall (s) | sim CPU (s) "
             "| process total (s) | peak RSS (MiB) | rate (Hz) | z vs ref | x lifsim | V stats "
             "| runs | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for impl in args.impls:
        if impl in runner.unavailable:
            lines.append(f"| {impl} | all | | | | | | | | | | 0 | not run: "
                         f"{runner.unavailable[impl]} |")
            continue
        for n in args.sizes:
            if (impl, n) in skipped:
                lines.append(f"| {impl} | {n:,} | {skipped[(impl, n)]} | | | | | | | | | 0 | |")
                continue
            runs = [r for r in results if r["impl"] == impl and r["n"] == n]
            good = [r for r in runs if "error" not in r]
            if not good:
                err = runs[0]["error"] if runs else "not run"
                lines.append(f"| {impl} | {n:,} | failed | | | | | | | | | 0 | {err} |")
                continue
            wall = statistics.median(r["wall_s"] for r in good)
            cpu = statistics.median(r["cpu_s"] for r in good)
            total = statistics.median(r["total_s"] for r in good)
            rss = max(r["peak_rss_kib"] for r in good) / 1024
            rate, se = pooled(good)
            if ref is None:
                z = "n/a"
            else:
                se_row = se if se is not None else ref[2] / n ** 0.5 / T_MAX
                zval = abs(rate - ref[0]) / (se_row ** 2 + ref[1] ** 2) ** 0.5
                z = f"{zval:.1f}" + ("" if zval < Z_LIMIT else " MISMATCH")
            ratio = f"{wall / lifsim_wall[n]:.1f}" if n in lifsim_wall else "n/a"
            lines.append(
                f"| {impl} | {n:,} | {wall / (n * STEPS) * 1e9:.1f} | {wall:.3f} | {cpu:.3f} "
                f"| {total:.2f} "
                f"| {rss:.0f} | {rate:.3f} | {z} | {ratio} | {good[0]['stats']} "
                f"| {len(good)} | {fmt_notes(good)} |")
    return lines, ref


def environment(args):
    """Lines describing the machine and software versions."""
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    versions = subprocess.run(
        [args.python, "-c", "import importlib.metadata as m, sys\n"
         "for p in ('numpy', 'brian2', 'cython', 'nest-simulator'):\n"
         "    try: print(f'{p} {m.version(p)}', end=', ')\n"
         "    except m.PackageNotFoundError: print(f'{p} missing', end=', ')\n"
         "print('python', sys.version.split()[0])"],
        capture_output=True, text=True).stdout.strip()
    gxx = shutil.which("g++")
    gxx_version = (subprocess.run([gxx, "--version"], capture_output=True, text=True)
                   .stdout.splitlines()[0] if gxx else "g++ missing")
    return [f"- machine: {model}, {os.cpu_count()} logical CPUs, "
            f"{mem_total_kib() / 2**20:.1f} GiB RAM, {platform.platform()}",
            f"- peers: {versions}; {gxx_version}",
            f"- threads: {args.threads}; V stats: {args.stats}; repeats: {args.repeats} "
            f"(single run above an estimated {args.single_above_s:.0f} s, skipped above "
            f"{args.skip_above_s:.0f} s); seeds {args.seed}..{args.seed + args.repeats - 1}"]


def main():
    args = parse_args()
    started = datetime.datetime.now().isoformat(timespec="seconds")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lifsim-compare-") as workdir:
        runner = Runner(args, workdir)
        results, skipped = run_all(args, runner)
    lines, ref = build_table(args, results, skipped, runner)
    header = [f"# lifsim vs peers on workload W ({started}, {time.perf_counter() - t0:.0f} s)", ""]
    header += environment(args)
    if runner.lifsim_built:
        header.append(f"- lifsim: {os.path.relpath(args.lifsim_bin, ROOT)} built "
                      f"{runner.lifsim_built} (copied at the start, so every run uses that build)")
    loads = [r["load1"] for r in results if "load1" in r]
    if loads:
        header.append(f"- 1-min load average at the runs' starts: {min(loads):.1f} .. "
                      f"{max(loads):.1f} on {os.cpu_count()} CPUs (other processes compete "
                      "when it exceeds the CPU count)")
    if ref:
        header.append(f"- rate reference: {ref[3]} = {ref[0]:.3f} +- {ref[1]:.3f} Hz; "
                      f"z >= {Z_LIMIT:g} is flagged MISMATCH")
    header += ["- ns / neuron-step = median sim wall / (n * 10 000 steps); x lifsim = "
               "sim wall / lifsim's at the same n; sim CPU = CPU seconds of the same span, "
               "all threads (lifsim-cli: its whole process), steadier than "
               "wall time on a busy machine; process total includes start-up, imports, "
               "code generation and compilation", ""]
    text = "\n".join(header + lines) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"args": vars(args), "results": results,
                   "skipped": [{"impl": i, "n": n, "reason": s} for (i, n), s in skipped.items()],
                   "unavailable": runner.unavailable}, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
