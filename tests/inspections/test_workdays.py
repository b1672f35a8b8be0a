"""Working days on the Chinese official calendar, checked against chinesecalendar itself."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from inspections.reminders.workdays import (
    FIRST_COVERED_YEAR,
    LAST_COVERED_YEAR,
    add_workdays,
    calendar_covers,
    days_between,
    is_workday,
    workdays_between,
)


def naive_weekdays_between(start: date, end: date) -> int:
    """The Monday-to-Friday count a plain weekday rule gives for (start, end]."""
    days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(d.weekday() < 5 for d in days)


def brute_force_workdays_between(start: date, end: date, **overrides) -> int:
    if end < start:
        return -brute_force_workdays_between(end, start, **overrides)
    days = (start + timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(is_workday(d, **overrides) for d in days)


# --- the facts, as the library states them -----------------------------------------------------

NATIONAL_DAY_2024 = [date(2024, 10, d) for d in range(1, 8)]
SPRING_FESTIVAL_2024 = [date(2024, 2, d) for d in range(10, 18)]


@pytest.mark.parametrize("day", NATIONAL_DAY_2024 + SPRING_FESTIVAL_2024)
def test_official_holidays_are_days_off(day):
    assert chinese_calendar.is_holiday(day)
    assert not is_workday(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 9, 29),  # Sunday, 调休 for National Day
        date(2024, 10, 12),  # Saturday, 调休 for National Day
        date(2024, 2, 4),  # Sunday, 调休 for Spring Festival
        date(2024, 2, 18),  # Sunday, 调休 for Spring Festival
    ],
)
def test_make_up_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert chinese_calendar.is_workday(day)
    assert is_workday(day)


def test_national_day_2024_span_differs_from_weekday_rule():
    # Friday 2024-09-27 to Monday 2024-10-14: the weekdays Oct 1-4 and 7 were off, while Sunday
    # Sep 29 and Saturday Oct 12 were worked.
    start, end = date(2024, 9, 27), date(2024, 10, 14)
    library = len(chinese_calendar.get_workdays(start + timedelta(days=1), end))
    assert workdays_between(start, end) == library == 8
    assert naive_weekdays_between(start, end) == 11
    assert workdays_between(start, end) != naive_weekdays_between(start, end)


def test_spring_festival_2024_span_differs_from_weekday_rule():
    # Friday 2024-02-02 to Monday 2024-02-19: Feb 12-16 off, Sundays Feb 4 and Feb 18 worked.
    start, end = date(2024, 2, 2), date(2024, 2, 19)
    library = len(chinese_calendar.get_workdays(start + timedelta(days=1), end))
    assert workdays_between(start, end) == library == 8
    assert naive_weekdays_between(start, end) == 11
    assert workdays_between(start, end) != naive_weekdays_between(start, end)


def test_add_workdays_jumps_over_national_day_2024():
    # Monday Sep 30 + 1 working day: the next one is Tuesday Oct 8, a weekday rule says Oct 1.
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)  # the 调休 Sunday
    assert add_workdays(date(2024, 9, 30), 5) == date(2024, 10, 12)  # the 调休 Saturday


def test_add_workdays_backwards_and_zero():
    assert add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)
    assert add_workdays(date(2024, 10, 8), -2) == date(2024, 9, 29)
    assert add_workdays(date(2024, 2, 19), -1) == date(2024, 2, 18)
    assert add_workdays(date(2024, 10, 3), 0) == date(2024, 10, 3)


def test_add_workdays_matches_library_find_workday():
    # find_workday first moves to a working day, so start on one (Tuesday 2024-01-02).
    start = date(2024, 1, 2)
    for n in range(1, 60):
        assert add_workdays(start, n) == chinese_calendar.find_workday(n, start)
    start = date(2024, 12, 31)
    for n in range(1, 60):
        assert add_workdays(start, -n) == chinese_calendar.find_workday(-n, start)


@pytest.mark.parametrize("n", [1, 3, 7, 10, 22, 60])
def test_add_workdays_inverts_workdays_between(n):
    for offset in range(40):
        start = date(2024, 9, 1) + timedelta(days=offset)
        result = add_workdays(start, n)
        assert is_workday(result)
        assert workdays_between(start, result) == n


# --- counting ------------------------------------------------------------------------------------


def test_workdays_between_counts_half_open_interval():
    # (Mon, Tue]: only Tuesday. The same day: nothing.
    assert workdays_between(date(2024, 6, 3), date(2024, 6, 4)) == 1
    assert workdays_between(date(2024, 6, 3), date(2024, 6, 3)) == 0
    # Friday to Sunday: no working day.
    assert workdays_between(date(2024, 6, 7), date(2024, 6, 9)) == 0


def test_workdays_between_is_negative_backwards():
    start, end = date(2024, 9, 27), date(2024, 10, 14)
    assert workdays_between(end, start) == -workdays_between(start, end) == -8


def test_workdays_between_accepts_datetimes():
    assert workdays_between(datetime(2024, 9, 27, 18, 0), datetime(2024, 10, 14, 9, 0)) == 8
    assert not is_workday(datetime(2024, 10, 1, 12, 0))


def test_workdays_between_matches_day_by_day_count_over_years():
    # The fast count (weekday formula + corrections) against a day-by-day walk, across the
    # coverage boundary and with overrides on both sides of it.
    overrides = {
        "extra_holidays": {date(2026, 3, 2), date(2027, 1, 1), date(2027, 2, 8)},
        "extra_workdays": {date(2026, 3, 7), date(2027, 2, 13)},
    }
    starts = [date(2003, 12, 20), date(2019, 1, 1), date(2024, 2, 3), date(2026, 2, 27)]
    ends = [date(2004, 1, 5), date(2024, 10, 8), date(2026, 12, 31), date(2027, 3, 1)]
    for start in starts:
        for end in ends:
            assert workdays_between(start, end) == brute_force_workdays_between(start, end)
            assert workdays_between(start, end, **overrides) == brute_force_workdays_between(start, end, **overrides)


def test_days_between_picks_calendar_or_working_days():
    start, end = date(2024, 9, 27), date(2024, 10, 14)
    assert days_between(start, end, working_days=False) == 17
    assert days_between(start, end, working_days=True) == 8
    assert days_between(end, start, working_days=False) == -17
    assert days_between(end, start, working_days=True) == -8
    assert days_between(start, end, working_days=True, extra_holidays={date(2024, 10, 14)}) == 7


# --- coverage and overrides ----------------------------------------------------------------------


def test_library_covers_2004_to_2026():
    assert (FIRST_COVERED_YEAR, LAST_COVERED_YEAR) == (2004, 2026)
    assert calendar_covers(date(2004, 1, 1))
    assert calendar_covers(date(2026, 12, 31))
    assert not calendar_covers(date(2003, 12, 31))
    assert not calendar_covers(date(2027, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_outside_coverage_falls_back_to_weekdays():
    assert is_workday(date(2027, 1, 1))  # a Friday; the package has no 2027 notice
    assert not is_workday(date(2027, 1, 2))  # Saturday
    assert workdays_between(date(2027, 1, 1), date(2027, 1, 8)) == 5


def test_overrides_fill_in_an_uncovered_year():
    new_year_2027 = {date(2027, 1, 1)}
    assert not is_workday(date(2027, 1, 1), extra_holidays=new_year_2027)
    assert is_workday(date(2027, 1, 2), extra_workdays={date(2027, 1, 2)})
    span = (date(2026, 12, 31), date(2027, 1, 8))
    assert workdays_between(*span, extra_holidays=new_year_2027) == 5


def test_overrides_win_over_the_library():
    assert is_workday(date(2024, 10, 1), extra_workdays={date(2024, 10, 1)})
    local_day_off = {date(2024, 9, 30)}
    assert not is_workday(date(2024, 9, 30), extra_holidays=local_day_off)
    assert add_workdays(date(2024, 9, 27), 2, extra_holidays=local_day_off) == date(2024, 10, 8)


def test_date_in_both_override_sets_is_an_error():
    day = date(2027, 1, 1)
    with pytest.raises(ValueError):
        is_workday(day, extra_holidays={day}, extra_workdays={day})
