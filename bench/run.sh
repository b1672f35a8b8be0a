#!/usr/bin/env bash
# Run a benchmark on PostgreSQL:  bash bench/run.sh <name> [args...]   (runs bench/bench_<name>*.py)
# e.g. reminders, dashboard, ledger. Uses DATABASE_URL when it names a PostgreSQL; otherwise starts a
# throwaway PostgreSQL on a free loopback port, migrates it, runs the benchmark and removes it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"

name="${1:?usage: bash bench/run.sh <name> [args...], e.g. reminders}"
shift
script="$(ls bench/bench_"$name"*.py 2>/dev/null | head -n1)"
[[ -n "$script" ]] || die "no benchmark bench/bench_$name*.py"

bench_setup
unset REDIS_URL
"$VENV_PY" manage.py migrate --noinput -v0
"$VENV_PY" "$script" "$@"
