"""Working-day arithmetic on the Chinese official calendar (法定节假日 and 调休 make-up days).

A plain Monday-to-Friday rule is wrong around every long holiday: 2024-10-01..07 were days off
although five of them are weekdays, while Sunday 2024-09-29 and Saturday 2024-10-12 were
working days (调休). The official calendar comes from the `chinesecalendar` package
(`chinese_calendar`), which publishes the State Council's notices year by year; version 1.11.0
covers 2004 to 2026 (see FIRST_COVERED_YEAR / LAST_COVERED_YEAR) and raises NotImplementedError
outside that range.

Outside the covered years this module falls back to the Monday-to-Friday rule. Every function
also takes `extra_holidays` and `extra_workdays`: admin-maintained overrides (a Holiday table)
that win over both the package and the weekday rule, so a bureau can enter next year's notice
before the package is updated, or a local day off. A date must not be in both sets.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from datetime import date, datetime, timedelta

import chinese_calendar
from chinese_calendar import constants as _calendar_data

# The package's own range check uses exactly this: the years of its holiday table.
FIRST_COVERED_YEAR = min(_calendar_data.holidays).year
LAST_COVERED_YEAR = max(_calendar_data.holidays).year

# The package's exceptions to the weekday rule, sorted, for counting long spans quickly:
# official days off (many fall on weekdays) and 调休 working days (all on weekends).
_SPECIAL_DAYS = sorted(set(_calendar_data.holidays) | set(_calendar_data.workdays))

_NO_DATES: frozenset[date] = frozenset()


def calendar_covers(d: date) -> bool:
    """Whether chinesecalendar knows the official holidays of d's year."""
    return FIRST_COVERED_YEAR <= d.year <= LAST_COVERED_YEAR


def is_workday(
    d: date,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> bool:
    """Whether people work on d: overrides first, then the official calendar, then Mon-Fri."""
    d = _as_date(d)
    if d in extra_workdays:
        if d in extra_holidays:
            raise ValueError(f"{d} is both an extra holiday and an extra working day")
        return True
    if d in extra_holidays:
        return False
    if calendar_covers(d):
        return chinese_calendar.is_workday(d)
    return d.weekday() < 5


def workdays_between(
    start: date,
    end: date,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> int:
    """Working days in (start, end]: start excluded, end included; negative if end < start.

    So workdays_between(deadline, today) is "overdue by N working days" and
    workdays_between(today, deadline) <= N is "due within N working days", the same way
    (end - start).days counts calendar days.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -workdays_between(end, start, extra_holidays=extra_holidays, extra_workdays=extra_workdays)
    count = _weekdays_after(start, end)
    # Every day that is not special follows the weekday rule, so only the special days (the
    # package's exceptions and the overrides) in the span can change the count: correct those
    # instead of walking a multi-year span day by day.
    first, last = bisect_right(_SPECIAL_DAYS, start), bisect_right(_SPECIAL_DAYS, end)
    special = set(_SPECIAL_DAYS[first:last])
    special.update(d for d in extra_holidays if start < d <= end)
    special.update(d for d in extra_workdays if start < d <= end)
    for d in special:
        rule = d.weekday() < 5
        actual = is_workday(d, extra_holidays=extra_holidays, extra_workdays=extra_workdays)
        count += actual - rule
    return count


def add_workdays(
    start: date,
    n: int,
    *,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> date:
    """The n-th working day after start (n > 0) or before it (n < 0); start itself if n == 0.

    The result is always a working day for n != 0, and start is never counted: n=1 from Friday
    2024-09-27 is Sunday 2024-09-29 (a 调休 working day); n=1 from Monday 2024-09-30 is Tuesday
    2024-10-08, after the National Day week. For n > 0, workdays_between(start, result) == n;
    for n < 0 that holds when start is itself a working day.
    """
    start = _as_date(start)
    step = timedelta(days=1 if n > 0 else -1)
    day, remaining = start, abs(n)
    while remaining:
        day += step
        if is_workday(day, extra_holidays=extra_holidays, extra_workdays=extra_workdays):
            remaining -= 1
    return day


def days_between(
    start: date,
    end: date,
    *,
    working_days: bool,
    extra_holidays: Collection[date] = _NO_DATES,
    extra_workdays: Collection[date] = _NO_DATES,
) -> int:
    """Days in (start, end], counted as calendar days or as working days (the bureau's setting)."""
    if working_days:
        return workdays_between(start, end, extra_holidays=extra_holidays, extra_workdays=extra_workdays)
    return (_as_date(end) - _as_date(start)).days


def _as_date(d: date) -> date:
    # datetime is a subclass of date but never equal to one, so it would miss every set lookup.
    return d.date() if isinstance(d, datetime) else d


def _weekdays_after(start: date, end: date) -> int:
    """Mondays to Fridays in (start, end], for start <= end."""
    return _weekdays_through(end) - _weekdays_through(start)


def _weekdays_through(d: date) -> int:
    """Mondays to Fridays from an arbitrary fixed Monday up to and including d."""
    ordinal = d.toordinal()  # date(1, 1, 1), ordinal 1, was a Monday
    weeks, extra = divmod(ordinal - 1, 7)
    return weeks * 5 + min(extra + 1, 5)
