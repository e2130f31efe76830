#!/usr/bin/env bash
# Runs the whole test suite: makes the machine ready (idempotent), then every test project in the solution.
# Tests start and stop their own services (redis-server on loopback) and read the oracle fixtures from ../shared.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
cd "$root"
dotnet test Mixtral.Distributed.sln -c Release --nologo "$@"
