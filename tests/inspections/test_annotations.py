"""Schedule figures computed in SQL (TaskQuerySet.with_schedule) and status as of a date, on dated examples."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count

from inspections import services
from inspections.choices import DeadlineKind, EvidenceKind, Schedule, TaskStatus, Warning
from inspections.models import RectificationTask

SHANGHAI = ZoneInfo("Asia/Shanghai")
ASSIGNED = date(2024, 1, 1)
DEADLINE_TEXT = "2024年4月10日"  # 100 days after assignment: on 2024-03-01 exactly 60% of the time has passed
MARCH_1 = date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.SCHEDULE_TOLERANCE = 5
    settings.RED_GAP = 30


def at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def with_percent(ledger, percent, **task_fields):
    task = ledger.task(assigned_on=ASSIGNED, **{"deadline_text": DEADLINE_TEXT, **task_fields})
    if percent:
        services.task_progress_add(actor=ledger.water_user, task=task, text=f"完成 {percent}%", percent=percent)
    return task


def annotated(task, today):
    return RectificationTask.objects.with_schedule(today).get(pk=task.pk)


@pytest.mark.parametrize(
    ("percent", "schedule", "warning"),
    [
        (100, Schedule.AHEAD, Warning.BLUE),
        (65, Schedule.AHEAD, Warning.BLUE),  # expected 60 + tolerance 5
        (64, Schedule.ON_SCHEDULE, Warning.BLUE),
        (55, Schedule.ON_SCHEDULE, Warning.BLUE),  # expected 60 - tolerance 5
        (54, Schedule.BEHIND, Warning.YELLOW),
        (30, Schedule.BEHIND, Warning.YELLOW),  # expected 60 - RED_GAP 30
        (29, Schedule.BEHIND, Warning.RED),
        (0, Schedule.BEHIND, Warning.RED),
    ],
)
def test_schedule_and_warning_from_percent_against_time_elapsed(ledger, percent, schedule, warning):
    task = annotated(with_percent(ledger, percent), MARCH_1)
    assert task.deadline == date(2024, 4, 10)
    assert task.expected_percent == pytest.approx(60.0)
    assert task.days_left == 40
    assert (task.schedule, task.warning, task.is_overdue, task.is_complete) == (schedule, warning, False, False)


def test_red_gap_is_a_setting(ledger, settings):
    task = with_percent(ledger, 45)
    assert annotated(task, MARCH_1).warning == Warning.YELLOW
    settings.RED_GAP = 10
    assert annotated(task, MARCH_1).warning == Warning.RED


def test_overdue_when_deadline_passed_and_not_complete(ledger):
    task = with_percent(ledger, 90)
    on_deadline = annotated(task, date(2024, 4, 10))
    # On the deadline day all the time has passed: 90% is behind, not yet overdue.
    assert (on_deadline.is_overdue, on_deadline.days_left, on_deadline.schedule) == (False, 0, Schedule.BEHIND)
    assert on_deadline.expected_percent == pytest.approx(100.0)
    after = annotated(task, date(2024, 4, 15))
    assert (after.is_overdue, after.days_left, after.schedule, after.warning) == (
        True,
        -5,
        Schedule.OVERDUE,
        Warning.RED,
    )
    assert after.expected_percent == pytest.approx(100.0)  # capped


def test_before_assignment_nothing_is_expected(ledger):
    task = annotated(with_percent(ledger, 0), date(2023, 12, 20))
    assert task.expected_percent == pytest.approx(0.0)
    assert (task.schedule, task.warning) == (Schedule.ON_SCHEDULE, Warning.BLUE)


@pytest.mark.parametrize("status", [TaskStatus.VERIFIED, TaskStatus.CLOSED, TaskStatus.LONG_TERM])
def test_complete_tasks_are_never_overdue(ledger, status):
    task = ledger.bring_to(with_percent(ledger, 0), status)
    late = annotated(task, date(2025, 1, 1))
    # Finished tasks have their own schedule label and colour, out of the warning figures (issue 18).
    assert (late.is_complete, late.is_overdue, late.schedule, late.warning) == (
        True,
        False,
        Schedule.COMPLETE,
        Warning.DONE,
    )
    assert not RectificationTask.objects.overdue(date(2025, 1, 1)).filter(pk=task.pk).exists()


def test_submitted_task_past_deadline_is_still_overdue(ledger):
    task = ledger.bring_to(with_percent(ledger, 0), TaskStatus.SUBMITTED)
    late = annotated(task, date(2024, 5, 1))
    assert (late.is_complete, late.is_overdue, late.schedule) == (False, True, Schedule.OVERDUE)


def test_long_term_without_deadline(ledger):
    task = ledger.task(deadline_text="长期坚持", assigned_on=ASSIGNED)
    assert (task.deadline, task.deadline_kind) == (None, DeadlineKind.LONG_TERM)
    row = annotated(task, date(2030, 1, 1))
    assert (row.days_left, row.is_overdue, row.expected_percent) == (None, False, pytest.approx(0.0))
    assert (row.schedule, row.warning) == (Schedule.ON_SCHEDULE, Warning.BLUE)
    assert not RectificationTask.objects.overdue(date(2030, 1, 1)).exists()
    assert not RectificationTask.objects.due_within(10000, date(2030, 1, 1)).exists()


def test_immediate_deadline_counts_from_assignment(ledger, settings):
    settings.IMMEDIATE_DEADLINE_DAYS = 30
    task = ledger.task(deadline_text="立行立改", assigned_on=ASSIGNED)
    assert (task.deadline, task.deadline_kind) == (date(2024, 1, 31), DeadlineKind.IMMEDIATE)
    row = annotated(task, date(2024, 1, 16))
    assert row.expected_percent == pytest.approx(50.0)
    assert row.days_left == 15


def test_overdue_and_due_within_querysets(ledger):
    dated = {
        text: ledger.task(deadline_text=text, assigned_on=ASSIGNED)
        for text in ["2024年3月1日", "2024年3月2日", "2024年3月15日", "2024年3月16日", "2024年2月29日"]
    }
    done = ledger.bring_to(ledger.task(deadline_text="2024年2月1日", assigned_on=ASSIGNED), TaskStatus.CLOSED)
    today = MARCH_1
    assert set(RectificationTask.objects.overdue(today)) == {dated["2024年2月29日"]}
    assert set(RectificationTask.objects.due_within(14, today)) == {
        dated["2024年3月1日"],
        dated["2024年3月2日"],
        dated["2024年3月15日"],
    }
    assert RectificationTask.objects.due_within(0, today).get() == dated["2024年3月1日"]
    assert done in RectificationTask.objects.complete() and done not in RectificationTask.objects.incomplete()


def test_default_today_follows_the_clock(ledger):
    task = with_percent(ledger, 10)
    with time_machine.travel(at(MARCH_1, 9), tick=False):
        row = RectificationTask.objects.with_schedule().get(pk=task.pk)
        assert (row.days_left, row.warning) == (40, Warning.RED)
        assert not RectificationTask.objects.overdue().exists()
    with time_machine.travel(at(date(2024, 4, 11), 0), tick=False):  # just after midnight in Shanghai
        row = RectificationTask.objects.with_schedule().get(pk=task.pk)
        assert (row.days_left, row.is_overdue, row.schedule) == (-1, True, Schedule.OVERDUE)
        assert list(RectificationTask.objects.overdue()) == [task]


def test_filter_and_count_in_sql(ledger, django_assert_num_queries):
    for percent in (100, 70, 60, 58, 50, 40, 20, 10, 0):
        with_percent(ledger, percent)
    ledger.bring_to(with_percent(ledger, 0), TaskStatus.VERIFIED)
    ledger.task(deadline_text="2024年2月1日", assigned_on=ASSIGNED)  # overdue on March 1
    qs = RectificationTask.objects.with_schedule(MARCH_1)
    with django_assert_num_queries(1):
        assert qs.filter(schedule=Schedule.AHEAD).count() == 2
    assert qs.filter(schedule=Schedule.ON_SCHEDULE).count() == 2  # 60 and 58 (55..64)
    assert qs.filter(schedule=Schedule.COMPLETE).count() == 1  # the verified one
    assert qs.filter(schedule=Schedule.BEHIND).count() == 5
    assert qs.filter(schedule=Schedule.OVERDUE).count() == 1
    assert qs.filter(is_overdue=True).count() == 1
    with django_assert_num_queries(1):
        by_warning = {row["warning"]: row["n"] for row in qs.values("warning").annotate(n=Count("id")).order_by()}
    assert by_warning == {Warning.BLUE: 4, Warning.YELLOW: 2, Warning.RED: 4, Warning.DONE: 1}


def test_status_as_of_a_date_is_rebuilt_from_events(ledger):
    with time_machine.travel(at(date(2024, 1, 2)), tick=False):
        task = ledger.task(assigned_on=date(2024, 1, 2), deadline_text="2024年12月31日")
    with time_machine.travel(at(date(2024, 2, 1)), tick=False):
        services.task_progress_add(actor=ledger.water_user, task=task, text="开工", percent=40)
    with time_machine.travel(at(date(2024, 3, 1)), tick=False):
        services.task_evidence_add(actor=ledger.water_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
        services.task_submit(actor=ledger.water_user, task=task, reason="主体工程完工，扫尾中")
    with time_machine.travel(at(date(2024, 3, 10)), tick=False):
        services.task_reject(actor=ledger.bureau, task=task, reason="材料不全")
    with time_machine.travel(at(date(2024, 3, 20)), tick=False):
        services.task_submit(actor=ledger.water_user, task=task, reason="主体工程完工，扫尾中")
        services.task_verify(actor=ledger.bureau, task=task)
    with time_machine.travel(at(date(2024, 4, 1), 23), tick=False):
        services.task_close(actor=ledger.leader, task=task)
    with time_machine.travel(at(date(2024, 5, 1)), tick=False):
        services.task_reopen(actor=ledger.admin, task=task, reason="问题反弹")
    with time_machine.travel(at(date(2024, 6, 1)), tick=False):
        services.task_progress_add(actor=ledger.water_user, task=task, text="再次整改", percent=80)
    expected = {
        date(2024, 1, 1): None,
        date(2024, 1, 2): TaskStatus.NOT_STARTED,
        date(2024, 1, 31): TaskStatus.NOT_STARTED,
        date(2024, 2, 1): TaskStatus.IN_PROGRESS,
        date(2024, 3, 5): TaskStatus.SUBMITTED,
        date(2024, 3, 10): TaskStatus.IN_PROGRESS,
        date(2024, 3, 20): TaskStatus.VERIFIED,
        date(2024, 4, 1): TaskStatus.CLOSED,  # signed at 23:00 Shanghai time, still April 1st
        date(2024, 4, 30): TaskStatus.CLOSED,
        date(2024, 5, 1): TaskStatus.IN_PROGRESS,
        date(2024, 12, 31): TaskStatus.IN_PROGRESS,
    }
    for day, status in expected.items():
        row = RectificationTask.objects.with_status_as_of(day).get(pk=task.pk)
        assert row.status_as_of == status, day
        assert RectificationTask.objects.existing_on(day).filter(pk=task.pk).exists() is (status is not None), day
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_status_as_of_counts_in_sql(ledger, django_assert_num_queries):
    with time_machine.travel(at(date(2024, 1, 2)), tick=False):
        tasks = [ledger.task(assigned_on=date(2024, 1, 2)) for _ in range(3)]
    with time_machine.travel(at(date(2024, 2, 1)), tick=False):
        services.task_start(actor=ledger.bureau, task=tasks[0])
        ledger.bring_to(tasks[1], TaskStatus.VERIFIED)
    with time_machine.travel(at(date(2024, 3, 1)), tick=False):
        services.task_close(actor=ledger.leader, task=tasks[1])
    with django_assert_num_queries(1):
        counts = dict(
            RectificationTask.objects.existing_on(date(2024, 2, 15))
            .with_status_as_of(date(2024, 2, 15))
            .values_list("status_as_of")
            .annotate(n=Count("id"))
            .order_by()
        )
    assert counts == {TaskStatus.NOT_STARTED: 1, TaskStatus.IN_PROGRESS: 1, TaskStatus.VERIFIED: 1}
