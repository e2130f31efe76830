#!/usr/bin/env bash
# Runs the GPU check from the pack deploy/gpu/pack.sh made (.artifacts/gpu-carry), on a machine with python torch and
# no .NET: unpacks, finds python torch's LibTorch, checks its symbols against libLibTorchSharp.so, then runs each step
# of benchmarks/Mixtral.GpuCheck in its own process under a time limit, and writes gpu-check.json, gpu-check.md,
# run.log and logs.tar.gz to $OUT.
#
# Environment (all optional):
#   OUT                 where results go (default .artifacts/gpu-check-out); the device tool sets it
#   GPU_CHECK_DEVICE    cuda (default) or cpu
#   MIXTRAL_TORCH_LIB   a LibTorch lib/ folder to use instead of asking python torch (the CPU rehearsal points it at
#                       a copy of the libtorch-cpu NuGet package's native folder)
#   GPU_CHECK_BUDGET    seconds for the whole run (default 420); each step gets its own limit within what is left
#   EXPERT_ARGS         extra flags for the expert step (the CPU rehearsal shrinks it)
#   GOLDEN_ARGS         extra flags for the golden step (the CPU rehearsal passes --cpu-kernels off: the GPU's path)
#   GPU_CHECK_STEPS     steps to run (default "info golden expert cluster")
set -uo pipefail
START=$(date +%s)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CARRY=${GPU_CARRY:-$REPO/.artifacts/gpu-carry}
OUT=${OUT:-$REPO/.artifacts/gpu-check-out}
DEVICE=${GPU_CHECK_DEVICE:-cuda}
BUDGET=${GPU_CHECK_BUDGET:-420}
STEPS=${GPU_CHECK_STEPS:-info golden expert cluster}
WORK=${GPU_CHECK_WORK:-/tmp/mixtral-gpu-check}
LOGS=$WORK/logs RESULTS=$WORK/results
rm -rf "$WORK"; mkdir -p "$OUT" "$LOGS" "$RESULTS"
exec > >(tee -a "$OUT/run.log") 2>&1
say() { echo "$(date -u +%T) [$(( $(date +%s) - START ))s] $*"; }
left() { echo $(( BUDGET - ($(date +%s) - START) )); }

say "gpu-check: device $DEVICE, budget ${BUDGET}s, carry $CARRY"
for f in app.tar.xz fixture.tar.xz; do [ -f "$CARRY/$f" ] || { say "error: $CARRY/$f missing: run deploy/gpu/pack.sh and carry .artifacts/gpu-carry"; exit 2; }; done
cat "$CARRY/manifest.txt" 2>/dev/null
unpack() { if command -v xz >/dev/null; then tar -C "$WORK" -xJf "$1"; else python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$WORK"; fi; }
unpack "$CARRY/app.tar.xz" && unpack "$CARRY/fixture.tar.xz" || { say "error: unpacking failed"; exit 2; }
APP=$WORK/app FIXTURE=$WORK/tiny-mixtral
say "unpacked: $(du -sh "$APP" | cut -f1) app, $(du -sh "$FIXTURE" | cut -f1) fixture"

# --- where LibTorch comes from --------------------------------------------------------------------------------------
{ nvidia-smi 2>&1 || echo "nvidia-smi: not available"; } > "$LOGS/nvidia-smi.txt"
if [ -n "${MIXTRAL_TORCH_LIB:-}" ]; then
  TORCH_LIB=$MIXTRAL_TORCH_LIB
  LIB_DIRS=$TORCH_LIB
  echo "MIXTRAL_TORCH_LIB=$TORCH_LIB (python torch not asked)" > "$LOGS/python-torch.txt"
else
  timeout 120 python3 "$APP/gpu/torch_libs.py" > "$LOGS/python-torch.json" 2> "$LOGS/python-torch.err" \
    || { say "error: python torch did not answer:"; cat "$LOGS/python-torch.err"; exit 3; }
  cp "$LOGS/python-torch.json" "$LOGS/python-torch.txt"
  TORCH_LIB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lib"])' "$LOGS/python-torch.json")
  LIB_DIRS=$(python3 -c 'import json,sys; print(":".join(json.load(open(sys.argv[1]))["library_dirs"]))' "$LOGS/python-torch.json")
fi
say "LibTorch from $TORCH_LIB"
STDCXX=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}')
if [ -n "$STDCXX" ] && grep -q GLIBCXX_3.4.32 "$STDCXX"; then
  say "system libstdc++ ($STDCXX) has GLIBCXX_3.4.32"
else
  say "system libstdc++ (${STDCXX:-none}) lacks GLIBCXX_3.4.32: using the carried one"
  LIB_DIRS=$APP/fallback-libstdcxx:$LIB_DIRS
fi
export LD_LIBRARY_PATH=$LIB_DIRS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export MIXTRAL_LIBTORCH_DIR=$TORCH_LIB
# No NuGet cache here: TorchSharp's fallback loader must not find one elsewhere and hide a failed load.
export NUGET_PACKAGES=$WORK/no-nuget DOTNET_CLI_HOME=$WORK HOME=$WORK
export DOTNET_gcServer=0 DOTNET_TieredPGO=1

say "symbol check: libLibTorchSharp.so (LibTorch 2.10 build) against $TORCH_LIB"
timeout 60 python3 "$APP/gpu/symbol_check.py" "$TORCH_LIB" "$APP/gpu/libtorchsharp-needs.txt" "$APP/libLibTorchSharp.so" > "$LOGS/symbols.txt" 2>&1
head -4 "$LOGS/symbols.txt"

# --- the steps, each in its own process with its own limit -----------------------------------------------------------
run_step() { # name limit args...
  local name=$1 limit=$2; shift 2
  local remaining; remaining=$(( $(left) - 20 ))
  [ "$remaining" -lt "$limit" ] && limit=$remaining
  if [ "$limit" -lt 10 ]; then say "$name: skipped, budget spent"; echo "skipped: budget spent" > "$LOGS/$name.log"; return; fi
  say "$name: start (limit ${limit}s)"
  timeout -k 5 "$limit" "$APP/mixtral-gpucheck" "$name" --out "$RESULTS" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  tail -n 25 "$LOGS/$name.log"
  say "$name: exit $rc$([ $rc = 124 ] && echo ' (timed out)')"
}
for step in $STEPS; do
  case $step in
    info)    run_step info 60 --device "$DEVICE" ;;
    golden)  run_step golden 150 --device "$DEVICE" --fixture "$FIXTURE" --dtypes f32,bf16 ${GOLDEN_ARGS:-} ;;
    expert)  run_step expert 180 --device "$DEVICE" ${EXPERT_ARGS:-} ;;
    cluster) run_step cluster 120 --device "$DEVICE" --fixture "$FIXTURE" --coordinator-device cpu ;;
    *) say "unknown step $step" ;;
  esac
done

"$APP/mixtral-gpucheck" report --out "$RESULTS" --logs "$LOGS" > "$LOGS/report.log" 2>&1 || cat "$LOGS/report.log"
cp "$RESULTS"/gpu-check.json "$RESULTS"/gpu-check.md "$OUT"/ 2>/dev/null
cp "$RESULTS"/*.json "$LOGS"/ 2>/dev/null
tar -C "$WORK" -czf "$OUT/logs.tar.gz" logs
say "done in $(( $(date +%s) - START ))s; results in $OUT"
[ -f "$OUT/gpu-check.md" ] && grep -m1 "^\*\*Summary" "$OUT/gpu-check.md"
sleep 1 # let tee flush run.log before the caller collects $OUT
