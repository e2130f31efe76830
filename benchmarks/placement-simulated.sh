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
cat > "$work/config.json" <<'JSON'
{"architectures": ["MixtralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu",
 "hidden_size": 128, "intermediate_size": 256, "max_position_embeddings": 4096, "model_type": "mixtral",
 "num_attention_heads": 8, "num_experts_per_tok": 2, "num_hidden_layers": 32, "num_key_value_heads": 2,
 "num_local_experts": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null,
 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000}
JSON
# 64 prompts of BOS + 96 random ids (fixed seed, so the traces are reproducible).
awk 'BEGIN { srand(20261130); for (p = 0; p < 64; p++) { s = "{\"ids\": [1"; for (i = 0; i < 96; i++) s = s ", " int(3 + rand() * 31990); print s "]}" } }' > "$work/prompts.jsonl"

traces=()
for spec in "mixtral-like 0.6 0.3" "stress 1.0 0.6"; do
  set -- $spec
  if [ ! -f "$work/$1.jsonl" ]; then
    rm -rf "$work/$1"
    "$root/mixtral" synth --config "$work/config.json" --out "$work/$1" --routing-skew "$2" --layer-affinity "$3" --dtype f32
    "$root/mixtral" trace-routing --model "$work/$1" --prompts "$work/prompts.jsonl" --out "$work/$1.jsonl"
    "$root/mixtral" stats --trace "$work/$1.jsonl" | tail -1
  fi
  traces+=(--trace "$1=$work/$1.jsonl")
done

cd "$root"
dotnet run --project benchmarks/Mixtral.PlacementSim -c Release -- \
  --config ../shared/fixtures/mixtral-8x7b-config/config.json "${traces[@]}" --out benchmarks/results
