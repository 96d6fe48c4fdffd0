#!/bin/sh
# Runs every test: C unit tests, API/WebSocket/streaming tests (on SQLite, then again on a private
# PostgreSQL 15 cluster), the cluster suite (PostgreSQL + Redis + two instances + nginx), browser
# tests, the Debian package (tests/package: make deb, its layout, lintian), then the unit, API and cluster tests again against the AddressSanitizer + UBSan build,
# then every libFuzzer target for FUZZ_SECONDS (default 30 here; `make fuzz` runs 60) seconds under ASan + UBSan. Each step's output is shown as it
# runs; at the end one line per step and the closing line "test-all: N passed, N failed, N skipped"
# (tests counted over all steps; a step that reports no count counts as one). Exit status 1 when
# any step failed.
#
# Adding a step: one more `step "what it checks" command args...` line below. A Node test step
# goes through scripts/run-node-tests.mjs (Node 18+: one file per process, one summary).
set -u
cd "$(dirname "$0")/.." || exit 1
NODE="${NODE:-node}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bc-test-all.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
passed=0 failed=0 skipped=0 steps=0 failed_steps=0
: >"$tmp/summary"

# step NAME CMD...: runs CMD, shows its output, adds its test counts to the totals.
step() {
    name=$1
    shift
    steps=$((steps + 1))
    echo "=== $name"
    : >"$tmp/tally"
    { BROADCART_TEST_TALLY="$tmp/tally" "$@"; echo $? >"$tmp/rc"; } 2>&1 | tee "$tmp/log"
    rc=$(cat "$tmp/rc")
    if [ -s "$tmp/tally" ]; then # a Node step: its runner wrote "passed failed skipped"
        read -r p f s <"$tmp/tally"
    elif grep -q '^Ok: ' "$tmp/log"; then # meson test's summary
        p=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$tmp/log" | tail -n 1)
        f=$(sed -n 's/^\(Fail\|Timeout\|Unexpected Pass\): *\([0-9]*\).*/\2/p' "$tmp/log" | awk '{n += $1} END {print n + 0}')
        s=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$tmp/log" | tail -n 1)
    elif [ "$rc" -eq 0 ]; then
        p=1 f=0 s=0
    else
        p=0 f=1 s=0
    fi
    # a failing command fails its step even when its counts say otherwise
    [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ] && f=1
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
    if [ "$rc" -eq 0 ]; then
        verdict=ok
    else
        verdict=FAILED
        failed_steps=$((failed_steps + 1))
    fi
    echo "=== $verdict: $name"
    printf '%-6s %s (%s passed, %s failed, %s skipped)\n' "$verdict" "$name" "${p:-0}" "${f:-0}" "${s:-0}" >>"$tmp/summary"
}

# The API suites run two test files at a time (most of a file's time is waiting on its server, timers
# and child processes); BROADCART_TEST_JOBS overrides. The cluster and browser suites run one at a time.
jobs=${BROADCART_TEST_JOBS:-2}

step "unit tests (cmocka)" meson test -C build --print-errorlogs
step "API, WebSocket, streaming and deploy-file tests" env BROADCART_TEST_JOBS="$jobs" "$NODE" scripts/run-node-tests.mjs tests/api/
step "API tests on PostgreSQL 15" env BROADCART_TEST_JOBS="$jobs" BROADCART_TEST_DATABASE=postgres "$NODE" scripts/run-node-tests.mjs tests/api/
step "cluster suite (PostgreSQL 15 + Redis + two instances + nginx)" "$NODE" scripts/run-node-tests.mjs tests/cluster/
step "browser tests (chromium)" "$NODE" scripts/run-node-tests.mjs tests/e2e/
step "Debian package (make deb, layout, lintian)" "$NODE" scripts/run-node-tests.mjs tests/package/
step "unit tests under ASan+UBSan" meson test -C build-asan --print-errorlogs
step "API tests under ASan+UBSan" env BROADCART_TEST_JOBS="$jobs" BROADCART_BIN=build-asan/broadcart "$NODE" scripts/run-node-tests.mjs tests/api/
step "cluster suite under ASan+UBSan" env BROADCART_BIN=build-asan/broadcart "$NODE" scripts/run-node-tests.mjs tests/cluster/
step "fuzz targets under ASan+UBSan (${FUZZ_SECONDS:-30} s each)" ./scripts/fuzz.sh "${FUZZ_SECONDS:-30}"

echo
echo "test-all: $steps step(s), $failed_steps failed (node $("$NODE" --version 2>/dev/null || echo missing))"
cat "$tmp/summary"
echo "test-all: $passed passed, $failed failed, $skipped skipped"
[ "$failed_steps" -eq 0 ] && [ "$failed" -eq 0 ]
