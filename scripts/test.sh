#!/usr/bin/env bash
# README command 2: build and run every C++ test (ctest) and every Python test (pytest against
# the package pip-installed into a venv). Exits non-zero if either runner fails; the output ends
# with the runners' own summary lines.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ECGAD_BUILD_DIR:-$root/build}
venv=${ECGAD_VENV:-$build/venv}

"$root/scripts/install-deps.sh" || exit 1
"$root/scripts/build.sh" || exit 1

# Python: a venv that sees Debian's numpy/scipy/torch, and ecgad installed into it by pip.
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv" || exit 1
fi
echo "== pip install --no-build-isolation $root (into $venv)"
"$venv/bin/pip" install --quiet --no-build-isolation --no-deps "$root" 2>&1 | grep -v "^\s*$" ; pip_rc=${PIPESTATUS[0]}
[ "$pip_rc" -eq 0 ] || { echo "pip install failed ($pip_rc)"; exit 1; }
package_dir=$(cd /tmp && "$venv/bin/python" -c "import ecgad, os; print(os.path.dirname(ecgad.__file__))") || exit 1

echo "== ctest"
ctest --test-dir "$build" --output-on-failure --parallel "${ECGAD_JOBS:-$(nproc)}"
ctest_rc=$?

echo "== pytest (installed package at $package_dir)"
# Run from outside the source tree so `import ecgad` can only find the installed package.
# ECGAD_CLI: the C++ host of the Python <-> C++ model round trip (tests/python/test_estimator.py).
(cd /tmp && ECGAD_CLI="$build/ecgad" "$venv/bin/python" -m pytest -p no:cacheprovider \
  --rootdir "$root" -c "$root/pyproject.toml" \
  "$root/tests/python" --doctest-modules "$package_dir" -q)
pytest_rc=$?

[ "$ctest_rc" -eq 0 ] && [ "$pytest_rc" -eq 0 ]
