"""Parameter sweeps: ``lifsim sweep`` from Python, one table row per grid point."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Union

import numpy as np
from numpy.typing import NDArray

from . import _native
from ._config import Config, configured, key_of, run_options

if TYPE_CHECKING:
    import pandas

#: The measured and theory columns of a sweep, after the varied keys (as in ``sweep.csv``).
SWEEP_COLUMNS: tuple[str, ...] = tuple(_native.SWEEP_COLUMNS)

Table = Union["pandas.DataFrame", dict[str, NDArray[Any]]]


def sweep(
    vary: Mapping[str, Any],
    config: Config | None = None,
    *,
    threads: int | None = None,
    max_memory: int | str | None = None,
    client: Any = None,
    retries: int = 2,
    **params: Any,
) -> Table:
    """Runs one simulation per point of a grid and tabulates what ``lifsim sweep`` does.

    ``lifsim.sweep(vary={"i_mean": ("100 pA", "400 pA", 7)}, n=1000, noise="white",
    sigma_v="5 mV")``. Each key of `vary` is a keyword (``i_mean``, ``dt``, ...) and its values
    are a range ``(START, STOP, COUNT)`` (COUNT evenly spaced values, both ends included), a
    list (``["1 ms", "0.5 ms"]``), or the command line's text (``"100pA:400pA:7"``); several
    keys make a grid whose last key varies fastest. `config` and the other keywords set the
    rest, as for `simulate` (a varied key overrides them).

    The points run one after the other, each on `threads` workers (default: all cores), so
    every row is bit-identical to ``lifsim run`` of the same configuration and to the row of
    ``lifsim sweep``'s ``sweep.csv``. Returns a pandas DataFrame when pandas is installed,
    else a dict of NumPy arrays: the varied keys (SI units), then `SWEEP_COLUMNS` (NaN where a
    measure is undefined or no theory applies). Every point is checked before any runs; a bad
    key or value raises ValueError naming it. The GIL is released; Ctrl-C raises
    KeyboardInterrupt.

    With `client` (a ``dask.distributed.Client`` or any ``concurrent.futures.Executor``), the
    points run as tasks on its workers (consecutive points grouped so that each task holds at
    least about half a second of work) and the table is the same, bit for bit; Dask retries a
    task whose worker was lost up to `retries` times, and Ctrl-C cancels the pending tasks.
    """
    if not isinstance(vary, Mapping):
        raise TypeError(f"vary: expected a dict of keyword -> values, not {type(vary).__name__}")
    if not vary:
        raise ValueError("vary: expected at least one keyword to vary, e.g. {'i_mean': ('100 pA', '400 pA', 7)}")
    config = configured(config, params)
    # A keyword (`i_mean`), or a full key (`population.E.n`; several joined by `+` move together).
    axes = [(name if "." in name else key_of(name), values) for name, values in vary.items()]
    threads, max_memory = run_options(threads, max_memory)
    if client is not None:
        from . import _distributed

        native = _distributed.sweep(client, config, axes, retries, threads, max_memory)
    else:
        native = _native.sweep(config._native, axes, threads, max_memory)
    # Varied keys by the name they were given (`i_mean`, or a network key); the measures as they are.
    given = {(name if "." in name else key_of(name)): name for name in vary}
    table = {given.get(key, key): np.asarray(column) for key, column in native.items()}
    try:
        import pandas
    except ImportError:
        return table
    return pandas.DataFrame(table)
