#!/bin/sh
# run.sh - build the libFuzzer targets (clang, -DEWSEMU_FUZZ=ON) and run each one.
#   tests/fuzz/run.sh [--smoke | --long] [BUILD_DIR [TARGET...]]
# --smoke (make test, the default): every seed of tests/fuzz/corpus/<t>/ is replayed once,
#         then the target fuzzes for FUZZ_SMOKE_SECONDS (default 10) or FUZZ_SMOKE_RUNS inputs
#         (default 500000), whichever ends first, from a fresh scratch corpus.
# --long  (make fuzz): FUZZ_SECONDS per target (default 180); the corpus grown in
#         BUILD_DIR/fuzz/corpus/<t>/ is kept and reused by the next run.
# BUILD_DIR defaults to build-fuzz; TARGET names (http soap token vcard fixture photo tenant)
# pick some targets only.  Crashes, leaks, timeouts and out-of-memory inputs are written to
# BUILD_DIR/fuzz/artifacts/<t>/, logs to BUILD_DIR/fuzz/logs/<t>.log: never into the source
# tree.  A per-target line gives executions, exec/s and coverage; the last line reads
# "fuzz: N passed, M failed", and the exit status is 1 when any target failed.
set -eu
cd "$(dirname "$0")/../.."

mode=smoke
case "${1:-}" in
  --smoke) shift ;;
  --long) mode=long; shift ;;
  -*) echo "usage: $0 [--smoke | --long] [BUILD_DIR [TARGET...]]" >&2; exit 2 ;;
esac
dir=${1:-build-fuzz}
[ $# -gt 0 ] && shift
targets=${*:-http soap token vcard fixture photo tenant}
JOBS=$(nproc 2>/dev/null || echo 2)

echo "== build $dir (clang, libFuzzer + ASan + UBSan)"
cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEWSEMU_FUZZ=ON >/dev/null
cmake --build "$dir" -j "$JOBS" --target fuzz-targets

: "${ASAN_OPTIONS:=detect_leaks=1:abort_on_error=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS
case "$dir" in
  /*) out=$dir/fuzz ;;
  *) out=$PWD/$dir/fuzz ;;
esac
mkdir -p "$out/logs" "$out/tmp"
export TMPDIR="$out/tmp"   # fuzz_tenant's store and files
passed=0
failed=0

for t in $targets; do
  bin=$dir/tests/fuzz/fuzz_$t
  seeds=tests/fuzz/corpus/$t
  log=$out/logs/$t.log
  art=$out/artifacts/$t
  if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
    echo "fuzz_$t: FAILED (no such target or seed corpus)"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$art"
  set -- -artifact_prefix="$art/" -timeout="${FUZZ_TIMEOUT:-20}" -rss_limit_mb=2560 -print_final_stats=1
  dict=tests/fuzz/$t.dict
  [ -f "$dict" ] && set -- "$@" -dict="$dict"
  ok=1
  if [ "$mode" = smoke ]; then
    work=$out/smoke/$t
    rm -rf "$work"
    mkdir -p "$work"
    # every seed once (a crash here names the seed), then a short fuzzing run
    "$bin" "$@" "$seeds"/* >"$log" 2>&1 || ok=0
    [ $ok = 1 ] && { "$bin" "$@" -max_total_time="${FUZZ_SMOKE_SECONDS:-10}" -runs="${FUZZ_SMOKE_RUNS:-500000}" \
                       "$work" "$seeds" >>"$log" 2>&1 || ok=0; }
  else
    work=$out/corpus/$t
    mkdir -p "$work"
    "$bin" "$@" -max_total_time="${FUZZ_SECONDS:-180}" "$work" "$seeds" >"$log" 2>&1 || ok=0
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
  if [ $ok = 1 ]; then
    passed=$((passed + 1))
    echo "fuzz_$t: ok, ${execs:-?} executions (${rate:-?}/s), ${cov:-no coverage line}"
  else
    failed=$((failed + 1))
    echo "fuzz_$t: FAILED, see $log; reproducer in $art/"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant failed)' "$log" | head -n 5 | sed 's/^/  /'
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
