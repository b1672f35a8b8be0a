"""What a client sends is bounded in one place (inspections/limits.py, the upload settings): far-off dates,
oversized text and oversized uploads get a clear 400 / form error / 413, never a 500 or a stored row."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from inspections import services
from inspections.models import Evidence, ProgressUpdate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def api_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)[1]}")
    return client


def pdf(name, size):
    return SimpleUploadedFile(name, PDF + b"%" * max(size - len(PDF), 0), content_type="application/pdf")


# --- dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "due_within=3650&as_of=9999-12-31",
        "as_of=0001-01-01",
        "completion_event_after=0001-01-01",
        "completion_event_before=9999-12-31",
        "deadline_after=0001-01-01&due_within=3650",
    ],
)
def test_far_off_filter_dates_are_a_clear_error(client, unit_user, task, query):
    client.force_login(unit_user)
    page = client.get(f"/tasks/?{query}")
    assert page.status_code == 200
    assert "日期应在 2000-01-01 至 2100-12-31 之间" in page.content.decode()
    response = api_client(unit_user).get(f"/api/tasks/?{query}")
    assert response.status_code == 400
    assert "日期应在" in response.json()["detail"]


def test_far_off_dashboard_day_is_a_form_error(client, bureau, task):
    client.force_login(bureau)
    response = client.get("/dashboard/?as_of=0001-01-01")
    assert response.status_code == 200
    assert "日期应在 2000-01-01 至 2100-12-31 之间" in response.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_report_for_a_far_off_day_is_refused(bureau, day):
    response = api_client(bureau).post("/api/reports/", {"report_date": day}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "report_date"


@pytest.mark.parametrize(
    "reported_on,message",
    [
        ("9999-12-31", "日期应在"),
        ((timezone.localdate() + timedelta(days=1)).isoformat(), "不能晚于今天"),
        ("2000-01-01", "不能早于任务交办日期"),
    ],
)
def test_progress_is_not_dated_in_the_future_or_before_the_task(unit_user, task, reported_on, message):
    body = {"text": "进展", "percent": 10, "reported_on": reported_on, "expected_version": task.version}
    response = api_client(unit_user).post(f"/api/tasks/{task.pk}/progress/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "reported_on" and message in response.json()["detail"]
    with pytest.raises(ValidationError) as refused:  # the service holds the same rule for every caller
        services.task_progress_add(
            actor=unit_user, task=task, text="进展", percent=10, reported_on=date.fromisoformat(reported_on)
        )
    assert "reported_on" in refused.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_progress_dated_today_or_on_the_assignment_day_is_accepted(unit_user, task):
    for day in (timezone.localdate(), task.assigned_on):
        task.refresh_from_db()
        body = {"text": "进展", "percent": 10, "reported_on": day.isoformat(), "expected_version": task.version}
        assert api_client(unit_user).post(f"/api/tasks/{task.pk}/progress/", body, format="json").status_code == 201


# --- text ---------------------------------------------------------------------------------------------------


def test_progress_text_has_the_same_cap_on_the_page_and_the_api(client, unit_user, task):
    text = "进" * 10_001
    client.force_login(unit_user)
    page = client.post(f"/tasks/{task.pk}/progress/", {"version": task.version, "text": text, "percent": 10})
    assert page.status_code == 400
    assert "10000" in page.content.decode()
    body = {"text": text, "percent": 10, "expected_version": task.version}
    response = api_client(unit_user).post(f"/api/tasks/{task.pk}/progress/", body, format="json")
    assert response.status_code == 400 and response.json()["field"] == "text"
    with pytest.raises(ValidationError):
        services.task_progress_add(actor=unit_user, task=task, text=text, percent=10)
    assert not ProgressUpdate.objects.exists()


# --- uploads ------------------------------------------------------------------------------------------------


@pytest.fixture
def small_upload_limits(settings):
    settings.EVIDENCE_MAX_BYTES = 600 * 1024
    settings.EVIDENCE_MAX_REQUEST_BYTES = 100 * 1024
    settings.EVIDENCE_MAX_FILES = 3


def test_a_request_body_over_the_total_is_refused_before_it_is_read(client, unit_user, task, small_upload_limits):
    files = [pdf(f"照片{i}.pdf", 500 * 1024) for i in range(3)]  # 1.5 MB: over 100 KB + room for the fields
    client.force_login(unit_user)
    page = client.post(f"/tasks/{task.pk}/evidence/", {"version": task.version, "kind": "photo", "files": files})
    assert page.status_code == 413
    assert "一次提交的内容过大" in page.content.decode()
    files = [pdf(f"照片{i}.pdf", 500 * 1024) for i in range(3)]
    body = {"expected_version": task.version, "kind": "photo", "files": files}
    response = api_client(unit_user).post(f"/api/tasks/{task.pk}/evidence/", body, format="multipart")
    assert response.status_code == 413
    assert "一次提交的内容过大" in response.json()["detail"]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    "files,message",
    [
        (lambda: [pdf(f"材料{i}.pdf", 40 * 1024) for i in range(3)], "超过每次"),  # 120 KB together
        (lambda: [pdf(f"材料{i}.pdf", 1024) for i in range(4)], "一次最多上传 3 个文件"),
    ],
)
def test_one_upload_has_a_total_and_a_file_count(client, unit_user, task, small_upload_limits, files, message):
    client.force_login(unit_user)
    page = client.post(f"/tasks/{task.pk}/evidence/", {"version": task.version, "kind": "photo", "files": files()})
    assert page.status_code == 400 and message in page.content.decode()
    body = {"expected_version": task.version, "kind": "photo", "files": files()}
    response = api_client(unit_user).post(f"/api/tasks/{task.pk}/evidence/", body, format="multipart")
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not Evidence.objects.exists()
