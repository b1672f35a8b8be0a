"""The complaint models in the admin: a case added through case_create and corrected through case_update (in its
event log), the workflow's fields read-only, batches and the event log never written there, nothing deleted."""

from datetime import date

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.services import user_role_group_sync
from inspections.choices import CaseStatus, CaseVerdict, PollutionType
from inspections.complaints import services
from inspections.complaints.admin import WORKFLOW_FIELDS
from inspections.models import ComplaintBatch, ComplaintCase, ComplaintEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(complaints):
    user = complaints.world.bureau
    user_role_group_sync(user)
    user.refresh_from_db()
    return user


def case_admin():
    return admin.site._registry[ComplaintCase]


def test_models_are_registered_and_pages_open(complaints, staff, client):
    case = complaints.assigned()
    client.force_login(staff)
    for model, obj in ((ComplaintCase, case), (ComplaintBatch, case.batch), (ComplaintEvent, case.events.first())):
        prefix = f"admin:inspections_{model._meta.model_name}"
        assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
        assert client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
    assert client.get(reverse("admin:inspections_complaintcase_changelist"), {"q": case.code}).status_code == 200


def test_admin_edit_goes_through_case_update_and_the_event_log(complaints, staff, client):
    case = complaints.assigned()
    client.force_login(staff)
    url = reverse("admin:inspections_complaintcase_change", args=[case.pk])
    data = {
        "batch": case.batch_id,
        "code": case.code,
        "seq": case.seq,
        "channel": case.channel,
        "summary": case.summary,
        "region": "城北区",
        "pollution_type": PollutionType.WATER,
        "complainant": "",
        "complainant_contact": "",
        "expected_version": case.version,
        # The read-only fields are not in the form: posting them changes nothing.
        "status": CaseStatus.DONE,
        "verdict": CaseVerdict.TRUE,
        "complaintevent_set-TOTAL_FORMS": "0",
        "complaintevent_set-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.region == "城北区" and case.pollution_type == PollutionType.WATER
    assert case.status == CaseStatus.INVESTIGATING and case.verdict == ""
    event = case.events.order_by("-pk").first()
    assert event.action == "edited" and event.actor == staff and "行政区域" in event.note
    # A page left open across someone else's change is refused, nothing written.
    client.post(url, {**data, "region": "城南区", "expected_version": case.version - 1})
    case.refresh_from_db()
    assert case.region == "城北区"


def test_admin_add_goes_through_case_create(complaints, staff, client):
    client.force_login(staff)
    response = client.post(
        reverse("admin:inspections_complaintcase_add"),
        {
            "batch": complaints.batch.pk,
            "code": "A0001",
            "seq": 7,
            "channel": "phone",
            "summary": "南山镇红旗村养猪场粪污直排",
            "region": "南山镇",
            "pollution_type": PollutionType.WATER,
            "complainant": "",
            "complainant_contact": "",
        },
    )
    assert response.status_code == 302
    case = ComplaintCase.objects.get(code="A0001")
    assert case.summary_normalised and case.events.get().action == "created"


def test_workflow_fields_are_read_only_and_nothing_is_deleted(complaints, staff):
    request = RequestFactory().get("/")
    request.user = staff
    case = complaints.assigned()
    model_admin = case_admin()
    readonly = set(model_admin.get_readonly_fields(request, case))
    assert set(WORKFLOW_FIELDS) <= readonly and "batch" in readonly and "summary" not in readonly
    assert not model_admin.has_delete_permission(request, case)
    ComplaintCase.objects.filter(pk=case.pk).update(status=CaseStatus.SIGNED_OFF)
    closed = ComplaintCase.objects.get(pk=case.pk)
    assert not model_admin.has_change_permission(request, closed)
    events = admin.site._registry[ComplaintEvent]
    assert not events.has_add_permission(request)
    assert not events.has_change_permission(request) and not events.has_delete_permission(request)
    batches = admin.site._registry[ComplaintBatch]
    assert not batches.has_add_permission(request) and not batches.has_delete_permission(request)


def test_admin_batch_edit_goes_through_batch_update(complaints, staff, client):
    case = complaints.assigned()
    batch = case.batch
    client.force_login(staff)
    url = reverse("admin:inspections_complaintbatch_change", args=[batch.pk])
    management = {"cases-TOTAL_FORMS": "0", "cases-INITIAL_FORMS": "0"}
    # A reply period of 0 days is a form error, nothing written.
    response = client.post(url, {"received_on": "2024-05-08", "reply_days": "0", **management})
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.received_on == date(2024, 5, 6)
    response = client.post(url, {"received_on": "2024-05-08", "reply_days": "5", **management})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.received_on, batch.reply_days, batch.reply_deadline) == (date(2024, 5, 8), 5, date(2024, 5, 13))
    event = case.events.order_by("-pk").first()
    assert event.action == "batch_changed" and "2024-05-13" in event.note and event.actor == staff
