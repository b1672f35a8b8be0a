"""Benchmark: the dashboard from the summary counters vs from a scan of the tasks (issue 19).

Goals at 1,000,000 tasks (median server time): leader dashboard < 150 ms, a unit's dashboard < 100 ms,
the as-of dashboard of a past day < 300 ms. Prints, for each page, the median / min / max of 3 runs
(Django test Client, logged in, after a warm-up) with the counters (after) and without them (before:
the same code with the counters switched off, i.e. the scan every page did until now), plus the query
count of each.

Against a seeded PostgreSQL (e.g. `manage.py seed_demo --tasks 300000 --seed 1`, which also builds the
counters and the recent snapshots):
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_figures.py [--runs 3] [--as-of-days 7]
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

GOALS = {"leader": 150.0, "unit": 100.0, "as_of": 300.0}


def leader():
    from accounts.choices import Role
    from accounts.models import User

    return User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()


def unit_user():
    """A unit contact of the level-1 bulk unit whose subtree leads the most tasks (the heaviest unit scope)."""
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


def measure(client, url: str, runs: int) -> tuple[list[float], int]:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def measure_figures(user, url: str, runs: int) -> list[float]:
    """The dashboard's figures alone (inspections.dashboard.selectors.dashboard), without the page's other
    panels, the menu's to-do badge and the template."""
    from datetime import date

    from inspections.dashboard.selectors import Scope, dashboard

    as_of = url.partition("as_of=")[2]
    scope = Scope(as_of=date.fromisoformat(as_of)) if as_of else Scope()
    dashboard(user=user, scope=scope)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        dashboard(user=user, scope=scope)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    from inspections import summaries
    from inspections.models import FigureDay, RectificationTask

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of-days", type=int, default=7, help="the as-of page shows this many days ago")
    args = parser.parse_args()
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tasks = RectificationTask.objects.count()
    today = timezone.localdate()
    as_of = today - timedelta(days=args.as_of_days)
    if summaries.live_day() != today:
        summaries.figures_roll()
    if not summaries.has_snapshot(as_of):
        summaries.figures_backfill(start=as_of, end=as_of)
    pages = [("leader", leader(), "/dashboard/"), ("unit", unit_user(), "/dashboard/")]
    pages.append(("as_of", leader(), f"/dashboard/?as_of={as_of.isoformat()}"))
    print(f"{tasks} tasks on PostgreSQL {connection.pg_version // 10000}; median of {args.runs} runs (ms)")
    print(
        f"{'page':<8} {'before':>9} {'after':>9} {'min..max after':>16} {'queries b/a':>12} {'goal@1M':>8}"
        f" {'figures before':>15} {'figures after':>14}"
    )
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        figure_day = FigureDay.objects.get(pk=summaries.FIGURE_DAY_PK)
        # Before: the counters off (as if never built), so the page scans the tasks as it used to.
        FigureDay.objects.filter(pk=figure_day.pk).update(day=None)
        snapshot = summaries.SnapshotDay.objects.filter(day=as_of)
        kept = list(snapshot.values_list("day", "built_at"))
        snapshot.delete()
        try:
            before, before_queries = measure(client, url, args.runs)
            figures_before = measure_figures(user, url, args.runs)
        finally:
            FigureDay.objects.filter(pk=figure_day.pk).update(day=figure_day.day)
            for day, built_at in kept:
                summaries.SnapshotDay.objects.create(day=day, built_at=built_at)
        after, after_queries = measure(client, url, args.runs)
        figures_after = measure_figures(user, url, args.runs)
        print(
            f"{name:<8} {statistics.median(before):9.1f} {statistics.median(after):9.1f} "
            f"{min(after):7.1f}..{max(after):7.1f} {before_queries:>5}/{after_queries:<6} {GOALS[name]:8.0f}"
            f" {statistics.median(figures_before):15.1f} {statistics.median(figures_after):14.1f}"
        )
    print("page: Django test client, whole page; figures: dashboard() alone (the part the counters replace)")


if __name__ == "__main__":
    main()
