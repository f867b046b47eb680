"""The Python API: arrays, configuration objects, files and the command line's results."""

import copy
import json
import pickle
import subprocess

import numpy as np
import pytest

import lifsim

FLOAT_ARRAYS = ["t", "v_mean", "v_var", "v_std", "activity", "rate_hz", "trace_t", "spike_times", "hist_times"]


def test_shapes_and_dtypes():
    r = lifsim.simulate(n=300, t_max="50 ms", dt="0.5 ms", traces=7, every=2, hist_bins=20)
    steps = 100
    for name in FLOAT_ARRAYS:
        assert getattr(r, name).dtype == np.float64, name
    for name in ["t", "v_mean", "v_var", "v_std", "activity", "rate_hz"]:
        assert getattr(r, name).shape == (steps,), name
    assert r.v_traces.shape == (7, 50)
    assert r.trace_t.shape == (50,)
    assert r.spike_counts.shape == (300,) and r.spike_counts.dtype == np.uint32
    spikes = int(r.spike_counts.sum())
    assert spikes > 0
    for name in ["spike_times", "spike_neurons", "spike_steps"]:
        assert getattr(r, name).shape == (spikes,), name
    assert r.spike_neurons.dtype == np.uint32 and r.spike_steps.dtype == np.uint32
    assert r.hist_times.shape == (2,)
    assert r.hist_edges.shape == (2, 21)
    assert r.hist_counts.shape == (2, 20) and r.hist_counts.dtype == np.uint64
    assert (r.hist_counts.sum(axis=1) == 300).all()
    np.testing.assert_array_equal(r.t, np.arange(steps) * 0.5e-3)
    np.testing.assert_array_equal(r.rate_hz, r.activity / 0.5e-3)
    np.testing.assert_array_equal(r.spike_times, r.spike_steps * 0.5e-3)
    assert r.v_mean[0] == -60e-3
    assert r.summary["n"] == 300 and r.summary["spikes"]["count"] == spikes
    assert set(r.theory) >= {"v_mean_final", "v_var_final"}


def test_arrays_are_writable_numpy_arrays_owned_once():
    r = lifsim.simulate(n=10)
    assert isinstance(r.v_mean, np.ndarray) and r.v_mean is r.v_mean
    assert r.v_traces.flags["C_CONTIGUOUS"]


def test_parameters_follow_the_core_keys():
    assert lifsim.PARAMETERS[:5] == ("t_max", "dt", "n", "seed", "method")
    assert {"tau_m", "v_th", "sigma_v", "hist_bins"} <= set(lifsim.PARAMETERS)
    assert len(lifsim.PARAMETERS) == len(set(lifsim.PARAMETERS))


def test_units_and_si_numbers_agree():
    a = lifsim.simulate(n=50, tau_m="10 ms", i_mean="300 pA", sigma_v="3 mV", noise="white")
    b = lifsim.simulate(n=50, tau_m=0.01, i_mean=300e-12, sigma_v=3e-3, noise="white")
    np.testing.assert_array_equal(a.v_mean, b.v_mean)
    c = lifsim.simulate(n=np.int64(50), tau_m=np.float64(0.01), i_mean=300e-12, sigma_v=3e-3, noise="white")
    np.testing.assert_array_equal(a.v_mean, c.v_mean)


def test_config_build_inspect_copy_modify():
    cfg = lifsim.Config(n=100, tau_m="10 ms", v_th=None)
    assert cfg.tau_m == 0.01 and cfg.v_th is None and cfg.n == 100
    assert 'tau_m="10 ms"' in repr(cfg) and 'v_th="none"' in repr(cfg)
    assert eval(repr(cfg), {"lifsim": lifsim}) == cfg
    other = cfg.copy(n=5)
    assert other.n == 5 and cfg.n == 100
    other.e_l = "-65 mV"
    assert other.e_l == pytest.approx(-65e-3) and cfg.e_l == pytest.approx(-60e-3)
    with pytest.raises(ValueError, match="tau_m"):
        cfg.update(n=3, tau_m="3 mV")
    assert cfg.n == 100  # all or nothing
    r = lifsim.simulate(config=cfg, n=20)
    assert r.n == 20 and cfg.n == 100
    assert r.config.tau_m == 0.01 and r.config.v_th is None


def test_config_copies_and_pickles():
    cfg = lifsim.Config(n=7, v_th=None, hist_times=["2 ms"])
    for other in [copy.copy(cfg), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))]:
        assert other == cfg and other is not cfg
        other.n = 8
        assert cfg.n == 7


def test_toml_round_trip_and_load_config(tmp_path):
    cfg = lifsim.Config(n=42, noise="ou", tau_noise="3 ms", hist_times=["5 ms", "100 ms"])
    assert lifsim.Config.from_toml(cfg.to_toml()) == cfg
    path = tmp_path / "my.toml"
    path.write_text('[simulation]\nn = 12\n[neuron]\ntau_m = "15 ms"\n')
    loaded = lifsim.load_config(path)
    assert loaded.n == 12 and loaded.tau_m == pytest.approx(15e-3)
    with pytest.raises(ValueError, match="tau"):
        lifsim.Config.from_toml("[neuron]\ntau = 1\n")


def test_save_and_load_round_trip(tmp_path):
    r = lifsim.simulate(n=200, traces=5, every=3)
    r.save(tmp_path / "run")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [
        ".lifsim-run.json",
        "results.npz",
        "spikes.csv",
        "summary.json",
    ]
    back = lifsim.load(tmp_path / "run")
    assert back.arrays().keys() == r.arrays().keys()
    for name, array in r.arrays().items():
        assert back.arrays()[name].dtype == array.dtype, name
        np.testing.assert_array_equal(back.arrays()[name], array, err_msg=name)
    assert back.summary == r.summary
    back.save(tmp_path / "again")
    assert (tmp_path / "again" / "spikes.csv").read_text() == (tmp_path / "run" / "spikes.csv").read_text()


def test_precise_spike_times_are_off_the_grid_and_survive_save(tmp_path):
    r = lifsim.simulate(n=100, noise="white", method="exact", crossing="precise", t_ref="2 ms", dt="0.5 ms")
    assert len(r.spike_times) > 100
    dt = 0.5e-3
    # Each spike lies in the step that holds it, almost never on a grid point.
    assert ((r.spike_steps - 1) * dt <= r.spike_times + 1e-15).all()
    assert (r.spike_times <= r.spike_steps * dt + 1e-15).all()
    assert (r.spike_times != r.spike_steps * dt).mean() > 0.9
    r.save(tmp_path / "run")
    back = lifsim.load(tmp_path / "run")
    np.testing.assert_array_equal(back.spike_times, r.spike_times)
    back.save(tmp_path / "again")
    assert (tmp_path / "again" / "spikes.csv").read_text() == (tmp_path / "run" / "spikes.csv").read_text()
    with pytest.raises(ValueError, match="crossing = \"precise\" is invalid"):
        lifsim.simulate(n=10, noise="white", crossing="precise")


@pytest.mark.parametrize(
    "params",
    [
        ["simulation.n=400", "simulation.seed=7"],
        ["simulation.n=300", "input.noise=white", "input.sigma_v=4 mV", "neuron.v_th=none", "simulation.method=exact"],
        [
            "simulation.n=257",
            "input.noise=ou",
            "input.tau_noise=3 ms",
            "input.kind=sine",
            "input.amplitude=100 pA",
            "record.traces=3",
            "record.every=2",
        ],
    ],
)
def test_bit_identical_to_the_command_line(tmp_path, lifsim_cli, params):
    out = tmp_path / "cli"
    args = [lifsim_cli, "run", "--quiet", "--out", str(out)]
    for p in params:
        args += ["--set", p]
    subprocess.run(args, check=True)
    # The Python keyword is the configuration key without its section.
    kwargs = dict(p.split(".", 1)[1].split("=", 1) for p in params)
    result = lifsim.simulate(**kwargs)
    with np.load(out / "results.npz") as cli:
        assert sorted(cli.files) == sorted(result.arrays())
        for name in cli.files:
            assert cli[name].dtype == result.arrays()[name].dtype, name
            np.testing.assert_array_equal(cli[name], result.arrays()[name], err_msg=name)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["config"] == result.summary["config"]
    assert summary["theory"] == result.summary["theory"]


@pytest.mark.parametrize("method", ["euler", "exact"])
def test_free_membrane_moments_agree_with_theory(method):
    n = 20000
    r = lifsim.simulate(n=n, noise="white", sigma_v="4 mV", v_th=None, method=method, seed=11, traces=0)
    mean, var = r.theory["v_mean_final"], r.theory["v_var_final"]
    # Gaussian ensemble: SE of the mean sqrt(var/n), of the sample variance var sqrt(2/(n-1)).
    assert abs(r.v_mean[-1] - mean) < 5 * np.sqrt(var / n)
    assert abs(r.v_var[-1] - var) < 5 * var * np.sqrt(2 / (n - 1))
    theory_mean, theory_var = r.free_membrane_moments()
    assert theory_mean[-1] == mean and theory_var[-1] == var
    k = len(r.t) // 10
    assert abs(r.v_mean[k] - theory_mean[k]) < 5 * np.sqrt(theory_var[k] / n)


def test_plots_return_axes():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.axes import Axes

    free = lifsim.simulate(n=500, noise="white", v_th=None)
    assert isinstance(free.plot_voltage(), Axes)
    ax = free.plot_histograms()
    assert isinstance(ax, Axes) and any("theory" in line.get_label() for line in ax.get_lines())
    spiking = lifsim.simulate(n=100)
    raster, rate = spiking.plot_raster()
    assert isinstance(raster, Axes) and rate.get_ylabel() == "rate (Hz)"
    assert any(line.get_linestyle() == "--" for line in spiking.plot_voltage().get_lines())
    matplotlib.pyplot.close("all")


def test_summary_timings_split_the_wall_time_into_setup_and_simulation():
    cfg = lifsim.brunel2000(order=50, t_max="20 ms")
    r = lifsim.simulate(config=cfg)
    timings = r.summary["timings"]
    assert timings["setup_s"] >= 0 and timings["simulation_s"] >= 0
    assert abs(timings["setup_s"] + timings["simulation_s"] - r.summary["wall_time_s"]) <= 1e-12
