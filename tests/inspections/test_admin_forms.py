"""Adding findings and tasks in the admin: the deadline text is parsed, bad text is a form error, events are written."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from accounts.services import user_role_group_sync
from inspections.choices import EventKind, TaskStatus
from inspections.models import Finding, RectificationTask


def finding_add_data(ledger, deadline_text):
    return {
        "round": ledger.round.pk,
        "number": "7",
        "summary": "河道垃圾清理不及时",
        "description": "",
        "category": "water",
        "region": "城区",
        "responsible_leader": "",
        "source": "feedback",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "1000",
        "tasks-0-id": "",
        "tasks-0-finding": "",
        "tasks-0-number": "1",
        "tasks-0-lead_unit": ledger.water.pk,
        "tasks-0-goal": "河道整洁",
        "tasks-0-measures": "每日巡河",
        "tasks-0-deadline_text": deadline_text,
        "tasks-0-percent": "0",
        "tasks-0-investment": "0",
    }


def test_finding_admin_with_an_unreadable_deadline_shows_the_error(client, ledger):
    user_role_group_sync(ledger.bureau)
    client.force_login(ledger.bureau)
    response = client.post(reverse("admin:inspections_finding_add"), finding_add_data(ledger, "尽快完成"))
    assert response.status_code == 200
    assert "无法识别的整改时限" in response.content.decode()
    assert not Finding.objects.filter(number=7).exists()


def test_task_added_in_the_finding_admin_gets_its_deadline_and_creation_event(client, ledger):
    user_role_group_sync(ledger.bureau)
    client.force_login(ledger.bureau)
    response = client.post(reverse("admin:inspections_finding_add"), finding_add_data(ledger, "2025年6月底前"))
    assert response.status_code == 302, response.content.decode()[:2000]
    task = RectificationTask.objects.get(finding__number=7)
    assert (task.deadline, task.deadline_text) == (date(2025, 6, 30), "2025年6月底前")
    event = task.events.get()
    assert (event.kind, event.to_status, event.actor) == (EventKind.CREATED, TaskStatus.NOT_STARTED, ledger.bureau)
    assert (
        RectificationTask.objects.with_status_as_of(timezone.localdate()).get(pk=task.pk).status_as_of
        == TaskStatus.NOT_STARTED
    )
