"""Dispatch-report figures as they were at the end of a date, rebuilt from the task event history.

Every figure comes from grouped queries over `existing_on(day).with_status_as_of(day)`, so the
number of queries is the same for 100 tasks or 100,000. "This week" is the seven days ending on
the report date: complete now and not complete at the end of the day a week before.
"""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import BooleanField, Case, Count, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from accounts.models import Unit
from rectify.replica import lag_tolerant_atomic

from ..choices import COMPLETE_STATUSES, TaskStatus
from ..figures import completion_rate, due_window_q, past_deadline_q
from ..models import InspectionRound, RectificationTask, SnapshotDay, TaskEvent, TaskFigureSnapshot
from ..models.tasks import end_of_day
from ..summaries import PAST

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
    overdue: "StreamedRows | list[dict]" = field(default_factory=list)
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


def dispatch_figures(day: date, *, from_snapshot: bool | None = None) -> DispatchFigures:
    """The report's figures as of `day`: from the day's snapshot when it holds them (`snapshot_holds`),
    else replayed from every task's events; `from_snapshot` forces one path (the tests compare them)."""
    with _without_jit():
        return _dispatch_figures(day, from_snapshot=from_snapshot)


def _replayed_groups(tasks, day: date):
    """(round, lead unit, status then, status a week before, late, tasks) from the event history of every task."""
    grouped = (
        tasks.annotate(
            late=Case(When(deadline__lt=day, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        .values("finding__round_id", "lead_unit_id", "status_as_of", "status_before", "late")
        .annotate(n=Count("pk"))
    )
    for row in grouped:
        yield (
            row["finding__round_id"],
            row["lead_unit_id"],
            row["status_as_of"],
            row["status_before"],
            row["late"],
            row["n"],
        )


def snapshot_holds(day: date) -> bool:
    """Whether the daily snapshot of `day` (summaries.TaskFigureSnapshot) gives the report's figures exactly.

    The snapshot counts each task under its round, lead unit and deadline when the snapshot was built
    (`built_at`: by the nightly roll just after the day, or by a backfill later) and its status at the end of
    `day`. That is what the replay counts when no task has been written since the snapshot was built (every
    task's round, lead unit and deadline are still those), none deleted since (it counts as many tasks as
    existed on the day) and, for a snapshot built from the live counters, no status moved between the end of
    the day and the build. One scan of the task rows and two index probes; no per-task event lookups."""
    built_at = SnapshotDay.objects.filter(day=day).values_list("built_at", flat=True).first()
    if built_at is None:
        return False
    closing = end_of_day(day)
    if closing < built_at and TaskEvent.objects.filter(to_status__gt="", at__gt=closing, at__lte=built_at).exists():
        return False
    tasks = RectificationTask.objects.order_by().aggregate(
        existing=Count("pk", filter=Q(created_at__lte=closing)),
        written_since=Count("pk", filter=Q(updated_at__gt=max(closing, built_at))),
    )
    counted = TaskFigureSnapshot.objects.filter(day=day).aggregate(n=Sum("n"))["n"] or 0
    return tasks["written_since"] == 0 and tasks["existing"] == counted


def _moved_in_week(day: date) -> Q:
    """The tasks whose status may differ between the end of `day` and a week before: a status event in the
    seven days, or created in them. Every other task has the same status (or none) at both ends."""
    week_before = end_of_day(day - timedelta(days=7))
    # to_status > '': every status event (as with_status_as_of's exclude(to_status="")), by the (to_status, at) index.
    moved = TaskEvent.objects.filter(to_status__gt="", at__gt=week_before, at__lte=end_of_day(day))
    return Q(pk__in=moved.values("task_id")) | Q(created_at__gt=week_before)


def _snapshot_groups(day: date):
    """The same groups as `_replayed_groups`, from the snapshot of `day` and the week's status events.

    Status then and lateness come from the snapshot rows (per round, lead unit, status, deadline class); only
    the tasks whose status may differ a week before (a status event in the seven days, or created in them) are
    replayed, as one extra group "status before" against the rest, whose status did not change in the week."""
    changed = (
        tasks_as_of(day)
        .filter(_moved_in_week(day))
        .annotate(
            late=Case(When(deadline__lt=day, then=Value(True)), default=Value(False), output_field=BooleanField())
        )
        # The snapshot counts a task without a status event under its own status (summaries.tasks_as_of).
        .annotate(status_on=Coalesce("status_as_of", "status"))
        .values("round_id", "lead_unit_id", "status_on", "status_as_of", "status_before", "late")
        .annotate(n=Count("pk"))
    )
    remainder = defaultdict(int)
    for row in (
        TaskFigureSnapshot.objects.filter(day=day)
        .values("round_id", "lead_unit_id", "status", "deadline_class")
        .annotate(total=Sum("n"))
        .order_by()
    ):
        late = row["deadline_class"] == PAST
        remainder[(row["round_id"], row["lead_unit_id"], row["status"], late)] += row["total"]
    for row in changed:
        key = (row["round_id"], row["lead_unit_id"], row["status_on"], row["late"])
        remainder[key] -= row["n"]
        yield (row["round_id"], row["lead_unit_id"], row["status_as_of"], row["status_before"], row["late"], row["n"])
    for (round_id, unit_id, status, late), n in remainder.items():
        if n:  # unchanged in the week: the same status a week before
            yield (round_id, unit_id, status, status, late, n)


def _dispatch_figures(day: date, *, from_snapshot: bool | None = None) -> DispatchFigures:
    tasks = tasks_as_of(day)
    if from_snapshot is None:
        from_snapshot = snapshot_holds(day)
    groups = _snapshot_groups(day) if from_snapshot else _replayed_groups(tasks, day)
    by_round, by_unit, totals = defaultdict(Counts), defaultdict(Counts), Counts()
    for round_id, unit_id, status, before, late, n in groups:
        args = (status, before, late, n)
        by_round[round_id].add(*args)
        by_unit[unit_id].add(*args)
        totals.add(*args)
    unit_names = dict(Unit.objects.filter(pk__in=list(by_unit)).values_list("pk", "name"))
    findings = dict(
        RectificationTask.objects.existing_on(day)
        .order_by()
        .values("round_id")  # copied from the finding (RectificationTask.round): no join with the findings
        .annotate(n=Count("finding_id", distinct=True))
        .values_list("round_id", "n")
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


class StreamedRows:
    """A task list too long to hold (the overdue list: tens of thousands of rows at 300,000 tasks), read once.

    The workbook streams it (`values(keys)`: one list of cell values per row, from a server-side cursor);
    the same pass keeps the total and the first `head_size` rows as dicts for the page, so the list is
    queried once. Iterating it (tests, small ledgers) yields the dicts `_rows` makes."""

    head_size = 200  # services.PAGE_ROWS

    def __init__(self, queryset, day: date):
        self.queryset, self.day = queryset, day
        self.total: int | None = None
        self.head: list[dict] = []

    def _tuples(self):
        fields = [*LIST_FIELDS]
        index = {name: i for i, name in enumerate(fields)}
        day, labels = self.day, {k: str(v) for k, v in STATUS_LABELS.items()}
        not_started = labels[TaskStatus.NOT_STARTED]
        i_fnum, i_num, i_leader, i_text, i_deadline, i_status = (
            index["finding__number"],
            index["number"],
            index["finding__responsible_leader__full_name"],
            index["leader_text"],
            index["deadline"],
            index["status_as_of"],
        )
        for row in self.queryset.values_list(*fields).iterator(chunk_size=5000):
            deadline = row[i_deadline]
            days = (deadline - day).days if deadline is not None else None
            status = row[i_status]
            # (row, code, leader, status label, days)
            yield (
                row,
                f"{row[i_fnum]}-{row[i_num]}",
                row[i_text] or row[i_leader],
                labels.get(status, "") if status else not_started,
                days,
            )

    def _as_dict(self, item) -> dict:
        row, code, leader, label, days = item
        out = dict(zip(LIST_FIELDS, row, strict=True))
        del out["leader_text"]
        out.update({"code": code, "finding__responsible_leader__full_name": leader, "status_label": label})
        if days is not None:
            out["days"], out["late"] = days, max(0, -days)
        return out

    def values(self, keys: list[str]):
        """Each row's values for `keys` (names of `_rows`' dict), streamed; records total and head."""
        positions = {name: i for i, name in enumerate(LIST_FIELDS)}
        getters = []
        for key in keys:
            if key == "code":
                getters.append(lambda item: item[1])
            elif key == "finding__responsible_leader__full_name":
                getters.append(lambda item: item[2])
            elif key == "status_label":
                getters.append(lambda item: item[3])
            elif key == "days":
                getters.append(lambda item: item[4])
            elif key == "late":
                getters.append(lambda item: None if item[4] is None else max(0, -item[4]))
            else:
                position = positions[key]
                getters.append(lambda item, position=position: item[0][position])
        total, head = 0, []
        for item in self._tuples():
            if total < self.head_size:
                head.append(self._as_dict(item))
            total += 1
            yield [get(item) for get in getters]
        self.total, self.head = total, head

    def page(self, size: int) -> dict:
        if self.total is None:  # not streamed yet (no workbook written): read it now
            for _values in self.values([]):
                pass
        return {"total": self.total, "rows": self.head[:size]}

    def __iter__(self):
        return (self._as_dict(item) for item in self._tuples())

    def __getitem__(self, index):
        return list(self)[index]

    def __len__(self) -> int:
        if self.total is None:
            self.total = self.queryset.count()
        return self.total


def _overdue(tasks, day: date) -> StreamedRows:
    qs = tasks.filter(_not_complete(), past_deadline_q(day)).order_by("deadline", "finding__round_id", "pk")
    return StreamedRows(qs, day)


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
        tasks.filter(_moved_in_week(day))  # signed off in the week: a status moved in it
        .filter(status_as_of__in=SIGNED_OFF)
        .filter(Q(status_before__isnull=True) | ~Q(status_before__in=SIGNED_OFF))
        .annotate(signed_off_on=Subquery(signed_off_at))
        .order_by("signed_off_on", "pk")
    )
    return _rows(qs, day, "signed_off_on")
