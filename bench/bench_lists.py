"""Benchmark (issue 19, lists): the task list's variants, the largest round's page, a task's page and the API
list, each beside the bare SQL of the rows it shows. Medians of N runs after a warm-up, logged in as the
bureau or the bulk seed's leader (who see every task).

The bare SQL is the page's own SELECT of the shown rows (the statement that carries the LIMIT), replayed
through a cursor: the floor any page showing those rows has to pay.

Against a database you already seeded (seed_demo --tasks 300000 --seed 1):
    DATABASE_URL=postgres://... DEBUG=1 .venv/bin/python bench/bench_lists.py [--runs 3] [--explain]
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_ROOT") or str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.cpu_clock import CpuClock  # noqa: E402


def bureau():
    from accounts.choices import Role
    from accounts.models import User

    # The bureau, or the bulk seed's leader: both see every task.
    for role in (Role.BUREAU, Role.LEADER, Role.ADMIN):
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        if user is not None:
            return user
    raise SystemExit("no user who sees every task: run seed_demo --tasks N first")


def rows_sql(queries) -> str:
    """The page's SELECT of the shown rows: the slowest statement with a LIMIT over the task table."""
    candidates = [
        q
        for q in queries
        if "LIMIT" in q["sql"] and '"inspections_rectificationtask"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    candidates = candidates or queries
    return max(candidates, key=lambda q: float(q["time"]))["sql"]


def timed(fn, runs):
    times = []
    clock = CpuClock()
    cpu_start = clock.now()
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    cpu_end = clock.now()
    cpu = (cpu_end - cpu_start) * 1000 / runs if cpu_start is not None and cpu_end is not None else float("nan")
    return min(times), statistics.median(times), max(times), cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the key plan lines of each rows query")
    parser.add_argument("--only", default="", help="run only the pages whose name contains this")
    parser.add_argument("--skip", default="", help="skip the pages whose name contains this")
    args = parser.parse_args()
    settings.DEBUG = False
    from inspections.models import Finding, RectificationTask

    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "127.0.0.1")
    client.force_login(bureau())
    big_round = Finding.objects.values("round").annotate(n=Count("pk")).order_by("-n").first()
    big_unit = RectificationTask.objects.values("lead_unit").annotate(n=Count("pk")).order_by("-n").first()
    task = RectificationTask.objects.order_by("-pk").first()
    total = RectificationTask.objects.count()
    print(
        f"{total} tasks; largest round {big_round['round']} ({big_round['n']} findings); "
        f"unit {big_unit['lead_unit']} leads {big_unit['n']}"
    )
    variants = [
        ("list default", "/tasks/"),
        ("list round", f"/tasks/?round={big_round['round']}"),
        ("list unit", f"/tasks/?lead_unit={big_unit['lead_unit']}"),
        ("list status", "/tasks/?status=in_progress"),
        ("list overdue", "/tasks/?overdue=true"),
        ("list page 500", "/tasks/?page=500"),  # a typed URL: still served, by OFFSET
        ("list deadline order", "/tasks/?ordering=deadline"),
        ("round page", f"/rounds/{big_round['round']}/"),
        ("task detail", f"/tasks/{task.pk}/"),
        ("api tasks 200", "/api/tasks/?page_size=200"),
    ]
    # Past the first page-number links (OFFSET_LIMIT rows) the list's links carry a keyset cursor (after
    # this change): follow page 50's "下一页" link, and the last page ("末页"). Before it: page numbers only.
    found = re.search(r'href="([^"]*)"[^>]*rel="next"', client.get("/tasks/?page=50").content.decode())
    if found and "after=" in found[1]:
        variants.append(("list keyset after 50", "/tasks/" + found[1].replace("&amp;", "&")))
        variants.append(("list last page", "/tasks/?last=1"))
    else:
        variants.append(("list page 51", "/tasks/?page=51"))
        variants.append(("list last page", f"/tasks/?page={-(-total // 20)}"))
    print(f"{'page':<22} {'queries':>7} {'min':>8} {'median':>8} {'max':>8} {'cpu':>7} {'bare SQL':>9} {'ratio':>6}")
    for name, url in variants:
        if (args.only and args.only not in name) or (args.skip and args.skip in name):
            continue
        response = client.get(url)  # warm-up
        if response.status_code != 200:
            print(f"{name:<22} HTTP {response.status_code}")
            continue
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries = list(captured.captured_queries)  # the next request's request_started clears the log
        sql = rows_sql(queries)

        def bare(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        lo, med, hi, cpu = timed(lambda url=url: client.get(url), args.runs)
        _blo, bare_med, _bhi, _bcpu = timed(bare, args.runs)
        n = len(queries)
        print(
            f"{name:<22} {n:>7} {lo:>8.1f} {med:>8.1f} {hi:>8.1f} {cpu:>7.1f} {bare_med:>9.1f} {med / bare_med:>6.1f}",
            flush=True,
        )
        if args.explain:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
            keep = re.compile(r"Limit|Scan|Sort|Join|Nested|Execution|Index Cond|Rows Removed")
            for line in lines[:40]:
                if keep.search(line):
                    print("    " + line)


if __name__ == "__main__":
    main()
