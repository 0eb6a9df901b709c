#!/usr/bin/env bash
# Local throw-away PostgreSQL cluster for callqa tests and CI.
#
#   deploy/postgres/local-postgres.sh start|stop|status|url
#
# start   install PostgreSQL from Debian if the server binaries are missing
#         (root only), initdb a private cluster if needed, start it, and make
#         sure role "callqa" (password "callqa") and database "callqa" exist.
# stop    stop the cluster (pg_ctl stop -m fast).
# status  exit 0 if the cluster accepts connections (pg_isready), else 1.
# url     print the SQLAlchemy URL, e.g.
#         postgresql+psycopg://callqa:callqa@127.0.0.1:55432/callqa
#
# Environment:
#   CALLQA_PG_HOME  cluster directory (data/, socket/, log/ live under it).
#                   Default: $HOME/.cache/callqa/postgres; when running as root
#                   and the "postgres" user cannot traverse that path (e.g.
#                   /root is mode 700, as on Debian) it is /var/tmp/callqa-postgres.
#   CALLQA_PG_PORT  TCP port on 127.0.0.1. Default: 55432.
#
# The cluster is independent of Debian's default cluster (no pg_ctlcluster,
# no systemd). Binaries are always taken from /usr/lib/postgresql/<ver>/bin,
# never from PATH (/usr/local/bin may hold stand-ins).
# As root, the server runs as the "postgres" OS user (postgres refuses root);
# as a non-root user it runs as that user (no apt install in that case).
set -euo pipefail
umask 022

PORT="${CALLQA_PG_PORT:-55432}"
DB_USER=callqa
DB_PASS=callqa
DB_NAME=callqa
PG_OS_USER=postgres

log() { printf 'local-postgres: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the user that owns the cluster, from a neutral cwd (so
# psql & co. do not complain about an unreadable cwd such as /root).
# fd 9 (the flock lock) is closed so the postmaster does not inherit it.
as_pg() {
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$PG_OS_USER" -- "$@") 9>&-
        else
            (cd / && su -s /bin/sh "$PG_OS_USER" -c "$(printf '%q ' "$@")") 9>&-
        fi
    else
        (cd / && "$@") 9>&-
    fi
}

# ---------------------------------------------------------------- binaries --

# Highest installed major version, or the one matching an existing data dir.
find_bindir() {
    local want="${1:-}" cand
    if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/postgres" ]; then
        echo "/usr/lib/postgresql/$want/bin"
        return 0
    fi
    cand="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$cand" ] || return 1
    dirname "$cand"
}

have_server() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

install_server() {
    have_server && return 0
    is_root || die "PostgreSQL server binaries not found under /usr/lib/postgresql and not root; install the 'postgresql' package."
    log "PostgreSQL server not found; installing from Debian (apt-get)..."
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
    have_server || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/postgres"
}

# ------------------------------------------------------------------ paths --

# Nearest existing ancestor of a path (the path itself if it exists).
existing_ancestor() {
    local p="$1"
    while [ ! -e "$p" ] && [ "$p" != "/" ]; do p="$(dirname "$p")"; done
    echo "$p"
}

pg_can_traverse() {
    # access(X_OK) needs search permission on every component of the path.
    as_pg test -x "$(existing_ancestor "$1")" 2>/dev/null
}

resolve_home() {
    if [ -n "${CALLQA_PG_HOME:-}" ]; then
        PG_HOME="$CALLQA_PG_HOME"
        case "$PG_HOME" in /*) ;; *) PG_HOME="$PWD/$PG_HOME" ;; esac
        return 0
    fi
    PG_HOME="${HOME:-/root}/.cache/callqa/postgres"
    if is_root && ! { id "$PG_OS_USER" >/dev/null 2>&1 && pg_can_traverse "$PG_HOME"; }; then
        PG_HOME=/var/tmp/callqa-postgres
    fi
}

set_paths() {
    resolve_home
    DATA_DIR="$PG_HOME/data"
    SOCK_DIR="$PG_HOME/socket"
    LOG_DIR="$PG_HOME/log"
    LOG_FILE="$LOG_DIR/postgres.log"
    LOCK_FILE="$PG_HOME/.lock"
}

prepare_dirs() {
    mkdir -p "$PG_HOME" "$DATA_DIR" "$SOCK_DIR" "$LOG_DIR"
    if is_root; then
        id "$PG_OS_USER" >/dev/null 2>&1 || die "OS user '$PG_OS_USER' does not exist"
        chown "$PG_OS_USER:" "$DATA_DIR" "$SOCK_DIR" "$LOG_DIR"
        pg_can_traverse "$DATA_DIR" ||
            die "user '$PG_OS_USER' cannot traverse $PG_HOME; set CALLQA_PG_HOME to a world-traversable path (e.g. /var/tmp/callqa-postgres)"
    fi
    chmod 700 "$DATA_DIR"
}

# ---------------------------------------------------------------- cluster --

is_running() {
    [ -f "$DATA_DIR/PG_VERSION" ] || return 1
    as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

init_cluster() {
    if [ -f "$DATA_DIR/PG_VERSION" ]; then
        return 0
    fi
    if [ -n "$(ls -A "$DATA_DIR")" ]; then
        die "$DATA_DIR is not empty but has no PG_VERSION; remove it or choose another CALLQA_PG_HOME"
    fi
    local locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
    log "initdb $DATA_DIR (locale $locale)"
    # trust auth: the server only listens on 127.0.0.1 and a private socket
    # dir; this is a disposable test cluster.
    as_pg "$BINDIR/initdb" -D "$DATA_DIR" --username="$PG_OS_USER" \
        --auth=trust --encoding=UTF8 --locale="$locale" >"$LOG_DIR/initdb.log" 2>&1 ||
        { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
}

write_config() {
    # Rewritten on every start so port/socket changes take effect without
    # re-initdb. Included from postgresql.conf.
    local conf="$DATA_DIR/callqa.conf" tmp
    tmp="$(mktemp)"
    cat >"$tmp" <<EOF
# Managed by deploy/postgres/local-postgres.sh -- overwritten on each start.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK_DIR'
max_connections = 100
# Test cluster only: durability is traded for speed. A crash may corrupt
# the data; never use these settings for data you care about.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    install -m 600 "$tmp" "$conf"
    rm -f "$tmp"
    is_root && chown "$PG_OS_USER:" "$conf"
    if ! grep -q "^include_if_exists = 'callqa.conf'" "$DATA_DIR/postgresql.conf"; then
        printf "\ninclude_if_exists = 'callqa.conf'\n" >>"$DATA_DIR/postgresql.conf"
    fi
}

psql_admin() {
    as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK_DIR" -p "$PORT" \
        -U "$PG_OS_USER" -d postgres "$@"
}

ensure_role_db() {
    psql_admin <<EOF
SELECT format('CREATE ROLE %I', '$DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE "$DB_USER" WITH LOGIN SUPERUSER PASSWORD '$DB_PASS';
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_NAME', '$DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
EOF
}

# Port the running cluster actually uses (from postmaster.pid, line 4), so
# stop/status work even if CALLQA_PG_PORT differs from the start-time value.
running_port() {
    sed -n 4p "$DATA_DIR/postmaster.pid" 2>/dev/null || true
}

# --------------------------------------------------------------- commands --

cmd_start() {
    install_server
    set_paths
    prepare_dirs
    exec 9>"$LOCK_FILE"
    flock -w 120 9 || die "timed out waiting for lock $LOCK_FILE"

    local ver=""
    [ -f "$DATA_DIR/PG_VERSION" ] && ver="$(cat "$DATA_DIR/PG_VERSION")"
    BINDIR="$(find_bindir "$ver")" || die "no PostgreSQL binaries under /usr/lib/postgresql"
    if [ -n "$ver" ] && [ "$BINDIR" != "/usr/lib/postgresql/$ver/bin" ]; then
        die "$DATA_DIR was created by PostgreSQL $ver but only $BINDIR is installed; delete $PG_HOME to recreate"
    fi

    if is_running; then
        local rport
        rport="$(running_port)"
        if [ -n "$rport" ] && [ "$rport" != "$PORT" ]; then
            die "cluster in $DATA_DIR is already running on port $rport, not $PORT; stop it first"
        fi
        log "already running (data $DATA_DIR, port $PORT)"
    else
        init_cluster
        write_config
        log "starting PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (data $DATA_DIR, log $LOG_FILE)"
        if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 start >/dev/null; then
            log "pg_ctl start failed; last lines of $LOG_FILE:"
            tail -n 30 "$LOG_FILE" >&2 || true
            exit 1
        fi
    fi
    ensure_role_db
    log "ready: $(db_url)"
}

cmd_stop() {
    set_paths
    if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
        log "no cluster in $DATA_DIR; nothing to stop"
        return 0
    fi
    BINDIR="$(find_bindir "$(cat "$DATA_DIR/PG_VERSION")")" || die "no PostgreSQL binaries under /usr/lib/postgresql"
    exec 9>"$LOCK_FILE"
    flock -w 120 9 || die "timed out waiting for lock $LOCK_FILE"
    if ! is_running; then
        log "not running (data $DATA_DIR)"
        return 0
    fi
    as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop >/dev/null
    log "stopped (data $DATA_DIR)"
}

cmd_status() {
    local bindir port
    bindir="$(find_bindir)" || { log "PostgreSQL not installed"; return 1; }
    set_paths
    port="$(running_port)"
    port="${port:-$PORT}"
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d "$DB_NAME" -U "$DB_USER"; then
        log "accepting connections on 127.0.0.1:$port (data $DATA_DIR)"
        return 0
    fi
    log "not accepting connections on 127.0.0.1:$port (data $DATA_DIR)"
    return 1
}

db_url() {
    echo "postgresql+psycopg://$DB_USER:$DB_PASS@127.0.0.1:$PORT/$DB_NAME"
}

[ $# -eq 1 ] || usage
case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) db_url ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
