"""Evidence after the closure request, withdrawal of a mistaken file, and sign-off by someone other than the verifier."""

import pytest

from accounts.choices import Role
from accounts.services import user_create
from inspections import services, workflow
from inspections.choices import EventKind, EvidenceKind
from inspections.choices import TaskStatus as S
from inspections.errors import EvidenceRequired, NotAllowed, ReasonRequired, TaskReadOnly, WrongState
from inspections.models import Evidence

pytestmark = pytest.mark.django_db


def add(ledger, task, actor=None, name="现场照片.pdf"):
    return services.task_evidence_add(
        actor=actor or ledger.water_user, task=task, files=[ledger.pdf(name)], kind=EvidenceKind.PHOTO
    )


@pytest.mark.parametrize("status", [S.SUBMITTED, S.VERIFIED])
def test_unit_cannot_add_evidence_after_the_closure_request(ledger, status):
    task = ledger.bring_to(ledger.task(), status)
    with pytest.raises(WrongState, match="不能再上传"):
        add(ledger, task)
    assert task.evidence.count() == 1


@pytest.mark.parametrize("status", [S.SUBMITTED, S.VERIFIED])
def test_bureau_may_file_the_acceptance_report_while_checking(ledger, status):
    task = ledger.bring_to(ledger.task(), status)
    add(ledger, task, actor=ledger.bureau, name="验收意见.pdf")
    assert task.evidence.count() == 2


def test_evidence_states_are_data_next_to_the_transition_table():
    assert not workflow.evidence_allowed(S.SUBMITTED, Role.UNIT)
    assert not workflow.evidence_allowed(S.VERIFIED, Role.UNIT)
    assert workflow.evidence_allowed(S.IN_PROGRESS, Role.UNIT)
    assert not any(workflow.evidence_allowed(S.CLOSED, role) for role in Role.values)
    assert not any(workflow.evidence_allowed(state, Role.LEADER) for state in S.values)


def test_withdraw_keeps_the_file_marks_it_and_writes_the_timeline(ledger):
    task = ledger.bring_to(ledger.task(), S.IN_PROGRESS)
    evidence = task.evidence.get()
    with pytest.raises(ReasonRequired):
        services.evidence_withdraw(actor=ledger.water_user, evidence=evidence, reason="  ")
    withdrawn = services.evidence_withdraw(actor=ledger.water_user, evidence=evidence, reason="传错了文件")
    assert withdrawn.is_withdrawn and withdrawn.withdrawn_by == ledger.water_user
    stored = Evidence.objects.get(pk=evidence.pk)  # still there, same bytes
    assert (stored.withdrawal_reason, stored.sha256, stored.file.name) == (
        "传错了文件",
        evidence.sha256,
        evidence.file.name,
    )
    assert stored.file.storage.exists(stored.file.name)
    event = task.events.order_by("-at", "-id").first()
    assert (
        event.kind == EventKind.EVIDENCE_WITHDRAWN and "传错了文件" in event.reason and "验收报告.pdf" in event.reason
    )
    with pytest.raises(WrongState):
        services.evidence_withdraw(actor=ledger.bureau, evidence=stored, reason="再撤一次")


def test_a_withdrawn_file_does_not_count_for_the_closure_request(ledger):
    task = ledger.bring_to(ledger.task(), S.IN_PROGRESS)
    services.evidence_withdraw(actor=ledger.water_user, evidence=task.evidence.get(), reason="传错了文件")
    with pytest.raises(EvidenceRequired):
        services.task_submit(actor=ledger.water_user, task=task, reason="主体工程完工，扫尾中")


def test_only_the_uploading_unit_or_the_bureau_withdraws(ledger):
    task = ledger.bring_to(ledger.task(cooperating_units=[ledger.town]), S.IN_PROGRESS)
    evidence = task.evidence.get()  # uploaded by the water department
    for outsider in (ledger.town_user, ledger.housing_user, ledger.leader, ledger.plant_user):
        with pytest.raises(NotAllowed):
            services.evidence_withdraw(actor=outsider, evidence=evidence, reason="不是我的")
    services.evidence_withdraw(actor=ledger.bureau, evidence=evidence, reason="督察办核查：非本任务材料")
    assert Evidence.objects.get(pk=evidence.pk).withdrawn_by == ledger.bureau


def test_unit_cannot_withdraw_after_the_request_nor_anyone_after_sign_off(ledger):
    task = ledger.bring_to(ledger.task(), S.SUBMITTED)
    with pytest.raises(WrongState):
        services.evidence_withdraw(actor=ledger.water_user, evidence=task.evidence.get(), reason="晚了")
    closed = ledger.bring_to(ledger.task(), S.CLOSED)
    with pytest.raises(TaskReadOnly):
        services.evidence_withdraw(actor=ledger.admin, evidence=closed.evidence.get(), reason="销号后")


def test_the_verifier_cannot_sign_off_another_leader_can(ledger):
    task = ledger.bring_to(ledger.task(), S.SUBMITTED)
    services.task_verify(actor=ledger.admin, task=task)
    for action in ("close", "keep_long_term"):
        with pytest.raises(NotAllowed, match="谁验收、谁负责"):
            services.task_transition(actor=ledger.admin, task=task, action=action)
    closed = services.task_close(actor=ledger.leader, task=task)
    assert (closed.status, closed.verified_by, closed.signed_off_by) == (S.CLOSED, ledger.admin, ledger.leader)


def test_the_verifier_cannot_sign_off_with_a_second_account(ledger):
    ledger.bureau.email = "wang@example.org"
    ledger.bureau.save()
    second = user_create(username="wang-leader", password=None, role=Role.LEADER, email="Wang@example.org")
    task = ledger.bring_to(ledger.task(), S.VERIFIED)  # verified by ledger.bureau
    with pytest.raises(NotAllowed, match="谁验收、谁负责"):
        services.task_close(actor=second, task=task)
