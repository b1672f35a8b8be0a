"""督办建议 from the schedule warnings (RectificationTask.objects.with_schedule's `warning`), once a day.

1. Every open task that is yellow or red today is recorded in WarningObservation for this month (one row
   per task, month and colour: re-running the day adds nothing).
2. For each such task, the months it has been seen in that colour are counted; the active rule of that
   colour with the largest `times` not above the count gives the suggested kind.
3. The suggestion is inserted unless one for the same task, kind and month exists (unique constraint,
   ON CONFLICT DO NOTHING), or an action of that kind was already issued on the task this month.
The job is idempotent: run it twice, restart the worker mid-way, the rows are the same.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import SupervisionKind, Warning
from ..models import (
    RectificationTask,
    SuggestionRule,
    SupervisionAction,
    SupervisionSuggestion,
    WarningObservation,
)

BATCH = 5000


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass
class SuggestionRun:
    day: str
    warned: int
    observed: int
    created: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _reason(warning: str, months: int, percent: int, expected: float | None, overdue: bool) -> str:
    if overdue:
        text = _("已逾期，完成%(p)s%%") % {"p": percent}
    else:
        text = _("完成%(p)s%%，序时进度应达%(e)s%%") % {"p": percent, "e": round(expected or 0)}
    return _("%(text)s（%(colour)s，第%(n)s个月）") % {"text": text, "colour": Warning(warning).label, "n": months}


def _rule_for(rules: dict, warning: str, months: int):
    """The heaviest rule of the colour that the number of months reaches (rules sorted by times)."""
    chosen = None
    for rule in rules.get(warning, ()):
        if rule.times <= months:
            chosen = rule
    return chosen


@transaction.atomic
def suggestions_compute(*, today: date | None = None) -> SuggestionRun:
    today = today or timezone.localdate()
    month = month_of(today)
    rules: dict[str, list[SuggestionRule]] = defaultdict(list)
    for rule in SuggestionRule.objects.filter(is_active=True).order_by("times"):
        rules[rule.warning].append(rule)

    warned = list(
        RectificationTask.objects.incomplete()
        .with_schedule(today)
        .filter(warning__in=[Warning.YELLOW, Warning.RED])
        .values_list("pk", "lead_unit_id", "warning", "percent", "expected_percent", "is_overdue")
        .order_by()
    )
    # Insert only what is not recorded yet (a re-run of the day sends nothing); the unique constraint
    # with ON CONFLICT DO NOTHING still covers two runs racing each other.
    seen_this_month = set(WarningObservation.objects.filter(month=month).values_list("task_id", "warning"))
    observations = [
        WarningObservation(task_id=pk, lead_unit_id=unit, month=month, warning=warning, first_seen=today)
        for pk, unit, warning, *_rest in warned
        if (pk, warning) not in seen_this_month
    ]
    WarningObservation.objects.bulk_create(observations, ignore_conflicts=True, batch_size=BATCH)
    observed = len(observations)

    # Months seen per (task, colour), up to this month: one grouped read of the observations.
    months_seen: dict[tuple[int, str], int] = {
        (task_id, warning): n
        for task_id, warning, n in WarningObservation.objects.filter(month__lte=month)
        .values("task_id", "warning")
        .annotate(n=Count("id"))
        .values_list("task_id", "warning", "n")
        .order_by()
    }

    # Kinds already issued on a task this month: no suggestion to do it again.
    issued = set(
        SupervisionAction.tasks.through.objects.filter(
            supervisionaction__issued_on__gte=month, supervisionaction__issued_on__lte=today
        ).values_list("rectificationtask_id", "supervisionaction__kind")
    )
    suggested = set(SupervisionSuggestion.objects.filter(month=month).values_list("task_id", "suggested_kind"))
    suggestions = []
    for pk, unit, warning, percent, expected, overdue in warned:
        count = months_seen.get((pk, warning), 1)
        rule = _rule_for(rules, warning, count)
        if rule is None or (pk, rule.suggested_kind) in issued or (pk, rule.suggested_kind) in suggested:
            continue
        suggestions.append(
            SupervisionSuggestion(
                task_id=pk,
                lead_unit_id=unit,
                rule=rule,
                suggested_kind=rule.suggested_kind,
                warning=warning,
                month=month,
                reason=_reason(warning, count, percent, expected, overdue),
                created_on=today,
            )
        )
    SupervisionSuggestion.objects.bulk_create(suggestions, ignore_conflicts=True, batch_size=BATCH)
    created = SupervisionSuggestion.objects.filter(month=month).count() - len(suggested)
    return SuggestionRun(day=today.isoformat(), warned=len(warned), observed=observed, created=created)


__all__ = ["SupervisionKind", "SuggestionRun", "month_of", "suggestions_compute"]
