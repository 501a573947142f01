#!/usr/bin/env bash
# Installs every Debian package ecgad needs to build, test, benchmark and package.
# Idempotent: packages already present are skipped, and nothing runs when all are there.
# As root it runs apt-get; otherwise it uses sudo when available, or prints the command to run.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # training (LibTorch) and the BLAS it should use: measured 4x faster training than reference BLAS;
  # libblas-dev: cblas.h and libblas.so for the fused dense trainer's sgemm (src/model)
  libtorch-dev libopenblas0-pthread libblas-dev
  # arrays and linear algebra
  libeigen3-dev xtensor-dev
  # Python bindings and packaging (no PyPI here: everything from Debian)
  python3 python3-dev python3-venv python3-pip python3-numpy pybind11-dev
  python3-skbuild python3-setuptools python3-wheel
  # tests, references and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-pytest python3-scipy python3-torch
  # metric and multiple-testing references (tests/golden/make_{ranking,calibrate}_golden.py)
  python3-sklearn python3-statsmodels python3-matplotlib  # plots (ecgad.plot, examples)
  # the estimator's interop tests: DataFrames, joblib and Dask workers (tests/python/test_estimator.py)
  python3-pandas python3-joblib python3-dask
  # parsing, CLI, logs, store
  nlohmann-json3-dev libxxhash-dev libcli11-dev libspdlog-dev libfmt-dev libsqlite3-dev
  # run configs written in TOML (header-only toml11); the report test renders in a real browser
  libtoml11-dev chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: missing ${#missing[@]} package(s): ${missing[*]}"
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  "${cmd[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive "${cmd[@]}"
else
  echo "install-deps: not root and no passwordless sudo; run these as root:" >&2
  echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi
