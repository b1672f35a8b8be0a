"""PATCH /api/tasks/{id}/ × every role: the edit page's service (task_update), its rules and its errors."""

import pytest

from inspections.choices import EventKind
from inspections.models import RectificationTask, TaskEvent

from .conftest import ROLES

pytestmark = pytest.mark.django_db


def patch(client, task, body):
    return client.patch(f"/api/tasks/{task.pk}/", body, format="json")


def edits(task):
    return TaskEvent.objects.filter(task=task, kind=EventKind.EDITED)


@pytest.mark.parametrize("role", ROLES)
def test_edit_by_role(world, client_for, role):
    task = world.task
    response = patch(client_for(role), task, {"deadline_text": "2020年6月底前", "expected_version": task.version})
    stored = RectificationTask.objects.get(pk=task.pk)
    if role in ("admin", "bureau"):
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["deadline_text"], body["deadline"]) == ("2020年6月底前", "2020-06-30")
        # The answer carries the schedule computed after the edit: the new deadline has passed.
        assert body["is_overdue"] is True and body["warning"] == "red" and body["days_left"] < 0
        assert body["version"] == stored.version == task.version + 1
        assert edits(task).get().actor == world.users[role]
        return
    expected = {"anonymous": 401, "other_unit": 404}.get(role, 403)
    assert response.status_code == expected
    assert stored.deadline_text == "2026年12月底前" and stored.version == task.version
    assert not edits(task).exists()
    if expected == 403:
        assert response.json()["code"] == "not_allowed"
        assert response.json()["detail"] == "只有督察办工作人员可以修改整改任务。"


def test_only_the_fields_sent_change_and_the_timeline_says_which(world, client_for):
    task = world.task
    client = client_for("bureau")
    response = patch(
        client,
        task,
        {
            "lead_unit": world.other_unit.pk,
            "cooperating_units": [world.lead_unit.pk],
            "responsible_person": "赵镇长",
            "expected_version": task.version,
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["lead_unit"], body["lead_unit_name"]) == (world.other_unit.pk, "南山镇")
    assert body["cooperating_units"] == [world.lead_unit.pk]
    assert body["measures"] == "排查整治雨污混接点" and body["deadline_text"] == "2026年12月底前"
    events = client.get(f"/api/tasks/{task.pk}/events/").json()["results"]
    assert events[-1]["kind"] == "edited" and events[-1]["reason"] == "修改了：牵头单位、责任人、配合单位"
    # The old lead unit is now a cooperating unit: it still sees the task, read-only for edits.
    assert client_for("unit").get(f"/api/tasks/{task.pk}/").status_code == 200


def test_nothing_changed_answers_the_task_unchanged(world, client_for):
    task = world.task
    response = patch(client_for("bureau"), task, {"deadline_text": "2026年12月底前", "expected_version": task.version})
    assert response.status_code == 200 and response.json()["version"] == task.version
    assert not edits(task).exists()


def test_immediate_fix_counts_from_the_new_assignment_date(world, client_for, settings):
    settings.IMMEDIATE_DEADLINE_DAYS = 30
    task = world.task
    response = patch(
        client_for("bureau"),
        task,
        {"deadline_text": "立行立改", "assigned_on": "2025-03-01", "expected_version": task.version},
    )
    assert response.status_code == 200
    assert (response.json()["deadline"], response.json()["deadline_kind"]) == ("2025-03-31", "immediate")


def test_stale_version_is_a_conflict(world, client_for):
    task = world.task
    stale = task.version
    client_for("unit").post(
        f"/api/tasks/{task.pk}/progress/",
        {"text": "已排查 30 处", "percent": 20, "expected_version": stale},
        format="json",
    )
    response = patch(client_for("bureau"), task, {"goal": "雨污分流", "expected_version": stale})
    assert response.status_code == 409
    assert response.json()["code"] == "stale" and "该任务已被他人修改" in response.json()["detail"]
    assert RectificationTask.objects.get(pk=task.pk).goal == ""


def test_closed_task_is_read_only(world, client_for):
    task = world.task_in("closed")
    response = patch(client_for("admin"), task, {"goal": "改", "expected_version": task.version})
    assert response.status_code == 409
    assert response.json()["code"] == "read_only" and "已销号" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "expected_version"),
        ({"expected_version": "x"}, "expected_version"),
        ({"deadline_text": "尽快"}, "deadline_text"),
        ({"deadline_text": ""}, "deadline_text"),
        ({"deadline_text": "立行立改", "assigned_on": "9999-12-31"}, "assigned_on"),
        ({"assigned_on": "2025-02-30"}, "assigned_on"),
        ({"lead_unit": 999999}, "lead_unit"),
        ({"lead_unit": None}, "lead_unit"),
        ({"cooperating_units": [999999]}, "cooperating_units"),
        ({"responsible_person": "张" * 101}, "responsible_person"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, client_for, body, field):
    task = world.task
    body = {"expected_version": task.version, **body} if field != "expected_version" else body
    response = patch(client_for("bureau"), task, body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field and field in response.json()["errors"]
    assert RectificationTask.objects.get(pk=task.pk).version == task.version


def test_a_bad_deadline_gives_the_parsers_chinese_message(world, client_for):
    response = patch(
        client_for("bureau"), world.task, {"deadline_text": "尽快", "expected_version": world.task.version}
    )
    assert response.json()["errors"]["deadline_text"] == [
        "无法识别的整改时限：“尽快”。请填写日期，如“2024年6月30日”“2024年6月底前”“立行立改”或“长期坚持”。"
    ]


def test_no_put(world, client_for):
    task = world.task
    response = client_for("bureau").put(f"/api/tasks/{task.pk}/", {"expected_version": task.version}, format="json")
    assert response.status_code == 405
    assert "PATCH" in response["Allow"] and "PUT" not in response["Allow"]
