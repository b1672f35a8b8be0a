"""Figures "as of" a past day: the status each task had at the end of that day, rebuilt from TaskEvents.

Shared by the dashboard and the task list filters, so a figure computed as of D links to a list with
the same count.
"""

from datetime import date, datetime, time

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .figures import complete_q, status_field  # noqa: F401  (re-exported: the as-of names)
from .models import TaskEvent
from .models.events import COMPLETION_TRANSITION
from .models.tasks import end_of_day


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def tasks_as_of(queryset, day: date):
    """Tasks that existed at the end of `day`, annotated `status_on`: their status then.

    A task without any status event never changed status, so its current status is its status then.
    """
    return queryset.existing_on(day).with_status_as_of(day).annotate(status_on=Coalesce("status_as_of", "status"))


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
