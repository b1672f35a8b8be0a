"""The task-set figures a leader reads, defined once: complete, overdue, due soon, completion rate.

Selectors, filtersets, the dashboard, the dispatch report, the ledger's summary sheet, the API and
the templates all build on these conditions, so a number on one screen is the same number on every
other one (and a figure's link lists exactly the tasks it counts). No model imports: models use it too.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q

from .choices import COMPLETE_STATUSES

__all__ = [
    "COMPLETE_STATUSES",
    "complete_q",
    "completion_rate",
    "count_aggregates",
    "due_soon_days",
    "due_soon_q",
    "due_window_q",
    "overdue_q",
    "past_deadline_q",
    "status_field",
]


def due_soon_days() -> int:
    """ "Due soon" (N天内到期) everywhere: the dashboard, the report's list, the list filter's default."""
    return settings.DUE_SOON_DAYS


def status_field(as_of: date | None = None) -> str:
    """The name to filter or group on for the status: as of a day (asof.tasks_as_of annotates it) or now."""
    return "status_on" if as_of else "status"


def complete_q(as_of: date | None = None) -> Q:
    """已完成整改: verified, closed or long-term (domain: "complete" = 已验收 + 已销号 + 长期坚持)."""
    return Q(**{f"{status_field(as_of)}__in": COMPLETE_STATUSES})


def past_deadline_q(day: date) -> Q:
    return Q(deadline__lt=day)


def overdue_q(day: date, as_of: date | None = None) -> Q:
    """已逾期: not complete and the deadline is before `day`."""
    return ~complete_q(as_of) & past_deadline_q(day)


def due_window_q(day: date, days: int | None = None) -> Q:
    """The deadline falls within `days` (default: due_soon_days) calendar days from `day`, both ends included."""
    days = due_soon_days() if days is None else days
    return Q(deadline__gte=day, deadline__lte=day + timedelta(days=days))


def due_soon_q(day: date, days: int | None = None, as_of: date | None = None) -> Q:
    """N天内到期: not complete, not yet overdue, deadline within the window."""
    return ~complete_q(as_of) & due_window_q(day, days)


def completion_rate(complete: int, total: int) -> float:
    """完成率 in percent, one decimal; 0.0 for an empty set."""
    return round(100.0 * complete / total, 1) if total else 0.0


def count_aggregates(day: date, *, counted: str = "id") -> dict:
    """total / complete / overdue of a task queryset as one aggregate (or per group with .annotate).

    `counted` is the (non-null) column counted: the list's capped count counts "status", so that the rows it reads
    need only status and deadline and PostgreSQL can read them from the task_status_deadline index alone."""
    return {
        "total": Count(counted),
        "complete": Count(counted, filter=complete_q()),
        "overdue": Count(counted, filter=overdue_q(day)),
    }
