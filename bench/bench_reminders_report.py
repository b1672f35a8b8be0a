"""Benchmark: the daily reminder sweep and the dispatch report at 10,000 and 100,000 tasks.

Budgets: sweep < 15 s, report < 30 s, peak memory < 300 MB; the number of queries must not grow
with the number of tasks. Needs PostgreSQL (DATABASE_URL): run `bash bench/run.sh reminders`,
which starts a throwaway one, or point DATABASE_URL at an existing database (the bulk rounds are
added once and reused: seed_demo --tasks is idempotent per seed).

Seeding and each measurement run in their own processes, and this driver never loads the data, so
the peak memory (ru_maxrss, which a child inherits from its parent at fork) is the measured job's
own. Prints one line per measurement and a verdict.
"""

import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.child import run_child  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

BUDGETS = {"sweep": 15.0, "report": 30.0}
PEAK_MB = 300
SIZES = [(10_000, 1), (90_000, 2)]  # (tasks added, seed): 10k, then 100k in all


def setup():
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL or run `bash bench/run.sh reminders`.")


def ensure_people():
    """Bulk units get a contact each (so every unit gets a digest), plus a bureau user to escalate to."""
    from accounts.choices import Role
    from accounts.models import Unit, User

    have = set(User.objects.filter(role=Role.UNIT).values_list("unit_id", flat=True))
    users = [
        User(
            username=f"bench_{u.code.lower()}",
            role=Role.UNIT,
            unit=u,
            email=f"{u.code.lower()}@example.gov.cn",
            full_name=f"{u.name}联络员",
        )
        for u in Unit.objects.filter(code__startswith="BULK-").exclude(pk__in=have)
    ]
    User.objects.bulk_create(users)
    if not User.objects.filter(role=Role.BUREAU).exists():
        User.objects.create(username="bench_bureau", role=Role.BUREAU, email="bureau@example.gov.cn")


def measure(job: str) -> dict:
    """Run one job in this process and report wall time, queries and peak memory."""
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from inspections.models import DispatchReport, Notification, RectificationTask, ReminderDigest, ReminderRecord
    from inspections.reminders.services import reminders_send
    from inspections.reports.services import dispatch_report_build, report_file

    # BENCH_REPORT_DAY=YYYY-MM-DD: the report of another day (the weekly job reports yesterday).
    day = date.fromisoformat(os.environ["BENCH_REPORT_DAY"]) if os.environ.get("BENCH_REPORT_DAY") else None
    day = day or timezone.localdate()
    tasks = RectificationTask.objects.count()
    if job == "sweep":  # start the day afresh, as the morning job would
        ReminderRecord.objects.filter(day=day).delete()
        ReminderDigest.objects.filter(day=day).delete()
        Notification.objects.filter(kind__in=["reminder", "overdue", "escalation"]).delete()
    else:
        DispatchReport.objects.filter(report_date=day).delete()
    started, cpu_started = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as queries:
        if job == "sweep":
            result = reminders_send(day=day)
            detail = {"records": result.records, "digests": result.digests, "delivered": result.delivered}
        else:
            report = dispatch_report_build(report_id=DispatchReport.objects.create(report_date=day).pk)
            detail = {
                "overdue_rows": report.data["overdue"]["total"],
                "file_kb": report_file(report).stat().st_size // 1024,
            }
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # cpu_s: this process's own CPU time (the machine may be shared; the database's time is in seconds only).
    return {
        "job": job,
        "tasks": tasks,
        "seconds": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "queries": len(queries.captured_queries),
        "peak_mb": round(peak_mb, 1),
        **detail,
    }


def main():
    results = []
    for tasks, seed in SIZES:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo", "--tasks", str(tasks), "--seed", str(seed)], check=True, cwd=ROOT
        )
        run_child(__file__, "--people")
        print(f"seeded +{tasks} tasks (seed {seed}) in {time.perf_counter() - started:.0f} s", flush=True)
        for job in ("sweep", "report"):
            row = run_child(__file__, "--measure", job)
            results.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    ok = True
    for job in ("sweep", "report"):
        rows = [r for r in results if r["job"] == job]
        constant = len({r["queries"] for r in rows}) == 1
        within = all(r["seconds"] < BUDGETS[job] and r["peak_mb"] < PEAK_MB for r in rows)
        ok &= constant and within
        print(
            f"{job}: queries {[r['queries'] for r in rows]} at {[r['tasks'] for r in rows]} tasks "
            f"({'constant' if constant else 'GROWS'}); seconds {[r['seconds'] for r in rows]} "
            f"(budget {BUDGETS[job]} s); peak {[r['peak_mb'] for r in rows]} MB (budget {PEAK_MB} MB)"
        )
    print("PASS" if ok else "FAIL: over budget or query count grows")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    if sys.argv[1:] == ["--people"]:
        setup()
        ensure_people()
        print(json.dumps("ok"))
    elif len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2]), ensure_ascii=False))
    else:
        main()
