#!/bin/sh
# Benchmark: HTTP throughput of the catalog and live endpoints with wrk (apt-get install wrk).
# Starts the demo server on a free port, runs wrk for 10 s per endpoint on loopback and prints
# requests/s and latency. Bounded by wrk's duration.
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk"; exit 1; }
BIN=${BROADCART_BIN:-build/broadcart}
DIR=$(mktemp -d)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
BROADCART_DATA_DIR=$DIR BROADCART_HTTP_PORT=$PORT BROADCART_HTTP_HOST=127.0.0.1 BROADCART_LOG_LEVEL=warn \
  "$BIN" serve --demo >/dev/null 2>"$DIR/err.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for i in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
. "$DIR/demo-live.env"
for path in /healthz "/api/v1/products?per_page=20" /api/v1/products/1 "/api/v1/lives/$LIVE_ID"; do
  echo "== GET $path"
  wrk -t1 -c64 -d10s --latency "http://127.0.0.1:$PORT$path" | grep -E "Requests/sec|Latency|99%"
done
echo "server RSS: $(grep VmRSS /proc/$PID/status)"
