"""Deterministic bulk data for benchmarks: N tasks with findings, units, events and progress, fast.

Bypasses the services on purpose (bulk inserts): the rows are built to satisfy the same rules
(statuses reachable by the transition table, one creation event per task, a transition event
per status change, progress rows matching the task's percent).
"""
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User

from ..choices import Category, DeadlineKind, EventKind, FindingSource, RoundKind, TaskStatus
from ..models import Finding, InspectionRound, ProgressUpdate, RectificationTask, TaskEvent
from .realistic import PROBLEMS, REGIONS

BATCH = 5000
STATUS_WEIGHTS = [
    (TaskStatus.NOT_STARTED, 12), (TaskStatus.IN_PROGRESS, 33), (TaskStatus.SUBMITTED, 8),
    (TaskStatus.VERIFIED, 10), (TaskStatus.CLOSED, 30), (TaskStatus.LONG_TERM, 7),
]
# The workflow path that reaches each status (see workflow.TRANSITIONS).
PATHS = {
    TaskStatus.NOT_STARTED: [],
    TaskStatus.IN_PROGRESS: [("start", TaskStatus.IN_PROGRESS)],
    TaskStatus.SUBMITTED: [("start", TaskStatus.IN_PROGRESS), ("submit", TaskStatus.SUBMITTED)],
    TaskStatus.VERIFIED: [("start", TaskStatus.IN_PROGRESS), ("submit", TaskStatus.SUBMITTED),
                          ("verify", TaskStatus.VERIFIED)],
    TaskStatus.CLOSED: [("start", TaskStatus.IN_PROGRESS), ("submit", TaskStatus.SUBMITTED),
                        ("verify", TaskStatus.VERIFIED), ("close", TaskStatus.CLOSED)],
    TaskStatus.LONG_TERM: [("start", TaskStatus.IN_PROGRESS), ("submit", TaskStatus.SUBMITTED),
                           ("verify", TaskStatus.VERIFIED), ("keep_long_term", TaskStatus.LONG_TERM)],
}


def _units(seed: int) -> list[Unit]:
    root, _ = Unit.objects.get_or_create(code="BULK", defaults={"name": "压测县", "kind": UnitKind.BUREAU})
    units = []
    for i in range(40):
        units.append(Unit.objects.get_or_create(
            code=f"BULK-D{i:02d}", defaults={"name": f"压测部门{i:02d}", "kind": UnitKind.DEPARTMENT, "parent": root})[0])
    townships = []
    for i in range(40):
        township = Unit.objects.get_or_create(
            code=f"BULK-T{i:02d}", defaults={"name": f"压测乡镇{i:02d}", "kind": UnitKind.TOWNSHIP, "parent": root})[0]
        townships.append(township)
        units.append(township)
    for i in range(120):
        units.append(Unit.objects.get_or_create(
            code=f"BULK-E{i:03d}",
            defaults={"name": f"压测企业{i:03d}", "kind": UnitKind.ENTERPRISE, "parent": townships[i % 40]})[0])
    return units


def _leaders() -> list[User]:
    leaders = list(User.objects.filter(role=Role.LEADER).order_by("pk")[:10])
    if leaders:
        return leaders
    user = User(username="bulk_leader", full_name="压测领导", role=Role.LEADER)
    user.set_unusable_password()
    user.save()
    return [user]


def _moment(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59))))


@transaction.atomic
def seed_bulk(*, tasks: int, seed: int, today: date | None = None, stdout=None) -> InspectionRound | None:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    name = f"压测轮次（seed={seed}，{tasks}项）"
    if InspectionRound.objects.filter(name=name).exists():
        if stdout:
            stdout.write(f"{name} already exists; nothing added.")
        return None
    units = _units(seed)
    leaders = _leaders()
    actor = User.objects.filter(role__in=[Role.BUREAU, Role.ADMIN]).order_by("pk").first()
    feedback = today - timedelta(days=rng.randint(300, 700))
    inspection_round = InspectionRound.objects.create(
        kind=RoundKind.PROVINCIAL, batch=1 + seed % 9, name=name, feedback_date=feedback,
        inspection_start=feedback - timedelta(days=60), inspection_end=feedback - timedelta(days=30),
        plan_due_date=feedback + timedelta(days=30),
    )
    # Findings: 1-5 tasks each until the total is reached.
    sizes = []
    while sum(sizes) < tasks:
        sizes.append(min(rng.randint(1, 5), tasks - sum(sizes)))
    findings = []
    for number, _size in enumerate(sizes, start=1):
        category, summary, _goal, _measures = PROBLEMS[rng.randrange(len(PROBLEMS))]
        region = rng.choice(REGIONS)
        findings.append(Finding(
            round=inspection_round, number=number, summary=f"{region}{summary}（{number}）",
            description=f"督察发现{region}{summary}。", category=category, region=region,
            responsible_leader=rng.choice(leaders),
            source=FindingSource.COMPLAINT if rng.random() < 0.1 else FindingSource.FEEDBACK,
        ))
    Finding.objects.bulk_create(findings, batch_size=BATCH)
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    task_rows, plans = [], []
    for finding, size in zip(findings, sizes, strict=True):
        category, _summary, goal, measures = next(p for p in PROBLEMS if p[0] == finding.category)
        for number in range(1, size + 1):
            status = rng.choices(statuses, weights)[0]
            assigned = feedback + timedelta(days=rng.randint(20, 60))
            deadline = today + timedelta(days=rng.randint(-200, 400))
            if deadline <= assigned:
                deadline = assigned + timedelta(days=rng.randint(10, 60))
            long_term = status == TaskStatus.LONG_TERM
            percent = {TaskStatus.NOT_STARTED: 0, TaskStatus.IN_PROGRESS: rng.randint(5, 95)}.get(status, 100)
            done_on = min(today, assigned + timedelta(days=rng.randint(30, max(31, (today - assigned).days))))
            task_rows.append(RectificationTask(
                finding=finding, number=number, lead_unit=rng.choice(units), goal=goal, measures=measures,
                deadline_text=f"{deadline.year}年底前完成，长期坚持" if long_term else
                f"{deadline.year}年{deadline.month}月{deadline.day}日前",
                deadline=date(deadline.year, 12, 31) if long_term else deadline,
                deadline_kind=DeadlineKind.LONG_TERM if long_term else DeadlineKind.DATED,
                status=status, percent=percent,
                investment=Decimal(rng.randint(0, 500000)) / 100 if percent else Decimal("0"),
                assigned_on=assigned, created_at=_moment(assigned, rng),
                completed_at=_moment(done_on, rng) if status in (TaskStatus.VERIFIED, TaskStatus.CLOSED,
                                                                TaskStatus.LONG_TERM) else None,
                signed_off_at=_moment(done_on, rng) if status in (TaskStatus.CLOSED, TaskStatus.LONG_TERM) else None,
                responsible_person=rng.choice(["王建国", "李明", "张伟", "刘洋", "陈静", "杨帆"]),
            ))
            plans.append((assigned, done_on, status))
    RectificationTask.objects.bulk_create(task_rows, batch_size=BATCH)
    through = RectificationTask.cooperating_units.through
    coop = [through(rectificationtask_id=t.pk, unit_id=rng.choice(units).pk)
            for t in task_rows if rng.random() < 0.3]
    through.objects.bulk_create([c for c in coop], batch_size=BATCH, ignore_conflicts=True)
    events, progress = [], []
    for task, (assigned, done_on, status) in zip(task_rows, plans, strict=True):
        events.append(TaskEvent(task_id=task.pk, actor=actor, at=task.created_at, kind=EventKind.CREATED,
                                to_status=TaskStatus.NOT_STARTED))
        path = PATHS[status]
        span = max(1, (done_on - assigned).days)
        previous = TaskStatus.NOT_STARTED
        for step, (action, target) in enumerate(path, start=1):
            day = assigned + timedelta(days=span * step // len(path))
            events.append(TaskEvent(task_id=task.pk, actor=actor, at=_moment(day, rng), kind=EventKind.TRANSITION,
                                    action=action, from_status=previous, to_status=target))
            previous = target
        if task.percent:
            progress.append(ProgressUpdate(
                task_id=task.pk, author=actor, reported_on=assigned + timedelta(days=span // 2),
                created_at=_moment(assigned + timedelta(days=span // 2), rng),
                text=f"按计划推进整改，已完成 {task.percent}%。", percent=task.percent, investment=task.investment,
            ))
        if len(events) >= BATCH * 4:
            TaskEvent.objects.bulk_create(events, batch_size=BATCH)
            events = []
        if len(progress) >= BATCH * 4:
            ProgressUpdate.objects.bulk_create(progress, batch_size=BATCH)
            progress = []
    TaskEvent.objects.bulk_create(events, batch_size=BATCH)
    ProgressUpdate.objects.bulk_create(progress, batch_size=BATCH)
    return inspection_round
