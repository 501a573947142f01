#!/usr/bin/env bash
# Configures and builds the C++ tree (library, CLI, tests, benchmarks) into ${ECGAD_BUILD_DIR:-build}.
# The Python module is built by pip (scripts/test.sh), not here, so it is compiled once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ECGAD_BUILD_DIR:-$root/build}
jobs=${ECGAD_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DECGAD_BUILD_PYTHON=OFF
fi
cmake --build "$build" --parallel "$jobs"
