"""Rounds, findings, tasks, units, me and the dashboard: every role, allowed and refused."""

import pytest

from inspections.models import Finding, InspectionRound, RectificationTask

from .conftest import ROLES

pytestmark = pytest.mark.django_db

SEES_LEAD_UNIT_TASK = {"admin": True, "bureau": True, "leader": True, "unit": True, "other_unit": False}
MANAGERS = ("admin", "bureau")


def _refused_status(role):
    return 401 if role == "anonymous" else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ["round", "finding", "task"])
def test_list_and_detail_are_unit_scoped(world, client_for, role, endpoint):
    obj = {"round": world.round, "finding": world.finding, "task": world.task}[endpoint]
    client = client_for(role)
    listing = client.get(f"/api/{endpoint}s/")
    detail = client.get(f"/api/{endpoint}s/{obj.pk}/")
    if role == "anonymous":
        assert listing.status_code == detail.status_code == 401
        assert listing["WWW-Authenticate"] == "Token"
        return
    assert listing.status_code == 200
    ids = [row["id"] for row in listing.json()["results"]]
    if SEES_LEAD_UNIT_TASK[role]:
        assert ids == [obj.pk]
        assert detail.status_code == 200 and detail.json()["id"] == obj.pk
    else:
        assert ids == []
        assert detail.status_code == 404
        assert detail.json()["code"] == "not_found"


def test_task_representation_has_schedule_figures(world, client_for):
    body = client_for("unit").get(f"/api/tasks/{world.task.pk}/").json()
    assert body["code"] == "1-1"
    assert body["lead_unit_name"] == "市住房和城乡建设局"
    assert body["round"] == world.round.pk
    assert body["deadline"] == "2026-12-31"
    assert body["status"] == "not_started"
    assert {"is_overdue", "days_left", "expected_percent", "schedule", "warning"} <= body.keys()


def _create_payload(world, endpoint):
    if endpoint == "round":
        return {"kind": "provincial", "name": "2026年省级督察", "batch": 1, "feedback_date": "2026-03-01"}
    if endpoint == "finding":
        return {
            "round": world.round.pk,
            "summary": "工业园区VOCs治理不到位",
            "category": "air",
            "responsible_leader": world.users["leader"].pk,
            "tasks": [
                {"lead_unit": world.lead_unit.pk, "deadline_text": "2026年6月30日前"},
                {"lead_unit": world.other_unit.pk, "deadline_text": "长期坚持"},
            ],
        }
    return {
        "finding": world.finding.pk,
        "lead_unit": world.lead_unit.pk,
        "deadline_text": "立行立改",
        "cooperating_units": [world.other_unit.pk],
        "measures": "加密巡查",
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "endpoint,model", [("round", InspectionRound), ("finding", Finding), ("task", RectificationTask)]
)
def test_only_bureau_and_admin_create(world, client_for, role, endpoint, model):
    before = model.objects.count()
    response = client_for(role).post(f"/api/{endpoint}s/", _create_payload(world, endpoint), format="json")
    if role in MANAGERS:
        assert response.status_code == 201, response.json()
        assert model.objects.count() == before + 1
        assert response.json()["id"] == model.objects.latest("pk").pk
    else:
        assert response.status_code == _refused_status(role)
        assert model.objects.count() == before


def test_finding_create_assigns_its_tasks_through_the_service(world, client_for):
    response = client_for("bureau").post("/api/findings/", _create_payload(world, "finding"), format="json")
    finding = Finding.objects.get(pk=response.json()["id"])
    tasks = list(finding.tasks.order_by("number"))
    assert [t.code for t in tasks] == [f"{finding.number}-1", f"{finding.number}-2"]
    assert tasks[1].deadline_kind == "long_term"
    assert tasks[0].events.filter(kind="created").exists()


def test_task_create_answers_with_the_parsed_deadline(world, client_for):
    response = client_for("admin").post("/api/tasks/", _create_payload(world, "task"), format="json")
    body = response.json()
    assert body["deadline_kind"] == "immediate" and body["deadline"]
    assert body["cooperating_units"] == [world.other_unit.pk]
    assert body["code"] == "1-2"


def test_task_create_reports_field_errors(world, client_for):
    payload = {**_create_payload(world, "task"), "deadline_text": "等上级通知", "lead_unit": 999999}
    response = client_for("bureau").post("/api/tasks/", payload, format="json")
    assert response.status_code == 400
    assert "lead_unit" in response.json()["errors"]
    response = client_for("bureau").post("/api/tasks/", {**payload, "lead_unit": world.lead_unit.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "deadline_text"


def test_round_create_validates_dates_in_the_service(world, client_for):
    payload = {"kind": "special", "name": "专项督察", "inspection_start": "2026-05-01", "inspection_end": "2026-04-01"}
    response = client_for("bureau").post("/api/rounds/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "role,expected", [("admin", 3), ("bureau", 3), ("leader", 3), ("unit", 1), ("other_unit", 1), ("anonymous", None)]
)
def test_units_are_the_visible_ones(world, client_for, role, expected):
    response = client_for(role).get("/api/units/")
    if expected is None:
        assert response.status_code == 401
        return
    assert response.json()["count"] == expected
    other = client_for(role).get(f"/api/units/{world.other_unit.pk}/")
    assert other.status_code == (404 if role == "unit" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_me(world, client_for, role):
    response = client_for(role).get("/api/me/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["username"] == world.users[role].username
    assert response.json()["role"] == world.users[role].role


@pytest.mark.parametrize(
    "role,total", [("admin", 2), ("bureau", 2), ("leader", 2), ("unit", 2), ("other_unit", 0), ("anonymous", None)]
)
def test_dashboard_counts_visible_tasks(world, client_for, role, total):
    world.add_finding(summary="已逾期的问题", deadline_text="2024年6月30日前")
    response = client_for(role).get("/api/dashboard/")
    if total is None:
        assert response.status_code == 401
        return
    body = response.json()
    assert body["total"] == total
    assert body["overdue"] == (1 if total else 0)
    assert [(r["round"], r["total"]) for r in body["rounds"]] == ([(world.round.pk, total)] if total else [])


def test_task_filters_are_the_shared_filterset(world, client_for):
    overdue = world.add_finding(summary="已逾期的问题", deadline_text="2024年6月30日前").tasks.get()
    client = client_for("unit")
    response = client.get("/api/tasks/", {"round": world.round.pk, "overdue": "true"})
    assert [row["id"] for row in response.json()["results"]] == [overdue.pk]
    assert response.json()["results"][0]["is_overdue"] is True
    response = client.get("/api/tasks/", {"ordering": "-deadline"})
    assert [row["id"] for row in response.json()["results"]] == [world.task.pk, overdue.pk]
    response = client.get("/api/tasks/", {"q": "逾期"})
    assert [row["id"] for row in response.json()["results"]] == [overdue.pk]


def test_task_filter_refuses_another_units_subtree(world, client_for):
    response = client_for("unit").get("/api/tasks/", {"lead_unit": world.other_unit.pk})
    assert response.status_code == 400
    assert response.json()["field"] == "lead_unit"


@pytest.mark.parametrize(
    "query",
    [
        {"deadline_after": "2026-13-40"},
        {"status": "nope"},
        {"due_within": "-3"},
        {"round": "abc"},
        {"page": "999"},
        {"ordering": "secret"},
    ],
)
def test_bad_filter_values_are_client_errors(world, client_for, query):
    response = client_for("bureau").get("/api/tasks/", query)
    assert response.status_code in (400, 404)
    assert response.json()["detail"]


def test_pagination_and_page_size(world, client_for):
    for n in range(3):
        world.add_finding(summary=f"问题 {n}")
    response = client_for("bureau").get("/api/tasks/", {"page_size": 2})
    body = response.json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]
