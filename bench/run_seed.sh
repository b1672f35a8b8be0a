#!/usr/bin/env bash
# Times `manage.py seed_demo --tasks N --seed S` (the bulk benchmark data) on a throwaway
# PostgreSQL with durable settings (fsync, full_page_writes and synchronous_commit back on,
# unlike the test cluster). Budget: 100,000 tasks in under 2 minutes.
#   bash bench/run_seed.sh [TASKS=100000] [SEED=1]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"

TASKS="${1:-100000}"
SEED="${2:-1}"
BUDGET_SECONDS=120

unset DATABASE_URL REDIS_URL  # always a fresh, durable cluster: the time of a first seed is the figure
bench_setup --durable

"$VENV_PY" manage.py migrate -v 0
started=$(date +%s.%N)
if [[ -n "${PROFILE:-}" ]]; then
    # PROFILE=1 bash bench/run_seed.sh 20000: where the time goes, by cumulative time.
    "$VENV_PY" -m cProfile -s cumtime manage.py seed_demo --tasks "$TASKS" --seed "$SEED" | head -60
else
    "$VENV_PY" manage.py seed_demo --tasks "$TASKS" --seed "$SEED"
fi
finished=$(date +%s.%N)

counts="$(bench_psql -F ' ' -c "SELECT
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
