#!/usr/bin/env bash
# Makes a fresh Debian 12 / Ubuntu machine able to build, run and test Mixtral.Distributed.
# Idempotent: every step checks first and does nothing when the machine already has what it needs.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- 1. libstdc++ with GLIBCXX_3.4.32 (TorchSharp 0.107's libLibTorchSharp.so needs GCC 13+) -----------
libstdcxx_ok() {
  local lib
  lib=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}')
  # grep -a reads the library as text: no dependency on binutils' `strings`, and no pipe for pipefail to trip on.
  [ -n "$lib" ] && grep -qa 'GLIBCXX_3\.4\.32' "$lib"
}

debian_source_field() {
  # Prints the first value of field $1 in the stanza of /etc/apt/sources.list.d/debian.sources whose
  # Suites name the plain release (not -security), so the trixie source uses the same mirror and keyring.
  awk -v field="$1" '
    BEGIN { RS=""; FS="\n" }
    /Suites:[^\n]*(bookworm|trixie)([ \n]|$)/ && !/security/ {
      for (i = 1; i <= NF; i++) if ($i ~ "^" field ":") { sub("^" field ":[ ]*", "", $i); split($i, v, " "); print v[1]; exit }
    }' /etc/apt/sources.list.d/debian.sources
}

if libstdcxx_ok; then
  log "libstdc++ already provides GLIBCXX_3.4.32"
else
  if [ ! -f /etc/apt/sources.list.d/debian.sources ]; then
    echo "[setup] error: libstdc++ lacks GLIBCXX_3.4.32 and /etc/apt/sources.list.d/debian.sources is missing;" \
         "install libstdc++6 from GCC 13 or newer by hand" >&2
    exit 1
  fi
  uri=$(debian_source_field URIs)
  keyring=$(debian_source_field Signed-By)
  log "libstdc++ lacks GLIBCXX_3.4.32: taking libstdc++6 from trixie (mirror $uri), pinned low"
  as_root tee /etc/apt/sources.list.d/mixtral-trixie.sources >/dev/null <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: $keyring
SRC
  as_root tee /etc/apt/preferences.d/mixtral-trixie-pin >/dev/null <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  libstdcxx_ok || { echo "[setup] error: libstdc++6 from trixie still lacks GLIBCXX_3.4.32" >&2; exit 1; }
  log "libstdc++ now provides GLIBCXX_3.4.32"
fi

# --- 2. System packages the tests use (real services started by the tests themselves on loopback) ------
need_pkgs=()
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
# Node.js + npm run the independent clients the tests check us against (@huggingface/jinja, openai, @huggingface/inference).
command -v node >/dev/null 2>&1 || need_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || need_pkgs+=(npm)
# Headless Chromium loads the gateway's live dashboard in its test (runs the page's JS, dumps the DOM).
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  # The tests start their own redis-server on a free loopback port; the distro's service is not needed.
  if command -v systemctl >/dev/null 2>&1; then as_root systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
fi

# --- 3. .NET SDK ---------------------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  echo "[setup] error: the .NET 10 SDK is not installed (see global.json for the version)" >&2
  exit 1
fi
log "ready: $(dotnet --version) .NET SDK, $(nproc) cores"
