#!/usr/bin/env bash
# Workload W (bench/RESULTS.md) through the lifsim CLI: prints ns per neuron-step (simulation
# only, from summary.json's wall_time_s), the simulation's wall time, the whole command's CPU
# time (user + sys, all threads) per neuron-step, which moves much less than wall time when
# other work shares the machine, and the command's peak RSS.
# Usage: bench/lifsim_bench.sh [binary] ; SIZES="1000 10000" THREADS="1 2" REPEATS=3 override.
set -euo pipefail
bin=${1:-target/release/lifsim}
sizes=${SIZES:-"1000 10000 100000 1000000"}
threads=${THREADS:-"1 2"}
repeats=${REPEATS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-8s %-8s %-7s %-12s %-10s %-14s %-10s\n' n threads repeat ns_per_nstep sim_s cpu_ns_nstep rss_MiB
for rep in $(seq 1 "$repeats"); do
  for n in $sizes; do
    for t in $threads; do
      /usr/bin/time -f '%M %U %S' -o "$out/time" "$bin" run --quiet --no-plots --out "$out/run" --threads "$t" \
        --set simulation.n="$n" --set simulation.t_max=1 --set simulation.dt=0.1e-3 \
        --set input.noise=white --set input.sigma_v="5 mV" --set input.i_mean="250 pA" \
        --set neuron.t_ref="2 ms" --set record.traces=0 --set 'record.hist_times=[]'
      read -r rss_kb user sys < "$out/time"
      python3 - "$out/run/summary.json" "$n" "$t" "$rep" "$rss_kb" "$user" "$sys" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n, t, rep, rss = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
cpu = float(sys.argv[6]) + float(sys.argv[7])
steps = n * s["steps"]
wall = s["wall_time_s"]
print(f"{n:<8} {t:<8} {rep:<7} {wall * 1e9 / steps:<12.3f} {wall:<10.3f} {cpu * 1e9 / steps:<14.3f} {rss / 1024:<10.1f}")
PY
    done
  done
done
