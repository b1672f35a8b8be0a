"""/api/complaint-batches/ and /api/complaints/ × every role: the access rules of inspections.access, the moves of
complaints/workflow.py through the same services as the pages; another unit's case is a 404."""

from datetime import date

import pytest

from inspections.choices import CaseStatus
from inspections.complaints import services
from inspections.models import ComplaintCase

from .conftest import ROLES

pytestmark = pytest.mark.django_db

REPORT = {
    "investigation": "经现场核查，该厂夜间偷排属实，已责令停产整改",
    "verdict": "true",
    "needs_rectification": True,
    "handling": "责令停产整改，立案处罚 1 起，罚款 3.5 万元",
    "penalty_cases": 1,
    "fine_amount": "3.50",
}


class Cases:
    """A batch of the API world's round and cases walked into a status (assigned to the lead unit)."""

    def __init__(self, world):
        self.world = world
        self.batch, _ = services.batch_get_or_create(
            actor=world.bureau, inspection_round=world.round, number=1, received_on=date(2026, 5, 6)
        )
        self.n = 0

    def make(self, status: str, *, unit=None, complainant="") -> ComplaintCase:
        bureau = self.world.bureau
        self.n += 1
        case = services.case_create(
            actor=bureau,
            batch=self.batch,
            code=f"D{self.n:04d}",
            seq=self.n,
            summary=f"城东化工厂{self.n}号车间夜间偷排污水，河道发黑发臭",
            region="城东区",
            complainant=complainant,
            complainant_contact="13800000000" if complainant else "",
        )
        if status in (CaseStatus.RECEIVED, CaseStatus.DECLINED):
            if status == CaseStatus.DECLINED:
                services.case_decline(actor=bureau, case=case, reason="不属于本辖区")
            return ComplaintCase.objects.get(pk=case.pk)
        services.case_assign(actor=bureau, case=case, lead_unit=unit or self.world.lead_unit)
        if status == CaseStatus.INVESTIGATING:
            return ComplaintCase.objects.get(pk=case.pk)
        report = {k: v for k, v in REPORT.items()}
        services.case_report_investigation(actor=bureau, case=case, **report)
        if status == CaseStatus.STAGE_DONE:
            return ComplaintCase.objects.get(pk=case.pk)
        services.case_close(actor=bureau, case=case)
        if status == CaseStatus.DONE:
            return ComplaintCase.objects.get(pk=case.pk)
        services.case_sign_off(actor=self.world.leader, case=case)
        return ComplaintCase.objects.get(pk=case.pk)


@pytest.fixture
def cases(world):
    return Cases(world)


# url, the status it starts from, roles allowed, the status it leads to (None: unchanged), body.
# Unit users see a case only once it is assigned to their subtree: an unassigned case is a 404 for them.
ACTIONS = [
    ("assign", "investigating", {"admin", "bureau"}, "investigating", {"lead_unit": "LEAD"}),
    ("report", "investigating", {"admin", "bureau", "unit"}, "stage_done", REPORT),
    ("close", "stage_done", {"admin", "bureau", "unit"}, "done", {}),
    ("sign-off", "done", {"admin", "bureau", "leader"}, "signed_off", {}),
    ("return", "stage_done", {"admin", "bureau"}, "investigating", {"reason": "调查不充分"}),
    ("decline", "received", {"admin", "bureau"}, "declined", {"reason": "不属于本辖区"}),
    ("reopen", "signed_off", {"admin"}, "investigating", {"reason": "群众再次投诉"}),
    ("follow-up", "stage_done", {"admin", "bureau"}, None, {"result": "satisfied", "note": "电话回访"}),
    ("to-task", "stage_done", {"admin", "bureau"}, None, {"deadline_text": "2026年12月底前"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action,source,allowed,target,body", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_case_action_by_role(world, cases, client_for, role, action, source, allowed, target, body):
    case = cases.make(source)
    body = {k: (world.lead_unit.pk if v == "LEAD" else v) for k, v in body.items()}
    body["expected_version"] = case.version
    response = client_for(role).post(f"/api/complaints/{case.pk}/{action}/", body, format="json")
    after = ComplaintCase.objects.get(pk=case.pk)
    if role in allowed:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == (target or source) == after.status
        assert response.json()["version"] == after.version > case.version
        if action == "follow-up":
            assert after.follow_up_result == "satisfied"
        if action == "to-task":
            assert after.finding_id and response.json()["finding"] == after.finding_id
            assert after.finding.tasks.get().lead_unit == world.lead_unit
        return
    unassigned = source == "received"
    sees = role in ("admin", "bureau", "leader") or (role == "unit" and not unassigned)
    expected = 401 if role == "anonymous" else (403 if sees else 404)
    assert response.status_code == expected, response.json()
    assert after.status == source and after.version == case.version


def test_unit_reports_with_handling_figures(world, cases, client_for):
    case = cases.make("investigating")
    response = client_for("unit").post(
        f"/api/complaints/{case.pk}/report/",
        {**REPORT, "detained": 2, "expected_version": case.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["verdict"], body["penalty_cases"], body["fine_amount"], body["detained"]) == ("true", 1, "3.50", 2)
    assert body["available_actions"] == ["close"]


def test_reason_is_required(world, cases, client_for):
    case = cases.make("stage_done")
    response = client_for("bureau").post(
        f"/api/complaints/{case.pk}/return/", {"reason": "", "expected_version": case.version}, format="json"
    )
    assert response.status_code == 400 and response.json()["field"] == "reason"


def test_stale_version_is_a_conflict(world, cases, client_for):
    case = cases.make("investigating")
    response = client_for("unit").post(
        f"/api/complaints/{case.pk}/report/", {**REPORT, "expected_version": case.version - 1 or 99}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "stale"


def test_writes_require_the_version(world, cases, client_for):
    case = cases.make("stage_done")
    response = client_for("unit").post(f"/api/complaints/{case.pk}/close/", {}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "expected_version"


def test_assign_offers_only_units_the_user_may_see(world, cases, client_for):
    """A unit id outside the choices is "invalid", the same answer as one that does not exist."""
    case = cases.make("received")
    response = client_for("bureau").post(
        f"/api/complaints/{case.pk}/assign/",
        {"lead_unit": 999999, "expected_version": case.version},
        format="json",
    )
    assert response.status_code == 400 and response.json()["field"] == "lead_unit"


def test_list_and_detail_by_role(world, cases, client_for):
    mine = cases.make("investigating", complainant="张三")
    theirs = cases.make("investigating", unit=world.other_unit)
    unassigned = cases.make("received")
    every = {mine.pk, theirs.pk, unassigned.pk}
    expected = {
        "admin": every,
        "bureau": every,
        "leader": every,
        "unit": {mine.pk},
        "other_unit": {theirs.pk},
    }
    for role, ids in expected.items():
        client = client_for(role)
        listed = client.get("/api/complaints/").json()["results"]
        assert {c["id"] for c in listed} == ids, role
        for case in (mine, theirs, unassigned):
            status = client.get(f"/api/complaints/{case.pk}/").status_code
            assert status == (200 if case.pk in ids else 404), (role, case.code)
        batches = client.get("/api/complaint-batches/").json()["results"]
        assert [b["id"] for b in batches] == [cases.batch.pk], role
        assert client.get(f"/api/complaint-batches/{cases.batch.pk}/").status_code == 200
    assert client_for("anonymous").get("/api/complaints/").status_code == 401


def test_batch_of_another_unit_is_a_404(world, cases, client_for):
    other_batch, _ = services.batch_get_or_create(actor=world.bureau, inspection_round=world.round, number=2)
    services.case_assign(
        actor=world.bureau,
        case=services.case_create(actor=world.bureau, batch=other_batch, code="X0001", summary="外单位交办件"),
        lead_unit=world.other_unit,
    )
    assert client_for("unit").get(f"/api/complaint-batches/{other_batch.pk}/").status_code == 404
    assert client_for("other_unit").get(f"/api/complaint-batches/{other_batch.pk}/").status_code == 200


def test_complainant_only_for_bureau_staff(world, cases, client_for):
    case = cases.make("investigating", complainant="张三")
    for role, seen in [("admin", "张三"), ("bureau", "张三"), ("leader", None), ("unit", None)]:
        body = client_for(role).get(f"/api/complaints/{case.pk}/").json()
        assert body["complainant"] == seen, role
        assert body["complainant_contact"] == ("13800000000" if seen else None), role


def test_list_filters_are_the_pages(world, cases, client_for):
    cases.make("investigating")
    repeat_source = cases.make("received")
    client = client_for("bureau")
    listed = client.get("/api/complaints/", {"unassigned": "true"}).json()["results"]
    assert [c["id"] for c in listed] == [repeat_source.pk]
    assert client.get("/api/complaints/", {"status": "investigating"}).json()["count"] == 1
    # Another unit's id is not a choice for a unit user: invalid, like one that does not exist.
    response = client_for("unit").get("/api/complaints/", {"lead_unit": world.other_unit.pk})
    assert response.status_code == 400


def test_list_query_count_is_constant(world, cases, client_for, django_assert_max_num_queries):
    for _ in range(3):
        cases.make("investigating")
    client = client_for("bureau")
    client.get("/api/complaints/")  # warm-up (content types, sessions)
    with django_assert_max_num_queries(8) as small:
        client.get("/api/complaints/")
    for _ in range(12):
        cases.make("stage_done")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/api/complaints/")
