"""Figures "as of" a past day: the status each task had at the end of that day, rebuilt from TaskEvents.

Shared by the dashboard and the task list filters, so a figure computed as of D links to a list with
the same count.
"""

import re
from datetime import date, datetime, time

from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from .figures import complete_q, status_field  # noqa: F401  (re-exported: the as-of names)
from .models import RectificationTask, TaskEvent
from .models.events import COMPLETION_TRANSITION
from .models.tasks import end_of_day


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def tasks_as_of(queryset, day: date):
    """Tasks that existed at the end of `day`, annotated `status_on`: their status then.

    A task without any status event never changed status, so its current status is its status then.
    """
    return queryset.existing_on(day).with_status_as_of(day).annotate(status_on=Coalesce("status_as_of", "status"))


# The alias of the joined "status then" relation of `tasks_as_of_joined`.
STATUS_THEN = "status_then"
_PLACEHOLDER = re.compile(r"(?<!%)%s")


def tasks_as_of_joined(queryset, day: date):
    """`tasks_as_of` for a scan of many tasks (PostgreSQL): the same `status_on`, read from a relation
    joined by `join_status_then` (the last status event of every task by the end of `day`, one DISTINCT ON
    pass over the events' index, hash-joined) instead of a subquery run once per task, and per use of it.
    The compiled SQL is only valid once `join_status_then` has added that relation."""
    table = connection.ops.quote_name(RectificationTask._meta.db_table)
    status_on = RawSQL(f"COALESCE({STATUS_THEN}.to_status, {table}.status)", [], output_field=CharField())
    return queryset.existing_on(day).annotate(status_on=status_on)


def join_status_then(sql: str, params: list, day: date, *, per_task: bool = False) -> tuple[str, list]:
    """Add the relation `tasks_as_of_joined` reads to the compiled SQL of a query over its tasks: a LEFT JOIN
    right after the query's own FROM of the task table (the first one: its SELECT list has no subquery).

    Over many tasks (a leader's whole ledger), one DISTINCT ON pass over the events, hash-joined. `per_task`
    (a few thousand tasks, e.g. those a unit cooperates on): a LATERAL probe of each task's last status event
    (event_task_status_at, one index descent per task), read once per task however many figures use it: the
    correlated subquery of `tasks_as_of` is run once per use (complete? and 公示中: twice per task)."""
    table = connection.ops.quote_name(RectificationTask._meta.db_table)
    events = connection.ops.quote_name(TaskEvent._meta.db_table)
    head, found, tail = sql.partition(f" FROM {table}")
    if not found or tail[:1] not in ("", " "):
        raise RuntimeError("tasks_as_of_joined: the query does not read the task table")
    if per_task:
        join = (
            f" LEFT JOIN LATERAL (SELECT e.to_status FROM {events} e WHERE e.task_id = {table}.id"
            f" AND e.to_status <> '' AND e.at <= %s ORDER BY e.at DESC, e.id DESC LIMIT 1) {STATUS_THEN} ON TRUE"
        )
    else:
        join = (
            f" LEFT JOIN (SELECT DISTINCT ON (e.task_id) e.task_id, e.to_status FROM {events} e"
            f" WHERE e.to_status <> '' AND e.at <= %s ORDER BY e.task_id, e.at DESC, e.id DESC) {STATUS_THEN}"
            f" ON {STATUS_THEN}.task_id = {table}.id"
        )
    before = len(_PLACEHOLDER.findall(head))
    params = list(params)
    return f"{head}{found}{join}{tail}", [*params[:before], end_of_day(day), *params[before:]]


def completion_events(start: date | None = None, end: date | None = None):
    """Transitions that made a task complete (into verified/closed/long_term from an open state)."""
    events = TaskEvent.objects.filter(COMPLETION_TRANSITION)
    if start:
        events = events.filter(at__gte=start_of_day(start))
    if end:
        events = events.filter(at__lte=end_of_day(end))
    return events


def completed_between(start: date | None, end: date | None) -> Q:
    """Tasks with a completion transition in [start, end] (calendar days, local time)."""
    return Q(Exists(completion_events(start, end).filter(task=OuterRef("pk"))))
