"""lifsim: ensembles of leaky integrate-and-fire neurons, with results as NumPy arrays.

>>> import lifsim
>>> result = lifsim.simulate(n=1000, noise="white", sigma_v="4 mV", v_th=None)
>>> result.v_mean.shape == result.t.shape
True

Every keyword is a configuration key of the ``lifsim`` command (``tau_m``, ``dt``, ``n``,
...; see ``lifsim.PARAMETERS``) and takes a number in SI units or a string with a unit
(``"20 ms"``); ``None`` means ``"none"`` (``v_th=None``: a free membrane).
``lifsim.sweep(vary={"i_mean": ("100 pA", "400 pA", 7)})`` tabulates rate, CV, Fano factor
and theory over a grid of configurations, as ``lifsim sweep`` does.
"""

from ._config import PARAMETERS, Config, load_config
from ._network import brunel2000
from ._native import VERSION as __version__
from ._result import Result, load, simulate
from ._sweep import SWEEP_COLUMNS, sweep

__all__ = [
    "PARAMETERS",
    "SWEEP_COLUMNS",
    "Config",
    "brunel2000",
    "Result",
    "load",
    "load_config",
    "simulate",
    "sweep",
    "__version__",
]
