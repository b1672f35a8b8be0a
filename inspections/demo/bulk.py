"""Deterministic bulk data for benchmarks: N tasks with findings, units, events and progress, fast.

Bypasses the services on purpose: rows are generated as plain tuples and written with PostgreSQL's
COPY (bulk_create elsewhere). They are built to satisfy the same rules as the services: statuses
reached through the transition table, one creation event per task and one per status change in
time order, progress rows (and their events) matching the task's percent, and completed_at,
verified_at and signed_off_at equal to the times of the events that set them.
"""

import io
import json
import random
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User

from ..choices import DeadlineKind, EventKind, FindingSource, RoundKind, TaskStatus
from ..models import Finding, InspectionRound, ProgressUpdate, RectificationTask, TaskEvent
from ..search import search_texts_refresh
from ..summaries import figures_seeded
from .realistic import PROBLEMS, REGIONS

FLUSH_ROWS = 50_000
# From this many tasks on (PostgreSQL), the secondary indexes of the tables written are dropped before the
# COPY and built again after it, in the same transaction: one sorted build (or one GIN build) per index
# instead of a million scattered inserts into each (the trigram GIN indexes above all). Same rows either way.
REBUILD_INDEXES_FROM = 50_000
STATUS_WEIGHTS = [
    (TaskStatus.NOT_STARTED, 12),
    (TaskStatus.IN_PROGRESS, 33),
    (TaskStatus.SUBMITTED, 8),
    (TaskStatus.VERIFIED, 10),
    (TaskStatus.CLOSED, 30),
    (TaskStatus.LONG_TERM, 7),
]
# The workflow path that reaches each status (see workflow.TRANSITIONS).
_TO_SUBMITTED = [("start", TaskStatus.IN_PROGRESS), ("submit", TaskStatus.SUBMITTED)]
_TO_VERIFIED = [*_TO_SUBMITTED, ("verify", TaskStatus.VERIFIED)]
PATHS = {
    TaskStatus.NOT_STARTED: [],
    TaskStatus.IN_PROGRESS: [("start", TaskStatus.IN_PROGRESS)],
    TaskStatus.SUBMITTED: _TO_SUBMITTED,
    TaskStatus.VERIFIED: _TO_VERIFIED,
    TaskStatus.CLOSED: [*_TO_VERIFIED, ("close", TaskStatus.CLOSED)],
    TaskStatus.LONG_TERM: [*_TO_VERIFIED, ("keep_long_term", TaskStatus.LONG_TERM)],
}
PEOPLE = ["王建国", "李明", "张伟", "刘洋", "陈静", "杨帆"]


def _units() -> list[Unit]:
    root, _ = Unit.objects.get_or_create(code="BULK", defaults={"name": "压测县", "kind": UnitKind.BUREAU})
    units = []
    for i in range(40):
        units.append(
            Unit.objects.get_or_create(
                code=f"BULK-D{i:02d}",
                defaults={"name": f"压测部门{i:02d}", "kind": UnitKind.DEPARTMENT, "parent": root},
            )[0]
        )
    townships = []
    for i in range(40):
        township = Unit.objects.get_or_create(
            code=f"BULK-T{i:02d}", defaults={"name": f"压测乡镇{i:02d}", "kind": UnitKind.TOWNSHIP, "parent": root}
        )[0]
        townships.append(township)
        units.append(township)
    for i in range(120):
        units.append(
            Unit.objects.get_or_create(
                code=f"BULK-E{i:03d}",
                defaults={"name": f"压测企业{i:03d}", "kind": UnitKind.ENTERPRISE, "parent": townships[i % 40]},
            )[0]
        )
    return units


def _leaders() -> list[User]:
    leaders = list(User.objects.filter(role=Role.LEADER).order_by("pk")[:10])
    if leaders:
        return leaders
    user = User(username="bulk_leader", full_name="压测领导", role=Role.LEADER)
    user.set_unusable_password()
    user.save()
    return [user]


def _reserve_ids(model, count: int) -> list[int]:
    """Primary keys for rows written with explicit ids (COPY does not return the ids it assigns)."""
    if not count:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
    # Elsewhere (the SQLite quick start) the surrounding transaction holds the only writer.
    start = (model.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    return list(range(start, start + count))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """One value in COPY's text format (the hot loop: exact type checks, most common first)."""
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is bool:
        return "t" if value else "f"
    if kind is list or kind is dict:
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value).translate(_COPY_ESCAPES)  # str subclasses such as TextChoices members


class _RowWriter:
    """Collects rows of one table by attribute name; COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, model, attnames: list[str]):
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.model = model
        self.attnames = attnames
        self.columns = [by_attname[name].column for name in attnames]
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            buffer.writelines("\t".join(map(_copy_value, row)) + "\n" for row in self.rows)
            buffer.seek(0)
            quote = connection.ops.quote_name
            sql = f"COPY {quote(self.model._meta.db_table)} ({', '.join(map(quote, self.columns))}) FROM STDIN"
            with connection.cursor() as cursor:
                cursor.copy_expert(sql, buffer)
        else:
            self.model.objects.bulk_create(
                [self.model(**dict(zip(self.attnames, row, strict=True))) for row in self.rows], batch_size=2000
            )
        self.rows = []


def _moment(day: date, rng: random.Random, tz) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59)), tzinfo=tz)


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX ...) of the indexes of `tables` that no constraint owns (not the primary keys, not
    the unique constraints), whoever added them: a later migration's index is rebuilt like the others."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.indrelid IN (SELECT to_regclass(t) FROM unnest(%s::text[]) AS t)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            ORDER BY c.relname""",
            [tables],
        )
        return cursor.fetchall()


@contextmanager
def _indexes_built_after(writers, tasks: int):
    """Drop the secondary indexes of the writers' tables for a large load and build them again after it."""
    if connection.vendor != "postgresql" or tasks < REBUILD_INDEXES_FROM:
        yield
        return
    indexes = _secondary_indexes([w.model._meta.db_table for w in writers])
    with connection.cursor() as cursor:
        # An index cannot be dropped or built on a table with deferred foreign-key checks pending: run them
        # first (SET CONSTRAINTS ... IMMEDIATE checks what is queued), and defer again for the load, which
        # writes children before their parents now and then.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


@transaction.atomic
def seed_bulk(*, tasks: int, seed: int, today: date | None = None, stdout=None) -> InspectionRound | None:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()  # zoneinfo: attaching it directly is correct, and much faster
    name = f"压测轮次（seed={seed}，{tasks}项）"
    if InspectionRound.objects.filter(name=name).exists():
        if stdout:
            stdout.write(f"{name} already exists; nothing added.")
        return None
    units = _units()
    unit_ids = [u.pk for u in units]
    leader_ids = [u.pk for u in _leaders()]
    actor = User.objects.filter(role__in=[Role.BUREAU, Role.ADMIN]).order_by("pk").first()
    actor_id = actor.pk if actor else None
    feedback = today - timedelta(days=rng.randint(300, 700))
    inspection_round = InspectionRound.objects.create(
        kind=RoundKind.PROVINCIAL,
        batch=1 + seed % 9,
        name=name,
        feedback_date=feedback,
        inspection_start=feedback - timedelta(days=60),
        inspection_end=feedback - timedelta(days=30),
        plan_due_date=feedback + timedelta(days=30),
    )
    # Findings: 1-5 tasks each until the total is reached.
    sizes, total = [], 0
    while total < tasks:
        sizes.append(min(rng.randint(1, 5), tasks - total))
        total += sizes[-1]
    finding_ids = iter(_reserve_ids(Finding, len(sizes)))
    task_ids = iter(_reserve_ids(RectificationTask, tasks))

    findings = _RowWriter(
        Finding,
        [
            "id",
            "round_id",
            "number",
            "summary",
            "description",
            "category",
            "region",
            "responsible_leader_id",
            "source",
            "created_at",
            "version",
        ],
    )
    task_rows = _RowWriter(
        RectificationTask,
        [
            "id",
            "finding_id",
            "round_id",
            "category",
            "number",
            "lead_unit_id",
            "responsible_person",
            "goal",
            "measures",
            "deadline_text",
            "deadline",
            "deadline_kind",
            "milestones",
            "status",
            "percent",
            "investment",
            "assigned_on",
            "completed_at",
            "verified_at",
            "verified_by_id",
            "signed_off_at",
            "signed_off_by_id",
            "version",
            "created_at",
            "updated_at",
        ],
    )
    cooperating = _RowWriter(RectificationTask.cooperating_units.through, ["rectificationtask_id", "unit_id"])
    events = _RowWriter(
        TaskEvent, ["task_id", "actor_id", "at", "kind", "action", "from_status", "to_status", "reason"]
    )
    progress = _RowWriter(
        ProgressUpdate, ["task_id", "author_id", "reported_on", "created_at", "text", "percent", "investment"]
    )
    # Parents before children: findings, tasks, then what points at tasks.
    writers = (findings, task_rows, cooperating, events, progress)
    with _indexes_built_after(writers, tasks):
        _generate(
            rng,
            today,
            tz,
            feedback,
            inspection_round,
            sizes,
            finding_ids,
            task_ids,
            unit_ids,
            leader_ids,
            actor_id,
            writers,
        )
        # The new tasks' search documents, one set-based UPDATE before the indexes are built again.
        search_texts_refresh()
    if connection.vendor == "postgresql":
        # Fresh statistics, so the first queries over the new rows get sane plans (before autovacuum runs).
        with connection.cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(f"ANALYZE {', '.join(quote(w.model._meta.db_table) for w in writers)}")
    figures_seeded(today=today)  # the dashboard's counters and recent snapshots (inspections.summaries)
    return inspection_round


def _generate(
    rng, today, tz, feedback, inspection_round, sizes, finding_ids, task_ids, unit_ids, leader_ids, actor_id, writers
):
    """The rows, in the order of the random stream (the data depends on nothing else), flushed to the writers."""
    findings, task_rows, cooperating, events, progress = writers
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    finding_created = datetime.combine(feedback, time(9, 0), tzinfo=tz)

    for number, size in enumerate(sizes, start=1):
        finding_id = next(finding_ids)
        category, summary, goal, measures = PROBLEMS[rng.randrange(len(PROBLEMS))]
        region = rng.choice(REGIONS)
        # Leaders depend on what the database holds; index by number so the random stream does not.
        leader_id = leader_ids[number % len(leader_ids)]
        findings.add(
            finding_id,
            inspection_round.pk,
            number,
            f"{region}{summary}（{number}）",
            f"督察发现{region}{summary}。",
            category,
            region,
            leader_id,
            FindingSource.COMPLAINT if rng.random() < 0.1 else FindingSource.FEEDBACK,
            finding_created,
            1,
        )
        for task_number in range(1, size + 1):
            task_id = next(task_ids)
            status = rng.choices(statuses, weights)[0]
            assigned = feedback + timedelta(days=rng.randint(20, 60))
            deadline = today + timedelta(days=rng.randint(-200, 400))
            if deadline <= assigned:
                deadline = assigned + timedelta(days=rng.randint(10, 60))
            long_term = status == TaskStatus.LONG_TERM
            percent = {TaskStatus.NOT_STARTED: 0, TaskStatus.IN_PROGRESS: rng.randint(5, 95)}.get(status, 100)
            investment = Decimal(rng.randint(0, 500000)) / 100 if percent else Decimal("0")
            done_on = min(today, assigned + timedelta(days=rng.randint(30, max(31, (today - assigned).days))))
            lead_unit_id = unit_ids[rng.randrange(len(unit_ids))]

            # The timeline, strictly in time order: created, then each move, a progress report after the start.
            created_at = datetime.combine(assigned, time(8, rng.randint(0, 59)), tzinfo=tz)
            events.add(task_id, actor_id, created_at, EventKind.CREATED, "", "", TaskStatus.NOT_STARTED, "")
            path = PATHS[status]
            span = max(1, (done_on - assigned).days)
            at, previous, moments = created_at, TaskStatus.NOT_STARTED, {}
            for step, (action, target) in enumerate(path, start=1):
                at = max(
                    _moment(assigned + timedelta(days=span * step // len(path)), rng, tz),
                    at + timedelta(minutes=rng.randint(1, 20)),
                )
                signer = leader_id if action in ("close", "keep_long_term") else actor_id
                events.add(task_id, signer, at, EventKind.TRANSITION, action, previous, target, "")
                moments[action] = at
                previous = target
                if action == "start":
                    at += timedelta(minutes=1)
                    events.add(
                        task_id, actor_id, at, EventKind.PROGRESS, "", "", "", f"完成 {percent}%：按计划推进整改。"
                    )
                    progress.add(
                        task_id, actor_id, at.date(), at, f"按计划推进整改，已完成 {percent}%。", percent, investment
                    )
            verified_at = moments.get("verify")
            signed_off_at = moments.get("close") or moments.get("keep_long_term")
            task_rows.add(
                task_id,
                finding_id,
                inspection_round.pk,
                category,
                task_number,
                lead_unit_id,
                PEOPLE[rng.randrange(len(PEOPLE))],
                goal,
                measures,
                f"{deadline.year}年底前完成，长期坚持"
                if long_term
                else f"{deadline.year}年{deadline.month}月{deadline.day}日前",
                date(deadline.year, 12, 31) if long_term else deadline,
                DeadlineKind.LONG_TERM if long_term else DeadlineKind.DATED,
                [],
                status,
                percent,
                investment,
                assigned,
                verified_at,
                verified_at,
                actor_id if verified_at else None,
                signed_off_at,
                leader_id if signed_off_at else None,
                1 + len(path) + (1 if path else 0),
                created_at,
                at,
            )
            if rng.random() < 0.3:
                helper = unit_ids[rng.randrange(len(unit_ids))]
                if helper != lead_unit_id:
                    cooperating.add(task_id, helper)
    for writer in writers:
        writer.flush()
