"""Brunel (2000), Fig. 8: the four states of model A, simulated by lifsim, in one figure.

    python examples/brunel2000/figure.py [--out docs/figures/brunel2000.png] [--t-max 1.2]

Runs the four configurations of this folder (sr.toml, si_fast.toml, ai.toml, si_slow.toml,
written by ``--write-configs`` from ``lifsim.brunel2000``) and draws a 2 x 2 figure: in each
panel a raster of 50 excitatory neurons above the population rate, over the last 200 ms, with
the mean-field rate dashed. Needs the ``lifsim`` package and matplotlib.
"""

from __future__ import annotations

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lifsim  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent

#: Brunel's Fig. 8: (file, title, g, eta).
STATES = [
    ("sr", "A: synchronous regular (g = 3, eta = 2)", 3.0, 2.0),
    ("si_fast", "B: synchronous irregular, fast (g = 6, eta = 4)", 6.0, 4.0),
    ("ai", "C: asynchronous irregular (g = 5, eta = 2)", 5.0, 2.0),
    ("si_slow", "D: synchronous irregular, slow (g = 4.5, eta = 0.9)", 4.5, 0.9),
]


def write_configs(t_max: str) -> None:
    for name, _, g, eta in STATES:
        config = lifsim.brunel2000(g=g, eta=eta, t_max=t_max, t_start="200 ms")
        (HERE / f"{name}.toml").write_text(config.to_toml(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE.parents[1] / "docs" / "figures" / "brunel2000.png"))
    parser.add_argument("--write-configs", action="store_true", help="rewrite the four TOML files first")
    parser.add_argument("--t-max", default="1.2 s")
    args = parser.parse_args()
    if args.write_configs:
        write_configs(args.t_max)
    fig = plt.figure(figsize=(12, 8), dpi=150)
    outer = fig.add_gridspec(2, 2, hspace=0.45, wspace=0.25)
    for panel, (name, title, _, _) in enumerate(STATES):
        config = lifsim.load_config(HERE / f"{name}.toml")
        result = lifsim.simulate(config=config)
        inner = outer[panel // 2, panel % 2].subgridspec(2, 1, height_ratios=[2, 1], hspace=0.05)
        raster, rate = fig.add_subplot(inner[0]), fig.add_subplot(inner[1])
        t_ms = result.t * 1e3
        start = t_ms[-1] - 200.0
        shown = (result.spike_neurons < 50) & (result.spike_times * 1e3 >= start)
        raster.scatter(result.spike_times[shown] * 1e3, result.spike_neurons[shown], s=2, color="#0072B2")
        raster.set(xlim=(start, t_ms[-1]), ylim=(-1, 50), ylabel="neuron", title=title)
        raster.tick_params(labelbottom=False)
        e = result.populations["E"]
        window = t_ms >= start
        rate.plot(t_ms[window], e["rate_hz"][window], color="black", lw=0.6)
        theory = e["theory"]
        if theory is not None:
            rate.axhline(theory["rate_hz"], color="#D55E00", ls="--", lw=1.2, label=f"mean field {theory['rate_hz']:.1f} Hz")
            rate.legend(loc="upper right", fontsize=7)
        rate.set(xlim=(start, t_ms[-1]), xlabel="time (ms)", ylabel="rate (Hz)")
        print(f"{name}: E {e['analysis']['rate_hz']:.2f} Hz (CV {e['analysis']['cv_isi']:.2f}); "
              f"mean field {theory['rate_hz'] if theory else float('nan'):.2f} Hz")
    fig.suptitle("Brunel (2000) model A, the four states of Fig. 8 (N_E = 10 000, N_I = 2 500), simulated by lifsim")
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
