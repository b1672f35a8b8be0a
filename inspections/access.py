"""The one access chokepoint: what a user may see and act on.

Every list, detail, export, report and API endpoint starts from these querysets. "Not found" and
"not yours" are the same 404, so nobody learns that another unit's task exists.
"""

from django.db.models import F, Q, QuerySet
from django.http import Http404

from accounts.choices import Role
from accounts.models import Unit

from .db import InSubquery
from .models import Evidence, Finding, InspectionRound, RectificationTask


def user_role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def led_within(unit: Unit) -> Q:
    """Tasks whose lead unit is `unit` or below it (read through the lead_unit index, see InSubquery)."""
    return Q(InSubquery(F("lead_unit"), Unit.objects.subtree_of(unit).values("pk")))


def _unit_task_filter(user) -> Q:
    """Led by the user's subtree, or with a cooperating unit in it."""
    cooperating = RectificationTask.cooperating_units.through.objects.filter(
        unit__in=Unit.objects.subtree_of(user.unit).values("pk")
    ).values("rectificationtask_id")
    return led_within(user.unit) | Q(InSubquery(F("pk"), cooperating))


def restrict_tasks(queryset: QuerySet, user) -> QuerySet:
    """Narrow any task queryset to what `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.sees_everything:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    return queryset.filter(_unit_task_filter(user))


def visible_tasks(user) -> QuerySet:
    return restrict_tasks(RectificationTask.objects.all(), user)


def visible_findings(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return Finding.objects.none()
    if user.sees_everything:
        return Finding.objects.all()
    return Finding.objects.filter(InSubquery(F("pk"), visible_tasks(user).values("finding_id")))


def visible_rounds(user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return InspectionRound.objects.none()
    if user.sees_everything:
        return InspectionRound.objects.all()
    return InspectionRound.objects.filter(InSubquery(F("pk"), visible_tasks(user).values("round_id")))


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


def can_import_ledger(user) -> bool:
    """Import a ledger file (creates rounds, units and tasks, moves statuses): bureau staff and admins."""
    return can_manage(user)


def can_view_history(user) -> bool:
    """The field-level change history of an object (who changed what): bureau staff and admins."""
    return can_manage(user)


def can_view_reports(user) -> bool:
    """Dispatch reports (周调度通报) cover the whole jurisdiction: bureau staff, leaders and admins only."""
    return user.is_authenticated and user.is_active and user_role(user) in (Role.ADMIN, Role.BUREAU, Role.LEADER)


def visible_reports(user) -> QuerySet:
    from .models import DispatchReport

    return DispatchReport.objects.all() if can_view_reports(user) else DispatchReport.objects.none()


def access_report(user, report_id):
    return _get_or_404(visible_reports(user), report_id)
