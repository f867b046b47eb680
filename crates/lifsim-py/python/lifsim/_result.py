"""A run's result: NumPy arrays under the names of the command line's files, plus its summary."""

from __future__ import annotations

import glob
import json
import os
from typing import TYPE_CHECKING, Any, Mapping, overload

import numpy as np
from numpy.typing import NDArray

from . import _native
from ._config import Config, configured, run_options

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class _Array:
    """A read-only attribute that returns one of the result's arrays (no copy)."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    @overload
    def __get__(self, result: None, owner: type | None = None) -> _Array: ...
    @overload
    def __get__(self, result: Result, owner: type | None = None) -> NDArray[Any]: ...
    def __get__(self, result: Result | None, owner: type | None = None) -> Any:
        return self if result is None else result._arrays[self.name]


class Result:
    """The recording of one run, as NumPy arrays (index k is time ``t_k = k dt``).

    Sample variances use 1/(n-1). Spikes are ordered by step, then neuron.
    """

    t = _Array("t", "Time of each grid step (s), shape (steps,).")
    v_mean = _Array("v_mean", "Ensemble mean of V at each step (V); v_mean[0] = v_init.")
    v_var = _Array("v_var", "Ensemble sample variance of V at each step (V^2), with 1/(n-1).")
    activity = _Array("activity", "Spikes per neuron at each step; rate_hz is activity / dt.")
    v_traces = _Array("v_traces", "V of the traced neurons (V), shape (traces, samples).")
    trace_t = _Array("trace_t", "Time of each trace sample (s).")
    spike_neurons = _Array("spike_neuron", "Neuron index of each spike (uint32).")
    spike_steps = _Array("spike_step", "Grid step of each spike (uint32).")
    spike_counts = _Array("spike_count", "Spikes per neuron (uint32), shape (n,).")
    hist_times = _Array("hist_times", "Time of each V histogram (s).")
    hist_edges = _Array("hist_edges", "Bin edges of each histogram (V), shape (histograms, bins + 1).")
    hist_counts = _Array("hist_counts", "Neurons per bin (uint64), shape (histograms, bins).")

    def __init__(
        self, arrays: Mapping[str, NDArray[Any]], summary: dict[str, Any], directory: str | None = None
    ) -> None:
        self._arrays = dict(arrays)
        #: summary.json as a dict: the resolved configuration (SI), totals, final moments, theory.
        self.summary = summary
        #: The directory holding the run's files (``lifsim.load``, ``simulate(out=...)``), or None.
        self.directory = directory

    @property
    def spike_times(self) -> NDArray[np.float64]:
        """Time of each spike (s): ``spike_steps * dt`` on the grid, each spike's own time with
        ``crossing="precise"`` (only those are stored, as ``spike_time`` in results.npz)."""
        times = self._arrays.get("spike_time")
        if times is not None:
            return times
        return self.spike_steps * self.dt

    @property
    def spike_mode(self) -> str:
        """Where the spikes went (``record.spikes``): ``"memory"`` (in `spike_neurons`,
        `spike_steps`, ...), ``"file"`` (in `spike_files`) or ``"counts"`` (only
        `spike_counts` and `activity`)."""
        return str(self.summary["config"]["record"].get("spikes", "memory"))

    @property
    def spike_files(self) -> list[str]:
        """The Parquet files holding the spikes (columns neuron, step, time): ``spikes.parquet``
        of a run, or the parts ``spikes/part-NNNNN.parquet`` that the shards of a file run on a
        cluster wrote, in shard order; empty when the spikes are in memory or were not kept."""
        if self.directory is None:
            return []
        single = os.path.join(self.directory, "spikes.parquet")
        if os.path.exists(single):
            return [single]
        parts = os.path.join(glob.escape(self.directory), "spikes", "part-*.parquet")
        return sorted(glob.glob(parts))

    def spikes(self) -> Any:
        """The spikes as a pandas DataFrame with columns ``neuron``, ``step`` (uint32) and
        ``time`` (s), by step, then neuron: from memory, or read from `spike_files` (needs
        pyarrow: ``pip install "lifsim[parquet]"``). For spikes larger than memory use
        ``dask.dataframe.read_parquet(result.spike_files)``."""
        import pandas as pd

        if self.spike_mode == "memory":
            return pd.DataFrame({"neuron": self.spike_neurons, "step": self.spike_steps, "time": self.spike_times})
        files = self.spike_files
        if not files:
            if self.spike_mode == "counts":
                raise ValueError('this run kept no spikes (record.spikes = "counts"): only spike_counts and activity')
            raise FileNotFoundError("this run's spike files are not known: load it with lifsim.load(DIR)")
        frames = [pd.read_parquet(f) for f in files]
        table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        # Shards hold neuron ranges in order: a stable sort by step restores the run's order.
        return table.sort_values("step", kind="stable", ignore_index=True) if len(frames) > 1 else table

    @property
    def v_std(self) -> NDArray[np.float64]:
        """Ensemble standard deviation of V at each step (V), sqrt of `v_var` (1/(n-1))."""
        return np.sqrt(self.v_var)

    @property
    def rate_hz(self) -> NDArray[np.float64]:
        """Population rate at each step (Hz): `activity` / dt."""
        return self.activity / self.dt

    @property
    def theory(self) -> dict[str, Any]:
        """The theory values that apply to this setup (None where one does not): the exact
        free-membrane moments, the deterministic ISI, and the stationary firing ``rate_hz`` and
        ISI ``cv_isi`` (Siegert / Brunel 2000) for constant drive with white or tutorial noise."""
        return self.summary["theory"]

    @property
    def analysis(self) -> dict[str, Any]:
        """Spike statistics in the analysis window (``analysis.t_start`` .. ``t_stop``, snapped
        to the grid): ``rate_hz`` (mean rate per neuron) and its standard error ``rate_se_hz``,
        ``cv_isi`` and ``isi_mean_s`` of the intervals pooled over neurons, ``isi_count``, the
        ``fano`` factor of spike counts and the ``window`` ``(t_start, t_stop)`` in s.
        Undefined values (too few spikes or neurons) are NaN."""
        stats = self.summary["analysis"]

        def number(name: str) -> float:
            value = stats[name]
            return float("nan") if value is None else float(value)

        names = ("rate_hz", "rate_se_hz", "cv_isi", "fano", "isi_mean_s")
        return {
            **{name: number(name) for name in names},
            "isi_count": int(stats["isi_count"]),
            "window": (number("t_start"), number("t_stop")),
        }

    @property
    def dt(self) -> float:
        """Time step (s)."""
        return float(self.summary["dt"])

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.summary["n"])

    @property
    def config(self) -> Config:
        """The configuration that produced this result."""
        if "config_toml" in self.summary:
            return Config.from_toml(self.summary["config_toml"])
        # summary.json of an older lifsim: the resolved sections in SI units.
        sections = self.summary["config"]
        return Config(**{name: value for body in sections.values() for name, value in body.items()})

    @property
    def populations(self) -> dict[str, dict[str, Any]]:
        """A network's populations by name (empty for an ensemble): ``n``, ``first`` (index of
        its first neuron), ``activity`` and ``rate_hz`` (its spikes per neuron per step, and
        per second, at each step), ``analysis`` (rate, its SE, ISI CV, Fano factor in the
        analysis window, as `analysis`) and ``theory`` (the mean-field ``rate_hz``, ``cv_isi``,
        ``mu_v``, ``sigma_v``; None where it does not apply)."""
        stats = self.summary.get("populations")
        if not stats:
            return {}
        names = [str(name) for name in self._arrays["population_names"]]
        offsets = self._arrays["population_offsets"]
        activity = self._arrays["population_activity"]
        theory = (self.summary.get("theory") or {}).get("populations") or {}
        nan = float("nan")
        return {
            name: {
                "n": int(offsets[p + 1] - offsets[p]),
                "first": int(offsets[p]),
                "activity": activity[p],
                "rate_hz": activity[p] / self.dt,
                "analysis": {key: nan if value is None else value for key, value in stats[name].items()},
                "theory": theory.get(name),
            }
            for p, name in enumerate(names)
        }

    def arrays(self) -> dict[str, NDArray[Any]]:
        """Every array under its name in ``results.npz``."""
        return dict(self._arrays)

    def free_membrane_moments(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The exact mean (V) and variance (V^2) at each step for the same setup without a threshold."""
        return _native.free_membrane_moments(self.config._native)

    def save(self, path: str | os.PathLike[str]) -> dict[str, float]:
        """Writes ``summary.json``, ``results.npz`` (with every spike kept in memory) and, for up
        to a million spikes, ``spikes.csv`` (see ``record.csv``) into directory `path`,
        exactly as ``lifsim run --out PATH`` does: as one run, all files or none. Returns the
        seconds each file took, by name (also in summary.json's ``timings.files_s``). An earlier
        run in `path` is replaced as a whole; files that lifsim did not write are kept, and one
        with a result file's name raises ``FileExistsError``. A directory that another lifsim
        run is writing into raises ``BlockingIOError``. The spikes of a file run stay in its
        `spike_files`."""
        seconds = dict(_native.save(os.fspath(path), self._arrays, json.dumps(self.summary)))
        timings = self.summary.get("timings")
        if not isinstance(timings, dict):
            timings = self.summary["timings"] = {}
        timings["files_s"] = seconds
        return seconds

    def plot_voltage(self, ax: Axes | None = None, traces: int = 20) -> Axes:
        """V over time: thin traces, the mean +/- std band, the mean, dashed v_th and v_reset."""
        from ._plot import plot_voltage

        return plot_voltage(self, ax, traces)

    def plot_histograms(self, ax: Axes | None = None) -> Axes:
        """The V histograms (as densities), with the theory's Gaussian for a free membrane."""
        from ._plot import plot_histograms

        return plot_histograms(self, ax)

    def plot_raster(self, neurons: int = 100) -> tuple[Axes, Axes]:
        """Raster of the first `neurons` neurons above the population rate (Hz)."""
        from ._plot import plot_raster

        return plot_raster(self, neurons)

    def __repr__(self) -> str:
        s, stats = self.summary, self.analysis
        rate = f"rate {stats['rate_hz']:.4g} +/- {stats['rate_se_hz']:.2g} Hz"
        theory = self.theory.get("rate_hz")
        if theory is not None:
            rate += f" (theory {theory:.4g} Hz)"
        return f"<lifsim.Result: n={s['n']}, steps={s['steps']}, {s['spikes']['count']} spikes, {rate}>"


def simulate(
    config: Config | None = None,
    *,
    threads: int | None = None,
    max_memory: int | str | None = None,
    client: Any = None,
    shards: int | None = None,
    retries: int = 2,
    out: str | os.PathLike[str] | None = None,
    **params: Any,
) -> Result:
    """Runs one simulation: `config` (default: lifsim's defaults) with keyword overrides.

    ``lifsim.simulate(n=1000, noise="white", sigma_v="4 mV")``. `threads` worker threads
    (default: all cores) share the neurons; the results are bit-identical for any count. The
    workers of each thread count are started once and reused by later calls (also by calls
    from several Python threads at once, which then share them). The GIL is released during
    the run; Ctrl-C raises KeyboardInterrupt promptly. Bad values raise ValueError (naming the
    parameter, the value and what is valid), values of a wrong type TypeError. A run whose
    estimated memory exceeds `max_memory` (bytes or ``"4GB"``; default: what the system has
    available) raises MemoryError naming the key that dominates, before anything is allocated.

    With `client` (a ``dask.distributed.Client`` or any ``concurrent.futures.Executor``), the
    ensemble is cut into `shards` shards of whole blocks of neurons (default: one per worker,
    fewer for a short run), each run as a task (on `threads` threads of its worker), and the
    partial recordings are merged through the same fixed reduction as without `client`: the
    same Result, bit for bit. Dask retries a task whose worker was lost up to `retries` times;
    a tqdm bar shows the shards done; Ctrl-C cancels every pending task. A network is never
    cut into shards (ValueError).

    With `out` (a directory), the run's files are written there as ``lifsim run --out`` writes
    them, and the Result refers to them (`Result.directory`). ``spikes="file"`` streams the
    spikes to ``out/spikes.parquet`` while the run goes, so that memory stays bounded (with
    `client`, each shard writes ``out/spikes/part-NNNNN.parquet``, so `out` must be reachable
    from every worker); ``spikes="counts"`` keeps only the per-neuron counts and the activity.
    Read them with `Result.spikes()` or ``dask.dataframe.read_parquet(result.spike_files)``.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     spread = simulate(n=1000, t_max="20 ms", client=pool, shards=2)
    >>> bool((spread.v_mean == simulate(n=1000, t_max="20 ms").v_mean).all())
    True
    """
    config = configured(config, params)
    threads, max_memory = run_options(threads, max_memory)
    if client is not None or shards is not None:
        from . import _distributed

        if client is None:
            raise ValueError(f"shards = {shards!r} needs client=: a dask.distributed.Client or an Executor")
        folder = None if out is None else os.fspath(out)
        arrays, summary = _distributed.simulate(client, config, shards, retries, threads, max_memory, folder)
        result = Result(arrays, json.loads(summary), folder)
        if folder is not None:
            result.save(folder)
        return result
    folder = None if out is None else os.fspath(out)
    arrays, summary = _native.simulate(config._native, threads, max_memory, folder)
    return Result(arrays, json.loads(summary), folder)


def load(path: str | os.PathLike[str]) -> Result:
    """Reads a result directory written by `Result.save`, ``simulate(out=PATH)`` or ``lifsim
    run --out PATH``. Its Parquet spikes are not read until `Result.spikes()` asks for them."""
    folder = os.fspath(path)
    with np.load(os.path.join(folder, "results.npz")) as npz:
        arrays = {name: npz[name] for name in npz.files}
    with open(os.path.join(folder, "summary.json"), encoding="utf-8") as f:
        return Result(arrays, json.load(f), folder)
