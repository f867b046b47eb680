"""Sweeps, spike statistics and thread counts: against the command line, theory and NumPy."""

import csv
import subprocess
import sys

import numpy as np
import pytest

import lifsim

WHITE = {"noise": "white", "sigma_v": "5 mV"}


def table_of(result):
    """A sweep's table as a dict of arrays, whether or not pandas made it a DataFrame."""
    return {name: np.asarray(result[name]) for name in result.keys()}


def test_grid_shape_order_and_columns():
    table = table_of(lifsim.sweep(vary={"i_mean": ("100 pA", "300 pA", 3), "dt": ["1 ms", "0.5 ms"]}, n=20, **WHITE))
    assert list(table) == ["i_mean", "dt", *lifsim.SWEEP_COLUMNS]
    assert all(column.shape == (6,) for column in table.values())
    # The grid as the command line makes it: the last key varies fastest; SI units.
    # START + (STOP - START) i / (COUNT - 1), as the command line computes it (within rounding).
    np.testing.assert_allclose(table["i_mean"], np.repeat([100e-12, 200e-12, 300e-12], 2), rtol=1e-15)
    np.testing.assert_array_equal(table["dt"], [1e-3, 0.5e-3] * 3)
    assert all(table[name].dtype == np.float64 for name in lifsim.SWEEP_COLUMNS)
    assert np.isnan(table["theory_v_mean_final"]).all()  # a threshold: no free-membrane theory
    assert (table["theory_rate_hz"] > 0).all()


def test_counts_names_and_text_values():
    table = table_of(lifsim.sweep(vary={"n": (10, 30, 3), "crossing": "grid,bridge"}, **WHITE))
    assert table["n"].dtype == np.int64 and list(table["n"]) == [10, 10, 20, 20, 30, 30]
    assert list(table["crossing"]) == ["grid", "bridge"] * 3
    one = table_of(lifsim.sweep(vary={"seed": 3}, n=5))
    assert list(one["seed"]) == [3]
    text = table_of(lifsim.sweep(vary={"i_mean": "100pA:300pA:3"}, n=5))
    np.testing.assert_allclose(text["i_mean"], [100e-12, 200e-12, 300e-12], rtol=1e-15)


def test_each_row_is_the_run_of_its_configuration():
    config = lifsim.Config(n=300, t_ref="5 ms", **WHITE)
    table = table_of(lifsim.sweep({"tau_m": ["10 ms", "30 ms"]}, config, seed=4))
    run = lifsim.simulate(config, seed=4, tau_m="30 ms")
    assert table["rate_hz"][1] == run.analysis["rate_hz"]
    assert table["cv_isi"][1] == run.analysis["cv_isi"]
    assert table["v_var_final"][1] == run.v_var[-1]
    assert table["theory_rate_hz"][1] == run.theory["rate_hz"]
    # The varied key wins over the same keyword given alone.
    again = table_of(lifsim.sweep({"tau_m": ["10 ms", "30 ms"]}, config, seed=4, tau_m="99 ms"))
    np.testing.assert_array_equal(again["rate_hz"], table["rate_hz"])


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]

    def cell(text):
        return float(text) if text else float("nan")

    return {name: np.array([cell(row[i]) for row in body]) for i, name in enumerate(header)}


@pytest.mark.parametrize(
    ("vary", "args"),
    [
        ({"i_mean": ("100 pA", "300 pA", 3)}, ["--vary", "input.i_mean=100pA:300pA:3"]),
        (
            {"sigma_v": ["2 mV", "6 mV"], "dt": ("1 ms", "0.5 ms", 2)},
            ["--vary", "input.sigma_v=2 mV,6 mV", "--vary", "simulation.dt=1ms:0.5ms:2"],
        ),
    ],
)
def test_bit_identical_to_the_command_lines_sweep_csv(tmp_path, lifsim_cli, vary, args):
    settings = {"simulation.n": "300", "input.noise": "white", "input.sigma_v": "5 mV", "neuron.t_ref": "2 ms"}
    command = [lifsim_cli, "sweep", "--quiet", "--out", str(tmp_path), *args]
    help_text = subprocess.run([lifsim_cli, "sweep", "--help"], capture_output=True, text=True, check=True).stdout
    if "--no-plots" in help_text:
        command.append("--no-plots")
    for key, value in settings.items():
        command += ["--set", f"{key}={value}"]
    subprocess.run(command, check=True)
    cli = read_csv(tmp_path / "sweep.csv")
    table = table_of(lifsim.sweep(vary, **{key.split(".")[1]: value for key, value in settings.items()}))
    assert [name.split(".")[-1] for name in cli] == list(table)
    for (cli_name, cli_column), (name, column) in zip(cli.items(), table.items()):
        np.testing.assert_array_equal(column, cli_column, err_msg=f"{name} vs {cli_name}")


def test_fi_curve_agrees_with_siegert_theory():
    # White noise, exact integration, crossings between grid points detected: the scheme
    # converges to the Siegert rate; the remaining bias of timing a spike at the end of its
    # step is at most rate^2 dt (docs/VALIDATION.md), the rest is sampling error.
    dt = 0.05e-3
    table = table_of(
        lifsim.sweep(
            vary={"i_mean": ("50 pA", "250 pA", 3)},
            n=400,
            t_max="1.2 s",
            dt=dt,
            t_start="200 ms",
            method="exact",
            crossing="bridge",
            traces=0,
            **WHITE,
        )
    )
    rate, se, theory = table["rate_hz"], table["rate_se_hz"], table["theory_rate_hz"]
    assert (np.diff(rate) > 0).all() and (rate > 1).all(), rate
    assert (np.abs(rate - theory) <= 4.5 * se + theory**2 * dt).all(), (rate, se, theory)


@pytest.mark.parametrize(
    ("vary", "error", "words"),
    [
        ({"i_mea": [1e-10]}, ValueError, ["`i_mea`", "i_mean"]),
        ({"i_mean": ("1 ms", "2 ms", 3)}, ValueError, ['vary["i_mean"]', "1 ms", "pA", "time"]),
        ({"i_mean": ("100 pA", "200 pA")}, ValueError, ['vary["i_mean"]', "(START, STOP, COUNT)"]),
        ({"i_mean": ("100 pA", "200 pA", 0)}, ValueError, ['vary["i_mean"]', "COUNT"]),
        ({"n": [10, 2.5]}, ValueError, ['vary["n"]', "whole"]),
        ({"noise": ["white", "pink"]}, ValueError, ["noise", "pink"]),
        ({"method": ("euler", "exact", 2)}, ValueError, ['vary["method"]', "list"]),
        ({"dt": ["1 ms", "1 s"]}, ValueError, ["at dt=1", "dt", "t_max"]),
        ({"i_mean": [float("nan")]}, ValueError, ['vary["i_mean"]', "NaN"]),
        ({"i_mean": ["1:2"]}, ValueError, ['vary["i_mean"]', "1:2"]),
        ({"hist_times": [["1 ms"]]}, TypeError, ['vary["hist_times"]', "list"]),
        ({"tau_m": [{}]}, TypeError, ["tau_m", "dict"]),
        ({}, ValueError, ["vary"]),
        ([("i_mean", [1e-10])], TypeError, ["vary", "dict"]),
    ],
)
def test_bad_vary_names_the_key(vary, error, words):
    with pytest.raises(error) as info:
        lifsim.sweep(vary, n=2)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


def test_without_pandas_a_dict_of_arrays(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    table = lifsim.sweep({"i_mean": [1e-10, 2e-10]}, n=5)
    assert isinstance(table, dict) and all(isinstance(column, np.ndarray) for column in table.values())


def test_with_pandas_a_data_frame():
    pandas = pytest.importorskip("pandas")
    frame = lifsim.sweep({"i_mean": [1e-10, 2e-10]}, n=5)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["i_mean", *lifsim.SWEEP_COLUMNS] and len(frame) == 2


def test_analysis_matches_a_hand_computation_from_the_spikes():
    r = lifsim.simulate(n=300, t_max="400 ms", dt="0.5 ms", t_start="50.2 ms", t_stop="350 ms", **WHITE)
    a, dt, n = r.analysis, r.dt, r.n
    first, last = round(0.0502 / dt), min(round(0.350 / dt), len(r.t) - 1)
    assert a["window"] == (first * dt, last * dt)
    inside = (r.spike_steps > first) & (r.spike_steps <= last)
    counts = np.bincount(r.spike_neurons[inside], minlength=n)
    duration = (last - first) * dt
    assert a["rate_hz"] == pytest.approx(counts.mean() / duration, rel=1e-12)
    assert a["rate_se_hz"] == pytest.approx(counts.std(ddof=1) / np.sqrt(n) / duration, rel=1e-12)
    assert a["fano"] == pytest.approx(counts.var(ddof=1) / counts.mean(), rel=1e-12)
    intervals = np.concatenate(
        [np.diff(r.spike_steps[inside & (r.spike_neurons == i)]) * dt for i in range(n)]
    )
    assert a["isi_count"] == len(intervals)
    assert a["isi_mean_s"] == pytest.approx(intervals.mean(), rel=1e-12)
    assert a["cv_isi"] == pytest.approx(intervals.std() / intervals.mean(), rel=1e-12)
    assert set(a) == {"rate_hz", "rate_se_hz", "cv_isi", "fano", "isi_mean_s", "isi_count", "window"}


def test_undefined_statistics_are_nan():
    a = lifsim.simulate(n=1, noise="none", i_mean="100 pA").analysis  # never reaches threshold
    assert a["rate_hz"] == 0 and np.isnan(a["rate_se_hz"]) and np.isnan(a["cv_isi"]) and np.isnan(a["fano"])


def test_theory_rate_and_cv_and_the_repr():
    r = lifsim.simulate(n=200, **WHITE)
    assert r.theory["rate_hz"] > 0 and 0 < r.theory["cv_isi"] < 1
    text = repr(r)
    for word in ["n=200", f"steps={len(r.t)}", f"{len(r.spike_times)} spikes", "Hz", "theory"]:
        assert word in text, (word, text)
    free = lifsim.simulate(n=10, v_th=None, **WHITE)
    assert free.theory["rate_hz"] is None and "theory" not in repr(free)


def test_results_do_not_depend_on_the_thread_count():
    runs = [lifsim.simulate(n=1000, threads=k, method="exact", crossing="bridge", **WHITE) for k in (1, 2, 3)]
    assert [r.summary["threads"] for r in runs] == [1, 2, 3]
    for other in runs[1:]:
        for name, array in runs[0].arrays().items():
            np.testing.assert_array_equal(other.arrays()[name], array, err_msg=name)
    tables = [table_of(lifsim.sweep({"i_mean": [1e-10, 3e-10]}, n=600, threads=k, **WHITE)) for k in (1, 3)]
    for name, column in tables[0].items():
        np.testing.assert_array_equal(tables[1][name], column, err_msg=name)


@pytest.mark.parametrize("threads", [0, -2])
def test_bad_thread_counts(threads):
    with pytest.raises(ValueError, match="threads"):
        lifsim.simulate(n=2, threads=threads)
    with pytest.raises(ValueError, match="threads"):
        lifsim.sweep({"n": [2]}, threads=threads)
