"""Bad input is a 400 with messages per field, never a 500; every error has the same shape."""

import pytest

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"detail", "code", "field", "errors"}


def test_malformed_json_is_400(world, client_for):
    response = client_for("unit").post(
        f"/api/tasks/{world.task.pk}/progress/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS and response.json()["code"] == "parse_error"


def test_unsupported_media_type_is_415(world, client_for):
    response = client_for("unit").post(f"/api/tasks/{world.task.pk}/evidence/", data={"files": []}, format="json")
    assert response.status_code == 415
    assert set(response.json()) == ERROR_KEYS


def test_method_not_allowed_is_405(world, client_for):
    response = client_for("bureau").delete(f"/api/tasks/{world.task.pk}/")
    assert response.status_code == 405
    assert set(response.json()) == ERROR_KEYS


def test_nested_finding_task_errors_name_the_task(world, client_for):
    payload = {"round": world.round.pk, "summary": "问题", "tasks": [{"lead_unit": world.lead_unit.pk}]}
    response = client_for("bureau").post("/api/findings/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "tasks"
    assert "deadline_text" in response.json()["errors"]["tasks"]["0"]


def test_duplicate_finding_number_is_400(world, client_for):
    payload = {"round": world.round.pk, "summary": "重复编号", "number": world.finding.number}
    response = client_for("bureau").post("/api/findings/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


def test_null_character_is_rejected(world, client_for):
    response = client_for("bureau").get("/api/tasks/", {"q": "污水\x00"})
    assert response.status_code == 400


def test_huge_ids_are_404_not_500(world, client_for):
    client = client_for("bureau")
    assert client.get("/api/tasks/99999999999999999999/").status_code == 404
    assert client.get("/api/tasks/", {"round": "99999999999999999999"}).status_code == 400
    response = client.post(
        "/api/tasks/",
        {"finding": 99999999999999999999, "lead_unit": world.lead_unit.pk, "deadline_text": "立行立改"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"] == "finding"
