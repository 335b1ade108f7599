#!/usr/bin/env bash
# The lab PostgreSQL: a throwaway cluster on 127.0.0.1:5433 (user postgres, trust auth,
# database rufbereit) living in $RUFBEREIT_LAB_DIR/pg.
#
#   lab/postgres.sh up       initdb if missing, start, create the database; fast when running
#   lab/postgres.sh down     stop it (nothing left running)
#   lab/postgres.sh status   "running ..." (exit 0) or "stopped" (exit 3)
#   lab/postgres.sh url      print the database URL
#   lab/postgres.sh reset    drop and recreate the database (starts the cluster if needed)
#
# As root, initdb/pg_ctl run as the postgres user (they refuse to run as root).
set -euo pipefail

LAB_DIR="${RUFBEREIT_LAB_DIR:-/var/tmp/rufbereit-lab}"
PG_DIR="$LAB_DIR/pg"
DATA="$PG_DIR/data"
SOCK="$PG_DIR/run"
LOG="$PG_DIR/server.log"
LOCK="$LAB_DIR/pg.lock"
HOST=127.0.0.1
PORT=5433
DB=rufbereit
URL="postgresql://postgres@$HOST:$PORT/$DB"
PG_BIN="${PG_BIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}"

die() { echo "lab/postgres.sh: $*" >&2; exit 1; }

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

psql_admin() {  # psql_admin DBNAME SQL
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U postgres -d "$1" -tAc "$2"
}

is_running() {
    [[ -f "$DATA/postmaster.pid" ]] && as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

accepting() {
    "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PORT" -U postgres -d postgres -t 1
}

db_exists() {
    [[ $(psql_admin postgres "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>/dev/null) == 1 ]]
}

ensure_dirs() {
    mkdir -p "$PG_DIR" "$SOCK"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "user 'postgres' is missing (apt-get install postgresql-15)"
        chown postgres: "$PG_DIR" "$SOCK"
    fi
    chmod 700 "$SOCK"
}

init_cluster() {
    [[ -f "$DATA/PG_VERSION" ]] && return 0
    echo "lab/postgres.sh: initdb $DATA" >&2
    rm -rf "$DATA"
    as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    # Settings live in the cluster, so a manual `pg_ctl start` gives the same server.
    # A throwaway lab cluster: durability is traded for speed (fsync off).
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# --- rufbereit lab (lab/postgres.sh) ---
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_connections = off
EOF
}

start_cluster() {
    if accepting; then
        die "something else already listens on $HOST:$PORT (not the cluster in $DATA)"
    fi
    # 9>&-: the server must not inherit (and hold forever) the flock of `up`.
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 start >/dev/null 9>&- \
        || { tail -n 20 "$LOG" >&2 || true; die "the server did not start (log: $LOG)"; }
}

cmd_up() {
    mkdir -p "$LAB_DIR"
    exec 9>"$LOCK"
    flock -w 120 9 || die "another 'lab/postgres.sh' holds $LOCK for more than 120 s"
    # Fast path: ours is running and the database exists.
    if is_running && accepting && db_exists; then
        return 0
    fi
    ensure_dirs
    init_cluster
    if ! is_running; then
        start_cluster
    fi
    for _ in $(seq 50); do accepting && break; sleep 0.1; done
    accepting || die "the server in $DATA runs but does not accept connections (log: $LOG)"
    db_exists || psql_admin postgres "CREATE DATABASE $DB" >/dev/null
}

cmd_down() {
    mkdir -p "$LAB_DIR"
    exec 9>"$LOCK"
    flock -w 120 9 || die "another 'lab/postgres.sh' holds $LOCK for more than 120 s"
    if [[ -f "$DATA/PG_VERSION" ]] && is_running; then
        as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null \
            || as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 10 stop >/dev/null
    fi
    if is_running; then die "the server in $DATA is still running"; fi
}

cmd_status() {
    if [[ -f "$DATA/PG_VERSION" ]] && is_running && accepting; then
        echo "running $URL (data $DATA)"
    else
        echo "stopped"
        exit 3
    fi
}

cmd_reset() {
    cmd_up
    psql_admin postgres "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
    psql_admin postgres "CREATE DATABASE $DB" >/dev/null
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    url) echo "$URL" ;;
    reset) cmd_reset ;;
    *) echo "usage: $0 up|down|status|url|reset" >&2; exit 2 ;;
esac
