"""Writes for rectification tasks: assignment, edits, progress, evidence and the status workflow.

Each function is atomic, locks the task row, checks the actor against the transition table and the
access rules, bumps the task's version and writes a TaskEvent in the same transaction.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import Unit, User

from .. import workflow
from ..access import ASSIGN_TASKS, EDIT_TASKS, can_report_on, can_withdraw_evidence, require, user_role
from ..background import run_after_commit
from ..choices import EventKind, EvidenceKind, FindingSource, NotificationKind, TaskStatus
from ..deadlines import DeadlineParseError, parse_deadline
from ..errors import (
    EvidenceRequired,
    NotAllowed,
    ReasonRequired,
    ServiceError,
    StaleVersion,
    TaskReadOnly,
    WrongState,
)
from ..limits import MAX_TEXT
from ..models import Evidence, Finding, ProgressUpdate, RectificationTask, TaskEvent
from ..search import DOCUMENT_TASK_FIELDS, search_texts_refresh
from ..summaries import figures_added, figures_tracked, figures_tracked_fields
from ..uploads import check_evidence_batch, check_evidence_file
from .notifications import notify

EDITABLE_FIELDS = (
    "lead_unit",
    "responsible_person",
    "leader_text",
    "goal",
    "measures",
    "deadline_text",
    "assigned_on",
    "remark",
)
REPORTABLE_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.LONG_TERM)


def record_event(*, task, actor, kind, action="", from_status="", to_status="", reason="", at=None) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        actor=actor,
        kind=kind,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        at=at or timezone.now(),
    )


def apply_deadline(task: RectificationTask, deadline_text) -> None:
    """Parse the deadline text into the task's date, kind and milestones, keeping the original text."""
    try:
        parsed = parse_deadline(deadline_text, assigned_on=task.assigned_on)
    except DeadlineParseError as exc:
        raise ValidationError({"deadline_text": str(exc)}) from exc
    except OverflowError as exc:  # 立行立改 counted from an assignment date near 9999-12-31
        raise ValidationError({"assigned_on": _("交办日期有误：由它推算的整改期限超出了日期范围。")}) from exc
    task.deadline_text = parsed.text
    task.deadline = parsed.deadline
    task.deadline_kind = parsed.kind
    task.milestones = [d.isoformat() for d in parsed.milestones]


def _lock(task: RectificationTask, expected_version: int | None) -> RectificationTask:
    """Re-read the task under a row lock; refuse if someone changed it since `expected_version`.

    The lock is taken on the task row alone, then the row is read with its relations: a locking SELECT that
    joins the lead unit drops the row (PostgreSQL rechecks the join against the old unit row) when another
    transaction has just reassigned the task, and the write would fail with DoesNotExist instead of waiting.
    """
    list(RectificationTask.objects.select_for_update().filter(pk=task.pk).values_list("pk", flat=True))
    locked = RectificationTask.objects.select_related("finding__round", "finding__responsible_leader", "lead_unit").get(
        pk=task.pk
    )
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleVersion(_("该任务已被他人修改（可能刚刚有人报送进展或变更了状态），请刷新页面后再操作。"))
    return locked


def _save(task: RectificationTask, fields: list[str], actor) -> None:
    task.version += 1
    task._history_user = actor  # field history names the actor even outside a web request (Celery, commands)
    with figures_tracked_fields([task.pk], fields):  # the dashboard's counters, in this transaction
        task.save(update_fields=[*fields, "version", "updated_at"])


def _units(value) -> list[Unit]:
    return list(value or [])


@transaction.atomic
def task_assign(
    *,
    actor,
    finding: Finding,
    lead_unit: Unit,
    deadline_text,
    goal: str = "",
    measures: str = "",
    cooperating_units=(),
    responsible_person: str = "",
    number: int | None = None,
    assigned_on: date | None = None,
) -> RectificationTask:
    """Create one task of a finding for its lead unit (整改任务交办)."""
    require(actor, ASSIGN_TASKS)
    # The finding as stored, locked: the task copies its round and category (a caller's object may be out of
    # date), and two tasks added to one finding at once get different numbers.
    list(Finding.objects.select_for_update().filter(pk=finding.pk).values_list("pk", flat=True))
    finding = Finding.objects.select_related("round").get(pk=finding.pk)
    if number is None:
        number = (finding.tasks.aggregate(n=Max("number"))["n"] or 0) + 1
    task = RectificationTask(
        finding=finding,
        number=number,
        lead_unit=lead_unit,
        goal=goal,
        measures=measures,
        responsible_person=responsible_person,
        assigned_on=assigned_on or timezone.localdate(),
    )
    apply_deadline(task, deadline_text)
    task.full_clean(exclude=["milestones"])
    task._history_user = actor
    task.save()
    cooperating = [u for u in _units(cooperating_units) if u.pk != lead_unit.pk]
    if cooperating:
        task.cooperating_units.set(cooperating)
    figures_added([task.pk])  # after the cooperating units: they are the cooperation counters' viewers
    search_texts_refresh(task_ids=[task.pk])
    record_event(task=task, actor=actor, kind=EventKind.CREATED, to_status=task.status, at=task.created_at)
    notify(
        recipients=User.objects.filter(unit=lead_unit, role=Role.UNIT, is_active=True),
        kind=NotificationKind.WORKFLOW,
        title=f"新交办整改任务 {finding.round.short_name} {task.code}：{finding.summary[:60]}",
        body=f"整改时限：{task.deadline_text}",
        url=task.get_absolute_url(),
        task=task,
    )
    return task


def _check_can_manage(actor) -> None:
    require(actor, EDIT_TASKS)


def check_task_editable(actor, task: RectificationTask) -> None:
    """Refuse as task_update would (role, closed task): the edit page and the API ask before showing a form."""
    _check_can_manage(actor)
    if task.is_read_only:
        raise TaskReadOnly(_("该任务已销号，不能修改；如需修改请由管理员重新打开。"))


@transaction.atomic
def task_update(*, actor, task: RectificationTask, expected_version: int | None = None, **fields) -> RectificationTask:
    """Edit a task's assignment (bureau staff). A closed task is read-only."""
    _check_can_manage(actor)  # before the row lock: someone who may not edit never holds it
    task = _lock(task, expected_version)
    check_task_editable(actor, task)
    cooperating = fields.pop("cooperating_units", None)
    changed = []
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"unknown task field: {name}")
        if getattr(task, name) != value:
            setattr(task, name, value)
            changed.append(name)
    if "deadline_text" in changed or "assigned_on" in changed:
        apply_deadline(task, task.deadline_text)
        changed += ["deadline", "deadline_kind", "milestones"]
    task.full_clean(exclude=["milestones"])
    if cooperating is None and "lead_unit" in changed:
        cooperating = list(task.cooperating_units.all())  # the new lead unit stops being a helper
    if cooperating is not None:
        new = {u.pk for u in cooperating if u.pk != task.lead_unit_id}
        if new != set(task.cooperating_units.values_list("pk", flat=True)):
            # The cooperation counters' viewers move (the other fields are saved, and tracked, by _save below).
            with figures_tracked([task.pk]):
                task.cooperating_units.set(list(new))
            changed.append("cooperating_units")
    if not changed:
        return task
    _save(task, [f for f in dict.fromkeys(changed) if f != "cooperating_units"], actor)
    if DOCUMENT_TASK_FIELDS & set(changed):
        search_texts_refresh(task_ids=[task.pk])
    labels = "、".join(
        str(RectificationTask._meta.get_field(f).verbose_name)
        for f in dict.fromkeys(changed)
        if f not in ("deadline", "deadline_kind", "milestones")
    )
    record_event(task=task, actor=actor, kind=EventKind.EDITED, reason=f"修改了：{labels}")
    return task


def _check_can_report(actor, task: RectificationTask) -> None:
    if not can_report_on(actor, task):
        raise NotAllowed(_("您无权为该任务报送进展或上传材料。"))
    if task.is_read_only:
        raise TaskReadOnly(_("该任务已销号，不能再报送进展或上传材料。"))


@transaction.atomic
def task_progress_add(
    *,
    actor,
    task: RectificationTask,
    text: str,
    percent,
    investment=None,
    reported_on: date | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> ProgressUpdate:
    """Post a progress report (整改进展). Starts a not-yet-started task.

    The percentage goes down only with a reason (`reason`), kept in the timeline.
    """
    task = _lock(task, expected_version)
    _check_can_report(actor, task)
    if task.status not in REPORTABLE_STATUSES:
        raise ServiceError(
            _("任务当前状态为“%(status)s”，等待验收或审签期间不能报送进展。") % {"status": task.get_status_display()}
        )
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("请填写整改进展情况。")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("整改进展情况不能超过 %(limit)d 个字。") % {"limit": MAX_TEXT}
    reported_on = reported_on or timezone.localdate()
    # A task "exists" from its assignment (a ledger registered later keeps its real 交办日期) or its
    # creation, whichever is earlier; a report is never dated in the future.
    earliest = min(task.assigned_on, timezone.localdate(task.created_at))
    if reported_on > timezone.localdate():
        errors["reported_on"] = _("填报日期不能晚于今天。")
    elif reported_on < earliest:
        errors["reported_on"] = _("填报日期不能早于任务交办日期（%(day)s）。") % {"day": earliest.isoformat()}
    try:
        percent = int(percent)
        if not 0 <= percent <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors["percent"] = _("完成比例应为 0 到 100 之间的整数。")
    reason = (reason or "").strip()
    previous_percent = task.percent
    if "percent" not in errors and percent < task.percent and not reason:
        errors["reason"] = _("完成比例由 %(old)d%% 降为 %(new)d%%，须说明理由。") % {
            "old": task.percent,
            "new": percent,
        }
    if investment in (None, ""):
        investment = task.investment
    else:
        try:
            investment = Decimal(str(investment)).quantize(Decimal("0.01"))
            if investment < 0 or investment >= Decimal("1e12"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["investment"] = _("投入资金应为不小于 0 的数字（万元）。")
    if errors:
        raise ValidationError(errors)
    update = ProgressUpdate.objects.create(
        task=task,
        author=actor,
        text=text,
        percent=percent,
        investment=investment,
        reported_on=reported_on,
    )
    if task.status == TaskStatus.NOT_STARTED:
        # A cooperating unit may report too (checked above); its first report starts the task as well.
        _transition(task, actor, workflow.Action.START, reason="报送进展，开始整改", lead_unit_only=False)
    task.percent = percent
    task.investment = investment
    _save(task, ["percent", "investment", "status"], actor)
    summary = f"完成 {percent}%：{text[:200]}"
    if reason:
        summary += f"；比例由 {previous_percent}% 下调，理由：{reason[:300]}"
    record_event(task=task, actor=actor, kind=EventKind.PROGRESS, reason=summary)
    return update


def _per_file(values, count: int, field: str, message) -> list[str]:
    """A per-file list (type or description) as long as the files; an empty entry falls back to the common one."""
    if values is None:
        return [""] * count
    values = [(v or "").strip() for v in values]
    if len(values) != count:
        raise ValidationError({field: message})
    return values


@transaction.atomic
def task_evidence_add(
    *,
    actor,
    task: RectificationTask,
    files,
    kind: str = EvidenceKind.DOCUMENT,
    description: str = "",
    kinds: list[str] | None = None,
    descriptions: list[str] | None = None,
    expected_version: int | None = None,
) -> list[Evidence]:
    """Attach evidence files; every file is checked before any is stored (all or nothing).

    `kind` and `description` apply to every file; `kinds` / `descriptions` (one entry per file, in order)
    give a file its own type and description, an empty entry keeping the common one.
    """
    task = _lock(task, expected_version)
    _check_can_report(actor, task)
    _check_evidence_state(actor, task)
    files = list(files)
    if not files:
        raise ValidationError({"files": _("请选择要上传的文件。")})
    max_length = Evidence._meta.get_field("description").max_length
    kinds = [k or kind for k in _per_file(kinds, len(files), "kinds", _("每个文件的材料类型应与文件一一对应。"))]
    descriptions = [
        d or (description or "").strip()
        for d in _per_file(descriptions, len(files), "descriptions", _("每个文件的说明应与文件一一对应。"))
    ]
    if any(k not in EvidenceKind.values for k in kinds):
        raise ValidationError({"kind": _("请选择正确的材料类型。")})
    if any(len(d) > max_length for d in descriptions):
        raise ValidationError({"description": _("材料说明不能超过 300 个字。")})
    check_evidence_batch(files)
    checked = [check_evidence_file(f) for f in files]
    saved = []
    try:
        for upload, info, file_kind, file_description in zip(files, checked, kinds, descriptions, strict=True):
            evidence = Evidence(
                task=task,
                original_name=info.name,
                content_type=info.content_type,
                size=info.size,
                sha256=info.sha256,
                kind=file_kind,
                description=file_description,
                uploaded_by=actor,
            )
            evidence.file.save(info.name, upload, save=False)
            saved.append(evidence)
            evidence.save()
        _save(task, [], actor)
        names = "、".join(f"{e.original_name}（{e.get_kind_display()}）" for e in saved)
        record_event(
            task=task, actor=actor, kind=EventKind.EVIDENCE, reason=f"上传了 {len(saved)} 份材料：{names}"[:1000]
        )
    except BaseException:
        # The rows roll back with the transaction; the files written so far must go too.
        for evidence in saved:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return saved


def _check_evidence_state(actor, task: RectificationTask) -> None:
    """Evidence is filed (and withdrawn) only in the states the workflow allows for the actor's role."""
    if not workflow.evidence_allowed(task.status, user_role(actor)):
        raise WrongState(
            _("任务当前状态为“%(status)s”，不能再上传或撤回佐证材料；如需补充，请由督察办退回整改。")
            % {"status": task.get_status_display()}
        )


@transaction.atomic
def evidence_withdraw(*, actor, evidence: Evidence, reason: str, expected_version: int | None = None) -> Evidence:
    """Withdraw a mistaken evidence file (撤回): the row and the file stay, marked withdrawn with who, when and why.

    Evidence is append-only: nothing is deleted or replaced, the timeline says what was withdrawn.
    """
    task = _lock(evidence.task, expected_version)
    evidence = Evidence.objects.select_for_update(of=("self",)).select_related("uploaded_by__unit").get(pk=evidence.pk)
    if not can_withdraw_evidence(actor, evidence, task):
        raise NotAllowed(_("只有上传该材料的单位或督察办可以撤回佐证材料。"))
    if task.is_read_only:
        raise TaskReadOnly(_("该任务已销号，不能撤回佐证材料。"))
    _check_evidence_state(actor, task)
    if evidence.is_withdrawn:
        raise WrongState(
            _("该材料已于 %(at)s 撤回。") % {"at": f"{timezone.localtime(evidence.withdrawn_at):%Y-%m-%d %H:%M}"}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("撤回佐证材料必须填写理由。"), field="reason")
    max_length = Evidence._meta.get_field("withdrawal_reason").max_length
    if len(reason) > max_length:
        raise ValidationError({"reason": _("撤回理由不能超过 %(n)d 个字。") % {"n": max_length}})
    evidence.withdrawn_at, evidence.withdrawn_by, evidence.withdrawal_reason = timezone.now(), actor, reason
    evidence.save(update_fields=list(Evidence.MUTABLE_FIELDS))
    _save(task, [], actor)
    record_event(
        task=task,
        actor=actor,
        kind=EventKind.EVIDENCE_WITHDRAWN,
        reason=f"撤回了材料：{evidence.original_name}；理由：{reason}"[:1000],
    )
    return evidence


def _next_step_recipients(task: RectificationTask):
    """Who acts next in the task's closure chain: the responsible leader for a sign-off, else that role's users."""
    steps = workflow.next_steps(task)
    chain = {c.step: c for c in workflow.chain_of(task)}
    roles = {chain[step].role for step in steps if step in chain}
    leader = task.finding.responsible_leader
    recipients = set()
    if Role.LEADER in roles:
        recipients |= {leader} if leader else set(User.objects.filter(role=Role.LEADER, is_active=True))
    others = roles - {Role.LEADER}
    if others:
        recipients |= set(User.objects.filter(role__in=others, is_active=True))
    return recipients


def _notify_transition(task: RectificationTask, actor, transition: workflow.Transition, reason: str) -> None:
    label = workflow.ACTION_LABELS[transition.action]
    # Several rounds have a 13-1: the round says which one.
    title = f"任务 {task.finding.round.short_name} {task.code} {label}：{task.finding.summary[:50]}"
    body = f"操作人：{actor.display_name}" + (f"；理由：{reason}" if reason else "")
    unit_users = User.objects.filter(unit=task.lead_unit, role=Role.UNIT, is_active=True)
    if transition.action == workflow.Action.SUBMIT:
        recipients = User.objects.filter(role=Role.BUREAU, is_active=True)
    elif transition.action == workflow.Action.START:
        return
    elif transition.action in CHAIN_ACTIONS and transition.target not in (TaskStatus.CLOSED, TaskStatus.LONG_TERM):
        recipients = list(_next_step_recipients(task))
        if transition.action == workflow.Action.VERIFY:
            recipients += list(unit_users)  # the unit that asked learns its request was accepted
    else:
        recipients = unit_users
    notify(
        recipients=recipients,
        kind=NotificationKind.WORKFLOW,
        title=title,
        body=body,
        url=task.get_absolute_url(),
        task=task,
    )


CHAIN_ACTIONS = frozenset(workflow.STEP_ACTIONS.values())


def closure_chain_for(task: RectificationTask):
    """The closure chain of the task's round: its own, else its kind's, else the default (验收 → 审签)."""
    return closure_chain_for_round(task.finding.round)


def closure_chain_for_round(inspection_round):
    """The closure chain of a round: its own, else its kind's, else the default (验收 → 审签)."""
    from ..models import ClosureChain

    chain = (
        ClosureChain.objects.filter(inspection_round=inspection_round).prefetch_related("steps").first()
        or ClosureChain.objects.filter(inspection_round__isnull=True, round_kind=inspection_round.kind)
        .prefetch_related("steps")
        .first()
    )
    steps = chain.as_steps() if chain else ()
    return steps if steps and not workflow.chain_errors(steps) else workflow.DEFAULT_CHAIN


def task_chain(task: RectificationTask, round_chains: dict | None = None):
    """The chain a task moves by: the one it kept with its closure request, else its round's now.

    `round_chains` (round id -> chain) caches the rounds' chains over many tasks (the ledger import).
    """
    if task.closure_chain or task.status not in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS):
        return workflow.chain_of(task)
    if round_chains is None:
        return closure_chain_for(task)
    if task.round_id not in round_chains:
        round_chains[task.round_id] = closure_chain_for(task)
    return round_chains[task.round_id]


def _transition(
    task: RectificationTask, actor, action: str, reason: str = "", *, lead_unit_only: bool = True
) -> workflow.Transition:
    """Apply one move of the transition table to a locked task (no save of the task itself).

    A unit user must belong to the lead unit's subtree unless `lead_unit_only` is off (the implicit
    start of a first progress report, whose author's right to report was checked by the caller).
    """
    label = workflow.ACTION_LABELS.get(action, action)
    transition = workflow.check(actor, task, action, lead_unit_only=lead_unit_only)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ReasonRequired(_("执行“%(action)s”必须填写理由。") % {"action": label}, field="reason")
    chain = None
    if action == workflow.Action.SUBMIT:
        if not task.evidence.filter(withdrawn_at__isnull=True).exists():
            raise EvidenceRequired(_("申请销号前请至少上传一份佐证材料。"))
        if task.percent < 100 and not reason:
            raise ReasonRequired(
                _("完成比例为 %(percent)d%%，未达到 100%%：申请销号须说明理由（或先报送 100%% 的整改进展）。")
                % {"percent": task.percent},
                field="reason",
            )
        chain = closure_chain_for(task)
    now = timezone.now()
    from_status = task.status
    workflow.apply_move(task, transition, actor=actor, at=now, chain=chain)
    record_event(
        task=task,
        actor=actor,
        kind=EventKind.TRANSITION,
        action=action,
        from_status=from_status,
        to_status=transition.target,
        reason=reason,
        at=now,
    )
    _notify_transition(task, actor, transition, reason)
    return transition


TRANSITION_FIELDS = workflow.MOVE_FIELDS


@transaction.atomic
def task_transition(
    *, actor, task: RectificationTask, action: str, reason: str = "", expected_version: int | None = None
) -> RectificationTask:
    task = _lock(task, expected_version)
    transition = _transition(task, actor, action, reason)
    _save(task, TRANSITION_FIELDS, actor)
    if (
        transition.target in (TaskStatus.CLOSED, TaskStatus.LONG_TERM)
        and task.finding.source == FindingSource.COMPLAINT
    ):
        # A complaint case made into this finding closes when its tasks are signed off (the feature decides).
        run_after_commit("inspections.complaints.sync_cases_with_tasks", task.finding_id, actor.pk)
    return task


def task_start(*, actor, task, expected_version=None):
    return task_transition(actor=actor, task=task, action=workflow.Action.START, expected_version=expected_version)


def task_submit(*, actor, task, reason="", expected_version=None):
    return task_transition(
        actor=actor, task=task, action=workflow.Action.SUBMIT, reason=reason, expected_version=expected_version
    )


def task_verify(*, actor, task, reason="", expected_version=None):
    return task_transition(
        actor=actor, task=task, action=workflow.Action.VERIFY, reason=reason, expected_version=expected_version
    )


def task_reject(*, actor, task, reason, expected_version=None):
    return task_transition(
        actor=actor, task=task, action=workflow.Action.REJECT, reason=reason, expected_version=expected_version
    )


def task_close(*, actor, task, reason="", expected_version=None):
    return task_transition(
        actor=actor, task=task, action=workflow.Action.CLOSE, reason=reason, expected_version=expected_version
    )


def task_keep_long_term(*, actor, task, reason="", expected_version=None):
    return task_transition(
        actor=actor, task=task, action=workflow.Action.KEEP_LONG_TERM, reason=reason, expected_version=expected_version
    )


def task_reopen(*, actor, task, reason, expected_version=None):
    return task_transition(
        actor=actor, task=task, action=workflow.Action.REOPEN, reason=reason, expected_version=expected_version
    )
