#!/usr/bin/env bash
# Runs bench/bench_ledger.py on a throwaway PostgreSQL seeded with 100,000 tasks (or on DATABASE_URL).
#   bash bench/run_bench_ledger.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"
bench_setup
unset REDIS_URL
"$VENV_PY" manage.py migrate --noinput -v0
bench_seed_once 100000
"$VENV_PY" bench/bench_ledger.py "$@"
