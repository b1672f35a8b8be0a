"""The dashboard's figures kept as counters per group, so reading them costs the groups, not the tasks.

Live counters (TaskFigure) hold, per (round, lead unit, category, status, warning, deadline class,
signed off this week), how many tasks have that key **as of FigureDay.day**. Two kinds of change move a
task from one key to another:

- a write (create, status move, reassignment, deadline / percent / assignment-date change, a finding's
  round or category copied onto its tasks, delete): the services wrap it in `figures_tracked(ids)`,
  which classifies the tasks before and after *in the same transaction* and inserts the difference;
- the passing of time: the warning colour (蓝/黄/红 compares percent with the share of assigned_on ..
  deadline that has elapsed, and turns red once the deadline is past), the deadline class (已逾期 /
  N天内到期 are relative to today) and "signed off this week" all change at midnight without any write.
  These are recomputed by the daily roll (`figures_roll`, Celery beat just after midnight), which
  rebuilds every counter for the new day. Until it has run, FigureDay.day is not today and the
  dashboard scans the tasks as before: a figure is never stale, at worst slow.

Every classification is one ORM query over the tasks built from the shared definitions
(`TaskQuerySet.with_schedule`, `figures.past_deadline_q` / `due_window_q`), so a counter means exactly
what the live scan counts. The as-of dashboard reads TaskFigureSnapshot: the roll copies the closing
day's counters there, and `figures_backfill` rebuilds past days from the events: on PostgreSQL a whole span
of days in one pass (inspections.snapshots), elsewhere day by day (`tasks_as_of`); the bulk seeder builds every
day of its history, as a product live since then would have. A day without a snapshot is replayed.
The weekly completion trend reads TaskCompletionDay (per day, round, lead unit, category: the tasks whose
first completion of that week fell on that day) for the days before today, rebuilt by the roll and moved
by `figures_tracked` when a completed task changes round, lead unit or category; only today's completion
events are read live. `figures_reconcile` recomputes everything and reports (or repairs) differences.
The round list and the round page read `round_counts` (per round) in the same statement as their scan
fallback (`held_or_scanned`: the counters gated on `holds_day`, the scan started only when they do not hold). The counters are per lead unit: a unit user's figures are its subtree's
counters plus its unit's cooperation counters (TaskCooperationFigure: the tasks led elsewhere that its
units cooperate on, under every unit that sees them only through a cooperation), kept by the same writes, roll,
compaction and reconcile; they depend on the unit tree (a viewer is an ancestor of a cooperating unit), so
they are read only while the tree is the one they were built on (FigureDay.cooperation_tree), else the few
tasks led elsewhere are scanned (access.cooperating_elsewhere).
"""

import hashlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Case, CharField, DateField, Exists, Min, OuterRef, Q, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Unit

from .asof import start_of_day, tasks_as_of
from .choices import COMPLETE_STATUSES, TaskStatus
from .figures import due_window_q, past_deadline_q
from .models import (
    FigureDay,
    RectificationTask,
    SnapshotDay,
    TaskCompletionDay,
    TaskCooperationFigure,
    TaskEvent,
    TaskFigure,
    TaskFigureSnapshot,
)
from .models.events import COMPLETION_TRANSITION
from .models.tasks import end_of_day
from .snapshots import SPAN_COLUMNS, span_sql

KEY = ("round_id", "lead_unit_id", "category", "status", "warning", "deadline_class", "closed_week")
COOPERATION_KEY = ("viewer_unit_id", *(k for k in KEY if k != "lead_unit_id"))
LEAD = KEY.index("lead_unit_id")
SNAPSHOT_KEY = ("round_id", "lead_unit_id", "category", "status", "deadline_class", "closed_week")
PAST, SOON = "past", "soon"
# The lead unit of the cooperation counters' per-lead-unit rows (summary_rows): some unit outside the viewer's
# subtree (no unit has id 0).
ELSEWHERE = 0
# The task fields a counter key depends on (directly or through with_schedule): writes of others need no tracking.
FIGURE_FIELDS = frozenset(
    {
        "round",
        "round_id",
        "category",
        "lead_unit",
        "lead_unit_id",
        "status",
        "deadline",
        "assigned_on",
        "percent",
        "signed_off_at",
        "cooperating_units",  # the viewers of the cooperation counters
    }
)
FIGURE_DAY_PK = 1


def definition() -> str:
    """The settings the counters depend on: counters built under other settings are not used."""
    return f"due={settings.DUE_SOON_DAYS};tol={settings.SCHEDULE_TOLERANCE};red={settings.RED_GAP}"


def _class_annotations(day: date, status: str = "status") -> dict:
    week_start = day - timedelta(days=day.weekday())
    return {
        "deadline_class": Case(
            When(past_deadline_q(day), then=Value(PAST)),
            When(due_window_q(day), then=Value(SOON)),
            default=Value(""),
            output_field=CharField(),
        ),
        # Same days as the dashboard's 本周销号 (signed_off_at within Monday .. the end of `day`).
        "closed_week": Case(
            When(Q(signed_off_at__gte=start_of_day(week_start), signed_off_at__lte=end_of_day(day)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def classified(tasks, day: date):
    """Each task's counter key as of `day` (rows of KEY values)."""
    return tasks.with_schedule(day).annotate(**_class_annotations(day)).values_list(*KEY)


def grouped(tasks, day: date):
    """The counters of `tasks` as of `day`: one row per key with its count."""
    return (
        tasks.with_schedule(day).annotate(**_class_annotations(day)).values(*KEY).annotate(n=Sum(Value(1))).order_by()
    )


def snapshot_grouped(day: date):
    """The snapshot rows of `day` rebuilt from the events (the as-of status of every task existing then)."""
    tasks = tasks_as_of(RectificationTask.objects.all(), day).annotate(
        **_class_annotations(day), snapshot_day=Value(day, output_field=DateField())
    )
    return (
        tasks.values(
            "snapshot_day", "round_id", "lead_unit_id", "category", "status_on", "deadline_class", "closed_week"
        )
        .annotate(n=Sum(Value(1)))
        .order_by()
    )


# -- the write hook ----------------------------------------------------------------------------------


def _lock_figure_day(*, exclusive: bool = False) -> FigureDay | None:
    """Lock the FigureDay row (shared for writers, exclusive for the roll) and return it."""
    queryset = FigureDay.objects.filter(pk=FIGURE_DAY_PK)
    if connection.vendor == "postgresql":
        if exclusive:
            queryset = queryset.select_for_update()
        else:
            # Django has no FOR SHARE: writers must not block each other, only the roll.
            sql, params = queryset.query.sql_with_params()
            return next(iter(FigureDay.objects.raw(f"{sql} FOR SHARE", params)), None)
    return queryset.first()


# pg_advisory_xact_lock key of the snapshot writers (the roll, a backfill pass, reconcile): one at a time.
SNAPSHOT_LOCK = 0x736E6170  # "snap"


def _lock_snapshots() -> None:
    """Wait until no other transaction writes snapshots, then hold that right until this one ends.

    The roll stores the closing day's snapshot while a backfill may be building the same day: unserialised,
    each deletes the rows it can see (not the other's uncommitted ones) and both insert, doubling that day's
    as-of figures. Taken before any row lock, so a waiting roll holds nothing writers need."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_LOCK])


def _insert_deltas(counts: Counter, model=TaskFigure, key_names=KEY) -> None:
    rows = [model(n=n, **dict(zip(key_names, key, strict=True))) for key, n in counts.items() if n]
    if rows:
        model.objects.bulk_create(rows, batch_size=1000)


def _ancestors(path: str) -> set[int]:
    """The unit of `path` and every unit above it (a path is the ids from the root down: /20/82/)."""
    return {int(part) for part in path.split("/") if part}


def unit_tree_fingerprint(paths: dict | None = None) -> str:
    """A digest of every unit's place in the tree ({unit id: path}, default: the units now): the cooperation
    counters' viewers depend on it."""
    if paths is None:
        paths = dict(Unit.objects.values_list("pk", "path"))
    rows = sorted((int(pk), path) for pk, path in paths.items())
    return hashlib.md5(",".join(f"{pk}:{path}" for pk, path in rows).encode()).hexdigest()


def _tree_fingerprint_sql() -> str:
    """`unit_tree_fingerprint` computed by PostgreSQL (the same digest)."""
    table = connection.ops.quote_name(Unit._meta.db_table)
    return f"(SELECT md5(COALESCE(string_agg(id::text || ':' || path, ',' ORDER BY id), '')) FROM {table})"


def _task_viewers(ids, figure_day: FigureDay) -> dict:
    """{task id: the units that see it only through a cooperation}: each ancestor (or itself) of a cooperating
    unit that is not an ancestor (or itself) of the lead unit (tasks without cooperating units are left out),
    in the unit tree the cooperation counters were built on (FigureDay.cooperation_paths), so that a write's
    deltas match them even after a unit moved (and back). A unit created since is its own only ancestor: the
    counters are not read while it exists (the tree differs) until a rebuild."""
    paths = figure_day.cooperation_paths or {}
    through = RectificationTask.cooperating_units.through
    rows = through.objects.filter(rectificationtask_id__in=list(ids)).values_list(
        "rectificationtask_id", "unit_id", "rectificationtask__lead_unit_id"
    )

    def ancestors(unit_id: int) -> set[int]:
        path = paths.get(str(unit_id))
        return _ancestors(path) if path is not None else {unit_id}

    viewers: dict[int, set] = {}
    for task_id, unit_id, lead_unit_id in rows:
        viewers.setdefault(task_id, set()).update(ancestors(unit_id) - ancestors(lead_unit_id))
    return viewers


def _cooperation_counts(keys: dict, viewers: dict) -> Counter:
    """{COOPERATION_KEY: tasks} of tasks with counter `keys` ({task id: KEY}) and `viewers` ({task id: units})."""
    counts = Counter()
    for pk, key in keys.items():
        for viewer in viewers.get(pk, ()):
            counts[(viewer, *key[:LEAD], *key[LEAD + 1 :])] += 1
    return counts


def _task_keys(ids, day: date, *, lock: bool) -> dict:
    """{task id: its counter key as of `day`}."""
    tasks = RectificationTask.objects.filter(pk__in=list(ids))
    if lock and connection.vendor == "postgresql":
        # The row lock makes "before" the committed state every later writer of these tasks waits for.
        tasks = tasks.select_for_update(of=("self",))
    rows = tasks.with_schedule(day).annotate(**_class_annotations(day)).values_list("pk", *KEY)
    return {row[0]: row[1:] for row in rows}


def _move_completions(before: dict, after: dict, day: date) -> None:
    """Tasks whose round, lead unit or category changed take their past completions (the trend's ledger
    days before `day`) to the new key."""
    scope = slice(0, 3)  # round_id, lead_unit_id, category
    moved = {pk: (before[pk][scope], after[pk][scope]) for pk in before.keys() & after.keys()}
    moved = {pk: keys for pk, keys in moved.items() if keys[0] != keys[1]}
    if not moved:
        return
    rows = []
    for pk, first_day in _first_completions(TaskEvent.objects.filter(task_id__in=list(moved)), day):
        old, new = moved[pk]
        rows.append(TaskCompletionDay(day=first_day, round_id=old[0], lead_unit_id=old[1], category=old[2], n=-1))
        rows.append(TaskCompletionDay(day=first_day, round_id=new[0], lead_unit_id=new[1], category=new[2], n=1))
    TaskCompletionDay.objects.bulk_create(rows)


def _first_completions(events, before_day: date) -> dict:
    """{(task id, day): (round, lead unit, category)} for each task's first completion transition of a week,
    days before `before_day` (the task's current round, lead unit and category)."""
    firsts = {}
    rows = events.filter(COMPLETION_TRANSITION, at__lt=start_of_day(before_day)).values_list(
        "task_id", "at", "task__round_id", "task__lead_unit_id", "task__category"
    )
    for task_id, at, *scope in rows.iterator(chunk_size=5000):
        local = timezone.localtime(at).date()
        key = (task_id, local - timedelta(days=local.weekday()))
        if key not in firsts or local < firsts[key][0]:
            firsts[key] = (local, tuple(scope))
    return {(task_id, first): scope for (task_id, _week), (first, scope) in firsts.items()}


@contextmanager
def figures_tracked(task_ids):
    """Keep the live counters of the tasks `task_ids` written inside the block (same transaction).

    Use around any write of a task's round, category, lead unit, status, deadline, assigned_on,
    percent or signed_off_at, and around deletes. New tasks: `figures_added` after creating them.
    """
    ids = [pk for pk in task_ids if pk is not None]
    with transaction.atomic():
        figure_day = _lock_figure_day() if ids else None
        day = figure_day.day if figure_day else None
        before = _task_keys(ids, day, lock=True) if day else {}
        before_viewers = _task_viewers(ids, figure_day) if day else {}
        yield
        if day:
            after = _task_keys(ids, day, lock=False)
            counts = Counter(after.values())
            counts.subtract(Counter(before.values()))
            _insert_deltas(counts)
            cooperation = _cooperation_counts(after, _task_viewers(ids, figure_day))
            cooperation.subtract(_cooperation_counts(before, before_viewers))
            _insert_deltas(cooperation, TaskCooperationFigure, COOPERATION_KEY)
            _move_completions(before, after, day)


def figures_tracked_fields(task_ids, fields):
    """`figures_tracked` when `fields` (the names a write saves) include a counter's input, else nothing."""
    return figures_tracked(task_ids if FIGURE_FIELDS & set(fields) else [])


def figures_added(task_ids) -> None:
    """Count tasks just created in this transaction (after their cooperating units are stored)."""
    ids = list(task_ids)
    if not ids:
        return
    with transaction.atomic():
        figure_day = _lock_figure_day()
        if figure_day and figure_day.day:
            keys = _task_keys(ids, figure_day.day, lock=False)
            _insert_deltas(Counter(keys.values()))
            viewers = _task_viewers(ids, figure_day)
            _insert_deltas(_cooperation_counts(keys, viewers), TaskCooperationFigure, COOPERATION_KEY)


# -- the daily roll, compaction, snapshots ------------------------------------------------------------


def history_start() -> date | None:
    """The first day of the ledger's history: the local day the oldest task was created (None: no tasks)."""
    first = RectificationTask.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localtime(first).date() if first else None


def figures_seeded(*, today: date | None = None) -> None:
    """After bulk seeding, the state a live product would have: the counters for today and a snapshot of
    every past day of the seeded history (the nightly roll writes one a day; one pass builds them all)."""
    today = today or timezone.localdate()
    figures_roll(today=today)
    start = history_start()
    if start and start < today:
        figures_backfill(start=start, end=today - timedelta(days=1), replace=True, today=today)


def _figure_day_for_update() -> FigureDay:
    FigureDay.objects.get_or_create(pk=FIGURE_DAY_PK)
    return _lock_figure_day(exclusive=True)


def _completion_rows(before_day: date) -> Counter:
    """The trend ledger recomputed from the events: {(day, round, lead unit, category): tasks}."""
    return Counter(
        (first, *scope) for (_pk, first), scope in _first_completions(TaskEvent.objects.all(), before_day).items()
    )


def _rebuild_completions(day: date) -> None:
    TaskCompletionDay.objects.all().delete()
    rows = [
        TaskCompletionDay(day=first, round_id=round_id, lead_unit_id=unit_id, category=category, n=n)
        for (first, round_id, unit_id, category), n in _completion_rows(day).items()
    ]
    TaskCompletionDay.objects.bulk_create(rows, batch_size=5000)


def _insert_select(model, columns: list[str], queryset, selected_as: list[str] | None = None) -> int:
    """INSERT INTO model's table (columns) the rows of `queryset` (whose SELECT lists exactly `columns`),
    inside the database: a rebuild never ships the groups through Python."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    selected = [alias for _expr, _sql, alias in compiler.select]
    if selected != (selected_as or columns):
        raise RuntimeError(f"unexpected columns {selected!r}, expected {selected_as or columns!r}")
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) {sql}", params)
        return cursor.rowcount


def _rebuild(day: date) -> int:
    _tune()
    TaskFigure.objects.all().delete()
    return _insert_select(TaskFigure, [*KEY, "n"], grouped(RectificationTask.objects.all(), day))


def _cooperation_sql(day: date) -> tuple[str, list]:
    """SELECT COOPERATION_KEY, n: the cooperation counters of every task as of `day`, computed in the database
    (each task's distinct viewers: ancestors of its cooperating units that are not ancestors of its lead unit)."""
    through = RectificationTask.cooperating_units.through
    tasks = (
        RectificationTask.objects.filter(Exists(through.objects.filter(rectificationtask_id=OuterRef("pk"))))
        .with_schedule(day)
        .annotate(**_class_annotations(day))
        .values_list("pk", *KEY)
    )
    compiler = tasks.query.get_compiler(using=tasks.db)
    tasks_sql, params = compiler.as_sql()
    selected = [alias for _expr, _sql, alias in compiler.select]
    if selected != ["pk", *KEY]:
        raise RuntimeError(f"unexpected columns {selected!r}")
    quote = connection.ops.quote_name
    unit, coop = quote(Unit._meta.db_table), quote(through._meta.db_table)
    keys = ", ".join(f"k.{quote(k)}" for k in COOPERATION_KEY[1:])
    sql = (
        f"SELECT pairs.viewer, {keys}, COUNT(*) FROM ("
        f"SELECT DISTINCT c.rectificationtask_id AS task_id, v.id AS viewer, v.path AS viewer_path FROM {coop} c "
        f"JOIN {unit} cu ON cu.id = c.unit_id JOIN {unit} v ON cu.path LIKE v.path || '%%'"
        f") pairs JOIN ({tasks_sql}) k ON k.{quote('pk')} = pairs.task_id "
        f"JOIN {unit} lu ON lu.id = k.{quote('lead_unit_id')} "
        f"WHERE NOT (lu.path LIKE pairs.viewer_path || '%%') "
        f"GROUP BY pairs.viewer, {keys}"
    )
    return sql, list(params)


def _rebuild_cooperation(day: date) -> int:
    """Rebuild the cooperation counters for `day` and record the unit tree they follow (read first: a unit moved
    during the rebuild makes the tree differ, so the counters are not read until the next rebuild)."""
    paths = {str(pk): path for pk, path in Unit.objects.values_list("pk", "path")}
    _tune()
    TaskCooperationFigure.objects.all().delete()
    sql, params = _cooperation_sql(day)
    table = connection.ops.quote_name(TaskCooperationFigure._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(COOPERATION_KEY)}, n) {sql}", params)
        count = cursor.rowcount
    FigureDay.objects.filter(pk=FIGURE_DAY_PK).update(
        cooperation_tree=unit_tree_fingerprint(paths), cooperation_paths=paths
    )
    return count


@transaction.atomic
def figures_roll(*, today: date | None = None) -> dict:
    """Daily (beat, after midnight): snapshot the closing day, then rebuild the counters for `today`.

    Idempotent: a second run the same day rebuilds the same counters.
    """
    today = today or timezone.localdate()
    _lock_snapshots()
    figure_day = _figure_day_for_update()
    closing = figure_day.day
    snapshot = None
    if closing and closing < today and figure_day.definition == definition():
        # The counters as of the closing day hold every write up to now: its end-of-day state.
        snapshot = closing
        _store_snapshot(closing, _live_rows_without_warning())
    groups = _rebuild(today)
    _rebuild_cooperation(today)
    _rebuild_completions(today)
    FigureDay.objects.filter(pk=FIGURE_DAY_PK).update(day=today, definition=definition(), built_at=timezone.now())
    return {"day": today.isoformat(), "groups": groups, "snapshot": snapshot.isoformat() if snapshot else None}


def _live_rows_without_warning() -> list[dict]:
    rows = TaskFigure.objects.values(*SNAPSHOT_KEY).annotate(total=Sum("n")).filter(total__gt=0).order_by()
    return [{**{k: r[k] for k in SNAPSHOT_KEY}, "n": r["total"]} for r in rows]


def _store_snapshot(day: date, rows: list[dict] | None) -> None:
    """Store `rows` as the snapshot of `day`; None: rebuild it from the events, inside the database."""
    TaskFigureSnapshot.objects.filter(day=day).delete()
    if rows is None:
        queryset = snapshot_grouped(day)
        selected = [
            "snapshot_day",
            "round_id",
            "lead_unit_id",
            "category",
            "status_on",
            "deadline_class",
            "closed_week",
            "n",
        ]
        _insert_select(TaskFigureSnapshot, ["day", *SNAPSHOT_KEY, "n"], queryset, selected)
    else:
        TaskFigureSnapshot.objects.bulk_create([TaskFigureSnapshot(day=day, **row) for row in rows], batch_size=5000)
    SnapshotDay.objects.update_or_create(day=day, defaults={"built_at": timezone.now()})


def _rows_from_events(day: date) -> list[dict]:
    return [
        {
            "round_id": r["round_id"],
            "lead_unit_id": r["lead_unit_id"],
            "category": r["category"],
            "status": r["status_on"],
            "deadline_class": r["deadline_class"],
            "closed_week": r["closed_week"],
            "n": r["n"],
        }
        for r in snapshot_grouped(day)
    ]


# Days built per transaction by the one-pass backfill. Each pass reads every task and status event up to its
# last day, so fewer, longer passes cost less (300k tasks, 3,240 days: 9 passes of 400 days 113 s, one pass
# 87 s of which 8.2M rows inserted); ten years keep a transaction (and a resumed backfill's lost work) bounded.
SPAN_DAYS = 3660


def figures_backfill(*, start: date, end: date, replace: bool = False, today: date | None = None) -> int:
    """Build the snapshots of the days start..end (not today); skips built days unless `replace`. Returns the
    number of days built.

    On PostgreSQL one pass over the tasks and their status events builds up to SPAN_DAYS days at once
    (inspections.snapshots), one transaction per pass, so a long backfill can be stopped and resumed; the rows
    equal the day-by-day replay (`snapshot_grouped`), which other databases run, one transaction per day."""
    today = today or timezone.localdate()
    end = min(end, today - timedelta(days=1))
    count, day = 0, start
    if connection.vendor == "postgresql":
        while day <= end:
            last = min(end, day + timedelta(days=SPAN_DAYS - 1))
            with transaction.atomic():
                _lock_snapshots()  # then read what is built: a day the roll stored meanwhile is kept
                _tune(work_mem="256MB")  # the pass groups millions of (key, day) changes: in memory, not on disk
                count += _store_span(day, last, built=set() if replace else _built(day, last))
            day = last + timedelta(days=1)
        return count
    while day <= end:
        with transaction.atomic():
            _lock_snapshots()
            if replace or not _built(day, day):
                _tune()
                _store_snapshot(day, None)
                count += 1
        day += timedelta(days=1)
    return count


def _built(start: date, end: date) -> set:
    return set(SnapshotDay.objects.filter(day__range=(start, end)).values_list("day", flat=True))


def _store_span(start: date, end: date, *, built: set) -> int:
    """Store the snapshots of the days start..end not in `built`, from one pass over the history."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    todo = [day for day in days if day not in built]
    if not todo:
        return 0
    TaskFigureSnapshot.objects.filter(day__range=(start, end)).exclude(day__in=built).delete()
    SnapshotDay.objects.filter(day__in=todo).delete()
    sql, params = span_sql(
        start=start, end=end, past=PAST, soon=SOON, skip_built=SnapshotDay._meta.db_table if built else None
    )
    table = connection.ops.quote_name(TaskFigureSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (day, {', '.join(SPAN_COLUMNS)}, n) {sql}", params)
    now = timezone.now()
    SnapshotDay.objects.bulk_create([SnapshotDay(day=day, built_at=now) for day in todo], batch_size=5000)
    return len(todo)


@transaction.atomic
def figures_compact() -> int:
    """Fold the writers' delta rows into one row per key (every few minutes; cheap, blocks no writer)."""
    _lock_figure_day()  # shared: only the roll waits (it must not see half a compaction)
    return _compact(TaskFigure, KEY) + _compact(TaskCooperationFigure, COOPERATION_KEY)


def _compact(model, key_names) -> int:
    if connection.vendor != "postgresql":
        rows = list(model.objects.values(*key_names).annotate(total=Sum("n")).order_by())
        model.objects.all().delete()
        _insert_deltas(Counter({tuple(r[k] for k in key_names): r["total"] for r in rows}), model, key_names)
        return len(rows)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(key_names)
    with connection.cursor() as cursor:
        # Rows committed after the DELETE's snapshot are not deleted, so no concurrent delta is lost.
        cursor.execute(
            f"WITH gone AS (DELETE FROM {table} RETURNING {columns}, n) "
            f"INSERT INTO {table} ({columns}, n) SELECT {columns}, SUM(n) FROM gone "
            f"GROUP BY {columns} HAVING SUM(n) <> 0"
        )
        return cursor.rowcount


def figures_vacuum() -> None:
    """VACUUM ANALYZE the counters after a roll or compaction (outside any transaction): every rebuild
    leaves the old rows dead, and the dashboard reads the whole live table."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (TaskFigure, TaskCooperationFigure, TaskFigureSnapshot):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _tune(work_mem: str = "64MB") -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{work_mem}'")


# -- reconcile ----------------------------------------------------------------------------------------


@dataclass
class Difference:
    table: str
    day: date
    key: tuple
    stored: int
    actual: int


def _differences(table: str, day: date, stored: Counter, actual: Counter) -> list[Difference]:
    return [
        Difference(table, day, key, stored.get(key, 0), actual.get(key, 0))
        for key in sorted(set(stored) | set(actual), key=str)
        if stored.get(key, 0) != actual.get(key, 0)
    ]


@transaction.atomic
def figures_reconcile(*, repair: bool = False, snapshot_days: list[date] | None = None) -> list[Difference]:
    """Recompute the live counters (and the snapshots of `snapshot_days`) from the tasks and events and
    return every key whose stored count differs; with `repair`, store the recomputation."""
    _tune()
    _lock_snapshots()  # nor may the roll or a backfill rewrite a snapshot we compare
    figure_day = _figure_day_for_update()  # no write may move a counter while we compare
    differences = []
    if figure_day.day:
        stored = Counter()
        for row in TaskFigure.objects.values(*KEY).annotate(total=Sum("n")).order_by():
            if row["total"]:
                stored[tuple(row[k] for k in KEY)] = row["total"]
        actual = Counter(
            {tuple(r[k] for k in KEY): r["n"] for r in grouped(RectificationTask.objects.all(), figure_day.day)}
        )
        found = _differences("live", figure_day.day, stored, actual)
        if found and repair:
            _rebuild(figure_day.day)
        if figure_day.definition != definition():
            found.append(Difference("live", figure_day.day, ("definition", figure_day.definition), 0, 0))
            if repair:
                FigureDay.objects.filter(pk=FIGURE_DAY_PK).update(definition=definition())
        differences += found
        stored = Counter()
        for row in TaskCooperationFigure.objects.values(*COOPERATION_KEY).annotate(total=Sum("n")).order_by():
            if row["total"]:
                stored[tuple(row[k] for k in COOPERATION_KEY)] = row["total"]
        sql, params = _cooperation_sql(figure_day.day)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            actual = Counter({tuple(row[:-1]): row[-1] for row in cursor.fetchall()})
        found = _differences("cooperation", figure_day.day, stored, actual)
        if figure_day.cooperation_tree != unit_tree_fingerprint():
            found.append(Difference("cooperation", figure_day.day, ("unit tree", figure_day.cooperation_tree), 0, 0))
        if found and repair:
            _rebuild_cooperation(figure_day.day)
        differences += found
        stored = Counter()
        for row in (
            TaskCompletionDay.objects.values("day", "round_id", "lead_unit_id", "category")
            .annotate(total=Sum("n"))
            .order_by()
        ):
            if row["total"]:
                stored[(row["day"], row["round_id"], row["lead_unit_id"], row["category"])] = row["total"]
        found = _differences("trend", figure_day.day, stored, _completion_rows(figure_day.day))
        if found and repair:
            _rebuild_completions(figure_day.day)
        differences += found
    for day in snapshot_days or []:
        stored = Counter()
        for row in TaskFigureSnapshot.objects.filter(day=day).values(*SNAPSHOT_KEY).annotate(total=Sum("n")).order_by():
            stored[tuple(row[k] for k in SNAPSHOT_KEY)] = row["total"]
        rows = _rows_from_events(day)
        actual = Counter({tuple(r[k] for k in SNAPSHOT_KEY): r["n"] for r in rows})
        found = _differences("snapshot", day, stored, actual)
        if not SnapshotDay.objects.filter(day=day).exists():
            found.append(Difference("snapshot", day, ("missing",), 0, 0))
        if found and repair:
            _store_snapshot(day, rows)
        differences += found
    return differences


# -- reads -------------------------------------------------------------------------------------------


def live_day() -> date | None:
    """The day the live counters are valid for (None: never built or built under other settings)."""
    row = FigureDay.objects.filter(pk=FIGURE_DAY_PK).values("day", "definition").first()
    if not row or row["definition"] != definition():
        return None
    return row["day"]


def has_snapshot(day: date) -> bool:
    return SnapshotDay.objects.filter(day=day).exists()


def readiness_sql(day: date) -> tuple[str, list]:
    """One SELECT (PostgreSQL) answering (live counters hold `day`?, a snapshot of `day` exists?, the trend
    ledger holds `day`, i.e. it is before the live counters' day?, the cooperation counters hold `day`, i.e.
    the live counters do and the unit tree is the one they were built on?), so a page can send it in the same
    round trip as its session settings."""
    figure_day = connection.ops.quote_name(FigureDay._meta.db_table)
    snapshot_day = connection.ops.quote_name(SnapshotDay._meta.db_table)
    sql = (
        f"SELECT COALESCE((SELECT day = %s AND definition = %s FROM {figure_day} WHERE id = %s), FALSE), "
        f"EXISTS (SELECT 1 FROM {snapshot_day} WHERE day = %s), "
        f"COALESCE((SELECT day > %s AND definition = %s FROM {figure_day} WHERE id = %s), FALSE), "
        f"COALESCE((SELECT day = %s AND definition = %s AND cooperation_tree = {_tree_fingerprint_sql()} "
        f"FROM {figure_day} WHERE id = %s), FALSE)"
    )
    return sql, [
        day,
        definition(),
        FIGURE_DAY_PK,
        day,
        day,
        definition(),
        FIGURE_DAY_PK,
        day,
        definition(),
        FIGURE_DAY_PK,
    ]


def readiness(day: date) -> tuple[bool, bool, bool, bool]:
    if connection.vendor == "postgresql":
        sql, params = readiness_sql(day)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return tuple(bool(value) for value in cursor.fetchone())
    row = FigureDay.objects.filter(pk=FIGURE_DAY_PK).values("day", "definition", "cooperation_tree").first()
    live = bool(row and row["day"] == day and row["definition"] == definition())
    ledger = bool(row and row["day"] and row["day"] > day and row["definition"] == definition())
    cooperation = live and row["cooperation_tree"] == unit_tree_fingerprint()
    return live, has_snapshot(day), ledger, cooperation


def cooperation_holds(day: date) -> Q:
    """A condition (for a query of any model) true when the cooperation counters hold `day`: as `holds_day`,
    and the unit tree is the one they were built on (PostgreSQL computes it once, an InitPlan)."""
    if connection.vendor == "postgresql":
        tree = RawSQL(_tree_fingerprint_sql(), [], output_field=CharField())
    else:
        tree = Value(unit_tree_fingerprint())
    return Q(
        Exists(FigureDay.objects.filter(pk=FIGURE_DAY_PK, day=day, definition=definition(), cooperation_tree=tree))
    )


def summary_rows(
    *, day: date, as_of: bool, round_id=None, unit_ids=None, category="", viewer_unit_id=None
) -> tuple[list, list]:
    """The dashboard's two row sets (per round/category/complete?[/warning] and per lead unit/complete?),
    in the same shape as dashboard.selectors.grouped_rows, summed from the counters: one query whose
    cost follows the number of counter rows in scope, never the number of tasks.

    `unit_ids`: a queryset or list of lead unit ids (a subtree) or None for all. `viewer_unit_id`: instead,
    the cooperation counters of that unit (live only: the tasks led elsewhere that its subtree cooperates on),
    whose per-lead-unit rows all have the lead unit ELSEWHERE.
    """
    if viewer_unit_id is not None:
        if as_of:
            raise ValueError("the cooperation counters are live only")
        queryset = TaskCooperationFigure.objects.filter(viewer_unit_id=viewer_unit_id)
    elif as_of:
        queryset = TaskFigureSnapshot.objects.filter(day=day)
    else:
        queryset = TaskFigure.objects.all()
    if round_id:
        queryset = queryset.filter(round_id=round_id)
    if category:
        queryset = queryset.filter(category=category)
    if unit_ids is not None:
        queryset = queryset.filter(lead_unit_id__in=unit_ids)
    sql, params = queryset.query.sql_with_params()
    where = sql.partition(" WHERE ")[2]
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    complete = ", ".join(["%s"] * len(COMPLETE_STATUSES))
    warning = "warning" if not as_of else "''"
    lead = "lead_unit_id" if viewer_unit_id is None else f"{ELSEWHERE}"
    select = (
        f"SELECT round_id, category, {lead} AS lead_unit_id, (status IN ({complete})) AS is_complete, {warning} AS warning, "
        "SUM(n) AS total, "
        f"COALESCE(SUM(n) FILTER (WHERE deadline_class = '{PAST}'), 0) AS past_deadline, "
        f"COALESCE(SUM(n) FILTER (WHERE deadline_class = '{SOON}'), 0) AS due_soon, "
        "COALESCE(SUM(n) FILTER (WHERE closed_week), 0) AS signed_off_week, "
        "COALESCE(SUM(n) FILTER (WHERE status = %s), 0) AS in_notice "
        f"FROM {table}{' WHERE ' + where if where else ''} "
    )
    select_params = [*COMPLETE_STATUSES, TaskStatus.IN_NOTICE.value, *params]
    columns = [
        "round_id",
        "category",
        "lead_unit_id",
        "is_complete",
        "warning",
        "total",
        "past_deadline",
        "due_soon",
        "signed_off_week",
        "in_notice",
    ]
    # Ordinals: 1 round, 2 category, 3 lead unit, 4 complete?, 5 warning (as the live query's grouping sets).
    if connection.vendor == "postgresql":
        statements = [f"{select} GROUP BY GROUPING SETS ((1, 2, 4, 5), (3, 4)) HAVING SUM(n) <> 0"]
    else:
        statements = [f"{select} GROUP BY 1, 2, 4, 5 HAVING SUM(n) <> 0", f"{select} GROUP BY 3, 4 HAVING SUM(n) <> 0"]
    rows = []
    with connection.cursor() as cursor:
        for index, statement in enumerate(statements):
            cursor.execute(statement, select_params)
            for values in cursor.fetchall():
                row = dict(zip(columns, values, strict=True))
                if connection.vendor != "postgresql":
                    if index == 0:
                        row["lead_unit_id"] = None
                    else:
                        row["round_id"] = row["category"] = row["warning"] = None
                row["is_complete"] = bool(row["is_complete"])
                if as_of:
                    row.pop("warning")
                rows.append(row)
    return [r for r in rows if r["lead_unit_id"] is None], [r for r in rows if r["lead_unit_id"] is not None]


def holds_day(day: date) -> Exists:
    """A condition true when the live counters hold `day` under today's settings (`live_day() == day`), to put
    inside a query: PostgreSQL evaluates it once (an InitPlan), so a branch gated on it costs nothing when
    false. Lets a read ask "counters or scan?" in the same statement as the figures."""
    return Exists(FigureDay.objects.filter(pk=FIGURE_DAY_PK, day=day, definition=definition()))


def held_or_scanned(held, scanned, *, day: date) -> tuple[str, tuple]:
    """One statement (SQL, params) of the rows of the `held` querysets (counter reads, each gated on `holds_day`)
    followed by the rows of `scanned` (the scan fallback) only when the counters do not hold `day`.

    The fallback sits behind an optimisation fence (OFFSET 0) with its gate above it: when the counters hold,
    PostgreSQL never starts it. A gate inside the fallback is checked only below its Gather, so the parallel
    workers of a big scan were launched on every read just to find nothing to do (about half of the round
    page's figures query at 300,000 tasks). All querysets give the same columns."""
    gate_sql, gate_params = (
        FigureDay.objects.filter(pk=FIGURE_DAY_PK, day=day, definition=definition())
        .values("pk")
        .query.sql_with_params()
    )
    parts, params = [], []
    for queryset in held:
        sql, part_params = queryset.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(part_params)
    sql, part_params = scanned.query.sql_with_params()
    parts.append(f"(SELECT * FROM ({sql} OFFSET 0) AS scanned WHERE NOT EXISTS ({gate_sql}))")
    params.extend([*part_params, *gate_params])
    return " UNION ALL ".join(parts), tuple(params)


def round_counts(*, round_ids, unit_ids=None):
    """Rows (round id, total, complete, overdue) of the live counters (as of FigureDay.day: gate it with
    `holds_day`), the figures of `figures.count_aggregates` per round: complete = a complete status,
    overdue = not complete and the deadline before the day. `unit_ids`: lead units (a subtree) or None for
    all. Its cost follows the counter rows of the rounds, never the tasks."""
    queryset = TaskFigure.objects.filter(round_id__in=list(round_ids))
    if unit_ids is not None:
        queryset = queryset.filter(lead_unit_id__in=unit_ids)
    complete = Q(status__in=COMPLETE_STATUSES)
    return (
        queryset.values("round_id")
        .annotate(
            total=Sum("n"),
            complete=Coalesce(Sum("n", filter=complete), 0),
            overdue=Coalesce(Sum("n", filter=~complete & Q(deadline_class=PAST)), 0),
        )
        .values_list("round_id", "total", "complete", "overdue")
        .order_by()
    )


def completion_weeks(*, start: date, end: date, round_id=None, unit_ids=None, category="", more=None) -> Counter:
    """{Monday: tasks completed that week} from the trend ledger for the days start..end (all before
    FigureDay.day), filtered like the counters; `more`: a queryset of (day, tasks) rows added in the same
    query (today's completions). One query over the ledger's days, never the events of past days."""
    rows = TaskCompletionDay.objects.filter(day__range=(start, end))
    if round_id:
        rows = rows.filter(round_id=round_id)
    if category:
        rows = rows.filter(category=category)
    if unit_ids is not None:
        rows = rows.filter(lead_unit_id__in=unit_ids)
    rows = rows.values("day").annotate(total=Sum("n")).values_list("day", "total").order_by()
    if more is not None:
        rows = rows.union(more, all=True)
    weeks = Counter()
    for day, n in rows:
        weeks[day - timedelta(days=day.weekday())] += n or 0
    return weeks
