"""Supervision in the API: list, detail, create, reply with the pages' access rules; in the schema."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from inspections.choices import AccountabilityMeasure, SupervisionKind
from inspections.supervision import services
from inspections.supervision.suggestions import suggestions_compute

K = SupervisionKind


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_list_detail_reply(ledger):
    task = ledger.task()
    body = {"kind": K.NOTICE, "target_unit": ledger.water.pk, "tasks": [task.pk], "reply_due": "2030-01-01"}
    for user in (ledger.water_user, ledger.leader):
        assert api(user).post("/api/supervision/actions/", body, format="json").status_code == 403
    created = api(ledger.bureau).post("/api/supervision/actions/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["doc_number"].endswith("1号")
    assert api(ledger.water_user).get(f"/api/supervision/actions/{pk}/").status_code == 200
    assert api(ledger.town_user).get(f"/api/supervision/actions/{pk}/").status_code == 404
    assert api(ledger.town_user).get("/api/supervision/actions/").json()["count"] == 0
    assert api(ledger.town_user).post(f"/api/supervision/actions/{pk}/reply/", {"text": "x"}).status_code == 404
    replied = api(ledger.water_user).post(
        f"/api/supervision/actions/{pk}/reply/", {"text": "已整改", "files": [ledger.pdf()]}, format="multipart"
    )
    assert replied.status_code == 200 and replied.json()["reply_text"] == "已整改"


def test_accountability_hidden_from_units_in_the_api(ledger):
    action = services.action_issue(
        actor=ledger.bureau,
        kind=K.ACCOUNTABILITY,
        target_unit=ledger.water,
        tasks=[ledger.task()],
        target_person="赵某",
        measure=AccountabilityMeasure.WARNING,
        deciding_body="市纪委监委",
    )
    assert api(ledger.water_user).get(f"/api/supervision/actions/{action.pk}/").status_code == 404
    assert api(ledger.leader).get(f"/api/supervision/actions/{action.pk}/").status_code == 200


def test_suggestions_and_scores_endpoints(ledger):
    ledger.task()
    suggestions_compute(today=date(2024, 3, 15))
    assert api(ledger.water_user).get("/api/supervision/suggestions/").json()["count"] == 0
    listed = api(ledger.bureau).get("/api/supervision/suggestions/").json()
    assert listed["count"] == 1
    pk = listed["results"][0]["id"]
    dismissed = api(ledger.bureau).post(
        f"/api/supervision/suggestions/{pk}/dismiss/", {"reason": "已督导"}, format="json"
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert api(ledger.water_user).get("/api/supervision/scores/").json()["count"] == 0
    assert api(ledger.leader).get("/api/supervision/scores/").status_code == 200


@pytest.mark.django_db
def test_endpoints_are_in_the_schema(ledger):
    schema = api(ledger.bureau).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/supervision/actions/",
        "/api/supervision/actions/{id}/",
        "/api/supervision/actions/{id}/reply/",
        "/api/supervision/suggestions/",
        "/api/supervision/scores/",
    ):
        assert path in paths, path
    assert "post" in paths["/api/supervision/actions/"]
