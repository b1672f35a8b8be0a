"""The to-do lists of a role, read in a constant number of queries: one grouped count, one query per list.

unit    待办: its tasks due soon or overdue (only those it leads: a cooperating unit does not submit), and
        requests that came back (退回整改) and have not been asked again;
bureau  requests to verify (已申请销号) and overdue tasks to chase;
leader  verified tasks to sign (审签), except those the leader accepted (谁验收、谁负责: workflow.check);
admin   the bureau's and the leader's lists.
The figures come from inspections.figures, so "overdue" here is the dashboard's "overdue".
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role

from .. import figures
from ..access import led_within, user_role, visible_tasks
from ..choices import EventKind, TaskStatus
from ..models import TaskEvent
from ..paging import capped_counts_each
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
    # The task list's filters showing the same tasks (visible, editable chips there), or "" if none fits.
    list_query: str = ""

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
        mine = led_within(user.unit) & Q(status__in=OPEN_FOR_UNIT)
        return {
            "overdue": (mine & overdue, "overdue=true&status=not_started&status=in_progress"),
            "due": (mine & due_soon, f"due_within={figures.due_soon_days()}&status=not_started&status=in_progress"),
            "returned": (Q(status=TaskStatus.IN_PROGRESS, last_action=Action.REJECT) & mine, ""),
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
}
ORDER = ("to_verify", "to_sign", "returned", "overdue", "due")


def _base(user, today):
    return visible_tasks(user).annotate(last_action=_last_status_action())


def todo_counts(user, *, today: date | None = None) -> dict[str, int]:
    """The number of tasks in each of the user's to-do lists, in one query; each counted up to COUNT_CAP + 1
    (a list's own rows through its index, not a scan of every visible task)."""
    today = today or timezone.localdate()
    conditions = _conditions(user, today)
    if not conditions:
        return {}
    base = _base(user, today)
    return capped_counts_each({key: base.filter(q) for key, (q, _query) in conditions.items()}, cap=COUNT_CAP)


def count_label(count: int) -> str | int:
    """A count as shown: past the cap, "999+"."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else count


def todo_total(user, *, today: date | None = None) -> str | int:
    """The menu's badge: the sum of the lists, "999+" past the cap."""
    return count_label(sum(todo_counts(user, today=today).values()))


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
        if key not in conditions:
            continue
        condition, query = conditions[key]
        title, hint = TITLES[key]
        tasks = list(rows.filter(condition)[:limit]) if counts.get(key) else []
        section = TodoSection(key=key, title=title, hint=hint, count=counts[key], tasks=tasks, list_query=query)
        sections.append(section)
    return sections
