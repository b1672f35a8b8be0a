#!/usr/bin/env bash
# Run bench/bench_dashboard.py on a throwaway PostgreSQL (private dir, free port, removed on exit).
# With DATABASE_URL already set, uses that database instead. Extra args go to the benchmark.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
cd "$REPO_ROOT"
ensure_venv
if [[ -z "${DATABASE_URL:-}" ]]; then
    trap stop_services EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    make_run_dir
    # Newer scripts/lib/services.sh split the set-up and add a watchdog that cleans up after a kill.
    if declare -F prepare_postgres >/dev/null; then prepare_postgres; fi
    if declare -F start_watchdog >/dev/null; then start_watchdog; fi
    start_postgres
    export RECTIFY_VAR_DIR="$RUN_DIR/var"
    mkdir -p "$RECTIFY_VAR_DIR"
fi
DEBUG=1 "$VENV_PY" bench/bench_dashboard.py "$@"
