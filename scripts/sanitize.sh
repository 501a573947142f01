#!/usr/bin/env bash
# Sanitizer runs (issue 8, docs/reliability.md "Sanitizers"):
#   scripts/sanitize.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer over the whole ctest
#                              suite (tests/cpp, fuzz replays, install consumer, CLI end to end)
#                              in build-asan/
#   scripts/sanitize.sh tsan   ThreadSanitizer over the concurrency tests (TSAN_TESTS below) in
#                              build-tsan/
#   scripts/sanitize.sh [all]  both
# Any sanitizer report fails the test that produced it (halt_on_error, UB not recoverable), so
# the exit status is ctest's. Environment: ECGAD_JOBS (build and ctest parallelism, default
# nproc), ECGAD_ASAN_BUILD_DIR / ECGAD_TSAN_BUILD_DIR (default build-asan / build-tsan), CXX (the
# compiler; default the system's, GCC 12 on Debian 12, which Debian's LibTorch is built with).
# Prints how long each build and each test run took.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}
case "$mode" in
  asan|tsan|all) ;;
  *) echo "usage: $0 [asan|tsan|all]   (got '$mode')" >&2; exit 2 ;;
esac
jobs=${ECGAD_JOBS:-$(nproc)}
supp="$root/scripts/sanitizers"

# The concurrency tests, run under TSan: every test that shares an object or a file between
# threads (docs/reliability.md says why each is there).
TSAN_TESTS='^(RuntimeThreads\.|Store\.(ReadersInOtherThreadsAlwaysSeeWholeTransactions|ConcurrentFirstOpensCreateAndMigrateTheFileOnce|WritersInOtherConnectionsWaitForTheLockInsteadOfFailing)$|StreamPipeline\.ManyStreamsOnThreadsEqualTheSerialRun$|Scoring\.ConstMethodsAreThreadSafe$|Backend\.)'
TSAN_TARGETS=(test_runtime test_store test_pipeline test_autoencoder test_backend)

# -O1: fast enough to run the suite, keeps stack traces readable; NDEBUG as in a release build,
# so the code under test is the code that ships.
configure() {  # <build dir> <ECGAD_SANITIZE> [extra cmake args...]
  local dir=$1 sanitize=$2
  shift 2
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG" -DECGAD_SANITIZE="$sanitize" \
    -DECGAD_BUILD_PYTHON=OFF -DECGAD_BUILD_BENCHMARKS=OFF -DECGAD_BUILD_TESTS=ON \
    -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF "$@" >/dev/null
}

timed() {  # <label> <command...>: runs the command, prints its wall and CPU time, keeps its status
  local label=$1
  shift
  local TIMEFORMAT="== $label: %0R s wall, %0U s user + %0S s system CPU"
  time "$@"
}

# The options are exported before building too: gtest_discover_tests runs each test binary at
# build time to list its tests. A suppressions file is used only if it exists (none is needed so
# far; docs/reliability.md says what one may hold: third-party frames only, never ecgad's).
asan_env() {
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:strict_init_order=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
  if [ -f "$supp/lsan.supp" ]; then export LSAN_OPTIONS="suppressions=$supp/lsan.supp"; fi
}
# OpenBLAS is not built with TSan and hands sgemm results back from its worker threads through
# spin waits TSan cannot see: 7,280 false reports in the training set-up of
# StreamPipeline.ManyStreamsOnThreadsEqualTheSerialRun. With one OpenBLAS thread, sgemm runs on
# the calling thread, every thread TSan watches is ecgad's, LibTorch's or the test's, and no
# suppression is needed.
tsan_env() {
  export OPENBLAS_NUM_THREADS=1
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
  if [ -f "$supp/tsan.supp" ]; then TSAN_OPTIONS+=":suppressions=$supp/tsan.supp"; fi
}

run_asan() {
  local dir=${ECGAD_ASAN_BUILD_DIR:-$root/build-asan} rc=0
  asan_env
  echo "== ASan+UBSan: $dir (ASAN_OPTIONS=$ASAN_OPTIONS)"
  configure "$dir" address,undefined || return 1
  timed "asan build" cmake --build "$dir" --parallel "$jobs" || return 1
  timed "asan ctest" ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" || rc=1
  return $rc
}

run_tsan() {
  local dir=${ECGAD_TSAN_BUILD_DIR:-$root/build-tsan} rc=0
  tsan_env
  echo "== TSan: $dir (TSAN_OPTIONS=$TSAN_OPTIONS)"
  configure "$dir" thread -DECGAD_BUILD_CLI=OFF || return 1
  timed "tsan build" cmake --build "$dir" --parallel "$jobs" --target "${TSAN_TARGETS[@]}" || return 1
  timed "tsan ctest" ctest --test-dir "$dir" --output-on-failure --parallel "$jobs" --no-tests=error \
    -R "$TSAN_TESTS" || rc=1
  return $rc
}

status=0
if [ "$mode" = asan ] || [ "$mode" = all ]; then run_asan || status=1; fi
if [ "$mode" = tsan ] || [ "$mode" = all ]; then run_tsan || status=1; fi
exit $status
