#!/usr/bin/env bash
# Run bench/task_search.py against a throwaway PostgreSQL (same setup as scripts/test.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
cd "$REPO_ROOT"
trap stop_services EXIT
make_run_dir
start_postgres
export DEBUG=1 RECTIFY_VAR_DIR="$RUN_DIR/var" MEDIA_ROOT="$RUN_DIR/var/media" EXPORT_ROOT="$RUN_DIR/var/exports"
"$VENV_PY" bench/task_search.py "$@"
