#!/usr/bin/env bash
# Our engine and llama.cpp on the same model, the same machine, in one alternated run (issue 10's comparison):
#   1. llama.cpp's source: node-llama-cpp's npm package ships the llama.cpp release it builds against as a git bundle
#      (npm is reachable here; GitHub and PyPI are not, and Debian packages no llama.cpp);
#   2. builds llama-bench, llama-batched-bench and llama-quantize (ISA=native: GGML_NATIVE, this CPU's widest;
#      ISA=avx2: AVX2 + FMA only, AVX-512 off; ours then runs with DOTNET_EnableAVX512=0, the AVX2 kernels);
#   3. synthesises the `mid` model, writes it as a float32 GGUF (`Mixtral.Bench export-gguf`) and quantizes it with
#      llama.cpp's own llama-quantize to F16, Q8_0 and Q4_K_M;
#   4. runs `Mixtral.Bench side-by-side`, which alternates the two engines format by format and writes the report.
# Usage: benchmarks/llama-cpp-side-by-side.sh   (env: ISA=native|avx2, ROUNDS=3, THREADS=2, WORK=.artifacts/llama-cpp,
#        MODEL=<mid folder>, NAME=<report name>, BATCH=8 (sequences decoding together), FORMATS=f32,bf16,int8,q4)
# e.g. the 16-sequence float32 run: BATCH=16 FORMATS=f32 NAME=llama-cpp-side-by-side-16 benchmarks/llama-cpp-side-by-side.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
isa="${ISA:-native}"
work="${WORK:-$root/.artifacts/llama-cpp}"
model="${MODEL:-$work/mid}"
threads="${THREADS:-2}"
mkdir -p "$work"
say() { echo "[llama-cpp-side-by-side] $*" >&2; }

case "$isa" in
  native) flags=(-DGGML_NATIVE=ON); label="with GGML_NATIVE=ON (this CPU's widest vectors)"; ours_env=(); name="${NAME:-llama-cpp-side-by-side}" ;;
  avx2) flags=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF)
        label="for AVX2 + FMA only (GGML_NATIVE=OFF, GGML_AVX2=ON, GGML_AVX512=OFF)"; ours_env=(DOTNET_EnableAVX512=0); name="${NAME:-llama-cpp-side-by-side-avx2}" ;;
  *) say "ISA must be native or avx2, got '$isa'"; exit 2 ;;
esac

if [ ! -d "$work/llama.cpp" ]; then
  say "fetching llama.cpp's source through npm (node-llama-cpp 3.22.1)..."
  (cd "$work" && { [ -f package.json ] || npm init -y >/dev/null; })
  (cd "$work" && npm install node-llama-cpp@3.22.1 --ignore-scripts --no-audit --no-fund >/dev/null)
  git clone -q "$work/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$work/llama.cpp"
fi
build="$work/llama.cpp/build-$isa"
if [ ! -x "$build/bin/llama-batched-bench" ] || [ ! -x "$build/bin/llama-quantize" ]; then
  say "building llama.cpp ($isa)..."
  cmake -S "$work/llama.cpp" -B "$build" -DCMAKE_BUILD_TYPE=Release "${flags[@]}" -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target llama-bench llama-batched-bench llama-quantize >/dev/null
fi

if [ ! -f "$model/config.json" ]; then
  say "synthesising the mid model in $model..."
  ./mixtral synth --preset mid --out "$model"
fi
gguf="$work/gguf"
mkdir -p "$gguf"
bench=(dotnet run -c Release --project benchmarks/Mixtral.Bench --)
if [ ! -f "$gguf/f32.gguf" ]; then
  say "writing the model as GGUF..."
  "${bench[@]}" export-gguf --model "$model" --out "$gguf/f32.gguf"
fi
formats="${FORMATS:-f32,bf16,int8,q4}"
for pair in bf16:F16 int8:Q8_0 q4:Q4_K_M; do # ours:llama.cpp's; only the formats this run sets side by side
  case ",$formats," in *",${pair%%:*},"*) ;; *) continue ;; esac
  f="${pair#*:}"
  out="$gguf/$(echo "$f" | tr 'A-Z' 'a-z').gguf"
  [ -f "$out" ] || "$build/bin/llama-quantize" "$gguf/f32.gguf" "$out" "$f" "$threads" >/dev/null 2>&1
done

# The same model? llama.cpp's greedy tokens on the float32 GGUF must be ours, token for token.
prompt_ids="1,415,2936,9060,285,1142"
gcc -O2 benchmarks/llama-cpp/greedy-ids.c -I"$work/llama.cpp/include" -I"$work/llama.cpp/ggml/include" -L"$build/bin" -lllama \
  -Wl,-rpath,"$build/bin" -o "$work/greedy-ids-$isa"
theirs="$("$work/greedy-ids-$isa" "$gguf/f32.gguf" 32 ${prompt_ids//,/ } 2>/dev/null)"
ours="$(./mixtral generate --model "$model" --ids "$prompt_ids" --max-new-tokens 32 --json 2>/dev/null | tail -1 | sed -E 's/.*"ids":\[([0-9,]*)\].*/\1/')"
if [ "$theirs" != "$ours" ]; then
  say "llama.cpp's greedy tokens on the GGUF differ from ours: the export is not the same model"
  say "  llama.cpp: $theirs"
  say "  ours:      $ours"
  exit 1
fi
check="Same model on both sides: llama.cpp's 32 greedy tokens on the float32 GGUF after the prompt ids $prompt_ids equal ours (\`mixtral generate --ids $prompt_ids --max-new-tokens 32\`), token for token."
say "$check"

say "running side by side ($isa, ${ROUNDS:-3} rounds)..."
env "${ours_env[@]}" "${bench[@]}" side-by-side --model "$model" --gguf-dir "$gguf" --llama-bin "$build/bin" --llama-build "$label" \
  --threads "$threads" --rounds "${ROUNDS:-3}" --batch "${BATCH:-8}" --formats "$formats" \
  --out benchmarks/results --name "$name" --note "$check"
