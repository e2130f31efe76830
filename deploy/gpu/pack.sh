#!/usr/bin/env bash
# Packs what deploy/gpu/gpu-check.sh needs on a GPU machine that has no .NET and no package registry, into
# .artifacts/gpu-carry/ (ignored by git; name it in the device tool's `carry`):
#   app.tar.xz      self-contained linux-x64 publish of benchmarks/Mixtral.GpuCheck WITHOUT LibTorch's native libraries
#                   (python torch's lib/ provides them there) but WITH libLibTorchSharp.so; partially trimmed (framework
#                   assemblies only), plus the list of symbols libLibTorchSharp.so needs from LibTorch and a fallback
#                   libstdc++ (used only where the machine's lacks GLIBCXX_3.4.32)
#   fixture.tar.xz  the tiny-mixtral golden fixture with its Hugging Face reference (read-only oracle, carried as is)
# and fails if the working tree that travels (tracked + untracked files + the pack) exceeds the 64 MiB carry limit.
# Usage: deploy/gpu/pack.sh            (MIXTRAL_FIXTURES overrides ../shared/fixtures)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
FIXTURES=${MIXTRAL_FIXTURES:-$REPO/../shared/fixtures}
FIXTURE=$FIXTURES/tiny-mixtral
CARRY=$REPO/.artifacts/gpu-carry
BUILD=$REPO/.artifacts/gpu-build
LIMIT=$((64 * 1024 * 1024))
[ -f "$FIXTURE/reference/reference.safetensors" ] || { echo "error: golden fixture not found at $FIXTURE (set MIXTRAL_FIXTURES)" >&2; exit 2; }
command -v nm >/dev/null || { echo "error: nm (binutils) is needed to list libLibTorchSharp.so's symbols" >&2; exit 2; }
mkdir -p "$CARRY" "$BUILD"

echo "== publish (self-contained linux-x64, LibTorch native libraries excluded, framework trimmed)"
rm -rf "$BUILD/app"
# Trimming only the framework (TrimMode=partial) keeps every app, Orleans and TorchSharp assembly whole: Orleans finds
# its generated serializers by reflection. Reflection-based System.Text.Json stays on (the report and plans use it).
dotnet publish benchmarks/Mixtral.GpuCheck/Mixtral.GpuCheck.csproj -c Release -r linux-x64 --self-contained \
  --artifacts-path "$BUILD/artifacts" -o "$BUILD/app" -nologo -v:q \
  -p:TorchBackend=external -p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true \
  -p:TreatWarningsAsErrors=false -p:JsonSerializerIsReflectionEnabledByDefault=true -p:DebugType=none
APP=$BUILD/app
[ -f "$APP/libLibTorchSharp.so" ] || { echo "error: libLibTorchSharp.so missing from the publish" >&2; exit 1; }
if ls "$APP" | grep -E '^lib(torch|c10)' >/dev/null; then echo "error: LibTorch libraries leaked into the publish:" >&2; ls "$APP" | grep -E '^lib(torch|c10)' >&2; exit 1; fi

# What libLibTorchSharp.so (built against LibTorch 2.10) needs from LibTorch: unversioned undefined symbols (the
# versioned ones are glibc/libstdc++'s). The device script checks each against the torch it finds there.
mkdir -p "$APP/gpu" "$APP/fallback-libstdcxx"
nm -D --undefined-only "$APP/libLibTorchSharp.so" | awk '$1 == "U" && $2 !~ /@/ {print $2}' | sort -u > "$APP/gpu/libtorchsharp-needs.txt"
STDCXX=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}')
if grep -q GLIBCXX_3.4.32 "$STDCXX"; then cp -L "$STDCXX" "$APP/fallback-libstdcxx/libstdc++.so.6"; fi
cp deploy/gpu/torch_libs.py deploy/gpu/symbol_check.py "$APP/gpu/"

echo "== compress"
rm -f "$CARRY/app.tar.xz"
tar -C "$BUILD" -cf - app | xz -T2 -9 > "$CARRY/app.tar.xz"
# The fixture rarely changes and takes the longest to compress: redo it only when its files change.
STAMP=$(cd "$FIXTURES" && find tiny-mixtral -type f -printf '%p %s %T@\n' | sort | sha256sum | cut -c1-16)
if [ ! -f "$CARRY/fixture.tar.xz" ] || [ "$(cat "$CARRY/fixture.stamp" 2>/dev/null)" != "$STAMP" ]; then
  tar -C "$FIXTURES" -cf - tiny-mixtral | xz -T2 -9 > "$CARRY/fixture.tar.xz"
  echo "$STAMP" > "$CARRY/fixture.stamp"
fi
{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- . ':!.artifacts' || echo ' (+ uncommitted changes)')"
  echo "packed $(date -u +%FT%TZ) on $(uname -srm)"
  echo "app unpacked $(du -sb "$APP" | cut -f1) bytes; libLibTorchSharp.so needs $(wc -l < "$APP/gpu/libtorchsharp-needs.txt") LibTorch symbols"
} > "$CARRY/manifest.txt"

echo "== size against the carry limit"
PACK=$(du -cb "$CARRY"/* | tail -1 | cut -f1)
TREE=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | awk '/\ttotal$/ {s += $1} END {print s + 0}')
TOTAL=$((PACK + TREE))
MIB=$(awk -v t="$TOTAL" 'BEGIN {printf "%.1f", t / 1048576}')
echo "app.tar.xz $(stat -c %s "$CARRY/app.tar.xz"), fixture.tar.xz $(stat -c %s "$CARRY/fixture.tar.xz"), pack $PACK, working tree $TREE: total $TOTAL of $LIMIT bytes ($MIB MiB of 64)" | tee -a "$CARRY/manifest.txt"
[ "$TOTAL" -le "$LIMIT" ] || { echo "error: over the 64 MiB carry limit" >&2; exit 1; }
echo "ready: carry .artifacts/gpu-carry, run deploy/gpu/gpu-check.sh"
