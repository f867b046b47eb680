"""Workload N shared by the Brunel-network peers: parameters, command line, result record.

N is Brunel (2000) model A with delta synapses, parameterised as in NEST's
example pynest/examples/brunel_delta_nest.py (NEST 3.10):

    N_E = 4*order excitatory and N_I = order inhibitory iaf_psc_delta neurons
    tau_m = 20 ms, theta = V_th = 20 mV, V_reset = 0 mV, E_L = 0 mV, t_ref = 2 ms,
    C_m = 1 pF (the example's value; without currents it has no effect), V_m(0) = 0 mV
    for every neuron (the example does not randomise it)
    every neuron receives C_E = N_E/10 excitatory and C_I = N_I/10 inhibitory
    connections; sources drawn uniformly with replacement, autapses and multapses
    allowed (NEST's fixed_indegree defaults)
    PSP jumps J = 0.1 mV (E) and -g*J (I), delay D = 1.5 ms for every connection
    external drive: independent Poisson spikes at p_rate = 1000 * eta * nu_thr * C_E
    (spikes/s) per neuron, weight J, delay D, with nu_thr = theta/(J*C_E*tau_m)
    (per ms); NEST's single poisson_generator draws an independent Poisson number of
    spikes per target and step
    dt = 0.1 ms, 1 s simulated; every spike of every neuron recorded

Defaults g = 5, eta = 2; ``--g 6 --eta 4`` gives the second (irregular) state.

Conventions used by every peer so that their records compare:
  - neuron index: 0 .. N_E-1 are excitatory, N_E .. N-1 inhibitory;
  - spike step s: the 0-based integration step in which the threshold was crossed
    (NEST stamps such a spike (s+1)*dt, Brian2 s*dt); ``--spikes-out FILE.npz``
    stores the arrays ``neuron`` and ``step`` (int32) for offline validation;
  - rates: spikes with s >= RATE_SKIP_STEPS (t >= 100 ms), divided by population size
    and (t_max - 100 ms);
  - synaptic_events: recurrent spike deliveries (external Poisson input is not
    counted). "actual": sum over spikes of the source's realised out-degree.
    "expected": spikes_E*N*C_E/N_E + spikes_I*N*C_I/N_I (mean out-degrees).
    ns_per_event = sim_s / synaptic_events * 1e9;
  - peak_rss_mb: getrusage ru_maxrss of the simulating process, in MB = 1e6 bytes.

Each peer calls :func:`main` with its ``run(args)`` function; the JSON record is
printed on stdout as one line (and appended to --jsonl FILE if given).
"""

import argparse
import json
import platform
import resource
import sys
import time

DT_MS = 0.1
T_MAX_MS = 1000.0
DELAY_MS = 1.5
TAU_M_MS = 20.0
THETA_MV = 20.0
V_RESET_MV = 0.0
E_L_MV = 0.0
V_INIT_MV = 0.0
C_M_PF = 1.0
T_REF_MS = 2.0
J_MV = 0.1
EPSILON = 0.1
RATE_SKIP_MS = 100.0
RATE_SKIP_STEPS = round(RATE_SKIP_MS / DT_MS)


def params(order, g=5.0, eta=2.0, t_max_ms=T_MAX_MS, c_e=None, c_i=None):
    """All derived constants of workload N for the given order, g and eta.

    c_e, c_i: in-degrees held fixed instead of EPSILON * N_E and EPSILON * N_I (the issue's
    order 10 000 keeps the order-2500 in-degrees 1000 and 250: 62.5 million synapses).
    The external rate eta * nu_thr * C_E does not depend on them.
    """
    n_e = 4 * order
    n_i = order
    c_e = int(EPSILON * n_e) if c_e is None else int(c_e)
    c_i = int(EPSILON * n_i) if c_i is None else int(c_i)
    nu_thr = THETA_MV / (J_MV * c_e * TAU_M_MS)    # per ms, per external input
    nu_ext = eta * nu_thr                          # per ms, per external input
    p_rate = 1000.0 * nu_ext * c_e                 # spikes/s into each neuron
    steps = round(t_max_ms / DT_MS)
    return {
        "order": order, "n_e": n_e, "n_i": n_i, "n": n_e + n_i,
        "c_e": c_e, "c_i": c_i, "synapses": (n_e + n_i) * (c_e + c_i),
        "g": g, "eta": eta, "j_mv": J_MV, "j_i_mv": -g * J_MV,
        "delay_ms": DELAY_MS, "dt_ms": DT_MS, "t_max_ms": t_max_ms, "steps": steps,
        "tau_m_ms": TAU_M_MS, "theta_mv": THETA_MV, "v_reset_mv": V_RESET_MV,
        "e_l_mv": E_L_MV, "v_init_mv": V_INIT_MV, "c_m_pf": C_M_PF, "t_ref_ms": T_REF_MS,
        "nu_thr_per_ms": nu_thr, "nu_ext_per_ms": nu_ext, "p_rate_hz": p_rate,
        "ext_mean_per_step": p_rate * DT_MS * 1e-3,
        "delay_steps": round(DELAY_MS / DT_MS), "ref_steps": round(T_REF_MS / DT_MS),
    }


def parser(description, modes=None, default_mode=None):
    """The peers' shared command line (a peer may add its own options before parsing)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--order", type=int, default=2500, help="N_E = 4*order, N_I = order")
    p.add_argument("--g", type=float, default=5.0, help="relative inhibitory strength")
    p.add_argument("--eta", type=float, default=2.0, help="external rate / threshold rate")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--t-max", type=float, default=T_MAX_MS, help="simulated time, ms")
    p.add_argument("--c-e", type=int, default=None, help="excitatory in-degree (default N_E/10)")
    p.add_argument("--c-i", type=int, default=None, help="inhibitory in-degree (default N_I/10)")
    p.add_argument("--jsonl", help="also append the record to this file")
    p.add_argument("--tag", help="free-form label stored in the record (e.g. a measurement pass)")
    p.add_argument("--spikes-out", help="write neuron/step arrays of all spikes to this .npz")
    p.add_argument("--print-params", action="store_true",
                   help="print the derived parameters as JSON and exit")
    if modes:
        p.add_argument("--mode", choices=modes, default=default_mode or modes[0])
    return p


def peak_rss_mb(who=resource.RUSAGE_SELF):
    """Peak resident set size (MB = 1e6 bytes); Linux reports ru_maxrss in KiB."""
    return resource.getrusage(who).ru_maxrss * 1024 / 1e6


def summarize(impl, args, prm, neuron, step, *, build_s, sim_s, total_s, out_degree=None,
              rss_mb=None, versions=None, **extra):
    """Build the JSON record from all spikes (0-based neuron index, 0-based step).

    out_degree: realised out-degree per neuron (length n) if the peer knows it;
    otherwise the expected out-degrees are used (events_method "expected").
    """
    import numpy as np

    neuron = np.asarray(neuron, dtype=np.int64)
    step = np.asarray(step, dtype=np.int64)
    n_e, n_i, n = prm["n_e"], prm["n_i"], prm["n"]
    is_e = neuron < n_e
    spikes_e = int(is_e.sum())
    spikes_i = int(neuron.size - spikes_e)
    late = step >= RATE_SKIP_STEPS
    window_s = (prm["steps"] - RATE_SKIP_STEPS) * prm["dt_ms"] * 1e-3
    if window_s > 0:
        rate_e = float((late & is_e).sum() / n_e / window_s)
        rate_i = float((late & ~is_e).sum() / n_i / window_s)
    else:
        rate_e = rate_i = None
    if out_degree is not None:
        events = int(np.asarray(out_degree, dtype=np.int64)[neuron].sum())
        method = "actual"
    else:
        events = int(round(spikes_e * n * prm["c_e"] / n_e + spikes_i * n * prm["c_i"] / n_i))
        method = "expected"
    vers = {"python": platform.python_version(), "numpy": np.__version__}
    vers.update(versions or {})
    rec = {
        "impl": impl, "order": prm["order"], "n": n, "c_e": prm["c_e"], "c_i": prm["c_i"],
        "threads": args.threads,
        "seed": args.seed, "g": prm["g"], "eta": prm["eta"], "t_max_ms": prm["t_max_ms"],
        "build_s": build_s, "sim_s": sim_s, "total_s": total_s,
        "spikes": int(neuron.size), "spikes_e": spikes_e, "spikes_i": spikes_i,
        "rate_e_hz": rate_e, "rate_i_hz": rate_i,
        "first_spike_step": int(step.min()) if step.size else None,
        "synaptic_events": events, "events_method": method,
        "ns_per_event": sim_s / events * 1e9 if events else None,
        "peak_rss_mb": rss_mb if rss_mb is not None else peak_rss_mb(),
        "p_rate_hz": prm["p_rate_hz"], "synapses": prm["synapses"],
        "host": platform.node(), "versions": vers,
    }
    rec.update(extra)
    if args.spikes_out:
        np.savez_compressed(args.spikes_out, neuron=neuron.astype(np.int32),
                            step=step.astype(np.int32), n_e=n_e, n_i=n_i,
                            dt_ms=prm["dt_ms"], impl=impl, seed=args.seed)
    return rec


def main(run, description, modes=None, default_mode=None, add_args=None):
    """Parse the command line, call run(args, prm) -> record, print and store it.

    add_args: optional function(parser) adding a peer's own options.
    """
    p = parser(description, modes, default_mode)
    if add_args:
        add_args(p)
    args = p.parse_args()
    prm = params(args.order, args.g, args.eta, args.t_max, args.c_e, args.c_i)
    if args.print_params:
        print(json.dumps(prm, indent=1))
        return
    t0 = time.perf_counter()
    rec = run(args, prm)
    rec["process_s"] = time.perf_counter() - t0
    rec["loadavg_1m"] = _loadavg()
    rec["tag"] = args.tag
    text = json.dumps(rec)
    print(text)
    sys.stdout.flush()
    if args.jsonl:
        with open(args.jsonl, "a") as f:
            f.write(text + "\n")


def _loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


if __name__ == "__main__":
    # python brunel_workload.py --order 2500  -> print the derived parameters
    a = parser("Print workload N's derived parameters.").parse_args()
    print(json.dumps(params(a.order, a.g, a.eta, a.t_max, a.c_e, a.c_i), indent=1))
