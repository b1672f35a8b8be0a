"""The beat entries (made by migration 0020) store last month's / quarter's / year's scores after the period ends,
through the Celery task they name; running one twice stores the same scores once."""

import json
from datetime import date

from django_celery_beat.models import PeriodicTask

from inspections.choices import PeriodKind
from inspections.models import AssessmentScore
from rectify.celery import app

from .test_scores import at, build_first_quarter

TASK = "inspections.supervision.compute_scores"


def entries():
    return {
        json.loads(e.kwargs)["period_kind"]: e for e in PeriodicTask.objects.filter(task=TASK).select_related("crontab")
    }


def test_one_entry_per_period_kind_on_the_first_day(db):
    found = entries()
    assert set(found) == {PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR}
    assert all(e.enabled and e.crontab.day_of_month == "1" for e in found.values())
    assert found[PeriodKind.QUARTER].crontab.month_of_year == "1,4,7,10"
    assert found[PeriodKind.YEAR].crontab.month_of_year == "1"
    assert found[PeriodKind.MONTH].crontab.month_of_year == "*"


def run(entry):
    return app.tasks[entry.task].apply(kwargs=json.loads(entry.kwargs)).get()


def test_the_quarter_entry_stores_the_past_quarter_once(ledger):
    build_first_quarter(ledger)
    found = entries()
    with at(date(2024, 4, 1)):
        assert run(found[PeriodKind.QUARTER]) == 2
        first = {(s.unit_id, s.period_start, s.period_end, s.total, s.rank) for s in AssessmentScore.objects.all()}
        assert run(found[PeriodKind.QUARTER]) == 2  # a retry or a second beat: the same rows, not twice
    again = {(s.unit_id, s.period_start, s.period_end, s.total, s.rank) for s in AssessmentScore.objects.all()}
    assert first == again and len(again) == 2
    assert {row[1:3] for row in again} == {(date(2024, 1, 1), date(2024, 3, 31))}
    with at(date(2024, 4, 1)):
        run(found[PeriodKind.MONTH])
    assert set(AssessmentScore.objects.filter(period_kind=PeriodKind.MONTH).values_list("period_start", flat=True)) == {
        date(2024, 3, 1)
    }
    with at(date(2025, 1, 1)):
        run(found[PeriodKind.YEAR])
    assert set(AssessmentScore.objects.filter(period_kind=PeriodKind.YEAR).values_list("period_end", flat=True)) == {
        date(2024, 12, 31)
    }
