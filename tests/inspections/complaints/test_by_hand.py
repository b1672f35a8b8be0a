"""A case added and corrected by hand (bureau staff): the services case_add / case_update, their pages, the event log."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inspections.choices import CaseChannel, CaseStatus, CaseVerdict, PollutionType
from inspections.complaints import services
from inspections.errors import NotAllowed, ServiceError, StaleVersion
from inspections.models import ComplaintBatch, ComplaintCase

pytestmark = pytest.mark.django_db

TEXT = "城东区金桥化工有限公司夜间排放刺鼻废气，周边小区居民晚上不敢开窗。"


def test_case_add_makes_the_batch_numbers_the_case_and_links_a_repeat(complaints):
    bureau = complaints.world.bureau
    original = complaints.case(summary=TEXT, region="城东区")  # batch 1, 序号 1
    case = services.case_add(
        actor=bureau,
        inspection_round=complaints.round,
        batch_number=2,
        received_on=date(2024, 5, 9),
        code="D0101",
        summary="反映城东区金桥化工有限公司晚上偷排刺鼻废气，周边小区居民不敢开窗！",
        region="城东区",
        pollution_type=PollutionType.AIR,
        channel=CaseChannel.PHONE,
    )
    batch = ComplaintBatch.objects.get(round=complaints.round, number=2)
    assert case.batch == batch and batch.received_on == date(2024, 5, 9) and batch.reply_deadline > batch.received_on
    assert case.seq == 1 and case.status == CaseStatus.RECEIVED
    assert case.repeat_of == original and case.repeat_score
    assert list(case.events.values_list("action", flat=True)) == ["created", "repeat"]
    # The next one in the same batch comes after it; the same 受理编号 twice in a batch is refused on its field.
    second = services.case_add(
        actor=bureau, inspection_round=complaints.round, batch_number=2, code="D0102", summary="南山镇采石场粉尘"
    )
    assert second.seq == 2 and second.repeat_of is None
    with pytest.raises(ValidationError) as refused:
        services.case_add(actor=bureau, inspection_round=complaints.round, batch_number=2, code="D0102", summary="x")
    assert "code" in refused.value.message_dict


def test_case_add_is_for_bureau_staff(complaints):
    with pytest.raises(NotAllowed):
        services.case_add(
            actor=complaints.world.water_user, inspection_round=complaints.round, batch_number=1, code="X", summary="x"
        )


def test_case_update_changes_intake_fields_only_and_logs_them(complaints):
    bureau = complaints.world.bureau
    case = complaints.case()
    updated = services.case_update(
        actor=bureau,
        case=case,
        expected_version=case.version,
        summary="  城东污水处理厂夜间偷排，河道发黑  ",
        region="城东区",  # unchanged
        is_key=True,
    )
    assert updated.summary == "城东污水处理厂夜间偷排，河道发黑" and updated.is_key
    assert updated.summary_normalised == "城东污水处理厂夜间偷排河道发黑"
    assert updated.version == case.version + 1
    event = updated.events.order_by("-pk").first()
    assert event.action == "edited" and event.actor == bureau
    assert "交办问题基本情况" in event.note and "重点件" in event.note and "行政区域" not in event.note
    # Nothing changed: no new version, no event.
    again = services.case_update(actor=bureau, case=updated, is_key=True)
    assert again.version == updated.version and updated.events.count() == 2
    # The workflow's fields are not typed in by hand.
    with pytest.raises(TypeError):
        services.case_update(actor=bureau, case=updated, status=CaseStatus.DONE)
    with pytest.raises(StaleVersion):
        services.case_update(actor=bureau, case=updated, expected_version=case.version, region="城南区")
    with pytest.raises(NotAllowed):
        services.case_update(actor=complaints.world.water_user, case=updated, region="城南区")


def test_case_update_keeps_codes_unique_and_closed_cases_closed(complaints):
    w = complaints.world
    complaints.case(code="D0001")
    other = complaints.case(code="D0002")
    with pytest.raises(ValidationError):
        services.case_update(actor=w.bureau, case=other, code="D0001")
    case = services.case_report_investigation(
        actor=w.water_user, case=complaints.assigned(), investigation="已核实", verdict=CaseVerdict.FALSE
    )
    case = services.case_close(actor=w.water_user, case=case)
    ComplaintCase.objects.filter(pk=case.pk).update(status=CaseStatus.SIGNED_OFF)
    with pytest.raises(ServiceError):
        services.case_update(actor=w.bureau, case=ComplaintCase.objects.get(pk=case.pk), region="城南区")


def form_data(**extra):
    return {
        "code": "D0900",
        "channel": CaseChannel.LETTER,
        "summary": "北山镇石料厂粉尘污染严重",
        "region": "北山镇",
        "pollution_type": PollutionType.AIR,
        "complainant": "张先生",
        "complainant_contact": "13800000000",
        **extra,
    }


def test_bureau_adds_a_case_on_the_page(complaints, client):
    client.force_login(complaints.world.bureau)
    assert client.get(reverse("inspections:complaint_add")).status_code == 200
    response = client.post(
        reverse("inspections:complaint_add"),
        form_data(inspection_round=complaints.round.pk, batch_number=4, received_on="2024-05-10"),
    )
    case = ComplaintCase.objects.get(code="D0900")
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.batch.number == 4 and case.complainant_contact == "13800000000"
    assert case.events.get().action == "created"
    # A missing text comes back on its field, nothing written.
    response = client.post(
        reverse("inspections:complaint_add"),
        form_data(inspection_round=complaints.round.pk, batch_number=4, summary=""),
    )
    assert response.status_code == 400 and response.context["form"].errors["summary"]
    assert ComplaintCase.objects.count() == 1


def test_bureau_edits_a_case_on_the_page_and_a_stale_page_is_refused(complaints, client):
    case = complaints.case()
    client.force_login(complaints.world.bureau)
    url = reverse("inspections:complaint_edit", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"]["code"].value() == case.code
    detail = client.get(case.get_absolute_url()).content.decode()
    assert url in detail
    response = client.post(url, form_data(code=case.code, seq=case.seq, version=case.version, region="城北区"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.region == "城北区" and case.channel == CaseChannel.LETTER
    assert case.events.order_by("-pk").first().action == "edited"
    stale = client.post(url, form_data(code=case.code, version=case.version - 1, region="城南区"))
    assert stale.status_code == 400
    case.refresh_from_db()
    assert case.region == "城北区"


def test_only_bureau_staff_get_the_pages(complaints, client):
    w = complaints.world
    case = complaints.assigned()  # the water department's
    for user, add, edit in ((w.leader, 403, 403), (w.water_user, 403, 403), (w.town_user, 403, 404)):
        client.force_login(user)
        assert client.get(reverse("inspections:complaint_add")).status_code == add
        assert client.get(reverse("inspections:complaint_edit", args=[case.pk])).status_code == edit
        assert client.post(reverse("inspections:complaint_edit", args=[case.pk]), form_data()).status_code == edit
    client.force_login(w.leader)
    assert (
        reverse("inspections:complaint_edit", args=[case.pk])
        not in client.get(case.get_absolute_url()).content.decode()
    )


def test_batch_update_moves_the_reply_deadline_and_tells_each_case(complaints):
    bureau = complaints.world.bureau
    cases = [complaints.case(), complaints.case()]
    batch = services.batch_update(
        actor=bureau, batch=complaints.batch, received_on=date(2024, 5, 7), reply_days=10, working_days=True
    )
    assert batch.reply_deadline > date(2024, 5, 17)  # ten working days: at least two weekends later
    for case in cases:
        assert case.events.filter(action="batch_changed").count() == 1
    # The same values again change nothing and log nothing.
    services.batch_update(actor=bureau, batch=batch, received_on=date(2024, 5, 7), reply_days=10, working_days=True)
    assert cases[0].events.filter(action="batch_changed").count() == 1
    with pytest.raises(ValidationError):
        services.batch_update(actor=bureau, batch=batch, received_on=date(2024, 5, 7), reply_days=0, working_days=False)
    with pytest.raises(NotAllowed):
        services.batch_update(
            actor=complaints.world.water_user,
            batch=batch,
            received_on=date(2024, 5, 7),
            reply_days=3,
            working_days=False,
        )
