#!/usr/bin/env bash
# Placement strategies on a simulated cluster at full Mixtral-8x7B size (benchmarks/results/placement-simulated.md).
# 1. Synthesise two 32-layer routing-only stand-ins (hidden 128: routing needs the layer count, not the width) with
#    skewed routing: Mixtral-like (S = 0.6, affinity 0.3) and a stress case (S = 1.0, affinity 0.6).
# 2. Trace 64 prompts × 96 random token ids through each with `mixtral trace-routing` (real forward passes).
# 3. Replay the traces through every strategy's plan for the real 8x7B dimensions (8 GPUs on 10/25 GbE, bf16/int8,
#    batch 1/32; and 4 CPU nodes for contrast) and write the report and plot.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${PLACEMENT_WORK:-$(mktemp -d)}"
mkdir -p "$work"
traces=()
for spec in "mixtral-like 0.6 0.3" "stress 1.0 0.6"; do
  set -- $spec
  "$root/benchmarks/routing-trace-32.sh" "$work" "$1" "$2" "$3"
  traces+=(--trace "$1=$work/$1.jsonl")
done

cd "$root"
dotnet run --project benchmarks/Mixtral.PlacementSim -c Release -- \
  --config ../shared/fixtures/mixtral-8x7b-config/config.json "${traces[@]}" --out benchmarks/results
