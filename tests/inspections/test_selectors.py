"""Reads: the shared task FilterSet over visible tasks, headline counts and per-round figures in SQL."""

from datetime import date

import pytest
import time_machine

from inspections import services
from inspections.choices import Category, RoundKind, Schedule, TaskStatus, Warning
from inspections.selectors import round_summary, task_counts, task_filterset, task_list, task_queryset

TODAY = date(2024, 3, 1)


@pytest.fixture
def tasks(ledger):
    with time_machine.travel(date(2024, 3, 1), tick=False):
        ledger.late = ledger.task(deadline_text="2024年2月1日", assigned_on=date(2024, 1, 1))  # overdue
        ledger.soon = ledger.task(lead_unit=ledger.plant, deadline_text="2024年3月10日", assigned_on=date(2024, 1, 1))
        ledger.town_task = ledger.task(
            lead_unit=ledger.town, deadline_text="2024年12月31日", assigned_on=date(2024, 1, 1)
        )
        ledger.done = ledger.bring_to(
            ledger.task(deadline_text="2024年2月1日", assigned_on=date(2024, 1, 1)), TaskStatus.CLOSED
        )
        other = services.round_create(actor=ledger.bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央督察")
        finding = services.finding_create(
            actor=ledger.bureau,
            inspection_round=other,
            summary="扬尘污染治理不力",
            category=Category.DUST,
            tasks=[{"lead_unit": ledger.housing, "deadline_text": "2024年6月30日", "assigned_on": date(2024, 1, 1)}],
        )
        ledger.other_round, ledger.dust = other, finding.tasks.get()
    return ledger


def pks(qs):
    return {t.pk for t in qs}


def run(user, **filters):
    with time_machine.travel(date(2024, 3, 1), tick=False):
        return pks(task_list(user=user, filters=filters))


def test_filters_over_visible_tasks(tasks):
    t = tasks
    assert run(t.bureau) == pks([t.late, t.soon, t.town_task, t.done, t.dust])
    assert run(t.water_user) == pks([t.late, t.soon, t.done])
    assert run(t.bureau, overdue="true") == pks([t.late])
    assert run(t.bureau, due_within="14") == pks([t.soon])
    assert run(t.bureau, complete="true") == pks([t.done])
    assert run(t.bureau, complete="false") == pks([t.late, t.soon, t.town_task, t.dust])
    assert run(t.bureau, status=[TaskStatus.CLOSED]) == pks([t.done])
    assert run(t.bureau, round=str(t.other_round.pk)) == pks([t.dust])
    assert run(t.bureau, category=[Category.DUST]) == pks([t.dust])
    assert run(t.bureau, lead_unit=str(t.water.pk)) == pks([t.late, t.soon, t.done])  # with the sub-unit
    assert run(t.bureau, schedule=[Schedule.OVERDUE]) == pks([t.late])
    assert run(t.bureau, warning=[Warning.RED]) >= pks([t.late])
    assert run(t.bureau, q="扬尘") == pks([t.dust])
    assert run(t.bureau, q=t.soon.code) == pks([t.soon])
    assert run(t.bureau, deadline_before="2024-02-29") == pks([t.late, t.done])


@pytest.mark.parametrize("term", ["-3", "3-", "99999999999999999999-1", "1-99999999", "--", "3-2-1"])
def test_odd_search_terms_do_not_fail(tasks, term):
    assert run(tasks.bureau, q=term) == set()


def test_unit_user_cannot_filter_by_another_units_tree(tasks):
    t = tasks
    assert run(t.water_user, lead_unit=str(t.town.pk)) == set()
    assert run(t.water_user, round=str(t.other_round.pk)) == set()
    filterset = task_filterset(user=t.water_user, filters={"lead_unit": str(t.town.pk)})
    assert not filterset.is_valid() and "lead_unit" in filterset.errors
    assert run(t.water_user, lead_unit=str(t.plant.pk)) == pks([t.soon])


def test_bad_filter_values_give_an_empty_list_not_an_error(tasks):
    assert run(tasks.bureau, due_within="abc") == set()
    assert run(tasks.bureau, deadline_before="2024-13-45") == set()
    assert run(tasks.bureau, status=["archived"]) == set()


def test_counts_and_round_summary_in_few_queries(tasks, django_assert_num_queries):
    t = tasks
    with django_assert_num_queries(1):
        counts = task_counts(task_queryset(user=t.bureau, today=TODAY), today=TODAY)
    assert counts == {"total": 5, "complete": 1, "overdue": 1}
    with django_assert_num_queries(2):
        figures = round_summary(user=t.bureau, today=TODAY)
    by_name = {f.round.name: (f.total, f.complete, f.overdue, f.rate) for f in figures}
    assert by_name == {t.round.name: (4, 1, 1, 25.0), "第二轮中央督察": (1, 0, 0, 0.0)}
    water = round_summary(user=t.water_user, today=TODAY)
    assert [(f.round, f.total, f.complete) for f in water] == [(t.round, 3, 1)]
