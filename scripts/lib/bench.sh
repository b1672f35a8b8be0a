# Shared set-up of the benchmark runners in bench/: the venv, and a throwaway PostgreSQL (private dir,
# free port, removed on exit even after a kill) unless DATABASE_URL already names a PostgreSQL.
# Source it (it brings common.sh and services.sh along); do not run it.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/services.sh"

# bench_setup [--durable]: --durable turns fsync, full_page_writes and synchronous_commit back on
# (the test cluster trades durability for speed; a benchmark of writes must not).
bench_setup() {
    ensure_venv
    export DEBUG="${DEBUG:-1}" SECRET_KEY="${SECRET_KEY:-bench-not-secret}"
    unset EMAIL_HOST
    if [[ "${DATABASE_URL:-}" == postgres* ]]; then
        log "Using the PostgreSQL of DATABASE_URL"
        return
    fi
    trap stop_services EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start_private_postgres
    if [[ "${1:-}" == --durable ]]; then
        bench_psql -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET full_page_writes = on" \
            -c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" >/dev/null
    fi
    export RECTIFY_VAR_DIR="$RUN_DIR/var" MEDIA_ROOT="$RUN_DIR/var/media" EXPORT_ROOT="$RUN_DIR/var/exports"
    mkdir -p "$MEDIA_ROOT" "$EXPORT_ROOT"
    log "Throwaway PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT${1:+ ($1)}"
}

# psql on the throwaway cluster, unaligned and quiet.
bench_psql() {
    _as_pg "$PG_BIN/psql" -h "$RUN_DIR/pg" -p "$PG_PORT" -U rectify -d rectify -qAt "$@"
}

# Seed the bulk benchmark data (seed 1) into a fresh throwaway database; a given DATABASE_URL is left
# as it is (the benchmark says what it needs).
bench_seed_once() {
    local tasks="$1"
    if [[ -n "$RUN_DIR" ]]; then
        log "Seeding $tasks bulk tasks"
        "$VENV_PY" manage.py seed_demo --tasks "$tasks" --seed 1 >/dev/null
    fi
}
