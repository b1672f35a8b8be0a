"""The task services: every move of the workflow per role, the events they write, and what they refuse."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

import oracle
from accounts.choices import Role
from inspections import services
from inspections.choices import EventKind, EvidenceKind, NotificationKind
from inspections.choices import TaskStatus as S
from inspections.errors import (
    EvidenceRequired,
    NotAllowed,
    ReasonRequired,
    ServiceError,
    StaleVersion,
    TaskReadOnly,
    TransitionNotAllowed,
)
from inspections.models import Notification, ProgressUpdate, RectificationTask, TaskEvent

A, B, L, U = Role.ADMIN, Role.BUREAU, Role.LEADER, Role.UNIT

# The hand-written oracle (tests/oracle.py), independent of workflow.TRANSITIONS: (action, source) -> (target, roles).
ALLOWED = {key: (target, roles) for key, (target, roles, _reason) in oracle.TRANSITIONS.items()}
ACTIONS = list(oracle.ACTIONS)
CASES = [
    (action, source, role, role in ALLOWED.get((action, source), (None, ()))[1])
    for action, source, role in itertools.product(ACTIONS, oracle.DEFAULT_STATES, Role.values)
]


def snapshot(task):
    task = RectificationTask.objects.get(pk=task.pk)
    return (
        task.status,
        task.version,
        task.percent,
        task.completed_at,
        task.verified_at,
        task.signed_off_at,
        TaskEvent.objects.filter(task=task).count(),
    )


@pytest.mark.parametrize(
    ("action", "source", "role", "is_allowed"),
    CASES,
    ids=[f"{a}-{s}-{r}-{'ok' if ok else 'no'}" for a, s, r, ok in CASES],
)
def test_every_transition_per_role(ledger, action, source, role, is_allowed):
    task = ledger.bring_to(ledger.task(), source)
    actor = ledger.by_role(role)
    before = snapshot(task)
    events_before = set(TaskEvent.objects.filter(task=task).values_list("pk", flat=True))
    if not is_allowed:
        with pytest.raises(TransitionNotAllowed):
            services.task_transition(actor=actor, task=task, action=action, reason="理由充分")
        assert snapshot(task) == before
        return
    result = services.task_transition(actor=actor, task=task, action=action, reason="理由充分")
    target = ALLOWED[(action, source)][0]
    task.refresh_from_db()
    assert result.status == task.status == target
    assert task.version == before[1] + 1
    new_events = TaskEvent.objects.filter(task=task).exclude(pk__in=events_before)
    assert [(e.kind, e.action, e.from_status, e.to_status, e.actor_id, e.reason) for e in new_events] == [
        (EventKind.TRANSITION, action, source, target, actor.pk, "理由充分")
    ]


@pytest.mark.parametrize("action", ["start", "submit"])
def test_unit_user_of_another_unit_cannot_act(ledger, action):
    task = ledger.bring_to(ledger.task(), S.NOT_STARTED)
    services.task_evidence_add(actor=ledger.water_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    before = snapshot(task)
    with pytest.raises(NotAllowed):
        services.task_transition(actor=ledger.housing_user, task=task, action=action)
    assert snapshot(task) == before


def test_unit_user_of_a_parent_unit_may_submit_for_its_sub_unit(ledger):
    task = ledger.task(lead_unit=ledger.plant)
    services.task_evidence_add(actor=ledger.plant_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    task = services.task_submit(actor=ledger.water_user, task=task, reason="主体工程完工，扫尾中")
    assert task.status == S.SUBMITTED
    with pytest.raises(NotAllowed):
        services.task_submit(
            actor=ledger.plant_user, task=ledger.task(lead_unit=ledger.water), reason="主体工程完工，扫尾中"
        )


def test_cooperating_unit_reports_progress_but_cannot_submit(ledger):
    task = ledger.task(cooperating_units=[ledger.town])
    update = services.task_progress_add(actor=ledger.town_user, task=task, text="配合完成排查", percent=20)
    assert update.author == ledger.town_user
    services.task_evidence_add(actor=ledger.town_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    task.refresh_from_db()
    assert (task.status, task.percent) == (S.IN_PROGRESS, 20)
    before = snapshot(task)
    with pytest.raises(NotAllowed):
        services.task_submit(actor=ledger.town_user, task=task, reason="主体工程完工，扫尾中")
    assert snapshot(task) == before


def test_other_unit_cannot_report_progress_or_evidence(ledger):
    task = ledger.task()
    before = snapshot(task)
    with pytest.raises(NotAllowed):
        services.task_progress_add(actor=ledger.housing_user, task=task, text="越权报送", percent=50)
    with pytest.raises(NotAllowed):
        services.task_evidence_add(actor=ledger.housing_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    with pytest.raises(NotAllowed):
        services.task_progress_add(actor=ledger.leader, task=task, text="领导不报送进展", percent=50)
    assert snapshot(task) == before
    assert not ProgressUpdate.objects.filter(task=task).exists()
    assert not task.evidence.exists()


@pytest.mark.parametrize(
    ("action", "source"),
    [("reject", S.SUBMITTED), ("reject", S.VERIFIED), ("reopen", S.CLOSED), ("reopen", S.LONG_TERM)],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_and_reopen_need_a_reason(ledger, action, source, reason):
    task = ledger.bring_to(ledger.task(), source)
    before = snapshot(task)
    with pytest.raises(ReasonRequired) as excinfo:
        services.task_transition(actor=ledger.admin, task=task, action=action, reason=reason)
    assert excinfo.value.field == "reason"
    assert snapshot(task) == before


@pytest.mark.parametrize("source", [S.NOT_STARTED, S.IN_PROGRESS])
def test_submit_needs_evidence(ledger, source):
    task = ledger.task()
    if source == S.IN_PROGRESS:
        task = services.task_start(actor=ledger.water_user, task=task)
    before = snapshot(task)
    with pytest.raises(EvidenceRequired):
        services.task_submit(actor=ledger.water_user, task=task, reason="主体工程完工，扫尾中")
    assert snapshot(task) == before


def test_progress_on_not_started_task_starts_it(ledger):
    task = ledger.task()
    services.task_progress_add(actor=ledger.water_user, task=task, text="完成管网排查", percent=30, investment="12.5")
    task.refresh_from_db()
    assert (task.status, task.percent, task.investment, task.version) == (S.IN_PROGRESS, 30, Decimal("12.50"), 2)
    events = list(TaskEvent.objects.filter(task=task).values_list("kind", "action", "from_status", "to_status"))
    assert events == [
        (EventKind.CREATED, "", "", S.NOT_STARTED),
        (EventKind.TRANSITION, "start", S.NOT_STARTED, S.IN_PROGRESS),
        (EventKind.PROGRESS, "", "", ""),
    ]


def test_progress_keeps_investment_when_not_given_and_validates_input(ledger):
    task = ledger.task()
    services.task_progress_add(actor=ledger.water_user, task=task, text="第一阶段", percent=10, investment=8)
    services.task_progress_add(actor=ledger.water_user, task=task, text="第二阶段", percent=40)
    task.refresh_from_db()
    assert (task.percent, task.investment) == (40, Decimal("8.00"))
    before = snapshot(task)
    with pytest.raises(ValidationError) as excinfo:
        services.task_progress_add(actor=ledger.water_user, task=task, text=" ", percent=101, investment="-1")
    assert set(excinfo.value.message_dict) == {"text", "percent", "investment"}
    assert snapshot(task) == before
    assert ProgressUpdate.objects.filter(task=task).count() == 2


@pytest.mark.parametrize("status", [S.SUBMITTED, S.VERIFIED])
def test_no_progress_while_waiting_for_verification(ledger, status):
    task = ledger.bring_to(ledger.task(), status)
    before = snapshot(task)
    with pytest.raises(ServiceError):
        services.task_progress_add(actor=ledger.water_user, task=task, text="补充进展", percent=99)
    assert snapshot(task) == before


def test_long_term_task_still_gets_progress(ledger):
    task = ledger.bring_to(ledger.task(deadline_text="2024年底前完成，长期坚持"), S.LONG_TERM)
    services.task_progress_add(actor=ledger.water_user, task=task, text="持续巡查", percent=100)
    task.refresh_from_db()
    assert task.status == S.LONG_TERM


def test_closed_task_is_read_only(ledger):
    task = ledger.bring_to(ledger.task(), S.CLOSED)
    before = snapshot(task)
    with pytest.raises(TaskReadOnly):
        services.task_progress_add(actor=ledger.water_user, task=task, text="销号后补报", percent=100)
    with pytest.raises(TaskReadOnly):
        services.task_evidence_add(actor=ledger.bureau, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    with pytest.raises(TaskReadOnly):
        services.task_update(actor=ledger.bureau, task=task, goal="改目标")
    assert snapshot(task) == before
    assert task.evidence.count() == 1


def test_verify_keeps_the_reported_percent_and_sets_completion(ledger):
    # Acceptance never changes the reported percentage silently (issue 15 item 6).
    task = ledger.bring_to(ledger.task(), S.SUBMITTED)
    assert task.percent == 0
    task = services.task_verify(actor=ledger.bureau, task=task)
    task.refresh_from_db()
    assert task.percent == 0
    assert task.completed_at is not None and task.completed_at == task.verified_at
    assert task.verified_by == ledger.bureau


def test_close_records_sign_off_and_reopen_clears_it(ledger):
    task = ledger.bring_to(ledger.task(), S.CLOSED)
    task.refresh_from_db()
    assert task.signed_off_by == ledger.leader and task.signed_off_at is not None
    services.task_reopen(actor=ledger.admin, task=task, reason="复查发现问题反弹")
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS
    assert (task.signed_off_at, task.signed_off_by, task.verified_at, task.verified_by, task.completed_at) == (
        None,
        None,
        None,
        None,
        None,
    )
    event = TaskEvent.objects.filter(task=task).last()
    assert (event.action, event.reason, event.actor) == ("reopen", "复查发现问题反弹", ledger.admin)


def test_reject_returns_to_unit_with_reason_and_notifies_it(ledger):
    task = ledger.bring_to(ledger.task(), S.SUBMITTED)
    services.task_reject(actor=ledger.bureau, task=task, reason="佐证材料不全")
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS and task.verified_at is None
    note = Notification.objects.filter(recipient=ledger.water_user, kind=NotificationKind.WORKFLOW).first()
    assert note is not None and "佐证材料不全" in note.body


def test_submit_notifies_bureau_and_verify_notifies_responsible_leader(ledger):
    task = ledger.bring_to(ledger.task(), S.SUBMITTED)
    assert Notification.objects.filter(recipient=ledger.bureau, task=task).exists()
    services.task_verify(actor=ledger.bureau, task=task)
    assert Notification.objects.filter(recipient=ledger.leader, task=task).exists()


def test_stale_version_is_refused_and_nothing_saved(ledger):
    task = ledger.task()
    loaded_version = task.version
    services.task_progress_add(
        actor=ledger.water_user, task=task, text="第一次报送", percent=10, expected_version=loaded_version
    )
    before = snapshot(task)
    with pytest.raises(StaleVersion) as excinfo:
        services.task_progress_add(
            actor=ledger.water_user, task=task, text="过期表单", percent=60, expected_version=loaded_version
        )
    assert excinfo.value.status == 409
    with pytest.raises(StaleVersion):
        services.task_update(actor=ledger.bureau, task=task, goal="新目标", expected_version=loaded_version)
    with pytest.raises(StaleVersion):
        services.task_start(actor=ledger.bureau, task=task, expected_version=loaded_version)
    with pytest.raises(StaleVersion):
        services.task_evidence_add(
            actor=ledger.water_user,
            task=task,
            files=[ledger.pdf()],
            kind=EvidenceKind.PHOTO,
            expected_version=loaded_version,
        )
    assert snapshot(task) == before
    assert ProgressUpdate.objects.filter(task=task).count() == 1
    assert not task.evidence.exists()


def test_update_reparses_deadline_and_records_edit(ledger):
    task = ledger.task()
    task = services.task_update(
        actor=ledger.bureau,
        task=task,
        deadline_text="2025年6月底前",
        goal="新的整改目标",
        cooperating_units=[ledger.town],
        expected_version=task.version,
    )
    task.refresh_from_db()
    assert str(task.deadline) == "2025-06-30" and task.deadline_text == "2025年6月底前"
    assert task.version == 2
    assert list(task.cooperating_units.all()) == [ledger.town]
    event = TaskEvent.objects.filter(task=task, kind=EventKind.EDITED).get()
    assert event.actor == ledger.bureau and "整改时限" in event.reason and "整改目标" in event.reason
    # Nothing changed: no version bump, no event.
    services.task_update(actor=ledger.bureau, task=task, goal="新的整改目标")
    assert snapshot(task)[1] == 2
    with pytest.raises(NotAllowed):
        services.task_update(actor=ledger.water_user, task=task, goal="单位不能改")
    with pytest.raises(ValidationError):
        services.task_update(actor=ledger.bureau, task=task, deadline_text="尽快")


# --- atomicity: a failure inside a service leaves nothing behind ---------------------------------


class Boom(Exception):
    pass


def _explode(**kwargs):
    raise Boom


def test_failed_progress_leaves_nothing(ledger, monkeypatch):
    task = ledger.task()
    before = snapshot(task)
    monkeypatch.setattr(
        "inspections.services.tasks.record_event", lambda **kw: _explode() if kw["kind"] == EventKind.PROGRESS else None
    )
    with pytest.raises(Boom):
        services.task_progress_add(actor=ledger.water_user, task=task, text="写到一半失败", percent=50)
    assert snapshot(task) == before
    assert not ProgressUpdate.objects.filter(task=task).exists()


def test_failed_transition_leaves_nothing(ledger, monkeypatch):
    task = ledger.bring_to(ledger.task(), S.SUBMITTED)
    before = snapshot(task)
    monkeypatch.setattr("inspections.services.tasks.notify", _explode)
    with pytest.raises(Boom):
        services.task_verify(actor=ledger.bureau, task=task)
    assert snapshot(task) == before


def test_failed_evidence_upload_leaves_no_row_and_no_file(ledger, monkeypatch, settings):
    task = ledger.task()
    before = snapshot(task)
    monkeypatch.setattr("inspections.services.tasks.record_event", _explode)
    with pytest.raises(Boom):
        services.task_evidence_add(
            actor=ledger.water_user,
            task=task,
            files=[ledger.pdf("a.pdf"), ledger.pdf("b.pdf")],
            kind=EvidenceKind.PHOTO,
        )
    assert snapshot(task) == before
    assert not task.evidence.exists()
    assert [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == []


def test_one_bad_file_rejects_the_whole_upload(ledger, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections.errors import InvalidFile

    task = ledger.task()
    fake = SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidFile):
        services.task_evidence_add(
            actor=ledger.water_user, task=task, files=[ledger.pdf(), fake], kind=EvidenceKind.PHOTO
        )
    assert not task.evidence.exists()
    assert [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == []


def test_evidence_is_stored_under_a_random_name(ledger, settings):
    task = ledger.task()
    [evidence] = services.task_evidence_add(
        actor=ledger.water_user,
        task=task,
        files=[ledger.pdf("../../整改报告.pdf")],
        kind=EvidenceKind.ACCEPTANCE,
        description="验收",
    )
    assert evidence.original_name == "整改报告.pdf"
    assert evidence.file.name.startswith(f"evidence/{task.pk}/") and evidence.file.name.endswith(".pdf")
    assert (settings.MEDIA_ROOT / evidence.file.name).is_file()
    assert TaskEvent.objects.filter(task=task, kind=EventKind.EVIDENCE).count() == 1


def test_new_lead_unit_is_no_longer_a_cooperating_unit(ledger):
    task = ledger.task(cooperating_units=[ledger.town, ledger.housing])
    services.task_update(actor=ledger.bureau, task=task, lead_unit=ledger.town)
    task.refresh_from_db()
    assert task.lead_unit == ledger.town
    assert list(task.cooperating_units.all()) == [ledger.housing]
    assert task.version == 2
