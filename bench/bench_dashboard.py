"""Benchmark: the leader dashboard at 100,000 tasks on PostgreSQL. Budget: median server time < 150 ms.

Prints the median server time of the dashboard view (Django test Client, logged-in leader, after a
warm-up) beside the median time of the bare grouped SQL query it is built on (the main aggregate,
run directly through a cursor), and their ratio. Beside each wall time it prints the CPU time per
run of this process plus the PostgreSQL backend (read from /proc, local database only): on a machine
shared with other work, wall time measures the neighbours' load too, CPU time does not.

Run it on a throwaway PostgreSQL (started, seeded and removed for you):
    bash bench/run_bench_dashboard.sh
or against a database you already have (it must be PostgreSQL; seeds 100,000 tasks if missing):
    DATABASE_URL=postgres://... DEBUG=1 .venv/bin/python bench/bench_dashboard.py [--requests 20]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
os.environ.setdefault("DEBUG", "1")  # static files without a collectstatic manifest; DEBUG is turned off below

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.cpu_clock import CpuClock  # noqa: E402

BUDGET_MS = 150.0
TASKS = 100_000


def ensure_data(tasks: int) -> None:
    from inspections.models import RectificationTask

    call_command("migrate", verbosity=0)
    present = RectificationTask.objects.count()
    if present >= tasks:
        return
    print(f"{present} tasks present; seeding the demo and {tasks} bulk tasks (takes a minute or two)...", flush=True)
    call_command("seed_demo")
    call_command("seed_demo", tasks=tasks, seed=1)
    with connection.cursor() as cursor:  # fresh bulk rows: planner statistics and visibility map, as autovacuum would
        cursor.execute("VACUUM ANALYZE")


def unit_user():
    """A unit contact for the bulk unit (one level below the bulk root) whose subtree leads the most
    tasks: the restricted scope at its heaviest (about 2,000 of the 100,000 tasks)."""
    from accounts.choices import Role
    from accounts.models import Unit, User
    from accounts.services import user_create
    from inspections.models import RectificationTask

    existing = User.objects.filter(username="bench_unit").first()
    if existing:
        return existing
    candidates = Unit.objects.filter(parent__isnull=False, parent__parent__isnull=True).order_by("pk")
    unit = max(candidates, key=lambda u: RectificationTask.objects.filter(lead_unit__path__startswith=u.path).count())
    return user_create(username="bench_unit", password=None, role=Role.UNIT, unit=unit, full_name="基准测试联络员")


def timed(fn, runs: int, clock: CpuClock) -> tuple[list[float], float | None]:
    """Wall milliseconds of each run, and mean CPU milliseconds per run."""
    times = []
    cpu_start = clock.now()
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    cpu_end = clock.now()
    return times, (cpu_end - cpu_start) * 1000 / runs if cpu_start is not None else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=TASKS)
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL (or use bench/run_bench_dashboard.sh).")
        return 2
    ensure_data(args.tasks)
    settings.DEBUG = False  # as in production: no query log, no template debug info

    from accounts.models import User
    from inspections.access import visible_tasks
    from inspections.dashboard.selectors import Scope, _tune_postgresql, grouped_counts, grouped_sql, scoped_tasks
    from inspections.models import RectificationTask

    leader = User.objects.get(username="leader")
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "127.0.0.1")
    client.force_login(leader)
    url = reverse("inspections:dashboard")

    def request(params=None, as_client=client):
        response = as_client.get(url, params or {})
        assert response.status_code == 200, response.status_code

    unit_contact = unit_user()
    unit_client = Client(HTTP_HOST=client.defaults["HTTP_HOST"])
    unit_client.force_login(unit_contact)
    unit_tasks = visible_tasks(unit_contact).count()

    # The one grouped query every figure but the trend and the overdue list adds up from, as the
    # dashboard runs it (GROUPING SETS, same per-transaction settings), straight through a cursor.
    main_query = grouped_counts(scoped_tasks(leader, Scope()), day=timezone.localdate(), as_of=False)
    sql, sql_params, _columns = grouped_sql(main_query)

    def bare_sql():
        with transaction.atomic():
            _tune_postgresql(timezone.localdate())
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                cursor.fetchall()

    for _ in range(args.warmup):
        request()
        request(as_client=unit_client)
        bare_sql()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        request()
    clock = CpuClock()
    view_ms, view_cpu = timed(request, args.requests, clock)
    sql_ms, sql_cpu = timed(bare_sql, args.requests, clock)
    as_of = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).isoformat()
    as_of_ms, as_of_cpu = timed(lambda: request({"as_of": as_of}), max(3, args.requests // 4), clock)
    unit_ms, unit_cpu = timed(lambda: request(as_client=unit_client), args.requests, clock)

    view, bare = statistics.median(view_ms), statistics.median(sql_ms)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"PostgreSQL {connection.pg_version // 10000}, {RectificationTask.objects.count()} tasks, "
        f"{args.requests} requests after {args.warmup} warm-up, {len(queries)} queries per page, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )
    print("                                wall median     p90   CPU per run (Django + PostgreSQL)")
    for label, wall, cpu in (
        ("dashboard view (server time)", view_ms, view_cpu),
        ("bare grouped SQL (main query)", sql_ms, sql_cpu),
        (f"as-of view ({as_of}), no budget", as_of_ms, as_of_cpu),
        (f"unit user's view ({unit_tasks} tasks)", unit_ms, unit_cpu),
    ):
        cpu_text = f"{cpu:7.1f} ms" if cpu is not None else "n/a (remote database)"
        print(f"{label:32}{statistics.median(wall):7.1f} ms {sorted(wall)[int(0.9 * len(wall))]:7.1f} ms  {cpu_text}")
    print(f"ratio view / bare SQL: wall {view / bare:.2f}" + (f", CPU {view_cpu / sql_cpu:.2f}" if view_cpu else ""))
    verdict = "within" if view < BUDGET_MS else "OVER"
    print(
        f"budget: wall median < {BUDGET_MS:.0f} ms -> {verdict} budget"
        + (f"; CPU per request {view_cpu:.0f} ms" if view_cpu else "")
    )
    return 0 if view < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
