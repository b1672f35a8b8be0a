#!/usr/bin/env bash
# Quick start: one command from a fresh clone to the app at http://127.0.0.1:8000/ with demo data.
# Uses the embedded SQLite database under var/ and runs Celery tasks eagerly in-process, so it
# needs no PostgreSQL or Redis. Re-running is safe: migrate and seed_demo are idempotent.
#   bash scripts/run.sh            PORT=8080 bash scripts/run.sh
# Wrapped in main() so bash parses the whole file before running it (safe against edits mid-run).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

main() {
    local port="${PORT:-8000}"

    ensure_venv

    # Quick start is always the development setup, whatever the caller's shell exports. Error pages are
    # the product's own (Chinese 404/403/500); DEBUG_ERROR_PAGES=1 bash scripts/run.sh shows Django's
    # technical pages (URL list, traceback) instead.
    export DEBUG=1
    unset DATABASE_URL REDIS_URL

    log "Applying migrations (SQLite in var/)"
    "$VENV_PY" manage.py migrate --noinput
    log "Loading demo data"
    "$VENV_PY" manage.py seed_demo
    compile_messages

    printf '\n  %s\n  %s\n  %s\n\n' \
        "督察整改台账 is starting at  http://127.0.0.1:$port/" \
        "Log in with one of the demo accounts listed above by seed_demo." \
        "Stop with Ctrl-C. Data lives in var/ (delete it to start over)."
    exec "$VENV_PY" manage.py runserver "127.0.0.1:$port"
}

main "$@"
