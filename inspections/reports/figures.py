"""Dispatch-report figures as they were at the end of a date, rebuilt from the task event history.

Every figure comes from grouped queries over `existing_on(day).with_status_as_of(day)`, so the
number of queries is the same for 100 tasks or 100,000. "This week" is the seven days ending on
the report date: complete now and not complete at the end of the day a week before.
"""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import BooleanField, Case, Count, OuterRef, Q, Subquery, Value, When

from rectify.replica import lag_tolerant_atomic

from ..choices import COMPLETE_STATUSES, TaskStatus
from ..figures import completion_rate, due_window_q, past_deadline_q
from ..models import InspectionRound, RectificationTask, TaskEvent
from ..models.tasks import end_of_day

SIGNED_OFF = (TaskStatus.CLOSED, TaskStatus.LONG_TERM)
STATUS_LABELS = dict(TaskStatus.choices)


@dataclass
class Counts:
    total: int = 0
    complete: int = 0
    complete_week: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    in_notice: int = 0  # 公示中: counted in complete too (accepted, the public notice runs)

    @property
    def rate(self) -> float:
        return completion_rate(self.complete, self.total)

    def add(self, status: str | None, before: str | None, late: bool, n: int) -> None:
        done = status in COMPLETE_STATUSES
        self.total += n
        if done:
            self.complete += n
            if status == TaskStatus.IN_NOTICE:
                self.in_notice += n
            if before not in COMPLETE_STATUSES:
                self.complete_week += n
        elif status in (TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED):
            self.in_progress += n
        else:  # not started, or no status event at all (treated as not started)
            self.not_started += n
        if late and not done:
            self.overdue += n

    def as_dict(self) -> dict:
        return {**asdict(self), "rate": self.rate}


@dataclass
class RoundRow:
    id: int
    name: str
    kind: str
    findings: int
    counts: Counts

    @property
    def is_complete(self) -> bool:
        return self.counts.total > 0 and self.counts.complete == self.counts.total


@dataclass
class UnitRow:
    id: int
    name: str
    counts: Counts
    extensions: int = 0  # approved deadline extensions (延期) up to the report date
    relapses: int = 0  # 回头看 反弹 / 虚假整改 up to the report date: they count against the unit


@dataclass
class DispatchFigures:
    day: date
    week_start: date
    totals: Counts
    rounds: list[RoundRow]
    units: list[UnitRow]  # ranked: best completion rate first
    overdue: list[dict] = field(default_factory=list)
    due_soon: list[dict] = field(default_factory=list)
    closed_week: list[dict] = field(default_factory=list)
    lookback: dict = field(default_factory=dict)  # 回头看: sampled, checked, holds, relapse, fake (closure figures)


def tasks_as_of(day: date):
    """Tasks that existed at the end of `day`, annotated with their status then and a week before."""
    return (
        RectificationTask.objects.existing_on(day)
        .with_status_as_of(day)
        .with_status_as_of(day - timedelta(days=7), name="status_before")
        .order_by()
    )


@contextmanager
def _without_jit():
    """PostgreSQL's JIT spends about a second compiling each of these one-off scans; it never pays back.

    The week's figures tolerate seconds of lag: one transaction on the replica when there is one."""
    with lag_tolerant_atomic() as connection:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def dispatch_figures(day: date) -> DispatchFigures:
    with _without_jit():
        return _dispatch_figures(day)


def _dispatch_figures(day: date) -> DispatchFigures:
    tasks = tasks_as_of(day)
    grouped = (
        tasks.annotate(
            late=Case(When(deadline__lt=day, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .values("finding__round_id", "lead_unit_id", "lead_unit__name", "status_as_of", "status_before", "late")
        .annotate(n=Count("pk"))
    )
    by_round, by_unit, unit_names, totals = defaultdict(Counts), defaultdict(Counts), {}, Counts()
    for row in grouped:
        args = (row["status_as_of"], row["status_before"], row["late"], row["n"])
        by_round[row["finding__round_id"]].add(*args)
        by_unit[row["lead_unit_id"]].add(*args)
        totals.add(*args)
        unit_names[row["lead_unit_id"]] = row["lead_unit__name"]
    findings = dict(
        RectificationTask.objects.existing_on(day)
        .order_by()
        .values("finding__round_id")
        .annotate(n=Count("finding_id", distinct=True))
        .values_list("finding__round_id", "n")
    )
    rounds = [
        RoundRow(r.pk, r.name, r.kind, findings.get(r.pk, 0), by_round[r.pk])
        for r in InspectionRound.objects.filter(pk__in=list(by_round)).order_by("feedback_date", "id")
    ]
    units = sorted(
        (UnitRow(pk, unit_names[pk], counts) for pk, counts in by_unit.items()),
        key=lambda u: (-u.counts.rate, -u.counts.total, u.name),
    )
    return DispatchFigures(
        day=day,
        week_start=day - timedelta(days=6),
        totals=totals,
        rounds=rounds,
        units=units,
        overdue=_overdue(tasks, day),
        due_soon=_due_soon(tasks, day),
        closed_week=_closed_week(tasks, day),
    )


LIST_FIELDS = (
    "pk",
    "number",
    "finding__number",
    "finding__summary",
    "finding__round__name",
    "lead_unit__name",
    "finding__responsible_leader__full_name",
    "leader_text",
    "responsible_person",
    "deadline",
    "deadline_text",
    "status_as_of",
)


def _not_complete() -> Q:
    return Q(status_as_of__isnull=True) | ~Q(status_as_of__in=COMPLETE_STATUSES)


def _rows(queryset, day: date, *extra: str) -> list[dict]:
    rows = []
    for row in queryset.values(*LIST_FIELDS, *extra):
        row["code"] = f"{row['finding__number']}-{row['number']}"
        # 责任领导 as the ledger typed it for the task, else the finding's leader account.
        leader_text = row.pop("leader_text")
        row["finding__responsible_leader__full_name"] = leader_text or row["finding__responsible_leader__full_name"]
        row["status_label"] = str(STATUS_LABELS.get(row["status_as_of"] or TaskStatus.NOT_STARTED, ""))
        if row["deadline"] is not None:
            row["days"] = (row["deadline"] - day).days
            row["late"] = max(0, -row["days"])
        rows.append(row)
    return rows


def _overdue(tasks, day: date) -> list[dict]:
    qs = tasks.filter(_not_complete(), past_deadline_q(day)).order_by("deadline", "finding__round_id", "pk")
    return _rows(qs, day)


def _due_soon(tasks, day: date) -> list[dict]:
    qs = tasks.filter(_not_complete(), due_window_q(day))
    return _rows(qs.order_by("deadline", "finding__round_id", "pk"), day)


def _closed_week(tasks, day: date) -> list[dict]:
    signed_off_at = (
        TaskEvent.objects.filter(task=OuterRef("pk"), to_status__in=SIGNED_OFF, at__lte=end_of_day(day))
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    qs = (
        tasks.filter(status_as_of__in=SIGNED_OFF)
        .filter(Q(status_before__isnull=True) | ~Q(status_before__in=SIGNED_OFF))
        .annotate(signed_off_on=Subquery(signed_off_at))
        .order_by("signed_off_on", "pk")
    )
    return _rows(qs, day, "signed_off_on")
