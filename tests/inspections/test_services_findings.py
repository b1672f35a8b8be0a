"""Rounds, findings and task assignment through the services; notifications they send."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Role
from inspections import services
from inspections.choices import Category, DeadlineKind, EventKind, NotificationKind, RoundKind, TaskStatus
from inspections.errors import NotAllowed
from inspections.models import Finding, InspectionRound, Notification, RectificationTask, TaskEvent


def test_finding_with_its_tasks_in_one_go(ledger):
    finding = services.finding_create(
        actor=ledger.bureau,
        inspection_round=ledger.round,
        summary="城区污水管网建设滞后",
        category=Category.WATER,
        region="城区",
        responsible_leader=ledger.leader,
        tasks=[
            {
                "lead_unit": ledger.water,
                "deadline_text": "2023年底前完成阶段性整改，2025年底前全面完成",
                "cooperating_units": [ledger.town, ledger.water],
                "assigned_on": date(2023, 5, 1),
            },
            {"lead_unit": ledger.town, "deadline_text": "立行立改", "assigned_on": date(2023, 5, 1)},
        ],
    )
    assert finding.number == 1
    first, second = finding.tasks.order_by("number")
    assert (first.code, first.deadline, first.milestones) == ("1-1", date(2025, 12, 31), ["2023-12-31"])
    assert first.deadline_text == "2023年底前完成阶段性整改，2025年底前全面完成"
    assert list(first.cooperating_units.all()) == [ledger.town]  # the lead unit is not its own helper
    assert (second.code, second.deadline_kind) == ("1-2", DeadlineKind.IMMEDIATE)
    assert first.status == TaskStatus.NOT_STARTED and first.version == 1
    event = TaskEvent.objects.get(task=first)
    assert (event.kind, event.to_status, event.actor) == (EventKind.CREATED, TaskStatus.NOT_STARTED, ledger.bureau)
    note = Notification.objects.get(recipient=ledger.water_user)
    assert note.kind == NotificationKind.WORKFLOW and note.task == first and "1-1" in note.title
    assert services.finding_create(actor=ledger.bureau, inspection_round=ledger.round, summary="第二个").number == 2


def test_bad_deadline_rolls_back_the_whole_finding(ledger):
    with pytest.raises(ValidationError) as excinfo:
        services.finding_create(
            actor=ledger.bureau,
            inspection_round=ledger.round,
            summary="扬尘问题",
            tasks=[
                {"lead_unit": ledger.water, "deadline_text": "2024年6月底前"},
                {"lead_unit": ledger.town, "deadline_text": "尽快完成"},
            ],
        )
    assert "deadline_text" in excinfo.value.message_dict
    assert not Finding.objects.exists() and not RectificationTask.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT])
def test_only_bureau_registers(ledger, role):
    actor = ledger.by_role(role)
    with pytest.raises(NotAllowed):
        services.round_create(actor=actor, kind=RoundKind.MUNICIPAL, name="市级督察")
    with pytest.raises(NotAllowed):
        services.finding_create(actor=actor, inspection_round=ledger.round, summary="越权登记")
    finding = services.finding_create(actor=ledger.bureau, inspection_round=ledger.round, summary="问题")
    with pytest.raises(NotAllowed):
        services.task_assign(actor=actor, finding=finding, lead_unit=ledger.water, deadline_text="2025年底前")
    with pytest.raises(NotAllowed):
        services.finding_update(actor=actor, finding=finding, summary="改")
    assert InspectionRound.objects.count() == 1 and Finding.objects.count() == 1


def test_numbers_are_unique_within_round_and_finding(ledger):
    services.finding_create(actor=ledger.bureau, inspection_round=ledger.round, summary="甲", number=3)
    with pytest.raises(ValidationError):
        services.finding_create(actor=ledger.bureau, inspection_round=ledger.round, summary="乙", number=3)
    finding = Finding.objects.get(number=3)
    services.task_assign(actor=ledger.bureau, finding=finding, lead_unit=ledger.water, deadline_text="2025年底前")
    task = services.task_assign(actor=ledger.bureau, finding=finding, lead_unit=ledger.town, deadline_text="2025年底前")
    assert task.code == "3-2"
    with pytest.raises(ValidationError):
        services.task_assign(
            actor=ledger.bureau, finding=finding, lead_unit=ledger.town, deadline_text="2025年底前", number=1
        )


def test_round_create_and_update_validate(ledger):
    with pytest.raises(ValidationError):
        services.round_create(
            actor=ledger.admin,
            kind=RoundKind.SPECIAL,
            name="专项督察",
            inspection_start=date(2024, 5, 1),
            inspection_end=date(2024, 4, 1),
        )
    with pytest.raises(TypeError):
        services.round_create(actor=ledger.admin, kind=RoundKind.SPECIAL, name="专项督察", colour="red")
    special = services.round_create(actor=ledger.admin, kind=RoundKind.SPECIAL, name="专项督察")
    services.round_update(actor=ledger.bureau, inspection_round=special, batch=2)
    special.refresh_from_db()
    assert special.batch == 2


def test_notifications_mark_read_only_own(ledger):
    services.notify(
        recipients=[ledger.water_user, ledger.water_user, ledger.town_user, None],
        kind=NotificationKind.REMINDER,
        title="到期提醒",
    )
    assert Notification.objects.filter(recipient=ledger.water_user).count() == 1
    ledger.housing_user.is_active = False
    assert services.notify(recipients=[ledger.housing_user], kind=NotificationKind.REMINDER, title="停用") == 0
    mine = Notification.objects.get(recipient=ledger.water_user)
    others = Notification.objects.get(recipient=ledger.town_user)
    assert services.notification_mark_read(actor=ledger.water_user, notification_ids=[mine.pk, others.pk]) == 1
    mine.refresh_from_db()
    others.refresh_from_db()
    assert mine.read_at is not None and others.read_at is None
