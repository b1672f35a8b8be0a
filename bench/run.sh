#!/usr/bin/env bash
# Run a benchmark on PostgreSQL:  bash bench/run.sh reminders   (runs bench/bench_reminders*.py)
# Uses DATABASE_URL when it names a PostgreSQL; otherwise starts a throwaway PostgreSQL on a free
# loopback port (scripts/lib/services.sh), migrates it, runs the benchmark and removes it.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
cd "$REPO_ROOT"

name="${1:?usage: bash bench/run.sh <name> [args...], e.g. reminders}"
shift
script="$(ls bench/bench_"$name"*.py 2>/dev/null | head -n1)"
[[ -n "$script" ]] || die "no benchmark bench/bench_$name*.py"

ensure_venv
export DEBUG=1
export SECRET_KEY="bench-not-secret"
unset REDIS_URL EMAIL_HOST
if [[ "${DATABASE_URL:-}" != postgres* ]]; then
    trap stop_services EXIT
    make_run_dir
    start_postgres
    export RECTIFY_VAR_DIR="$RUN_DIR/var" EXPORT_ROOT="$RUN_DIR/var/exports" MEDIA_ROOT="$RUN_DIR/var/media"
    mkdir -p "$EXPORT_ROOT" "$MEDIA_ROOT"
    log "Throwaway PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
fi
"$VENV_PY" manage.py migrate --noinput -v0
"$VENV_PY" "$script" "$@"
