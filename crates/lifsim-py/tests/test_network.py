"""Networks from Python: the Brunel builder, populations and connections on a Config, the
Result's populations, thread invariance, saving and loading, and sweeps of network keys."""

import numpy as np
import pytest

import lifsim


def small(**params):
    """Brunel's network at order 100 (400 + 100 neurons), 300 ms unless given."""
    return lifsim.brunel2000(**{"order": 100, "t_max": "300 ms", **params})


def test_brunel_builder_has_the_papers_structure():
    cfg = lifsim.brunel2000()
    assert cfg.populations == ("E", "I")
    assert cfg.connections == ("E->E", "E->I", "I->E", "I->I")
    assert cfg.v_reset == pytest.approx(10e-3) and cfg.t_ref == pytest.approx(2e-3)
    # External rate eta nu_thr C_E with nu_thr = theta / (J C_E tau) = 10 Hz: 20 kHz.
    assert cfg.rate_e == pytest.approx(20e3)
    assert "in_degree=1000" in repr(cfg) and 'weight="-500 uV"' in repr(cfg)
    nest = lifsim.brunel2000(v_reset="0 mV", g=6, eta=4)
    assert nest.v_reset == 0.0 and nest.rate_e == pytest.approx(40e3)
    with pytest.raises(ValueError, match="order"):
        lifsim.brunel2000(order=0)


def test_repr_evaluates_back_to_an_equal_network():
    cfg = small().add_population("X", 3, t_ref="1 ms").connect("X", "E", probability=0.5, weight="0.2 mV", name="extra")
    again = eval(repr(cfg), {"lifsim": lifsim})
    assert again == cfg
    assert lifsim.Config.from_toml(cfg.to_toml()) == cfg


def test_a_network_run_has_populations_with_their_mean_field():
    r = lifsim.simulate(config=small(seed=3))
    pops = r.populations
    assert list(pops) == ["E", "I"]
    assert (pops["E"]["n"], pops["I"]["n"], pops["I"]["first"]) == (400, 100, 400)
    assert pops["E"]["activity"].shape == r.t.shape
    for name, pop in pops.items():
        spikes = np.sum((r.spike_neurons >= pop["first"]) & (r.spike_neurons < pop["first"] + pop["n"]))
        assert pop["activity"].sum() * pop["n"] == pytest.approx(spikes), name
        assert pop["analysis"]["rate_hz"] > 1.0 and pop["theory"]["rate_hz"] > 1.0
    assert list(r.arrays()["population_names"]) == ["E", "I"]
    assert r.config == small(seed=3)


def test_network_results_do_not_depend_on_threads():
    one = lifsim.simulate(config=small(), threads=1)
    two = lifsim.simulate(config=small(), threads=2)
    for name, array in one.arrays().items():
        assert np.array_equal(array, two.arrays()[name]), name


def test_a_saved_network_loads_back(tmp_path):
    r = lifsim.simulate(config=small())
    r.save(tmp_path / "run")
    back = lifsim.load(tmp_path / "run")
    assert list(back.populations) == ["E", "I"]
    assert np.array_equal(back.populations["I"]["activity"], r.populations["I"]["activity"])
    assert np.array_equal(back.spike_neurons, r.spike_neurons)


def test_network_keys_sweep_together():
    table = lifsim.sweep(
        {"connection.I->E.weight+connection.I->I.weight": ["-0.3 mV", "-0.7 mV"]},
        config=small(t_max="200 ms"),
    )
    rates = np.asarray(table["rate_hz"])
    assert rates[0] > rates[1], "more inhibition, lower rates"


def test_wrong_networks_raise_naming_the_key():
    with pytest.raises(ValueError, match="population.X"):
        small().set("population.X.n", 3)
    with pytest.raises(ValueError, match="connection.E->X.to"):
        lifsim.simulate(config=small().connect("E", "X", in_degree=1))
    with pytest.raises(ValueError, match="only neuron and input"):
        small().add_population("Y", 3, dt="1 ms")
