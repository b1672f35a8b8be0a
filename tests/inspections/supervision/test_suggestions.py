"""督办建议 from the schedule warnings, on dated examples (time-machine): yellow → 督办通知, a second yellow
month → 专函督办, red → 约谈; the daily job is idempotent; dismissed or already issued are not suggested again."""

from datetime import date, datetime

import time_machine
from django.utils import timezone

from inspections import services as core
from inspections.choices import SuggestionStatus, SupervisionKind, Warning
from inspections.models import SupervisionSuggestion, WarningObservation
from inspections.supervision import services
from inspections.supervision.suggestions import suggestions_compute

K = SupervisionKind


def at(day: date):
    return time_machine.travel(
        timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=7))), tick=False
    )


def open_kinds(task):
    return list(
        SupervisionSuggestion.objects.filter(task=task)
        .order_by("month")
        .values_list("month", "suggested_kind", "status")
    )


def test_yellow_then_second_yellow_month_then_red(ledger):
    # Assigned 2024-01-01, due 2024-12-31, nothing done: the expected percent grows with the days.
    lagging = ledger.task()
    on_track = ledger.task()
    with at(date(2024, 3, 15)):
        core.task_progress_add(actor=ledger.water_user, task=on_track, text="按计划推进", percent=40)
        run = suggestions_compute(today=date(2024, 3, 15))  # lagging: expected 20%, 0 done → yellow
    assert run.warned == 1 and run.created == 1
    assert open_kinds(lagging) == [(date(2024, 3, 1), K.NOTICE, SuggestionStatus.OPEN)]
    assert open_kinds(on_track) == []
    suggestion = SupervisionSuggestion.objects.get(task=lagging)
    assert suggestion.warning == Warning.YELLOW and "第1个月" in suggestion.reason

    with at(date(2024, 4, 15)):
        suggestions_compute(today=date(2024, 4, 15))  # expected 29%: yellow again, second month → 专函督办
    assert open_kinds(lagging)[-1] == (date(2024, 4, 1), K.LETTER, SuggestionStatus.OPEN)

    with at(date(2024, 5, 15)):
        suggestions_compute(today=date(2024, 5, 15))  # expected 37%: more than 30 points behind → red → 约谈
    assert open_kinds(lagging)[-1] == (date(2024, 5, 1), K.INTERVIEW, SuggestionStatus.OPEN)
    assert WarningObservation.objects.filter(task=lagging).count() == 3


def test_the_daily_job_is_idempotent(ledger):
    ledger.task()
    ledger.task()
    with at(date(2024, 3, 15)):
        first = suggestions_compute(today=date(2024, 3, 15))
        again = suggestions_compute(today=date(2024, 3, 15))
    with at(date(2024, 3, 16)):
        next_day = suggestions_compute(today=date(2024, 3, 16))
    assert (first.created, again.created, next_day.created) == (2, 0, 0)
    assert (first.observed, again.observed, next_day.observed) == (2, 0, 0)
    assert SupervisionSuggestion.objects.count() == 2


def test_dismissed_is_not_suggested_again_this_month(ledger):
    task = ledger.task()
    with at(date(2024, 3, 15)):
        suggestions_compute(today=date(2024, 3, 15))
        suggestion = SupervisionSuggestion.objects.get(task=task)
        services.suggestion_dismiss(actor=ledger.bureau, suggestion=suggestion, reason="已现场督导")
        suggestions_compute(today=date(2024, 3, 20))
    assert open_kinds(task) == [(date(2024, 3, 1), K.NOTICE, SuggestionStatus.DISMISSED)]


def test_issuing_from_a_suggestion_marks_it_and_suppresses_the_kind(ledger):
    task, other = ledger.task(), ledger.task()
    with at(date(2024, 3, 15)):
        suggestions_compute(today=date(2024, 3, 15))
        suggestion = SupervisionSuggestion.objects.get(task=task)
        prefill = services.suggestion_prefill(suggestion)
        assert (
            prefill["kind"] == K.NOTICE and prefill["target_unit"] == ledger.water.pk and prefill["tasks"] == [task.pk]
        )
        action = services.action_issue(
            actor=ledger.bureau,
            kind=prefill["kind"],
            target_unit=ledger.water,
            tasks=[task],
            body=prefill["body"],
            reply_due=prefill["reply_due"],
            suggestion=suggestion,
        )
        # A notice issued directly on `other` (not from its suggestion) also counts as done this month.
        SupervisionSuggestion.objects.filter(task=other).delete()
        services.action_issue(actor=ledger.bureau, kind=K.NOTICE, target_unit=ledger.water, tasks=[other])
        suggestions_compute(today=date(2024, 3, 16))
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ISSUED and suggestion.action == action
    assert not SupervisionSuggestion.objects.filter(task=other).exists()


def test_rules_are_data(ledger):
    from inspections.models import SuggestionRule

    SuggestionRule.objects.filter(warning=Warning.YELLOW, times=1).update(suggested_kind=K.LISTED)
    SuggestionRule.objects.filter(warning=Warning.RED).update(is_active=False)
    task = ledger.task()
    with at(date(2024, 3, 15)):
        suggestions_compute(today=date(2024, 3, 15))
    with at(date(2024, 6, 15)):
        suggestions_compute(today=date(2024, 6, 15))  # red, but the red rule is off
    assert [k for _m, k, _s in open_kinds(task)] == [K.LISTED]
