"""Unit assessment (考核): scores per unit per month, quarter or year, from the rule table (AssessmentRule).

A unit assessed is a child of the top unit (a department, a township: 各部门、各乡镇), counting the tasks
led within its subtree, as the task list's lead_unit filter does, so every figure links to the tasks it
counts. Every figure is read from history, as of the period's last day: the status then (TaskEvent),
completion transitions (TaskEvent), the months a warning was seen (WarningObservation), the actions
issued (issued_on) and the replies (reply_due, replied_at). Today's state changes nothing about a past
period, so the stored score is recomputed exactly (recompute_stored uses the rules stored with it).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Unit

from ..asof import completion_events, tasks_as_of
from ..choices import RELAPSE_VERDICTS, AssessmentMetric, PeriodKind, SupervisionKind, Warning
from ..figures import complete_q, completion_rate, overdue_q
from ..models import (
    AssessmentRule,
    AssessmentScore,
    LookbackCheck,
    RectificationTask,
    SupervisionAction,
    WarningObservation,
)
from ..models.tasks import end_of_day

BASE = Decimal("100")
CENT = Decimal("0.01")
RECEIVED_KINDS = (SupervisionKind.NOTICE, SupervisionKind.LETTER, SupervisionKind.LISTED)


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The month, quarter or year that holds `day`: (first day, last day)."""
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif kind == PeriodKind.QUARTER:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        end = (start + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    elif kind == PeriodKind.YEAR:
        start, end = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        raise ValueError(f"unknown period kind: {kind}")
    return start, end


def previous_period(kind: str, day: date) -> tuple[date, date]:
    start, _end = period_bounds(kind, day)
    return period_bounds(kind, start - timedelta(days=1))


def period_label(kind: str, start: date) -> str:
    if kind == PeriodKind.MONTH:
        return f"{start.year}年{start.month}月"
    if kind == PeriodKind.QUARTER:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


@dataclass
class UnitFigures:
    total: int = 0
    complete: int = 0
    overdue: int = 0
    due: int = 0
    on_time: int = 0
    yellow: int = 0
    red: int = 0
    received: int = 0
    interviews: int = 0
    accountability: int = 0
    late_replies: int = 0
    relapses: int = 0
    by_kind: dict = field(default_factory=dict)

    def metric(self, metric: str) -> Decimal:
        if metric == AssessmentMetric.COMPLETION_RATE:
            return Decimal(str(100 - completion_rate(self.complete, self.total))) if self.total else Decimal(0)
        if metric == AssessmentMetric.ON_TIME_RATE:
            return Decimal(str(100 - completion_rate(self.on_time, self.due))) if self.due else Decimal(0)
        return Decimal(
            {
                AssessmentMetric.OVERDUE_TASKS: self.overdue,
                AssessmentMetric.YELLOW_WARNINGS: self.yellow,
                AssessmentMetric.RED_WARNINGS: self.red,
                AssessmentMetric.SUPERVISION_RECEIVED: self.received,
                AssessmentMetric.INTERVIEWS: self.interviews,
                AssessmentMetric.ACCOUNTABILITY: self.accountability,
                AssessmentMetric.LATE_REPLIES: self.late_replies,
                AssessmentMetric.RELAPSES: self.relapses,
            }.get(metric, 0)
        )


def _assessed_unit(path: str) -> int | None:
    """The child of the top unit that `path` lies in (or the unit itself when the tree is one level)."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    return int(parts[1]) if len(parts) >= 2 else int(parts[0])


def lead_unit_as_of(end: date, task_ref: str = "pk"):
    """The task's lead unit at the end of `end`, from its change history (django-simple-history): a task
    reassigned after the period still counts for the unit that led it then. A task without a history row by
    then (bulk-loaded, or its history pruned) counts for its present lead unit."""
    history = RectificationTask.history.model.objects.filter(
        id=OuterRef(task_ref), history_date__lte=end_of_day(end)
    ).order_by("-history_date", "-history_id")
    present = "lead_unit_id" if task_ref == "pk" else f"{task_ref.removesuffix('_id')}__lead_unit_id"
    return Coalesce(Subquery(history.values("lead_unit_id")[:1]), F(present), output_field=BigIntegerField())


def unit_figures(start: date, end: date) -> dict[int, UnitFigures]:
    """Every assessed unit's figures for [start, end], as of `end` (six grouped queries)."""
    roll_up = {pk: _assessed_unit(path) for pk, path in Unit.objects.values_list("pk", "path")}
    figures: dict[int, UnitFigures] = defaultdict(UnitFigures)

    on_time = Exists(
        completion_events(end=end).filter(task=OuterRef("pk"), at__date__lte=OuterRef("deadline"))
    )  # completed by the end of its deadline day (and within the period's history)
    rows = (
        tasks_as_of(RectificationTask.objects.all(), end)
        .annotate(lead_then=lead_unit_as_of(end))
        .values("lead_then")
        .annotate(
            total=Count("id"),
            complete=Count("id", filter=complete_q(end)),
            overdue=Count("id", filter=overdue_q(end, end)),
            due=Count("id", filter=Q(deadline__gte=start, deadline__lte=end)),
            on_time=Count("id", filter=Q(deadline__gte=start, deadline__lte=end) & Q(on_time)),
        )
        .order_by()
    )
    for row in rows:
        unit = roll_up.get(row["lead_then"])
        if unit is None:
            continue
        f = figures[unit]
        for name in ("total", "complete", "overdue", "due", "on_time"):
            setattr(f, name, getattr(f, name) + row[name])

    for row in (
        WarningObservation.objects.filter(month__gte=start.replace(day=1), month__lte=end)
        .values("lead_unit_id", "warning")
        .annotate(n=Count("id"))
        .order_by()
    ):
        unit = roll_up.get(row["lead_unit_id"])
        if unit is not None:
            name = "yellow" if row["warning"] == Warning.YELLOW else "red"
            setattr(figures[unit], name, getattr(figures[unit], name) + row["n"])

    for row in (
        SupervisionAction.objects.filter(issued_on__gte=start, issued_on__lte=end)
        .values("target_unit_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        unit = roll_up.get(row["target_unit_id"])
        if unit is None:
            continue
        f = figures[unit]
        f.by_kind[row["kind"]] = f.by_kind.get(row["kind"], 0) + row["n"]
        if row["kind"] in RECEIVED_KINDS:
            f.received += row["n"]
        elif row["kind"] == SupervisionKind.INTERVIEW:
            f.interviews += row["n"]
        elif row["kind"] == SupervisionKind.ACCOUNTABILITY:
            f.accountability += row["n"]

    # 回头看 反弹 / 虚假整改 found in the period, against the unit that led the closed task then.
    for row in (
        LookbackCheck.objects.filter(verdict__in=RELAPSE_VERDICTS, checked_on__gte=start, checked_on__lte=end)
        .annotate(lead_then=lead_unit_as_of(end, "task_id"))
        .values("lead_then")
        .annotate(n=Count("id"))
        .order_by()
    ):
        unit = roll_up.get(row["lead_then"])
        if unit is not None:
            figures[unit].relapses += row["n"]

    # Late: due in the period and not answered by the end of the due day (answered later, or not yet).
    for target_unit_id, n in _late_replies(start, end):
        unit = roll_up.get(target_unit_id)
        if unit is not None:
            figures[unit].late_replies += n
    return dict(figures)


def _late_replies(start: date, end: date):
    return (
        SupervisionAction.objects.filter(reply_due__gte=start, reply_due__lte=end)
        .annotate(reply_day=TruncDate("replied_at"))
        .values("target_unit_id")
        .annotate(n=Count("id", filter=Q(replied_at__isnull=True) | Q(reply_day__gt=F("reply_due"))))
        .filter(n__gt=0)
        .values_list("target_unit_id", "n")
        .order_by()
    )


def current_rules() -> list[dict]:
    return [
        {"metric": r.metric, "points": str(r.points), "cap": None if r.cap is None else str(r.cap)}
        for r in AssessmentRule.objects.filter(is_active=True).order_by("id")
    ]


def score_of(figures: UnitFigures, rules: list[dict]) -> tuple[Decimal, dict]:
    items = {}
    total = BASE
    for rule in rules:
        value = figures.metric(rule["metric"])
        points = (value * Decimal(rule["points"])).quantize(CENT, rounding=ROUND_HALF_UP)
        if rule["cap"] is not None:
            cap = Decimal(rule["cap"])
            points = max(points, cap) if cap < 0 else min(points, cap)
        points = points if points else Decimal("0.00")  # never "-0.00"
        total += points
        items[rule["metric"]] = {"value": str(value), "points": str(points)}
    return total.quantize(CENT), items


def scores_for(kind: str, start: date, end: date, rules: list[dict] | None = None) -> list[dict]:
    """The scores of every assessed unit, ranked (ties share a rank); nothing stored."""
    rules = current_rules() if rules is None else rules
    rows = []
    for unit_id, figures in unit_figures(start, end).items():
        total, items = score_of(figures, rules)
        rows.append(
            {
                "unit_id": unit_id,
                "total": total,
                "breakdown": {
                    "rules": rules,
                    "items": items,
                    "figures": {k: v for k, v in figures.__dict__.items() if k != "by_kind"},
                    "by_kind": figures.by_kind,
                },
            }
        )
    rows.sort(key=lambda r: (-r["total"], r["unit_id"]))
    rank, previous = 0, None
    for position, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = position, row["total"]
        row["rank"] = rank
    return rows


@transaction.atomic
def scores_store(*, kind: str, start: date, end: date | None = None) -> int:
    """Compute and store a period's scores (replacing that period's stored ones)."""
    start, end = period_bounds(kind, start) if end is None else (start, end)
    rows = scores_for(kind, start, end)
    AssessmentScore.objects.filter(period_kind=kind, period_start=start).delete()
    now = timezone.now()
    AssessmentScore.objects.bulk_create(
        [
            AssessmentScore(
                unit_id=row["unit_id"],
                period_kind=kind,
                period_start=start,
                period_end=end,
                base=BASE,
                total=row["total"],
                rank=row["rank"],
                breakdown=row["breakdown"],
                computed_at=now,
            )
            for row in rows
        ]
    )
    return len(rows)


def scores_compute_period(*, period_kind: str, day: date | None = None) -> int:
    """Store the scores of the last complete period before `day` (the Celery task's service)."""
    start, end = previous_period(period_kind, day or timezone.localdate())
    return scores_store(kind=period_kind, start=start, end=end)


def recompute_stored(kind: str, start: date) -> dict[int, tuple[Decimal, dict]]:
    """The period's scores recomputed from history with the rules stored with them (for checks and tests)."""
    stored = AssessmentScore.objects.filter(period_kind=kind, period_start=start).first()
    if stored is None:
        return {}
    rows = scores_for(kind, stored.period_start, stored.period_end, rules=stored.breakdown["rules"])
    return {row["unit_id"]: (row["total"], row["breakdown"]) for row in rows}


__all__ = [
    "end_of_day",
    "period_bounds",
    "period_label",
    "previous_period",
    "recompute_stored",
    "scores_compute_period",
    "scores_for",
    "scores_store",
    "unit_figures",
]
