#!/usr/bin/env bash
# Local TURN/STUN server (coturn, Debian's package) for the video visit tests and demos.
#
# The platform mints short-lived TURN credentials with the TURN REST API scheme
# (username "<expiry>:<id>", password base64(HMAC-SHA1(secret, username))), which coturn
# checks with use-auth-secret / static-auth-secret. This server listens on loopback only,
# relays on loopback only, and allows loopback peers (both browsers of a test sit on this
# machine). Production runs coturn on a public address with TLS: see docs/video.md.
#
# Usage: infra/coturn.sh start|stop|restart|status|url|secret|logs
#
#   start    install coturn (first time, apt-get), write the config, launch, wait until it
#            answers, print the TURN URL. Idempotent.
#   stop     SIGTERM, then SIGKILL after a few seconds. Idempotent.
#   status   exit 0 if running, 3 if not.
#   url      print the TURN URL (turn:127.0.0.1:<port>?transport=udp).
#   secret   print the shared secret (made on first start; DEV/TEST ONLY).
#   logs     tail the server log.
#
# Environment (all optional):
#   TURN_PORT     listening port on 127.0.0.1      (default 13478)
#   TURN_RELAY    relay port range "min-max"        (default 49160-49260)
#   SB_VAR_DIR    runtime state root                (default <repo>/var)

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

TURN_HOST=127.0.0.1
TURN_PORT=${TURN_PORT:-13478}
TURN_RELAY=${TURN_RELAY:-49160-49260}
REALM=selvbetjening.local
STATE_DIR=$(abspath "${SB_VAR_DIR:-$REPO_ROOT/var}")/coturn-$TURN_PORT
CONFIG_FILE=$STATE_DIR/turnserver.conf
PID_FILE=$STATE_DIR/turnserver.pid
LOG_FILE=$STATE_DIR/turnserver.log
SECRET_FILE=$STATE_DIR/secret

log() { printf 'coturn: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ensure_installed() {
    command -v turnserver >/dev/null 2>&1 && return
    [[ $EUID -eq 0 ]] || die "coturn is not installed and installing it needs root"
    log "installing Debian's coturn package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends coturn >&2
    # The package may enable its own system service on 3478; ours is separate and leaves
    # it alone (no systemd in CI containers anyway).
}

read_pid() { [[ -f $PID_FILE ]] && cat "$PID_FILE" 2>/dev/null || true; }

is_running() {
    local pid
    pid=$(read_pid)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q turnserver "/proc/$pid/cmdline" 2>/dev/null
}

# A STUN binding request over UDP; coturn answers it without credentials.
answers() {
    python3 - "$TURN_HOST" "$TURN_PORT" <<'EOF'
import os, socket, struct, sys
host, port = sys.argv[1], int(sys.argv[2])
request = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.settimeout(0.5)
    try:
        s.sendto(request, (host, port))
        answer = s.recv(2048)
    except OSError:
        sys.exit(1)
sys.exit(0 if answer[:2] == b"\x01\x01" else 1)
EOF
}

write_config() {
    mkdir -p "$STATE_DIR"
    chmod 700 "$STATE_DIR"
    if [[ ! -s $SECRET_FILE ]]; then
        (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$SECRET_FILE")
    fi
    local min=${TURN_RELAY%-*} max=${TURN_RELAY#*-}
    (umask 077 && cat >"$CONFIG_FILE" <<EOF
# Written by infra/coturn.sh; DEV/TEST ONLY (loopback, no TLS).
listening-ip=$TURN_HOST
relay-ip=$TURN_HOST
listening-port=$TURN_PORT
min-port=$min
max-port=$max
realm=$REALM
use-auth-secret
static-auth-secret=$(cat "$SECRET_FILE")
fingerprint
no-tls
no-dtls
no-cli
no-multicast-peers
allow-loopback-peers
pidfile=$PID_FILE
log-file=$LOG_FILE
simple-log
no-stdout-log
EOF
    )
}

cmd_start() {
    if is_running; then
        echo "turn:$TURN_HOST:$TURN_PORT?transport=udp"
        return
    fi
    ensure_installed
    write_config
    rm -f "$PID_FILE"
    : >"$LOG_FILE"
    # Detached from this shell: it must outlive `make` and not hold its output open.
    setsid turnserver -c "$CONFIG_FILE" >/dev/null 2>&1 </dev/null &
    local i
    for i in $(seq 1 50); do
        if answers; then
            is_running || sleep 0.2
            echo "turn:$TURN_HOST:$TURN_PORT?transport=udp"
            return
        fi
        sleep 0.2
    done
    tail -n 30 "$LOG_FILE" >&2 || true
    die "coturn did not answer on $TURN_HOST:$TURN_PORT"
}

cmd_stop() {
    local pid
    pid=$(read_pid)
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
        log "not running"
        return
    fi
    kill "$pid"
    for _ in $(seq 1 25); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; log "stopped"; return; }
        sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    log "killed"
}

cmd_status() {
    if is_running && answers; then
        echo "coturn: running (pid $(read_pid)) on $TURN_HOST:$TURN_PORT"
        return 0
    fi
    echo "coturn: not running"
    return 3
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop; cmd_start ;;
    status) cmd_status ;;
    url) echo "turn:$TURN_HOST:$TURN_PORT?transport=udp" ;;
    secret) [[ -s $SECRET_FILE ]] || write_config; cat "$SECRET_FILE"; echo ;;
    logs) tail -n 200 "$LOG_FILE" ;;
    *) sed -n 's/^# \{0,1\}//; /^Usage:/,/^Environment/p' "${BASH_SOURCE[0]}" | sed '$d' >&2; exit 2 ;;
esac
