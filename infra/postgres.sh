#!/usr/bin/env bash
# Private PostgreSQL server for tests and demos (no Docker needed).
#
#   infra/postgres.sh start        init on first use, start, create the service DBs, print URL
#   infra/postgres.sh stop         fast shutdown (no-op when not running)
#   infra/postgres.sh status       exit 0 when running, 3 when not
#   infra/postgres.sh url [db]     SQLAlchemy URL for db (default: postgres)
#   infra/postgres.sh psql [args]  psql over TCP as selvbetjening (e.g. `psql -d consents`)
#   infra/postgres.sh reset        stop and delete this cluster's data (asks nothing!)
#
# Environment:
#   PG_PORT       TCP port on 127.0.0.1 (default 55432)
#   PG_DATABASES  space-separated databases to ensure on start
#   SB_VAR_DIR    the project's var dir (default <repo>/var); only used to key SB_PG_DIR
#   SB_PG_DIR     where the cluster lives (default /var/tmp/selvbetjening-pg-<hash>)
#   PG_BINDIR     force a PostgreSQL bin dir (default: newest /usr/lib/postgresql/*/bin)
#
# DEV/TEST ONLY: the password is public and durability is switched off.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
VAR_DIR="$(realpath -m "${SB_VAR_DIR:-$REPO_ROOT/var}")"

# Why not <var>/postgres/data: the server must run as the unprivileged `postgres`
# user, and the checkout usually sits below /root or another 0700 directory that
# user cannot traverse. Opening those parents up (chmod o+x /root ...) would weaken
# the machine outside the repo, so the cluster lives in /var/tmp instead (world
# traversable, survives reboots unlike /tmp). The hash keys it to the var dir, so
# separate checkouts get separate clusters.
PG_DIR="${SB_PG_DIR:-/var/tmp/selvbetjening-pg-$(printf '%s' "$VAR_DIR" | sha256sum | cut -c1-12)}"
DATA_DIR="$PG_DIR/data"
SOCKET_DIR="$PG_DIR/run"
LOG_FILE="$PG_DIR/log/postgres.log"

PG_PORT="${PG_PORT:-55432}"
PG_HOST=127.0.0.1
# Dev-only credentials: known to everyone, acceptable because the server only
# listens on loopback and never holds real data.
PG_USER=selvbetjening
PG_PASSWORD=selvbetjening
PG_DATABASES="${PG_DATABASES:-applications consents appointments notifications gateway overview insight}"

# Caller's libpq settings (PGHOST, PGDATABASE, ...) must not redirect our tools.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSERVICE PGDATA PGOPTIONS

die() { echo "postgres.sh: $*" >&2; exit 1; }
log() { echo "postgres.sh: $*" >&2; }

url() {
    echo "postgresql+psycopg://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/${1:-postgres}"
}

# PostgreSQL refuses to run as root; as non-root we simply run as ourselves.
if [[ $EUID -eq 0 ]]; then RUN_USER=postgres; else RUN_USER="$(id -un)"; fi

as_pg() {
    # cd / so the tools don't warn about a cwd the postgres user cannot enter.
    # 9>&-: the postmaster must not inherit the start lock, or it holds it forever.
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@") 9>&-
    else
        (cd / && "$@") 9>&-
    fi
}

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/pg_ctl" ]] || die "PG_BINDIR=$PG_BINDIR has no pg_ctl"
        echo "$PG_BINDIR"; return
    fi
    # An existing cluster can only be run by its own major version.
    if [[ -r "$DATA_DIR/PG_VERSION" ]]; then
        local v; v="$(<"$DATA_DIR/PG_VERSION")"
        [[ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]] \
            || die "cluster in $DATA_DIR is PostgreSQL $v but /usr/lib/postgresql/$v/bin is missing (install postgresql-$v, or \`$0 reset\`)"
        echo "/usr/lib/postgresql/$v/bin"; return
    fi
    local d
    # Newest major that has the server (postgresql-client alone ships only psql etc.).
    d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | while read -r b; do
            if [[ -x "$b/pg_ctl" && -x "$b/initdb" ]]; then echo "$b"; fi; done | tail -n 1)"
    echo "$d"
}

# Fresh machines may lack PostgreSQL; Debian's package is the only allowed source.
# Note: the package also creates (and may start) the distro's own cluster on 5432;
# we leave it alone, it does not conflict with ours.
ensure_installed() {
    BINDIR="$(find_bindir)"
    if [[ -z "$BINDIR" ]]; then
        [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root"
        log "no PostgreSQL server binaries found; installing the Debian package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update >&2
        apt-get install -y --no-install-recommends postgresql >&2
        BINDIR="$(find_bindir)"
        [[ -n "$BINDIR" ]] || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
    fi
    if [[ $EUID -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home \
            --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    fi
}

# Non-installing variant for stop/psql.
quiet_bindir() { BINDIR="$(find_bindir)"; [[ -n "$BINDIR" ]]; }

# Creates PG_DIR safely: /var/tmp is world-writable, so never trust a path
# somebody else pre-created (or a symlink planted there).
prepare_dirs() {
    if [[ -L "$PG_DIR" ]]; then die "$PG_DIR is a symlink; refusing to use it"; fi
    mkdir -p "$PG_DIR"
    local owner; owner="$(stat -c %U "$PG_DIR")"
    if [[ "$owner" != "$RUN_USER" ]]; then
        # Only adopt a directory we (root) just created or own.
        [[ $EUID -eq 0 && "$owner" == root ]] || die "$PG_DIR is owned by $owner, expected $RUN_USER"
    fi
    mkdir -p "$SOCKET_DIR" "$(dirname "$LOG_FILE")"
    if [[ $EUID -eq 0 ]]; then
        chown postgres:postgres "$PG_DIR" "$SOCKET_DIR" "$(dirname "$LOG_FILE")"
    fi
    chmod 0700 "$PG_DIR" "$SOCKET_DIR"
}

postmaster_pid() {
    local pid
    pid="$(head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] && echo "$pid"
}

# Line 4 of postmaster.pid is the port the running server actually uses.
running_port() { sed -n 4p "$DATA_DIR/postmaster.pid" 2>/dev/null; }

proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }

# Not `pg_ctl status`: that only does kill(pid, 0), which also succeeds for a
# killed postmaster that is still a zombie (PID 1 here reaps lazily) and for an
# unrelated process that got the pid after a reboot (postmaster.pid lives on disk).
running() {
    local pid
    pid="$(postmaster_pid)" || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == postgres && "$(proc_state "$pid")" != Z ]]
}

# Called when not running but postmaster.pid exists, i.e. after a crash/kill or reboot.
clear_stale_pid() {
    local pid i
    pid="$(postmaster_pid)" || return 0
    # A just-killed server: postgres would refuse to start until its zombie is reaped.
    for ((i = 0; i < 20; i++)); do
        [[ "$(proc_state "$pid")" == Z ]] || break
        sleep 0.5
    done
    # Pid recycled by a non-postgres process: postgres would take it for a live
    # postmaster and refuse to start. A dead pid is handled by postgres itself.
    if [[ -e "/proc/$pid" && "$(cat "/proc/$pid/comm" 2>/dev/null)" != postgres ]]; then
        log "removing stale postmaster.pid (pid $pid is not postgres)"
        rm -f "$DATA_DIR/postmaster.pid"
    fi
}

init_cluster() {
    log "initialising cluster in $DATA_DIR"
    local pwfile="$PG_DIR/.pwfile"
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$pwfile"
    chmod 0600 "$pwfile"
    # Socket auth is trust: the socket dir is 0700, so only postgres/root reach it.
    # TCP needs the password (scram). --no-sync: durability is irrelevant here.
    if ! as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U "$PG_USER" --pwfile="$pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 \
            --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/log/initdb.log" 2>&1; then
        rm -f "$pwfile"
        cat "$PG_DIR/log/initdb.log" >&2
        # Leave no half-initialised cluster behind: the next start retries cleanly.
        rm -rf "$DATA_DIR"
        die "initdb failed"
    fi
    rm -f "$pwfile"
    echo "include = 'selvbetjening.conf'" >>"$DATA_DIR/postgresql.conf"
}

# Rewritten on every start so changes here (or to PG_PORT) apply without re-init.
write_config() {
    cat >"$DATA_DIR/selvbetjening.conf" <<EOF
# Generated by infra/postgres.sh on every start; edit the script, not this file.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
# Test/demo server only: trade crash safety for speed. An OS crash or power
# loss (a killed server is fine) may corrupt the cluster; then run
# \`infra/postgres.sh reset\`.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$DATA_DIR/selvbetjening.conf"
    return 0
}

psql_tcp() {
    PGPASSWORD="$PG_PASSWORD" "$BINDIR/psql" -X -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$@"
}

# Restricting names keeps the generated SQL free of quoting problems.
check_db_names() {
    local db
    for db in $PG_DATABASES; do
        [[ "$db" =~ ^[a-z_][a-z0-9_]*$ ]] || die "invalid database name in PG_DATABASES: '$db'"
    done
}

ensure_databases() {
    local db sql=""
    for db in $PG_DATABASES; do
        sql+="SELECT 'CREATE DATABASE $db OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db')\\gexec
"
    done
    [[ -n "$sql" ]] || return 0
    # CREATE DATABASE cannot run in a transaction, hence \gexec one by one.
    printf '%s' "$sql" | psql_tcp -d postgres -q -v ON_ERROR_STOP=1 >/dev/null
}

cmd_start() {
    check_db_names
    ensure_installed
    prepare_dirs
    # Serialise concurrent starts (parallel test runs) around initdb/start.
    exec 9>"$PG_DIR/lock"
    flock -w 120 9 || die "timed out waiting for another postgres.sh on $PG_DIR"

    if running; then
        log "already running ($DATA_DIR)"
        # The config is only re-read on start, so a changed PG_PORT would
        # otherwise end in a confusing 30 s wait below.
        [[ "$(running_port)" == "$PG_PORT" ]] \
            || die "running on port $(running_port), not PG_PORT=$PG_PORT; run \`$0 stop\` first"
    else
        [[ -f "$DATA_DIR/PG_VERSION" ]] || init_cluster
        clear_stale_pid
        # Some other server on our port would make start fail with a vague log line.
        if "$BINDIR/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT"; then
            die "port $PG_PORT on $PG_HOST is taken by another server; set PG_PORT"
        fi
        write_config
        log "starting PostgreSQL $(<"$DATA_DIR/PG_VERSION") on $PG_HOST:$PG_PORT"
        if ! as_pg "$BINDIR/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 -s; then
            tail -n 20 "$LOG_FILE" >&2 || true
            die "server failed to start (log: $LOG_FILE)"
        fi
    fi

    # pg_ctl -w watches the socket; also wait for the TCP listener clients use.
    local i
    for ((i = 0; i < 60; i++)); do
        "$BINDIR/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -d postgres && break
        sleep 0.5
    done
    "$BINDIR/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -d postgres \
        || die "server not accepting TCP connections on $PG_HOST:$PG_PORT (log: $LOG_FILE)"

    ensure_databases
    url postgres
}

cmd_stop() {
    if ! running; then
        log "not running"
        return 0
    fi
    quiet_bindir || die "server is running but pg_ctl is gone; stop it with: kill -INT $(postmaster_pid)"
    as_pg "$BINDIR/pg_ctl" stop -D "$DATA_DIR" -m fast -w -s
    log "stopped"
}

cmd_status() {
    if running; then
        echo "running: $DATA_DIR on $PG_HOST:$(running_port)"
        return 0
    fi
    echo "not running ($DATA_DIR)"
    return 3
}

cmd_psql() {
    quiet_bindir || die "PostgreSQL is not installed; run \`$0 start\` first"
    # Default db via env so both `psql -d x` and `psql x` override it.
    exec env PGPASSWORD="$PG_PASSWORD" PGDATABASE=postgres \
        "$BINDIR/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$@"
}

cmd_reset() {
    cmd_stop
    # Guard against a surprising SB_PG_DIR turning this into rm -rf of something real.
    [[ -f "$DATA_DIR/PG_VERSION" || ! -e "$DATA_DIR" ]] || die "$DATA_DIR does not look like a cluster; not deleting"
    rm -rf "$PG_DIR"
    log "removed $PG_DIR"
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    url)    url "${2:-}" ;;
    psql)   shift; cmd_psql "$@" ;;
    reset)  cmd_reset ;;
    *)      sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
