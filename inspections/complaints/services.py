"""Every write of complaint cases (交办件): batches, assignment, investigation, closure, follow-up, to-task.

Same rules as the core services: keyword-only arguments, the acting user as `actor=`, atomic, the
case row locked, the move checked against complaints/workflow.py and inspections/access.py, a
ComplaintEvent written beside every change. Other features call what they need from here.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import Unit, User

from .. import services as core_services
from ..access import MANAGE_COMPLAINTS, can_report_case, require
from ..choices import (
    CASE_TRUE_VERDICTS,
    CaseStatus,
    CaseVerdict,
    Category,
    FindingSource,
    FollowUpResult,
    NotificationKind,
    PollutionType,
    RoundKind,
)
from ..errors import NotAllowed, ReasonRequired, ServiceError, StaleVersion
from ..models import ComplaintBatch, ComplaintCase, ComplaintEvent, InspectionRound
from ..reminders.services import date_after
from . import workflow
from .repeats import normalise

# Reply deadline of a batch when the file does not say: about 10 days for a central team, 7 for a provincial one.
REPLY_DAYS = {
    RoundKind.CENTRAL: 10,
    RoundKind.CENTRAL_LOOKBACK: 10,
    RoundKind.SPECIAL: 10,
    RoundKind.PROVINCIAL: 7,
    RoundKind.PROVINCIAL_LOOKBACK: 7,
    RoundKind.MUNICIPAL: 7,
}
CATEGORY_BY_POLLUTION = {
    PollutionType.WATER: Category.WATER,
    PollutionType.AIR: Category.AIR,
    PollutionType.SOIL: Category.SOIL,
    PollutionType.NOISE: Category.NOISE,
    PollutionType.ECOLOGY: Category.ECOLOGY,
    PollutionType.RADIATION: Category.OTHER,
    PollutionType.OTHER: Category.OTHER,
}
HANDLING_COUNTS = ("ordered_fix", "penalty_cases", "criminal_cases", "detained", "interviewed", "held_accountable")


def record_event(*, case, actor, action, from_status="", to_status="", note="", at=None) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note[:2000],
        at=at or timezone.now(),
    )


def reply_deadline(received_on: date, reply_days: int, working_days: bool) -> date:
    return date_after(received_on, reply_days, working_days=working_days)


def default_reply_days(inspection_round: InspectionRound) -> int:
    return REPLY_DAYS.get(inspection_round.kind, 10)


@transaction.atomic
def batch_get_or_create(
    *,
    actor,
    inspection_round: InspectionRound,
    number: int,
    received_on: date | None = None,
    reply_days: int | None = None,
    working_days: bool = False,
) -> tuple[ComplaintBatch, bool]:
    """The round's batch N (第N批), created with its reply deadline when new."""
    require(actor, MANAGE_COMPLAINTS)
    batch = ComplaintBatch.objects.filter(round=inspection_round, number=number).first()
    if batch is not None:
        return batch, False
    received_on = received_on or timezone.localdate()
    reply_days = reply_days or default_reply_days(inspection_round)
    batch = ComplaintBatch.objects.create(
        round=inspection_round,
        number=number,
        received_on=received_on,
        reply_days=reply_days,
        working_days=working_days,
        reply_deadline=reply_deadline(received_on, reply_days, working_days),
    )
    return batch, True


@transaction.atomic
def batch_update(
    *, actor, batch: ComplaintBatch, received_on: date, reply_days: int, working_days: bool
) -> ComplaintBatch:
    """Correct a batch's date received or reply period; the reply deadline (which drives the reminders and the
    overdue figures) is computed again. Each case of the batch notes the change in its event log."""
    require(actor, MANAGE_COMPLAINTS)
    batch = ComplaintBatch.objects.select_for_update().get(pk=batch.pk)
    if reply_days is None or reply_days < 1:
        raise ValidationError({"reply_days": _("办理时限至少为 1 天。")})
    deadline = reply_deadline(received_on, reply_days, working_days)
    before = batch.reply_deadline
    if (batch.received_on, batch.reply_days, batch.working_days) == (received_on, reply_days, working_days):
        return batch
    batch.received_on, batch.reply_days, batch.working_days = received_on, reply_days, working_days
    batch.reply_deadline = deadline
    batch.save(update_fields=["received_on", "reply_days", "working_days", "reply_deadline"])
    note = f"第{batch.number}批交办日期 {received_on:%Y-%m-%d}，反馈期限 {before:%Y-%m-%d} → {deadline:%Y-%m-%d}"
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(case=case, actor=actor, action="batch_changed", note=note, at=timezone.now())
        for case in batch.cases.only("pk")
    )
    return batch


@transaction.atomic
def case_create(*, actor, batch: ComplaintBatch, code: str, summary: str, **fields) -> ComplaintCase:
    """Register one case by hand (the import writes many at once under the same rules)."""
    require(actor, MANAGE_COMPLAINTS)
    allowed = {"seq", "channel", "region", "pollution_type", "is_key", "complainant", "complainant_contact"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown case fields: {sorted(unknown)}")
    case = ComplaintCase(batch=batch, round_id=batch.round_id, code=code, summary=summary, **fields)
    case.summary_normalised = normalise(summary)
    case.full_clean()
    case._history_user = actor
    case.save()
    record_event(case=case, actor=actor, action="created", to_status=case.status, note="登记交办件")
    return case


# What a person may type about a case (the inspectorate's data); everything else belongs to the workflow.
INTAKE_FIELDS = (
    "code",
    "seq",
    "channel",
    "summary",
    "region",
    "pollution_type",
    "is_key",
    "complainant",
    "complainant_contact",
)


@transaction.atomic
def case_add(
    *,
    actor,
    inspection_round: InspectionRound,
    batch_number: int,
    code: str,
    summary: str,
    received_on: date | None = None,
    **fields,
) -> ComplaintCase:
    """A case registered by hand (a complaint passed on by phone, a line the file missed): into batch N of the round
    (created when new), linked to its original when it repeats an earlier case (as the import does)."""
    from .repeats import find_repeats

    batch, _created = batch_get_or_create(
        actor=actor, inspection_round=inspection_round, number=batch_number, received_on=received_on
    )
    if "seq" not in fields or not fields["seq"]:
        last = batch.cases.order_by("-seq").values_list("seq", flat=True).first()
        fields["seq"] = (last or 0) + 1
    if ComplaintCase.objects.filter(batch=batch, code=(code or "").strip()).exists():
        raise ValidationError({"code": _("该批次已有受理编号为 %(code)s 的交办件。") % {"code": code}})
    case = case_create(actor=actor, batch=batch, code=(code or "").strip(), summary=(summary or "").strip(), **fields)
    case.batch = batch
    for link in find_repeats([case]):
        case.repeat_of_id, case.repeat_score = link.original_id, link.score
        case.save(update_fields=["repeat_of", "repeat_score"])
        original = ComplaintCase.objects.select_related("batch").get(pk=link.original_id)
        record_event(
            case=case, actor=actor, action="repeat", note=f"重复件：同第{original.batch.number}批 {original.code}"
        )
    return case


@transaction.atomic
def case_update(*, actor, case: ComplaintCase, expected_version=None, **fields) -> ComplaintCase:
    """Correct what the inspectorate sent (受理编号, text, place, type, channel, 重点件, complainant) by hand.

    The workflow's fields (status, unit, findings, closure, follow-up) are changed only by their own services;
    a case already 已销号 is closed for edits. The event log names every field changed."""
    require(actor, MANAGE_COMPLAINTS)
    unknown = set(fields) - set(INTAKE_FIELDS)
    if unknown:
        raise TypeError(f"not editable by hand: {sorted(unknown)}")
    case = _lock(case, expected_version)
    if case.status == CaseStatus.SIGNED_OFF:
        raise ServiceError(_("已销号的交办件不能修改。"))
    for name in ("code", "summary", "region", "complainant", "complainant_contact"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    changed = [name for name, value in fields.items() if getattr(case, name) != value]
    if not changed:
        return case
    for name in changed:
        setattr(case, name, fields[name])
    if "summary" in changed:
        case.summary_normalised = normalise(case.summary)
    case.full_clean()
    _save(case, [*changed, "summary_normalised"] if "summary" in changed else changed, actor)
    with translation.override(settings.LANGUAGE_CODE):  # the log is kept in the bureau's language
        labels = "、".join(str(ComplaintCase._meta.get_field(name).verbose_name) for name in changed)
    record_event(case=case, actor=actor, action="edited", note=f"修改：{labels}")
    return case


def _lock(case: ComplaintCase, expected_version=None) -> ComplaintCase:
    locked = (
        ComplaintCase.objects.select_for_update(of=("self",))
        .select_related("batch__round", "lead_unit")
        .get(pk=case.pk)
    )
    if expected_version not in (None, "") and int(expected_version) != locked.version:
        raise StaleVersion(_("该交办件已被他人修改，请刷新页面后再操作。"))
    return locked


def _save(case: ComplaintCase, fields, actor) -> None:
    case.version += 1
    case._history_user = actor
    case.save(update_fields=[*dict.fromkeys(fields), "version", "updated_at"])


def _move(case: ComplaintCase, actor, action: str, note: str = "") -> workflow.Transition:
    transition = workflow.check(actor, case, action)
    note = (note or "").strip()
    if transition.needs_reason and not note:
        label = workflow.ACTION_LABELS[action]
        raise ReasonRequired(_("执行“%(action)s”必须填写理由。") % {"action": label}, field="reason")
    previous = case.status
    case.status = transition.target
    record_event(case=case, actor=actor, action=action, from_status=previous, to_status=case.status, note=note)
    return transition


def _notify_unit(case: ComplaintCase, unit: Unit, title: str) -> None:
    core_services.notify(
        recipients=User.objects.filter(unit=unit, role=Role.UNIT, is_active=True),
        kind=NotificationKind.WORKFLOW,
        title=title[:200],
        body=f"反馈期限：{case.batch.reply_deadline:%Y-%m-%d}",
        url=case.get_absolute_url(),
    )


@transaction.atomic
def case_assign(
    *, actor, case: ComplaintCase, lead_unit: Unit, cooperating_units=(), expected_version=None
) -> ComplaintCase:
    """Pass the case to its responsible unit (转办), or change the unit while it is being investigated (改派)."""
    require(actor, MANAGE_COMPLAINTS)
    case = _lock(case, expected_version)
    if lead_unit is None:
        raise ValidationError({"lead_unit": _("请选择承办单位。")})
    action = workflow.Action.ASSIGN if case.status == CaseStatus.RECEIVED else workflow.Action.REASSIGN
    case.lead_unit = lead_unit
    _move(case, actor, action, note=f"承办单位：{lead_unit.name}")
    case.assigned_on = case.assigned_on or timezone.localdate()
    _save(case, ["lead_unit", "status", "assigned_on"], actor)
    case.cooperating_units.set([u for u in cooperating_units or () if u.pk != lead_unit.pk])
    _notify_unit(case, lead_unit, f"新转办交办件 {case.code}：{case.summary[:60]}")
    return case


def _count(value, field: str, errors: dict) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(value)
        if number < 0 or number > 1_000_000:
            raise ValueError
        return number
    except (TypeError, ValueError):
        errors[field] = _("请填写不小于 0 的整数。")
        return 0


def _amount(value, errors: dict) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        if amount < 0 or amount >= Decimal("1e10"):
            raise InvalidOperation
        return amount
    except (InvalidOperation, ValueError):
        errors["fine_amount"] = _("罚款金额应为不小于 0 的数字（万元）。")
        return Decimal("0")


@transaction.atomic
def case_report_investigation(
    *,
    actor,
    case: ComplaintCase,
    investigation: str,
    verdict: str,
    handling: str = "",
    needs_rectification: bool = False,
    accountability: str = "",
    disclosure_text: str = "",
    expected_version=None,
    **counts,
) -> ComplaintCase:
    """The unit's report (调查核实情况, 是否属实, 处理和整改情况, the handling numbers): 阶段性办结.

    May be reported again while the case is 阶段性办结 (the figures are replaced, not added)."""
    case = _lock(case, expected_version)
    if not can_report_case(actor, case):
        raise NotAllowed(_("只有承办单位或督察办可以报送该交办件的调查结果。"))
    errors = {}
    investigation = (investigation or "").strip()
    if not investigation:
        errors["investigation"] = _("请填写调查核实情况。")
    if verdict not in CaseVerdict.values:
        errors["verdict"] = _("请选择是否属实。")
    unknown = set(counts) - {*HANDLING_COUNTS, "fine_amount"}
    if unknown:
        raise TypeError(f"unknown handling fields: {sorted(unknown)}")
    values = {name: _count(counts.get(name), name, errors) for name in HANDLING_COUNTS}
    values["fine_amount"] = _amount(counts.get("fine_amount"), errors)
    if needs_rectification and verdict not in CASE_TRUE_VERDICTS:
        errors["needs_rectification"] = _("只有属实、基本属实或部分属实的交办件才需要整改。")
    if errors:
        raise ValidationError(errors)
    _move(case, actor, workflow.Action.REPORT, note=f"{CaseVerdict(verdict).label}：{investigation[:200]}")
    case.investigation = investigation
    case.verdict = verdict
    case.handling = (handling or "").strip()
    case.needs_rectification = bool(needs_rectification)
    case.accountability = (accountability or "").strip()
    case.disclosure_text = (disclosure_text or "").strip()
    for name, value in values.items():
        setattr(case, name, value)
    case.reported_at = timezone.now()
    _save(
        case,
        [
            "status",
            "investigation",
            "verdict",
            "handling",
            "needs_rectification",
            "accountability",
            "disclosure_text",
            "reported_at",
            *values,
        ],
        actor,
    )
    return case


@transaction.atomic
def case_close(*, actor, case: ComplaintCase, closed_on: date | None = None, note: str = "", expected_version=None):
    """办结: the handling is complete (a case needing rectification then waits for acceptance, 销号)."""
    case = _lock(case, expected_version)
    _move(case, actor, workflow.Action.CLOSE, note=note)
    case.closed_on = closed_on or timezone.localdate()
    case.closed_by = actor
    _save(case, ["status", "closed_on", "closed_by"], actor)
    return case


@transaction.atomic
def case_sign_off(*, actor, case: ComplaintCase, note: str = "", expected_version=None):
    case = _lock(case, expected_version)
    _move(case, actor, workflow.Action.SIGN_OFF, note=note)
    case.signed_off_at, case.signed_off_by = timezone.now(), actor
    _save(case, ["status", "signed_off_at", "signed_off_by"], actor)
    return case


@transaction.atomic
def case_return(*, actor, case: ComplaintCase, reason: str, expected_version=None):
    """退回重办: the report or the closure is not accepted; the unit investigates again."""
    case = _lock(case, expected_version)
    _move(case, actor, workflow.Action.RETURN, note=reason)
    case.closed_on = case.closed_by = None
    _save(case, ["status", "closed_on", "closed_by"], actor)
    if case.lead_unit_id:
        _notify_unit(case, case.lead_unit, f"交办件 {case.code} 被退回重办：{(reason or '')[:80]}")
    return case


@transaction.atomic
def case_decline(*, actor, case: ComplaintCase, reason: str, expected_version=None):
    """不予受理 (e.g. not this jurisdiction's, not an environmental matter): it leaves the 受理率's numerator."""
    case = _lock(case, expected_version)
    _move(case, actor, workflow.Action.DECLINE, note=reason)
    _save(case, ["status"], actor)
    return case


@transaction.atomic
def case_reopen(*, actor, case: ComplaintCase, reason: str, expected_version=None):
    case = _lock(case, expected_version)
    _move(case, actor, workflow.Action.REOPEN, note=reason)
    case.signed_off_at = case.signed_off_by = None
    _save(case, ["status", "signed_off_at", "signed_off_by"], actor)
    return case


TRANSITION_SERVICES = {
    workflow.Action.CLOSE: lambda **kw: case_close(**{k: v for k, v in kw.items() if k != "reason"}, note=kw["reason"]),
    workflow.Action.SIGN_OFF: lambda **kw: case_sign_off(
        **{k: v for k, v in kw.items() if k != "reason"}, note=kw["reason"]
    ),
    workflow.Action.RETURN: case_return,
    workflow.Action.DECLINE: case_decline,
    workflow.Action.REOPEN: case_reopen,
}


def case_transition(*, actor, case, action: str, reason: str = "", expected_version=None):
    """The case page's buttons: one of workflow.BUTTON_ACTIONS."""
    service = TRANSITION_SERVICES.get(action)
    if service is None:
        raise ServiceError(_("未知的操作。"))
    return service(actor=actor, case=case, reason=reason, expected_version=expected_version)


@transaction.atomic
def case_follow_up(
    *, actor, case: ComplaintCase, result: str, on: date | None = None, note: str = "", expected_version=None
) -> ComplaintCase:
    """回访: the complainant was called back after the case was concluded (满意 / 基本满意 / 不满意)."""
    require(actor, MANAGE_COMPLAINTS)
    case = _lock(case, expected_version)
    if case.status not in (CaseStatus.STAGE_DONE, CaseStatus.DONE, CaseStatus.SIGNED_OFF):
        raise ServiceError(_("交办件报送调查结果后才能登记回访。"))
    if result not in FollowUpResult.values:
        raise ValidationError({"result": _("请选择回访结果。")})
    case.follow_up_result = result
    case.follow_up_on = on or timezone.localdate()
    case.follow_up_by = actor
    case.follow_up_note = (note or "").strip()
    _save(case, ["follow_up_result", "follow_up_on", "follow_up_by", "follow_up_note"], actor)
    record_event(
        case=case, actor=actor, action="follow_up", note=f"回访：{FollowUpResult(result).label} {note}".strip()
    )
    return case


def check_can_make_task(actor, case: ComplaintCase) -> None:
    """Refuse as case_to_task would: the page asks before showing the button."""
    require(actor, MANAGE_COMPLAINTS)
    if case.finding_id:
        raise ServiceError(_("该交办件已转入整改台账。"))
    if case.verdict not in CASE_TRUE_VERDICTS or not case.needs_rectification:
        raise ServiceError(_("只有经核实属实（含基本属实、部分属实）且需要整改的交办件才能转为整改任务。"))
    if case.status not in (CaseStatus.STAGE_DONE, CaseStatus.DONE):
        raise ServiceError(_("交办件报送调查结果后才能转为整改任务。"))


@transaction.atomic
def case_to_task(
    *,
    actor,
    case: ComplaintCase,
    deadline_text: str,
    lead_unit: Unit | None = None,
    measures: str = "",
    goal: str = "",
    expected_version=None,
):
    """Make the case a finding (source 交办信访件) with one task in its round's ledger, linked both ways.

    The finding keeps the case (finding.complaint_cases); the case closes when the task is signed off."""
    case = _lock(case, expected_version)
    check_can_make_task(actor, case)
    lead_unit = lead_unit or case.lead_unit
    if lead_unit is None:
        raise ValidationError({"lead_unit": _("请选择牵头单位。")})
    finding = core_services.finding_create(
        actor=actor,
        inspection_round=case.batch.round,
        summary=f"【交办件 {case.code}】{case.summary}"[:500],
        description=case.investigation,
        category=CATEGORY_BY_POLLUTION.get(case.pollution_type, Category.OTHER),
        region=case.region[:100],
        source=FindingSource.COMPLAINT,
        tasks=[
            {
                "lead_unit": lead_unit,
                "deadline_text": deadline_text,
                "measures": measures or case.handling,
                "goal": goal,
                "cooperating_units": list(case.cooperating_units.all()),
            }
        ],
    )
    case.finding = finding
    _save(case, ["finding"], actor)
    record_event(case=case, actor=actor, action="to_task", note=f"转入整改台账：问题 {finding.number}")
    return finding


@transaction.atomic
def cases_sync_with_tasks(*, finding_id: int, actor_id: int | None = None) -> list[ComplaintCase]:
    """Close (销号) the cases made into this finding once every one of its tasks is signed off.

    Queued by the core's task services after a sign-off (by name, see inspections.background); safe to repeat."""
    from ..choices import TaskStatus
    from ..models import RectificationTask

    tasks = RectificationTask.objects.filter(finding_id=finding_id)
    if not tasks.exists() or tasks.exclude(status__in=(TaskStatus.CLOSED, TaskStatus.LONG_TERM)).exists():
        return []
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    closed = []
    for case in ComplaintCase.objects.filter(finding_id=finding_id).exclude(status=CaseStatus.SIGNED_OFF):
        case = _lock(case)
        transition = workflow.find(workflow.Action.TASKS_CLOSED, case.status)
        if transition is None:
            continue
        previous = case.status
        case.status = transition.target
        now = timezone.now()
        case.signed_off_at, case.signed_off_by = now, actor
        case.closed_on = case.closed_on or timezone.localdate()
        case.closed_by = case.closed_by or actor
        _save(case, ["status", "signed_off_at", "signed_off_by", "closed_on", "closed_by"], actor)
        record_event(
            case=case,
            actor=actor,
            action=workflow.Action.TASKS_CLOSED,
            from_status=previous,
            to_status=case.status,
            note="转入台账的整改任务已全部销号",
            at=now,
        )
        closed.append(case)
    return closed


# --- What other features and the commands read (they use this feature only through this module) ------


def disclosure_cases(*, user, round_id: int, batch_number: int | None = None):
    """The cases of a round's 公开一览表 (one batch or the whole stay), in publication order."""
    from ..access import VIEW_COMPLAINT_REPORTS, visible_cases

    require(user, VIEW_COMPLAINT_REPORTS)
    cases = visible_cases(user).filter(round_id=round_id)
    if batch_number:
        cases = cases.filter(batch__number=batch_number)
    return cases.order_by("batch__number", "seq", "pk")


def disclosure_write(*, user, round_id: int, batch_number: int | None, target) -> int:
    from .disclosure import disclosure_title, write_disclosure

    inspection_round = InspectionRound.objects.get(pk=round_id)
    cases = disclosure_cases(user=user, round_id=round_id, batch_number=batch_number)
    return write_disclosure(
        cases,
        target,
        title=disclosure_title(inspection_round.name, batch_number),
        bureau_name=getattr(settings, "BUREAU_NAME", ""),
    )
