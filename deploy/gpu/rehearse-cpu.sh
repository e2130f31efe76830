#!/usr/bin/env bash
# The CPU rehearsal of the GPU check: runs deploy/gpu/gpu-check.sh here with device=cpu, loading LibTorch from a folder
# OUTSIDE the app, laid out like python torch (torch/__init__.py + torch/lib/): hard links to the libtorch-cpu NuGet
# package's natives, so /proc/self/maps shows which copy the process used, and a stand-in torch module answering the
# few questions deploy/gpu/torch_libs.py asks. Proves the pack, the loading mechanism and the report, not GPU speed.
# Usage: deploy/gpu/pack.sh && deploy/gpu/rehearse-cpu.sh   (OUT defaults to .artifacts/gpu-check-rehearsal)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
NATIVE=${NUGET_PACKAGES:-$HOME/.nuget/packages}/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native
[ -d "$NATIVE" ] || { echo "error: $NATIVE not found (restore the solution first)" >&2; exit 2; }
STANDIN=${STANDIN:-/tmp/mixtral-standin-torch}
rm -rf "$STANDIN"; mkdir -p "$STANDIN/torch/lib"
ln "$NATIVE"/*.so* "$STANDIN/torch/lib/" 2>/dev/null || cp "$NATIVE"/*.so* "$STANDIN/torch/lib/"
cat > "$STANDIN/torch/__init__.py" <<'PY'
# Stand-in for python torch (CPU rehearsal only): what deploy/gpu/torch_libs.py reads, and LibTorch loaded from lib/.
import ctypes
import os

__version__ = "2.10.0+stand-in"


class version:
    cuda = None


class _C:
    _GLIBCXX_USE_CXX11_ABI = True


class cuda:
    @staticmethod
    def is_available():
        return False


for _name in ["libc10.so", "libtorch_cpu.so", "libtorch.so"]:
    ctypes.CDLL(os.path.join(os.path.dirname(__file__), "lib", _name))
PY
export PYTHONPATH=$STANDIN${PYTHONPATH:+:$PYTHONPATH}
export OUT=${OUT:-$REPO/.artifacts/gpu-check-rehearsal}
# The golden step on LibTorch alone (no CPU kernels): the code path a GPU takes.
export GOLDEN_ARGS=${GOLDEN_ARGS:---cpu-kernels off}
# The expert step at the real width in f32 with 2 experts: real dimensions, a CPU-sized number of calls.
GPU_CHECK_DEVICE=cpu EXPERT_ARGS=${EXPERT_ARGS:---dtype f32 --experts 2 --samples 1 --calls 1} exec "$REPO/deploy/gpu/gpu-check.sh"
