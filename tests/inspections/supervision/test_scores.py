"""Unit scores (考核) per period from the rule table, recomputed for a past quarter from history: equal to
the stored ones after the ledger has moved on."""

from datetime import date, datetime
from decimal import Decimal

import time_machine
from django.utils import timezone

from inspections import services as core
from inspections.choices import AssessmentMetric as M
from inspections.choices import PeriodKind, SupervisionKind
from inspections.choices import TaskStatus as S
from inspections.models import AssessmentRule, AssessmentScore
from inspections.supervision import services
from inspections.supervision.scoring import period_bounds, recompute_stored, scores_store
from inspections.supervision.suggestions import suggestions_compute

K = SupervisionKind


def at(day: date):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=10))), tick=False
    )


def test_period_bounds():
    assert period_bounds(PeriodKind.MONTH, date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds(PeriodKind.QUARTER, date(2024, 5, 10)) == (date(2024, 4, 1), date(2024, 6, 30))
    assert period_bounds(PeriodKind.YEAR, date(2024, 5, 10)) == (date(2024, 1, 1), date(2024, 12, 31))


def build_first_quarter(ledger):
    with at(date(2024, 1, 2)):
        done = ledger.task(deadline_text="2024年3月31日前")
        late = ledger.task(deadline_text="2024年3月15日前")
        town = ledger.task(lead_unit=ledger.town, deadline_text="2024年12月31日前")
        plant = ledger.task(lead_unit=ledger.plant, deadline_text="2024年12月31日前")
    with at(date(2024, 2, 10)):
        suggestions_compute(today=date(2024, 2, 10))
        notice = services.action_issue(
            actor=ledger.bureau, kind=K.NOTICE, target_unit=ledger.plant, tasks=[plant], reply_due=date(2024, 2, 20)
        )
    with at(date(2024, 3, 10)):
        suggestions_compute(today=date(2024, 3, 10))
        services.action_issue(
            actor=ledger.bureau,
            kind=K.INTERVIEW,
            target_unit=ledger.town,
            tasks=[town],
            target_person="王镇长",
            interview_at=timezone.now(),
            interview_place="区政府",
        )
    with at(date(2024, 3, 20)):
        ledger.bring_to(done, S.VERIFIED)
    with at(date(2024, 3, 25)):
        services.action_reply(actor=ledger.plant_user, action=notice, text="迟到的回复")  # due 02-20: late
    return done, late, town, plant


def test_scores_of_a_past_quarter_are_reproducible(ledger):
    done, late, town, plant = build_first_quarter(ledger)
    with at(date(2024, 4, 2)):
        assert scores_store(kind=PeriodKind.QUARTER, start=date(2024, 1, 1)) == 2  # 水务局 (with the plant), 南山镇
    stored = {s.unit_id: s for s in AssessmentScore.objects.filter(period_kind=PeriodKind.QUARTER)}
    water = stored[ledger.water.pk].breakdown
    assert water["figures"]["total"] == 3 and water["figures"]["complete"] == 1
    assert water["figures"]["overdue"] == 1 and water["figures"]["due"] == 2 and water["figures"]["on_time"] == 1
    assert water["figures"]["received"] == 1 and water["figures"]["late_replies"] == 1
    assert stored[ledger.town.pk].breakdown["figures"]["interviews"] == 1
    assert water["items"][M.OVERDUE_TASKS]["points"] == "-1.00"
    assert stored[ledger.water.pk].total == Decimal("100") + sum(Decimal(i["points"]) for i in water["items"].values())
    assert sorted(s.rank for s in stored.values()) == [1, 2]

    # The ledger moves on: the overdue task is finished, more pressing, a rule changes.
    with at(date(2024, 5, 20)):
        ledger.bring_to(late, S.VERIFIED)
        core.task_progress_add(actor=ledger.town_user, task=town, text="加快推进", percent=90)
        services.action_issue(actor=ledger.bureau, kind=K.LETTER, target_unit=ledger.water, tasks=[late])
        suggestions_compute(today=date(2024, 5, 20))
        AssessmentRule.objects.filter(metric=M.OVERDUE_TASKS).update(points=Decimal("-5"))
        recomputed = recompute_stored(PeriodKind.QUARTER, date(2024, 1, 1))
    assert recomputed.keys() == stored.keys()
    for unit_id, score in stored.items():
        total, breakdown = recomputed[unit_id]
        assert total == score.total
        assert breakdown == score.breakdown


def test_month_scores_count_only_the_month(ledger):
    build_first_quarter(ledger)
    with at(date(2024, 4, 2)):
        scores_store(kind=PeriodKind.MONTH, start=date(2024, 2, 1))
    february = {s.unit_id: s.breakdown["figures"] for s in AssessmentScore.objects.filter(period_kind=PeriodKind.MONTH)}
    assert february[ledger.water.pk]["received"] == 1
    assert february[ledger.town.pk]["interviews"] == 0


def test_a_task_reassigned_after_the_quarter_still_counts_for_its_unit_then(ledger):
    done, late, town, plant = build_first_quarter(ledger)
    with at(date(2024, 4, 2)):
        scores_store(kind=PeriodKind.QUARTER, start=date(2024, 1, 1))
    stored = {s.unit_id: s for s in AssessmentScore.objects.filter(period_kind=PeriodKind.QUARTER)}
    with at(date(2024, 5, 6)):  # the overdue task moves from the water department to the housing department
        core.task_update(actor=ledger.bureau, task=late, lead_unit=ledger.housing)
        core.task_update(actor=ledger.bureau, task=town, lead_unit=ledger.water)
        recomputed = recompute_stored(PeriodKind.QUARTER, date(2024, 1, 1))
    assert ledger.housing.pk not in recomputed
    assert {unit_id: total for unit_id, (total, _b) in recomputed.items()} == {u: s.total for u, s in stored.items()}
    assert recomputed[ledger.water.pk][1] == stored[ledger.water.pk].breakdown
    # Today's ownership is what a new period sees.
    with at(date(2024, 7, 2)):
        scores_store(kind=PeriodKind.QUARTER, start=date(2024, 4, 1))
    second = {s.unit_id: s.breakdown["figures"] for s in AssessmentScore.objects.filter(period_start=date(2024, 4, 1))}
    assert second[ledger.housing.pk]["total"] == 1 and second[ledger.water.pk]["total"] == 3


def test_lookback_relapses_count_against_the_unit_in_their_period(ledger):
    from inspections.choices import LookbackVerdict
    from inspections.closure import services as closure

    with at(date(2024, 1, 2)):
        relapsed = ledger.task(deadline_text="2024年6月30日前")
        ledger.task(lead_unit=ledger.town, deadline_text="2024年6月30日前")
    with at(date(2024, 3, 1)):
        ledger.bring_to(relapsed, S.CLOSED)
    with at(date(2024, 4, 10)):
        lookback = closure.lookback_draw(actor=ledger.bureau, name="2024年回头看", task_ids=[relapsed.pk])
        closure.lookback_record(
            actor=ledger.bureau,
            check=lookback.checks.get(),
            checked_on=date(2024, 4, 10),
            inspector="赵督察",
            verdict=LookbackVerdict.RELAPSE,
            note="河道再次黑臭",
        )
    rule = AssessmentRule.objects.get(metric=M.RELAPSES)  # added by the data migration
    assert rule.is_active and rule.points < 0
    with at(date(2024, 7, 2)):
        scores_store(kind=PeriodKind.QUARTER, start=date(2024, 4, 1))
        scores_store(kind=PeriodKind.QUARTER, start=date(2024, 1, 1))
    second = AssessmentScore.objects.get(unit=ledger.water, period_start=date(2024, 4, 1))
    first = AssessmentScore.objects.get(unit=ledger.water, period_start=date(2024, 1, 1))
    assert second.breakdown["figures"]["relapses"] == 1 and first.breakdown["figures"]["relapses"] == 0
    assert Decimal(second.breakdown["items"][M.RELAPSES]["points"]) == rule.points
    assert first.breakdown["items"][M.RELAPSES]["points"] == "0.00"
