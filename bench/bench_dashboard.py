"""Benchmark: the leader dashboard at 100,000 tasks on PostgreSQL. Budget: median server time < 150 ms.

Prints the median server time of the dashboard view (Django test Client, logged-in leader, after a
warm-up) beside the median time of the bare grouped SQL query it is built on (the main aggregate,
run directly through a cursor), and their ratio.

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

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

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


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


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
    from inspections.dashboard import Scope, _tune_postgresql, grouped_counts, grouped_sql, scoped_tasks
    from inspections.models import RectificationTask

    leader = User.objects.get(username="leader")
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "127.0.0.1")
    client.force_login(leader)
    url = reverse("inspections:dashboard")

    def request(params=None):
        response = client.get(url, params or {})
        assert response.status_code == 200, response.status_code

    # The one grouped query every figure but the trend and the overdue list adds up from, as the
    # dashboard runs it (GROUPING SETS, same per-transaction settings), straight through a cursor.
    main_query = grouped_counts(scoped_tasks(leader, Scope()), day=timezone.localdate(), as_of=False)
    sql, sql_params, _columns = grouped_sql(main_query)

    def bare_sql():
        with transaction.atomic():
            _tune_postgresql()
            with connection.cursor() as cursor:
                cursor.execute(sql, sql_params)
                cursor.fetchall()

    for _ in range(args.warmup):
        request()
        bare_sql()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        request()
    # Interleaved, so both see the same load on a shared machine.
    view_ms, sql_ms = [], []
    for _ in range(args.requests):
        view_ms += timed(request, 1)
        sql_ms += timed(bare_sql, 1)
    as_of = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).isoformat()
    as_of_ms = timed(lambda: request({"as_of": as_of}), max(3, args.requests // 4))

    view, bare = statistics.median(view_ms), statistics.median(sql_ms)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"PostgreSQL {connection.pg_version // 10000}, {RectificationTask.objects.count()} tasks, "
          f"{args.requests} requests after {args.warmup} warm-up, {len(queries)} queries per page, "
          f"{os.cpu_count()} CPUs, load average {load}")
    print(f"dashboard view (server time)  median {view:7.1f} ms   p90 {sorted(view_ms)[int(0.9 * len(view_ms))]:7.1f} ms")
    print(f"bare grouped SQL (main query) median {bare:7.1f} ms")
    print(f"ratio view / bare SQL          {view / bare:7.2f}")
    print(f"as-of view ({as_of})       median {statistics.median(as_of_ms):7.1f} ms  (informative, no budget)")
    verdict = "within" if view < BUDGET_MS else "OVER"
    print(f"budget: median < {BUDGET_MS:.0f} ms -> {verdict} budget")
    return 0 if view < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
