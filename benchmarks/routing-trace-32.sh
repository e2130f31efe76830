#!/usr/bin/env bash
# A 32-layer routing trace for the simulator at Mixtral-8x7B's real depth, shared by placement-bench.sh and
# placement-simulated.sh: synthesises a routing-only stand-in (hidden 128, intermediate 256: routing needs the layer
# count, not the width; 32000-token vocabulary) with skewed routing, then traces 64 prompts × 96 random token ids
# (fixed seed, so the trace is reproducible) through it with `mixtral trace-routing` (real forward passes).
# Usage: benchmarks/routing-trace-32.sh WORK NAME SKEW AFFINITY   -> WORK/NAME.jsonl (kept if it already exists)
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 WORK NAME SKEW AFFINITY" >&2; exit 2; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work=$1 name=$2 skew=$3 affinity=$4
[ -f "$work/$name.jsonl" ] && exit 0
mkdir -p "$work"
cat > "$work/routing-config.json" <<'JSON'
{"architectures": ["MixtralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu",
 "hidden_size": 128, "intermediate_size": 256, "max_position_embeddings": 4096, "model_type": "mixtral",
 "num_attention_heads": 8, "num_experts_per_tok": 2, "num_hidden_layers": 32, "num_key_value_heads": 2,
 "num_local_experts": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null,
 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32000}
JSON
awk 'BEGIN { srand(20261130); for (p = 0; p < 64; p++) { s = "{\"ids\": [1"; for (i = 0; i < 96; i++) s = s ", " int(3 + rand() * 31990); print s "]}" } }' > "$work/prompts-32000.jsonl"
rm -rf "${work:?}/$name"
"$root/mixtral" synth --config "$work/routing-config.json" --out "$work/$name" --routing-skew "$skew" --layer-affinity "$affinity" --dtype f32
"$root/mixtral" trace-routing --model "$work/$name" --prompts "$work/prompts-32000.jsonl" --out "$work/$name.jsonl"
"$root/mixtral" stats --trace "$work/$name.jsonl" | tail -1
