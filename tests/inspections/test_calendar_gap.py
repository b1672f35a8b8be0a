"""The working-day calendar ends in 2026 (issue 18 item 14): from 1 December the bureau's 我的待办 page and the
admin index say next year's holidays are missing, with the link to enter the State Council's notice; reminders
never count an unknown year's days as working days, and the sweep logs it and tells the bureau."""

import logging
from datetime import date

import pytest
from django.urls import reverse
from helpers_ledger import at, make_ledger

from inspections.models import Holiday, Notification
from inspections.reminders.selectors import calendar_gaps, day_counter
from inspections.reminders.services import reminders_send
from inspections.reminders.workdays import LAST_COVERED_YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(settings):
    settings.USE_WORKING_DAYS = True
    with at(date(2026, 11, 2)):
        return make_ledger()


def page(client, user, url):
    client.force_login(user)
    return client.get(url).content.decode()


def test_library_covers_up_to_2026():
    assert LAST_COVERED_YEAR == 2026  # chinesecalendar 1.11.0, the latest release on PyPI (checked 2026-12-03)


def test_gap_is_announced_from_1_december_to_bureau_and_admin_only(client, ledger, settings):
    todo, admin_index = reverse("inspections:todo"), reverse("admin:index")
    with at(date(2026, 11, 30)):
        assert calendar_gaps(date(2026, 11, 30)) == []
        assert 'data-testid="calendar-gap"' not in page(client, ledger.bureau, todo)
    with at(date(2026, 12, 1)):
        assert calendar_gaps(date(2026, 12, 1)) == [2027]
        html = page(client, ledger.bureau, todo)
        assert 'data-testid="calendar-gap"' in html and "2027" in html
        assert reverse("admin:inspections_holiday_add") in html
        admin_html = page(client, ledger.bureau, admin_index)
        assert 'data-testid="calendar-gap"' in admin_html
        assert 'data-testid="calendar-gap"' not in page(client, ledger.water_user, todo)  # units are not asked
        settings.USE_WORKING_DAYS = False
        assert 'data-testid="calendar-gap"' not in page(client, ledger.bureau, todo)  # calendar days: no gap
        settings.USE_WORKING_DAYS = True
        Holiday.objects.create(day=date(2027, 1, 1), name="元旦")  # the notice entered
        assert calendar_gaps(date(2026, 12, 1)) == []
        assert 'data-testid="calendar-gap"' not in page(client, ledger.bureau, todo)


def test_unknown_year_days_are_never_counted_as_working_days(ledger):
    counter = day_counter()
    # Thu 2026-12-31 is a known working day; Mon 2027-01-04 and Tue 2027-01-05 are unknown.
    assert counter.between(date(2026, 12, 30), date(2027, 1, 5)) == 1
    assert counter.unknown_years_met == {2027}
    assert not counter.is_workday(date(2027, 1, 4))
    Holiday.objects.create(day=date(2027, 1, 1), name="元旦")
    entered = day_counter()
    assert entered.between(date(2026, 12, 30), date(2027, 1, 5)) == 3  # 12-31, 01-04, 01-05
    assert entered.unknown_years_met == set()


def test_sweep_in_an_unknown_year_runs_on_weekdays_logs_and_tells_the_bureau(ledger, caplog):
    with at(date(2026, 11, 2)):
        task = ledger.task(ledger.round(), date(2026, 12, 28))
    monday = date(2027, 1, 4)
    with at(monday, 8), caplog.at_level(logging.WARNING, logger="inspections.reminders.services"):
        result = reminders_send(day=monday)
        reminders_send(day=monday)  # twice the same day: one notice per person
    assert not result.skipped
    assert result.calendar_missing == [2027]
    assert "no official holidays for 2027" in caplog.text
    notices = Notification.objects.filter(recipient=ledger.bureau, title="工作日日历缺少2027年节假日安排")
    assert notices.count() == 1
    assert notices.get().url == reverse("admin:inspections_holiday_changelist")
    record = task.reminders.get(day=monday, kind="overdue")
    # Overdue since Mon 12-28: Tue 12-29 .. Thu 12-31 are known working days; 2027's are not counted.
    assert record.days == 3


def test_december_sweep_warns_about_next_year_before_it_starts(ledger):
    with at(date(2026, 12, 3), 8):
        result = reminders_send(day=date(2026, 12, 3))
    assert result.calendar_missing == [2027]
    assert Notification.objects.filter(title="工作日日历缺少2027年节假日安排").exists()
    with at(date(2026, 11, 3), 8):
        assert reminders_send(day=date(2026, 11, 3)).calendar_missing == []


def test_horizon_reaches_past_an_unknown_new_year(ledger):
    counter = day_counter()
    assert counter.add(date(2026, 12, 28), 7) >= date(2027, 1, 6)
    assert 2027 in counter.unknown_years_met
