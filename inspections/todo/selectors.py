"""The to-do lists of a role, read in a constant number of queries: one grouped count, one query per list.

unit    待办: its tasks due soon or overdue (only those it leads: a cooperating unit does not submit), and
        requests that came back (退回整改) and have not been asked again;
        and the 督办 addressed to it awaiting its reply (those past the reply date marked 逾期未回复);
bureau  requests to verify (已申请销号), overdue tasks to chase, open 督办建议 and 督办 replies overdue;
leader  verified tasks to sign (审签), except those the leader accepted (谁验收、谁负责: workflow.check);
admin   the bureau's and the leader's lists.
The figures come from inspections.figures, so "overdue" here is the dashboard's "overdue"; supervision is read
through inspections.supervision.selectors only (one definition of "overdue reply").
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

from .. import access, figures
from ..access import led_tasks, user_role, visible_tasks
from ..choices import EventKind, TaskStatus
from ..models import TaskEvent
from ..models.events import REJECT_TRANSITION
from ..paging import capped_counts_each
from ..supervision import selectors as supervision
from ..workflow import Action

LIST_LIMIT = 50  # rows shown per list; the count and the "all" link carry the rest
# Each list is counted up to this many and then said as "999+": the menu's badge is on every page, and an
# exact count of 300,000 overdue tasks would scan them all on every page (issue 19).
COUNT_CAP = 999

OPEN_FOR_UNIT = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


@dataclass
class TodoSection:
    key: str
    title: str
    hint: str
    count: int = 0  # up to COUNT_CAP + 1 (more than COUNT_CAP: shown as "999+")
    tasks: list = field(default_factory=list)
    # Supervision lists: "task" sections hold tasks, "suggestion" sections 督办建议, "action" sections 督办记录.
    item_kind: str = "task"
    suggestions: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    # The task list's filters showing the same tasks (visible, editable chips there), or "" if none fits.
    list_query: str = ""
    # For the supervision lists: the page listing the same items.
    list_url: str = ""

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def count_label(self) -> str | int:
        return count_label(self.count)


def _last_status_action():
    """The action of the task's latest status change (start, submit, reject...)."""
    return Subquery(
        TaskEvent.objects.filter(task=OuterRef("pk"), kind=EventKind.TRANSITION)
        .order_by("-at", "-id")
        .values("action")[:1]
    )


def _rejected() -> Q:
    """Tasks with a reject among their events: implied by "the last status action was a reject", and said
    so that PostgreSQL probes the small event_task_rejected index per task (or reads the rejects alone)
    instead of sorting every task's events for the last action."""
    return Q(Exists(TaskEvent.objects.filter(REJECT_TRANSITION, task=OuterRef("pk"))))


def _conditions(user, today: date) -> dict[str, tuple[Q, str]]:
    """Per list: (condition over visible tasks, the task list's query string for it)."""
    role = user_role(user)
    overdue = figures.overdue_q(today)
    due_soon = figures.due_soon_q(today)
    bureau = {
        "to_verify": (Q(status=TaskStatus.SUBMITTED), "status=submitted"),
        "overdue": (overdue & ~Q(status=TaskStatus.SUBMITTED), "overdue=true"),
    }
    leader = {
        "to_sign": (Q(status=TaskStatus.VERIFIED) & ~Q(verified_by=user), "status=verified"),
    }
    if role == Role.UNIT:
        if user.unit_id is None:
            return {}
        # Over access.led_tasks(user) (see _base): the tasks its subtree leads.
        mine = Q(status__in=OPEN_FOR_UNIT)
        return {
            "overdue": (mine & overdue, "overdue=true&status=not_started&status=in_progress"),
            "due": (mine & due_soon, f"due_within={figures.due_soon_days()}&status=not_started&status=in_progress"),
            "returned": (Q(status=TaskStatus.IN_PROGRESS, last_action=Action.REJECT) & _rejected() & mine, ""),
        }
    if role == Role.BUREAU:
        return bureau
    if role == Role.LEADER:
        return leader
    if role == Role.ADMIN:
        return {**bureau, **leader}
    return {}


TITLES = {
    "overdue": (_("已逾期"), _("期限已过、尚未完成整改的任务")),
    "due": (_("即将到期"), _("期限在近期内、尚未完成整改的任务")),
    "returned": (_("被退回"), _("申请销号被退回、需要补充后重新申请的任务")),
    "to_verify": (_("待验收"), _("责任单位已申请销号、等待督察办验收的任务")),
    "to_sign": (_("待审签"), _("已验收、等待领导审签销号的任务")),
    "suggestions": (_("督办建议"), _("根据预警生成、尚未处理的督办建议")),
    "reply_overdue": (_("督办逾期未回复"), _("要求回复日期已过、责任单位尚未回复的督办")),
    "awaiting_reply": (_("待回复督办"), _("督察办下发、等待本单位回复的督办")),
}
ORDER = ("to_verify", "to_sign", "returned", "awaiting_reply", "overdue", "due", "reply_overdue", "suggestions")
SUPERVISION_KEYS = ("suggestions", "reply_overdue", "awaiting_reply")


def _supervision_keys(user) -> tuple[str, ...]:
    """Which supervision lists the user has: the bureau handles suggestions and chases replies; a unit replies."""
    role = user_role(user)
    if role in (Role.BUREAU, Role.ADMIN) and access.can_issue_supervision(user):
        return ("suggestions", "reply_overdue")
    if role == Role.UNIT and user.unit_id is not None:
        return ("awaiting_reply",)
    return ()


def _supervision_lists(user, today: date) -> dict:
    return supervision.todo_lists(user=user, today=today, keys=_supervision_keys(user))


def _supervision_section(user, key: str, count: int, today: date, limit: int) -> TodoSection:
    title, hint = TITLES[key]
    section = TodoSection(key=key, title=title, hint=hint, count=count)
    if key == "suggestions":
        section.item_kind = "suggestion"
        section.list_url = reverse("inspections:supervision_suggestions")
        if count:
            section.suggestions = list(supervision.todo_suggestions(user=user)[:limit])
        return section
    section.item_kind = "action"
    if key == "reply_overdue":
        section.list_url = supervision.action_list_url(reply_overdue="true")
        rows = supervision.todo_actions_reply_overdue(user=user, today=today)
    else:
        section.list_url = reverse("inspections:supervision_list")
        rows = supervision.todo_actions_awaiting_reply(user=user)
    if count:
        section.actions = list(rows[:limit])
        for action in section.actions:
            action.reply_overdue = action.is_reply_overdue(today)
    return section


def _base(user, today):
    """The tasks the user's lists are drawn from: a unit user's are the tasks its subtree leads (a cooperating
    unit does not submit), read without the cooperation half of the visibility rule."""
    tasks = led_tasks(user) if user_role(user) == Role.UNIT else visible_tasks(user)
    return tasks.annotate(last_action=_last_status_action())


def todo_counts(user, *, today: date | None = None) -> dict[str, int]:
    """The number of items in each of the user's to-do lists, in one statement: each list (tasks and 督办 alike)
    counted up to COUNT_CAP + 1 through its own index, never a scan of every visible task. The menu's badge
    reads it on every page (issue 19: one query, not one for the tasks and one for supervision)."""
    today = today or timezone.localdate()
    base = _base(user, today)
    lists = {key: base.filter(q) for key, (q, _query) in _conditions(user, today).items()}
    lists.update(_supervision_lists(user, today))
    return capped_counts_each(lists, cap=COUNT_CAP)


def count_label(count: int) -> str | int:
    """A count as shown: past the cap, "999+"."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else count


def todo_total(user, *, today: date | None = None) -> str | int:
    """The menu's badge: the sum of the lists, "999+" past the cap. The to-do page has just counted its lists
    and leaves them on the request's user (`todo_counts_seen`), so that page does not count twice."""
    counts = getattr(user, "todo_counts_seen", None)
    if counts is None:
        counts = todo_counts(user, today=today)
    return count_label(sum(counts.values()))


def todo_sections(user, *, today: date | None = None, limit: int = LIST_LIMIT) -> list[TodoSection]:
    """The user's lists, most urgent first: one count query plus one query per list."""
    today = today or timezone.localdate()
    conditions = _conditions(user, today)
    counts = todo_counts(user, today=today)
    rows = (
        _base(user, today)
        .with_schedule(today)
        .select_related("finding__round", "lead_unit", "finding__responsible_leader")
        .order_by("deadline", "pk")
    )
    sections = []
    for key in ORDER:
        if key in SUPERVISION_KEYS and key in counts:
            sections.append(_supervision_section(user, key, counts[key], today, limit))
            continue
        if key not in conditions:
            continue
        condition, query = conditions[key]
        title, hint = TITLES[key]
        tasks = list(rows.filter(condition)[:limit]) if counts.get(key) else []
        section = TodoSection(key=key, title=title, hint=hint, count=counts[key], tasks=tasks, list_query=query)
        sections.append(section)
    return sections
