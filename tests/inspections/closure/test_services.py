"""Closure services: the five-step chain per role through the services, the acceptance record, public notice and
objections, sign-off by the responsible leader, percent rules, extensions, 回头看 and batch actions."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

import oracle
from accounts.choices import Role
from inspections import services
from inspections.choices import EventKind, ExtensionStatus, LookbackVerdict, ObjectionDecision
from inspections.choices import TaskStatus as S
from inspections.closure import selectors as closure_selectors
from inspections.closure import services as closure
from inspections.errors import NotAllowed, ReasonRequired, TransitionNotAllowed, WrongState
from inspections.models import Notification, RectificationTask, SignOffDelegation, TaskEvent

from .conftest import after_notice

ALLOWED = oracle.FIVE_STEP_TRANSITIONS
# Every move of the five-step table × every role through the services (the moves it has not are refused by the
# pure table test in test_chain.py, for every action × state × role).
CASES = [
    (action, source, role, role in roles)
    for ((action, source), (_target, roles, _reason)), role in itertools.product(ALLOWED.items(), Role.values)
]
ACCEPTORS = [{"name": "李工", "unit": "县生态环境局"}, {"name": "王工", "unit": "县水务局"}]
STANDARDS = {"measures_done": True, "violations_punished": True, "lessons_applied": True, "results_public": True}


@pytest.mark.parametrize(
    ("action", "source", "role", "is_allowed"), CASES, ids=[f"{a}-{s}-{r}" for a, s, r, _ in CASES]
)
def test_five_step_chain_every_move_per_role(closure, action, source, role, is_allowed):
    task = closure.walk_five(closure.task(), source)
    actor = closure.by_role(role)
    with after_notice(task) if task.notice_ends_on else _nothing():
        if not is_allowed:
            with pytest.raises(TransitionNotAllowed):
                services.task_transition(actor=actor, task=task, action=action, reason="理由充分")
            assert RectificationTask.objects.get(pk=task.pk).status == source
            return
        result = services.task_transition(actor=actor, task=task, action=action, reason="理由充分")
    assert result.status == ALLOWED[(action, source)][0]
    assert TaskEvent.objects.filter(task=task, action=action, from_status=source, to_status=result.status).exists()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_closure_request_keeps_the_rounds_chain(closure):
    task = closure.walk_five(closure.task(), S.SUBMITTED)
    assert [s["step"] for s in task.closure_chain] == ["accept", "notice", "sign", "recheck", "file"]


def test_closure_request_below_100_needs_a_reason(closure):
    task = closure.task()
    services.task_progress_add(actor=closure.water_user, task=task, text="完成主体", percent=40)
    services.task_evidence_add(actor=closure.water_user, task=task, files=[closure.pdf()], kind="photo")
    with pytest.raises(ReasonRequired):
        services.task_submit(actor=closure.water_user, task=task)
    services.task_progress_add(actor=closure.water_user, task=task, text="全部完成", percent=100)
    assert services.task_submit(actor=closure.water_user, task=task).status == S.SUBMITTED


def test_percent_goes_down_only_with_a_reason(closure):
    task = closure.task()
    services.task_progress_add(actor=closure.water_user, task=task, text="完成主体", percent=60)
    with pytest.raises(ValidationError) as caught:
        services.task_progress_add(actor=closure.water_user, task=task, text="重新核算", percent=40)
    assert "reason" in caught.value.message_dict
    services.task_progress_add(actor=closure.water_user, task=task, text="重新核算", percent=40, reason="管网长度核减")
    task.refresh_from_db()
    assert task.percent == 40
    assert "管网长度核减" in task.events.filter(kind=EventKind.PROGRESS).last().reason


def test_acceptance_keeps_the_percent_and_records_two_acceptors(closure):
    task = closure.walk_five(closure.task(), S.SUBMITTED)
    with pytest.raises(ValidationError):
        closure_accept(closure, task, acceptors=ACCEPTORS[:1])
    record = closure_accept(closure, task)
    task.refresh_from_db()
    assert (task.status, task.percent) == (S.VERIFIED, 0)
    assert record.acceptor_names == "李工（县生态环境局）、王工（县水务局）"
    assert all(s["met"] for s in record.standards)


def closure_accept(closure, task, *, conclusion="pass", acceptors=ACCEPTORS, opinion="", files=()):
    return closure.acceptance_record(task, conclusion=conclusion, acceptors=acceptors, opinion=opinion, files=files)


def test_failed_acceptance_sends_back_with_reasons(closure):
    task = closure.walk_five(closure.task(), S.SUBMITTED)
    with pytest.raises(ReasonRequired):
        closure_accept(closure, task, conclusion="fail")
    closure_accept(closure, task, conclusion="fail", opinion="雨污分流未完成", files=[closure.pdf()])
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS
    assert "雨污分流未完成" in task.events.filter(action="reject").last().reason
    assert task.acceptances.get().report.kind == "acceptance"


def test_notice_holds_the_task_until_its_end_and_objections_decide(closure):
    task = closure.walk_five(closure.task(), S.VERIFIED)
    notice = closure_services_notice(closure, task)
    task.refresh_from_db()
    assert (task.status, (task.notice_ends_on - task.notice_starts_on).days) == (S.IN_NOTICE, 6)
    with pytest.raises(NotAllowed, match="公示期"):
        services.task_close(actor=closure.leader, task=task)
    refused = closure.objection(notice, "整改不彻底")
    with after_notice(task), pytest.raises(NotAllowed, match="异议"):
        services.task_close(actor=closure.leader, task=task)
    closure.decide(refused, upheld=False, note="经核实已整改到位")
    assert refused.__class__.objects.get(pk=refused.pk).decision == ObjectionDecision.REFUSED
    upheld = closure.objection(notice, "仍有污水直排")
    closure.decide(upheld, upheld=True, note="现场核实属实")
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS
    assert "仍有污水直排" in task.events.filter(action="reject").last().reason


def closure_services_notice(closure, task):
    return closure_services().notice_start(
        actor=closure.bureau, task=task, where="县政府网站", link="http://x.gov.cn/1"
    )


def closure_services():
    return closure


def test_only_the_responsible_leader_or_a_delegate_signs(closure):
    task = closure.walk_five(closure.task(), S.IN_NOTICE)
    with after_notice(task):
        with pytest.raises(NotAllowed, match="责任领导"):
            services.task_close(actor=closure.other_leader, task=task)
        SignOffDelegation.objects.create(leader=closure.leader, delegate=closure.other_leader)
        task = closure.confirm(task, "close", actor=closure.other_leader, comment="同意销号")
    assert task.status == S.SIGNED
    assert task.events.filter(action="close").last().reason == "同意销号"


def test_the_acceptor_never_signs(closure):
    task = closure.bring_to(closure.plain_task(), S.SUBMITTED)
    services.task_verify(actor=closure.admin, task=task)
    with pytest.raises(NotAllowed, match="谁验收"):
        services.task_close(actor=closure.admin, task=task)


def test_extension_keeps_the_original_deadline_and_moves_overdue(closure):
    task = closure.task(deadline_text="2024年6月30日")
    today = dt.date(2024, 7, 10)
    assert RectificationTask.objects.overdue(today).filter(pk=task.pk).exists()
    with pytest.raises(ReasonRequired):
        closure.extension(task, "2024年12月31日", reason="")
    ext = closure.extension(task, "2024年12月31日", reason="汛期无法施工")
    with pytest.raises(WrongState):
        closure.extension(task, "2025年3月31日", reason="再延")
    closure.decide_extension(ext, approve=True)
    task.refresh_from_db()
    assert (task.original_deadline, task.deadline) == (dt.date(2024, 6, 30), dt.date(2024, 12, 31))
    assert task.original_deadline_text == "2024年6月30日"
    assert not RectificationTask.objects.overdue(today).filter(pk=task.pk).exists()
    assert closure_selectors.extensions_by_unit(RectificationTask.objects.all()) == {closure.water.pk: 1}


def test_refused_extension_needs_a_reason_and_changes_nothing(closure):
    task = closure.task(deadline_text="2024年6月30日")
    ext = closure.extension(task, "2024年12月31日", reason="汛期无法施工")
    with pytest.raises(ReasonRequired):
        closure.decide_extension(ext, approve=False)
    closure.decide_extension(ext, approve=False, note="理由不充分")
    task.refresh_from_db()
    assert (task.deadline, task.original_deadline, ext.__class__.objects.get().status) == (
        dt.date(2024, 6, 30),
        None,
        ExtensionStatus.REFUSED,
    )


def test_lookback_sample_is_repeatable_and_a_relapse_opens_a_linked_task(closure):
    closed = [closure.bring_to(closure.plain_task(), S.CLOSED) for _ in range(5)]
    first = closure_services().lookback_draw(actor=closure.bureau, name="2025年回头看", percentage=40, seed=7)
    again = closure_services().lookback_draw(actor=closure.bureau, name="复算", percentage=40, seed=7)
    ids = sorted(first.checks.values_list("task_id", flat=True))
    assert len(ids) == 2 and ids == sorted(again.checks.values_list("task_id", flat=True))
    assert first.seed == 7 and first.population == 5
    check = first.checks.first()
    Notification.objects.all().delete()
    closure_services().lookback_record(
        actor=closure.bureau,
        check=check,
        checked_on=timezone.localdate(),
        inspector="赵督察",
        verdict=LookbackVerdict.RELAPSE,
        note="河道再次出现黑臭",
        photos=[closure.pdf("现场.pdf")],
    )
    check.refresh_from_db()
    old = check.task
    old.refresh_from_db()
    assert old.status == S.CLOSED and old.signed_off_at is not None
    assert check.new_task.relapse_of == old and check.new_task.finding == old.finding
    assert Notification.objects.filter(recipient=closure.water_user, task=check.new_task).count() >= 1
    assert closure_selectors.relapses_by_unit(RectificationTask.objects.all()) == {old.lead_unit_id: 1}
    assert check.photos.count() == 1
    hand = closure_services().lookback_draw(actor=closure.bureau, name="点名", task_ids=[closed[0].pk])
    assert list(hand.checks.values_list("task_id", flat=True)) == [closed[0].pk] and hand.seed is None


def test_batch_sign_off_reports_each_refusal(closure):
    ready = [closure.bring_to(closure.plain_task(), S.VERIFIED) for _ in range(3)]
    not_ready = closure.bring_to(closure.plain_task(), S.SUBMITTED)
    other_leaders = closure.plain_task()
    other_leaders.finding.responsible_leader = closure.other_leader
    other_leaders.finding.save()
    other_leaders = closure.bring_to(other_leaders, S.VERIFIED)
    results = closure_services().batch_apply(
        actor=closure.leader,
        task_ids=[t.pk for t in [*ready, not_ready, other_leaders]],
        action="close",
        comment="同意",
    )
    assert [r.ok for r in results] == [True, True, True, False, False]
    assert "已申请销号" in results[3].message and "责任领导" in results[4].message
    assert RectificationTask.objects.filter(status=S.CLOSED).count() == 3


def test_remind_notifies_the_unit(closure):
    task = closure.task()
    assert closure_services().task_remind(actor=closure.bureau, task=task, message="请本周报送") == 1
    with pytest.raises(NotAllowed):
        closure_services().task_remind(actor=closure.water_user, task=task)
