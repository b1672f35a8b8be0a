"""Benchmark: the daily 督办建议 job and a quarter's unit scores at 100,000 tasks on PostgreSQL.
Budget: under 10 s each.

Seeds the demo and 100,000 bulk tasks when missing (seed_demo), then times, on the seeded ledger:
  1. suggestions_compute for a day (first run: inserts the month's warnings and suggestions), and a
     second run of the same day (the idempotent re-run, as after a worker restart);
  2. scores_for the quarter holding that day (every unit, every rule, from history) and storing them.
Run: bash bench/run.sh supervision    (a throwaway PostgreSQL), or with DATABASE_URL set.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

BUDGET_S = 10.0
TASKS = 100_000


def main() -> int:
    from inspections.choices import PeriodKind
    from inspections.models import RectificationTask, SupervisionSuggestion, WarningObservation
    from inspections.supervision.scoring import period_bounds, scores_store
    from inspections.supervision.suggestions import suggestions_compute

    present = RectificationTask.objects.count()
    if present < TASKS:
        print(f"{present} tasks present; seeding the demo and {TASKS} bulk tasks...", flush=True)
        call_command("seed_demo")
        call_command("seed_demo", tasks=TASKS, seed=1)
    total = RectificationTask.objects.count()
    today = timezone.localdate()
    failed = False

    started = time.perf_counter()
    run = suggestions_compute(today=today)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = suggestions_compute(today=today)
    second = time.perf_counter() - started
    print(
        f"suggestions at {total} tasks: first run {first:.2f} s ({run.warned} warned, {run.observed} warnings "
        f"recorded, {run.created} suggestions), re-run {second:.2f} s ({again.created} new) (budget {BUDGET_S} s)"
    )
    print(f"rows: {WarningObservation.objects.count()} warnings, {SupervisionSuggestion.objects.count()} suggestions")
    failed |= first > BUDGET_S or second > BUDGET_S

    start, end = period_bounds(PeriodKind.QUARTER, today)
    started = time.perf_counter()
    units = scores_store(kind=PeriodKind.QUARTER, start=start, end=end)
    elapsed = time.perf_counter() - started
    print(f"quarterly scores {start}..{end} at {total} tasks: {elapsed:.2f} s for {units} units (budget {BUDGET_S} s)")
    failed |= elapsed > BUDGET_S
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
