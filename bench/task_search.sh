#!/usr/bin/env bash
# Run bench/task_search.py on a throwaway PostgreSQL (or on DATABASE_URL).  bash bench/task_search.sh [N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"
bench_setup
unset REDIS_URL
"$VENV_PY" bench/task_search.py "$@"
