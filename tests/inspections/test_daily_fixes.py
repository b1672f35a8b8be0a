"""Small daily frictions of issue 18: notifications (item 9), search (item 10), 完成率 of an empty set."""

from datetime import date

import pytest
from django.urls import reverse

from inspections import services
from inspections.choices import ReminderKind, TaskStatus
from inspections.models import Notification
from inspections.reminders.services import _unit_message

pytestmark = pytest.mark.django_db


def test_verify_notifies_the_leader_and_the_unit_that_asked(ledger):
    task = ledger.bring_to(ledger.task(), TaskStatus.SUBMITTED)
    services.task_verify(actor=ledger.bureau, task=task)
    notes = Notification.objects.filter(title__contains="验收通过")
    assert {n.recipient for n in notes} >= {ledger.leader, ledger.water_user}


def test_notification_titles_name_the_round(ledger):
    task = ledger.bring_to(ledger.task(), TaskStatus.SUBMITTED)
    note = Notification.objects.filter(recipient=ledger.bureau, title__contains="申请销号").latest("pk")
    assert note.title.startswith(f"任务 省级环保督察 {task.code} 申请销号")


def test_reminder_title_drops_the_zero_part(ledger):
    row = {
        "kind": ReminderKind.OVERDUE,
        "deadline": date(2026, 1, 1),
        "days": 3,
        "task__finding__number": 13,
        "task__number": 1,
        "task__finding__round__name": "省级督察",
        "task__finding__summary": "污水直排",
    }
    subject, body, _kind = _unit_message(ledger.water, date(2026, 1, 4), [row])
    assert "1项已逾期" in subject and "0项" not in subject and "即将到期" not in subject
    subject, _body, _kind = _unit_message(ledger.water, date(2026, 1, 4), [{**row, "kind": ReminderKind.DUE}])
    assert "1项任务即将到期" in subject and "已逾期" not in subject


def search(client, user, q):
    client.force_login(user)
    response = client.get(reverse("inspections:task_list"), {"q": q})
    return {t.pk for t in response.context["page"].object_list}


def test_full_width_letters_are_folded(client, ledger):
    task = ledger.task(measures="开展VOCs治理")
    assert search(client, ledger.bureau, "ＶＯＣｓ") == {task.pk}
    assert search(client, ledger.bureau, "vocs") == {task.pk}


def test_unit_names_and_responsible_person_are_searchable(client, ledger):
    water = ledger.task(responsible_person="张三")
    town = ledger.task(lead_unit=ledger.town)
    assert search(client, ledger.bureau, "张三") == {water.pk}
    assert search(client, ledger.bureau, "南山镇") == {town.pk}


def test_rate_of_an_empty_round_is_a_dash(client, ledger):
    client.force_login(ledger.bureau)
    html = client.get(reverse("inspections:round_detail", args=[ledger.round.pk])).content.decode()
    assert "0.0%" not in html and "—" in html


def test_round_end_before_start_is_a_field_message(client, ledger):
    """Item 8: the constraint's rule is said on the field, not as "约束 “round_end_after_start” 是无效的"."""
    client.force_login(ledger.bureau)
    response = client.post(
        reverse("inspections:round_create"),
        {
            "kind": "central",
            "batch": 1,
            "name": "新一轮",
            "inspection_start": "2026-05-10",
            "inspection_end": "2026-05-01",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["inspection_end"] == ["督察结束日期不能早于督察进驻日期。"]
    assert "round_end_after_start" not in response.content.decode()


def test_task_without_deadline_is_a_field_message(ledger):
    from django.core.exceptions import ValidationError

    task = ledger.task()
    task.deadline = None
    with pytest.raises(ValidationError) as caught:
        task.full_clean(exclude=["milestones"])
    assert "deadline_text" in caught.value.message_dict
    assert "task_deadline_unless_long_term" not in str(caught.value)
