"""Reads of the reminder sweep: which tasks are due or overdue on a day, in calendar or working days."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import F

from ..choices import ReminderKind
from ..figures import past_deadline_q
from ..models import Holiday, RectificationTask, ReminderRecord
from . import workdays


@dataclass(frozen=True)
class DayCounter:
    """Counts days the bureau's way: calendar days, or working days with the holiday overrides.

    A year whose official holidays are unknown (chinesecalendar does not cover it and no Holiday row was entered
    for it) is never silently counted on the Monday-to-Friday rule: between() and is_workday() do not count its
    days as working days (so "due in N working days" and "overdue by N" are never overstated: a reminder is
    never late, an escalation never early), add() estimates by the weekday rule; either way the year is put in
    `unknown_years_met`, and the sweep logs it and tells the bureau (calendar_gaps below).
    """

    working_days: bool = False
    extra_holidays: frozenset = field(default_factory=frozenset)
    extra_workdays: frozenset = field(default_factory=frozenset)
    entered_years: frozenset = field(default_factory=frozenset)  # years with Holiday rows
    unknown_years_met: set = field(default_factory=set, compare=False, hash=False)

    def __post_init__(self):
        # Many tasks share a deadline: count each (start, end) pair once.
        object.__setattr__(self, "between", lru_cache(maxsize=4096)(self._between))

    def year_known(self, year: int) -> bool:
        return not self.working_days or workdays.calendar_covers(date(year, 1, 1)) or year in self.entered_years

    def _unknown_weekdays(self, start: date, end: date) -> set[date]:
        """Mondays to Fridays in (start, end] whose year's calendar is unknown (recorded as met)."""
        low, high = min(start, end), max(start, end)
        days: set[date] = set()
        for year in range(low.year, high.year + 1):
            if self.year_known(year):
                continue
            first, last = max(low + timedelta(days=1), date(year, 1, 1)), min(high, date(year, 12, 31))
            if first > last:
                continue
            self.unknown_years_met.add(year)
            days.update(
                first + timedelta(days=i)
                for i in range((last - first).days + 1)
                if (first + timedelta(days=i)).weekday() < 5
            )
        return days

    def _between(self, start: date, end: date) -> int:
        """Days in (start, end]; negative when end is before start."""
        unknown = self._unknown_weekdays(start, end) if self.working_days else set()
        return workdays.days_between(
            start,
            end,
            working_days=self.working_days,
            extra_holidays=self.extra_holidays | unknown,
            extra_workdays=self.extra_workdays,
        )

    def is_workday(self, day: date) -> bool:
        if not self.working_days:
            return True
        if not self.year_known(day.year):
            self.unknown_years_met.add(day.year)
            return False
        return workdays.is_workday(day, extra_holidays=self.extra_holidays, extra_workdays=self.extra_workdays)

    def add(self, start: date, n: int) -> date:
        if not self.working_days:
            return start + timedelta(days=n)
        result = workdays.add_workdays(start, n, extra_holidays=self.extra_holidays, extra_workdays=self.extra_workdays)
        self._unknown_weekdays(start, result)  # an estimate over an unknown year: recorded, not silent
        return result


def holiday_years() -> frozenset:
    return frozenset(d.year for d in Holiday.objects.dates("day", "year"))


def day_counter(*, working_days: bool | None = None) -> DayCounter:
    """The counter of the current settings; the Holiday table feeds the working-day overrides."""
    working_days = settings.USE_WORKING_DAYS if working_days is None else working_days
    if not working_days:
        return DayCounter()
    holidays, extra_workdays = set(), set()
    for day, is_workday in Holiday.objects.values_list("day", "is_workday"):
        (extra_workdays if is_workday else holidays).add(day)
    return DayCounter(
        True, frozenset(holidays), frozenset(extra_workdays), frozenset(d.year for d in holidays | extra_workdays)
    )


UNKNOWN_HORIZON_SLACK_DAYS = 10  # longer than any official holiday (Spring Festival: 8-9 days off)
CALENDAR_WARNING_FROM_MONTH = 12  # from 1 December the bureau is told next year's holidays are missing


def calendar_gaps(today: date) -> list[int]:
    """Years the working-day count needs but does not know: this year, and from 1 December next year, when
    USE_WORKING_DAYS is on, chinesecalendar does not cover them and no Holiday row was entered for them."""
    if not settings.USE_WORKING_DAYS:
        return []
    years = [today.year] + ([today.year + 1] if today.month >= CALENDAR_WARNING_FROM_MONTH else [])
    uncovered = [year for year in years if not workdays.calendar_covers(date(year, 1, 1))]
    if not uncovered:
        return []
    entered = holiday_years()
    return [year for year in uncovered if year not in entered]


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
        if counter.unknown_years_met:
            horizon += timedelta(days=UNKNOWN_HORIZON_SLACK_DAYS)  # the estimate may be short of a holiday week
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
    overdue = open_tasks.filter(past_deadline_q(day))  # 已逾期 as every screen counts it (figures.py)
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


def records_of_day(day: date, kinds, unit_ids=None, *, stream: bool = False):
    """The records of one sweep day with what a digest line shows, in one query; `unit_ids`: only the tasks
    these units lead (the sweep composes its digests a batch of units at a time)."""
    records = ReminderRecord.objects.filter(day=day, kind__in=kinds)
    if unit_ids is not None:
        records = records.filter(task__lead_unit_id__in=list(unit_ids))
    rows = records.order_by(
        "-kind", "-days", "task__finding__round_id", "task__finding__number", "task__number"
    ).values(*DIGEST_FIELDS)
    # stream: an iterator over a server-side cursor, for a caller that keeps less than the rows.
    return rows.iterator(chunk_size=2000) if stream else list(rows)
