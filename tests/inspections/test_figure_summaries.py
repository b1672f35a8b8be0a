"""The dashboard's summary counters (inspections.summaries): the same figures and links as the scan of
the tasks, kept by the services in the same transaction, rolled daily, reconciled and repaired."""

import threading
import traceback
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Unit, User
from inspections import services, summaries
from inspections.choices import Category, TaskStatus
from inspections.closure.services import extension_decide, extension_request
from inspections.dashboard.selectors import Scope, dashboard, dashboard_summary
from inspections.demo.bulk import seed_bulk
from inspections.models import FigureDay, RectificationTask, SnapshotDay, TaskFigure
from tests.inspections.test_dashboard import TODAY, at, world

pytestmark = pytest.mark.django_db

AS_OF_DAYS = (date(2025, 4, 15), date(2025, 6, 10), date(2025, 6, 17))


def state(board) -> dict:
    """Everything a dashboard shows, in comparable form (values, labels and link queries)."""

    def groups(items):
        return [(g.key, g.label, g.total, g.complete, g.overdue, g.pending, g.rate, g.params) for g in items]

    return {
        "headline": [(f.key, f.label, f.value, f.query) for f in board.headline],
        "rounds": groups(board.rounds),
        "categories": groups(board.categories),
        "units": groups(board.units),
        "best": board.best_unit and board.best_unit.key,
        "worst": board.worst_unit and board.worst_unit.key,
        "overdue": [t.pk for t in board.overdue_tasks],
        "overdue_all": board.overdue_all.value,
        "trend": [(f.key, f.value, f.query) for f in board.trend],
        "warnings": [(f.key, f.value, f.query) for f in board.warnings] if board.warnings is not None else None,
    }


@contextmanager
def counters_off():
    """Inside: the counters and snapshots as if never built (the dashboard scans the tasks); undone after."""
    with transaction.atomic():
        FigureDay.objects.update(day=None)
        SnapshotDay.objects.all().delete()
        yield
        transaction.set_rollback(True)


def summary_used(queries) -> bool:
    return any("inspections_taskfigure" in q["sql"] for q in queries.captured_queries)


def assert_same_as_scan(user, scope: Scope, today: date) -> None:
    with CaptureQueriesContext(connection) as queries:
        from_counters = state(dashboard(user=user, scope=scope, today=today))
    assert summary_used(queries), f"the counters were not read for {user} {scope}"
    with counters_off():
        with CaptureQueriesContext(connection) as queries:
            scanned = state(dashboard(user=user, scope=scope, today=today))
        assert not summary_used(queries)
    assert from_counters == scanned


def scopes(world):
    round_a, round_b = world["rounds"]
    units = world["units"]
    leader, nanshan, zhujian = world["users"]["leader"], world["users"]["nanshan"], world["zhujian"]
    return [
        (leader, Scope()),
        (leader, Scope(round=round_a)),
        (leader, Scope(round=round_b, category=Category.SOIL)),
        (leader, Scope(unit=units["NSZ"])),
        (leader, Scope(category=Category.WATER)),
        (nanshan, Scope()),  # a unit user: its led tasks from the counters, the cooperated one scanned
        (nanshan, Scope(unit=units["NSZ"])),
        (zhujian, Scope(round=round_a)),
    ]


def assert_all_same(world, today: date, as_of_days=()) -> None:
    for user, scope in scopes(world):
        assert_same_as_scan(user, scope, today)
        for day in as_of_days:
            assert_same_as_scan(
                user, Scope(round=scope.round, unit=scope.unit, category=scope.category, as_of=day), today
            )


def test_counters_give_the_same_dashboard_as_the_scan(world):
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        for day in AS_OF_DAYS:
            summaries.figures_backfill(start=day, end=day)
        assert_all_same(world, TODAY, AS_OF_DAYS)
        assert summaries.figures_reconcile(snapshot_days=list(AS_OF_DAYS)) == []


def test_every_kind_of_write_keeps_the_counters_in_the_same_transaction(world):
    users, units, tasks = world["users"], world["units"], world["tasks"]
    bureau, leader, nanshan = users["duchaban"], users["leader"], users["nanshan"]
    zj_contact = world["zhujian"]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        # progress (percent: the warning colour), a move, a reassignment, a deadline change by extension,
        # a finding's category copied onto its tasks, a new task, a closure this week
        services.task_progress_add(actor=zj_contact, task=tasks["coop"], text="推进中", percent=80)
        services.task_start(actor=zj_contact, task=tasks["zj"])
        services.task_update(actor=bureau, task=tasks["nssn"], lead_unit=units["ZJ"])
        extension = extension_request(
            actor=bureau,
            task=RectificationTask.objects.get(pk=tasks["zj"].pk),
            deadline_text="2025年12月31日",
            reason="工程量大",
        )
        extension_decide(actor=bureau, extension=extension, approve=True)
        water = tasks["zj"].finding
        services.finding_update(actor=bureau, finding=water, category=Category.DRINKING_WATER)
        water.refresh_from_db()
        services.task_assign(actor=bureau, finding=water, lead_unit=units["NSZ"], deadline_text="2025年6月20日")
        # A task completed two weeks ago changes lead unit: its past completion moves in the trend's ledger.
        services.task_update(actor=bureau, task=tasks["air"], lead_unit=units["SW"])
        services.task_close(actor=leader, task=RectificationTask.objects.get(pk=tasks["air"].pk))  # verified
        assert TaskFigure.objects.count() > 0
        assert summaries.figures_reconcile() == []
        assert_all_same(world, TODAY)
        # The writer's deltas are rows of their own: compaction folds them without changing a figure.
        summaries.figures_compact()
        assert summaries.figures_reconcile() == []
        assert_same_as_scan(leader, Scope(), TODAY)
    assert RectificationTask.objects.filter(category=Category.DRINKING_WATER).count() == 3
    assert nanshan.pk  # the unit user's board was compared above


def test_a_new_day_scans_until_the_roll_then_the_closed_day_is_a_snapshot(world):
    leader = world["users"]["leader"]
    tomorrow = TODAY + timedelta(days=1)
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        services.task_start(actor=world["zhujian"], task=world["tasks"]["zj"])
    with time_machine.travel(at(tomorrow, hour=0), tick=False):
        with CaptureQueriesContext(connection) as queries:
            dashboard(user=leader, scope=Scope(), today=tomorrow)
        assert not summary_used(queries)  # yesterday's colours and deadline classes are not today's
        result = summaries.figures_roll(today=tomorrow)
        assert result["snapshot"] == TODAY.isoformat()
        # The snapshot copied from the live counters equals the one rebuilt from the events.
        assert summaries.figures_reconcile(snapshot_days=[TODAY]) == []
        assert_all_same(world, tomorrow, [TODAY])


def test_counters_built_under_other_settings_are_not_used(world, settings):
    leader = world["users"]["leader"]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        settings.DUE_SOON_DAYS = 30
        with CaptureQueriesContext(connection) as queries:
            dashboard(user=leader, scope=Scope(), today=TODAY)
        assert not summary_used(queries)


def test_reconcile_command_reports_and_repairs_a_difference(world, capsys):
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        summaries.figures_backfill(start=date(2025, 6, 10), end=date(2025, 6, 10))
        call_command("reconcile_figures")
        assert "一致" in capsys.readouterr().out
        unit = Unit.objects.get(code="ZJ")
        round_a = world["rounds"][0]
        TaskFigure.objects.create(
            round_id=round_a.pk,
            lead_unit_id=unit.pk,
            category=Category.WATER,
            status=TaskStatus.NOT_STARTED,
            warning="red",
            deadline_class="past",
            closed_week=False,
            n=2,
        )
        summaries.SnapshotDay.objects.filter(day=date(2025, 6, 10)).update(built_at=at(TODAY))
        summaries.TaskFigureSnapshot.objects.filter(day=date(2025, 6, 10)).first().delete()
        with pytest.raises(SystemExit):
            call_command("reconcile_figures", days=30)
        out = capsys.readouterr().out
        assert "发现 2 处差异" in out and "live 2025-06-18" in out and "snapshot 2025-06-10" in out
        call_command("reconcile_figures", days=30, repair=True)
        assert "已修复" in capsys.readouterr().out
        call_command("reconcile_figures", days=30)
        assert "一致" in capsys.readouterr().out
        assert_same_as_scan(world["users"]["leader"], Scope(), TODAY)
        assert_same_as_scan(world["users"]["leader"], Scope(as_of=date(2025, 6, 10)), TODAY)


def test_backfill_command_builds_the_past_days(world, capsys):
    with time_machine.travel(at(TODAY), tick=False):
        call_command("backfill_figures", days=3)
        assert "已生成 3 天的快照" in capsys.readouterr().out
        assert summaries.live_day() == TODAY
        assert sorted(SnapshotDay.objects.values_list("day", flat=True)) == [
            TODAY - timedelta(days=3),
            TODAY - timedelta(days=2),
            TODAY - timedelta(days=1),
        ]
        call_command("backfill_figures", days=3)
        assert "已生成 0 天的快照" in capsys.readouterr().out


def test_dashboard_query_count_does_not_grow_with_the_data(world):
    leader, nanshan = world["users"]["leader"], world["users"]["nanshan"]
    replayed_day = TODAY - timedelta(days=10)

    def counts():
        result = []
        boards = (
            (leader, Scope()),
            (nanshan, Scope()),
            (leader, Scope(as_of=TODAY - timedelta(days=2))),
            # A day without snapshot (replayed), then with one (the seeder builds every day of its history).
            (leader, Scope(as_of=replayed_day)),
        )
        for user, scope in boards:
            with CaptureQueriesContext(connection) as queries:
                dashboard(user=user, scope=scope, today=TODAY)
            assert summary_used(queries) or scope.as_of
            result.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            dashboard_summary(user=leader, today=TODAY)
        return [*result, len(queries)]

    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_seeded(today=TODAY)  # what the bulk seeder calls at its end
        SnapshotDay.objects.filter(day=replayed_day).delete()
        assert dashboard(user=leader, scope=Scope(as_of=replayed_day), today=TODAY).reconstructed
        small = counts()
        seed_bulk(tasks=200, seed=3, today=TODAY)
        assert summaries.figures_reconcile() == []
        assert not dashboard(user=leader, scope=Scope(as_of=replayed_day), today=TODAY).reconstructed
        assert counts() == small
        assert_same_as_scan(leader, Scope(), TODAY)
        assert_same_as_scan(leader, Scope(as_of=TODAY - timedelta(days=2)), TODAY)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_leave_the_counters_equal_to_a_recomputation(world):
    """Threads on PostgreSQL, each its own connection and real transactions, write the same tasks at once
    (progress, moves, reassignments, new tasks) while the deltas are compacted; then the summary equals
    the recomputation exactly."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    users, units = world["users"], world["units"]
    bureau = users["duchaban"]
    contacts = {u.unit_id: u for u in User.objects.filter(role="unit")}
    summaries.figures_roll()
    task_ids = list(RectificationTask.objects.values_list("pk", flat=True))
    finding = RectificationTask.objects.get(pk=task_ids[0]).finding
    errors, written = [], []
    barrier = threading.Barrier(4)

    def writer(worker: int) -> None:
        try:
            barrier.wait()
            for step in range(6):
                task = RectificationTask.objects.get(pk=task_ids[(worker + step) % len(task_ids)])
                contact = contacts.get(task.lead_unit_id)
                try:
                    if step % 3 == 0 and contact and task.status in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS):
                        services.task_progress_add(actor=contact, task=task, text="推进", percent=10 * (worker + step))
                    elif step % 3 == 1 and task.status != TaskStatus.CLOSED:
                        target = [units["ZJ"], units["NSZ"], units["SW"]][(worker + step) % 3]
                        services.task_update(actor=bureau, task=task, lead_unit=target)
                    else:
                        services.task_assign(
                            actor=bureau, finding=finding, lead_unit=units["NSSN"], deadline_text="2026年6月30日"
                        )
                    written.append(worker)
                except Exception as exc:
                    # Only refusals (a move not allowed any more) are expected; a reassigned task must still be
                    # found under its lock, and two tasks added to one finding at once get different numbers.
                    if not getattr(exc, "message_dict", None) and not hasattr(exc, "code"):
                        raise
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def compactor() -> None:
        try:
            barrier.wait()
            for _ in range(4):
                summaries.figures_compact()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)] + [threading.Thread(target=compactor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(written) >= 9  # most writes went through (some refused: a closed task, a taken number)
    assert TaskFigure.objects.exists()
    assert summaries.figures_reconcile() == []
    summaries.figures_compact()
    assert summaries.figures_reconcile() == []


def test_beat_tasks_roll_and_compact(world):
    from inspections.dashboard.tasks import compact_figures, roll_figures
    from inspections.schedules import SCHEDULES

    assert {"inspections.figures_roll", "inspections.figures_compact"} <= {task for _n, task, _c in SCHEDULES}
    with time_machine.travel(at(TODAY), tick=False):
        assert roll_figures()["day"] == TODAY.isoformat()
        services.task_start(actor=world["zhujian"], task=world["tasks"]["zj"])
        assert TaskFigure.objects.filter(n__lt=0).exists()  # the move's delta rows, not yet folded
        compact_figures()
        assert not TaskFigure.objects.filter(n__lt=0).exists()
        assert summaries.figures_reconcile() == []


def _in_thread(name: str, fn, results: dict, errors: list) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = fn()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _held_until(release: threading.Event, holding: threading.Event, fn):
    """Run `fn` in a transaction kept open (its locks held) until `release` is set."""

    def held():
        with transaction.atomic():
            result = fn()
            holding.set()
            assert release.wait(60)
        return result

    return held


@pytest.mark.django_db(transaction=True)
def test_a_backfill_waits_for_the_roll_and_keeps_the_day_it_stored(world):
    """The roll at midnight stores yesterday's snapshot while a backfill of the last days starts: the backfill
    waits for the roll's commit, then builds only the days still missing (no doubled day, no unique-key error)."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    yesterday = TODAY - timedelta(days=1)
    summaries.figures_roll(today=yesterday)
    results, errors = {}, []
    holding, release = threading.Event(), threading.Event()
    roll = _held_until(release, holding, lambda: summaries.figures_roll(today=TODAY))
    threads = [_in_thread("roll", roll, results, errors)]
    assert holding.wait(30)
    backfill = lambda: summaries.figures_backfill(start=TODAY - timedelta(days=3), end=yesterday, today=TODAY)  # noqa: E731
    threads.append(_in_thread("backfill", backfill, results, errors))
    threads[-1].join(timeout=1.5)
    assert "backfill" not in results and not errors  # waiting for the roll's snapshot lock
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert results["roll"]["snapshot"] == yesterday.isoformat()
    assert results["backfill"] == 2  # the roll's day is kept, not rebuilt
    days = [TODAY - timedelta(days=n) for n in (3, 2, 1)]
    assert sorted(SnapshotDay.objects.values_list("day", flat=True)) == days
    assert summaries.figures_reconcile(snapshot_days=days) == []


@pytest.mark.django_db(transaction=True)
def test_the_roll_waits_for_a_backfill_pass(world):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    yesterday = TODAY - timedelta(days=1)
    summaries.figures_roll(today=yesterday)
    results, errors = {}, []
    holding, release = threading.Event(), threading.Event()

    def backfill_pass():  # one pass of a long backfill, still building when the roll starts
        summaries._lock_snapshots()
        return summaries._store_span(TODAY - timedelta(days=5), TODAY - timedelta(days=4), built=set())

    threads = [_in_thread("backfill", _held_until(release, holding, backfill_pass), results, errors)]
    assert holding.wait(30)
    threads.append(_in_thread("roll", lambda: summaries.figures_roll(today=TODAY), results, errors))
    threads[-1].join(timeout=1.5)
    assert "roll" not in results and not errors
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert results == {"backfill": 2, "roll": {**results["roll"], "snapshot": yesterday.isoformat()}}
    days = [TODAY - timedelta(days=n) for n in (5, 4, 1)]
    assert sorted(SnapshotDay.objects.values_list("day", flat=True)) == days
    assert summaries.figures_reconcile(snapshot_days=days) == []
