#!/usr/bin/env bash
# Runs bench/bench_export.py (the Celery ledger export of every task: time and peak RSS) on a throwaway
# PostgreSQL seeded with N tasks (default 100,000), or on the database of DATABASE_URL as it is.
#   bash bench/run_bench_export.sh [N]        e.g. bash bench/run_bench_export.sh 1000000
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"
bench_setup
unset REDIS_URL
"$VENV_PY" manage.py migrate --noinput -v0
bench_seed_once "${1:-100000}"
"$VENV_PY" bench/bench_export.py
