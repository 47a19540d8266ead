#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, broker+controller in one JVM) for local
# development and CI.
#
# There is no Docker and no release tarball available to us, only Maven
# Central, so the broker is assembled from its published jars: Maven resolves
# kafka_2.13 plus its runtime classpath (infra/kafka/pom.xml) into a cache, and
# we run kafka.Kafka directly with java. It listens on loopback only.
#
# Usage: infra/kafka.sh start|stop|restart|status|wait|logs [-f]|bootstrap
#
#   start      fetch jars (first time), format storage (first time), launch,
#              wait until ready, print the bootstrap address. Idempotent.
#   stop       SIGTERM, wait, SIGKILL after KAFKA_STOP_TIMEOUT. Idempotent.
#   restart    stop + start.
#   status     exit 0 if running and ready, 3 if not running, 1 if the
#              process is up but not (yet) ready.
#   wait       block until ready (or KAFKA_START_TIMEOUT), e.g. after a start
#              in another shell/step.
#   logs       tail the broker log (-f to follow).
#   bootstrap  print the bootstrap address (host:port) for clients.
#
# Environment (all optional):
#   KAFKA_VERSION          Kafka release from Maven Central (default below)
#   KAFKA_PORT             client listener port        (default 19092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port       (default 19093)
#   KAFKA_HEAP_OPTS        JVM heap flags              (default -Xms256m -Xmx512m)
#   KAFKA_START_TIMEOUT    seconds to wait for ready   (default 120)
#   KAFKA_STOP_TIMEOUT     seconds before SIGKILL      (default 30)
#   SB_CACHE_DIR           jar cache root   (default ~/.cache/selvbetjening)
#   SB_VAR_DIR             runtime state root (default <repo>/var)
#   JAVA_HOME              java to use (default: java on PATH; needs 17+)

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

# Pinned rather than "latest" so CI is reproducible; 4.4.0 was the newest 4.x
# on Maven Central when this was written. Keep in sync with infra/kafka/pom.xml.
KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
KAFKA_HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

# Relative SB_* dirs would resolve differently from another cwd, and `stop`
# recognises the broker by the absolute config path on its command line.
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

POM=$SCRIPT_DIR/kafka/pom.xml
LOG4J_CONFIG=$SCRIPT_DIR/kafka/log4j2.xml
CACHE_DIR=$(abspath "${SB_CACHE_DIR:-$HOME/.cache/selvbetjening}")/kafka-$KAFKA_VERSION
LIBS_DIR=$CACHE_DIR/libs
LIBS_STAMP=$CACHE_DIR/libs.stamp

STATE_DIR=$(abspath "${SB_VAR_DIR:-$REPO_ROOT/var}")/kafka
DATA_DIR=$STATE_DIR/data
LOG_DIR=$STATE_DIR/logs
LOG_FILE=$LOG_DIR/server.log
PID_FILE=$STATE_DIR/kafka.pid
CONFIG_FILE=$STATE_DIR/server.properties
LOCK_FILE=$STATE_DIR/.lock

BOOTSTRAP=$KAFKA_HOST:$KAFKA_PORT
# Written to the log right before each launch; readiness only counts
# "Kafka Server started" lines after the latest marker, so an old run's
# success in the same (appended) log cannot fool us.
START_MARKER='### infra/kafka.sh: launching broker'
READY_PATTERN='Kafka Server started'
MAX_LOG_BYTES=$((50 * 1024 * 1024))

JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

log() { printf 'kafka: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- process / readiness probes ------------------------------------------

read_pid() {
    if [[ -s $PID_FILE ]]; then cat "$PID_FILE"; fi
}

# The pid file can outlive the process (reboot, SIGKILL, a CI cache restoring
# var/), and pids get reused, so only trust it if that pid is our broker.
is_running() {
    local pid
    pid=$(read_pid)
    [[ -n $pid ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $CONFIG_FILE"
}

port_open() {
    (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

# An open port alone proves little: it may be a broker from an earlier run
# still shutting down, or some other process. KafkaRaftServer's final
# "Kafka Server started" line (logged after the broker is unfenced) after our
# own launch marker ties readiness to this launch.
started_since_last_launch() {
    [[ -f $LOG_FILE ]] || return 1
    awk -v marker="$START_MARKER" -v ready="$READY_PATTERN" '
        index($0, marker) { seen = 0; next }
        index($0, ready)  { seen = 1 }
        END { exit !seen }' "$LOG_FILE"
}

is_ready() {
    is_running && port_open "$KAFKA_PORT" && started_since_last_launch
}

show_log_tail() {
    if [[ -f $LOG_FILE ]]; then
        log "last lines of $LOG_FILE:"
        tail -n "${1:-60}" "$LOG_FILE" >&2
    fi
}

# Poll until ready. Returns 1 on timeout, 2 if the process died; a missing pid
# file is tolerated because a `start` in another shell may still be launching.
wait_ready() {
    local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if is_ready; then
            return 0
        fi
        if [[ -n $(read_pid) ]] && ! is_running; then
            return 2
        fi
        sleep 0.5
    done
    return 1
}

# --- setup ------------------------------------------------------------------

check_java() {
    command -v "$JAVA" >/dev/null || die "java not found (set JAVA_HOME or install Java 17+)"
    local major
    major=$("$JAVA" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = //p')
    # Kafka 4 brokers are compiled for Java 17; older JVMs fail with an
    # UnsupportedClassVersionError that is easy to misread.
    [[ ${major%%.*} -ge 17 ]] 2>/dev/null || die "Kafka $KAFKA_VERSION needs Java 17+, found '$major' ($JAVA)"
}

# Resolve the broker classpath into the cache once. The stamp holds a hash of
# the pom so editing it (e.g. a log4j bump) re-resolves; a half-finished
# download never gets a stamp and is redone.
fetch_libs() {
    local want
    want="$KAFKA_VERSION $(sha256sum "$POM" | cut -d' ' -f1)"
    if [[ -f $LIBS_STAMP && $(cat "$LIBS_STAMP") == "$want" && -d $LIBS_DIR ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found; needed once to fetch Kafka jars from Maven Central"
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR"
    mkdir -p "$CACHE_DIR"
    local tmp=$CACHE_DIR/libs.tmp.$$ mvn_log=$CACHE_DIR/mvn.log
    rm -rf "$tmp"
    # Output goes to a file and is only shown on failure: even with -q, Maven
    # 3.8 sprinkles ANSI escape codes into the terminal/CI log.
    if ! mvn -B -ntp -f "$POM" \
        -Dkafka.version="$KAFKA_VERSION" \
        dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
        tail -n 40 "$mvn_log" >&2
        rm -rf "$tmp"
        die "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full output: $mvn_log)"
    fi
    [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolve"
    rm -rf "$LIBS_DIR"
    mv "$tmp" "$LIBS_DIR"
    printf '%s\n' "$want" >"$LIBS_STAMP"
}

# Regenerated on every start so port/env changes take effect; everything that
# must persist (cluster id, topics, offsets) lives in DATA_DIR.
write_config() {
    cat >"$CONFIG_FILE" <<EOF
# Generated by infra/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
# Static quorum: the voter set comes from this file, not from what was written
# at format time, so changing KAFKA_CONTROLLER_PORT later just works.
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$DATA_DIR

# Topics: services may rely on auto-creation in dev; 3 partitions by default
# so consumer-group behaviour (partition split between members) is exercised.
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1

# Internal topics must fit on one broker.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests: no 3 s grace before the first rebalance of an empty group, and let
# clients pick short session timeouts (broker default floor is 6 s).
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000

# The machine has 2 cores shared with the test suite; the defaults (3 network,
# 8 io threads) only add context switching for a single dev broker.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
}

# Runs once per data dir: KRaft refuses to start on unformatted storage.
format_storage() {
    [[ -f $DATA_DIR/meta.properties ]] && return 0
    local cluster_id
    # A Kafka cluster id is 16 random bytes in unpadded URL-safe base64; a
    # leading '-' would be parsed as an option, so draw again in that case.
    while :; do
        cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
        [[ $cluster_id != -* ]] && break
    done
    log "formatting storage in $DATA_DIR (cluster id $cluster_id)"
    mkdir -p "$DATA_DIR"
    "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
        -cp "$LIBS_DIR/*" kafka.tools.StorageTool format \
        --cluster-id "$cluster_id" --config "$CONFIG_FILE" >>"$LOG_FILE" 2>&1 ||
        { show_log_tail 30; die "storage format failed"; }
}

rotate_log() {
    if [[ -f $LOG_FILE ]] && (($(stat -c %s "$LOG_FILE") > MAX_LOG_BYTES)); then
        mv -f "$LOG_FILE" "$LOG_FILE.1"
    fi
}

# --- commands ----------------------------------------------------------------

cmd_start() {
    mkdir -p "$STATE_DIR" "$LOG_DIR"
    # Serialise concurrent starts (parallel CI steps, two terminals). fd 9
    # must not leak into the broker or it would hold the lock forever.
    exec 9>"$LOCK_FILE"
    flock -w "$KAFKA_START_TIMEOUT" 9 || die "timed out waiting for another kafka.sh start"

    if is_running; then
        if wait_ready; then
            log "already running (pid $(read_pid))"
            echo "$BOOTSTRAP"
            return 0
        fi
        show_log_tail
        die "pid $(read_pid) is running but not ready after ${KAFKA_START_TIMEOUT}s"
    fi
    rm -f "$PID_FILE"

    local p
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        if port_open "$p"; then
            die "port $KAFKA_HOST:$p is already in use by another process"
        fi
    done

    check_java
    fetch_libs
    rotate_log
    write_config
    format_storage

    log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (log: $LOG_FILE)"
    printf '%s at %s\n' "$START_MARKER" "$(date -Is)" >>"$LOG_FILE"
    # Flags follow upstream kafka-run-class.sh (G1, short pauses), except the
    # heap: tests share a 2-core box. ExitOnOutOfMemoryError so a broken
    # broker dies visibly instead of limping along.
    # nohup + background is enough to detach: non-interactive bash starts
    # background jobs with SIGINT ignored, and the JVM keeps it ignored.
    # The subshell cds away from the caller's cwd (so the broker doesn't pin
    # it) and execs, so $! is the java pid itself.
    # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of flags
    (cd "$STATE_DIR" && exec nohup "$JAVA" $KAFKA_HEAP_OPTS \
        -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
        -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
        -XX:+ExitOnOutOfMemoryError -XX:ErrorFile="$LOG_DIR/hs_err_pid%p.log" \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
        -cp "$LIBS_DIR/*" kafka.Kafka "$CONFIG_FILE" \
        </dev/null >>"$LOG_FILE" 2>&1 9>&-) &
    echo $! >"$PID_FILE"

    local rc=0
    wait_ready || rc=$?
    if ((rc == 0)); then
        log "ready after ${SECONDS}s (pid $(read_pid))"
        echo "$BOOTSTRAP"
        return 0
    fi
    show_log_tail
    if ((rc == 2)); then
        rm -f "$PID_FILE"
        die "broker exited during startup"
    fi
    # Don't leave a half-started broker holding the ports.
    stop_broker || true
    die "broker not ready after ${KAFKA_START_TIMEOUT}s; stopped it"
}

stop_broker() {
    local pid
    pid=$(read_pid)
    if ! is_running; then
        rm -f "$PID_FILE"
        return 1
    fi
    # SIGTERM runs Kafka's shutdown hook: controlled shutdown + clean log
    # close, so the next start skips log recovery.
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "still alive after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$PID_FILE"
    return 0
}

cmd_stop() {
    if stop_broker; then
        log "stopped"
    else
        log "not running"
    fi
}

cmd_status() {
    if ! is_running; then
        echo "kafka: not running"
        return 3
    fi
    if is_ready; then
        echo "kafka: running (pid $(read_pid)) on $BOOTSTRAP"
        return 0
    fi
    echo "kafka: process $(read_pid) up but not ready"
    return 1
}

cmd_wait() {
    local rc=0
    wait_ready || rc=$?
    case $rc in
        0) echo "$BOOTSTRAP" ;;
        2) show_log_tail; die "broker process exited" ;;
        *) show_log_tail; die "broker not ready after ${KAFKA_START_TIMEOUT}s" ;;
    esac
}

cmd_logs() {
    [[ -f $LOG_FILE ]] || die "no log yet at $LOG_FILE"
    if [[ ${1:-} == -f ]]; then
        exec tail -n 100 -F "$LOG_FILE"
    fi
    tail -n 200 "$LOG_FILE"
}

usage() {
    sed -n 's/^# \{0,1\}//; /^Usage:/,/^Environment/p' "${BASH_SOURCE[0]}" | sed '$d' >&2
    exit 2
}

main() {
    local cmd=${1:-}
    (($# > 0)) && shift
    case $cmd in
        start) cmd_start ;;
        stop) cmd_stop ;;
        restart) cmd_stop; cmd_start ;;
        status) cmd_status ;;
        wait) cmd_wait ;;
        logs) cmd_logs "$@" ;;
        bootstrap) echo "$BOOTSTRAP" ;;
        *) usage ;;
    esac
}

main "$@"
