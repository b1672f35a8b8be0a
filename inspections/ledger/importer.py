"""Import a ledger file: read every row, check it all, then write all of it or nothing.

`plan_import` reads and checks without writing: it returns an `ImportPlan` (what would be created
and updated, new rounds/units/leaders, and every error with row, column and message). `run_import`
writes the plan in one transaction, only when there is no error. Re-importing the same file
updates in place (key: round + finding number + task number) and changes nothing when nothing
changed. Rows are bulk-written under the same rules as the services: deadlines parsed by
`parse_deadline`, a CREATED event per new task and a TRANSITION event ("台账导入") for every status
that is not 尚未启动, so the status-as-of-a-date history exists; progress text becomes a
ProgressUpdate.

Leaders named in 责任领导 are matched by full name among leader accounts. An unknown name becomes
an inactive leader account without a usable password (listed in the preview): the finding's
responsible leader is a user, the name is kept and an admin can later activate the account or
merge it; keeping free text instead would lose the leader in filters and reports.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User

from ..choices import COMPLETE_STATUSES, Category, EventKind, RoundKind, TaskStatus
from ..deadlines import DeadlineParseError, parse_deadline
from ..models import Finding, InspectionRound, ProgressUpdate, RectificationTask, TaskEvent
from ..services import round_create
from .columns import COLUMN_BY_KEY
from .reader import LedgerRefused, check_upload, open_sheet, read_ledger
from .statuses import status_from_text

IMPORT_ACTION = "ledger_import"
IMPORT_REASON = "台账导入"
BATCH = 2000
_SPLIT = re.compile(r"[、,，;；/\n]+")
_DIGITS = re.compile(r"\d+")
_CHINESE_NUMBERS = "一二三四五六七八九十"
CATEGORY_BY_LABEL = {str(label): value for value, label in Category.choices}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedTask:
    row: int
    round_name: str
    finding_number: int
    number: int | None
    summary: str
    category: str
    region: str
    leader_name: str
    goal: str
    measures: str
    lead_unit: str
    cooperating: list
    person: str
    deadline_value: object
    deadline_date: date | None
    status: str
    investment: Decimal
    progress: str


@dataclass
class ImportPlan:
    rows: int = 0
    rounds: list = field(default_factory=list)
    rounds_new: list = field(default_factory=list)
    units_new: list = field(default_factory=list)
    leaders_new: list = field(default_factory=list)
    findings_new: int = 0
    findings_updated: int = 0
    tasks_new: int = 0
    tasks_updated: int = 0
    tasks_unchanged: int = 0
    errors: list = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def fold(value) -> str:
    """Cell text for comparing names: NFKC-folded, no spaces."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value >= 1 else None
    text = fold(value)
    if text in _CHINESE_NUMBERS:
        return _CHINESE_NUMBERS.index(text) + 1
    match = _DIGITS.search(text)
    return int(match[0]) if match and int(match[0]) >= 1 else None


def _task_number(value) -> int | None:
    """任务编号 as "3-2" (finding-task) or a plain number."""
    text = fold(value)
    if not text:
        return None
    numbers = _DIGITS.findall(text)
    return int(numbers[-1]) if numbers and int(numbers[-1]) >= 1 else None


def _money(value) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0")
    text = fold(value).replace("万元", "").replace(",", "")
    amount = Decimal(str(value) if isinstance(value, (int, float)) else text).quantize(Decimal("0.01"))
    if amount < 0 or amount >= Decimal("1e12"):
        raise InvalidOperation
    return amount


def _category(value) -> str:
    text = fold(value)
    if not text:
        return Category.OTHER
    if text in CATEGORY_BY_LABEL:
        return CATEGORY_BY_LABEL[text]
    for label, key in CATEGORY_BY_LABEL.items():
        if text in label or label in text:
            return key
    return Category.OTHER


def round_kind_from_name(name: str) -> tuple[str, int]:
    lookback = "回头看" in name
    if "中央" in name:
        kind = RoundKind.CENTRAL_LOOKBACK if lookback else RoundKind.CENTRAL
    elif "省" in name:
        kind = RoundKind.PROVINCIAL_LOOKBACK if lookback else RoundKind.PROVINCIAL
    elif "市" in name:
        kind = RoundKind.MUNICIPAL
    else:
        kind = RoundKind.SPECIAL
    batch = 1
    match = re.search(r"第([一二三四五六七八九十]|\d+)轮", name)
    if match:
        token = match[1]
        batch = _CHINESE_NUMBERS.index(token) + 1 if token in _CHINESE_NUMBERS else int(token)
    return kind, max(batch, 1)


def _label(header, key: str) -> str:
    return header.labels.get(key) or COLUMN_BY_KEY[key].header


def _parse_row(plan: ImportPlan, header, number: int, cells: dict, default_round) -> ParsedTask | None:
    errors_before = len(plan.errors)
    round_name = _text(cells.get("round")) or (default_round.name if default_round else "")
    if not round_name:
        plan.error(
            number,
            _label(header, "round") if "round" in header.columns else "督察轮次",
            _("缺少督察轮次：文件中没有“督察轮次”列时，请选择要导入到的督察轮次。"),
        )
    finding_key = "finding_number" if "finding_number" in header.columns else "seq"
    finding_number = _number(cells.get(finding_key))
    if finding_number is None:
        if finding_key in header.columns:
            plan.error(
                number,
                _label(header, finding_key),
                _("问题编号无效：“%(value)s”。") % {"value": _text(cells.get(finding_key))},
            )
        else:
            plan.error(number, "问题编号", _("文件中没有“问题编号”或“序号”列。"))
    summary = _text(cells.get("summary"))
    if not summary:
        plan.error(number, _label(header, "summary"), _("反馈问题不能为空。"))
    elif len(summary) > 500:
        plan.error(number, _label(header, "summary"), _("反馈问题简述超过 500 字，请精简（详细描述可在系统中补充）。"))
    lead_unit = _text(cells.get("lead_unit"))
    if not lead_unit:
        plan.error(number, _label(header, "lead_unit"), _("牵头单位不能为空。"))
    deadline_value = cells.get("deadline")
    if isinstance(deadline_value, str):
        deadline_value = deadline_value.strip()
    if deadline_value in (None, ""):
        plan.error(number, _label(header, "deadline"), _("整改时限不能为空。"))
    deadline_date = cells.get("deadline_date")
    if isinstance(deadline_date, datetime):
        deadline_date = deadline_date.date()
    elif not isinstance(deadline_date, date):
        deadline_date = None
    status_text = _text(cells.get("status"))
    status = status_from_text(status_text)
    if status is None:
        plan.error(
            number,
            _label(header, "status"),
            _(
                "无法识别的完成情况：“%(value)s”。可填：尚未启动、整改中、序时推进、基本完成、已申请销号、"
                "已完成、已完成整改、已销号、长期坚持、已完成（长期坚持）。"
            )
            % {"value": status_text},
        )
    elif status == TaskStatus.NOT_STARTED and "已销号" in fold(cells.get("signoff")):
        status = TaskStatus.CLOSED
    try:
        investment = _money(cells.get("investment"))
    except (InvalidOperation, ValueError):
        investment = Decimal("0")
        plan.error(
            number,
            _label(header, "investment"),
            _("投入资金应为不小于 0 的数字（万元），不是“%(value)s”。") % {"value": _text(cells.get("investment"))},
        )
    leader_names = [n for n in _SPLIT.split(_text(cells.get("leader"))) if n.strip()]
    if len(plan.errors) > errors_before:
        return None
    return ParsedTask(
        row=number,
        round_name=round_name,
        finding_number=finding_number,
        number=_task_number(cells.get("task_code")),
        summary=summary,
        category=_category(cells.get("category")),
        region=_text(cells.get("region"))[:100],
        leader_name=leader_names[0].strip()[:50] if leader_names else "",
        goal=_text(cells.get("goal")),
        measures=_text(cells.get("measures")),
        lead_unit=lead_unit[:100],
        cooperating=[n.strip()[:100] for n in _SPLIT.split(_text(cells.get("cooperating"))) if n.strip()],
        person=_text(cells.get("person"))[:100],
        deadline_value=deadline_value,
        deadline_date=deadline_date,
        status=status,
        investment=investment,
        progress=_text(cells.get("progress")),
    )


@dataclass
class _Context:
    """What the plan found in the database, and what applying it will need."""

    rounds: dict
    units: dict
    leaders: dict
    findings: dict = field(default_factory=dict)  # (round name, number) -> Finding
    tasks: dict = field(default_factory=dict)  # (finding id, number) -> RectificationTask
    cooperating: dict = field(default_factory=dict)  # task id -> set of unit names (folded)
    progress: dict = field(default_factory=dict)  # task id -> latest progress text
    parsed: list = field(default_factory=list)
    deadlines: dict = field(default_factory=dict)  # row -> ParsedDeadline
    unit_names: dict = field(default_factory=dict)  # unit id -> name


def _load_context(parsed: list[ParsedTask]) -> _Context:
    rounds = {r.name: r for r in InspectionRound.objects.filter(name__in={p.round_name for p in parsed})}
    units = {fold(u.name): u for u in Unit.objects.all()}
    leaders = {}
    for user in User.objects.filter(role=Role.LEADER).exclude(full_name="").order_by("-is_active", "pk"):
        leaders.setdefault(fold(user.full_name), user)
    context = _Context(rounds=rounds, units=units, leaders=leaders, parsed=parsed)
    if rounds:
        for finding in Finding.objects.filter(round__in=rounds.values()).select_related("round"):
            context.findings[(finding.round.name, finding.number)] = finding
        tasks = RectificationTask.objects.filter(finding__round__in=rounds.values())
        for task in tasks:
            context.tasks[(task.finding_id, task.number)] = task
        through = RectificationTask.cooperating_units.through
        for task_id, name in through.objects.filter(rectificationtask__in=tasks).values_list(
            "rectificationtask_id", "unit__name"
        ):
            context.cooperating.setdefault(task_id, set()).add(fold(name))
        latest = ProgressUpdate.objects.filter(task__in=tasks).order_by("task_id", "-reported_on", "-id")
        for task_id, text in latest.values_list("task_id", "text"):
            context.progress.setdefault(task_id, text)
    return context


def plan_import(path, *, default_round=None) -> tuple[ImportPlan, _Context | None]:
    """Read and check the file at `path`; nothing is written. Raises LedgerRefused for a refused file."""
    plan = ImportPlan()
    workbook, sheet = open_sheet(path)
    try:
        header, rows = read_ledger(sheet)
        parsed = []
        for number, cells in rows:
            plan.rows += 1
            row = _parse_row(plan, header, number, cells, default_round)
            if row is not None:
                parsed.append(row)
    except LedgerRefused:
        raise
    except Exception as exc:  # a damaged sheet inside a valid package: refuse, never a 500
        raise LedgerRefused(_("工作表内容已损坏，无法读取，请用 Excel 或 WPS 打开后重新保存为 .xlsx 再上传。")) from exc
    finally:
        workbook.close()
    if plan.rows == 0:
        raise LedgerRefused(_("表头下面没有数据行。"))
    _number_tasks(plan, parsed)
    context = _load_context(parsed)
    _check_against_database(plan, context, header)
    return plan, context


def _number_tasks(plan: ImportPlan, parsed: list[ParsedTask]) -> None:
    """Tasks without a 任务编号 are numbered in file order within their finding; duplicates are errors."""
    seen = {}
    counters = defaultdict(int)
    for row in parsed:
        finding_key = (row.round_name, row.finding_number)
        if row.number is None:
            counters[finding_key] += 1
            row.number = counters[finding_key]
        else:
            counters[finding_key] = max(counters[finding_key], row.number)
        key = (*finding_key, row.number)
        if key in seen:
            plan.error(
                row.row,
                "任务编号",
                _("与第 %(row)s 行重复：%(round)s 问题 %(finding)s 的第 %(number)s 项任务出现了两次。")
                % {"row": seen[key], "round": row.round_name, "finding": row.finding_number, "number": row.number},
            )
        else:
            seen[key] = row.row


def _check_against_database(plan: ImportPlan, context: _Context, header) -> None:
    today = timezone.localdate()
    plan.rounds = sorted({p.round_name for p in context.parsed})
    plan.rounds_new = [name for name in plan.rounds if name not in context.rounds]
    units_new, leaders_new = {}, {}
    finding_rows = {}
    for row in context.parsed:
        for name in [row.lead_unit, *row.cooperating]:
            if fold(name) not in context.units:
                units_new.setdefault(fold(name), name)
        if row.leader_name and fold(row.leader_name) not in context.leaders:
            leaders_new.setdefault(fold(row.leader_name), row.leader_name)
        finding = context.findings.get((row.round_name, row.finding_number))
        task = context.tasks.get((finding.pk, row.number)) if finding else None
        try:
            parsed = parse_deadline(row.deadline_value, assigned_on=task.assigned_on if task else today)
        except DeadlineParseError as exc:
            plan.error(row.row, _label(header, "deadline"), str(exc))
            continue
        context.deadlines[row.row] = parsed
        finding_rows.setdefault((row.round_name, row.finding_number), row)
        if task is None:
            plan.tasks_new += 1
        elif _task_changes(task, row, context):
            if task.status == TaskStatus.CLOSED:
                plan.error(
                    row.row,
                    "任务编号",
                    _("任务 %(code)s 已销号，不能通过导入修改；如需修改请先由管理员重新打开。")
                    % {"code": f"{row.finding_number}-{row.number}"},
                )
            plan.tasks_updated += 1
        else:
            plan.tasks_unchanged += 1
    for key, row in finding_rows.items():
        finding = context.findings.get(key)
        if finding is None:
            plan.findings_new += 1
        elif _finding_changes(finding, row, context):
            plan.findings_updated += 1
    plan.units_new = sorted(units_new.values())
    plan.leaders_new = sorted(leaders_new.values())
    plan.errors.sort(key=lambda e: e.row)


def _leader_id(row: ParsedTask, context: _Context):
    leader = context.leaders.get(fold(row.leader_name)) if row.leader_name else None
    return leader.pk if leader else None


def _finding_changes(finding: Finding, row: ParsedTask, context: _Context) -> list[str]:
    wanted = {
        "summary": row.summary,
        "category": row.category,
        "region": row.region,
        "responsible_leader_id": _leader_id(row, context),
    }
    if row.leader_name and fold(row.leader_name) not in context.leaders:
        wanted["responsible_leader_id"] = "new"
    return [name for name, value in wanted.items() if getattr(finding, name) != value]


def _task_values(row: ParsedTask, context: _Context) -> dict:
    parsed = context.deadlines[row.row]
    deadline = row.deadline_date or parsed.deadline
    return {
        "goal": row.goal,
        "measures": row.measures,
        "responsible_person": row.person,
        "deadline_text": parsed.text[:200],
        "deadline": deadline,
        "deadline_kind": parsed.kind,
        "milestones": [d.isoformat() for d in parsed.milestones if d != deadline],
        "status": row.status,
        "investment": row.investment,
    }


def _task_changes(task: RectificationTask, row: ParsedTask, context: _Context) -> list[str]:
    changes = [name for name, value in _task_values(row, context).items() if getattr(task, name) != value]
    if fold(task_lead_unit_name(task, context)) != fold(row.lead_unit):
        changes.append("lead_unit")
    if context.cooperating.get(task.pk, set()) != {fold(n) for n in row.cooperating if fold(n) != fold(row.lead_unit)}:
        changes.append("cooperating_units")
    if row.progress and context.progress.get(task.pk) != row.progress:
        changes.append("progress")
    return changes


def task_lead_unit_name(task: RectificationTask, context: _Context) -> str:
    if not context.unit_names:
        context.unit_names.update({unit.pk: unit.name for unit in context.units.values()})
    return context.unit_names.get(task.lead_unit_id, "")


def run_import(path, *, actor, default_round=None, dry_run: bool = False) -> ImportPlan:
    """Plan, and unless `dry_run` or there is an error, write everything in one transaction."""
    plan, context = plan_import(path, default_round=default_round)
    if dry_run or not plan.ok:
        return plan
    with transaction.atomic():
        _apply(plan, context, actor)
    plan.written = True
    return plan


def import_path(path, *, actor, default_round=None, dry_run=False) -> ImportPlan:
    """Check, plan and (unless `dry_run`) write the ledger file at `path` (command line, confirm step)."""
    import os

    check_upload(str(path), os.path.getsize(path))
    return run_import(path, actor=actor, default_round=default_round, dry_run=dry_run)


def _root_unit():
    return Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def _apply(plan: ImportPlan, context: _Context, actor) -> None:
    now = timezone.now()
    today = timezone.localdate()
    for name in plan.rounds_new:
        kind, batch = round_kind_from_name(name)
        context.rounds[name] = round_create(actor=actor, name=name[:120], kind=kind, batch=batch)
    parent = _root_unit()
    next_code = Unit.objects.filter(code__startswith="IMP-").count() + 1
    for name in plan.units_new:
        while Unit.objects.filter(code=f"IMP-{next_code:05d}").exists():
            next_code += 1
        unit = Unit(name=name, code=f"IMP-{next_code:05d}", kind=UnitKind.DEPARTMENT, parent=parent)
        unit.save()
        context.units[fold(name)] = unit
        next_code += 1
    for name in plan.leaders_new:
        user = User(username=_free_username(), full_name=name, role=Role.LEADER, is_active=False)
        user.set_unusable_password()
        user.save()
        context.leaders[fold(name)] = user

    valid_rows = [row for row in context.parsed if row.row in context.deadlines]
    _write_findings(valid_rows, context)
    _write_tasks(valid_rows, context, actor, now, today)


def _free_username() -> str:
    import uuid

    return f"leader-{uuid.uuid4().hex[:10]}"


def _write_findings(rows: list[ParsedTask], context: _Context) -> None:
    new, changed, changed_keys = [], [], set()
    for row in rows:
        key = (row.round_name, row.finding_number)
        finding = context.findings.get(key)
        values = {
            "summary": row.summary,
            "category": row.category,
            "region": row.region,
            "responsible_leader_id": _leader_id(row, context),
        }
        if finding is None:
            finding = Finding(round=context.rounds[row.round_name], number=row.finding_number, **values)
            context.findings[key] = finding
            new.append(finding)
        elif key not in changed_keys and finding.pk and any(getattr(finding, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(finding, name, value)
            changed.append(finding)
            changed_keys.add(key)
    if new:
        bulk_create_with_history(new, Finding, batch_size=BATCH, default_change_reason=IMPORT_REASON)
        if any(f.pk is None for f in new):  # backends without RETURNING: read the ids back
            ids = {(f.round_id, f.number): f.pk for f in Finding.objects.filter(round__in={f.round_id for f in new})}
            for finding in new:
                finding.pk = finding.id = ids[(finding.round_id, finding.number)]
    if changed:
        bulk_update_with_history(
            changed,
            Finding,
            ["summary", "category", "region", "responsible_leader"],
            batch_size=BATCH,
            default_change_reason=IMPORT_REASON,
        )
        _sync_task_categories(changed)


def _sync_task_categories(findings: list[Finding]) -> None:
    """bulk_update skips Finding.save(): copy a re-imported finding's category onto its tasks' column."""
    by_category: dict[str, list[int]] = {}
    for finding in findings:
        by_category.setdefault(finding.category, []).append(finding.pk)
    for category, finding_ids in by_category.items():
        RectificationTask.objects.filter(finding_id__in=finding_ids).exclude(category=category).update(
            category=category
        )


def _set_status(task: RectificationTask, status: str, actor, now) -> None:
    task.status = status
    if status in COMPLETE_STATUSES:
        task.percent = 100
        task.completed_at = task.completed_at or now
        task.verified_at = task.verified_at or now
        task.verified_by = task.verified_by or actor
        if status in (TaskStatus.CLOSED, TaskStatus.LONG_TERM):
            task.signed_off_at = task.signed_off_at or now
            task.signed_off_by = task.signed_off_by or actor
    else:
        task.completed_at = task.verified_at = task.verified_by = None
        task.signed_off_at = task.signed_off_by = None
        if status == TaskStatus.NOT_STARTED:
            task.percent = 0


TASK_UPDATE_FIELDS = [
    "goal",
    "measures",
    "responsible_person",
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
    "version",
    "updated_at",
]


def _write_tasks(rows: list[ParsedTask], context: _Context, actor, now, today) -> None:
    new, changed, events, progress = [], [], [], []
    coop_replace: dict = {}
    for row in rows:
        finding = context.findings[(row.round_name, row.finding_number)]
        task = context.tasks.get((finding.pk, row.number))
        values = _task_values(row, context)
        status = values.pop("status")
        lead_unit = context.units[fold(row.lead_unit)]
        cooperating = {context.units[fold(n)].pk for n in row.cooperating} - {lead_unit.pk}
        if task is None:
            task = RectificationTask(
                finding=finding, number=row.number, lead_unit=lead_unit, assigned_on=today, created_at=now, **values
            )
            task.sync_from_finding()  # bulk_create skips save()
            _set_status(task, status, actor, now)
            new.append((task, row, cooperating))
            continue
        changes = _task_changes(task, row, context)
        if not changes:
            continue
        previous = task.status
        task.round_id, task.category = finding.round_id, finding.category  # as _sync_task_categories wrote them
        for name, value in values.items():
            setattr(task, name, value)
        task.lead_unit = lead_unit
        if status != previous:
            _set_status(task, status, actor, now)
            events.append(
                TaskEvent(
                    task=task,
                    actor=actor,
                    at=now,
                    kind=EventKind.TRANSITION,
                    action=IMPORT_ACTION,
                    from_status=previous,
                    to_status=status,
                    reason=IMPORT_REASON,
                )
            )
        task.version += 1
        task.updated_at = now
        changed.append(task)
        if "cooperating_units" in changes:
            coop_replace[task.pk] = cooperating
        labels = "、".join(str(_field_label(name)) for name in changes)
        events.append(
            TaskEvent(
                task=task, actor=actor, at=now, kind=EventKind.EDITED, reason=f"{IMPORT_REASON}更新：{labels}"[:1000]
            )
        )
        if "progress" in changes:
            progress.append(
                ProgressUpdate(
                    task=task,
                    author=actor,
                    text=row.progress,
                    percent=task.percent,
                    investment=task.investment,
                    reported_on=today,
                    created_at=now,
                )
            )
    if new:
        tasks = [t for t, _r, _c in new]
        bulk_create_with_history(tasks, RectificationTask, batch_size=BATCH, default_change_reason=IMPORT_REASON)
        if any(t.pk is None for t in tasks):
            ids = {
                (t.finding_id, t.number): t.pk
                for t in RectificationTask.objects.filter(finding__in={t.finding_id for t in tasks})
            }
            for task in tasks:
                task.pk = task.id = ids[(task.finding_id, task.number)]
        for task, row, cooperating in new:
            coop_replace[task.pk] = cooperating
            events.append(
                TaskEvent(
                    task=task,
                    actor=actor,
                    at=now,
                    kind=EventKind.CREATED,
                    to_status=TaskStatus.NOT_STARTED,
                    reason=IMPORT_REASON,
                )
            )
            if task.status != TaskStatus.NOT_STARTED:
                events.append(
                    TaskEvent(
                        task=task,
                        actor=actor,
                        at=now,
                        kind=EventKind.TRANSITION,
                        action=IMPORT_ACTION,
                        from_status=TaskStatus.NOT_STARTED,
                        to_status=task.status,
                        reason=IMPORT_REASON,
                    )
                )
            if row.progress:
                progress.append(
                    ProgressUpdate(
                        task=task,
                        author=actor,
                        text=row.progress,
                        percent=task.percent,
                        investment=task.investment,
                        reported_on=today,
                        created_at=now,
                    )
                )
    if changed:
        bulk_update_with_history(
            changed, RectificationTask, TASK_UPDATE_FIELDS, batch_size=BATCH, default_change_reason=IMPORT_REASON
        )
    through = RectificationTask.cooperating_units.through
    replaced = [task_id for task_id in coop_replace if task_id in {t.pk for t in changed}]
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
    for update in progress:
        events.append(
            TaskEvent(
                task=update.task,
                actor=actor,
                at=now,
                kind=EventKind.PROGRESS,
                reason=f"{IMPORT_REASON}：{update.text[:200]}",
            )
        )
    ProgressUpdate.objects.bulk_create(progress, batch_size=BATCH)
    TaskEvent.objects.bulk_create(events, batch_size=BATCH)


def _field_label(name: str) -> str:
    if name == "progress":
        return "整改进展情况"
    return RectificationTask._meta.get_field(name).verbose_name


__all__ = ["ImportPlan", "LedgerRefused", "RowError", "check_upload", "import_path", "plan_import", "run_import"]
