#!/usr/bin/env bash
# Issue 10 on one machine, one command: every kernel and format against the floor, AVX-512 and AVX2, plus quantized
# cache load times. Run it on a quiet machine (nothing else building): the figures are only as good as the machine's calm.
# 1. `mid` and one real-size 8x7B layer are synthesised once (MIXTRAL_QUANT_WORK, default /tmp/mixtral-quant-work).
# 2. Kernels alone, AVX-512 and AVX2 rows alternated round by round in one process → benchmarks/results/kernels-isa.md.
# 3. The decode report natively (benchmarks/results/single-process-decode.md, with the real-layer table and fidelity),
#    then with AVX-512 switched off for the whole process (DOTNET_EnableAVX512=0: what an AVX2-only CPU runs)
#    → benchmarks/results/avx2-only/single-process-decode.md.
# 4. Expert load times: quantize at load vs a cold and a warm --quantized-cache → appended to kernels-isa.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${MIXTRAL_QUANT_WORK:-/tmp/mixtral-quant-work}"
threads="${THREADS:-2}"
cd "$root"
dotnet build src/Mixtral.Cli/Mixtral.Cli.csproj -c Release -v q -nologo
dotnet build benchmarks/Mixtral.Bench/Mixtral.Bench.csproj -c Release -v q -nologo
cli="dotnet src/Mixtral.Cli/bin/Release/net10.0/mixtral.dll"
bench="dotnet benchmarks/Mixtral.Bench/bin/Release/net10.0/Mixtral.Bench.dll"
[ -f "$work/mid/config.json" ] || $cli synth --preset mid --out "$work/mid"
[ -f "$work/layer/config.json" ] || $cli synth --preset mixtral-8x7b-layer --out "$work/layer"

report=benchmarks/results/kernels-isa.md
{
  echo "# Kernels alone, AVX-512 and AVX2 rows alternated in one process"
  echo
  echo "\`benchmarks/quantized-floor.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) logical cores; load average $(cut -d' ' -f1-3 /proc/loadavg))."
  echo "\`kernels --threads $threads --rounds 5 --rows 1 8 --isa both\`: 24 matrices [3584, 1024] in rotation; best round of each; \"avx2\" switches the AVX-512 rows off in the same process."
  echo
  echo '```'
  $bench kernels --threads "$threads" --rounds 5 --rows 1 8 --isa both
  echo '```'
} > "$report.tmp"
mv "$report.tmp" "$report"

$bench decode --model "$work/mid" --threads "$threads" --weights f32,bf16,int8,q4 --real-layer "$work/layer" --out benchmarks/results
DOTNET_EnableAVX512=0 $bench decode --model "$work/mid" --threads "$threads" --weights f32,bf16,int8,q4 --out benchmarks/results/avx2-only

{
  echo
  echo "## Expert load time on \`mid\`: quantize at load vs --quantized-cache (alternated, one process)"
  echo
  echo '```'
  $bench cache-load --model "$work/mid" --weights int8 --rounds 3 --threads "$threads"
  $bench cache-load --model "$work/mid" --weights q4 --rounds 3 --threads "$threads"
  echo '```'
} >> "$report"
echo "wrote $report, benchmarks/results/single-process-decode.md, benchmarks/results/avx2-only/single-process-decode.md"
