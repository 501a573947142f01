#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job on built-in data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${ECGAD_BUILD_DIR:-$root/build}
# The main job: simulate, train, stream with drift, retrain, shadow, promote, report
# (docs/pipelines.md). Its store, models, log and report go to $build/demo.
exec "$build/ecgad" demo --workdir "$build/demo" "$@"
