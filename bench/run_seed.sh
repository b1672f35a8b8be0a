#!/usr/bin/env bash
# Times `manage.py seed_demo --tasks N --seed S` (the bulk benchmark data) on a throwaway
# PostgreSQL with durable settings (fsync, full_page_writes and synchronous_commit back on,
# unlike the test cluster). Budget: 100,000 tasks in under 2 minutes.
#   bash bench/run_seed.sh [TASKS=100000] [SEED=1]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
cd "$REPO_ROOT"

TASKS="${1:-100000}"
SEED="${2:-1}"
BUDGET_SECONDS=120

ensure_venv
cleanup() { stop_services; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

make_run_dir
# Newer scripts/lib/services.sh split the set-up and add a watchdog that cleans up after a kill.
if declare -F prepare_postgres >/dev/null; then prepare_postgres; fi
if declare -F start_watchdog >/dev/null; then start_watchdog; fi
start_postgres
psql_run() { _as_pg "$PG_BIN/psql" -h "$RUN_DIR/pg" -p "$PG_PORT" -U rectify -d rectify -qAt "$@"; }
# The test cluster trades durability for speed; a benchmark must not.
psql_run -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET full_page_writes = on" \
    -c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" >/dev/null

export DEBUG=1 SECRET_KEY="bench-not-secret" RECTIFY_VAR_DIR="$RUN_DIR/var"
unset REDIS_URL
mkdir -p "$RECTIFY_VAR_DIR"

"$VENV_PY" manage.py migrate -v 0
started=$(date +%s.%N)
if [[ -n "${PROFILE:-}" ]]; then
    # PROFILE=1 bash bench/run_seed.sh 20000: where the time goes, by cumulative time.
    "$VENV_PY" -m cProfile -s cumtime manage.py seed_demo --tasks "$TASKS" --seed "$SEED" | head -60
else
    "$VENV_PY" manage.py seed_demo --tasks "$TASKS" --seed "$SEED"
fi
finished=$(date +%s.%N)

counts="$(psql_run -F ' ' -c "SELECT
    (SELECT count(*) FROM inspections_rectificationtask),
    (SELECT count(*) FROM inspections_finding),
    (SELECT count(*) FROM inspections_taskevent),
    (SELECT count(*) FROM inspections_progressupdate),
    (SELECT count(*) FROM accounts_unit)")"
read -r n_tasks n_findings n_events n_progress n_units <<<"$counts"
elapsed="$(python3 -c "print(f'{$finished - $started:.1f}')")"
echo "seed_demo --tasks $TASKS --seed $SEED on PostgreSQL $PG_VERSION (fsync on): ${elapsed} s" \
    "(budget ${BUDGET_SECONDS} s)"
echo "rows: $n_tasks tasks, $n_findings findings, $n_events events, $n_progress progress updates, $n_units units"
