"""Write an import plan: the last step of an import (parse, plan, then write), in the caller's transaction.

Rows are bulk-written under the services' rules: new rounds, units and (only when asked) leader
accounts through their services; every status move is a chain of forward moves of the transition
table, each a TaskEvent carrying who imported which file, with the timestamps `workflow.apply_move`
sets. Events the file reports are dated at the file's as-of date (the end of that day, never in
the future); a value the user accepted over newer work in the system is dated now, since it comes
after that work. History rows (simple_history) keep the real time of the import.
"""

import uuid
from collections import defaultdict
from datetime import datetime, time

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts import services as account_services
from accounts.choices import Role, UnitKind
from accounts.models import Unit

from .. import workflow
from ..choices import COMPLETE_STATUSES, EventKind, TaskStatus
from ..models import Finding, ProgressUpdate, RectificationTask, TaskEvent
from ..search import search_texts_refresh
from ..services import round_create, task_chain
from ..summaries import figures_added, figures_tracked
from .parse import fold, round_kind_from_name
from .plan import IMPORT_REASON, STALE, Context, ImportPlan, as_of_moment, leader_for, task_values, unit_core

BATCH = 2000
# bulk_update writes one CASE WHEN per column with a branch per row: PostgreSQL's work per batch grows with
# the square of its size, so updates go in small batches (10,000 updated tasks: minutes at 2000, see bench/).
UPDATE_BATCH = 200

TASK_UPDATE_FIELDS = [
    "goal",
    "measures",
    "responsible_person",
    "leader_text",
    "remark",
    "deadline_text",
    "deadline",
    "deadline_kind",
    "milestones",
    "status",
    "investment",
    "lead_unit",
    "percent",
    "completed_at",
    "verified_at",
    "verified_by",
    "signed_off_at",
    "signed_off_by",
    "notice_starts_on",
    "notice_ends_on",
    "closure_chain",
    "version",
    "updated_at",
]


class _Writer:
    def __init__(self, plan: ImportPlan, actor, accepted: set, now):
        self.plan, self.actor, self.accepted, self.now = plan, actor, accepted, now
        self.context: Context = plan.context
        self.moment = as_of_moment(plan.as_of)
        self.reason = (
            f"{IMPORT_REASON}：{plan.file_name or '台账文件'}（{timezone.localtime(now):%Y-%m-%d %H:%M} 导入）"
        )
        self.events: list[TaskEvent] = []
        self.progress: list[ProgressUpdate] = []
        self.assigned = defaultdict(list)  # lead unit id -> tasks the import gave it (new, or a new lead unit)

    def event(self, task, kind, at, **fields) -> None:
        fields.setdefault("reason", self.reason)
        self.events.append(TaskEvent(task=task, actor=self.actor, at=at, kind=kind, **fields))

    def walk(self, task: RectificationTask, target: str, at, signed_off_on=None) -> None:
        """Move `task` forward to `target` through the transition table, one event and stamp per move."""
        chain = task_chain(task, self.context.chains)
        for transition in workflow.forward_path(task.status, target, chain) or []:
            self.event(
                task,
                EventKind.TRANSITION,
                at,
                action=transition.action,
                from_status=transition.source,
                to_status=transition.target,
            )
            workflow.apply_move(task, transition, actor=self.actor, at=at, chain=chain)
        if task.status in COMPLETE_STATUSES and task.percent < 100:
            # The file says the work is done (已完成 / 已销号 …) and the ledger has no percentage column: the
            # import records 100 %, in the open (the move's event names the file), never an acceptance's doing.
            task.percent = 100
        if signed_off_on and task.status in (TaskStatus.CLOSED, TaskStatus.LONG_TERM):
            # The 销号情况 cell says when it was signed off ("已销号（2024年3月5日）"): keep that day.
            signed = timezone.make_aware(datetime.combine(signed_off_on, time(12)))
            if signed <= at:
                task.signed_off_at = signed
                task.completed_at = min(task.completed_at or signed, signed)
                task.verified_at = min(task.verified_at or signed, signed)

    def add_progress(self, task, text: str, at) -> None:
        self.progress.append(
            ProgressUpdate(
                task=task,
                author=self.actor,
                text=text,
                percent=task.percent,
                investment=task.investment,
                reported_on=timezone.localtime(at).date(),
                created_at=at,
            )
        )
        self.event(task, EventKind.PROGRESS, at, reason=f"{self.reason}：{text[:200]}")


def write_plan(
    plan: ImportPlan, *, actor, accept=(), prefer_file=False, create_leaders=False, create_units=()
) -> ImportPlan:
    """Write `plan` (call inside a transaction); returns it with `written`, `accepted` and `leaders_new` set."""
    now = timezone.now()
    accepted = {c.key for c in plan.changes if c.acceptable and (prefer_file or c.key in set(accept))}
    plan.accepted = sorted(accepted)
    writer = _Writer(plan, actor, accepted, now)
    context = plan.context
    for name in plan.rounds_new:
        kind, batch = round_kind_from_name(name)
        context.rounds[name] = round_create(actor=actor, name=name[:120], kind=kind, batch=batch)
    _write_units(plan, context, {fold(n) for n in create_units})
    if create_leaders:
        _write_leaders(plan, context)
    rows = [row for row in plan.parsed if row.row in context.deadlines]
    # The dashboard's counters follow every task the import may move (new ones are added as created).
    with figures_tracked([task.pk for task in context.tasks.values()]):
        _write_findings(writer, rows)
        _write_tasks(writer, rows)
    # Bulk writes skip the services: the search documents of every finding the file touched, in one UPDATE.
    search_texts_refresh(finding_ids={context.findings[(row.round_name, row.finding_number)].pk for row in rows})
    plan.written = True
    plan.assigned = dict(writer.assigned)
    return plan


def _write_units(plan: ImportPlan, context: Context, create_anyway: set) -> None:
    """New units under the root unit; a name close to an existing unit is that unit unless asked otherwise."""
    for name, existing in plan.unit_matches:
        if fold(name) not in create_anyway:
            context.units[fold(name)] = context.units[fold(existing)]
    names = [*plan.units_new, *(name for name, _existing in plan.unit_matches if fold(name) in create_anyway)]
    if not names:
        return
    parent = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    taken = set(Unit.objects.filter(code__startswith="IMP-").values_list("code", flat=True))
    number = 0
    created = []
    for name in names:
        number += 1
        while f"IMP-{number:05d}" in taken:
            number += 1
        unit = account_services.unit_create(
            name=name, code=f"IMP-{number:05d}", kind=UnitKind.DEPARTMENT, parent=parent
        )
        context.units[fold(name)] = unit
        created.append(name)
    plan.units_new = created


def _write_leaders(plan: ImportPlan, context: Context) -> None:
    """Only when the user asks: an inactive leader account, without a password, per unmatched name."""
    for name in plan.leaders_unmatched:
        user = account_services.user_create(
            username=f"leader-{uuid.uuid4().hex[:10]}",
            password=None,
            role=Role.LEADER,
            full_name=name[:50],
            is_active=False,
        )
        context.leaders[fold(name)] = user
        plan.leaders_new.append(name)


def _unit(context: Context, name: str) -> Unit:
    return context.units.get(fold(name)) or context.unit_cores[unit_core(name)]


def _finding_changes_applied(writer: _Writer) -> dict:
    """(round name, finding number) -> True when the finding's edits in the file are to be written."""
    applied = {}
    for change in writer.plan.changes:
        fields = [c for c in change.changes if c.field in ("summary", "category", "region", "responsible_leader")]
        if fields:
            key = tuple(change.key.split("|")[:2])
            ok = all(not c.conflict or (c.conflict == STALE and change.key in writer.accepted) for c in fields)
            applied[(key[0], int(key[1]))] = ok
    return applied


def _write_findings(writer: _Writer, rows) -> None:
    context = writer.context
    applied = _finding_changes_applied(writer)
    new, changed, seen = [], [], set()
    for row in rows:
        key = (row.round_name, row.finding_number)
        if key in seen:
            continue
        seen.add(key)
        finding = context.findings.get(key)
        leader = leader_for(row, context)
        if finding is None:
            finding = Finding(
                round=context.rounds[row.round_name],
                number=row.finding_number,
                summary=row.summary,
                category=row.category,
                region=row.region,
                responsible_leader=leader,
            )
            context.findings[key] = finding
            new.append(finding)
        elif applied.get(key):
            finding.summary, finding.category, finding.region = row.summary, row.category, row.region
            if leader is not None:
                finding.responsible_leader = leader
            changed.append(finding)
    if new:
        bulk_create_with_history(
            new, Finding, batch_size=BATCH, default_user=writer.actor, default_change_reason=IMPORT_REASON
        )
        if any(f.pk is None for f in new):  # backends without RETURNING: read the ids back
            ids = {(f.round_id, f.number): f.pk for f in Finding.objects.filter(round__in={f.round_id for f in new})}
            for finding in new:
                finding.pk = finding.id = ids[(finding.round_id, finding.number)]
    if changed:
        bulk_update_with_history(
            changed,
            Finding,
            ["summary", "category", "region", "responsible_leader"],
            batch_size=UPDATE_BATCH,
            default_user=writer.actor,
            default_change_reason=IMPORT_REASON,
        )
        by_category = defaultdict(list)
        for finding in changed:  # bulk_update skips Finding.save(): copy the category onto the tasks' column
            by_category[finding.category].append(finding.pk)
        for category, ids in by_category.items():
            moved = RectificationTask.objects.filter(finding_id__in=ids).exclude(category=category)
            with figures_tracked(list(moved.values_list("pk", flat=True))):
                moved.update(category=category)


def _new_task(writer: _Writer, row, finding) -> RectificationTask:
    context = writer.context
    values = task_values(row, context)
    lead_unit = _unit(context, row.lead_unit)
    task = RectificationTask(
        finding=finding,
        number=row.number,
        lead_unit=lead_unit,
        assigned_on=context.assigned_on[row.row],
        created_at=writer.moment,
        investment=row.investment,
        **values,
    )
    task.sync_from_finding()  # bulk_create skips save()
    return task


def _write_tasks(writer: _Writer, rows) -> None:
    context, plan = writer.context, writer.plan
    changes = {c.key: c for c in plan.changes if c.task_id}
    new, changed, coop_replace = [], [], {}
    for row in rows:
        finding = context.findings[(row.round_name, row.finding_number)]
        task = context.tasks.get((finding.pk, row.number))
        if task is None:
            task = _new_task(writer, row, finding)
            new.append((task, row))
            continue
        change = changes.get(row.key)
        if change is None:
            continue
        accepted = row.key in writer.accepted
        fields = {c.field for c in change.applied(accepted)} - {"summary", "category", "region", "responsible_leader"}
        if not fields:
            continue
        stale = any(c.conflict == STALE for c in change.changes)
        at = writer.now if stale else writer.moment  # accepted over newer work: after that work
        values = task_values(row, context)
        task.round_id, task.category = finding.round_id, finding.category
        for name in ("goal", "measures", "responsible_person", "leader_text", "remark"):
            if name in fields:
                setattr(task, name, values[name])
        if "deadline" in fields:
            for name in ("deadline_text", "deadline", "deadline_kind", "milestones"):
                setattr(task, name, values[name])
        if "investment" in fields:
            task.investment = row.investment
        if "lead_unit" in fields:
            task.lead_unit = _unit(context, row.lead_unit)
            writer.assigned[task.lead_unit_id].append(task)
        if "cooperating_units" in fields:
            coop_replace[task.pk] = {_unit(context, n).pk for n in row.cooperating} - {task.lead_unit_id}
        if "status" in fields:
            writer.walk(task, row.status, at, row.signed_off_on)
        task.version += 1
        task.updated_at = writer.now
        changed.append(task)
        labels = "、".join(str(c.label) for c in change.changes if c.field in fields and c.field != "status")
        if labels:
            writer.event(task, EventKind.EDITED, at, reason=f"{writer.reason}，更新：{labels}"[:1000])
        if "progress" in fields:
            writer.add_progress(task, row.progress, at)
    if new:
        tasks = [t for t, _row in new]
        for task, row in new:
            writer.event(task, EventKind.CREATED, writer.moment, to_status=TaskStatus.NOT_STARTED)
            writer.walk(task, row.status, writer.moment, row.signed_off_on)
            writer.assigned[task.lead_unit_id].append(task)
        bulk_create_with_history(
            tasks, RectificationTask, batch_size=BATCH, default_user=writer.actor, default_change_reason=IMPORT_REASON
        )
        if any(t.pk is None for t in tasks):
            ids = {
                (t.finding_id, t.number): t.pk
                for t in RectificationTask.objects.filter(finding__in={t.finding_id for t in tasks})
            }
            for task in tasks:
                task.pk = task.id = ids[(task.finding_id, task.number)]
        for task, row in new:
            coop_replace[task.pk] = {_unit(context, n).pk for n in row.cooperating} - {task.lead_unit_id}
            if row.progress:
                writer.add_progress(task, row.progress, writer.moment)
    if changed:
        bulk_update_with_history(
            changed,
            RectificationTask,
            TASK_UPDATE_FIELDS,
            batch_size=UPDATE_BATCH,
            default_user=writer.actor,
            default_change_reason=IMPORT_REASON,
        )
    through = RectificationTask.cooperating_units.through
    replaced = [task.pk for task in changed if task.pk in coop_replace]
    if replaced:
        through.objects.filter(rectificationtask_id__in=replaced).delete()
    through.objects.bulk_create(
        [
            through(rectificationtask_id=task_id, unit_id=unit_id)
            for task_id, units in coop_replace.items()
            for unit_id in units
        ],
        batch_size=BATCH,
    )
    if new:
        figures_added([task.pk for task, _row in new])  # after their cooperating units (the counters' viewers)
    for event in writer.events:
        event.task_id = event.task.pk  # new tasks got their ids after the events were built
    for update in writer.progress:
        update.task_id = update.task.pk
    ProgressUpdate.objects.bulk_create(writer.progress, batch_size=BATCH)
    TaskEvent.objects.bulk_create(writer.events, batch_size=BATCH)
