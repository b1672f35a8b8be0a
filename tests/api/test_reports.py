"""The dispatch-report endpoints: bureau staff, leaders and admins read and download; units get 404."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from inspections.choices import JobStatus
from inspections.models import DispatchReport
from inspections.reports.services import dispatch_report_build

READERS = ("admin", "bureau", "leader")


@pytest.fixture
def report(world):
    day = timezone.localdate()  # the world's tasks are created today
    return dispatch_report_build(report_id=DispatchReport.objects.create(report_date=day).pk)


@pytest.mark.parametrize("role", READERS)
def test_readers_list_read_and_download(client_for, report, role):
    client = client_for(role)
    listed = client.get("/api/reports/")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [report.pk]
    detail = client.get(f"/api/reports/{report.pk}/").json()
    assert detail["status"] == JobStatus.DONE and "第二轮中央生态环境保护督察" in detail["narrative"]
    assert detail["figures"] and detail["download_url"].endswith(f"/api/reports/{report.pk}/download/")
    download = client.get(f"/api/reports/{report.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an xlsx is a zip


@pytest.mark.parametrize("role", ["unit", "other_unit"])
def test_unit_users_see_no_report(client_for, report, role):
    client = client_for(role)
    assert client.get("/api/reports/").json()["results"] == []
    assert client.get(f"/api/reports/{report.pk}/").status_code == 404
    assert client.get(f"/api/reports/{report.pk}/download/").status_code == 404


def test_anonymous_is_401(client_for, report):
    assert client_for("anonymous").get("/api/reports/").status_code == 401


def test_a_pending_report_has_no_download(client_for, world):
    pending = DispatchReport.objects.create(report_date=date(2026, 6, 7))
    client = client_for("bureau")
    assert client.get(f"/api/reports/{pending.pk}/").json()["download_url"] is None
    assert client.get(f"/api/reports/{pending.pk}/download/").status_code == 404


def test_bureau_generates_a_report_for_a_past_day(client_for, world, eager_celery, django_capture_on_commit_callbacks):
    day = timezone.localdate() - timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("bureau").post("/api/reports/", {"report_date": day.isoformat()}, format="json")
    assert response.status_code == 202
    report = DispatchReport.objects.get(report_date=day)
    assert report.status == JobStatus.DONE and response.json()["id"] == report.pk
    again = client_for("bureau").post("/api/reports/", {"report_date": day.isoformat()}, format="json")
    assert again.status_code == 200 and DispatchReport.objects.count() == 1


@pytest.mark.parametrize("role", ["leader", "unit", "other_unit"])
def test_only_bureau_and_admin_generate(client_for, world, role):
    response = client_for(role).post("/api/reports/", {"report_date": "2026-06-07"}, format="json")
    assert response.status_code == 403 and not DispatchReport.objects.exists()


@pytest.mark.parametrize(
    "value", ["", "2026-13-01", "not a date", (timezone.localdate() + timedelta(days=1)).isoformat()]
)
def test_bad_dates_are_400_with_the_field(client_for, world, value):
    response = client_for("bureau").post("/api/reports/", {"report_date": value}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "report_date"
    assert not DispatchReport.objects.exists()
