"""Where one page's time goes: its queries with their times, and a cProfile of the request (issue 19).

    DATABASE_URL=postgres://... .venv/bin/python bench/profile_page.py /tasks/123/ [--role bureau] [--runs 20]
        [--sort cumulative|tottime] [--top 40] [--sql]

The page is fetched with the Django test client as bench_scale.py does (logged in as the role's first active
user, DEBUG off as in production), once to warm up, then `--runs` times: the median wall and CPU ms, the queries
of one request (count, total ms; with --sql each one with its time) and the profile summed over the runs.
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
os.environ.setdefault("DEBUG", "1")  # static files without a collectstatic manifest; DEBUG is turned off below
os.environ.setdefault("SECRET_KEY", "bench-not-secret")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import User  # noqa: E402
from bench.bench_scale import QueryLog  # noqa: E402  (the benchmark's per-query log)
from bench.cpu_clock import CpuClock  # noqa: E402

ROLES = {"bureau": Role.BUREAU, "leader": Role.LEADER, "admin": Role.ADMIN}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--role", default="bureau", help="bureau, leader, admin, or a username")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sql", action="store_true", help="print every query with its time")
    parser.add_argument("--no-profile", action="store_true", help="only the timings (no cProfile runs)")
    parser.add_argument("--explain", type=int, default=0, help="EXPLAIN ANALYZE this many of the slowest SELECTs")
    args = parser.parse_args()
    settings.DEBUG = False  # as in production (and as bench_scale.py measures)
    if args.role in ROLES:
        user = User.objects.filter(role=ROLES[args.role], is_active=True).order_by("pk").first()
    else:
        user = User.objects.get(username=args.role)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    response = client.get(args.url)
    assert response.status_code == 200, response.status_code
    log = QueryLog()
    with connection.execute_wrapper(log):
        client.get(args.url)
    print(f"{args.url} as {user.username}: {len(log.queries)} queries, {sum(q[0] for q in log.queries):.1f} ms SQL")
    if args.sql:
        for ms, sql, _params in log.queries:
            print(f"  {ms:7.2f} ms  {sql[:220]}")
    selects = [q for q in log.queries if q[1].lstrip().upper().startswith(("SELECT", "WITH", "("))]
    for ms, sql, params in sorted(selects, key=lambda q: -q[0])[: args.explain]:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        print(f"\n{ms:.2f} ms: {sql[:400]}\n    {plan}\n")
    walls, cpus = [], []
    profile = cProfile.Profile()
    clock = CpuClock()
    backend_start = clock.backend_now()
    for _ in range(args.runs):
        cpu, started = time.process_time(), time.perf_counter()
        client.get(args.url)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    backend_end = clock.backend_now()
    backend = (
        "" if backend_start is None else f", PostgreSQL {(backend_end - backend_start) * 1000 / args.runs:.1f} ms CPU"
    )
    if not args.no_profile:
        profile.enable()
        for _ in range(args.runs):
            client.get(args.url)
        profile.disable()
    print(
        f"median {statistics.median(walls):.1f} ms wall, {statistics.median(cpus):.1f} ms CPU of this process{backend} "
        f"(min {min(walls):.1f}, max {max(walls):.1f}; {args.runs} runs; load {os.getloadavg()[0]:.2f})"
    )
    if not args.no_profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
