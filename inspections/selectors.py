"""Reads of the domain: the one place that knows how to query efficiently and within access."""

from dataclasses import dataclass
from datetime import date

from django.db import connections
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Unit
from accounts.selectors import units_visible_to

from . import summaries
from .access import cooperated_elsewhere_tasks, visible_findings, visible_rounds, visible_tasks
from .figures import completion_rate, count_aggregates
from .filtersets import TaskFilterSet
from .models import InspectionRound, RectificationTask
from .paging import ListPage, capped_counts, list_page


def task_queryset(*, user, today: date | None = None, with_leader: bool = True):
    """Visible tasks with schedule annotations and the relations a list row shows.

    `with_leader=False` leaves out the finding's responsible leader (a user row per task) for the lists that do
    not show it: the HTML task list and the API (which gives only the leader's id).
    """
    related = ("finding__round", "lead_unit", *(("finding__responsible_leader",) if with_leader else ()))
    return visible_tasks(user).with_schedule(today).select_related(*related)


def task_filterset(*, user, filters=None, request=None, with_leader: bool = True) -> TaskFilterSet:
    """The FilterSet over visible tasks; `.qs` is the filtered list (HTML list, API and export share it)."""
    queryset = task_queryset(user=user, with_leader=with_leader)
    return TaskFilterSet(filters or None, queryset=queryset, request=request, user=user)


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


def task_list_counts(tasks, *, today: date | None = None, cap: int | None = None) -> dict:
    """The list's headline: total, complete and overdue in one grouped query over at most `cap` + 1 rows.

    `capped` is True when more than `cap` (default paging.COUNT_CAP) tasks match: `total` is then `cap` and the page says "10,000+ 项"
    (complete and overdue would cover only part of the set and are not shown).
    """
    narrow = tasks.values("pk")  # no schedule annotations in the counted rows
    # Counting a column of the (status, deadline) index: the capped rows are read by an index-only scan instead of
    # a heap scan (issue 19: 9 ms → 4 ms for the unfiltered list at 300k tasks).
    return capped_counts(narrow, count_aggregates(today or timezone.localdate(), counted="status"), cap=cap)


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
    """Per-round figures over the tasks the user may see: two queries whatever the data size.

    From the summary counters when they hold `today` (their cost follows the counter rows of the rounds,
    not the rounds' tasks), else by scanning the tasks; both count figures.count_aggregates per round."""
    today = today or timezone.localdate()
    rounds = list(rounds if rounds is not None else visible_rounds(user).order_by("feedback_date", "id"))
    by_round: dict[int, list[int]] = {}
    if rounds:
        for round_id, *counts in _round_counts([r.pk for r in rounds], user=user, today=today):
            totals = by_round.setdefault(round_id, [0, 0, 0])
            for index, n in enumerate(counts):
                totals[index] += n or 0
    return [RoundFigures(r, *by_round.get(r.pk, [0, 0, 0])) for r in rounds]


def _scanned(tasks, round_ids, today: date):
    return (
        # The task's own (denormalised) round: no join to the findings, an index-only scan of
        # task_dashboard_figures (a round of 300,000 tasks: 441 ms with the join).
        tasks.filter(round__in=round_ids)
        .values("round")
        .annotate(**count_aggregates(today))
        .values_list("round", "total", "complete", "overdue")
        .order_by()
    )


def _round_counts(round_ids, *, user, today: date):
    """One statement of rows (round, total, complete, overdue), to be summed per round: the counters' rows
    when they hold `today`, else the scan of the visible tasks (summaries.held_or_scanned: only one branch
    runs, and the scan's parallel workers start only when it does). The counters are per lead unit: a unit
    user's are those of its subtree, plus a scan of the few tasks led elsewhere that its units cooperate on
    (access.cooperated_elsewhere_tasks)."""
    scan = _scanned(visible_tasks(user), round_ids, today)
    if not user.is_authenticated or not user.is_active or not (user.sees_everything or user.unit_id):
        return list(scan)
    ready = summaries.holds_day(today)
    if user.sees_everything:
        held = [summaries.round_counts(round_ids=round_ids).filter(ready)]
    else:
        counters = summaries.round_counts(round_ids=round_ids, unit_ids=Unit.objects.subtree_of(user.unit).values("pk"))
        elsewhere = cooperated_elsewhere_tasks(user).filter(ready)
        held = [counters.filter(ready), _scanned(elsewhere, round_ids, today)]
    sql, params = summaries.held_or_scanned(held, scan, day=today)
    with connections[scan.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The columns of a task the round page shows beside its finding (templates/inspections/rounds/detail.html).
ROUND_PAGE_TASK_FIELDS = ("finding_id", "number", "status", "lead_unit__name")


def round_findings_page(*, user, inspection_round, params, per_page: int) -> ListPage:
    """One page of a round's findings the user may see, in number order, each with its visible tasks
    (`shown_tasks`): three queries whatever the round's size (a capped count, the page, its tasks)."""
    findings = (
        visible_findings(user).filter(round=inspection_round).select_related("responsible_leader").order_by("number")
    )
    counts = capped_counts(findings.values("pk"), {"total": Count("pk")})
    page = list_page(findings, params, per_page=per_page, total=counts["total"], capped=counts["capped"])
    tasks = (
        visible_tasks(user)
        .filter(finding__in=[f.pk for f in page.object_list])
        .select_related("lead_unit")
        # Only what a finding's row shows of its tasks (code, lead unit, status): not the texts, the milestones
        # and closure chain (JSON decoded per row) or the search document of some hundred tasks.
        .only(*ROUND_PAGE_TASK_FIELDS)
        .order_by("finding_id", "number")
    )
    by_finding: dict[int, list[RectificationTask]] = {}
    for task in tasks:
        by_finding.setdefault(task.finding_id, []).append(task)
    for finding in page.object_list:
        finding.shown_tasks = by_finding.get(finding.pk, [])
        for task in finding.shown_tasks:
            task.finding = finding  # task.code reads the finding's number: no query per task
    return page


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
