#!/usr/bin/env bash
# Soak (issue 8, docs/reliability.md "Soak"): builds ecgad_soak (nice, one job) and runs it.
#
#   scripts/soak.sh [--hours 24] [--seed 1] [--kill] [--rounds 3] [--workdir DIR] [--exe PATH]
#                   [--retrain]
#
# 1. streams --hours simulated hours with injected faults through the inference pipeline into a
#    fresh store, and checks memory, events, alerts (ecgad_soak's own exit code);
# 2. with --kill, then --rounds times: starts a soak in the background with --ack (one line per
#    committed batch), SIGKILLs it at a random moment after a random number of batches, and
#    checks the store it left (ecgad_soak --verify: opens, PRAGMA integrity_check, every
#    acknowledged batch present, no partial batch, rows equal to a replay of the same seed).
# --exe skips the build (ctest passes the built binary). The build dir is $ECGAD_BUILD_DIR
# (default build/); the model bundle is trained once and kept in the work dir (--retrain: again).
# Exit 0 only when the soak and every kill round pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
hours=24
seed=1
kill_rounds=0
rounds=3
workdir=""
exe=""
retrain=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hours) hours=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --kill) kill_rounds=1; shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --exe) exe=$2; shift 2 ;;
    --retrain) retrain=(--retrain); shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

build=${ECGAD_BUILD_DIR:-$root/build}
if [ -z "$exe" ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    generator=()
    command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
    nice -n 19 cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DECGAD_BUILD_PYTHON=OFF -DECGAD_BUILD_BENCHMARKS=ON
  fi
  nice -n 19 cmake --build "$build" --target ecgad_soak -j "${ECGAD_JOBS:-1}"
  exe=$build/benchmarks/ecgad_soak
fi
[ -x "$exe" ] || { echo "soak.sh: no executable at $exe" >&2; exit 2; }
workdir=${workdir:-$build/soak}
mkdir -p "$workdir"
bundle=$workdir/soak-model.ecgad

echo "== soak: $hours simulated hours, seed $seed (work dir $workdir)"
soak_rc=0
nice -n 19 "$exe" --hours "$hours" --seed "$seed" --store "$workdir/soak.sqlite" --fresh \
  --bundle "$bundle" ${retrain[@]+"${retrain[@]}"} || soak_rc=$?

passed=0
if [ "$kill_rounds" -eq 1 ]; then
  for round in $(seq 1 "$rounds"); do
    store=$workdir/kill-$round.sqlite
    log=$workdir/kill-$round.log
    round_seed=$(( (RANDOM << 15) | RANDOM ))
    batch=$(shuf -n 1 -e 64 256 512)
    want=$(( 2 + RANDOM % 15 ))   # committed batches to wait for before the kill
    delay_ms=$(( RANDOM % 300 ))  # then a random moment, mostly mid-batch
    echo "== kill round $round: seed $round_seed, batch $batch, SIGKILL after $want acks + ${delay_ms} ms"
    nice -n 19 "$exe" --hours 1000 --seed "$round_seed" --store "$store" --bundle "$bundle" \
      --batch-events "$batch" --fresh --ack >"$log" 2>&1 &
    pid=$!
    deadline=$(( SECONDS + 120 ))
    alive=1
    while [ "$(grep -c '^ack ' "$log" || true)" -lt "$want" ]; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "kill round $round: the soak exited before $want acks"; tail -5 "$log"; alive=0; break
      fi
      if [ $SECONDS -gt $deadline ]; then
        echo "kill round $round: no $want acks within 120 s"; alive=0; break
      fi
      sleep 0.05
    done
    sleep "$(printf '0.%03d' "$delay_ms")"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    acked=$(grep '^ack ' "$log" | tail -n 1 | awk '{print $3}')
    acked=${acked:-0}
    echo "killed after $(grep -c '^ack ' "$log" || true) acks: $acked events acknowledged"
    if [ "$alive" -eq 1 ] && nice -n 19 "$exe" --verify "$store" --acked "$acked"; then
      passed=$((passed + 1))
    fi
  done
  echo "== kill rounds passed: $passed of $rounds"
fi

if [ "$soak_rc" -ne 0 ]; then
  echo "soak.sh: the soak failed (exit $soak_rc)"
  exit 1
fi
if [ "$kill_rounds" -eq 1 ] && [ "$passed" -ne "$rounds" ]; then
  echo "soak.sh: $((rounds - passed)) kill round(s) failed"
  exit 1
fi
echo "soak.sh: all passed"
