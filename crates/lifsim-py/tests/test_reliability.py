"""Reliability from Python: runs that cannot fit raise MemoryError before allocating (and the
interpreter survives), values are read exactly or refused naming the keyword, and the run
options are checked with the keyword named."""

import pytest

import lifsim


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"t_max": "20 ks"}, "t_max"),
        ({"n": 20_000_000, "t_max": "1 s"}, "simulation.n"),
        ({"dt": "0.25 ns", "method": "exact"}, "record.traces"),
        ({"traces": 20_000, "n": 20_000, "t_max": "100 s"}, "record.traces"),
        ({"hist_times": ["10 ms"] * 5000, "hist_bins": 100_000}, "record.hist_bins"),
    ],
)
def test_a_run_that_cannot_fit_raises_memory_error_and_python_survives(params, key):
    with pytest.raises(MemoryError) as info:
        lifsim.simulate(max_memory="16GB", **params)
    message = str(info.value)
    assert key in message and "16.0 GB available" in message, message
    # The interpreter is alive and the next run works.
    assert lifsim.simulate(n=5).n == 5


def test_no_machine_has_memory_for_four_billion_neurons():
    with pytest.raises(MemoryError, match="simulation.n"):
        lifsim.simulate(n=4_294_967_295)


def test_a_sweep_counts_its_points_before_it_runs():
    with pytest.raises(ValueError, match="COUNT from 1 to 1000000"):
        lifsim.sweep({"i_mean": ("100 pA", "400 pA", 1_000_000_000)})
    with pytest.raises(MemoryError, match="points"):
        lifsim.sweep({"i_mean": ("100 pA", "400 pA", 1_000_000), "tau_m": ("10 ms", "20 ms", 1_000_000)})


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"t_ref": "1e2147483647 ks"}, "t_ref"),
        ({"i_mean": "1e2147483645 GA"}, "i_mean"),
        ({"t_max": "1e2147483647 ks"}, "t_max"),
        ({"tau_m": "1e-400 s"}, "tau_m"),
    ],
)
def test_exponents_that_overflow_are_refused(params, key):
    with pytest.raises(ValueError) as info:
        lifsim.simulate(**params)
    assert f"{key} =" in str(info.value) and "64-bit float" in str(info.value), str(info.value)


def test_a_drive_that_overflows_is_refused():
    with pytest.raises(ValueError, match="i_mean"):
        lifsim.simulate(i_mean="1e300 A", method="exact")


def test_a_huge_value_is_echoed_as_an_excerpt():
    with pytest.raises(ValueError) as info:
        lifsim.simulate(tau_m="9" * 1_000_000)
    assert len(str(info.value)) < 600 and "characters" in str(info.value)


@pytest.mark.parametrize("threads", [1.5, "2", True, [2]])
def test_threads_of_a_wrong_type_name_threads(threads):
    with pytest.raises(TypeError, match="threads"):
        lifsim.simulate(n=5, threads=threads)


@pytest.mark.parametrize("threads", [0, -1, 100_000])
def test_threads_out_of_range_name_threads(threads):
    with pytest.raises(ValueError, match="threads = .* from 1 to"):
        lifsim.simulate(n=5, threads=threads)


def test_max_memory_is_checked():
    with pytest.raises(ValueError, match="max_memory"):
        lifsim.simulate(n=5, max_memory="lots")
    with pytest.raises(TypeError, match="max_memory"):
        lifsim.simulate(n=5, max_memory=1.5)


def test_the_largest_seed_is_a_seed_and_reads_back_exactly():
    r = lifsim.simulate(n=5, seed=2**64 - 1)
    assert r.summary["seed"] == 2**64 - 1
    assert lifsim.Config(seed=2**64 - 1).seed == 2**64 - 1
    with pytest.raises(ValueError, match="seed"):
        lifsim.simulate(n=5, seed=2**64)


@pytest.mark.parametrize("n", [-1, 0, 2**32, 2.5])
def test_bad_n_always_says_the_same_valid_range(n):
    with pytest.raises(ValueError, match="from 1 to 4294967295"):
        lifsim.simulate(n=n)
