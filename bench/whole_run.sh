#!/usr/bin/env bash
# Whole-command time of workload W against its simulation time (issue 18): runs `lifsim run`
# with W's settings and the default outputs (traces, histograms, spike file), with and without
# figures, and prints the simulation's wall time (summary.json), the whole process's wall time,
# their ratio, the peak RSS and the output's size.
# Usage: bench/whole_run.sh LIFSIM_BINARY N THREADS [LABEL]
set -euo pipefail
bin="$1" n="$2" threads="$3" label="${4:-$(basename "$(dirname "$(dirname "$bin")")")}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
w=(--set simulation.n="$n" --set simulation.t_max=1 --set simulation.dt=0.1e-3 --set input.noise=white
   --set input.sigma_v="5 mV" --set input.i_mean="250 pA" --set neuron.t_ref="2 ms")
for plots in figures no-plots; do
  extra=(); [ "$plots" = no-plots ] && extra=(--no-plots)
  /usr/bin/time -f "%e %M" -o "$out/time" "$bin" run --quiet --out "$out/run" --threads "$threads" "${w[@]}" "${extra[@]}"
  read -r wall rss < "$out/time"
  sim=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['wall_time_s'])" "$out/run/summary.json")
  size=$(du -sm "$out/run" | cut -f1)
  python3 - "$label" "$n" "$threads" "$plots" "$sim" "$wall" "$rss" "$size" <<'PY'
import sys
label, n, threads, plots, sim, wall, rss, size = sys.argv[1:]
sim, wall = float(sim), float(wall)
print(f"| {label} | {int(float(n)):,} | {threads} | {plots} | {sim:.2f} | {wall:.2f} | {wall / sim:.2f}x | {int(rss) / 1024:.0f} | {size} |")
PY
  rm -rf "$out/run"
done
