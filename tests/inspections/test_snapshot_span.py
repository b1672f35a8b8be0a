"""The as-of dashboard's snapshots built for a whole history in one pass (inspections.snapshots): every day's
rows equal the replay of that day's events (summaries.snapshot_grouped), and a day without one is replayed
by a join that gives the same dashboard, said on the page."""

from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inspections import summaries
from inspections.choices import DeadlineKind, EventKind, TaskStatus
from inspections.dashboard.selectors import Scope, dashboard
from inspections.demo.bulk import seed_bulk
from inspections.models import RectificationTask, SnapshotDay, TaskEvent, TaskFigureSnapshot
from tests.inspections.test_dashboard import TODAY, at, world
from tests.inspections.test_figure_summaries import counters_off, state

pytestmark = pytest.mark.django_db


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def stored(day: date) -> Counter:
    rows = TaskFigureSnapshot.objects.filter(day=day).values_list(*summaries.SNAPSHOT_KEY, "n")
    counts = Counter()
    for *key, n in rows:
        counts[tuple(key)] += n
    return counts


def replayed(day: date) -> Counter:
    return Counter({tuple(r[k] for k in summaries.SNAPSHOT_KEY): r["n"] for r in summaries._rows_from_events(day)})


def event(task, when: datetime, to_status: str, from_status: str = "") -> None:
    TaskEvent.objects.create(
        task=task, actor=None, at=when, kind=EventKind.TRANSITION, from_status=from_status, to_status=to_status
    )


def awkward_histories() -> None:
    """The cases a day-by-day walk could get wrong, on a few seeded tasks."""
    tasks = list(RectificationTask.objects.order_by("pk")[:8])
    wednesday = TODAY - timedelta(days=56)  # TODAY is a Wednesday
    # Three status events on one day, the last two at the same instant: the later id wins.
    event(tasks[0], local(wednesday, 9), TaskStatus.IN_PROGRESS)
    event(tasks[0], local(wednesday, 18), TaskStatus.SUBMITTED)
    event(tasks[0], local(wednesday, 18), TaskStatus.NOT_STARTED)
    # Late in the evening and just after midnight, local time (the day is the local day, not UTC's).
    event(tasks[1], local(wednesday, 23, 50), TaskStatus.VERIFIED)
    event(tasks[1], local(wednesday + timedelta(days=1), 0, 10), TaskStatus.CLOSED)
    # No status event at all: its current status on every day it existed.
    TaskEvent.objects.filter(task=tasks[2]).exclude(to_status="").delete()
    # A status event dated before the task was created (an imported history): nothing before creation.
    RectificationTask.objects.filter(pk=tasks[3].pk).update(created_at=local(wednesday, 12))
    event(tasks[3], local(wednesday - timedelta(days=20), 8), TaskStatus.IN_PROGRESS)
    # No deadline; a deadline inside, at the edge of and past the due-soon window of the as-of days.
    RectificationTask.objects.filter(pk=tasks[4].pk).update(deadline=None, deadline_kind=DeadlineKind.LONG_TERM)
    RectificationTask.objects.filter(pk=tasks[5].pk).update(deadline=wednesday + timedelta(days=14))
    # Signed off on a Wednesday late in the evening, and on a Sunday: "this week" until that Sunday.
    RectificationTask.objects.filter(pk=tasks[6].pk).update(signed_off_at=local(wednesday, 23, 30))
    RectificationTask.objects.filter(pk=tasks[7].pk).update(signed_off_at=local(wednesday + timedelta(days=4), 8))


def test_backfilled_snapshots_equal_the_replay_of_every_day(world):
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=150, seed=7, today=TODAY)  # a long history of varied events (and its own backfill)
        awkward_histories()
        start = summaries.history_start()
        assert (TODAY - start).days > 300
        with CaptureQueriesContext(connection) as queries:
            built = summaries.figures_backfill(start=start, end=TODAY + timedelta(days=3), replace=True)
        assert built == (TODAY - start).days  # every past day, never today or later
        # One pass per SPAN_DAYS days, not one replay per day.
        passes = -(-built // summaries.SPAN_DAYS)
        assert sum("generate_series" in q["sql"] for q in queries.captured_queries) == passes
        days = [start + timedelta(days=i) for i in range(built)]
        assert SnapshotDay.objects.filter(day__in=days).count() == len(days)
        for day in days:
            assert stored(day) == replayed(day), day
        assert not TaskFigureSnapshot.objects.filter(day__gte=TODAY).exists()
        # The reconcile command's check of the snapshots agrees (the live counters were bypassed above).
        differences = summaries.figures_reconcile(snapshot_days=days[-30:])
        assert [d for d in differences if d.table == "snapshot"] == []


def test_backfill_builds_only_the_missing_days_unless_replace(world):
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=40, seed=2, today=TODAY)
        start, end = TODAY - timedelta(days=120), TODAY - timedelta(days=1)
        gap = [TODAY - timedelta(days=d) for d in (100, 60, 59)]
        TaskFigureSnapshot.objects.filter(day__in=gap).delete()
        SnapshotDay.objects.filter(day__in=gap).delete()
        kept = {d: stored(d) for d in (TODAY - timedelta(days=101), TODAY - timedelta(days=2))}
        assert summaries.figures_backfill(start=start, end=end) == len(gap)
        for day in gap:
            assert stored(day) == replayed(day)
        for day, counts in kept.items():
            assert stored(day) == counts  # built days are left as they were (no duplicate rows)
        assert summaries.figures_backfill(start=start, end=end) == 0
        assert summaries.figures_backfill(start=start, end=end, replace=True) == 120
        assert TaskFigureSnapshot.objects.filter(day=gap[0]).count() == len(replayed(gap[0]))


def test_seeding_leaves_a_snapshot_of_every_past_day(world):
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=30, seed=4, today=TODAY)
        start = summaries.history_start()
        days = set(SnapshotDay.objects.values_list("day", flat=True))
        assert days == {start + timedelta(days=i) for i in range((TODAY - start).days)}


def test_a_day_without_snapshot_is_rebuilt_by_a_join_and_says_so(world, client):
    leader = world["users"]["leader"]
    day = TODAY - timedelta(days=200)
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=60, seed=5, today=TODAY)
        from_snapshot = state(dashboard(user=leader, scope=Scope(as_of=day), today=TODAY))
        with counters_off():
            with CaptureQueriesContext(connection) as queries:
                rebuilt = dashboard(user=leader, scope=Scope(as_of=day), today=TODAY)
            assert rebuilt.reconstructed
            assert any("DISTINCT ON" in q["sql"] and "status_then" in q["sql"] for q in queries.captured_queries)
            assert state(rebuilt) == from_snapshot
            client.force_login(leader)
            page = client.get(f"/dashboard/?as_of={day.isoformat()}").content.decode()
            assert 'data-testid="dashboard-reconstructed"' in page
        page = client.get(f"/dashboard/?as_of={day.isoformat()}").content.decode()
        assert 'data-testid="dashboard-reconstructed"' not in page


def test_backfill_command_all_and_the_nightly_roll_stay_idempotent(world, capsys):
    from django.core.management import call_command

    tomorrow = TODAY + timedelta(days=1)
    with time_machine.travel(at(TODAY), tick=False):
        call_command("backfill_figures", all=True)
        start = summaries.history_start()
        assert f"已生成 {(TODAY - start).days} 天的快照" in capsys.readouterr().out
        call_command("backfill_figures", all=True)
        assert "已生成 0 天的快照" in capsys.readouterr().out
    with time_machine.travel(at(tomorrow, hour=1), tick=False):
        summaries.figures_roll(today=tomorrow)  # the nightly roll snapshots the closed day from the live counters
        rolled = stored(TODAY)
        summaries.figures_roll(today=tomorrow)  # run twice (a retried beat task): the same rows, no duplicates
        assert stored(TODAY) == rolled == replayed(TODAY)
        assert SnapshotDay.objects.filter(day=TODAY).count() == 1
        assert summaries.figures_backfill(start=start, end=TODAY) == 0  # every day built: nothing left to do
