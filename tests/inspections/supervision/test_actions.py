"""督办记录: each kind's fields, 文号 per kind and year (unique under concurrent issue), timeline, access."""

import threading
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from accounts.choices import Role
from accounts.services import user_create
from inspections.access import access_action, visible_actions
from inspections.choices import AccountabilityMeasure, EventKind, SupervisionKind
from inspections.errors import NotAllowed
from inspections.models import SupervisionAction, TaskEvent
from inspections.supervision import services
from inspections.supervision.numbering import next_doc_number
from tests.inspections.conftest import Ledger

K = SupervisionKind


def issue(ledger, kind=K.NOTICE, *, tasks=None, unit=None, **fields):
    task = None if tasks else ledger.task()
    extra = {}
    if kind in (K.INTERVIEW, K.ACCOUNTABILITY):
        extra["target_person"] = "张三"
    if kind == K.INTERVIEW:
        extra.update(interview_at=timezone.make_aware(datetime(2026, 3, 2, 9, 30)), interview_place="市政府三楼会议室")
    if kind == K.ACCOUNTABILITY:
        extra.update(measure=AccountabilityMeasure.ADMONITION, deciding_body="市纪委监委")
    extra.update(fields)
    return services.action_issue(
        actor=ledger.bureau, kind=kind, target_unit=unit or ledger.water, tasks=tasks or [task], **extra
    )


def test_each_kind_is_numbered_on_its_own_per_year(ledger, settings):
    settings.SUPERVISION_DOC_PREFIX = "潜"
    task = ledger.task()
    numbers = {}
    for kind in K.values:
        first = issue(ledger, kind, tasks=[task], issued_on=date(2026, 1, 5))
        second = issue(ledger, kind, tasks=[task], issued_on=date(2026, 2, 5))
        numbers[kind] = (first.doc_number, second.doc_number)
        assert (first.number, second.number) == (1, 2)
    assert numbers[K.NOTICE] == ("潜督办〔2026〕1号", "潜督办〔2026〕2号")
    assert numbers[K.INTERVIEW][0] == "潜约谈〔2026〕1号"
    assert len({n for pair in numbers.values() for n in pair}) == 2 * len(K.values)
    # A new year starts again at 1.
    assert issue(ledger, K.NOTICE, tasks=[task], issued_on=date(2027, 1, 3)).doc_number == "潜督办〔2027〕1号"


def test_kind_specific_fields_are_required_and_kept(ledger):
    task = ledger.task()
    with pytest.raises(ValidationError) as err:
        services.action_issue(actor=ledger.bureau, kind=K.INTERVIEW, target_unit=ledger.water, tasks=[task])
    assert {"target_person", "interview_at", "interview_place"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError) as err:
        services.action_issue(
            actor=ledger.bureau, kind=K.ACCOUNTABILITY, target_unit=ledger.water, tasks=[task], target_person="李四"
        )
    assert {"measure", "deciding_body"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError):
        services.action_issue(actor=ledger.bureau, kind=K.NOTICE, target_unit=ledger.water, tasks=[])
    interview = issue(ledger, K.INTERVIEW, tasks=[task], attendees="市督察办、市水务局")
    assert interview.interview_place == "市政府三楼会议室" and interview.target_person == "张三"
    blame = issue(ledger, K.ACCOUNTABILITY, tasks=[task])
    assert blame.measure == AccountabilityMeasure.ADMONITION and blame.deciding_body == "市纪委监委"


def test_a_whole_finding_can_be_pressed(ledger):
    task = ledger.task()
    action = services.action_issue(actor=ledger.bureau, kind=K.LISTED, target_unit=ledger.water, finding=task.finding)
    assert list(action.tasks.all()) == [task]


def test_only_bureau_staff_issue(ledger):
    task = ledger.task()
    for user in (ledger.water_user, ledger.leader):
        with pytest.raises(NotAllowed):
            services.action_issue(actor=user, kind=K.NOTICE, target_unit=ledger.water, tasks=[task])
    assert issue(ledger, K.NOTICE, tasks=[task], unit=ledger.water).issued_by == ledger.bureau
    services.action_issue(actor=ledger.admin, kind=K.NOTICE, target_unit=ledger.water, tasks=[task])


def test_issue_and_reply_are_on_the_task_timeline_accountability_is_not(ledger, eager_celery):
    task = ledger.task()
    action = issue(ledger, K.NOTICE, tasks=[task], reply_due=date(2030, 1, 1))
    issue(ledger, K.ACCOUNTABILITY, tasks=[task])
    events = list(TaskEvent.objects.filter(task=task, kind__in=[EventKind.SUPERVISION, EventKind.SUPERVISION_REPLY]))
    assert [e.kind for e in events] == [EventKind.SUPERVISION]
    assert action.doc_number in events[0].reason
    services.action_reply(actor=ledger.water_user, action=action, text="已制定整改方案", files=[Ledger.pdf("回复.pdf")])
    reply = TaskEvent.objects.get(task=task, kind=EventKind.SUPERVISION_REPLY)
    assert "已制定整改方案" in reply.reason and "回复.pdf" in reply.reason
    action.refresh_from_db()
    assert action.replied_at is not None and action.reply_files.count() == 1


def test_only_the_addressed_unit_replies(ledger):
    action = issue(ledger, K.NOTICE, unit=ledger.plant)
    for user in (ledger.town_user, ledger.bureau, ledger.leader):
        with pytest.raises(NotAllowed):
            services.action_reply(actor=user, action=action, text="x")
    services.action_reply(actor=ledger.plant_user, action=action, text="收到")
    services.action_reply(actor=ledger.water_user, action=action, text="上级单位补充")  # the unit above may too
    action.refresh_from_db()
    assert "收到" in action.reply_text and "上级单位补充" in action.reply_text


def test_reply_overdue_like_a_task(ledger):
    action = issue(ledger, K.NOTICE, issued_on=date(2024, 3, 1), reply_due=date(2024, 3, 10))
    assert action.is_reply_overdue(date(2024, 3, 11)) and not action.is_reply_overdue(date(2024, 3, 10))
    assert SupervisionAction.objects.reply_overdue(date(2024, 3, 11)).count() == 1


def test_who_sees_which_action(ledger):
    to_plant = issue(ledger, K.NOTICE, unit=ledger.plant)
    to_town = issue(ledger, K.INTERVIEW, unit=ledger.town)
    blame = issue(ledger, K.ACCOUNTABILITY, unit=ledger.plant)
    everything = {to_plant.pk, to_town.pk, blame.pk}
    for user in (ledger.bureau, ledger.leader, ledger.admin):
        assert set(visible_actions(user).values_list("pk", flat=True)) == everything
    assert set(visible_actions(ledger.water_user).values_list("pk", flat=True)) == {to_plant.pk}  # subtree, no 问责
    assert set(visible_actions(ledger.plant_user).values_list("pk", flat=True)) == {to_plant.pk}
    assert set(visible_actions(ledger.town_user).values_list("pk", flat=True)) == {to_town.pk}
    assert not visible_actions(ledger.housing_user).exists()
    with pytest.raises(Http404):
        access_action(ledger.plant_user, blame.pk)
    with pytest.raises(Http404):
        access_action(ledger.housing_user, to_plant.pk)


@pytest.mark.django_db(transaction=True)
def test_doc_number_unique_when_two_threads_issue_at_once():
    ledger = Ledger()
    task = ledger.task()
    bureau2 = user_create(username="duchaban2", password=None, role=Role.BUREAU, unit=ledger.city, full_name="李督察")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker(actor):
        try:
            barrier.wait()
            for _i in range(5):
                action = services.action_issue(
                    actor=actor, kind=K.NOTICE, target_unit=ledger.water, tasks=[task], issued_on=date(2026, 5, 1)
                )
                results.append(action.doc_number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in (ledger.bureau, bureau2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(results) == 10 and len(set(results)) == 10
    assert sorted(SupervisionAction.objects.values_list("number", flat=True)) == list(range(1, 11))


@pytest.mark.django_db(transaction=True)
def test_counter_row_lock_makes_the_second_transaction_wait():
    """Two transactions take a number at the same moment: the second waits for the first's commit."""
    barrier = threading.Barrier(2)
    taken = []

    def take(hold):
        try:
            with transaction.atomic():
                barrier.wait()
                taken.append(next_doc_number(K.LETTER, 2026)[0])
                if hold:
                    threading.Event().wait(0.3)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(hold,)) for hold in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(taken) == [1, 2]
