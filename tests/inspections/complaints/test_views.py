"""Complaint pages: each side of every rule (the allowed role gets it, the others 403/404), filters,
pagination and query counts, and the upload with its preview."""

import pytest
from django.urls import reverse

from inspections.choices import CaseStatus
from inspections.models import ComplaintCase

from .conftest import batch_file
from .test_import import ROWS

pytestmark = pytest.mark.django_db


def test_list_shows_each_user_its_scope(client, complaints, django_assert_max_num_queries):
    w = complaints.world
    for _ in range(3):
        complaints.assigned(unit=w.water)
    complaints.assigned(unit=w.town, code="T1")
    url = reverse("inspections:complaint_list")
    client.force_login(w.bureau)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.content.decode().count('data-testid="case-row"') == 4
    client.force_login(w.town_user)
    body = client.get(url).content.decode()
    assert body.count('data-testid="case-row"') == 1 and "T1" in body
    client.force_login(w.bureau)
    assert client.get(url, {"lead_unit": w.town.pk}).content.decode().count('data-testid="case-row"') == 1
    assert client.get(url, {"per_page": 10, "page": 2}).status_code == 200


def test_detail_is_404_for_another_unit_and_hides_the_complainant(client, complaints):
    w = complaints.world
    case = complaints.assigned(unit=w.water, complainant="李四", complainant_contact="13900000000")
    url = reverse("inspections:complaint_detail", args=[case.pk])
    client.force_login(w.town_user)
    assert client.get(url).status_code == 404
    client.force_login(w.water_user)
    body = client.get(url).content.decode()
    assert "13900000000" not in body and 'data-testid="investigation-form"' in body and "assign-form" not in body
    client.force_login(w.leader)
    assert "13900000000" not in client.get(url).content.decode()
    client.force_login(w.bureau)
    assert "13900000000" in client.get(url).content.decode()


def test_assign_and_report_through_the_pages(client, complaints):
    w = complaints.world
    case = complaints.case()
    client.force_login(w.water_user)
    assert (
        client.post(
            reverse("inspections:complaint_assign", args=[case.pk]), {"version": case.version, "lead_unit": w.water.pk}
        ).status_code
        == 404  # not yet assigned: not the unit's, so not found
    )
    client.force_login(w.bureau)
    response = client.post(
        reverse("inspections:complaint_assign", args=[case.pk]), {"version": case.version, "lead_unit": w.water.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    client.force_login(w.water_user)
    response = client.post(
        reverse("inspections:complaint_investigation", args=[case.pk]),
        {"version": case.version, "investigation": "属实", "verdict": "true", "penalty_cases": 1, "fine_amount": "3.5"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.STAGE_DONE and case.penalty_cases == 1
    response = client.post(
        reverse("inspections:complaint_transition", args=[case.pk]), {"version": case.version, "action": "close"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DONE
    # An outdated form is refused, not applied.
    response = client.post(
        reverse("inspections:complaint_transition", args=[case.pk]), {"version": 1, "action": "close"}
    )
    assert response.status_code == 400


def test_upload_preview_then_confirm(client, complaints, tmp_path):
    w = complaints.world
    path = batch_file(tmp_path / "第3批.xlsx", ROWS)
    client.force_login(w.water_user)
    assert client.get(reverse("inspections:complaint_import")).status_code == 403
    client.force_login(w.bureau)
    with path.open("rb") as f:
        response = client.post(reverse("inspections:complaint_import"), {"file": f})
    assert response.status_code == 200 and "导入预览" in response.content.decode()
    assert ComplaintCase.objects.count() == 0
    token = response.context["token"]
    response = client.post(reverse("inspections:complaint_import_confirm"), {"token": token})
    assert response.status_code == 200 and "导入完成" in response.content.decode()
    assert ComplaintCase.objects.count() == 3


def test_report_page_for_bureau_and_leader(client, complaints):
    w = complaints.world
    complaints.case()
    client.force_login(w.leader)
    response = client.get(reverse("inspections:complaint_report"))
    assert response.status_code == 200 and "共接待群众投诉1起" in response.content.decode()
    client.force_login(w.water_user)
    assert client.get(reverse("inspections:complaint_report")).status_code == 403


def test_menu_entry(client, complaints):
    client.force_login(complaints.world.water_user)
    assert reverse("inspections:complaint_list") in client.get(reverse("inspections:task_list")).content.decode()


def test_list_query_count_stays_the_same_when_the_cases_triple(client, complaints):
    """Issue 19: the complaint list's queries do not grow with the rows (page 1, page 2, a filter)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = complaints.world
    url = reverse("inspections:complaint_list")

    def counts():
        found = {}
        for query in ({}, {"per_page": 10, "page": 2}, {"lead_unit": w.water.pk}):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, query).status_code == 200
            found[str(query)] = len(captured.captured_queries)
        return found

    for i in range(12):
        complaints.assigned(unit=w.water if i % 2 else w.town, code=f"S{i}")
    client.force_login(w.bureau)
    small = counts()
    for i in range(24):
        complaints.assigned(unit=w.water if i % 2 else w.town, code=f"L{i}")
    assert counts() == small
