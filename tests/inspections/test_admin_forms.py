"""Adding tasks in the admin: through task_assign, so the deadline text is parsed, bad text is a form error,
and the creation event is written. (A finding's page lists its tasks read-only; tasks are added on their own.)"""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from accounts.services import user_role_group_sync
from inspections.choices import EventKind, TaskStatus
from inspections.models import RectificationTask


def task_add_data(ledger, finding, deadline_text):
    return {
        "finding": finding.pk,
        "number": "",
        "lead_unit": ledger.water.pk,
        "responsible_person": "",
        "goal": "河道整洁",
        "measures": "每日巡河",
        "deadline_text": deadline_text,
        "assigned_on": "2024-01-01",
    }


def test_task_admin_with_an_unreadable_deadline_shows_the_error(client, ledger):
    finding = ledger.task().finding
    user_role_group_sync(ledger.bureau)
    client.force_login(ledger.bureau)
    response = client.post(
        reverse("admin:inspections_rectificationtask_add"), task_add_data(ledger, finding, "尽快完成")
    )
    assert response.status_code == 200
    assert "无法识别的整改时限" in response.content.decode()
    assert finding.tasks.count() == 1


def test_task_added_in_the_admin_gets_its_deadline_number_and_creation_event(client, ledger):
    finding = ledger.task().finding
    user_role_group_sync(ledger.bureau)
    client.force_login(ledger.bureau)
    response = client.post(
        reverse("admin:inspections_rectificationtask_add"), task_add_data(ledger, finding, "2025年6月底前")
    )
    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "error" in line]
    task = RectificationTask.objects.get(finding=finding, number=2)  # numbered after the finding's last task
    assert (task.deadline, task.deadline_text) == (date(2025, 6, 30), "2025年6月底前")
    event = task.events.get()
    assert (event.kind, event.to_status, event.actor) == (EventKind.CREATED, TaskStatus.NOT_STARTED, ledger.bureau)
    assert (
        RectificationTask.objects.with_status_as_of(timezone.localdate()).get(pk=task.pk).status_as_of
        == TaskStatus.NOT_STARTED
    )
