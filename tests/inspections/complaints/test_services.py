"""Services and access of complaint cases: who may do what, the numbers of handling, case to task and back."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inspections import access
from inspections import services as core_services
from inspections.choices import CaseStatus, CaseVerdict, FindingSource, FollowUpResult, TaskStatus
from inspections.complaints import services
from inspections.errors import NotAllowed, ReasonRequired, ServiceError, TransitionNotAllowed

pytestmark = pytest.mark.django_db


def report(case, actor, **extra):
    values = dict(
        investigation="经现场核查，该厂夜间通过暗管排放未经处理的污水。",
        verdict=CaseVerdict.TRUE,
        handling="责令停产整改，立案处罚。",
        needs_rectification=True,
        penalty_cases=1,
        fine_amount="3.5",
    )
    values.update(extra)
    return services.case_report_investigation(actor=actor, case=case, **values)


def test_a_case_goes_from_assignment_to_sign_off(complaints):
    w = complaints.world
    case = complaints.assigned()
    assert case.status == CaseStatus.INVESTIGATING and case.lead_unit == w.water
    case = report(case, w.water_user)
    assert case.status == CaseStatus.STAGE_DONE
    assert (case.penalty_cases, case.fine_amount) == (1, Decimal("3.50"))
    case = services.case_close(actor=w.water_user, case=case)
    assert case.status == CaseStatus.DONE and case.closed_by == w.water_user and case.closed_on
    case = services.case_sign_off(actor=w.bureau, case=case)
    assert case.status == CaseStatus.SIGNED_OFF and case.signed_off_by == w.bureau
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["created", "assign", "report", "close", "sign_off"]


def test_handling_figures_are_numbers_and_checked(complaints):
    case = complaints.assigned()
    with pytest.raises(ValidationError) as caught:
        report(case, complaints.world.water_user, fine_amount="三万", detained=-1)
    assert {"fine_amount", "detained"} <= set(caught.value.message_dict)


def test_only_the_assigned_unit_reports(complaints):
    w = complaints.world
    case = complaints.assigned(unit=w.water)
    with pytest.raises(NotAllowed):
        report(case, w.town_user)
    # A unit below the assigned one is inside its subtree, but the lead unit's parent's user may report too.
    report(case, w.water_user)
    with pytest.raises(TransitionNotAllowed):
        services.case_sign_off(actor=w.water_user, case=case)


def test_a_unit_may_not_assign_or_follow_up(complaints):
    w = complaints.world
    case = complaints.case()
    with pytest.raises(NotAllowed):
        services.case_assign(actor=w.water_user, case=case, lead_unit=w.water)


def test_declining_needs_a_reason(complaints):
    case = complaints.case()
    with pytest.raises(ReasonRequired):
        services.case_decline(actor=complaints.world.bureau, case=case, reason=" ")
    case = services.case_decline(actor=complaints.world.bureau, case=case, reason="不属于本辖区")
    assert case.status == CaseStatus.DECLINED


def test_a_case_without_rectification_is_not_signed_off(complaints):
    w = complaints.world
    case = report(complaints.assigned(), w.water_user, verdict=CaseVerdict.FALSE, needs_rectification=False)
    case = services.case_close(actor=w.water_user, case=case)
    with pytest.raises(TransitionNotAllowed):
        services.case_sign_off(actor=w.bureau, case=case)


def test_units_see_only_cases_of_their_subtree(complaints):
    w = complaints.world
    water_case = complaints.assigned(unit=w.plant)
    town_case = complaints.assigned(unit=w.town)
    unassigned = complaints.case()
    assert set(access.visible_cases(w.water_user)) == {water_case}  # the plant is below the water dept
    assert set(access.visible_cases(w.plant_user)) == {water_case}
    assert set(access.visible_cases(w.town_user)) == {town_case}
    assert set(access.visible_cases(w.bureau)) == {water_case, town_case, unassigned}
    assert set(access.visible_cases(w.leader)) == {water_case, town_case, unassigned}
    from django.http import Http404

    with pytest.raises(Http404):
        access.access_case(w.town_user, water_case.pk)


def test_complainant_contact_is_bureau_only(complaints):
    w = complaints.world
    assert access.can_see_complainant(w.bureau) and access.can_see_complainant(w.admin)
    assert not access.can_see_complainant(w.leader)
    assert not access.can_see_complainant(w.water_user)


def test_follow_up_is_recorded(complaints):
    w = complaints.world
    case = report(complaints.assigned(), w.water_user)
    with pytest.raises(NotAllowed):
        services.case_follow_up(actor=w.water_user, case=case, result=FollowUpResult.SATISFIED)
    case = services.case_follow_up(actor=w.bureau, case=case, result=FollowUpResult.BASICALLY, note="电话回访")
    assert (case.follow_up_result, case.follow_up_by) == (FollowUpResult.BASICALLY, w.bureau)


def test_case_to_task_links_both_ways_and_closes_with_the_task(
    complaints, django_capture_on_commit_callbacks, eager_celery
):
    w = complaints.world
    case = report(complaints.assigned(), w.water_user)
    finding = services.case_to_task(actor=w.bureau, case=case, deadline_text="2024年12月31日前")
    case.refresh_from_db()
    assert case.finding == finding and list(finding.complaint_cases.all()) == [case]
    assert finding.source == FindingSource.COMPLAINT and finding.round == complaints.round
    task = finding.tasks.get()
    assert task.lead_unit == w.water
    with pytest.raises(ServiceError):
        services.case_to_task(actor=w.bureau, case=case, deadline_text="立行立改")
    with django_capture_on_commit_callbacks(execute=True):
        task = w.bring_to(task, TaskStatus.CLOSED)
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED_OFF
    assert case.events.filter(action="tasks_closed").exists()


def test_a_false_case_is_not_made_a_task(complaints):
    w = complaints.world
    case = report(complaints.assigned(), w.water_user, verdict=CaseVerdict.FALSE, needs_rectification=False)
    with pytest.raises(ServiceError):
        services.case_to_task(actor=w.bureau, case=case, deadline_text="立行立改")
    assert case.finding_id is None
