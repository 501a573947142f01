#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job on built-in data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${ECGAD_BUILD_DIR:-$root/build}
# The main job. It grows with the project (today: synthesize, clean and report); the command
# above stays the same.
exec "$build/ecgad" demo "$@"
