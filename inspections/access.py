"""The one access chokepoint: what a user may see and act on.

Every list, detail, export, report and API endpoint starts from these querysets. "Not found" and
"not yours" are the same 404, so nobody learns that another unit's task exists. Every "who may"
is a function here, and each rule has one error (NotAllowed, a 403) with one message: pages, the
API, the menu, management commands and the services all ask `require(user, RULE)` or its check.
What may happen next to a task is the workflow's (workflow.available_actions).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.models import Unit

from .db import InSubquery
from .errors import NotAllowed
from .models import (
    ComplaintBatch,
    ComplaintCase,
    Evidence,
    Finding,
    InspectionRound,
    RectificationTask,
    TaskCooperationFigure,
)
from .summaries import cooperation_holds


def user_role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def led_within(unit: Unit) -> Q:
    """Tasks whose lead unit is `unit` or below it (read through the lead_unit index, see InSubquery)."""
    return Q(InSubquery(F("lead_unit"), Unit.objects.subtree_of(unit).values("pk")))


def _unit_task_filter(user, *, row_test: bool = False) -> Q:
    """Led by the user's subtree, or with a cooperating unit in it.

    The cooperation half is `id = ANY(ARRAY(...))` (InSubquery): an index condition where the OR becomes a
    BitmapOr of index reads. With `row_test`, it is `id IN (SELECT ...)` instead, which PostgreSQL tests as a
    hashed subplan: for plans that test the rule on each row they walk (an ordered index walk for the first
    rows of a list), where an array of every cooperated task is searched linearly per row."""
    cooperating = RectificationTask.cooperating_units.through.objects.filter(
        unit__in=Unit.objects.subtree_of(user.unit).values("pk")
    ).values("rectificationtask_id")
    if row_test:
        return led_within(user.unit) | Q(pk__in=cooperating)
    return led_within(user.unit) | Q(InSubquery(F("pk"), cooperating))


def cooperating_elsewhere(user) -> Q:
    """Of the tasks `user` sees, those led outside its unit's subtree (seen because a unit of the subtree
    cooperates on them): the part of a unit user's tasks that the per-lead-unit counters do not hold.

    Equal to `visible_tasks(user).exclude(led_within(user.unit))` for a unit user, but written so that
    PostgreSQL starts from the cooperation rows of the subtree (an index read of a few hundred rows)
    instead of testing the visibility OR against every task. Only for a user with a unit."""
    subtree = Unit.objects.subtree_of(user.unit).values("pk")
    cooperating = RectificationTask.cooperating_units.through.objects.filter(unit__in=subtree).values(
        "rectificationtask_id"
    )
    return Q(InSubquery(F("pk"), cooperating)) & ~led_within(user.unit)


def led_tasks(user) -> QuerySet:
    """The visible tasks that the user's unit subtree leads (a unit user's own work: its to-do lists), or every
    visible task for a user who is not a unit user.

    For a unit user this is `visible_tasks(user).filter(led_within(user.unit))` without the cooperation half of
    the visibility OR, which the lead-unit condition makes redundant: with it PostgreSQL ORs in a bitmap of
    every cooperated task on each count."""
    tasks = visible_tasks(user)
    if not user.is_authenticated or not user.is_active or user.sees_everything or user.unit_id is None:
        return tasks
    return RectificationTask.objects.filter(led_within(user.unit))


def cooperated_elsewhere_tasks(user) -> QuerySet:
    """The visible tasks led outside the user's unit subtree that a unit of it cooperates on
    (`cooperating_elsewhere`), read from the subtree's cooperation rows alone: no visibility OR around it,
    which it implies (each row would be tested against an array of every cooperated task). Empty for a user
    without a unit or who sees everything (nothing of theirs is "elsewhere")."""
    if not user.is_authenticated or not user.is_active or user.sees_everything or user.unit_id is None:
        return RectificationTask.objects.none()
    return RectificationTask.objects.filter(cooperating_elsewhere(user))


def cooperating_elsewhere_of(user, task_field: str) -> Q:
    """`cooperating_elsewhere` for rows of another model that point at a task through `task_field` (a task's
    events): their task is one of the subtree's cooperation rows (a semi-join PostgreSQL can hash, reading the
    rows from task_coop_unit_task alone) and is led outside the subtree (asked of the matched rows' tasks only).
    Only for a user with a unit."""
    subtree = Unit.objects.subtree_of(user.unit).values("pk")
    cooperating = RectificationTask.cooperating_units.through.objects.filter(unit__in=subtree).values(
        "rectificationtask_id"
    )
    return Q(**{f"{task_field}__in": cooperating}) & ~Q(**{f"{task_field}__lead_unit__in": subtree})


def restrict_tasks(queryset: QuerySet, user, *, row_test: bool = False) -> QuerySet:
    """Narrow any task queryset to what `user` may see (`row_test`: see `_unit_task_filter`)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.sees_everything:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    return queryset.filter(_unit_task_filter(user, row_test=row_test))


def visible_tasks(user, *, row_test: bool = False) -> QuerySet:
    """The tasks `user` may see. `row_test`: the same rows, with the rule written for plans that test it per
    row (the first rows of an ordered list), see `_unit_task_filter`."""
    return restrict_tasks(RectificationTask.objects.all(), user, row_test=row_test)


def visible_findings(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return Finding.objects.none()
    if user.sees_everything:
        return Finding.objects.all()
    # Without the tasks' default ordering: it joined every visible task to its finding only to sort them.
    return Finding.objects.filter(InSubquery(F("pk"), visible_tasks(user).order_by().values("finding_id")))


def visible_rounds(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return InspectionRound.objects.none()
    if user.sees_everything:
        return InspectionRound.objects.all()
    if user.unit_id is None:
        return InspectionRound.objects.none()
    # The rounds of the visible tasks (led within the subtree, or cooperated on), asked per round: an EXISTS
    # probe of the led tasks ((round, lead unit) is the head of the task_dashboard_figures index), and for the
    # tasks led elsewhere the unit's cooperation counters of the round (summaries.TaskCooperationFigure, a few
    # rows) when they hold today, else the cooperated tasks themselves (a probe per cooperated task: 15 ms
    # for 6,000 at 1M tasks). A scan of every visible task grew with the unit's tasks: 60 ms for 2,500 tasks.
    tasks = RectificationTask.objects.filter(round=OuterRef("pk")).order_by()
    cooperating = RectificationTask.cooperating_units.through.objects.filter(
        unit__in=Unit.objects.subtree_of(user.unit).values("pk")
    ).values("rectificationtask_id")
    counted = (
        TaskCooperationFigure.objects.filter(viewer_unit_id=user.unit_id, round_id=OuterRef("pk"))
        .values("round_id")
        .annotate(total=Sum("n"))
        .filter(total__gt=0)
    )
    held = cooperation_holds(timezone.localdate())
    return InspectionRound.objects.filter(
        Exists(tasks.filter(led_within(user.unit)))
        | (held & Exists(counted))
        | (~held & Exists(tasks.filter(InSubquery(F("pk"), cooperating))))
    )


def visible_evidence(user) -> QuerySet:
    return Evidence.objects.filter(task__in=visible_tasks(user).values("pk"))


def _get_or_404(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("not found") from None


def access_task(user, task_id, *, queryset: QuerySet | None = None) -> RectificationTask:
    base = (
        queryset
        if queryset is not None
        else RectificationTask.objects.select_related("finding__round", "finding__responsible_leader", "lead_unit")
    )
    return _get_or_404(restrict_tasks(base, user), task_id)


def access_finding(user, finding_id) -> Finding:
    return _get_or_404(visible_findings(user).select_related("round", "responsible_leader"), finding_id)


def access_round(user, round_id) -> InspectionRound:
    return _get_or_404(visible_rounds(user), round_id)


def access_evidence(user, evidence_id) -> Evidence:
    return _get_or_404(visible_evidence(user).select_related("task"), evidence_id)


def can_report_on(user, task: RectificationTask) -> bool:
    """Progress and evidence: the bureau, or a unit user whose subtree holds the lead or a cooperating unit."""
    if not user.is_authenticated:
        return False
    role = user_role(user)
    if role in (Role.ADMIN, Role.BUREAU):
        return True
    if role != Role.UNIT or user.unit_id is None:
        return False
    if task.lead_unit.is_within(user.unit):
        return True
    return task.cooperating_units.filter(path__startswith=user.unit.path).exists()


def is_lead_unit_user(user, task: RectificationTask) -> bool:
    return user_role(user) == Role.UNIT and user.unit_id is not None and task.lead_unit.is_within(user.unit)


def can_manage(user) -> bool:
    """Create and edit rounds, findings and tasks: bureau staff and admins."""
    return user.is_authenticated and user_role(user) in (Role.ADMIN, Role.BUREAU)


def can_view_history(user) -> bool:
    """The field-level change history of an object (who changed what): bureau staff and admins."""
    return can_manage(user)


def can_view_reports(user) -> bool:
    """Dispatch reports (周调度通报) cover the whole jurisdiction: bureau staff, leaders, admins and the superior bureau."""
    return (
        user.is_authenticated
        and user.is_active
        and user_role(user) in (Role.ADMIN, Role.BUREAU, Role.LEADER, Role.SUPERIOR)
    )


def can_import_ledger(user) -> bool:
    """Import an inspectorate's list or a kept ledger (creates rounds, findings, tasks): bureau staff and admins."""
    return can_manage(user)


def can_request_reports(user) -> bool:
    """Ask for a dispatch report of a date (it is built in the background and e-mailed): bureau staff and admins."""
    return can_manage(user) and user.is_active


def can_view_tasks(user) -> bool:
    """The task list, rounds and dashboard: every signed-in account (each sees its own scope)."""
    return user.is_authenticated and user.is_active


def can_use_api_tokens(user) -> bool:
    return user.is_authenticated and user.is_active


def is_leader(user) -> bool:
    """Leaders land on the dashboard: they read figures, they do not work through lists."""
    return user.is_authenticated and user_role(user) == Role.LEADER


# --- Closure (销号): who signs, who records, who asks for more time ---------------------------------


def may_sign_for(user, task: RectificationTask) -> bool:
    """审签: the finding's responsible leader (责任领导), a leader they delegated, or an administrator.

    A finding without a named responsible leader may be signed by any leader (nobody else is named).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user_role(user) == Role.ADMIN:
        return True
    leader_id = task.finding.responsible_leader_id
    if leader_id is None or leader_id == user.pk:
        return True
    from .models import SignOffDelegation

    return SignOffDelegation.objects.filter(leader_id=leader_id, delegate=user, revoked_at__isnull=True).exists()


def has_open_objections(task: RectificationTask) -> bool:
    """A public notice's objections still waiting for a decision (they hold the task in 公示中)."""
    from .choices import ObjectionDecision
    from .models import NoticeObjection

    return NoticeObjection.objects.filter(notice__task=task, decision=ObjectionDecision.PENDING).exists()


def can_record_closure(user) -> bool:
    """Acceptance records, public notices and their objections, extension decisions, 回头看: bureau staff, admins."""
    return can_manage(user) and user.is_active


def can_request_extension(user, task: RectificationTask) -> bool:
    """延期申请: a contact of the lead unit (its subtree), or bureau staff on its behalf."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_manage(user) or is_lead_unit_user(user, task)


def can_view_filing(user) -> bool:
    """销号审批表 and the 销号报备 list: whoever reads the whole jurisdiction (bureau, leaders, admins, superior)."""
    return user.is_authenticated and user.is_active and user.sees_everything


def can_remind(user) -> bool:
    """催办: bureau staff and admins send a reminder to a task's unit."""
    return can_manage(user) and user.is_active


@dataclass(frozen=True)
class Rule:
    check: Callable[[object], bool]
    message: str  # lazy: translated when raised


MANAGE_ROUNDS = Rule(can_manage, _("只有督察办工作人员可以登记和修改督察轮次、反馈问题和整改任务。"))
ASSIGN_TASKS = Rule(can_manage, _("只有督察办工作人员可以交办整改任务。"))
EDIT_TASKS = Rule(can_manage, _("只有督察办工作人员可以修改整改任务。"))
IMPORT_LEDGER = Rule(can_import_ledger, _("只有督察办工作人员可以导入台账。"))
VIEW_REPORTS = Rule(can_view_reports, _("调度通报仅供督察办、领导和管理员查看。"))
REQUEST_REPORTS = Rule(can_request_reports, _("只有督察办工作人员可以生成调度通报。"))
RECORD_CLOSURE = Rule(can_record_closure, _("只有督察办工作人员可以登记验收、公示、延期审批和回头看。"))
VIEW_FILING = Rule(can_view_filing, _("销号审批表和销号报备清单仅供督察办、领导、上级督察办和管理员查看。"))
REMIND = Rule(can_remind, _("只有督察办工作人员可以催办。"))


def can_issue_supervision(user) -> bool:
    """Issue 督办/约谈/问责, handle suggestions, record outcomes, recompute scores: bureau staff and admins."""
    return can_manage(user) and user.is_active


def can_view_suggestions(user) -> bool:
    """The 督办建议 list is the bureau's working list."""
    return can_issue_supervision(user)


def can_view_accountability(user) -> bool:
    """问责 records name people: bureau staff, leaders and admins only (never the units)."""
    return can_view_reports(user)


def can_view_scores(user) -> bool:
    """The units' ranking (考核) covers the whole jurisdiction: bureau staff, leaders and admins."""
    return can_view_reports(user)


def can_view_supervision(user) -> bool:
    """The 督办 list: everyone signed in (a unit sees what is addressed to its subtree)."""
    return can_view_tasks(user)


def can_reply_supervision(user, action) -> bool:
    """The addressed unit (or a unit above it) replies; 问责 records are not replied to by units."""
    from .choices import SupervisionKind

    return (
        user.is_authenticated
        and user.is_active
        and user_role(user) == Role.UNIT
        and user.unit_id is not None
        and action.kind != SupervisionKind.ACCOUNTABILITY
        and action.target_unit.is_within(user.unit)
    )


ISSUE_SUPERVISION = Rule(can_issue_supervision, _("只有督察办工作人员可以下发督办、约谈和问责。"))
HANDLE_SUGGESTIONS = Rule(can_view_suggestions, _("只有督察办工作人员可以处理督办建议。"))
VIEW_SCORES = Rule(can_view_scores, _("考核排名仅供督察办、领导和管理员查看。"))
COMPUTE_SCORES = Rule(can_issue_supervision, _("只有督察办工作人员可以计算考核得分。"))


def require(user, rule: Rule) -> None:
    """Raise the rule's one error (NotAllowed: 403 on pages and in the API) unless `user` passes it."""
    if not rule.check(user):
        raise NotAllowed(str(rule.message))


def visible_reports(user) -> QuerySet:
    from .models import DispatchReport

    return DispatchReport.objects.all() if can_view_reports(user) else DispatchReport.objects.none()


def access_report(user, report_id):
    return _get_or_404(visible_reports(user), report_id)


def can_withdraw_evidence(user, evidence: Evidence, task: RectificationTask) -> bool:
    """Withdraw a mistaken evidence file: bureau staff and admins, or a contact of the unit that uploaded it
    (its subtree) who may still report on the task. The state the task is in is the workflow's rule."""
    if not user.is_authenticated or not user.is_active:
        return False
    role = user_role(user)
    if role in (Role.ADMIN, Role.BUREAU):
        return True
    uploader = evidence.uploaded_by
    if role != Role.UNIT or user.unit_id is None or uploader is None or uploader.unit_id is None:
        return False
    return uploader.unit.is_within(user.unit) and can_report_on(user, task)


# --- Complaint cases (交办件) ------------------------------------------------------------------


def restrict_cases(queryset: QuerySet, user) -> QuerySet:
    """Complaint cases `user` may see: the jurisdiction's roles all, a unit those assigned to its subtree
    (as lead or cooperating unit). A case not yet assigned is the bureau's alone."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.sees_everything:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    subtree = Unit.objects.subtree_of(user.unit).values("pk")
    cooperating = ComplaintCase.cooperating_units.through.objects.filter(unit__in=subtree).values("complaintcase_id")
    return queryset.filter(Q(InSubquery(F("lead_unit"), subtree)) | Q(InSubquery(F("pk"), cooperating)))


def visible_cases(user) -> QuerySet:
    return restrict_cases(ComplaintCase.objects.all(), user)


def visible_batches(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return ComplaintBatch.objects.none()
    if user.sees_everything:
        return ComplaintBatch.objects.all()
    return ComplaintBatch.objects.filter(InSubquery(F("pk"), visible_cases(user).values("batch_id")))


def visible_complaint_rounds(user) -> QuerySet:
    """Rounds a user may pick in the complaint filters: all for the jurisdiction's roles, else the rounds of its cases."""
    if not user.is_authenticated or not user.is_active:
        return InspectionRound.objects.none()
    if user.sees_everything:
        return InspectionRound.objects.all()
    return InspectionRound.objects.filter(InSubquery(F("pk"), visible_cases(user).values("round_id")))


def access_batch(user, batch_id) -> ComplaintBatch:
    """A batch the user may see (a unit: one holding a case of its subtree); otherwise the same 404."""
    return _get_or_404(visible_batches(user).select_related("round"), batch_id)


def access_case(user, case_id, *, queryset: QuerySet | None = None) -> ComplaintCase:
    base = queryset if queryset is not None else ComplaintCase.objects.select_related("batch__round", "lead_unit")
    return _get_or_404(restrict_cases(base, user), case_id)


def can_view_complaints(user) -> bool:
    """The complaint case list: every signed-in account (each sees its own scope)."""
    return user.is_authenticated and user.is_active


def can_manage_complaints(user) -> bool:
    """Import batches, assign cases to units, turn a case down, record the follow-up call: bureau staff and admins."""
    return can_manage(user) and user.is_active


def can_see_complainant(user) -> bool:
    """The complainant's name and contact: bureau staff and admins only (never leaders, units or exports)."""
    return can_manage_complaints(user)


def can_report_case(user, case: ComplaintCase) -> bool:
    """Report the investigation of a case: the bureau, or a unit user whose subtree holds the case's lead unit."""
    if not user.is_authenticated or not user.is_active:
        return False
    role = user_role(user)
    if role in (Role.ADMIN, Role.BUREAU):
        return True
    return (
        role == Role.UNIT
        and user.unit_id is not None
        and case.lead_unit_id is not None
        and case.lead_unit.is_within(user.unit)
    )


def can_view_complaint_reports(user) -> bool:
    """The disclosure list (公开一览表), the daily report and the rates: bureau staff, leaders and admins."""
    return can_view_reports(user)


IMPORT_COMPLAINTS = Rule(can_manage_complaints, _("只有督察办工作人员可以导入交办件。"))
MANAGE_COMPLAINTS = Rule(can_manage_complaints, _("只有督察办工作人员可以转办交办件、登记回访或转入整改台账。"))
VIEW_COMPLAINT_REPORTS = Rule(can_view_complaint_reports, _("交办件公开一览表和日报仅供督察办、领导和管理员查看。"))


# --- Supervision (督办) -----------------------------------------------------------------------


def visible_actions(user) -> QuerySet:
    """督办记录: the jurisdiction's roles see all; a unit sees those addressed to its subtree, never 问责."""
    from .choices import SupervisionKind
    from .models import SupervisionAction

    if not user.is_authenticated or not user.is_active:
        return SupervisionAction.objects.none()
    if user.sees_everything:
        if can_view_accountability(user):
            return SupervisionAction.objects.all()
        return SupervisionAction.objects.exclude(kind=SupervisionKind.ACCOUNTABILITY)
    if user.unit_id is None:
        return SupervisionAction.objects.none()
    return SupervisionAction.objects.filter(
        InSubquery(F("target_unit"), Unit.objects.subtree_of(user.unit).values("pk"))
    ).exclude(kind=SupervisionKind.ACCOUNTABILITY)


def access_action(user, action_id):
    return _get_or_404(visible_actions(user).select_related("target_unit", "issued_by", "finding"), action_id)


def visible_timeline_units(user) -> QuerySet:
    """Units whose 督办 timeline `user` may read: every unit for the jurisdiction's roles, a unit's own
    subtree for its staff (another unit's page is a 404, as for its tasks)."""
    if not can_view_supervision(user) or not user.is_active:
        return Unit.objects.none()
    if user.sees_everything:
        return Unit.objects.all()
    if user.unit_id is None:
        return Unit.objects.none()
    return Unit.objects.subtree_of(user.unit)


def access_timeline_unit(user, unit_id) -> Unit:
    return _get_or_404(visible_timeline_units(user), unit_id)


def visible_suggestions(user) -> QuerySet:
    from .models import SupervisionSuggestion

    return SupervisionSuggestion.objects.all() if can_view_suggestions(user) else SupervisionSuggestion.objects.none()


def access_suggestion(user, suggestion_id):
    return _get_or_404(visible_suggestions(user).select_related("task__finding", "lead_unit"), suggestion_id)


def visible_scores(user) -> QuerySet:
    from .models import AssessmentScore

    return AssessmentScore.objects.all() if can_view_scores(user) else AssessmentScore.objects.none()
