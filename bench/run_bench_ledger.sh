#!/usr/bin/env bash
# Runs bench/bench_ledger.py on a throwaway PostgreSQL seeded with 100,000 tasks; tears it down after.
#   bash bench/run_bench_ledger.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
cd "$REPO_ROOT"
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
make_run_dir
start_postgres
export SECRET_KEY="bench-not-secret" RECTIFY_VAR_DIR="$RUN_DIR/var" MEDIA_ROOT="$RUN_DIR/var/media"
export EXPORT_ROOT="$RUN_DIR/var/exports"
unset REDIS_URL
mkdir -p "$RECTIFY_VAR_DIR"
"$VENV_PY" manage.py migrate -v0
"$VENV_PY" manage.py seed_demo --tasks 100000 --seed 1 >/dev/null
"$VENV_PY" bench/bench_ledger.py
