#!/usr/bin/env bash
# `mixtral bench placement` end to end (benchmarks/results/placement-bench.md and placement-bench-gpu8.md):
# 1. A skewed synthetic model whose rows are Mixtral-8x7B's width (hidden 4096, 8 KB per row in bf16 on the wire) and
#    whose everything else is small enough for a 2-core machine: 4 layers, intermediate 32, a 1024-token vocabulary
#    (tokenizer.model cut to its first 1024 pieces, so the LM head does not swamp the step), routing skew S = 1.0,
#    inter-layer affinity 0.3 (`mixtral synth --routing-skew/--layer-affinity`).
# 2. A routing trace of it (`mixtral trace-routing`, 64 prompts of 48 random ids) for the simulator's side-by-side replay.
# 3. The real benchmark: 4 `mixtral node` processes + redis-server on loopback per plan, emulated 10 GbE on the
#    coordinator's expert calls, workload benchmarks/workloads/placement-skewed.json, plans from a warm-up run's live
#    routing statistics; the simulator calibrated on round-robin's run predicts the others.
# 4. The 8 × 24 GB GPU answer: a 32-layer routing-only model with the same skew, traced, replayed at Mixtral-8x7B's
#    real dimensions (10/25 GbE, bf16/int8, batch 1/32) with `mixtral bench placement --simulate`.
# Env: PLACEMENT_WORK (scratch folder, reused), NETWORK (default 10gbe), NAME (report name, default placement-bench),
# REPEAT (rounds alternating the plans, default 2), EMULATE_DEVICE (every node emulates that device, e.g. cpu: its
# expert calls take as long as a Mixtral-8x7B bf16 expert would there, so the nodes stop sharing this machine's cores;
# then STRATEGIES defaults to round-robin,load-balanced,replicated,load-balanced+cost,replicated+cost), STRATEGIES.
# The emulated-CPU-node run of placement-bench-cpu-nodes.md:
#   EMULATE_DEVICE=cpu NAME=placement-bench-cpu-nodes benchmarks/placement-bench.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${PLACEMENT_WORK:-$(mktemp -d)}"
network="${NETWORK:-10gbe}"
name="${NAME:-placement-bench}"
repeat="${REPEAT:-2}"
device="${EMULATE_DEVICE:-}"
emulate=()
if [ -n "$device" ]; then
  emulate=(--emulate-device "$device")
  strategies="${STRATEGIES:-round-robin,load-balanced,replicated,load-balanced+cost,replicated+cost}"
else
  strategies="${STRATEGIES:-round-robin,load-balanced,replicated,layer-affinity}"
fi
mkdir -p "$work"
mixtral="$root/mixtral"
"$mixtral" --help > /dev/null # builds the CLI once

model="$work/skewed-4096"
if [ ! -f "$model/tokenizer.model" ]; then
  cat > "$work/bench-config.json" <<'JSON'
{"architectures": ["MixtralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "head_dim": 64, "hidden_act": "silu",
 "hidden_size": 4096, "intermediate_size": 32, "max_position_embeddings": 4096, "model_type": "mixtral",
 "num_attention_heads": 4, "num_experts_per_tok": 2, "num_hidden_layers": 4, "num_key_value_heads": 1,
 "num_local_experts": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null,
 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 1024}
JSON
  rm -rf "$model"
  "$mixtral" synth --config "$work/bench-config.json" --out "$model" --routing-skew 1.0 --layer-affinity 0.3
  # Keep the tokenizer's first 1024 pieces (<unk>, <s>, </s>, the 256 byte pieces, the most frequent merges): the
  # model folder then has a tokenizer that fits its vocabulary. Top-level field 1 of the SentencePiece ModelProto is a piece.
  python3 - "$model/tokenizer.model" 1024 <<'PY'
import sys
path, keep = sys.argv[1], int(sys.argv[2])
data = open(path, 'rb').read()
def varint(b, i):
    shift = r = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << shift; shift += 7
        if c < 0x80: return r, i
out, i, pieces = bytearray(), 0, 0
while i < len(data):
    start = i
    key, i = varint(data, i)
    kind = key & 7
    if kind == 2: n, i = varint(data, i); i += n
    elif kind == 0: _, i = varint(data, i)
    elif kind == 5: i += 4
    elif kind == 1: i += 8
    else: raise SystemExit('unexpected wire type %d' % kind)
    if key >> 3 == 1:
        pieces += 1
        if pieces > keep: continue
    out += data[start:i]
open(path, 'wb').write(out)
PY
  rm -f "$model/tokenizer.json"
fi

awk 'BEGIN { srand(20261130); for (p = 0; p < 64; p++) { s = "{\"ids\": [1"; for (i = 0; i < 48; i++) s = s ", " int(3 + rand() * 1020); print s "]}" } }' > "$work/prompts-1024.jsonl"
[ -f "$work/skewed-4096.jsonl" ] || "$mixtral" trace-routing --model "$model" --prompts "$work/prompts-1024.jsonl" --out "$work/skewed-4096.jsonl"
"$mixtral" stats --trace "$work/skewed-4096.jsonl" | tail -1

cd "$root"
"$mixtral" bench placement --model "$model" --nodes 4 --strategies "$strategies" "${emulate[@]}" \
  --workload benchmarks/workloads/placement-skewed.json --network "$network" --replica-budget 0.03 \
  --trace "$work/skewed-4096.jsonl" --repeat "$repeat" --name "$name"
[ -z "$device" ] || exit 0 # the 8-GPU simulation below does not depend on the emulated device

# The 8-GPU answer at full size.
"$root/benchmarks/routing-trace-32.sh" "$work" routing-32 1.0 0.3
"$mixtral" bench placement --simulate --model ../shared/fixtures/mixtral-8x7b-config --nodes 8 \
  --strategies round-robin,load-balanced,replicated,layer-affinity,pair-affinity --trace "$work/routing-32.jsonl" \
  --network 10gbe,25gbe --dtype bf16,int8 --batch 1,32 --replica-budget 40 --memory-per-node 20 --name "$name-gpu8"
