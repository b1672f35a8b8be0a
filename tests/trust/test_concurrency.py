"""Two people acting on one task at the same moment, in two real PostgreSQL transactions.

Each thread has its own database connection. A barrier releases both at once, and each holds its
transaction open a little after the service returns; the tests check the two transactions overlapped
in time, so the second really waited on the first's row lock instead of simply arriving later.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from accounts.choices import Role
from inspections import services
from inspections.choices import EventKind, EvidenceKind, TaskStatus
from inspections.errors import StaleVersion, TransitionNotAllowed
from inspections.models import Notification, ProgressUpdate, RectificationTask, TaskEvent

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = 0.4  # seconds each transaction stays open after its service call


def collide(*calls):
    """Run each call() in its own thread and transaction at the same moment.

    Returns [(result or exception, started, finished)] in call order: monotonic times of the start
    of the call and of the end of its transaction (commit or rollback).
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            started = time.monotonic()
            try:
                with transaction.atomic():
                    result = call()
                    time.sleep(HOLD)  # keep the row lock: the other caller must queue behind it
            except Exception as exc:
                result = exc
            outcomes[index] = (result, started, time.monotonic())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(outcome is not None for outcome in outcomes), "a worker did not finish"
    return outcomes


def overlapped(outcomes) -> bool:
    """Each call started before the other's transaction ended: they really ran at the same time."""
    (_a, a_start, a_end), (_b, b_start, b_end) = outcomes
    return a_start < b_end and b_start < a_end


def fresh(task):
    return RectificationTask.objects.get(pk=task.pk)


def split(outcomes):
    winners = [(i, o[0]) for i, o in enumerate(outcomes) if not isinstance(o[0], Exception)]
    losers = [(i, o[0]) for i, o in enumerate(outcomes) if isinstance(o[0], Exception)]
    return winners, losers


def test_same_version_progress_posts_one_wins_one_is_told(unit_user, task):
    version = task.version
    outcomes = collide(
        lambda: services.task_progress_add(
            actor=unit_user,
            task=fresh(task),
            text="甲：管网铺设完成",
            percent=30,
            investment="10",
            expected_version=version,
        ),
        lambda: services.task_progress_add(
            actor=unit_user,
            task=fresh(task),
            text="乙：清淤完成",
            percent=60,
            investment="25",
            expected_version=version,
        ),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1 and len(losers) == 1
    (_winner_index, update), (_loser_index, error) = winners[0], losers[0]
    assert isinstance(error, StaleVersion), repr(error)
    assert error.status == 409
    assert error.message == "该任务已被他人修改（可能刚刚有人报送进展或变更了状态），请刷新页面后再操作。"
    assert overlapped(outcomes)

    task.refresh_from_db()
    assert task.version == version + 1
    assert (task.percent, task.investment, task.status) == (update.percent, update.investment, TaskStatus.IN_PROGRESS)
    assert list(ProgressUpdate.objects.values_list("text", flat=True)) == [update.text]
    assert TaskEvent.objects.filter(task=task, kind=EventKind.PROGRESS).count() == 1
    assert TaskEvent.objects.filter(task=task, kind=EventKind.TRANSITION, action="start").count() == 1


def test_same_version_transitions_one_wins(make_user, units, bureau, unit_user, task):
    other_bureau = make_user("duchaban2", Role.BUREAU, units["root"], full_name="陈督察")
    make_user("leader", Role.LEADER, full_name="张副市长")  # told when a task is verified
    services.task_evidence_add(
        actor=unit_user,
        task=task,
        kind=EvidenceKind.DOCUMENT,
        files=[SimpleUploadedFile("验收.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    services.task_submit(actor=unit_user, task=fresh(task), reason="主体工程完工，扫尾中")
    task.refresh_from_db()
    version = task.version
    events_before = TaskEvent.objects.filter(task=task).count()
    notifications_before = Notification.objects.count()

    outcomes = collide(
        lambda: services.task_verify(actor=bureau, task=fresh(task), expected_version=version),
        lambda: services.task_reject(
            actor=other_bureau, task=fresh(task), reason="照片不清晰，请补充", expected_version=version
        ),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0][1], StaleVersion), repr(losers[0][1])
    assert overlapped(outcomes)

    task.refresh_from_db()
    winner = winners[0][1]
    assert task.version == version + 1
    assert task.status == winner.status
    assert task.status in (TaskStatus.VERIFIED, TaskStatus.IN_PROGRESS)
    if task.status == TaskStatus.VERIFIED:
        assert task.verified_by == bureau  # acceptance keeps the reported percentage
    else:
        assert task.verified_by is None and task.verified_at is None
    new_events = TaskEvent.objects.filter(task=task).order_by("id")[events_before:]
    assert [(e.kind, e.to_status) for e in new_events] == [(EventKind.TRANSITION, task.status)]
    # Only the winner told anyone (the leader, or the unit): the loser's notifications rolled back.
    label = "验收通过" if task.status == TaskStatus.VERIFIED else "退回整改"
    new_titles = list(Notification.objects.order_by("id").values_list("title", flat=True)[notifications_before:])
    assert new_titles and all(label in title for title in new_titles), new_titles


def test_two_verifies_without_version_are_serialised_by_the_row_lock(make_user, units, bureau, unit_user, task):
    other_bureau = make_user("duchaban2", Role.BUREAU, units["root"])
    services.task_evidence_add(
        actor=unit_user,
        task=task,
        kind=EvidenceKind.DOCUMENT,
        files=[SimpleUploadedFile("验收.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    services.task_submit(actor=unit_user, task=fresh(task), reason="主体工程完工，扫尾中")
    version = fresh(task).version

    outcomes = collide(
        lambda: services.task_verify(actor=bureau, task=fresh(task)),
        lambda: services.task_verify(actor=other_bureau, task=fresh(task)),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1 and len(losers) == 1
    # The second one waited, then saw the task already verified.
    assert overlapped(outcomes)
    assert isinstance(losers[0][1], TransitionNotAllowed)
    assert "已验收" in losers[0][1].message
    task.refresh_from_db()
    assert task.version == version + 1
    assert TaskEvent.objects.filter(task=task, action="verify").count() == 1


def test_two_progress_posts_without_version_both_apply_in_turn(unit_user, task):
    version = task.version
    outcomes = collide(
        lambda: services.task_progress_add(
            actor=unit_user, task=fresh(task), text="甲", percent=30, investment="10", reason="核减"
        ),
        lambda: services.task_progress_add(
            actor=unit_user, task=fresh(task), text="乙", percent=60, investment="25", reason="核减"
        ),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 2 and not losers, losers
    assert overlapped(outcomes)  # so the second waited on the first's row lock

    task.refresh_from_db()
    assert task.version == version + 2
    last = ProgressUpdate.objects.order_by("-id").first()  # the one that committed second
    assert (task.percent, task.investment) == (last.percent, last.investment)
    assert ProgressUpdate.objects.count() == 2
    assert TaskEvent.objects.filter(task=task, kind=EventKind.PROGRESS).count() == 2
    # The start transition happened once, in whichever post came first.
    assert TaskEvent.objects.filter(task=task, action="start").count() == 1
    assert task.history.filter(history_type="~").count() == 2


def test_edit_and_progress_at_once_keep_both_changes(bureau, unit_user, task):
    version = task.version
    outcomes = collide(
        lambda: services.task_update(actor=bureau, task=fresh(task), goal="水质稳定达到IV类", measures="截污+清淤"),
        lambda: services.task_progress_add(
            actor=unit_user, task=fresh(task), text="进展", percent=45, investment="8.5"
        ),
    )
    assert not split(outcomes)[1]
    assert overlapped(outcomes)

    task.refresh_from_db()
    assert (task.goal, task.measures) == ("水质稳定达到IV类", "截污+清淤")
    assert (task.percent, task.investment, task.status) == (45, Decimal("8.50"), TaskStatus.IN_PROGRESS)
    assert task.version == version + 2
