"""Ensembles and sweeps spread over a Dask cluster or any ``concurrent.futures.Executor``.

An ensemble is cut into shards of whole blocks of neurons (65 536 at most each); every shard
runs as one task and returns the bytes of its partial recording, and the partials are merged
here through the one fixed reduction tree that ``lifsim.simulate`` uses on one machine, so
the result is the same bit for bit for any number of shards and workers. A sweep's points are
grouped into tasks of at least about half a second of work each.

The cluster is the caller's: a ``dask.distributed.Client`` (its tasks are retried by Dask when
a worker is lost), or any executor (``client.get_executor()``, ``ProcessPoolExecutor``, Ray's).
"""

from __future__ import annotations

import glob
import os
import time
from typing import Any, Callable, Sequence

from . import _native
from ._config import Config

#: Seconds of work per neuron-step assumed when sizing tasks (about 2 ns on one core).
SECONDS_PER_NEURON_STEP = 2e-9
#: The least work a task should hold (s): scheduling a task costs milliseconds.
MIN_TASK_SECONDS = 0.5
#: How often the waiting loop looks at the futures (s); Ctrl-C is seen between looks.
POLL_SECONDS = 0.05

#: Called in the worker before each task with the task's description; a seam for tests (a
#: worker that dies mid-run). ``None`` in normal use.
_before_task: Callable[[str], None] | None = None


def is_dask(client: Any) -> bool:
    """Whether `client` is a ``dask.distributed.Client`` (else a concurrent.futures.Executor)."""
    return type(client).__module__.startswith("distributed") and hasattr(client, "scheduler_info")


def worker_count(client: Any) -> int:
    """The number of workers of `client` (1 when unknown)."""
    if is_dask(client):
        return max(1, len(client.scheduler_info().get("workers", {})))
    return max(1, int(getattr(client, "_max_workers", 1) or 1))


def _run_shard(
    toml: str, first: int, end: int, threads: int | None, max_memory: int | None, spikes_path: str | None = None
) -> bytes:
    """One shard's task, run in the worker: the bytes of its partial recording (its spikes
    written to the Parquet file `spikes_path` for ``record.spikes = "file"``)."""
    if _before_task is not None:
        _before_task(f"shard {first}..{end}")
    config = Config.from_toml(toml)
    return _native.run_shard(config._native, first, end, threads, max_memory, spikes_path)


def part_name(index: int) -> str:
    """The file name of shard `index`'s spikes in a file run's ``spikes/`` directory."""
    return f"part-{index:05d}.parquet"


def _run_points(
    toml: str, axes: list[tuple[str, Any]], only: list[int], threads: int | None, max_memory: int | None
) -> dict[str, Any]:
    """One task of sweep points, run in the worker: their table rows."""
    if _before_task is not None:
        _before_task(f"points {only}")
    config = Config.from_toml(toml)
    return _native.sweep(config._native, axes, threads, max_memory, only)


def _check_count(name: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} = {value!r} is invalid: expected a whole number of at least 1, or None")


def gather(
    client: Any, tasks: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]], retries: int, what: str
) -> list[Any]:
    """Runs `tasks` (function, arguments) on `client` and returns their results in task order.

    A tqdm bar shows progress when tqdm is installed. Dask retries a task whose worker is lost
    or that fails up to `retries` times; with an executor, a failed task is submitted again up to
    `retries` times. Ctrl-C (KeyboardInterrupt) or any failure cancels every pending future
    before the exception propagates, so nothing is left running.
    """
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries = {retries!r} is invalid: expected a whole number of at least 0")
    dask = is_dask(client)

    def submit(index: int) -> Any:
        function, args = tasks[index]
        if dask:
            return client.submit(function, *args, retries=retries, pure=False)
        return client.submit(function, *args)

    futures = {index: submit(index) for index in range(len(tasks))}
    failures = dict.fromkeys(futures, 0)
    results: dict[int, Any] = {}
    try:
        bar = _progress(len(tasks), what)
        try:
            while len(results) < len(tasks):
                for index, future in list(futures.items()):
                    if index in results or not future.done():
                        continue
                    try:
                        results[index] = future.result()
                    except KeyboardInterrupt:
                        raise
                    except Exception:
                        failures[index] += 1
                        if dask or failures[index] > retries:
                            raise
                        futures[index] = submit(index)
                        continue
                    if bar is not None:
                        bar.update(1)
                if len(results) < len(tasks):
                    time.sleep(POLL_SECONDS)
        finally:
            if bar is not None:
                bar.close()
    except BaseException:
        _cancel(client, [f for i, f in futures.items() if i not in results], dask)
        raise
    return [results[index] for index in range(len(tasks))]


def _cancel(client: Any, futures: list[Any], dask: bool) -> None:
    """Cancels `futures` (all of them at once on Dask)."""
    if dask:
        client.cancel(futures, force=True)
    else:
        for future in futures:
            future.cancel()


def _progress(total: int, what: str) -> Any:
    """A tqdm bar of `total` tasks, or None without tqdm."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=what, unit="task", leave=False)


def simulate(
    client: Any,
    config: Config,
    shards: int | None,
    retries: int,
    threads: int | None,
    max_memory: int | None,
    out: str | None = None,
) -> tuple[dict[str, Any], str]:
    """`lifsim.simulate` on `client`: ``(arrays, summary_json)`` as the native simulate gives.

    For ``record.spikes = "file"``, shard i writes its spikes to ``out/spikes/part-0000i.parquet``
    (`out` must be a directory every worker can reach); parts of an earlier run there are
    removed first."""
    _check_count("shards", shards)
    blocks, neuron_steps = _native.shard_plan(config._native)
    if shards is None:
        # Enough shards to keep every worker busy, none with less than MIN_TASK_SECONDS of work.
        by_work = int(neuron_steps * SECONDS_PER_NEURON_STEP / MIN_TASK_SECONDS)
        shards = max(1, min(worker_count(client), by_work))
    shards = min(shards, blocks)
    toml = config.to_toml()
    cuts = [i * blocks // shards for i in range(shards + 1)]
    parts_dir = None
    if config.spikes == "file":
        if out is None:
            raise ValueError(
                'record.spikes = "file" with client= writes each shard\'s spikes to out/spikes/part-NNNNN.parquet: '
                "give out=DIR, a directory every worker can reach"
            )
        parts_dir = os.path.join(os.fspath(out), "spikes")
        os.makedirs(parts_dir, exist_ok=True)
        _remove_parts(parts_dir)
    tasks = [
        (
            _run_shard,
            (
                toml,
                cuts[i],
                cuts[i + 1],
                threads,
                max_memory,
                None if parts_dir is None else os.path.join(parts_dir, part_name(i)),
            ),
        )
        for i in range(shards)
    ]
    started = time.monotonic()
    parts = gather(client, tasks, retries, "lifsim shards")
    wall = time.monotonic() - started
    if parts_dir is not None:
        # What a worker lost mid-task left (its retry wrote the part whole).
        _remove_parts(parts_dir, temporary_only=True)
    # The summary's thread count: all the threads asked for over the workers.
    return _native.merge_shards(config._native, parts, (threads or 1) * worker_count(client), wall)


def _remove_parts(parts_dir: str, temporary_only: bool = False) -> None:
    """Removes the spike parts of an earlier run in `parts_dir` and the temporary files of
    tasks that did not finish (only those with `temporary_only`)."""
    folder = glob.escape(parts_dir)
    patterns = [".part-*.parquet.*.tmp"] + ([] if temporary_only else ["part-*.parquet"])
    for pattern in patterns:
        for stale in glob.glob(os.path.join(folder, pattern)):
            os.remove(stale)


def sweep(
    client: Any,
    config: Config,
    axes: list[tuple[str, Any]],
    retries: int,
    threads: int | None,
    max_memory: int | None,
) -> dict[str, Any]:
    """`lifsim.sweep` on `client`: the native sweep's columns, the points spread over tasks."""
    import numpy as np

    points, work = _native.sweep_len(config._native, axes, max_memory)
    # Consecutive points per task: at least MIN_TASK_SECONDS each, and about 4 tasks per worker.
    per_task = max(1, -(-points // (4 * worker_count(client))))
    groups: list[list[int]] = []
    group: list[int] = []
    seconds = 0.0
    for index in range(points):
        group.append(index)
        seconds += work[index] * SECONDS_PER_NEURON_STEP
        if len(group) >= per_task and seconds >= MIN_TASK_SECONDS:
            groups.append(group)
            group, seconds = [], 0.0
    if group:
        groups.append(group)
    toml = config.to_toml()
    tasks = [(_run_points, (toml, axes, g, threads, max_memory)) for g in groups]
    tables = gather(client, tasks, retries, "lifsim sweep")
    columns = list(tables[0]) if tables else list(_native.sweep(config._native, axes, 1, max_memory, []))
    joined: dict[str, Any] = {}
    for name in columns:
        values = [t[name] for t in tables]
        if values and isinstance(values[0], list):
            joined[name] = [v for part in values for v in part]
        else:
            joined[name] = np.concatenate([np.asarray(v) for v in values]) if values else np.array([])
    return joined
