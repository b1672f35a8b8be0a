"""Compare parsed ledger rows with the database: what an import would create and change, field by field.

Nothing is written. The rules that keep a file from undoing newer work live here:

- a status behind the task's current one is never applied (the transition table never moves a task
  back; a rejection or a reopening is a person's decision, not a spreadsheet's);
- a task whose timeline has anything on or after the file's as-of date changed in the system since
  the file was filled in: every field where the file differs is a conflict, and the system's value
  is kept unless the user accepts the file's value for that task (page checkbox, `--prefer-file`);
- a 已销号 task is read-only: its differences are listed and never applied.

The as-of date is the file's 填报日期 / 截至, or the date the user gives (which wins), else today.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from accounts.models import Unit, User

from .. import workflow
from ..choices import TaskStatus
from ..deadlines import DeadlineParseError, parse_deadline
from ..models import Finding, InspectionRound, ProgressUpdate, RectificationTask, TaskEvent
from ..services import closure_chain_for_round, task_chain
from .parse import ParsedFile, ParsedTask, RowError, fold, task_key
from .statuses import status_label

IMPORT_REASON = "台账导入"  # every event an import writes starts its reason with this
# Conflict kinds: "stale" may be accepted; "backward" and "closed" never are.
STALE, BACKWARD, CLOSED = "stale", "backward", "closed"
UNIT_SUFFIXES = ("人民政府", "政府", "街道办事处", "办事处")

FIELD_LABELS = {
    "summary": gettext_lazy("反馈问题"),
    "category": gettext_lazy("问题类别"),
    "region": gettext_lazy("所属区域"),
    "responsible_leader": gettext_lazy("责任领导（账号）"),
    "goal": gettext_lazy("整改目标"),
    "measures": gettext_lazy("整改措施"),
    "lead_unit": gettext_lazy("牵头单位"),
    "cooperating_units": gettext_lazy("配合单位"),
    "responsible_person": gettext_lazy("责任人"),
    "leader_text": gettext_lazy("责任领导"),
    "deadline": gettext_lazy("整改时限"),
    "status": gettext_lazy("完成情况"),
    "investment": gettext_lazy("投入资金（万元）"),
    "progress": gettext_lazy("整改进展情况"),
    "remark": gettext_lazy("备注"),
}
FINDING_FIELDS = ("summary", "category", "region", "responsible_leader")


@dataclass
class FieldChange:
    field: str
    old: str
    new: str
    conflict: str = ""  # "", STALE, BACKWARD or CLOSED

    @property
    def label(self) -> str:
        return str(FIELD_LABELS.get(self.field, self.field))

    @property
    def conflict_label(self) -> str:
        return {
            STALE: _("系统中在填报日期当天或之后有更新"),
            BACKWARD: _("不能回退状态"),
            CLOSED: _("任务已销号，只读"),
        }.get(self.conflict, "")


@dataclass
class TaskChange:
    row: int
    key: str
    code: str
    round_name: str
    summary: str
    task_id: int
    changes: list = field(default_factory=list)  # FieldChange

    @property
    def conflicts(self) -> list:
        return [c for c in self.changes if c.conflict]

    @property
    def acceptable(self) -> bool:
        """The user may take the file's values for this task (some conflict is only "newer in the system")."""
        return any(c.conflict == STALE for c in self.changes)

    def applied(self, accepted: bool) -> list:
        return [c for c in self.changes if not c.conflict or (accepted and c.conflict == STALE)]


@dataclass
class TaskCreate:
    row: int
    key: str
    code: str
    round_name: str
    summary: str
    lead_unit: str
    status: str
    leader_text: str

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass
class Context:
    """What the plan read from the database; the writer reuses it (no second read)."""

    rounds: dict
    units: dict  # folded name -> Unit
    unit_cores: dict  # folded name without 人民政府/政府... -> Unit
    leaders: dict  # folded full name -> User (leader accounts)
    findings: dict = field(default_factory=dict)  # (round name, number) -> Finding
    tasks: dict = field(default_factory=dict)  # (finding id, number) -> RectificationTask
    cooperating: dict = field(default_factory=dict)  # task id -> set of unit names (folded)
    progress: dict = field(default_factory=dict)  # task id -> latest progress text
    last_change: dict = field(default_factory=dict)  # task id -> (latest event by a person, by an import)
    deadlines: dict = field(default_factory=dict)  # row -> ParsedDeadline
    assigned_on: dict = field(default_factory=dict)  # row -> 交办日期 of a new task
    unit_names: dict = field(default_factory=dict)  # unit id -> name
    chains: dict = field(default_factory=dict)  # round id -> its closure chain (the forward walk follows it)


@dataclass
class ImportPlan:
    file_name: str = ""
    as_of: date | None = None
    as_of_source: str = ""  # "given", "file" or "today"
    rows: int = 0
    parsed: list = field(default_factory=list)
    rounds: list = field(default_factory=list)
    rounds_new: list = field(default_factory=list)
    units_new: list = field(default_factory=list)
    unit_matches: list = field(default_factory=list)  # (name in the file, existing unit's name)
    leaders_matched: list = field(default_factory=list)
    leaders_unmatched: list = field(default_factory=list)  # names kept as text (no account)
    findings_new: int = 0
    findings_updated: int = 0
    tasks_new: int = 0
    tasks_updated: int = 0
    tasks_unchanged: int = 0
    creates: list = field(default_factory=list)  # TaskCreate
    changes: list = field(default_factory=list)  # TaskChange (any difference, conflicting or not)
    errors: list = field(default_factory=list)
    unknown_columns: list = field(default_factory=list)
    written: bool = False
    context: Context | None = None
    # Filled by the writer: what it did (and with which choices).
    leaders_new: list = field(default_factory=list)
    accepted: list = field(default_factory=list)
    assigned: dict = field(default_factory=dict)  # lead unit id -> tasks the import gave it (for the digest)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def conflicts(self) -> list:
        return [c for c in self.changes if c.conflicts]

    @property
    def file_errors(self) -> list:
        return [e for e in self.errors if e.row is None]

    def error(self, row, column: str, message: str, value: str = "") -> None:
        self.errors.append(RowError(row, column, message, value))

    def summary(self) -> dict:
        """The figures a job keeps and the result page shows."""
        return {
            "file_name": self.file_name,
            "as_of": self.as_of.isoformat() if self.as_of else "",
            "rows": self.rows,
            "rounds": self.rounds,
            "rounds_new": self.rounds_new,
            "units_new": self.units_new,
            "leaders_new": self.leaders_new,
            "findings_new": self.findings_new,
            "findings_updated": self.findings_updated,
            "tasks_new": self.tasks_new,
            "tasks_updated": self.tasks_updated,
            "tasks_unchanged": self.tasks_unchanged,
            "conflicts": len(self.conflicts),
            "accepted": len(self.accepted),
            "written": self.written,
        }


def as_of_moment(as_of: date) -> datetime:
    """When an event the file reports is dated: the end of the as-of day, never later than now."""
    return min(timezone.make_aware(datetime.combine(as_of, time.max)), timezone.now())


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def unit_core(name: str) -> str:
    """北岭乡人民政府 and 北岭乡 name the same unit: compare without the government suffixes."""
    folded = fold(name)
    for suffix in UNIT_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix) + 1:
            return folded[: -len(suffix)]
    return folded


def _load_context(rows: list[ParsedTask]) -> Context:
    rounds = {r.name: r for r in InspectionRound.objects.filter(name__in={p.round_name for p in rows})}
    units, cores = {}, {}
    for unit in Unit.objects.order_by("pk"):
        units[fold(unit.name)] = unit
        cores.setdefault(unit_core(unit.name), unit)
    leaders = {}
    for user in User.objects.filter(role=Role.LEADER).exclude(full_name="").order_by("-is_active", "pk"):
        leaders.setdefault(fold(user.full_name), user)
    context = Context(rounds=rounds, units=units, unit_cores=cores, leaders=leaders)
    if rounds:
        for finding in Finding.objects.filter(round__in=rounds.values()).select_related("round", "responsible_leader"):
            context.findings[(finding.round.name, finding.number)] = finding
        tasks = RectificationTask.objects.filter(round__in=rounds.values())
        findings_by_id = {f.pk: f for f in context.findings.values()}
        for task in tasks:
            task.finding = findings_by_id[task.finding_id]  # no query per task for its finding's leader
            context.tasks[(task.finding_id, task.number)] = task
        through = RectificationTask.cooperating_units.through
        for task_id, name in through.objects.filter(rectificationtask__in=tasks).values_list(
            "rectificationtask_id", "unit__name"
        ):
            context.cooperating.setdefault(task_id, set()).add(fold(name))
        latest = ProgressUpdate.objects.filter(task__in=tasks).order_by("task_id", "-reported_on", "-id")
        for task_id, text in latest.values_list("task_id", "text"):
            context.progress.setdefault(task_id, text)
        # A person's work and an earlier import are told apart: an earlier file's events are dated at
        # that file's as-of date, so re-importing a corrected copy of the same day's file is no conflict.
        imported = Q(reason__startswith=IMPORT_REASON)
        context.last_change = {
            task_id: (person, by_import)
            for task_id, person, by_import in TaskEvent.objects.filter(task__in=tasks)
            .order_by()
            .values("task_id")
            .annotate(person=Max("at", filter=~imported), by_import=Max("at", filter=imported))
            .values_list("task_id", "person", "by_import")
        }
    return context


def _unit_for(name: str, context: Context) -> Unit | None:
    return context.units.get(fold(name)) or context.unit_cores.get(unit_core(name))


def leader_for(row: ParsedTask, context: Context) -> User | None:
    """The first name in the row's 责任领导 text that is a leader account's full name (or the whole text)."""
    for name in [row.leader_text, *row.leader_names]:
        user = context.leaders.get(fold(name))
        if user is not None:
            return user
    return None


def _money_text(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def task_values(row: ParsedTask, context: Context) -> dict:
    parsed = context.deadlines[row.row]
    deadline = row.deadline_date or parsed.deadline
    return {
        "goal": row.goal,
        "measures": row.measures,
        "responsible_person": row.person,
        "leader_text": row.leader_text[:200],
        "remark": row.remark,
        "deadline_text": parsed.text[:200],
        "deadline": deadline,
        "deadline_kind": parsed.kind,
        "milestones": [d.isoformat() for d in parsed.milestones if d != deadline],
    }


def effective_leader_text(task: RectificationTask) -> str:
    """The 责任领导 the export writes for a task: its own text, else its finding's leader account."""
    if task.leader_text:
        return task.leader_text
    leader = task.finding.responsible_leader if task.finding.responsible_leader_id else None
    return (leader.full_name or leader.username) if leader else ""


def _task_field_changes(task: RectificationTask, row: ParsedTask, context: Context) -> list[FieldChange]:
    values = task_values(row, context)
    changes = []
    for name in ("goal", "measures", "responsible_person", "remark"):
        if getattr(task, name) != values[name]:
            changes.append(FieldChange(name, getattr(task, name), values[name]))
    if effective_leader_text(task) != values["leader_text"]:
        changes.append(FieldChange("leader_text", effective_leader_text(task), values["leader_text"]))
    if any(getattr(task, n) != values[n] for n in ("deadline_text", "deadline", "deadline_kind", "milestones")):
        changes.append(FieldChange("deadline", task.deadline_text, values["deadline_text"]))
    if task.status != row.status:
        changes.append(FieldChange("status", status_label(task.status), status_label(row.status)))
    if row.investment is not None and task.investment != row.investment:  # blank in the file: not known, kept
        changes.append(FieldChange("investment", _money_text(task.investment), _money_text(row.investment)))
    lead_name = context.unit_names.get(task.lead_unit_id, "")
    lead = _unit_for(row.lead_unit, context)
    if lead is None or lead.pk != task.lead_unit_id:
        changes.append(FieldChange("lead_unit", lead_name, row.lead_unit))
    lead_folded = fold(lead.name) if lead is not None else fold(row.lead_unit)
    wanted = {fold(unit.name) if (unit := _unit_for(n, context)) else fold(n) for n in row.cooperating} - {lead_folded}
    have = context.cooperating.get(task.pk, set())
    if have != wanted:
        changes.append(FieldChange("cooperating_units", "、".join(sorted(have)), "、".join(row.cooperating)))
    if row.progress and context.progress.get(task.pk) != row.progress:
        changes.append(FieldChange("progress", context.progress.get(task.pk, ""), row.progress))
    return changes


def _finding_changes(finding: Finding, row: ParsedTask, context: Context) -> list[FieldChange]:
    changes = [
        FieldChange(name, getattr(finding, name), getattr(row, name))
        for name in ("summary", "region")
        if getattr(finding, name) != getattr(row, name)
    ]
    if finding.category != row.category:
        changes.append(FieldChange("category", finding.get_category_display(), _category_label(row.category)))
    leader = leader_for(row, context)
    if leader is not None and finding.responsible_leader_id != leader.pk:
        old = finding.responsible_leader.display_name if finding.responsible_leader_id else ""
        changes.append(FieldChange("responsible_leader", old, leader.display_name))
    return changes


def _category_label(value: str) -> str:
    from ..choices import Category

    return str(Category(value).label)


def _reachable_in_round(status: str, round_obj, context: Context) -> bool:
    """A new task walks from 尚未启动 by its round's closure chain: 公示中 needs a chain with a notice step."""
    if round_obj is None or round_obj.pk is None:
        chain = workflow.DEFAULT_CHAIN
    else:
        if ("round", round_obj.pk) not in context.chains:
            context.chains[("round", round_obj.pk)] = closure_chain_for_round(round_obj)
        chain = context.chains[("round", round_obj.pk)]
    return workflow.forward_path(TaskStatus.NOT_STARTED, status, chain) is not None


def _mark_conflicts(
    changes: list[FieldChange], task: RectificationTask, row: ParsedTask, stale: bool, context: Context
) -> None:
    for change in changes:
        if task.status == TaskStatus.CLOSED:
            change.conflict = CLOSED
        elif (
            change.field == "status"
            and workflow.forward_path(task.status, row.status, task_chain(task, context.chains)) is None
        ):
            change.conflict = BACKWARD
        elif stale:
            change.conflict = STALE


def build_plan(parsed: ParsedFile, *, as_of: date | None = None, file_name: str = "") -> ImportPlan:
    """Compare the parsed rows with the database; nothing is written."""
    today = timezone.localdate()
    plan = ImportPlan(file_name=file_name, rows=parsed.row_count, parsed=parsed.rows)
    plan.errors = list(parsed.errors)
    plan.unknown_columns = parsed.unknown_columns
    if as_of is not None:
        plan.as_of, plan.as_of_source = as_of, "given"
    elif parsed.as_of is not None:
        plan.as_of, plan.as_of_source = parsed.as_of, "file"
    else:
        plan.as_of, plan.as_of_source = today, "today"
    if plan.as_of > today:
        plan.error(
            None,
            "填报日期",
            _("填报日期 %(day)s 晚于今天，请核对文件中的填报日期或在导入页填写正确的日期。") % {"day": plan.as_of},
            plan.as_of.isoformat(),
        )
    context = _load_context(parsed.rows)
    context.unit_names = {unit.pk: unit.name for unit in context.units.values()}
    plan.context = context
    _compare(plan, context, parsed)
    plan.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return plan


def _compare(plan: ImportPlan, context: Context, parsed: ParsedFile) -> None:
    # Changed in the system since the file was filled in: by a person on or after its as-of day, or
    # by the import of a file dated later.
    stale_since, stale_until = _day_start(plan.as_of), _day_start(plan.as_of + timedelta(days=1))
    plan.rounds = list(dict.fromkeys(p.round_name for p in parsed.rows))  # file order: new rounds keep it
    plan.rounds_new = [name for name in plan.rounds if name not in context.rounds]
    units_new, matches, matched, unmatched = {}, {}, {}, {}
    finding_first_row = {}
    stale_findings = set()
    for row in parsed.rows:
        for name in [row.lead_unit, *row.cooperating]:
            if fold(name) in context.units:
                continue
            near = context.unit_cores.get(unit_core(name))
            if near is not None:
                matches.setdefault(fold(name), (name, near.name))
            else:
                units_new.setdefault(fold(name), name)
        leader = leader_for(row, context)
        if leader is not None:
            matched.setdefault(leader.pk, leader.display_name)
        for name in row.leader_names:
            if fold(name) not in context.leaders and fold(row.leader_text) not in context.leaders:
                unmatched.setdefault(fold(name), name)
        key = (row.round_name, row.finding_number)
        finding = context.findings.get(key)
        task = context.tasks.get((finding.pk, row.number)) if finding else None
        round_obj = context.rounds.get(row.round_name)
        assigned_on = task.assigned_on if task else ((round_obj and round_obj.feedback_date) or plan.as_of)
        try:
            deadline = parse_deadline(row.deadline_value, assigned_on=assigned_on)
        except (DeadlineParseError, OverflowError) as exc:
            plan.error(row.row, plan_label(parsed, "deadline"), str(exc), str(row.deadline_value)[:100])
            continue
        context.deadlines[row.row] = deadline
        context.assigned_on[row.row] = assigned_on
        finding_first_row.setdefault(key, row)
        if task is None and not _reachable_in_round(row.status, round_obj, context):
            plan.error(
                row.row,
                plan_label(parsed, "status"),
                _("该轮次的销号流程没有“%(status)s”这一步。") % {"status": status_label(row.status)},
                status_label(row.status),
            )
            continue
        if task is None:
            plan.tasks_new += 1
            plan.creates.append(
                TaskCreate(
                    row.row,
                    row.key,
                    row.code,
                    row.round_name,
                    row.summary,
                    row.lead_unit,
                    row.status,
                    row.leader_text,
                )
            )
            continue
        person, by_import = context.last_change.get(task.pk, (None, None))
        stale = (person is not None and person >= stale_since) or (by_import is not None and by_import > stale_until)
        if stale and finding is not None:
            stale_findings.add(key)
        changes = _task_field_changes(task, row, context)
        _mark_conflicts(changes, task, row, stale, context)
        if changes:
            plan.changes.append(TaskChange(row.row, row.key, row.code, row.round_name, row.summary, task.pk, changes))
        else:
            plan.tasks_unchanged += 1
    by_key = {c.key: c for c in plan.changes}
    for key, row in finding_first_row.items():
        finding = context.findings.get(key)
        if finding is None:
            plan.findings_new += 1
            continue
        changes = _finding_changes(finding, row, context)
        if not changes:
            continue
        plan.findings_updated += 1
        for change in changes:
            change.conflict = STALE if key in stale_findings else ""
        task = context.tasks.get((finding.pk, row.number))
        if task is None:  # a new task of an existing finding carries the finding's edits
            change_row = TaskChange(row.row, row.key, row.code, row.round_name, row.summary, 0, changes)
            plan.changes.append(change_row)
        elif row.key in by_key:
            by_key[row.key].changes[:0] = [c for c in changes]
        else:
            plan.tasks_unchanged -= 1
            plan.changes.append(TaskChange(row.row, row.key, row.code, row.round_name, row.summary, task.pk, changes))
    plan.changes.sort(key=lambda c: c.row)
    plan.tasks_updated = sum(1 for c in plan.changes if c.task_id and c.applied(False))
    plan.units_new = sorted(units_new.values())
    plan.unit_matches = sorted(matches.values())
    plan.leaders_matched = sorted(matched.values())
    plan.leaders_unmatched = sorted(unmatched.values())


def plan_label(parsed: ParsedFile, key: str) -> str:
    return parsed.label(key)


__all__ = ["BACKWARD", "CLOSED", "STALE", "ImportPlan", "TaskChange", "as_of_moment", "build_plan", "task_key"]


def preview_data(plan: ImportPlan) -> dict:
    """The plan as plain data (JSON): what the preview pages list, row by row and field by field."""
    return {
        **plan.summary(),
        "as_of_source": plan.as_of_source,
        "unit_matches": [list(pair) for pair in plan.unit_matches],
        "leaders_matched": plan.leaders_matched,
        "leaders_unmatched": plan.leaders_unmatched,
        "unknown_columns": plan.unknown_columns,
        "creates": [
            {
                "row": c.row,
                "code": c.code,
                "round": c.round_name,
                "summary": c.summary[:80],
                "lead_unit": c.lead_unit,
                "status": c.status_label,
                "leader": c.leader_text,
            }
            for c in plan.creates
        ],
        "changes": [
            {
                "row": c.row,
                "key": c.key,
                "code": c.code,
                "round": c.round_name,
                "summary": c.summary[:80],
                "acceptable": c.acceptable,
                "conflict": bool(c.conflicts),
                "fields": [
                    {
                        "label": str(f.label),
                        "old": str(f.old)[:300],
                        "new": str(f.new)[:300],
                        "conflict": f.conflict,
                        "conflict_label": str(f.conflict_label),
                    }
                    for f in c.changes
                ],
            }
            for c in plan.changes
        ],
        "errors": [{"row": e.row, "column": e.column, "value": e.value, "message": e.message} for e in plan.errors],
    }
