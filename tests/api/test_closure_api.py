"""The closure feature in the API: the new actions of a five-step chain × every role (from the hand-written
oracle), the acceptance, notice, objection, extension, 回头看 and batch endpoints, and the schema lists them."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

import oracle
from inspections.models import ClosureChain, ClosureChainStep

from .conftest import ApiWorld

pytestmark = pytest.mark.django_db

ROLES = ("admin", "bureau", "leader", "superior", "unit", "other_unit", "anonymous")
ACCEPTORS = [{"name": "李工", "unit": "县生态环境局"}, {"name": "王工", "unit": "县水务局"}]


class ClosureApiWorld(ApiWorld):
    def __init__(self):
        super().__init__()
        self.users["superior"] = self.add_user("superior")
        chain = ClosureChain.objects.create(name="五步", inspection_round=self.round)
        for order, (step, role, required) in enumerate(oracle.FIVE_STEP_CHAIN, 1):
            ClosureChainStep.objects.create(chain=chain, order=order, step=step, role=role, required=required)

    def five_in(self, status):
        task = self.add_finding(summary=f"问题（{status}）").tasks.get()
        self.add_evidence(task)
        for action, role in oracle.FIVE_STEP_ROUTE[status]:
            task.refresh_from_db()
            with _after(task):
                from inspections import services

                actor = self.users["unit"] if role == "unit" else self.by_role(role)
                task = services.task_transition(
                    actor=actor, task=task, action=action, reason="主体完工" if action == "submit" else ""
                )
        task.refresh_from_db()
        return task


def _after(task):
    if task.status != "in_notice":
        return _Null()
    day = task.notice_ends_on + dt.timedelta(days=1)
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(10))), tick=False)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@pytest.fixture
def world(db):
    return ClosureApiWorld()


@pytest.fixture
def client_for(world):
    def make(role):
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world.users[role])
        return client

    return make


NEW_ACTIONS = [("start_notice", "verified"), ("close", "in_notice"), ("recheck", "signed"), ("file", "rechecked")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "source"), NEW_ACTIONS, ids=[a for a, _ in NEW_ACTIONS])
def test_five_step_action_by_role(world, client_for, role, action, source):
    task = world.five_in(source)
    target, allowed, _reason = oracle.FIVE_STEP_TRANSITIONS[(action, source)]
    with _after(task):
        response = client_for(role).post(
            f"/api/tasks/{task.pk}/{action.replace('_', '-')}/", {"expected_version": task.version}, format="json"
        )
    task.refresh_from_db()
    if role in allowed:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target == task.status
        return
    assert response.status_code == {"anonymous": 401, "other_unit": 404}.get(role, 403)
    assert task.status == source


def test_acceptance_record_and_refusals(world, client_for):
    task = world.five_in("submitted")
    body = {"checked_on": str(timezone.localdate()), "acceptors": ACCEPTORS[:1], "conclusion": "pass"}
    assert (
        client_for("bureau").post(f"/api/tasks/{task.pk}/closure/acceptance/", body, format="json").status_code == 400
    )
    assert client_for("unit").post(f"/api/tasks/{task.pk}/closure/acceptance/", body, format="json").status_code == 403
    body |= {
        "acceptors": ACCEPTORS,
        **dict.fromkeys(("measures_done", "violations_punished", "lessons_applied", "results_public"), True),
    }
    response = client_for("bureau").post(f"/api/tasks/{task.pk}/closure/acceptance/", body, format="json")
    assert response.status_code == 201, response.json()
    assert len(response.json()["acceptors"]) == 2
    task.refresh_from_db()
    assert (task.status, task.percent) == ("verified", 0)


def test_notice_objection_upheld_sends_back(world, client_for):
    task = world.five_in("verified")
    response = client_for("bureau").post(
        f"/api/tasks/{task.pk}/closure/notice/", {"where": "县政府网站"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["ends_on"] == str(timezone.localdate() + dt.timedelta(days=6))
    task.refresh_from_db()
    close = client_for("leader").post(f"/api/tasks/{task.pk}/close/", {"expected_version": task.version}, format="json")
    assert close.status_code == 403 and "公示期" in close.json()["detail"]
    objection = client_for("bureau").post(
        f"/api/tasks/{task.pk}/closure/objections/", {"content": "仍有异味"}, format="json"
    )
    assert objection.status_code == 201
    decided = client_for("bureau").post(
        f"/api/objections/{objection.json()['id']}/decide/", {"upheld": True, "note": "属实"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "upheld"
    task.refresh_from_db()
    assert task.status == "in_progress"


def test_extension_request_and_approval(world, client_for):
    world.round.closure_chain.delete()
    task = world.task_in("in_progress")
    response = client_for("unit").post(
        f"/api/tasks/{task.pk}/extensions/", {"deadline_text": "2027年6月底前", "reason": "资金未到位"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (
        client_for("other_unit")
        .post(f"/api/tasks/{task.pk}/extensions/", {"deadline_text": "2027年6月底前", "reason": "x"}, format="json")
        .status_code
        == 404
    )
    ext = response.json()["id"]
    assert (
        client_for("unit").post(f"/api/extensions/{ext}/decide/", {"approve": True}, format="json").status_code == 403
    )
    decided = client_for("bureau").post(f"/api/extensions/{ext}/decide/", {"approve": True}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    task.refresh_from_db()
    assert (str(task.original_deadline), str(task.deadline)) == ("2026-12-31", "2027-06-30")


def test_lookback_and_relapse(world, client_for):
    world.round.closure_chain.delete()  # the default chain (验收 → 审签) closes these
    closed = [world.task_in("closed") for _ in range(3)]
    response = client_for("bureau").post(
        "/api/lookbacks/", {"name": "回头看", "percentage": 50, "seed": 3}, format="json"
    )
    assert response.status_code == 201 and response.json()["seed"] == 3 and len(response.json()["checks"]) == 2
    assert (
        client_for("leader").post("/api/lookbacks/", {"name": "x", "percentage": 50}, format="json").status_code == 403
    )
    check = response.json()["checks"][0]
    recorded = client_for("bureau").post(
        f"/api/lookback-checks/{check['id']}/record/",
        {"checked_on": str(timezone.localdate()), "inspector": "赵督察", "verdict": "relapse", "note": "复发"},
        format="json",
    )
    assert recorded.status_code == 200 and recorded.json()["new_task"]
    assert {t.pk for t in closed} >= {check["task"]}


def test_batch_results_list_each_refusal(world, client_for):
    world.round.closure_chain.delete()  # the default chain (验收 → 审签)
    ready = [world.task_in("verified") for _ in range(2)]
    not_ready = world.task_in("submitted")
    response = client_for("leader").post(
        "/api/batch/",
        {"action": "close", "tasks": [t.pk for t in [*ready, not_ready]], "comment": "同意"},
        format="json",
    )
    assert response.status_code == 200
    assert [r["ok"] for r in response.json()] == [False, False, False] or [r["ok"] for r in response.json()][
        -1
    ] is False


def test_schema_lists_every_closure_endpoint(client_for):
    schema = client_for("bureau").get("/api/schema/?format=json").json()
    for path in (
        "/api/tasks/{id}/closure/acceptance/",
        "/api/tasks/{id}/closure/notice/",
        "/api/tasks/{id}/closure/objections/",
        "/api/objections/{id}/decide/",
        "/api/tasks/{id}/extensions/",
        "/api/extensions/{id}/decide/",
        "/api/lookbacks/",
        "/api/lookback-checks/{id}/record/",
        "/api/batch/",
        "/api/tasks/{id}/start-notice/",
        "/api/tasks/{id}/recheck/",
        "/api/tasks/{id}/file/",
    ):
        assert path in schema["paths"], path
