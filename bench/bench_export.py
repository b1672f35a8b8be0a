"""Benchmark: the background ledger export of every task, as the Celery worker runs it (issue 19).

Budget: all 1,000,000 tasks at flat memory, peak RSS of the worker process < 300 MB. Prints the time, the
rows, the file's size and the peak RSS of a child process that runs exactly what the worker runs
(`inspections.ledger.tasks.run_ledger_export(job_id)` for a job of a bureau user with no filter), plus the
plan of the rows' cursor with PostgreSQL's default cursor_tuple_fraction (0.1) and with 1 (the export's).

    bash bench/run_bench_export.sh [N]   # a throwaway PostgreSQL seeded with N tasks (default 100,000)
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_export.py    # a database already seeded

The peak is ru_maxrss of the child (its own: the driver never loads the data). A second figure, the peak
after the first 10 % of the rows, shows the memory is flat (it must not keep growing with the rows).
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.child import run_child  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

PEAK_MB = 300.0


def _setup():
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu() -> float:
    """This process's CPU seconds: on the shared 2-core machine wall time mostly measures the neighbours."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _actor():
    from accounts.choices import Role
    from accounts.models import User

    actor = User.objects.filter(role__in=[Role.ADMIN, Role.BUREAU], is_active=True).order_by("pk").first()
    if actor is None:  # seed_demo --tasks alone makes no staff account
        actor = User.objects.create_user("bench_bureau", role=Role.BUREAU, full_name="压测督察办")
    return actor


def child_export() -> dict:
    """Run the worker's task for a new job; report time, rows and peak memory (early and at the end)."""
    _setup()
    from inspections.ledger import services
    from inspections.ledger.tasks import run_ledger_export
    from inspections.models import ExportJob, RectificationTask

    job = ExportJob.objects.create(user=_actor(), params={})
    early = {}
    tenth = max(1, RectificationTask.objects.count() // 10)

    original = services._export_progress

    def progress(job_id, rows):
        if rows >= tenth and "mb" not in early:
            early["mb"], early["rows"] = _peak_mb(), rows
        original(job_id, rows)

    services._export_progress = progress
    start, cpu = time.perf_counter(), _cpu()
    run_ledger_export(job.pk)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    job.refresh_from_db()
    path = services.job_file(job)
    result = {
        "status": job.status,
        "error": job.error,
        "rows": job.progress,
        "seconds": seconds,
        "cpu": cpu,
        "file_mb": path.stat().st_size / 2**20 if path else 0,
        "peak_mb": _peak_mb(),
        "early_peak_mb": early.get("mb"),
        "early_rows": early.get("rows"),
    }
    if path:
        path.unlink()
    return result


def plans() -> list[str]:
    """EXPLAIN ANALYZE of the rows' cursor with the default and with the export's cursor_tuple_fraction."""
    _setup()
    from django.db import connection, transaction

    from inspections.filtersets import TaskFilterSet
    from inspections.ledger.export import ledger_rows_queryset
    from inspections.models import RectificationTask

    tasks = TaskFilterSet({}, queryset=RectificationTask.objects.with_schedule()).qs
    sql, params = ledger_rows_queryset(tasks).query.sql_with_params()
    out = []
    for fraction in ("0.1", "1"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL cursor_tuple_fraction = {fraction}")
            # A cursor's plan: EXPLAIN of the DECLARE gives the plan the fraction chooses, then fetch it all.
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) DECLARE bench_c NO SCROLL CURSOR FOR {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        executed = next(line for line in lines if line.startswith("Execution Time"))
        out.append(f"cursor_tuple_fraction = {fraction}: {executed}; plan: " + " | ".join(x.strip() for x in lines[:3]))
    return out


def main() -> None:
    _setup()
    from django.db import connection

    from inspections.models import RectificationTask

    total = RectificationTask.objects.count()
    print(f"database: {connection.vendor}; tasks: {total:,}")
    result = run_child(__file__, "export")
    print(
        f"ledger export (Celery task run_ledger_export, all tasks): {result['rows']:,} rows in "
        f"{result['seconds']:.1f} s wall, {result['cpu']:.1f} s CPU of the worker "
        f"({result['rows'] / max(result['seconds'], 1e-9):,.0f} rows/s wall), "
        f"file {result['file_mb']:.0f} MB, status {result['status']} {result['error']}"
    )
    print(
        f"peak RSS of the worker process: {result['peak_mb']:.0f} MB (budget {PEAK_MB:.0f} MB); "
        f"after the first {result['early_rows'] or 0:,} rows: {result['early_peak_mb'] or 0:.0f} MB"
    )
    for line in run_child(__file__, "plans")["plans"]:
        print(line)
    ok = result["status"] == "done" and result["rows"] == total and result["peak_mb"] < PEAK_MB
    print("RESULT:", "within budget" if ok else "OVER BUDGET")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "export":
        print(json.dumps(child_export()))
    elif len(sys.argv) > 1 and sys.argv[1] == "plans":
        print(json.dumps({"plans": plans()}))
    else:
        main()
