"""The admin goes through the rules (issues 12 and 14): task edits through task_update and the timeline,
a closed task read-only, progress, evidence and timeline events append-only for everyone, superuser included."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.choices import Role
from accounts.services import user_create, user_role_group_sync
from inspections import admin as inspections_admin
from inspections import services
from inspections.choices import EventKind
from inspections.choices import TaskStatus as S
from inspections.models import Evidence, ProgressUpdate, RectificationTask, TaskEvent
from inspections.models.records import RecordIsAppendOnly

pytestmark = pytest.mark.django_db

RECORDS = (ProgressUpdate, Evidence, TaskEvent)


@pytest.fixture
def root(ledger):
    return user_create(username="root", password=None, role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def bureau(ledger):
    user_role_group_sync(ledger.bureau)
    return ledger.bureau


def url(model, name, *args):
    return reverse(f"admin:inspections_{model._meta.model_name}_{name}", args=args)


def task_change_data(task, **changes):
    data = {
        "lead_unit": task.lead_unit_id,
        "responsible_person": task.responsible_person,
        "goal": task.goal,
        "measures": task.measures,
        "deadline_text": task.deadline_text,
        "assigned_on": task.assigned_on.isoformat(),
        "expected_version": task.version,
    }
    for prefix in ("progress_updates", "evidence", "events"):  # the read-only inlines' management forms
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_nobody_adds_changes_or_deletes_timeline_events_in_the_admin(client, ledger, root):
    task = ledger.bring_to(ledger.task(), S.IN_PROGRESS)
    event = task.events.first()
    client.force_login(root)
    assert client.get(url(TaskEvent, "add")).status_code == 403
    assert client.post(url(TaskEvent, "add"), {"task": task.pk, "kind": EventKind.EDITED}).status_code == 403
    assert client.post(url(TaskEvent, "change", event.pk), {"reason": "改写历史"}).status_code == 403
    assert client.post(url(TaskEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert client.get(url(TaskEvent, "change", event.pk)).status_code == 200  # still readable
    event.refresh_from_db()
    assert event.reason != "改写历史"
    assert task.events.count() == TaskEvent.objects.filter(task=task).count() >= 2


@pytest.mark.parametrize("model", RECORDS)
def test_records_are_append_only_in_the_admin_for_everyone(ledger, root, bureau, model):
    task = ledger.bring_to(ledger.task(), S.IN_PROGRESS)
    services.task_progress_add(actor=ledger.water_user, task=task, text="已完成管网铺设", percent=40)
    model_admin = admin.site._registry[model]
    obj = model.objects.first()
    for user in (root, bureau):
        request = RequestFactory().get("/admin/")
        request.user = user
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, obj)
        assert not model_admin.has_delete_permission(request, obj)
        assert model_admin.has_view_permission(request, obj)


@pytest.mark.parametrize("model", RECORDS)
def test_stored_records_cannot_be_changed_or_deleted_anywhere(ledger, model):
    task = ledger.bring_to(ledger.task(), S.IN_PROGRESS)
    services.task_progress_add(actor=ledger.water_user, task=task, text="已完成管网铺设", percent=40)
    obj = model.objects.first()
    with pytest.raises(RecordIsAppendOnly):
        obj.save()
    with pytest.raises(RecordIsAppendOnly):
        obj.delete()
    assert model.objects.filter(pk=obj.pk).exists()


def test_closed_task_and_its_records_are_read_only_in_the_admin(client, ledger, root):
    task = ledger.bring_to(ledger.task(), S.CLOSED)
    progress = ledger.task()  # an open task's progress, to compare with
    client.force_login(root)
    response = client.get(url(RectificationTask, "change", task.pk))
    assert response.status_code == 200 and 'name="goal"' not in response.content.decode()
    response = client.post(url(RectificationTask, "change", task.pk), task_change_data(task, goal="销号后改目标"))
    assert response.status_code == 403
    assert client.post(url(RectificationTask, "delete", task.pk), {"post": "yes"}).status_code == 403
    evidence = task.evidence.get()
    response = client.post(url(Evidence, "change", evidence.pk), {"original_name": "替换.pdf", "task": task.pk})
    assert response.status_code == 403
    assert client.post(url(Evidence, "delete", evidence.pk), {"post": "yes"}).status_code == 403
    task.refresh_from_db()
    evidence.refresh_from_db()
    assert task.goal != "销号后改目标" and evidence.original_name == "验收报告.pdf"
    assert progress.status == S.NOT_STARTED


def test_admin_edit_of_an_open_task_goes_through_task_update_and_the_timeline(client, ledger, bureau, monkeypatch):
    task = ledger.bring_to(ledger.task(), S.IN_PROGRESS)
    calls = []
    real = inspections_admin.task_update

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(inspections_admin, "task_update", spy)
    client.force_login(bureau)
    data = task_change_data(task, goal="管网全覆盖", deadline_text="2025年6月底前")
    response = client.post(url(RectificationTask, "change", task.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(calls) == 1 and calls[0]["actor"] == bureau
    assert set(calls[0]) >= {"goal", "deadline_text"} and "measures" not in calls[0]
    edited = RectificationTask.objects.get(pk=task.pk)
    assert edited.goal == "管网全覆盖" and str(edited.deadline) == "2025-06-30"
    assert edited.version == task.version + 1
    event = edited.events.order_by("-at", "-id").first()
    assert (event.kind, event.actor) == (EventKind.EDITED, bureau)
    assert "整改目标" in event.reason and "整改时限" in event.reason


def test_admin_edit_on_a_stale_page_is_refused(client, ledger, bureau):
    task = ledger.task()
    stale = task.version
    services.task_update(actor=ledger.bureau, task=task, measures="别人刚改的措施")
    client.force_login(bureau)
    data = task_change_data(RectificationTask.objects.get(pk=task.pk), goal="覆盖", expected_version=stale)
    response = client.post(url(RectificationTask, "change", task.pk), data)
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    assert RectificationTask.objects.get(pk=task.pk).goal != "覆盖"
