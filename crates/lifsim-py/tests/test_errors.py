"""Every bad input raises the right exception, naming the parameter."""

import pytest

import lifsim


@pytest.mark.parametrize(
    ("params", "error", "words"),
    [
        ({"tau": "10 ms"}, ValueError, ["`tau`", "tau_m"]),
        ({"tau_m": "10 mV"}, ValueError, ["tau_m", "10 mV", "time"]),
        ({"r_m": "100 uohm", "i_mean": "2 A"}, None, []),
        ({"i_mean": "250 pV"}, ValueError, ["i_mean", "250 pV", "current"]),
        ({"dt": float("nan")}, ValueError, ["dt", "NaN"]),
        ({"tau_m": float("inf")}, ValueError, ["tau_m"]),
        ({"dt": 0}, ValueError, ["dt", "positive"]),
        ({"dt": "-1 ms"}, ValueError, ["dt", "positive"]),
        ({"v_th": "-80 mV"}, ValueError, ["v_th", "-80 mV", "v_reset"]),
        ({"n": 0}, ValueError, ["n", "0"]),
        ({"n": 2.5}, ValueError, ["n"]),
        ({"noise": "pink"}, ValueError, ["noise", "pink", "white"]),
        ({"tau_m": {}}, TypeError, ["tau_m", "dict"]),
        ({"sigma_v": object()}, TypeError, ["sigma_v", "object"]),
        ({"hist_times": ["1 ms", {"a": 1}]}, TypeError, ["hist_times"]),
    ],
)
def test_bad_input_names_the_parameter(params, error, words):
    if error is None:  # valid units, odd values: a run, not an error
        lifsim.simulate(n=2, **params)
        return
    with pytest.raises(error) as info:
        lifsim.simulate(n=2, **params) if "n" not in params else lifsim.simulate(**params)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


def test_config_rejects_unknown_attributes_and_wrong_config_types():
    cfg = lifsim.Config()
    with pytest.raises(ValueError, match="unknown parameter `taum`; did you mean `tau_m`"):
        cfg.taum = 1
    with pytest.raises(AttributeError):
        cfg.nothing  # noqa: B018
    with pytest.raises(TypeError, match="config"):
        lifsim.simulate(config={"n": 3})


def test_no_panic_reaches_python_for_extreme_values():
    for params in [{"t_max": 1e300}, {"hist_bins": 0}, {"n": 2**40}, {"every": 0}, {"seed": -1}]:
        with pytest.raises((ValueError, TypeError)):
            lifsim.simulate(**params)
