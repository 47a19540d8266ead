#!/usr/bin/env bash
# Keycloak 26 (OIDC provider standing in for the municipality's NemLog-in /
# MitID broker) for local development, tests and demos.
#
# DEV/TEST ONLY: dev mode (start-dev), plain HTTP, embedded H2 database, and
# the admin password, client secrets and user passwords are all public
# (admin/admin, see infra/keycloak/realm-selvbetjening.json). It listens on
# loopback only and must never hold real data.
#
# There is no Docker and no release tarball available to us, only Maven
# Central, so the server comes from org.keycloak:keycloak-quarkus-dist (the
# same zip as the official download). It is unpacked once into the cache and
# never written to: each var dir gets its own small Keycloak home (symlinks to
# the cached jars plus its own build output, config and data), so two
# checkouts do not trample on each other's Quarkus build or database.
#
# Usage: infra/keycloak.sh start|stop|restart|status|wait|url|logs [-f]|reset
#
#   start      fetch + unpack the distribution (first time), import the
#              realm (first time), launch, wait until the realm's OIDC
#              discovery document answers, print the issuer URL. Idempotent.
#   stop       SIGTERM, wait, SIGKILL after KEYCLOAK_STOP_TIMEOUT. Idempotent.
#   restart    stop + start.
#   status     exit 0 if running and ready, 3 if not running, 1 if the
#              process is up but not (yet) ready.
#   wait       block until ready (or KEYCLOAK_START_TIMEOUT), e.g. after a
#              start in another shell/step; prints the issuer URL.
#   url        print the issuer URL (http://127.0.0.1:18080/realms/selvbetjening).
#   logs       tail the server log (-f to follow).
#   reset      stop and delete the database (users, sessions, keys, the
#              imported realm); the next start re-imports the realm file.
#
# The realm is imported from infra/keycloak/realm-*.json on the first start
# only: Keycloak skips a realm that already exists, so after editing the file
# run `infra/keycloak.sh reset` (start warns when the file changed).
# Admin console: http://127.0.0.1:18080/admin/ (admin/admin, master realm).
#
# Realm "selvbetjening" (infra/keycloak/realm-selvbetjening.json), shaped like
# a municipality's OIDC broker passing NemLog-in (MitID) attributes on:
#   issuer   http://127.0.0.1:18080/realms/selvbetjening (pinned via --hostname,
#            the same whether a caller uses 127.0.0.1 or localhost)
#   clients  selvbetjening-gateway / gateway-secret: authorization code only,
#              PKCE S256 required, no direct grants. Redirect URIs
#              http://{127.0.0.1,localhost}/auth/callback match ANY port
#              (Keycloak's RFC 8252 loopback rule; "http://127.0.0.1:*/..."
#              does NOT work). Post-logout: http://{127.0.0.1,localhost}/*.
#            fagsystem / fagsystem-secret: client credentials only; access
#              token scope "applications:case applications:read" by default,
#              "consents:check" only if requested (optional scope).
#            Access tokens of both have aud "selvbetjening" (a plain string
#            when it is the only audience). Access token lifetime 300 s, SSO
#            idle 1800 s.
#   claims   ID token, access token and userinfo of gateway logins carry
#              https://data.gov.dk/model/core/eid/cprNumber
#              https://data.gov.dk/model/core/eid/person/uuid
#              https://data.gov.dk/concept/core/nsis/loa
#            and staff get "roles": ["caseworker"] etc. (only the staff roles;
#            citizens have no "roles" claim at all).
#   users    password "test" for all:
#              borger-anna       cpr 0101011234 uuid 5f0d3b8e-6a5c-4e55-9b1a-2c1e0a7d0001 loa Substantial
#              borger-bent       cpr 0202022345 uuid 5f0d3b8e-6a5c-4e55-9b1a-2c1e0a7d0002 loa Low
#              paaroerende-carl  cpr 0303033456 uuid 5f0d3b8e-6a5c-4e55-9b1a-2c1e0a7d0003 loa Substantial
#              sagsbehandler-dorte (caseworker), hjemmehjaelp-erik (homecare),
#              auditor-frida (auditor)
#
# Driving the login from Python tests (no browser): GET the authorize URL with
# a requests.Session; the page has <form id="kc-form-login" action="...">
# whose action is an absolute URL with HTML-escaped &amp; (html.unescape it);
# POST username, password (and credentialId="") there with
# allow_redirects=False; a 302 Location to the redirect_uri carries code and
# state. A wrong password answers 200 with the form again and the text in
# <div id="input-error-username">. Keycloak sets its cookies "Secure" even on
# plain HTTP, which http.cookiejar never sends over http://, so clear
# cookie.secure for 127.0.0.1/localhost cookies as they are stored (subclass
# requests.cookies.RequestsCookieJar.set_cookie) or the POST fails with
# "Cookie not found".
#
# Timings on a busy 2-core box: first start 45-75 s (Quarkus build for dev
# mode + schema + realm import), ~100 s with the 160 MB download into an
# empty ~/.m2; later starts 10-20 s. Memory: ~550-600 MB RSS.
#
# Environment (all optional):
#   KEYCLOAK_VERSION          keycloak-quarkus-dist version (default below)
#   KEYCLOAK_PORT             HTTP port on 127.0.0.1          (default 18080)
#   KEYCLOAK_MANAGEMENT_PORT  health endpoints (/health/ready) (default 18081)
#   KEYCLOAK_HEAP_OPTS        JVM heap flags        (default -Xms256m -Xmx768m)
#   KEYCLOAK_JAVA_OPTS_APPEND extra JVM flags
#   KEYCLOAK_START_TIMEOUT    seconds to wait for ready        (default 240)
#   KEYCLOAK_STOP_TIMEOUT     seconds before SIGKILL           (default 30)
#   KEYCLOAK_JAVA_HOME        JDK to use (must be 21+)
#   JAVA_HOME                 used if it is 21+, otherwise ignored
#                             (default: newest JDK >= 21 under /usr/lib/jvm)
#   SB_CACHE_DIR              download cache root (default ~/.cache/selvbetjening)
#   SB_VAR_DIR                runtime state root  (default <repo>/var)

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)

KEYCLOAK_VERSION=${KEYCLOAK_VERSION:-26.4.5}
KEYCLOAK_HOST=127.0.0.1
KEYCLOAK_PORT=${KEYCLOAK_PORT:-18080}
KEYCLOAK_MANAGEMENT_PORT=${KEYCLOAK_MANAGEMENT_PORT:-18081}
KEYCLOAK_HEAP_OPTS=${KEYCLOAK_HEAP_OPTS:--Xms256m -Xmx768m}
KEYCLOAK_START_TIMEOUT=${KEYCLOAK_START_TIMEOUT:-240}
KEYCLOAK_STOP_TIMEOUT=${KEYCLOAK_STOP_TIMEOUT:-30}
REALM=selvbetjening
MIN_JAVA=21
ARTIFACT=org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip

abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

REALM_SRC_DIR=$SCRIPT_DIR/keycloak
CACHE_DIR=$(abspath "${SB_CACHE_DIR:-$HOME/.cache/selvbetjening}")/keycloak-$KEYCLOAK_VERSION
DIST_DIR=$CACHE_DIR/dist
DIST_STAMP=$CACHE_DIR/dist.stamp

STATE_DIR=$(abspath "${SB_VAR_DIR:-$REPO_ROOT/var}")/keycloak
# Keycloak derives everything (build output, data dir, import dir) from its
# home dir, so the per-var-dir home is where the state goes.
KC_HOME=$STATE_DIR/home
DATA_DIR=$STATE_DIR/data
LOG_DIR=$STATE_DIR/logs
LOG_FILE=$LOG_DIR/keycloak.log
PID_FILE=$STATE_DIR/keycloak.pid
LOCK_FILE=$STATE_DIR/.lock
REALM_STAMP=$STATE_DIR/realm-imported.sha256
START_MARKER='### infra/keycloak.sh: launching keycloak'
MAX_LOG_BYTES=$((50 * 1024 * 1024))

BASE_URL=http://$KEYCLOAK_HOST:$KEYCLOAK_PORT
ISSUER=$BASE_URL/realms/$REALM
READY_URL=$ISSUER/.well-known/openid-configuration

log() { printf 'keycloak: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- process / readiness probes ------------------------------------------

read_pid() {
    if [[ -s $PID_FILE ]]; then cat "$PID_FILE"; fi
}

# The pid file can outlive the process and pids get reused, so only trust a
# pid whose command line is our kc.sh (or the java it exec'd into after a
# re-augmentation); both mention $KC_HOME/bin/.
is_running() {
    local pid
    pid=$(read_pid)
    [[ -n $pid ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$KC_HOME/bin/"
}

port_open() {
    (exec 3<>"/dev/tcp/$KEYCLOAK_HOST/$1") 2>/dev/null
}

# Ready means the realm exists and serves discovery, i.e. the server is up
# AND the realm import has finished. -f: only 2xx counts.
http_ready() {
    curl -sf -o /dev/null --max-time 5 "$READY_URL"
}

is_ready() {
    is_running && http_ready
}

# Only the latest launch's lines: the log is appended to across restarts.
show_log_tail() {
    if [[ -f $LOG_FILE ]]; then
        log "last lines of $LOG_FILE (latest launch):"
        awk -v marker="$START_MARKER" 'index($0, marker) { n = 0 } { buf[n++] = $0 }
            END { for (i = (n > 60 ? n - 60 : 0); i < n; i++) print buf[i] }' "$LOG_FILE" >&2
    fi
}

# Poll until ready. Returns 1 on timeout, 2 if the process died; a missing pid
# file is tolerated because a `start` in another shell may still be launching.
wait_ready() {
    local deadline=$((SECONDS + KEYCLOAK_START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if is_ready; then
            return 0
        fi
        if [[ -n $(read_pid) ]] && ! is_running; then
            return 2
        fi
        sleep 1
    done
    return 1
}

# --- setup ------------------------------------------------------------------

java_major() {  # $1 = JDK home; prints the major version or nothing
    local v=
    if [[ -f $1/release ]]; then
        v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$1/release")
    fi
    if [[ -z $v && -x $1/bin/java ]]; then
        v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 |
            sed -n 's/^ *java\.specification\.version = //p')
    fi
    v=${v#1.}    # 1.8 -> 8
    v=${v%%[.+-]*}
    [[ $v =~ ^[0-9]+$ ]] && printf '%s\n' "$v"
}

# Keycloak 26.4 needs Java 21+, while the machine default is often 17 (which
# Maven and Kafka are happy with), so don't just take `java` from PATH.
find_java() {
    local major
    if [[ -n ${KEYCLOAK_JAVA_HOME:-} ]]; then
        [[ -x $KEYCLOAK_JAVA_HOME/bin/java ]] || die "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME has no bin/java"
        major=$(java_major "$KEYCLOAK_JAVA_HOME")
        [[ ${major:-0} -ge $MIN_JAVA ]] || die "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME is Java '${major:-?}'; Keycloak $KEYCLOAK_VERSION needs $MIN_JAVA+"
        KC_JAVA_HOME=$KEYCLOAK_JAVA_HOME KC_JAVA_MAJOR=$major
        return 0
    fi
    if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
        major=$(java_major "$JAVA_HOME")
        if [[ ${major:-0} -ge $MIN_JAVA ]]; then
            KC_JAVA_HOME=$JAVA_HOME KC_JAVA_MAJOR=$major
            return 0
        fi
        log "ignoring JAVA_HOME=$JAVA_HOME (Java ${major:-?} < $MIN_JAVA); set KEYCLOAK_JAVA_HOME to force a JDK"
    fi
    local dir best="" best_major=0
    for dir in /usr/lib/jvm/*/; do
        dir=${dir%/}
        [[ -L $dir ]] && continue  # java-1.17.0-openjdk-amd64 -> java-17-...
        [[ -x $dir/bin/java ]] || continue
        major=$(java_major "$dir") || continue
        if ((major > best_major)); then
            best=$dir best_major=$major
        fi
    done
    ((best_major >= MIN_JAVA)) ||
        die "no JDK >= $MIN_JAVA found under /usr/lib/jvm (newest: ${best:-none}); install one or set KEYCLOAK_JAVA_HOME"
    KC_JAVA_HOME=$best KC_JAVA_MAJOR=$best_major
}

# JVM flags on top of kc.sh's defaults.
jvm_extra_opts() {
    local opts="-XX:ErrorFile=$LOG_DIR/hs_err_pid%p.log"
    # jboss-threads' thread-local reset needs java.lang opened on Java 24+,
    # else every worker thread dies with IllegalAccessError on shutdown (the
    # jar manifest's Add-Opens only applies to `java -jar`). Harmless on 21.
    opts+=" --add-opens=java.base/java.lang=ALL-UNNAMED"
    # Netty's sun.misc.Unsafe use prints a 4-line warning on every launch on
    # Java 24+; the flag exists from 23 on (21 would refuse to start with it).
    if ((KC_JAVA_MAJOR >= 23)); then
        opts+=" --sun-misc-unsafe-memory-access=allow"
    fi
    printf '%s %s\n' "$opts" "${KEYCLOAK_JAVA_OPTS_APPEND:-}"
}

# Fetch the distribution zip via Maven (Maven Central is our only source; a
# zip already in ~/.m2 is reused) and unpack it into the cache. A half-done
# unpack never gets a stamp and is redone.
fetch_dist() {
    if [[ -f $DIST_STAMP && $(cat "$DIST_STAMP") == "$ARTIFACT" && -x $DIST_DIR/bin/kc.sh ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found; needed once to fetch $ARTIFACT from Maven Central"
    command -v unzip >/dev/null || die "unzip not found; needed once to unpack $ARTIFACT"
    mkdir -p "$CACHE_DIR"
    local tmp=$CACHE_DIR/fetch.tmp.$$ mvn_log=$CACHE_DIR/mvn.log
    rm -rf "$tmp"
    mkdir -p "$tmp"
    log "fetching $ARTIFACT (~160 MB) from Maven Central (or ~/.m2)"
    # cd: dependency:copy needs no pom, but must not pick up a stray one.
    # Output goes to a file and is only shown on failure (Maven 3.8 prints
    # ANSI escapes even with -B).
    if ! (cd "$tmp" && mvn -B -ntp -C \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact="$ARTIFACT" -DoutputDirectory="$tmp" -Dmdep.useBaseVersion=true) \
        >"$mvn_log" 2>&1; then
        tail -n 40 "$mvn_log" >&2
        rm -rf "$tmp"
        die "mvn could not fetch $ARTIFACT (full output: $mvn_log)"
    fi
    local zip=$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip
    [[ -f $zip ]] || die "$zip missing after mvn dependency:copy (see $mvn_log)"
    log "unpacking into $DIST_DIR"
    unzip -q "$zip" -d "$tmp/unpacked" || { rm -rf "$tmp"; die "could not unpack $zip"; }
    [[ -x $tmp/unpacked/keycloak-$KEYCLOAK_VERSION/bin/kc.sh ]] ||
        { rm -rf "$tmp"; die "unexpected layout in $zip (no keycloak-$KEYCLOAK_VERSION/bin/kc.sh)"; }
    rm -rf "$DIST_DIR"
    mv "$tmp/unpacked/keycloak-$KEYCLOAK_VERSION" "$DIST_DIR"
    rm -rf "$tmp"
    printf '%s\n' "$ARTIFACT" >"$DIST_STAMP"
}

# A private Keycloak home per var dir: read-only parts are symlinks into the
# cache; lib/quarkus (rewritten by every re-augmentation), providers and data
# are real. kc.sh is copied because it finds its home via `readlink -f $0`.
# Refreshed on every start, so a moved cache or a version bump just works.
prepare_home() {
    mkdir -p "$KC_HOME/bin" "$KC_HOME/lib" "$KC_HOME/providers" "$DATA_DIR/import"
    cp -f "$DIST_DIR/bin/kc.sh" "$KC_HOME/bin/kc.sh"
    # Quarkus finds the app root from the real path of quarkus-run.jar, so it
    # must be a copy too, or the (re)build would write into the cache.
    rm -f "$KC_HOME/lib/quarkus-run.jar"
    cp -f "$DIST_DIR/lib/quarkus-run.jar" "$KC_HOME/lib/quarkus-run.jar"
    local link
    for link in conf themes version.txt lib/app lib/lib; do
        ln -sfn "$DIST_DIR/$link" "$KC_HOME/$link"
    done
    ln -sfn "$DATA_DIR" "$KC_HOME/data"
    # Seed the build output from the dist's (prod-mode) build; start-dev then
    # re-augments for dev mode once and reuses that as long as nothing changes.
    local want="$ARTIFACT $DIST_DIR"
    if [[ ! -f $KC_HOME/lib/quarkus.stamp || $(cat "$KC_HOME/lib/quarkus.stamp") != "$want" ]]; then
        rm -rf "$KC_HOME/lib/quarkus"
        cp -a "$DIST_DIR/lib/quarkus" "$KC_HOME/lib/quarkus"
        printf '%s\n' "$want" >"$KC_HOME/lib/quarkus.stamp"
    fi
}

# Keycloak imports data/import/*.json at startup and skips realms that exist.
stage_realm() {
    local files=("$REALM_SRC_DIR"/realm-*.json)
    [[ -f ${files[0]} ]] || die "no realm file in $REALM_SRC_DIR"
    rm -f "$DATA_DIR"/import/*.json
    cp -f "${files[@]}" "$DATA_DIR/import/"
    local sum
    sum=$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)
    if [[ ! -d $DATA_DIR/h2 ]]; then
        # Fresh database: this start will import the files as they are now.
        printf '%s\n' "$sum" >"$REALM_STAMP"
    elif [[ -f $REALM_STAMP && $(cat "$REALM_STAMP") != "$sum" ]]; then
        log "WARNING: $REALM_SRC_DIR changed since the realm was imported;"
        log "WARNING: Keycloak keeps the old realm. Run 'infra/keycloak.sh reset' to re-import."
    fi
}

rotate_log() {
    if [[ -f $LOG_FILE ]] && (($(stat -c %s "$LOG_FILE") > MAX_LOG_BYTES)); then
        mv -f "$LOG_FILE" "$LOG_FILE.1"
    fi
}

# --- commands ----------------------------------------------------------------

cmd_start() {
    mkdir -p "$STATE_DIR" "$LOG_DIR"
    # Serialise concurrent starts. fd 9 must not leak into the server or it
    # would hold the lock forever.
    exec 9>"$LOCK_FILE"
    flock -w "$KEYCLOAK_START_TIMEOUT" 9 || die "timed out waiting for another keycloak.sh start"
    local t0=$SECONDS

    if is_running; then
        if wait_ready; then
            log "already running (pid $(read_pid))"
            echo "$ISSUER"
            return 0
        fi
        show_log_tail
        die "pid $(read_pid) is running but not ready after ${KEYCLOAK_START_TIMEOUT}s"
    fi
    rm -f "$PID_FILE"

    local p
    for p in "$KEYCLOAK_PORT" "$KEYCLOAK_MANAGEMENT_PORT"; do
        if port_open "$p"; then
            die "port $KEYCLOAK_HOST:$p is already in use by another process"
        fi
    done

    command -v curl >/dev/null || die "curl not found (used for the readiness probe)"
    command -v setsid >/dev/null || die "setsid not found (util-linux)"
    find_java
    fetch_dist
    prepare_home
    stage_realm
    rotate_log

    log "starting Keycloak $KEYCLOAK_VERSION on $BASE_URL with $KC_JAVA_HOME (log: $LOG_FILE)"
    if [[ ! -d $DATA_DIR/h2 ]]; then
        log "first start in $STATE_DIR: building + creating the database + importing the realm, takes a minute or two"
    fi
    printf '%s at %s\n' "$START_MARKER" "$(date -Is)" >>"$LOG_FILE"
    # start-dev: dev profile (H2 file database in data/h2, local caches, no
    # TLS). --hostname pins the issuer to one URL whether a caller says
    # 127.0.0.1 or localhost (otherwise `iss` follows the request's Host);
    # with it set, --hostname-strict is ignored, so it is not passed.
    # setsid: own process group, so stop can SIGKILL kc.sh *and* its java
    # child; the subshell is not a group leader, so setsid execs instead of
    # forking and $! is kc.sh itself. The env is cleaned of the caller's java
    # settings (a global JAVA_OPTS would replace all of kc.sh's JVM defaults).
    # KC_BOOTSTRAP_ADMIN_*: creates admin/admin in master on the first start
    # only (DEV ONLY).
    # shellcheck disable=SC2086
    (cd "$STATE_DIR" && exec env -u JAVA -u JAVA_OPTS -u JAVA_OPTS_APPEND -u JAVA_ADD_OPENS \
        JAVA_HOME="$KC_JAVA_HOME" \
        JAVA_OPTS_KC_HEAP="$KEYCLOAK_HEAP_OPTS" \
        JAVA_OPTS_APPEND="$(jvm_extra_opts)" \
        KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
        setsid "$KC_HOME/bin/kc.sh" start-dev \
        --http-host="$KEYCLOAK_HOST" --http-port="$KEYCLOAK_PORT" \
        --hostname="$BASE_URL" \
        --health-enabled=true --http-management-port="$KEYCLOAK_MANAGEMENT_PORT" \
        --log=console --log-console-color=false \
        --import-realm \
        </dev/null >>"$LOG_FILE" 2>&1 9>&-) &
    echo $! >"$PID_FILE"

    local rc=0
    wait_ready || rc=$?
    if ((rc == 0)); then
        log "ready after $((SECONDS - t0))s (pid $(read_pid))"
        echo "$ISSUER"
        return 0
    fi
    show_log_tail
    if ((rc == 2)); then
        rm -f "$PID_FILE"
        die "keycloak exited during startup"
    fi
    # Don't leave a half-started server holding the ports.
    stop_server || true
    die "keycloak not ready after ${KEYCLOAK_START_TIMEOUT}s; stopped it"
}

stop_server() {
    local pid
    pid=$(read_pid)
    if ! is_running; then
        rm -f "$PID_FILE"
        return 1
    fi
    # kc.sh traps SIGTERM and forwards it to java, whose shutdown hook closes
    # the H2 database cleanly.
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + KEYCLOAK_STOP_TIMEOUT))
    while kill -0 -- "-$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if kill -0 -- "-$pid" 2>/dev/null; then
        log "still alive after ${KEYCLOAK_STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || true
        while kill -0 -- "-$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$PID_FILE"
    return 0
}

cmd_stop() {
    if stop_server; then
        log "stopped"
    else
        log "not running"
    fi
}

cmd_status() {
    if ! is_running; then
        echo "keycloak: not running"
        return 3
    fi
    if http_ready; then
        echo "keycloak: running (pid $(read_pid)) at $ISSUER"
        return 0
    fi
    echo "keycloak: process $(read_pid) up but not ready"
    return 1
}

cmd_wait() {
    local rc=0
    wait_ready || rc=$?
    case $rc in
        0) echo "$ISSUER" ;;
        2) show_log_tail; die "keycloak process exited" ;;
        *) show_log_tail; die "keycloak not ready after ${KEYCLOAK_START_TIMEOUT}s" ;;
    esac
}

cmd_logs() {
    [[ -f $LOG_FILE ]] || die "no log yet at $LOG_FILE"
    if [[ ${1:-} == -f ]]; then
        exec tail -n 100 -F "$LOG_FILE"
    fi
    tail -n 200 "$LOG_FILE"
}

cmd_reset() {
    mkdir -p "$STATE_DIR"
    exec 9>"$LOCK_FILE"
    flock -w "$KEYCLOAK_STOP_TIMEOUT" 9 || die "timed out waiting for a concurrent keycloak.sh start"
    stop_server || true
    rm -rf "$DATA_DIR" "$REALM_STAMP"
    log "database deleted; the next start re-imports the realm"
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
        url) echo "$ISSUER" ;;
        logs) cmd_logs "$@" ;;
        reset) cmd_reset ;;
        *) usage ;;
    esac
}

main "$@"
