"""Writes of supervision: issue an action (with its 文号), the unit's reply, the outcome, dismiss a suggestion.

Each is atomic, asks access.py, writes the tasks' timeline rows (TaskEvent) in the same transaction and
queues the document's generation after commit. Other features read supervision through selectors.py.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import Unit, User

from ..access import HANDLE_SUGGESTIONS, ISSUE_SUPERVISION, can_reply_supervision, require
from ..background import run_after_commit
from ..choices import (
    DOCUMENT_KINDS,
    PERSON_KINDS,
    AccountabilityMeasure,
    EventKind,
    NotificationKind,
    SuggestionStatus,
    SupervisionKind,
)
from ..errors import NotAllowed, ServiceError
from ..models import (
    Finding,
    RectificationTask,
    SupervisionAction,
    SupervisionReplyFile,
    SupervisionSuggestion,
)
from ..services.notifications import notify
from ..services.tasks import record_event
from ..uploads import check_evidence_file
from .numbering import next_doc_number

GENERATE_DOCUMENT = "inspections.supervision.generate_document"


def default_title(kind: str, unit: Unit) -> str:
    titles = {
        SupervisionKind.NOTICE: _("关于对%(unit)s有关整改任务进行督办的通知"),
        SupervisionKind.LETTER: _("关于%(unit)s有关整改任务进度滞后的督办函"),
        SupervisionKind.INTERVIEW: _("关于约谈%(unit)s有关负责同志的通知"),
    }
    text = titles.get(kind) or _("关于对%(unit)s%(kind)s的决定")
    return text % {"unit": unit.name, "kind": SupervisionKind(kind).label}


def _check_fields(
    *, kind, target_person, interview_at, interview_place, measure, deciding_body, reply_due, issued_on
) -> None:
    errors = {}
    if kind not in SupervisionKind.values:
        errors["kind"] = _("请选择督办种类。")
    if kind in PERSON_KINDS and not target_person.strip():
        errors["target_person"] = _("约谈和问责须写明对象（姓名）。")
    if kind == SupervisionKind.INTERVIEW:
        if interview_at is None:
            errors["interview_at"] = _("请填写约谈时间。")
        if not interview_place.strip():
            errors["interview_place"] = _("请填写约谈地点。")
    if kind == SupervisionKind.ACCOUNTABILITY:
        if measure not in AccountabilityMeasure.values:
            errors["measure"] = _("请选择问责方式。")
        if not deciding_body.strip():
            errors["deciding_body"] = _("请填写作出问责决定的机关。")
    if reply_due and reply_due < issued_on:
        errors["reply_due"] = _("要求回复日期不能早于下发日期。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def action_issue(
    *,
    actor,
    kind: str,
    target_unit: Unit,
    tasks=(),
    finding: Finding | None = None,
    title: str = "",
    body: str = "",
    issued_on: date | None = None,
    reply_due: date | None = None,
    target_person: str = "",
    target_position: str = "",
    interview_at: datetime | None = None,
    interview_place: str = "",
    attendees: str = "",
    minutes: str = "",
    measure: str = "",
    deciding_body: str = "",
    suggestion: SupervisionSuggestion | None = None,
) -> SupervisionAction:
    """下发督办 (or 约谈, 问责 ...): numbered, on each task's timeline, the unit told, the document queued."""
    require(actor, ISSUE_SUPERVISION)
    issued_on = issued_on or timezone.localdate()
    _check_fields(
        kind=kind,
        target_person=target_person,
        interview_at=interview_at,
        interview_place=interview_place,
        measure=measure,
        deciding_body=deciding_body,
        reply_due=reply_due,
        issued_on=issued_on,
    )
    task_list = list(tasks)
    if finding is not None and not task_list:
        task_list = list(finding.tasks.all())
    if not task_list:
        raise ValidationError({"tasks": _("请选择督办涉及的整改任务。")})
    number, doc_number = next_doc_number(kind, issued_on.year)
    action = SupervisionAction(
        kind=kind,
        year=issued_on.year,
        number=number,
        doc_number=doc_number,
        title=(title or "").strip() or default_title(kind, target_unit),
        body=body,
        target_unit=target_unit,
        target_person=target_person.strip(),
        target_position=target_position.strip(),
        finding=finding,
        issued_on=issued_on,
        issued_by=actor,
        reply_due=reply_due,
        interview_at=interview_at,
        interview_place=interview_place,
        attendees=attendees,
        minutes=minutes,
        measure=measure if kind == SupervisionKind.ACCOUNTABILITY else "",
        deciding_body=deciding_body if kind == SupervisionKind.ACCOUNTABILITY else "",
    )
    action.full_clean(exclude=["tasks", "document"])
    action.save()
    action.tasks.set(task_list)
    # 问责 names a person and is not for the units' eyes: it stays off the task timeline units read.
    if kind != SupervisionKind.ACCOUNTABILITY:
        reason = f"{action.get_kind_display()} {doc_number}：{action.title}"
        if reply_due:
            reason += _("（要求%(day)s前回复）") % {"day": reply_due.isoformat()}
        for task in task_list:
            record_event(task=task, actor=actor, kind=EventKind.SUPERVISION, action=kind, reason=reason[:1000])
        notify(
            recipients=User.objects.filter(
                unit__in=Unit.objects.filter(pk=target_unit.pk), role=Role.UNIT, is_active=True
            ),
            kind=NotificationKind.ESCALATION,
            title=f"{action.get_kind_display()} {doc_number}：{action.title}"[:200],
            body=_("请按要求办理并回复。"),
            url=action.get_absolute_url(),
            task=task_list[0],
        )
    if suggestion is not None:
        SupervisionSuggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.OPEN).update(
            status=SuggestionStatus.ISSUED, action=action, handled_by=actor, handled_at=timezone.now()
        )
    if kind in DOCUMENT_KINDS:
        run_after_commit(GENERATE_DOCUMENT, action.pk)
    return action


@transaction.atomic
def action_reply(*, actor, action: SupervisionAction, text: str, files=()) -> SupervisionAction:
    """The unit's reply (text and files); replying again adds to it. Late replies count in the scores."""
    action = SupervisionAction.objects.select_for_update(of=("self",)).select_related("target_unit").get(pk=action.pk)
    if not can_reply_supervision(actor, action):
        raise NotAllowed(_("只有被督办单位可以回复督办。"))
    text = (text or "").strip()
    files = list(files)
    if not text:
        raise ValidationError({"text": _("请填写回复内容。")})
    checked = [check_evidence_file(f) for f in files]
    stored = []
    try:
        for upload, info in zip(files, checked, strict=True):
            reply_file = SupervisionReplyFile(action=action, original_name=info.name, size=info.size, uploaded_by=actor)
            reply_file.file.save(info.name, upload, save=False)
            stored.append(reply_file)
            reply_file.save()
        now = timezone.now()
        action.reply_text = f"{action.reply_text}\n\n{text}".strip() if action.reply_text else text
        if action.replied_at is None:
            action.replied_at = now
        action.replied_by = actor
        action.save(update_fields=["reply_text", "replied_at", "replied_by"])
        names = "、".join(f.original_name for f in stored)
        reason = f"{action.doc_number}：{text}"
        if names:
            reason += _("（附件：%(names)s）") % {"names": names}
        for task in action.tasks.all():
            record_event(task=task, actor=actor, kind=EventKind.SUPERVISION_REPLY, action=action.kind, reason=reason)
    except BaseException:
        for reply_file in stored:
            reply_file.file.storage.delete(reply_file.file.name)
        raise
    return action


@transaction.atomic
def action_record_outcome(*, actor, action: SupervisionAction, outcome: str, minutes: str | None = None):
    """办理结果 (and, for 约谈, the minutes): bureau staff."""
    require(actor, ISSUE_SUPERVISION)
    outcome = (outcome or "").strip()
    if not outcome and not minutes:
        raise ValidationError({"outcome": _("请填写办理结果。")})
    action.outcome = outcome
    action.outcome_at = timezone.now()
    fields = ["outcome", "outcome_at"]
    if minutes is not None:
        action.minutes = minutes
        fields.append("minutes")
    action.save(update_fields=fields)
    # 问责 stays off the task timeline units read (as when it was issued).
    if action.kind != SupervisionKind.ACCOUNTABILITY:
        reason = _("%(doc)s 办理结果：%(text)s") % {"doc": action.doc_number, "text": outcome or minutes}
        for task in action.tasks.all():
            record_event(
                task=task, actor=actor, kind=EventKind.SUPERVISION_OUTCOME, action=action.kind, reason=reason[:1000]
            )
    return action


@transaction.atomic
def suggestion_dismiss(*, actor, suggestion: SupervisionSuggestion, reason: str) -> SupervisionSuggestion:
    require(actor, HANDLE_SUGGESTIONS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("驳回建议须说明理由。")})
    updated = SupervisionSuggestion.objects.filter(pk=suggestion.pk, status=SuggestionStatus.OPEN).update(
        status=SuggestionStatus.DISMISSED, dismissed_reason=reason[:300], handled_by=actor, handled_at=timezone.now()
    )
    if not updated:
        raise ServiceError(_("该建议已处理。"))
    suggestion.refresh_from_db()
    return suggestion


def suggestion_prefill(suggestion: SupervisionSuggestion) -> dict:
    """The issue form's initial values for a suggestion: its kind, the task's lead unit, the task, a reply date."""
    task = suggestion.task
    reply_days = suggestion.rule.reply_days if suggestion.rule_id else 10
    today = timezone.localdate()
    return {
        "kind": suggestion.suggested_kind,
        "target_unit": suggestion.lead_unit_id,
        "tasks": [task.pk],
        "title": default_title(suggestion.suggested_kind, suggestion.lead_unit),
        "body": _("你单位牵头的整改任务%(code)s%(reason)s。请于%(due)s前将整改进展及下一步措施书面报送督察办。")
        % {"code": task.code, "reason": suggestion.reason, "due": (today + timedelta(days=reply_days)).isoformat()},
        "reply_due": today + timedelta(days=reply_days),
        "issued_on": today,
    }


def tasks_by_ids(ids) -> list[RectificationTask]:
    return list(RectificationTask.objects.filter(pk__in=list(ids)).select_related("finding"))
