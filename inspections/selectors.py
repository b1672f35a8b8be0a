"""Reads of the domain: the one place that knows how to query efficiently and within access."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from accounts.selectors import units_visible_to

from .access import visible_rounds, visible_tasks
from .figures import completion_rate, count_aggregates
from .filtersets import TaskFilterSet
from .models import InspectionRound


def task_queryset(*, user, today: date | None = None):
    """Visible tasks with schedule annotations and the relations a list row shows."""
    return (
        visible_tasks(user)
        .with_schedule(today)
        .select_related("finding__round", "finding__responsible_leader", "lead_unit")
    )


def task_filterset(*, user, filters=None, request=None) -> TaskFilterSet:
    """The FilterSet over visible tasks; `.qs` is the filtered list (HTML list, API and export share it)."""
    return TaskFilterSet(filters or None, queryset=task_queryset(user=user), request=request, user=user)


def task_list(*, user, filters=None):
    filterset = task_filterset(user=user, filters=filters)
    # Without filters the FilterSet is unbound, and an unbound form is never "valid": that is the full list.
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


def task_assignable_units(*, user, task):
    """Units a task may be (re)assigned to: active ones the user sees, plus the task's current units even if
    since deactivated, so an edit that keeps them is not refused. Ordered as the unit tree."""
    current = [task.lead_unit_id, *task.cooperating_units.values_list("pk", flat=True)]
    return units_visible_to(user).filter(Q(is_active=True) | Q(pk__in=current)).order_by("path")


def task_counts(tasks, *, today: date | None = None) -> dict:
    """Headline counts of a task queryset in one grouped query."""
    return tasks.aggregate(**count_aggregates(today or timezone.localdate()))


@dataclass
class RoundFigures:
    round: InspectionRound
    total: int
    complete: int
    overdue: int

    @property
    def rate(self) -> float:
        return completion_rate(self.complete, self.total)


def round_summary(*, user, rounds=None, today: date | None = None) -> list[RoundFigures]:
    """Per-round figures over the tasks the user may see: two queries whatever the data size."""
    today = today or timezone.localdate()
    rounds = list(rounds if rounds is not None else visible_rounds(user).order_by("feedback_date", "id"))
    grouped = (
        visible_tasks(user)
        .filter(finding__round__in=[r.pk for r in rounds])
        .values("finding__round")
        .annotate(**count_aggregates(today))
        .order_by()
    )
    by_round = {row["finding__round"]: row for row in grouped}
    return [
        RoundFigures(
            round=r,
            total=by_round.get(r.pk, {}).get("total", 0),
            complete=by_round.get(r.pk, {}).get("complete", 0),
            overdue=by_round.get(r.pk, {}).get("overdue", 0),
        )
        for r in rounds
    ]


@dataclass
class TimelineEntry:
    at: object
    actor: object
    kind: str
    event: object = None
    progress: object = None


def task_timeline(task) -> list[TimelineEntry]:
    """Events and progress reports of one task, newest first (two queries).

    Progress reports stand for their own PROGRESS events, which carry only a shortened copy.
    """
    from .choices import EventKind

    entries = [
        TimelineEntry(at=e.at, actor=e.actor, kind=e.kind, event=e)
        for e in task.events.exclude(kind=EventKind.PROGRESS).select_related("actor")
    ]
    entries += [
        TimelineEntry(at=p.created_at, actor=p.author, kind=EventKind.PROGRESS, progress=p)
        for p in task.progress_updates.select_related("author")
    ]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
