#!/usr/bin/env bash
# Builds and runs the libFuzzer harnesses of fuzz/ (docs/reliability.md, "Fuzzing").
#
#   scripts/fuzz.sh [--seconds N] [--targets a,b,...] [--rss-limit-mb M] [--timeout S]
#
# Configures ${ECGAD_FUZZ_BUILD_DIR:-build-fuzz} with clang (ASan + UBSan + libFuzzer, no
# LibTorch part built), builds the harnesses and the seed generator, writes seed corpora from
# valid inputs (MIT-BIH records of ../shared/data/mitdb when present, the library's own writers
# otherwise), runs every harness for N seconds (default 60) under nice -n 19, and prints a table:
# target, executions, exec/s, corpus size, crashes. Crash, timeout and OOM inputs are kept in
# <build>/crashes/<target>/, each with a minimised copy (minimized-<name>) ready for
# tests/fuzz_regressions/<target>/. The corpus (<build>/corpus/<target>/) grows from run to run.
# Exits 1 when any harness crashed, 2 on a usage or build error.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ECGAD_FUZZ_BUILD_DIR:-$root/build-fuzz}
all_targets=(wfdb_header wfdb_signal annotations ucr csv npy bundle config stream)
seconds=60
targets=("${all_targets[@]}")
rss_limit_mb=2048
timeout_s=10

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?}; shift 2 ;;
    --targets) IFS=, read -r -a targets <<<"${2:?}"; shift 2 ;;
    --rss-limit-mb) rss_limit_mb=${2:?}; shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "fuzz.sh: --seconds must be a positive integer" >&2; exit 2; }
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t'; expected some of: ${all_targets[*]}" >&2; exit 2; }
done
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-dev)" >&2; exit 2; }

# LibTorch is still found by the top-level CMake (find_package), but nothing that links it is
# built: only the harnesses' targets (ecgad_io, ecgad_serve, fuzz_*).
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
mkdir -p "$build"
echo "== configure $build (clang, ASan + UBSan + libFuzzer)"
CC=clang CXX=clang++ nice -n 19 cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DECGAD_BUILD_FUZZERS=ON -DECGAD_SHARED=OFF \
  -DECGAD_BUILD_TESTS=OFF -DECGAD_BUILD_CLI=OFF -DECGAD_BUILD_PYTHON=OFF \
  -DECGAD_BUILD_BENCHMARKS=OFF -DECGAD_INSTALL=OFF -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 2; }
echo "== build harnesses"
nice -n 19 cmake --build "$build" --target ecgad_fuzzers -j1 || exit 2

echo "== seed corpora"
mitdb="$root/../shared/data/mitdb"
rm -rf "$build/seeds"
if [ -d "$mitdb" ]; then
  "$build/fuzz/fuzz_make_seeds" "$build/seeds" "$mitdb" || exit 2
else
  echo "(no $mitdb: synthetic seeds only)"
  "$build/fuzz/fuzz_make_seeds" "$build/seeds" || exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/logs"
results=()
failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  crashes="$build/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  before=$(find "$crashes" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  log="$build/logs/$t.log"
  echo "== fuzz $t for ${seconds}s (log: $log)"
  extra=()
  [ -d "$build/seeds/$t" ] && extra+=("$build/seeds/$t")
  [ -d "$root/tests/fuzz_regressions/$t" ] && extra+=("$root/tests/fuzz_regressions/$t")
  # Directories after the first are read-only seeds; new inputs go to $corpus.
  nice -n 19 "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb="$rss_limit_mb" \
    -timeout="$timeout_s" -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$corpus" "${extra[@]}" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  size=$(find "$corpus" -maxdepth 1 -type f | wc -l)
  after=$(find "$crashes" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  found=$((after - before))
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    failed=1
    grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer|LeakSanitizer)|runtime error:|deadly signal|SUMMARY' "$log" | sed 's/^/   /'
    for f in $(find "$crashes" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \)); do
      [ -f "$crashes/minimized-$(basename "$f")" ] && continue
      nice -n 19 "$build/fuzz/fuzz_$t" -minimize_crash=1 -max_total_time=60 -timeout="$timeout_s" \
        -rss_limit_mb="$rss_limit_mb" -exact_artifact_path="$crashes/minimized-$(basename "$f")" \
        "$f" >>"$build/logs/$t.minimize.log" 2>&1
      echo "   minimised: $crashes/minimized-$(basename "$f")"
    done
    [ "$found" -eq 0 ] && found="rc=$rc"
  fi
  results+=("$t ${execs:-?} ${rate:-?} $size $found")
done

echo
printf '%-12s %14s %10s %12s %8s\n' target executions exec/s corpus crashes
for r in "${results[@]}"; do
  # shellcheck disable=SC2086
  printf '%-12s %14s %10s %12s %8s\n' $r
done
exit "$failed"
