"""Network builders: Brunel's (2000) model A of excitatory and inhibitory LIF neurons."""

from __future__ import annotations

from typing import Any

from ._config import Config


def brunel2000(
    g: float = 5.0,
    eta: float = 2.0,
    order: int = 2500,
    j: Any = "0.1 mV",
    delay: Any = "1.5 ms",
    epsilon: float = 0.1,
    v_reset: Any = "10 mV",
    v_th: Any = "20 mV",
    tau_m: Any = "20 ms",
    t_ref: Any = "2 ms",
    dt: Any = "0.1 ms",
    t_max: Any = "1 s",
    **params: Any,
) -> Config:
    """Brunel (2000) model A as a :class:`Config`: ``4 order`` excitatory and ``order``
    inhibitory LIF neurons with delta synapses (a spike makes the target's V jump by ``j``,
    ``-g j`` from inhibitory neurons, after ``delay``), each receiving ``epsilon`` times each
    population's size as a fixed in-degree, and external Poisson input at ``eta nu_thr`` on
    each of its ``C_E`` external synapses (total rate ``eta nu_thr C_E``, weight ``j``), with
    ``nu_thr = v_th / (j C_E tau_m)``.

    The defaults are the paper's (J Comput Neurosci 8:183, Fig. 8: ``N_E = 10 000``,
    ``N_I = 2 500``, ``V_r = 10 mV``, ``t_ref = 2 ms``, ``D = 1.5 ms``); NEST's example
    ``brunel_delta_nest.py`` uses ``v_reset="0 mV"``. ``E_L = 0`` and V starts at 0; the
    exact integration of ``iaf_psc_delta`` is used. Other keywords set further keys (``seed``,
    ``n``-independent ones such as ``t_start``).

    >>> cfg = brunel2000(order=500)
    >>> cfg.populations, cfg.connections
    (('E', 'I'), ('E->E', 'E->I', 'I->E', 'I->I'))
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order = {order!r} is invalid: expected a whole number >= 1")
    # The core reads the units: J, theta and tau_m in SI.
    units = Config(weight_e=j, v_th=v_th, tau_m=tau_m)
    j_v, theta, tau = units.weight_e, units.v_th, units.tau_m
    n_e, n_i = 4 * order, order
    c_e, c_i = max(1, round(epsilon * n_e)), max(1, round(epsilon * n_i))
    nu_thr = theta / (j_v * c_e * tau)
    config = Config(
        dt=dt,
        t_max=t_max,
        method="exact",
        e_l=0.0,
        v_init=0.0,
        v_reset=v_reset,
        v_th=v_th,
        tau_m=tau_m,
        t_ref=t_ref,
        i_mean=0.0,
        noise="poisson",
        rate_e=eta * nu_thr * c_e,
        weight_e=j_v,
        rate_i=0.0,
        traces=10,
        hist_times=[],
        **params,
    )
    config.add_population("E", n_e).add_population("I", n_i)
    for source, k, w in (("E", c_e, j_v), ("I", c_i, -g * j_v)):
        for target in ("E", "I"):
            config.connect(source, target, in_degree=k, weight=w, delay=delay)
    return config
