"""Writes of the closure feature. Every move of a task goes through the core's task_transition (the
transition table and its rules); these services add the record each step keeps (who, when, what they found)."""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User

from .. import services, workflow
from ..access import RECORD_CLOSURE, REMIND, access_task, can_request_extension, require
from ..choices import (
    RELAPSE_VERDICTS,
    AcceptanceConclusion,
    EventKind,
    EvidenceKind,
    ExtensionStatus,
    LookbackVerdict,
    NotificationKind,
    ObjectionDecision,
    TaskStatus,
)
from ..deadlines import DeadlineParseError, parse_deadline
from ..errors import NotAllowed, ReasonRequired, ServiceError, WrongState
from ..models import (
    AcceptanceRecord,
    DeadlineExtension,
    LookbackCheck,
    LookbackPhoto,
    LookbackRound,
    NoticeObjection,
    PublicNotice,
    RectificationTask,
)
from ..models.closure import CLOSING_STANDARDS
from ..services.notifications import notify
from ..services.tasks import record_event
from ..summaries import figures_tracked
from ..uploads import check_evidence_file

Action = workflow.Action
MIN_ACCEPTORS = 2


def _unit_users(task):
    return User.objects.filter(unit=task.lead_unit, role=Role.UNIT, is_active=True)


# --- 验收: the acceptance record ------------------------------------------------------------------


def _clean_acceptors(acceptors) -> list[dict]:
    cleaned = []
    for a in acceptors or ():
        name, unit = (a.get("name") or "").strip(), (a.get("unit") or "").strip()
        if name or unit:
            if not (name and unit):
                raise ValidationError({"acceptors": _("每位验收人都要填写姓名和单位。")})
            cleaned.append({"name": name[:50], "unit": unit[:100]})
    if len(cleaned) < MIN_ACCEPTORS:
        raise ValidationError({"acceptors": _("验收人至少两人（谁验收、谁负责）：请填写每位验收人的姓名和单位。")})
    return cleaned


@transaction.atomic
def acceptance_record(
    *,
    actor,
    task: RectificationTask,
    checked_on: date,
    acceptors,
    conclusion: str,
    opinion: str = "",
    standards: dict | None = None,
    report_files=(),
    expected_version: int | None = None,
) -> AcceptanceRecord:
    """Record an on-site acceptance (验收). 合格 moves the task on (验收通过); 不合格 sends it back to 整改中 with the
    reasons. The reported percentage is left as the unit reported it."""
    require(actor, RECORD_CLOSURE)
    action = Action.VERIFY if conclusion == AcceptanceConclusion.PASS else Action.REJECT
    if conclusion not in AcceptanceConclusion.values:
        raise ValidationError({"conclusion": _("请选择验收结论：合格或不合格。")})
    workflow.check(actor, task, action)  # refuse before writing anything
    if task.status != TaskStatus.SUBMITTED:
        raise WrongState(_("只有已申请销号的任务可以登记验收。"))
    acceptors = _clean_acceptors(acceptors)
    opinion = (opinion or "").strip()
    standards = standards or {}
    if checked_on is None or checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("请填写已进行的现场验收日期（不能晚于今天）。")})
    if conclusion == AcceptanceConclusion.FAIL and not opinion:
        raise ReasonRequired(_("验收不合格必须写明原因。"), field="opinion")
    fields = {}
    for key, label in CLOSING_STANDARDS:
        met = bool(standards.get(key))
        note = (standards.get(f"{key}_note") or "").strip()[:300]
        if conclusion == AcceptanceConclusion.PASS and not met and not note:
            raise ValidationError({key: _("“%(label)s”未达到：验收合格时须说明原因。") % {"label": label}})
        fields[key], fields[f"{key}_note"] = met, note
    report = None
    files = list(report_files or ())
    if files:
        report = services.task_evidence_add(
            actor=actor,
            task=task,
            files=files,
            kind=EvidenceKind.ACCEPTANCE,
            description=_("验收报告"),
            expected_version=expected_version,
        )[0]
        expected_version = None
    record = AcceptanceRecord.objects.create(
        task=task,
        checked_on=checked_on,
        acceptors=acceptors,
        conclusion=conclusion,
        opinion=opinion,
        report=report,
        recorded_by=actor,
        **fields,
    )
    names = "、".join(a["name"] for a in acceptors)
    if conclusion == AcceptanceConclusion.PASS:
        reason = f"{checked_on:%Y-%m-%d} 现场验收合格（验收人：{names}）" + (f"；{opinion}" if opinion else "")
    else:
        reason = f"{checked_on:%Y-%m-%d} 现场验收不合格（验收人：{names}）：{opinion}"
    services.task_transition(
        actor=actor, task=task, action=action, reason=reason[:2000], expected_version=expected_version
    )
    return record


# --- 公示: the public notice and its objections ----------------------------------------------------


@transaction.atomic
def notice_start(
    *,
    actor,
    task: RectificationTask,
    where: str,
    link: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    expected_version: int | None = None,
) -> PublicNotice:
    """Publish the result (公示) for NOTICE_DAYS days unless dates are given; the task waits in 公示中 until then."""
    require(actor, RECORD_CLOSURE)
    workflow.check(actor, task, Action.START_NOTICE)
    where = (where or "").strip()
    if not where:
        raise ValidationError({"where": _("请填写公示媒体或地点。")})
    starts_on = starts_on or timezone.localdate()
    ends_on = ends_on or starts_on + timedelta(days=settings.NOTICE_DAYS - 1)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("公示结束日期不能早于开始日期。")})
    task = services.task_transition(
        actor=actor,
        task=task,
        action=Action.START_NOTICE,
        reason=f"公示 {starts_on:%Y-%m-%d} 至 {ends_on:%Y-%m-%d}：{where}"[:2000],
        expected_version=expected_version,
    )
    RectificationTask.objects.filter(pk=task.pk).update(notice_starts_on=starts_on, notice_ends_on=ends_on)
    task.notice_starts_on, task.notice_ends_on = starts_on, ends_on
    return PublicNotice.objects.create(
        task=task, starts_on=starts_on, ends_on=ends_on, where=where[:300], link=link or "", started_by=actor
    )


@transaction.atomic
def objection_record(
    *, actor, notice: PublicNotice, content: str, received_on: date | None = None, raised_by: str = ""
) -> NoticeObjection:
    require(actor, RECORD_CLOSURE)
    task = notice.task
    if task.status != TaskStatus.IN_NOTICE or notice.pk != task.notices.order_by("-created_at").first().pk:
        raise WrongState(_("只能在公示期间登记异议。"))
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": _("请填写异议内容。")})
    objection = NoticeObjection.objects.create(
        notice=notice,
        received_on=received_on or timezone.localdate(),
        raised_by=(raised_by or "").strip()[:100],
        content=content,
        recorded_by=actor,
    )
    record_event(task=task, actor=actor, kind=EventKind.CLOSURE, reason=f"收到公示异议：{content[:300]}")
    return objection


@transaction.atomic
def objection_decide(*, actor, objection: NoticeObjection, upheld: bool, note: str) -> NoticeObjection:
    """Decide an objection; an upheld one sends the task back to 整改中 with the objection as the reason."""
    require(actor, RECORD_CLOSURE)
    objection = NoticeObjection.objects.select_for_update().select_related("notice__task").get(pk=objection.pk)
    if objection.decision != ObjectionDecision.PENDING:
        raise WrongState(_("该异议已处理。"))
    note = (note or "").strip()
    if not note:
        raise ReasonRequired(_("请填写处理意见。"), field="note")
    objection.decision = ObjectionDecision.UPHELD if upheld else ObjectionDecision.REFUSED
    objection.decision_note, objection.decided_by, objection.decided_at = note, actor, timezone.now()
    objection.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    task = objection.notice.task
    if upheld:
        services.task_transition(
            actor=actor, task=task, action=Action.REJECT, reason=f"公示异议成立：{objection.content[:200]}；{note}"
        )
    else:
        record_event(task=task, actor=actor, kind=EventKind.CLOSURE, reason=f"公示异议不成立：{note[:300]}")
    return objection


# --- 审签, 复核, 销号报备: a confirmed step with an optional comment ------------------------------------

CONFIRMED_ACTIONS = (Action.CLOSE, Action.KEEP_LONG_TERM, Action.RECHECK, Action.FILE)


def step_confirm(*, actor, task, action: str, comment: str = "", expected_version: int | None = None):
    """审签 / 复核 / 销号报备 after the confirmation page, the comment kept as the step's conclusion."""
    if action not in CONFIRMED_ACTIONS:
        raise NotAllowed(_("该操作不需要确认。"))
    return services.task_transition(
        actor=actor, task=task, action=action, reason=(comment or "").strip()[:2000], expected_version=expected_version
    )


# --- 延期申请 --------------------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, actor, task: RectificationTask, deadline_text: str, reason: str) -> DeadlineExtension:
    if not can_request_extension(actor, task):
        raise NotAllowed(_("只有牵头单位或督察办可以申请延期。"))
    task = RectificationTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if task.status not in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS):
        raise WrongState(_("只有尚未启动或整改中的任务可以申请延期。"))
    if task.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise WrongState(_("该任务已有待审批的延期申请。"))
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("申请延期必须说明理由。"), field="reason")
    try:
        parsed = parse_deadline(deadline_text, assigned_on=task.assigned_on)
    except DeadlineParseError as exc:
        raise ValidationError({"deadline_text": str(exc)}) from exc
    if parsed.deadline is None or (task.deadline and parsed.deadline <= task.deadline):
        raise ValidationError({"deadline_text": _("调整后的期限应晚于现在的整改期限。")})
    extension = DeadlineExtension.objects.create(
        task=task,
        requested_deadline_text=parsed.text,
        requested_deadline=parsed.deadline,
        reason=reason,
        requested_by=actor,
        previous_deadline_text=task.deadline_text,
        previous_deadline=task.deadline,
    )
    record_event(
        task=task,
        actor=actor,
        kind=EventKind.EXTENSION,
        reason=f"申请延期至 {parsed.text}：{reason[:300]}",
    )
    notify(
        recipients=User.objects.filter(role=Role.BUREAU, is_active=True),
        kind=NotificationKind.WORKFLOW,
        title=f"任务 {task.code} 申请延期至 {parsed.text}",
        body=reason[:500],
        url=task.get_absolute_url(),
        task=task,
    )
    return extension


@transaction.atomic
def extension_decide(*, actor, extension: DeadlineExtension, approve: bool, note: str = "") -> DeadlineExtension:
    """Approve or refuse. An approval keeps the original deadline (原定期限) and moves the task's deadline, so
    overdue is counted against the approved one."""
    require(actor, RECORD_CLOSURE)
    extension = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise WrongState(_("该延期申请已审批。"))
    note = (note or "").strip()
    if not approve and not note:
        raise ReasonRequired(_("不批准延期须写明理由。"), field="note")
    task = RectificationTask.objects.select_for_update(of=("self",)).get(pk=extension.task_id)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decision_note, extension.decided_by, extension.decided_at = note, actor, timezone.now()
    extension.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    if approve:
        if not task.original_deadline_text:
            task.original_deadline_text, task.original_deadline = task.deadline_text, task.deadline
        services.tasks.apply_deadline(task, extension.requested_deadline_text)
        task.version += 1
        task._history_user = actor
        with figures_tracked([task.pk]):  # a new deadline moves the task between the dashboard's counters
            task.save(
                update_fields=[
                    "original_deadline_text",
                    "original_deadline",
                    "deadline_text",
                    "deadline",
                    "deadline_kind",
                    "milestones",
                    "version",
                    "updated_at",
                ]
            )
    verdict = "批准" if approve else "不批准"
    record_event(
        task=task,
        actor=actor,
        kind=EventKind.EXTENSION,
        reason=f"{verdict}延期至 {extension.requested_deadline_text}" + (f"：{note[:300]}" if note else ""),
    )
    notify(
        recipients=_unit_users(task),
        kind=NotificationKind.WORKFLOW,
        title=f"任务 {task.code} 延期申请{verdict}",
        body=note[:500],
        url=task.get_absolute_url(),
        task=task,
    )
    return extension


# --- 回头看 -----------------------------------------------------------------------------------------


@transaction.atomic
def lookback_draw(
    *, actor, name: str, inspection_round=None, percentage: int | None = None, seed: int | None = None, task_ids=()
) -> LookbackRound:
    """Draw closed tasks for a 回头看: `percentage` at random (the seed is recorded, so the draw can be repeated),
    or the tasks hand-picked in `task_ids`."""
    require(actor, RECORD_CLOSURE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写回头看名称。")})
    closed = RectificationTask.objects.filter(status=TaskStatus.CLOSED)
    if inspection_round is not None:
        closed = closed.filter(round=inspection_round)
    population = sorted(closed.values_list("pk", flat=True))
    if percentage is not None:
        if not 1 <= int(percentage) <= 100:
            raise ValidationError({"percentage": _("抽查比例应为 1 到 100。")})
        seed = int(seed) if seed not in (None, "") else random.SystemRandom().randrange(1, 2**31)
        size = math.ceil(len(population) * int(percentage) / 100)
        chosen = random.Random(seed).sample(population, size)
    else:
        wanted = {int(pk) for pk in task_ids}
        chosen = sorted(wanted & set(population))
        if not chosen or len(chosen) != len(wanted):
            raise ValidationError({"task_ids": _("请选择已销号的任务（只有已销号任务可以回头看）。")})
        seed = None
    if not chosen:
        raise ValidationError({"percentage": _("没有可抽查的已销号任务。")})
    lookback = LookbackRound.objects.create(
        name=name[:200],
        inspection_round=inspection_round,
        percentage=percentage,
        seed=seed,
        population=len(population),
        created_by=actor,
    )
    LookbackCheck.objects.bulk_create([LookbackCheck(lookback=lookback, task_id=pk) for pk in sorted(chosen)])
    return lookback


@transaction.atomic
def lookback_record(
    *,
    actor,
    check: LookbackCheck,
    checked_on: date,
    inspector: str,
    verdict: str,
    note: str = "",
    photos=(),
    deadline_text: str = "立行立改",
) -> LookbackCheck:
    """Record a re-check. 反弹 / 虚假整改 reopen the work as a new task linked to the closed one (which stays
    closed and signed) and notify the unit."""
    require(actor, RECORD_CLOSURE)
    check = (
        LookbackCheck.objects.select_for_update().select_related("task__finding", "task__lead_unit").get(pk=check.pk)
    )
    if check.verdict:
        raise WrongState(_("该任务的回头看结论已登记。"))
    if verdict not in LookbackVerdict.values:
        raise ValidationError({"verdict": _("请选择复查结论。")})
    inspector = (inspector or "").strip()
    if not inspector:
        raise ValidationError({"inspector": _("请填写复查人。")})
    if checked_on is None or checked_on > timezone.localdate():
        raise ValidationError({"checked_on": _("请填写已进行的复查日期。")})
    note = (note or "").strip()
    if verdict in RELAPSE_VERDICTS and not note:
        raise ReasonRequired(_("反弹或虚假整改须写明复查发现的问题。"), field="note")
    checked = [(f, check_evidence_file(f)) for f in photos or ()]
    old = check.task
    check.checked_on, check.inspector, check.verdict, check.note = checked_on, inspector[:100], verdict, note
    check.recorded_by, check.recorded_at = actor, timezone.now()
    label = LookbackVerdict(verdict).label
    if verdict in RELAPSE_VERDICTS:
        new = services.task_assign(
            actor=actor,
            finding=old.finding,
            lead_unit=old.lead_unit,
            deadline_text=deadline_text or "立行立改",
            goal=old.goal,
            measures=f"【回头看{label}，重新整改】{note}\n{old.measures}"[:5000],
            responsible_person=old.responsible_person,
        )
        RectificationTask.objects.filter(pk=new.pk).update(relapse_of=old)
        check.new_task = new
        notify(
            recipients=_unit_users(old),
            kind=NotificationKind.WORKFLOW,
            title=f"回头看发现任务 {old.code} {label}，已交办重新整改任务 {new.code}",
            body=note[:500],
            url=new.get_absolute_url(),
            task=new,
        )
    check.save()
    saved = []
    try:
        for upload, info in checked:
            photo = LookbackPhoto(
                lookback_check=check,
                original_name=info.name,
                content_type=info.content_type,
                size=info.size,
                sha256=info.sha256,
                uploaded_by=actor,
            )
            photo.file.save(info.name, upload, save=False)
            saved.append(photo)
            photo.save()
    except BaseException:
        for photo in saved:
            photo.file.storage.delete(photo.file.name)
        raise
    record_event(
        task=old,
        actor=actor,
        kind=EventKind.LOOKBACK,
        reason=f"回头看（{check.lookback.name}）{checked_on:%Y-%m-%d} 复查：{label}"
        + (f"；{note[:300]}" if note else ""),
    )
    return check


# --- 催办 and batch actions --------------------------------------------------------------------------


@transaction.atomic
def task_remind(*, actor, task: RectificationTask, message: str = "") -> int:
    """催办: a reminder to the task's unit, recorded in its timeline."""
    require(actor, REMIND)
    if task.status in (TaskStatus.CLOSED, TaskStatus.LONG_TERM):
        raise WrongState(_("任务已销号或转为长期坚持，无需催办。"))
    message = (message or "").strip() or _("请抓紧推进整改，按期报送进展。")
    record_event(task=task, actor=actor, kind=EventKind.REMINDED, reason=f"催办：{message[:300]}")
    return notify(
        recipients=_unit_users(task),
        kind=NotificationKind.REMINDER,
        title=f"催办：任务 {task.code} {task.finding.summary[:50]}",
        body=message,
        url=task.get_absolute_url(),
        task=task,
    )


class BatchAction:
    VERIFY = "verify"
    START_NOTICE = "start_notice"
    SIGN = "close"
    REMIND = "remind"


BATCH_LABELS = {
    BatchAction.VERIFY: _("验收通过"),
    BatchAction.START_NOTICE: _("开始公示"),
    BatchAction.SIGN: _("审签"),
    BatchAction.REMIND: _("催办"),
}


@dataclass
class BatchResult:
    task_id: int
    task: RectificationTask | None
    ok: bool
    message: str


def batch_apply(*, actor, task_ids, action: str, comment: str = "", where: str = "") -> list[BatchResult]:
    """Apply one action to many tasks, each through its own service call (and its own transaction): what one
    task refuses does not stop the others. Returns each task's outcome with the refusal's reason."""
    if action not in BATCH_LABELS:
        raise ValidationError({"action": _("请选择批量操作。")})
    results = []
    for task_id in dict.fromkeys(task_ids):
        try:
            task = access_task(actor, task_id)
        except Http404:
            results.append(BatchResult(task_id, None, False, _("任务不存在或无权查看。")))
            continue
        try:
            with transaction.atomic():
                if action == BatchAction.VERIFY:
                    services.task_transition(actor=actor, task=task, action=Action.VERIFY, reason=comment)
                elif action == BatchAction.START_NOTICE:
                    notice_start(actor=actor, task=task, where=where)
                elif action == BatchAction.SIGN:
                    step_confirm(actor=actor, task=task, action=Action.CLOSE, comment=comment)
                else:
                    task_remind(actor=actor, task=task, message=comment)
        except (ServiceError, ValidationError) as exc:
            message = exc.message if isinstance(exc, ServiceError) else "；".join(exc.messages)
            results.append(BatchResult(task.pk, task, False, str(message)))
            continue
        results.append(BatchResult(task.pk, task, True, str(BATCH_LABELS[action])))
    return results
