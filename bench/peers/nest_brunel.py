"""NEST version of workload N (Brunel 2000 model A, delta synapses), as brunel_delta_nest.py.

Network: iaf_psc_delta populations E (N_E) and I (N_I) with the example's neuron
parameters, one poisson_generator (rate p_rate) connected to every neuron through
the "excitatory" static synapse (weight J, delay 1.5 ms: the generator draws an
independent Poisson count per target and step, so one device serves all neurons),
E -> all and I -> all with rule fixed_indegree (C_E resp. C_I; autapses and
multapses allowed, NEST's defaults), weights J and -g*J, delay 1.5 ms. Unlike the
example (50 neurons per population) one spike_recorder records every neuron.

Step semantics (models/iaf_psc_delta.cpp, NEST 3.10), per step of h = 0.1 ms:
  if not refractory: V = P33*V + (sum of PSP jumps arriving this step)
  else: arriving jumps are discarded, the refractory counter decreases
  if V >= V_th: spike, V = V_reset, refractory for the next t_ref/h = 20 steps
A spike in step s is stamped (s+1)*h and its jumps are added in step s + 15.
The external input therefore starts in step 15 (the generator's delay).

Timing: build_s runs from the first nest.Create to the end of nest.Prepare()
(which builds the connection infrastructure; nest.Simulate would do it inside
its own time); connect_s is the two recurrent nest.Connect calls, prepare_s the
Prepare call. sim_s is nest.Run(t_max) alone (sim_cpu_s its process CPU time,
all threads); nest.Cleanup() is not timed.
NEST's example reports Create..Connect as its "building time" and
Prepare+Run+Cleanup (Simulate) as its "simulation time": those are
build_s - prepare_s and prepare_s + sim_s here.

Large networks: NEST allows at most 134217726 connections per synapse model and
virtual process, so at order 10000 (200 M E connections) with one thread the E
targets are connected in parts with copies of the "excitatory" model
(e_connect_parts in the record).

Random numbers: rng_seed = --seed; NEST draws from one stream per virtual process
(= thread here), so the same seed gives a different network and input for a
different --threads.

synaptic_events: "actual" realised out-degrees (from GetConnections, after the
timed part and after peak RSS is read) for networks of at most --degree-limit
synapses (default 1e6: reading 15.6 M connections through GetConnections did
not finish in 14 min here), else "expected". At order 500 the two differ by 1e-5.
"""

import math
import os
import time

import numpy as np

from brunel_workload import main, peak_rss_mb, summarize

E_PART_LIMIT = 120_000_000      # E connections per synapse model and thread (NEST: < 134217726)


def run(args, prm):
    os.environ.setdefault("PYNEST_QUIET", "1")    # no banner on stdout
    import nest

    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": prm["dt_ms"], "local_num_threads": args.threads,
                          "rng_seed": args.seed, "print_time": False})
    neuron_params = {"C_m": prm["c_m_pf"], "tau_m": prm["tau_m_ms"], "t_ref": prm["t_ref_ms"],
                     "E_L": prm["e_l_mv"], "V_reset": prm["v_reset_mv"],
                     "V_m": prm["v_init_mv"], "V_th": prm["theta_mv"]}

    t0 = time.perf_counter()
    nodes_e = nest.Create("iaf_psc_delta", prm["n_e"], params=neuron_params)
    nodes_i = nest.Create("iaf_psc_delta", prm["n_i"], params=neuron_params)
    nodes = nodes_e + nodes_i
    noise = nest.Create("poisson_generator", params={"rate": prm["p_rate_hz"]})
    recorder = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory",
                   {"weight": prm["j_mv"], "delay": prm["delay_ms"]})
    nest.CopyModel("static_synapse", "inhibitory",
                   {"weight": prm["j_i_mv"], "delay": prm["delay_ms"]})
    nest.Connect(noise, nodes, syn_spec="excitatory")
    nest.Connect(nodes, recorder)
    t_conn = time.perf_counter()
    # NEST counts connections per synapse model and virtual process and stops at
    # MAX_LCID - 1 (134217726); beyond that the E targets are split into parts, each
    # with its own copy of the "excitatory" model (same rule, same statistics).
    parts = math.ceil(prm["n"] * prm["c_e"] / args.threads / E_PART_LIMIT)
    bounds = np.linspace(0, prm["n"], parts + 1).round().astype(int)
    for k in range(parts):
        model = "excitatory"
        if parts > 1:
            model = f"excitatory_{k}"
            nest.CopyModel("excitatory", model)
        nest.Connect(nodes_e, nodes[int(bounds[k]):int(bounds[k + 1])],
                     {"rule": "fixed_indegree", "indegree": prm["c_e"],
                      "allow_autapses": True, "allow_multapses": True}, model)
    nest.Connect(nodes_i, nodes, {"rule": "fixed_indegree", "indegree": prm["c_i"],
                                  "allow_autapses": True, "allow_multapses": True},
                 "inhibitory")
    t_prep = time.perf_counter()
    nest.Prepare()
    t_run, c_run = time.perf_counter(), time.process_time()
    nest.Run(prm["t_max_ms"])
    t_end, c_end = time.perf_counter(), time.process_time()
    nest.Cleanup()

    events = recorder.get("events")
    first_id = nodes[0].global_id
    neuron = np.asarray(events["senders"], dtype=np.int64) - first_id
    step = np.rint(np.asarray(events["times"]) / prm["dt_ms"]).astype(np.int64) - 1
    rss = peak_rss_mb()

    n_syn = nest.GetDefaults("inhibitory")["num_connections"] + sum(
        nest.GetDefaults(m)["num_connections"]
        for m in ["excitatory"] + [f"excitatory_{k}" for k in range(parts) if parts > 1])
    out_degree = None
    if n_syn <= args.degree_limit:
        sources = np.asarray(nest.GetConnections(source=nodes, target=nodes).get("source"))
        out_degree = np.bincount(sources - first_id, minlength=prm["n"])

    return summarize(
        "nest", args, prm, neuron, step,
        build_s=t_run - t0, sim_s=t_end - t_run, total_s=t_end - t0,
        out_degree=out_degree, rss_mb=rss, versions={"nest": nest.__version__},
        sim_cpu_s=c_end - c_run, connect_s=t_prep - t_conn, prepare_s=t_run - t_prep,
        example_build_s=t_prep - t0, example_sim_s=t_end - t_prep,
        recurrent_synapses=int(n_syn) - prm["n"],   # minus the generator's connections
        e_connect_parts=parts,
        threads_used=int(nest.GetKernelStatus("local_num_threads")))


def _add_args(p):
    p.add_argument("--degree-limit", type=int, default=1_000_000,
                   help="read realised out-degrees only up to this many synapses")


if __name__ == "__main__":
    main(run, __doc__.splitlines()[0], add_args=_add_args)
