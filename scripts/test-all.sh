#!/bin/sh
# Runs every test: C unit tests, API/WebSocket/streaming tests, browser tests, then the unit and
# API tests again against the AddressSanitizer + UBSan build. Prints a summary line.
set -u
cd "$(dirname "$0")/.."
fail=0
step() { echo "=== $1"; shift; if "$@"; then echo "=== ok"; else echo "=== FAILED"; fail=$((fail+1)); fi; }
step "unit tests (cmocka)" meson test -C build --print-errorlogs
step "API, WebSocket and streaming tests" node --test --test-concurrency=1 tests/api/
step "browser tests (chromium)" node --test --test-concurrency=1 tests/e2e/
step "unit tests under ASan+UBSan" meson test -C build-asan --print-errorlogs
step "API tests under ASan+UBSan" env BROADCART_BIN=build-asan/broadcart node --test --test-concurrency=1 tests/api/
if [ "$fail" -ne 0 ]; then echo "test-all: $fail step(s) failed"; exit 1; fi
echo "test-all: all steps passed"
