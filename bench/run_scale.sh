#!/usr/bin/env bash
# Issue 19's scale table at N tasks:  bash bench/run_scale.sh [N=100000] [--runs 3]
# Starts a throwaway PostgreSQL (scripts/lib/bench.sh), migrates, loads the demo ledger (its users read the
# pages), seeds N bulk tasks with `seed_demo --tasks N --seed 1` (timed: the seed time is reported), VACUUM
# ANALYZEs as autovacuum would, then runs bench/bench_scale.py: every page of the issue's table beside its bare
# SQL, min/median/max of 3 runs after a warm-up, printed and written to bench/results/scale-<N>-<date>.md
# with the EXPLAIN ANALYZE key lines. With DATABASE_URL set to a PostgreSQL, uses that database as it is
# (seeds only if it holds fewer than N tasks).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/bench.sh"
cd "$REPO_ROOT"

TASKS="${1:-100000}"
shift || true
[[ "$TASKS" =~ ^[0-9]+$ ]] || die "usage: bash bench/run_scale.sh N [--runs 3]"

bench_setup
unset REDIS_URL  # no broker: the pages measured never queue work
"$VENV_PY" manage.py migrate --noinput -v0

present="$("$VENV_PY" manage.py shell -v0 -c \
    'from inspections.models import RectificationTask as T; print(T.objects.count())' 2>/dev/null | tail -n1)"
seed_args=()
if (( present < TASKS )); then
    log "Loading the demo ledger (users and units)"
    "$VENV_PY" manage.py seed_demo >/dev/null
    log "Seeding $TASKS bulk tasks (seed_demo --tasks $TASKS --seed 1)"
    started=$(date +%s.%N)
    "$VENV_PY" manage.py seed_demo --tasks "$TASKS" --seed 1
    finished=$(date +%s.%N)
    seed_seconds="$(python3 -c "print(f'{$finished - $started:.1f}')")"
    log "seed_demo --tasks $TASKS --seed 1: $seed_seconds s"
    seed_args=(--seed-seconds "$seed_seconds")
    # The planner statistics and visibility map autovacuum would give a loaded database.
    "$VENV_PY" manage.py dbshell -- -qc "VACUUM ANALYZE" >/dev/null
else
    log "The database already holds $present tasks; not seeding"
fi
"$VENV_PY" bench/bench_scale.py --label "$TASKS" "${seed_args[@]}" "$@" 2> >(grep -v -e '^AXES' -e 'UserWarning: No directory' -e 'mw_instance = ' >&2)
