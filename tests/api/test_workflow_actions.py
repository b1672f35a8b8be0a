"""POST /api/tasks/{id}/<action>/ × every role: the same services, rules and errors as the pages."""

import pytest

import oracle

from .conftest import ROLES, pdf_file

pytestmark = pytest.mark.django_db

# action URL, the state it starts from, roles allowed, the state it leads to, body; the roles and targets
# from the hand-written oracle (tests/oracle.py), the API's role names being the Role values.
# A closure request below 100 % says why (the tasks here report no progress).
REASONS = {"reject": "佐证材料不足", "reopen": "群众再次投诉", "submit": "主体工程完工，扫尾中"}
SOURCES = [
    ("start", "not_started"),
    ("submit", "in_progress"),
    ("verify", "submitted"),
    ("reject", "submitted"),
    ("close", "verified"),
    ("keep_long_term", "verified"),
    ("reopen", "closed"),
]
ACTIONS = [
    (
        action.replace("_", "-"),
        source,
        set(oracle.TRANSITIONS[(action, source)][1]),
        oracle.target(action, source),
        {"reason": REASONS[action]} if oracle.needs_reason(action, source) or action == "submit" else {},
    )
    for action, source in SOURCES
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action,source,allowed,target,body", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_action_by_role(world, client_for, role, action, source, allowed, target, body):
    task = world.task_in(source)
    body = {**body, "expected_version": task.version}  # API writes carry the version they read
    response = client_for(role).post(f"/api/tasks/{task.pk}/{action}/", body, format="json")
    task.refresh_from_db()
    if role in allowed:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target == task.status
        assert response.json()["version"] == task.version
        assert task.events.filter(kind="transition", to_status=target).exists()
        return
    expected = {"anonymous": 401, "other_unit": 404}.get(role, 403)
    assert response.status_code == expected
    assert task.status == source
    if expected == 403:
        assert response.json()["code"] == "transition_not_allowed"


@pytest.mark.parametrize("action", ["reject", "reopen"])
def test_reason_is_required(world, client_for, action):
    task = world.task_in("submitted" if action == "reject" else "closed")
    response = client_for("admin").post(
        f"/api/tasks/{task.pk}/{action}/", {"reason": "", "expected_version": task.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert "reason" in response.json()["errors"]


def test_submit_needs_evidence(world, client_for):
    task = world.task_in("in_progress", evidence=False)
    response = client_for("unit").post(
        f"/api/tasks/{task.pk}/submit/", {"expected_version": task.version}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "evidence_required"
    assert "佐证材料" in response.json()["detail"]


def test_action_from_the_wrong_state_is_refused(world, client_for):
    response = client_for("bureau").post(
        f"/api/tasks/{world.task.pk}/verify/", {"expected_version": world.task.version}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "transition_not_allowed"
    assert "尚未启动" in response.json()["detail"]


def test_stale_version_is_a_conflict(world, client_for):
    stale = world.task.version
    client_for("unit").post(
        f"/api/tasks/{world.task.pk}/progress/",
        {"text": "已排查 30 处", "percent": 20, "expected_version": stale},
        format="json",
    )
    response = client_for("unit").post(
        f"/api/tasks/{world.task.pk}/submit/", {"expected_version": stale}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "stale"


def test_cooperating_unit_sees_but_cannot_submit(world, client_for):
    from inspections import services

    task = world.task_in("in_progress")
    services.task_update(actor=world.bureau, task=task, cooperating_units=[world.other_unit])
    assert client_for("other_unit").get(f"/api/tasks/{task.pk}/").status_code == 200
    task.refresh_from_db()
    response = client_for("other_unit").post(
        f"/api/tasks/{task.pk}/submit/", {"expected_version": task.version}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_session_auth_needs_csrf(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["unit"])
    assert client.get(f"/api/tasks/{world.task.pk}/").status_code == 200
    response = client.post(f"/api/tasks/{world.task.pk}/start/", {"expected_version": 1}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_api_writes_require_the_version(world, client_for):
    """Without `expected_version` an API write is refused (400), so nobody overwrites a change unseen."""
    task = world.task
    for url, body in [
        (f"/api/tasks/{task.pk}/start/", {}),
        (f"/api/tasks/{task.pk}/progress/", {"text": "进展", "percent": 10}),
    ]:
        response = client_for("unit").post(url, body, format="json")
        assert response.status_code == 400, url
        assert response.json()["field"] == "expected_version"
    response = client_for("unit").post(
        f"/api/tasks/{task.pk}/evidence/", {"files": [pdf_file()], "kind": "photo"}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["field"] == "expected_version"
    task.refresh_from_db()
    assert task.status == "not_started" and task.version == 1
