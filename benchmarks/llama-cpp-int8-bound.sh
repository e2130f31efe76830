#!/usr/bin/env bash
# Issue 10's bound, llama.cpp as an independent oracle: on the same `mid` model and the same token sequences, how far
# llama.cpp's own 8-bit (and 16-bit) GGUFs move the logits from its float32 GGUF, next to ours (Mixtral.Bench int8-bound).
#   1. reuses benchmarks/llama-cpp-side-by-side.sh's llama.cpp build and GGUFs (F32 from `Mixtral.Bench export-gguf`;
#      F16, Q8_0, Q4_K_M from llama-quantize); run that script first (or point WORK at where it left them);
#   2. makes an experts-only Q8_0 GGUF, the like-for-like of our int8: llama-quantize Q8_0 --pure with every tensor but
#      ffn_{gate,up,down}_exps kept f32 (--tensor-type attn_=f32, --token-embedding-type f32, --output-tensor-type f32;
#      norms and routers are never quantized);
#   3. writes the sequences (each fixture prompt + Hugging Face's 24 greedy tokens, from the fixture's reference.json),
#      builds benchmarks/llama-cpp/logits-error.c against llama.cpp and measures each GGUF against F32;
#   4. runs `Mixtral.Bench int8-bound` on the fixture and the mid model with those results: benchmarks/results/int8-bound.md.
# Usage: benchmarks/llama-cpp-int8-bound.sh   (env: ISA=native|avx2, THREADS=2, WORK=.artifacts/llama-cpp, MODEL=<mid folder>,
#        BITS="8 9 10 11 12 13 14 16", NOISE="8 9 10 11 12 13", SEEDS=4)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
isa="${ISA:-native}"
work="${WORK:-$root/.artifacts/llama-cpp}"
model="${MODEL:-$work/mid}"
threads="${THREADS:-2}"
build="$work/llama.cpp/build-$isa"
gguf="$work/gguf"
fixture="$root/../shared/fixtures/tiny-mixtral"
say() { echo "[llama-cpp-int8-bound] $*" >&2; }

for f in f32 f16 q8_0 q4_k_m; do
  [ -f "$gguf/$f.gguf" ] || { say "no $gguf/$f.gguf: run benchmarks/llama-cpp-side-by-side.sh first (same WORK, ISA)"; exit 1; }
done
experts="$work/q8_0-experts.gguf"
if [ ! -f "$experts" ]; then
  say "quantizing the experts only to Q8_0..."
  "$build/bin/llama-quantize" --pure --tensor-type attn_=f32 --token-embedding-type f32 --output-tensor-type f32 \
    "$gguf/f32.gguf" "$experts" Q8_0 "$threads" >"$work/q8_0-experts.log" 2>&1
fi

sequences="$work/fixture-sequences.txt"
python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["prompts"]: print(",".join(map(str, p["input_ids"] + p["greedy_tokens"])))
' "$fixture/reference/reference.json" >"$sequences"

gcc -O2 -Wall benchmarks/llama-cpp/logits-error.c -I"$work/llama.cpp/include" -I"$work/llama.cpp/ggml/include" -L"$build/bin" -lllama -lm \
  -Wl,-rpath,"$build/bin" -o "$work/logits-error-$isa"
results="$work/int8-bound-llama-cpp.tsv"
: >"$results"
measure() { # label, GGUF
  say "$1..."
  printf '%s\t%s\n' "$1" "$("$work/logits-error-$isa" "$gguf/f32.gguf" "$2" "$sequences" "$threads" | head -1)" >>"$results"
}
measure "F32 (itself: the measurement's zero)" "$gguf/f32.gguf"
measure "Q8_0 experts only (ffn_{gate,up,down}_exps q8_0, every other tensor f32): like our int8" "$experts"
measure "Q8_0, every matrix (llama-quantize Q8_0)" "$gguf/q8_0.gguf"
measure "F16, every matrix (llama-quantize F16)" "$gguf/f16.gguf"
measure "Q4_K_M (llama-quantize Q4_K_M)" "$gguf/q4_k_m.gguf"
cat "$results" >&2

say "running Mixtral.Bench int8-bound..."
# shellcheck disable=SC2086
dotnet run -c Release --project benchmarks/Mixtral.Bench -- int8-bound --model "$fixture" --model "$model" --bits ${BITS:-8 9 10 11 12 13 14 16} \
  --noise-bits ${NOISE:-8 9 10 11 12 13} --seeds "${SEEDS:-4}" --threads "$threads" --llama-cpp "$results" --out benchmarks/results --name int8-bound \
  --note "Run by \`benchmarks/llama-cpp-int8-bound.sh\` (ISA=$isa, WORK=$work, MODEL=$model): llama.cpp $(git -C "$work/llama.cpp" rev-parse --short HEAD) built by llama-cpp-side-by-side.sh."
