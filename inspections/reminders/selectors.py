"""Reads of the reminder sweep: which tasks are due or overdue on a day, in calendar or working days."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import F

from ..choices import ReminderKind
from ..models import Holiday, RectificationTask, ReminderRecord
from . import workdays


@dataclass(frozen=True)
class DayCounter:
    """Counts days the bureau's way: calendar days, or working days with the holiday overrides."""

    working_days: bool = False
    extra_holidays: frozenset = field(default_factory=frozenset)
    extra_workdays: frozenset = field(default_factory=frozenset)

    def __post_init__(self):
        # Many tasks share a deadline: count each (start, end) pair once.
        object.__setattr__(self, "between", lru_cache(maxsize=4096)(self._between))

    def _between(self, start: date, end: date) -> int:
        """Days in (start, end]; negative when end is before start."""
        return workdays.days_between(
            start,
            end,
            working_days=self.working_days,
            extra_holidays=self.extra_holidays,
            extra_workdays=self.extra_workdays,
        )

    def is_workday(self, day: date) -> bool:
        if not self.working_days:
            return True
        return workdays.is_workday(day, extra_holidays=self.extra_holidays, extra_workdays=self.extra_workdays)

    def add(self, start: date, n: int) -> date:
        if not self.working_days:
            return start + timedelta(days=n)
        return workdays.add_workdays(start, n, extra_holidays=self.extra_holidays, extra_workdays=self.extra_workdays)


def day_counter(*, working_days: bool | None = None) -> DayCounter:
    """The counter of the current settings; the Holiday table feeds the working-day overrides."""
    working_days = settings.USE_WORKING_DAYS if working_days is None else working_days
    if not working_days:
        return DayCounter()
    holidays, extra_workdays = set(), set()
    for day, is_workday in Holiday.objects.values_list("day", "is_workday"):
        (extra_workdays if is_workday else holidays).add(day)
    return DayCounter(True, frozenset(holidays), frozenset(extra_workdays))


@dataclass(frozen=True)
class PlannedReminder:
    task_id: int
    kind: str
    deadline: date
    days: int
    threshold: int | None = None


def reminders_due(day: date, *, counter: DayCounter) -> list[PlannedReminder]:
    """What the sweep of `day` should record; a fixed number of queries whatever the number of tasks.

    - due: not complete, deadline within the largest REMINDER_DAYS step; each step (7, 3, 1) is
      sent once per deadline, the closest step that applies, so a missed day still gets its
      reminder and a moved deadline starts over.
    - overdue: every open task past its deadline, every sweep day.
    - escalation: overdue longer than ESCALATE_AFTER_DAYS, once per task and deadline.
    """
    thresholds = sorted({int(t) for t in settings.REMINDER_DAYS if int(t) >= 0})
    open_tasks = RectificationTask.objects.incomplete().filter(deadline__isnull=False).order_by()
    planned: list[PlannedReminder] = []
    if thresholds:
        horizon = counter.add(day, thresholds[-1])
        window = open_tasks.filter(deadline__gte=day, deadline__lte=horizon)
        sent = {}
        for task_id, threshold in ReminderRecord.objects.filter(
            kind=ReminderKind.DUE,
            task__in=window,
            deadline=F("task__deadline"),
            threshold__isnull=False,
        ).values_list("task_id", "threshold"):
            sent[task_id] = min(threshold, sent.get(task_id, threshold))
        for task_id, deadline in window.values_list("pk", "deadline").iterator(chunk_size=5000):
            left = counter.between(day, deadline)
            step = next((t for t in thresholds if t >= left), None)
            if step is None or sent.get(task_id, step + 1) <= step:
                continue
            planned.append(PlannedReminder(task_id, ReminderKind.DUE, deadline, left, step))
    overdue = open_tasks.filter(deadline__lt=day)
    escalated = set(
        ReminderRecord.objects.filter(
            kind=ReminderKind.ESCALATION,
            task__in=overdue,
            deadline=F("task__deadline"),
            day__lt=day,
        ).values_list("task_id", flat=True)
    )
    limit = settings.ESCALATE_AFTER_DAYS
    for task_id, deadline in overdue.values_list("pk", "deadline").iterator(chunk_size=5000):
        late = counter.between(deadline, day)
        if late <= 0:  # a working-day count can be 0 over a weekend right after the deadline
            continue
        planned.append(PlannedReminder(task_id, ReminderKind.OVERDUE, deadline, late))
        if late > limit and task_id not in escalated:
            planned.append(PlannedReminder(task_id, ReminderKind.ESCALATION, deadline, late))
    return planned


DIGEST_FIELDS = (
    "task_id",
    "kind",
    "days",
    "deadline",
    "task__number",
    "task__finding__number",
    "task__finding__summary",
    "task__finding__round__name",
    "task__lead_unit_id",
    "task__lead_unit__name",
    "task__deadline_text",
    "task__finding__responsible_leader_id",
    "task__finding__responsible_leader__full_name",
)


def records_of_day(day: date, kinds) -> list[dict]:
    """The records of one sweep day with what a digest line shows, in one query."""
    return list(
        ReminderRecord.objects.filter(day=day, kind__in=kinds)
        .order_by("-kind", "-days", "task__finding__round_id", "task__finding__number", "task__number")
        .values(*DIGEST_FIELDS)
    )
