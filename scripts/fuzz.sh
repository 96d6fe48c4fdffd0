#!/bin/sh
# Runs every libFuzzer target in fuzz/ for a bounded time under ASan + UBSan and prints, per
# target, the executions, executions per second, coverage and crashes.
#   scripts/fuzz.sh [seconds]     seconds per target: the argument, else $FUZZ_SECONDS, else 60
#   FUZZ_TARGETS="media ws_chat"  run only these (default: all six)
#   FUZZ_SEED=1                   libFuzzer's -seed (fixed, printed; default 1)
# Builds build-fuzz (CC=clang, -Dfuzz=true) when missing. Each target runs on a temporary copy of
# its seed corpus (fuzz/corpus/<target>, never modified) with its dictionary (fuzz/dict). Exits 1
# when any target found a crash, a leak, a timeout or a UBSan report; the offending input is kept
# in build-fuzz/fuzz-artifacts/<target>/ and the end of its log is printed.
set -u
cd "$(dirname "$0")/.."
secs=${1:-${FUZZ_SECONDS:-60}}
seed=${FUZZ_SEED:-1}
targets=${FUZZ_TARGETS:-"http_request body_schema ws_chat media toss_response sandbox_form"}
case $secs in '' | *[!0-9]*) echo "fuzz.sh: seconds must be a positive integer, got '$secs'" >&2; exit 2 ;; esac
[ "$secs" -gt 0 ] || { echo "fuzz.sh: seconds must be > 0" >&2; exit 2; }

if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null || { echo "fuzz.sh: meson setup build-fuzz failed (clang installed?)" >&2; exit 1; }
fi
ninja -C build-fuzz >/dev/null || { echo "fuzz.sh: build failed: ninja -C build-fuzz" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/broadcart-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
# UBSan reports abort (so libFuzzer records the input); ASan also reports leaks at exit of each run
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:handle_abort=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

dict_of() {
  case $1 in body_schema) echo fuzz/dict/json.dict ;; *) echo "fuzz/dict/$1.dict" ;; esac
}

echo "fuzz: ${secs}s per target, -seed=$seed, targets: $targets"
printf '%-14s %12s %9s %7s %7s %8s  %s\n' target executions exec/s cov features crashes result
failed=0
for t in $targets; do
  bin=build-fuzz/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz.sh: no such target $bin" >&2; failed=$((failed + 1)); continue; }
  mkdir -p "$tmp/$t/corpus" "$tmp/$t/artifacts"
  cp fuzz/corpus/"$t"/* "$tmp/$t/corpus/"
  dict=$(dict_of "$t")
  dictarg=
  [ -f "$dict" ] && dictarg="-dict=$dict"
  # shellcheck disable=SC2086
  "$bin" -seed="$seed" -max_total_time="$secs" -max_len=8192 -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$tmp/$t/artifacts/" $dictarg "$tmp/$t/corpus" >"$tmp/$t/log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t/log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$t/log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$tmp/$t/log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$tmp/$t/log" | tail -n 1 | cut -d' ' -f2)
  crashes=$(find "$tmp/$t/artifacts" -type f | wc -l)
  ubsan=$(grep -c 'runtime error:' "$tmp/$t/log")
  result=ok
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$ubsan" -ne 0 ]; then
    result="FAILED (exit $rc)"
    failed=$((failed + 1))
    mkdir -p "build-fuzz/fuzz-artifacts/$t"
    cp "$tmp/$t/log" "build-fuzz/fuzz-artifacts/$t/log"
    find "$tmp/$t/artifacts" -type f -exec cp {} "build-fuzz/fuzz-artifacts/$t/" \;
  fi
  printf '%-14s %12s %9s %7s %7s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$crashes" "$result"
  if [ "$result" != ok ]; then
    echo "--- $t: end of log (full log and inputs in build-fuzz/fuzz-artifacts/$t/; replay: $bin <input>)"
    grep -v '^#[0-9]' "$tmp/$t/log" | tail -n 40
    echo "---"
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: $failed target(s) failed"
  exit 1
fi
echo "fuzz: all targets ran clean"
