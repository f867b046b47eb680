"""Matplotlib figures of a result (the optional extra ``lifsim[plot]``): ms, mV and Hz."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ._result import Result

#: The Okabe-Ito palette, distinguishable with every common color-vision deficiency.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

MS = 1e3  # s -> ms
MV = 1e3  # V -> mV


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(7, 4))[1]


def plot_voltage(result: Result, ax: Axes | None, traces: int) -> Axes:
    ax = _axes(ax)
    t = result.t * MS
    for trace in result.v_traces[:traces]:
        ax.plot(result.trace_t * MS, trace * MV, color=OKABE_ITO["sky_blue"], lw=0.5, alpha=0.5)
    mean, std = result.v_mean * MV, result.v_std * MV
    ax.fill_between(t, mean - std, mean + std, color=OKABE_ITO["blue"], alpha=0.25, lw=0, label="mean ± std")
    ax.plot(t, mean, color=OKABE_ITO["blue"], lw=2.5, label="mean")
    config = result.summary["config"]["neuron"]
    if config["v_th"] is not None:
        ax.axhline(config["v_th"] * MV, color=OKABE_ITO["vermillion"], ls="--", lw=1, label="v_th")
        ax.axhline(config["v_reset"] * MV, color=OKABE_ITO["green"], ls="--", lw=1, label="v_reset")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_histograms(result: Result, ax: Axes | None) -> Axes:
    ax = _axes(ax)
    colors = [OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["purple"]]
    free = result.summary["config"]["neuron"]["v_th"] is None
    mean, var = result.free_membrane_moments() if free else (None, None)
    for h, (time, edges, counts) in enumerate(zip(result.hist_times, result.hist_edges, result.hist_counts)):
        color = colors[h % len(colors)]
        widths = np.diff(edges) * MV
        density = counts / max(counts.sum(), 1) / np.where(widths > 0, widths, 1)
        ax.stairs(density, edges * MV, fill=True, alpha=0.4, color=color, label=f"t = {time * MS:g} ms")
        if mean is not None and var is not None:
            k = int(round(time / result.dt))
            mu, sd = mean[k] * MV, np.sqrt(var[k]) * MV
            if sd > 0:
                v = np.linspace(edges[0] * MV, edges[-1] * MV, 200)
                gauss = np.exp(-0.5 * ((v - mu) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
                ax.plot(v, gauss, color=color, lw=2, label=f"theory, t = {time * MS:g} ms")
    ax.set_xlabel("V (mV)")
    ax.set_ylabel("density (1/mV)")
    ax.legend(fontsize="small")
    return ax


def plot_raster(result: Result, neurons: int) -> tuple[Axes, Axes]:
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(7, 5), gridspec_kw={"height_ratios": [3, 1]}, constrained_layout=True
    )
    shown = result.spike_neurons < neurons
    top.scatter(
        result.spike_times[shown] * MS, result.spike_neurons[shown], s=2, marker="|", color=OKABE_ITO["black"]
    )
    top.set_ylabel("neuron")
    top.set_ylim(-0.5, min(neurons, result.n) - 0.5)
    bottom.plot(result.t * MS, result.rate_hz, color=OKABE_ITO["vermillion"], lw=1)
    bottom.set_xlabel("time (ms)")
    bottom.set_ylabel("rate (Hz)")
    return top, bottom
