# Throwaway PostgreSQL and Redis for one test run: private temp dirs, free random ports on
# 127.0.0.1, torn down by stop_services. Several runs on one machine never share anything.
# Source after common.sh; do not run it.
# shellcheck shell=bash

# Set by start_* and read by stop_services / the caller.
RUN_DIR=""       # everything this run writes: pg cluster, redis files, media, exports
PG_BIN=""
PG_OS_USER=""    # who owns and runs the cluster ("" = the current user)
PG_DATA=""
PG_PORT=""
PG_VERSION=""
REDIS_PORT=""
REDIS_PIDFILE=""

# An OS-assigned free port. Another process could grab it before we bind, so callers retry.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_bindir() {
    # Prefer Debian's versioned layout (newest version wins), then whatever is on PATH.
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
    else
        return 1
    fi
}

make_run_dir() {
    RUN_DIR="$(mktemp -d /tmp/rectify-test.XXXXXX)"
    # The cluster runs as another user (postgres refuses root), which must reach its subdir.
    chmod 755 "$RUN_DIR"
    PG_DATA="$RUN_DIR/pg/data"
    REDIS_PIDFILE="$RUN_DIR/redis.pid"
}

# Decide which binaries and which OS account run the cluster (needed before the watchdog starts).
prepare_postgres() {
    PG_BIN="$(pg_bindir)" || die "PostgreSQL server binaries (initdb) not found."
    # PostgreSQL will not run as root. Use the Debian 'postgres' account when it exists,
    # otherwise a dedicated system account made for this purpose.
    if [[ $EUID -eq 0 ]]; then
        if id postgres >/dev/null 2>&1; then
            PG_OS_USER=postgres
        else
            PG_OS_USER=rectify-pg
            id "$PG_OS_USER" >/dev/null 2>&1 ||
                useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
        fi
    fi
}

# A trap cannot run when the script is SIGKILLed (a tool's hard timeout, an OOM kill), which
# would leave a postgres and a redis running forever. This detached helper (own session, so a
# process-group kill misses it) waits for the script to go away and then cleans up; after a
# normal exit it finds nothing left to do.
start_watchdog() {
    setsid bash "$(dirname "${BASH_SOURCE[0]}")/watchdog.sh" "$$" "$RUN_DIR" "$PG_BIN" "$PG_OS_USER" \
        </dev/null >/dev/null 2>&1 &
}

# Run a command as the cluster owner, from a directory that user can read.
_as_pg() {
    if [[ -n "$PG_OS_USER" ]]; then
        (cd "$RUN_DIR/pg" && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd "$RUN_DIR/pg" && "$@")
    fi
}

# The usual start of a run: a private run directory, the watchdog, and a throwaway PostgreSQL.
start_private_postgres() {
    make_run_dir
    prepare_postgres
    start_watchdog
    start_postgres
}

start_postgres() {
    local password="rectify-test-$RANDOM$RANDOM" attempt log
    mkdir -p "$RUN_DIR/pg"
    log="$RUN_DIR/pg/postgres.log"
    printf '%s\n' "$password" >"$RUN_DIR/pg/pwfile"
    [[ -z "$PG_OS_USER" ]] || chown -R "$PG_OS_USER" "$RUN_DIR/pg"

    # The bootstrap superuser is the app role itself: one role, with a password for TCP.
    # pytest-django needs CREATEDB for test_rectify; superuser also lets migrations add extensions,
    # as the postgres:15 image's POSTGRES_USER can in production.
    _as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U rectify --pwfile="$RUN_DIR/pg/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$RUN_DIR/pg/initdb.log" 2>&1 ||
        { cat "$RUN_DIR/pg/initdb.log" >&2; die "initdb failed."; }
    rm -f "$RUN_DIR/pg/pwfile"

    # Durability is worthless for a throwaway test cluster; turning it off makes the many
    # CREATE DATABASE / TRUNCATE calls of the suite much faster.
    cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN_DIR/pg'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
CONF

    for attempt in 1 2 3 4 5; do
        PG_PORT="$(free_port)"
        if _as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$log" -w -t 60 -o "-p $PG_PORT" start >/dev/null 2>&1; then
            break
        fi
        log "PostgreSQL did not start on port $PG_PORT (attempt $attempt); retrying on another port"
        PG_PORT=""
    done
    [[ -n "$PG_PORT" ]] || { cat "$log" >&2; die "PostgreSQL failed to start."; }

    _as_pg "$PG_BIN/createdb" -h "$RUN_DIR/pg" -p "$PG_PORT" -U rectify rectify ||
        die "createdb rectify failed."
    PG_VERSION="$(_as_pg "$PG_BIN/psql" -h "$RUN_DIR/pg" -p "$PG_PORT" -U rectify -d rectify -Atc 'show server_version')"
    PG_VERSION="${PG_VERSION%% *}"   # "15.18 (Debian 15.18-0+deb12u1)" -> "15.18"
    export DATABASE_URL="postgres://rectify:$password@127.0.0.1:$PG_PORT/rectify"
    # The fault tests restart this server in the middle of a burst of writes (tests/integration/test_faults.py).
    export TEST_PG_BIN="$PG_BIN" TEST_PG_DATA="$PG_DATA" TEST_PG_OS_USER="$PG_OS_USER" TEST_PG_PORT="$PG_PORT"
}

# A streaming replica of the throwaway cluster (pg_basebackup -R, hot standby on a second free port), for
# the one integration test that proves where reads and writes go (tests/integration/test_replica.py). Not
# started by default: the test starts it on first use (scripts/lib/start_replica.sh), once per run, so the
# other runs pay nothing. Its data dir is $RUN_DIR/pg/replica; stop_services stops it with the primary.
# Prints the replica's port. Needs RUN_DIR, PG_BIN, PG_OS_USER and PG_PORT of the running primary.
start_pg_replica() {
    local replica="$RUN_DIR/pg/replica" log="$RUN_DIR/pg/replica.log" port attempt
    if [[ -f "$replica/postmaster.pid" ]]; then
        sed -n 4p "$replica/postmaster.pid"
        return 0
    fi
    rm -rf "$replica"
    # Over the Unix socket: initdb's pg_hba trusts local replication connections of the cluster's owner.
    _as_pg "$PG_BIN/pg_basebackup" -h "$RUN_DIR/pg" -p "$PG_PORT" -U rectify -D "$replica" -R -X stream \
        -c fast --no-sync >"$RUN_DIR/pg/basebackup.log" 2>&1 ||
        { cat "$RUN_DIR/pg/basebackup.log" >&2; die "pg_basebackup failed."; }
    # The copied postgresql.conf carries the primary's settings (socket dir, fsync off ...); the port is
    # given on the command line. hot_standby is on by default; feedback keeps long reads from being
    # cancelled by the vacuum of rows they still see.
    cat >>"$replica/postgresql.conf" <<CONF
hot_standby = on
hot_standby_feedback = on
CONF
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        if _as_pg "$PG_BIN/pg_ctl" -D "$replica" -l "$log" -w -t 60 -o "-p $port" start >/dev/null 2>&1; then
            echo "$port"
            return 0
        fi
        log "the replica did not start on port $port (attempt $attempt); retrying on another port"
    done
    cat "$log" >&2
    die "the PostgreSQL replica failed to start."
}

# True when the server on REDIS_PORT is the one we started (its pid is in our pidfile), not
# another run's redis that won the race for the same port.
_redis_is_ours() {
    local info
    [[ -f "$REDIS_PIDFILE" ]] || return 1
    info="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null)" || return 1
    [[ "$info" == *"process_id:$(cat "$REDIS_PIDFILE")"$'\r'* ]]
}

start_redis() {
    local attempt i
    for attempt in 1 2 3 4 5; do
        REDIS_PORT="$(free_port)"
        # No RDB/AOF persistence: the data dies with the run.
        # A non-zero exit here means a bad command line or binary; a port clash shows up below as
        # a server that never answers.
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
            --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$RUN_DIR/redis.log" \
            --dir "$RUN_DIR" >/dev/null ||
            { cat "$RUN_DIR/redis.log" >&2 2>/dev/null || true; die "redis-server failed to start."; }
        for i in $(seq 1 50); do
            if _redis_is_ours; then
                export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
                # Tests that override REDIS_URL-derived settings (eager Celery) can still find it.
                export TEST_REDIS_URL="$REDIS_URL"
                return 0
            fi
            sleep 0.1
        done
        log "Redis did not start on port $REDIS_PORT (attempt $attempt); retrying on another port"
        _stop_redis
    done
    cat "$RUN_DIR/redis.log" >&2 2>/dev/null || true
    die "Redis failed to start."
}

_stop_redis() {
    local pid i
    [[ -n "$REDIS_PIDFILE" && -f "$REDIS_PIDFILE" ]] || return 0
    pid="$(cat "$REDIS_PIDFILE")"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$REDIS_PIDFILE"
}

# Safe to call more than once and at any stage of startup (it runs from an EXIT trap and from
# the watchdog).
stop_services() {
    if [[ -n "$RUN_DIR" && -f "$RUN_DIR/pg/replica/postmaster.pid" ]]; then
        _as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg/replica" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]]; then
        _as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    _stop_redis
    if [[ -n "$RUN_DIR" && -d "$RUN_DIR" ]]; then
        rm -rf "$RUN_DIR"
    fi
    RUN_DIR=""
    PG_DATA=""
    REDIS_PIDFILE=""
}
