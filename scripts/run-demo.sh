#!/usr/bin/env bash
# The body of `make run`: starts the whole demo platform in the foreground.
#   1. broadcart serve --with-rtmp --demo   (HTTP API + web client, nginx-rtmp child, demo data)
#   2. waits for /healthz
#   3. a demo publisher: ffmpeg test pattern + 440 Hz tone pushed over RTMP to the demo live,
#      restarted whenever it exits while the server runs
# Ctrl-C (or SIGTERM) stops the publisher and broadcart (which stops its nginx child itself).
# Exits with broadcart's exit status.
#
# Settings (environment): BROADCART_HTTP_PORT (8080), BROADCART_RTMP_PORT (1935),
# BROADCART_DATA_DIR (./var), BROADCART_BIN (build/broadcart), BROADCART_RTMP_PUBLIC_HOST
# (127.0.0.1), BROADCART_PUBLIC_URL, DEMO_PUBLISHER=0 to skip the ffmpeg publisher, FFMPEG (ffmpeg).
# Every other BROADCART_* setting is passed through to broadcart (see `broadcart config`).
set -u
cd "$(dirname "$0")/.." || exit 1

export BROADCART_HTTP_PORT="${BROADCART_HTTP_PORT:-8080}"
export BROADCART_RTMP_PORT="${BROADCART_RTMP_PORT:-1935}"
export BROADCART_DATA_DIR="${BROADCART_DATA_DIR:-./var}"
BIN="${BROADCART_BIN:-build/broadcart}"
FFMPEG="${FFMPEG:-ffmpeg}"
HTTP_PORT="$BROADCART_HTTP_PORT"
RTMP_PORT="$BROADCART_RTMP_PORT"
DATA_DIR="$BROADCART_DATA_DIR"
RTMP_HOST="${BROADCART_RTMP_PUBLIC_HOST:-127.0.0.1}"
PUBLIC_URL="${BROADCART_PUBLIC_URL:-http://127.0.0.1:$HTTP_PORT}"
HEALTH_TIMEOUT="${DEMO_HEALTH_TIMEOUT:-30}"

BC_PID=""
PUB_PID=""
BC_STATUS=""

say() { printf '%s\n' "run-demo: $*" >&2; }

# True when something already accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# Stops the publisher loop (and its ffmpeg) and broadcart, waits for both, exits with
# broadcart's status. Runs once, from the trap or at the end.
finish() {
    trap - INT TERM EXIT
    if [ -n "$PUB_PID" ]; then
        kill -TERM "$PUB_PID" 2>/dev/null
        wait "$PUB_PID" 2>/dev/null
    fi
    if [ -n "$BC_PID" ] && [ -z "$BC_STATUS" ]; then
        if kill -0 "$BC_PID" 2>/dev/null; then
            say "stopping broadcart (pid $BC_PID)"
            kill -TERM "$BC_PID" 2>/dev/null
            # give it 10 s for a clean shutdown (it stops nginx itself), then force
            for _ in $(seq 1 100); do
                kill -0 "$BC_PID" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$BC_PID" 2>/dev/null; then
                say "broadcart did not stop in 10 s; killing it"
                kill -KILL "$BC_PID" 2>/dev/null
            fi
        fi
        wait "$BC_PID" 2>/dev/null
        BC_STATUS=$?
    fi
    exit "${BC_STATUS:-1}"
}

# Publishes the test pattern to the demo live until stopped; restarts ffmpeg when it exits
# while broadcart is still running. Runs in a background subshell.
publisher_loop() {
    local url="$1" log="$2" ff=""
    trap '[ -n "$ff" ] && kill -TERM "$ff" 2>/dev/null; [ -n "$ff" ] && wait "$ff" 2>/dev/null; exit 0' TERM INT
    while kill -0 "$BC_PID" 2>/dev/null; do
        "$FFMPEG" -nostdin -hide_banner -loglevel error -re \
            -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440 \
            -c:v libx264 -preset veryfast -tune zerolatency -g 30 -c:a aac \
            -f flv "$url" </dev/null >>"$log" 2>&1 &
        ff=$!
        wait "$ff"
        local st=$?
        ff=""
        # sleep in the background so a TERM is handled at once
        sleep 1 & wait $!
        kill -0 "$BC_PID" 2>/dev/null || break
        # a live that was on air ends when its publisher leaves and cannot be published again
        if curl -fsS --max-time 2 "http://127.0.0.1:$HTTP_PORT/api/v1/lives/$LIVE_ID" 2>/dev/null |
            grep -q '"status": *"ENDED"'; then
            say "the demo live $LIVE_ID has ended (publisher status $st); not restarting it."
            say "restart 'make run' to get a new demo live (log: $log)"
            break
        fi
        say "demo publisher exited (status $st); restarting in 3 s (log: $log)"
        sleep 2 & wait $!
    done
}

trap finish INT TERM EXIT

if [ ! -x "$BIN" ]; then
    say "$BIN not found or not executable; build first (make build) or set BROADCART_BIN"
    BC_STATUS=1
    exit 1
fi
busy=""
port_in_use "$HTTP_PORT" && busy="HTTP port $HTTP_PORT (BROADCART_HTTP_PORT)"
port_in_use "$RTMP_PORT" && busy="${busy:+$busy and }RTMP port $RTMP_PORT (BROADCART_RTMP_PORT)"
if [ -n "$busy" ]; then
    say "*** $busy already in use by another process."
    say "*** Stop it (e.g. another 'make run', or a system nginx: systemctl disable --now nginx) or pick other ports:"
    say "***   BROADCART_HTTP_PORT=8081 BROADCART_RTMP_PORT=1936 make run"
    BC_STATUS=1
    exit 1
fi

mkdir -p "$DATA_DIR"
rm -f "$DATA_DIR/demo-live.env"
"$BIN" serve --with-rtmp --demo &
BC_PID=$!
say "broadcart started (pid $BC_PID), waiting for http://127.0.0.1:$HTTP_PORT/healthz"

ok=""
for _ in $(seq 1 $((HEALTH_TIMEOUT * 5))); do
    if ! kill -0 "$BC_PID" 2>/dev/null; then
        wait "$BC_PID"
        BC_STATUS=$?
        say "broadcart exited during start-up (status $BC_STATUS); see the log above"
        exit "$BC_STATUS"
    fi
    if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null; then
        ok=1
        break
    fi
    sleep 0.2
done
if [ -z "$ok" ]; then
    say "broadcart did not answer /healthz within $HEALTH_TIMEOUT s; stopping"
    exit 1
fi

LIVE_ID=""
STREAM_KEY=""
if [ -f "$DATA_DIR/demo-live.env" ]; then
    LIVE_ID=$(sed -n 's/^LIVE_ID=\([0-9][0-9]*\)$/\1/p' "$DATA_DIR/demo-live.env")
    STREAM_KEY=$(sed -n 's/^STREAM_KEY=\([A-Za-z0-9]*\)$/\1/p' "$DATA_DIR/demo-live.env")
fi

publisher="off"
if [ -z "$LIVE_ID" ] || [ -z "$STREAM_KEY" ]; then
    say "warning: no demo live in $DATA_DIR/demo-live.env (the database had other users); no demo publisher"
elif [ "${DEMO_PUBLISHER:-1}" = 0 ]; then
    say "DEMO_PUBLISHER=0: not starting the demo publisher"
elif ! command -v "$FFMPEG" >/dev/null 2>&1; then
    say "warning: ffmpeg not found; no demo publisher (install ffmpeg, or stream with OBS using the settings below)"
else
    publisher_loop "rtmp://127.0.0.1:$RTMP_PORT/live/$LIVE_ID?key=$STREAM_KEY" "$DATA_DIR/demo-publisher.log" &
    PUB_PID=$!
    publisher="on (ffmpeg test pattern → live $LIVE_ID, log $DATA_DIR/demo-publisher.log)"
fi

cat <<EOF

  ==========================================================================
   Broadcart demo is running:  ${PUBLIC_URL%/}/

   Demo logins
     seller  seller@broadcart.local / seller1234   (Broadcart Demo Store)
     buyer   buyer@broadcart.local  / buyer1234
     admin   admin@broadcart.local  / admin1234

   Demo publisher: $publisher
EOF
if [ -n "$LIVE_ID" ] && [ -n "$STREAM_KEY" ]; then
    cat <<EOF
   Live page: ${PUBLIC_URL%/}/#/live/$LIVE_ID

   Stream from OBS instead (Settings → Stream, Service "Custom…"; set DEMO_PUBLISHER=0):
     Server      rtmp://$RTMP_HOST:$RTMP_PORT/live
     Stream key  $LIVE_ID?key=$STREAM_KEY
     Output      H.264 + AAC, keyframe interval 1 s
EOF
fi
cat <<EOF

   Data: $DATA_DIR      Press Ctrl-C to stop everything.
  ==========================================================================

EOF

wait "$BC_PID"
st=$?
# wait returns early (> 128) when a trapped signal arrives; the trap then runs finish.
if ! kill -0 "$BC_PID" 2>/dev/null; then
    BC_STATUS=$st
    say "broadcart exited (status $BC_STATUS)"
fi
finish
