#!/usr/bin/env bash
# Runs bench/bench_complaints.py on a throwaway PostgreSQL (or on DATABASE_URL).
#   bash bench/run_bench_complaints.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"
bench_setup
unset REDIS_URL
"$VENV_PY" manage.py migrate --noinput -v0
"$VENV_PY" bench/bench_complaints.py "$@"
