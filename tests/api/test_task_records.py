"""Progress updates, evidence (upload and access-checked download) and the timeline of a task."""

import pytest

from inspections.models import Evidence, ProgressUpdate

from .conftest import PDF_BYTES, ROLES, pdf_file

pytestmark = pytest.mark.django_db

READERS = ("admin", "bureau", "leader", "unit")
REPORTERS = ("admin", "bureau", "unit")


def _expected_refusal(role):
    return {"anonymous": 401, "other_unit": 404}.get(role, 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("records", ["progress", "evidence", "events"])
def test_task_records_list(world, client_for, role, records):
    world.add_evidence()
    from inspections import services

    services.task_progress_add(actor=world.users["unit"], task=world.task, text="完成排查", percent=30)
    response = client_for(role).get(f"/api/tasks/{world.task.pk}/{records}/")
    if role not in READERS:
        assert response.status_code == _expected_refusal(role)
        return
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and all(row["task"] == world.task.pk for row in rows)
    if records == "events":
        assert [row["kind"] for row in rows] == ["created", "evidence", "transition", "progress"]


@pytest.mark.parametrize("role", ROLES)
def test_progress_post(world, client_for, role):
    payload = {"text": "已完成 12 处雨污混接点改造", "percent": 40, "investment": "125.50", "expected_version": 1}
    response = client_for(role).post(f"/api/tasks/{world.task.pk}/progress/", payload, format="json")
    world.task.refresh_from_db()
    if role in REPORTERS:
        assert response.status_code == 201, response.json()
        assert response.json()["percent"] == 40 and response.json()["investment"] == "125.50"
        assert world.task.percent == 40 and world.task.status == "in_progress"
        return
    assert response.status_code == _expected_refusal(role)
    assert not ProgressUpdate.objects.exists()
    if role == "leader":
        assert response.json()["code"] == "not_allowed"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"text": "", "percent": 10}, "text"),
        ({"text": "进展", "percent": 150}, "percent"),
        ({"text": "进展", "percent": "许多"}, "percent"),
        ({"text": "进展", "percent": 10, "investment": "-1"}, "investment"),
        ({"text": "进展", "percent": 10, "reported_on": "2026-02-30"}, "reported_on"),
        ({"percent": 10}, "text"),
    ],
)
def test_progress_field_errors(world, client_for, payload, field):
    payload = {**payload, "expected_version": world.task.version}
    response = client_for("unit").post(f"/api/tasks/{world.task.pk}/progress/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["errors"][field]


def test_progress_on_a_closed_task_is_a_conflict(world, client_for):
    task = world.task_in("closed")
    response = client_for("bureau").post(
        f"/api/tasks/{task.pk}/progress/",
        {"text": "补充", "percent": 100, "expected_version": task.version},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "read_only"


def test_cooperating_unit_reports_progress(world, client_for):
    from inspections import services

    task = world.task_in("in_progress")  # only the lead unit starts a task; a cooperating one reports on it
    services.task_update(actor=world.bureau, task=task, cooperating_units=[world.other_unit])
    task.refresh_from_db()
    response = client_for("other_unit").post(
        f"/api/tasks/{task.pk}/progress/",
        {"text": "配合完成巡查", "percent": 10, "expected_version": task.version},
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("role", ROLES)
def test_evidence_upload(world, client_for, role):
    files = [pdf_file("现场整改报告.pdf"), pdf_file("验收意见.pdf")]
    response = client_for(role).post(
        f"/api/tasks/{world.task.pk}/evidence/",
        {"files": files, "kind": "document", "description": "整改报告", "expected_version": 1},
        format="multipart",
    )
    if role in REPORTERS:
        assert response.status_code == 201, response.json()
        assert sorted(row["original_name"] for row in response.json()) == ["现场整改报告.pdf", "验收意见.pdf"]
        assert world.task.evidence.count() == 2
        return
    assert response.status_code == _expected_refusal(role)
    assert not Evidence.objects.exists()


def test_evidence_upload_checks_the_content(world, client_for):
    files = [pdf_file("好的.pdf"), pdf_file("假的.pdf", content=b"MZ\x90\x00 not a pdf")]
    response = client_for("unit").post(
        f"/api/tasks/{world.task.pk}/evidence/", {"files": files, "expected_version": 1}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_file" and response.json()["field"] == "files"
    assert "假的.pdf" in response.json()["detail"]
    assert not Evidence.objects.exists()  # all or nothing


def test_evidence_upload_without_files(world, client_for):
    response = client_for("unit").post(
        f"/api/tasks/{world.task.pk}/evidence/", {"kind": "photo", "expected_version": 1}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "files"


@pytest.mark.parametrize("role", ROLES)
def test_evidence_download_checks_access(world, client_for, role):
    evidence = world.add_evidence()
    response = client_for(role).get(f"/api/evidence/{evidence.pk}/download/")
    if role not in READERS:
        assert response.status_code == _expected_refusal(role)
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")


def test_evidence_listing_links_to_download(world, client_for):
    evidence = world.add_evidence()
    row = client_for("leader").get(f"/api/tasks/{world.task.pk}/evidence/").json()["results"][0]
    assert row["download_url"].endswith(f"/api/evidence/{evidence.pk}/download/")
    assert row["sha256"] == evidence.sha256


def test_download_of_a_missing_evidence_is_404(world, client_for):
    assert client_for("admin").get("/api/evidence/987654/download/").status_code == 404
    evidence = world.add_evidence()
    evidence.file.storage.delete(evidence.file.name)  # lost from disk: a 404, not a 500
    assert client_for("admin").get(f"/api/evidence/{evidence.pk}/download/").status_code == 404


@pytest.mark.parametrize("records", ["progress", "evidence", "events"])
def test_records_of_a_missing_task_are_404(world, client_for, records):
    for pk in ("987654", "abc"):
        response = client_for("admin").get(f"/api/tasks/{pk}/{records}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("status", ["submitted", "verified"])
def test_evidence_upload_after_the_closure_request_is_a_conflict(world, client_for, status):
    task = world.task_in(status)
    body = {"files": [pdf_file()], "expected_version": task.version}
    response = client_for("unit").post(f"/api/tasks/{task.pk}/evidence/", body, format="multipart")
    assert response.status_code == 409, response.content
    assert task.evidence.count() == 1


def test_evidence_withdraw_through_the_api(world, client_for):
    evidence = world.add_evidence()
    url = f"/api/tasks/{world.task.pk}/evidence/{evidence.pk}/withdraw/"
    world.task.refresh_from_db()
    version = {"expected_version": world.task.version}
    assert client_for("unit").post(url, version, format="json").status_code == 400  # a reason is required
    assert client_for("other_unit").post(url, {"reason": "x", **version}, format="json").status_code == 404
    assert client_for("leader").post(url, {"reason": "x", **version}, format="json").status_code == 403
    response = client_for("unit").post(url, {"reason": "传错了文件", **version}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["withdrawn_at"] and body["withdrawal_reason"] == "传错了文件"
    rows = client_for("bureau").get(f"/api/tasks/{world.task.pk}/evidence/").json()["results"]
    assert [row["withdrawal_reason"] for row in rows] == ["传错了文件"]  # still listed
    kinds = [row["kind"] for row in client_for("bureau").get(f"/api/tasks/{world.task.pk}/events/").json()["results"]]
    assert kinds[-1] == "withdrawn"
