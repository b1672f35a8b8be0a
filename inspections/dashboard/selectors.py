"""The leader dashboard's figures: a fixed handful of grouped aggregate queries, whatever the data size.

Every figure carries the task-list filter parameters (the one TaskFilterSet) that select exactly its
tasks, so following it gives a list whose count equals the figure.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BooleanField, Case, Count, DateField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import TruncWeek
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit
from rectify.replica import lag_tolerant_atomic, read_connection

from .. import summaries
from ..access import (
    cooperated_elsewhere_tasks,
    cooperating_elsewhere_of,
    led_within,
    visible_rounds,
    visible_tasks,
)
from ..asof import completion_events, join_status_then, start_of_day, tasks_as_of, tasks_as_of_joined
from ..choices import Category, TaskStatus, Warning
from ..figures import (
    complete_q,
    completion_rate,
    due_soon_days,
    due_window_q,
    overdue_q,
    past_deadline_q,
    status_field,
)
from ..models import InspectionRound
from ..models.tasks import end_of_day

TREND_WEEKS = 12
OVERDUE_LIMIT = 20
CHART_UNITS = 20  # the ranking chart shows the best and worst ten when there are more units
SCOPE_KEYS = ("round_id", "category")  # the task's own copies of its finding's: no join
UNIT_KEY = "lead_unit_id"


def task_list_url(params: dict) -> str:
    """The task list filtered by `params` (the same TaskFilterSet parameters)."""
    return f"{_task_list_path()}?{urlencode(params)}"


_TASK_LIST_PATHS: dict[str, str] = {}


def _task_list_path() -> str:
    """reverse("inspections:task_list"), once per script prefix: a page links a few hundred figures to it
    (a reverse costs more than the rest of building the link)."""
    prefix = get_script_prefix()
    path = _TASK_LIST_PATHS.get(prefix)
    if path is None:
        path = _TASK_LIST_PATHS[prefix] = reverse("inspections:task_list")
    return path


@dataclass(frozen=True)
class Scope:
    """The dashboard's own filters; each maps onto one TaskFilterSet parameter."""

    round: InspectionRound | None = None
    unit: Unit | None = None
    category: str = ""
    as_of: date | None = None

    def params(self, **extra) -> dict:
        params = {}
        if self.round:
            params["round"] = self.round.pk
        if self.unit:
            params["lead_unit"] = self.unit.pk
        if self.category:
            params["category"] = self.category
        if self.as_of:
            params["as_of"] = self.as_of.isoformat()
        params.update(extra)
        return params


@dataclass
class Figure:
    key: str
    label: str
    value: int | float
    params: dict | None = None  # None: not a task set (e.g. a rate links to its numerator)
    suffix: str = ""

    # Cached: the page asks each figure's link several times (the chart data, href and data-query).
    @cached_property
    def query(self) -> str:
        return urlencode(self.params) if self.params is not None else ""

    @cached_property
    def url(self) -> str | None:
        return f"{_task_list_path()}?{self.query}" if self.params is not None else None

    def as_json(self) -> dict:
        return {"key": self.key, "label": self.label, "value": self.value, "url": self.url, "query": self.query}


@dataclass
class Group:
    """One bar of a breakdown: a round, a category or a unit."""

    key: str
    label: str
    total: int = 0
    complete: int = 0
    overdue: int = 0
    params: dict | None = None

    @property
    def rate(self) -> float:
        return completion_rate(self.complete, self.total)

    @property
    def pending(self) -> int:
        """Not complete and not overdue."""
        return self.total - self.complete - self.overdue

    def figures(self) -> dict:
        extra = {
            "total": {},
            "complete": {"complete": "true"},
            "overdue": {"overdue": "true"},
            "pending": {"complete": "false", "overdue": "false"},
        }
        return {
            name: Figure(name, "", getattr(self, name), {**self.params, **more} if self.params is not None else None)
            for name, more in extra.items()
        }

    def as_json(self) -> dict:
        figures = self.figures()
        return {
            "key": self.key,
            "label": self.label,
            "total": self.total,
            "complete": self.complete,
            "overdue": self.overdue,
            "pending": self.pending,
            "rate": self.rate,
            "urls": {name: f.url for name, f in figures.items()},
            "queries": {name: f.query for name, f in figures.items()},
        }


@dataclass
class Dashboard:
    scope: Scope
    day: date
    headline: list[Figure]
    rounds: list[Group]
    categories: list[Group]
    units: list[Group]
    best_unit: Group | None
    worst_unit: Group | None
    overdue_tasks: list
    overdue_all: Figure
    trend: list[Figure]
    warnings: list[Figure] | None  # None as of a past day: past percentages are not kept
    # As of a past day without a snapshot: the figures were rebuilt from the event history (said on the page).
    reconstructed: bool = False

    def chart_units(self) -> list[Group]:
        if len(self.units) <= CHART_UNITS:
            return self.units
        half = CHART_UNITS // 2
        return self.units[:half] + self.units[-half:]

    def chart_data(self) -> dict:
        return {
            "rounds": [g.as_json() for g in self.rounds],
            "categories": [g.as_json() for g in self.categories],
            "units": [g.as_json() for g in self.chart_units()],
            "trend": [f.as_json() for f in self.trend],
            "warnings": [f.as_json() for f in self.warnings] if self.warnings is not None else None,
        }


def scoped_tasks(user, scope: Scope, *, row_test: bool = False):
    """Visible tasks narrowed exactly as the FilterSet's round, lead_unit and category do (as_of: tasks_as_of).
    `row_test`: the access rule written for a plan that tests it per row (access.visible_tasks)."""
    tasks = visible_tasks(user, row_test=row_test)
    if scope.round:
        tasks = tasks.filter(round=scope.round)
    if scope.unit:
        tasks = tasks.filter(led_within(scope.unit))
    if scope.category:
        tasks = tasks.filter(category=scope.category)
    return tasks


def scoped_elsewhere(user, scope: Scope):
    """Of `scoped_tasks(user, scope)`, those led outside the unit user's subtree that its units cooperate on
    (the part the per-lead-unit counters do not hold), narrowed by the scope's round and category: read from
    the cooperation rows, so its cost follows those tasks, not the user's whole visible set. Only without a
    unit filter (a unit filter selects led tasks alone)."""
    return cooperated_elsewhere_tasks(user).filter(_scope_q(scope))


def _scope_q(scope: Scope, prefix: str = "") -> Q:
    """The scope's round and category as a condition on tasks (`prefix`: the path to the task from another model)."""
    condition = Q()
    if scope.round:
        condition &= Q(**{f"{prefix}round": scope.round})
    if scope.category:
        condition &= Q(**{f"{prefix}category": scope.category})
    return condition


def grouped_counts(tasks, *, day: date, as_of: bool, keys: list[str] | None = None):
    """THE main query, as an ORM queryset: counts per (round, category, lead unit, complete?[, warning]).

    `grouped_rows` runs it with GROUPING SETS, so one scan of the tasks yields both the breakdown by
    (round, category, complete?, warning) and the one by (lead unit, complete?). The warning colour is
    grouped on, not counted with a FILTER, so PostgreSQL computes it once per task.
    """
    week_start = day - timedelta(days=day.weekday())
    aggregates = {
        "total": Count("*"),
        "past_deadline": _count_where(past_deadline_q(day)),
        "due_soon": _count_where(due_window_q(day)),
        # Same days as the FilterSet's signed_off_after/before, as a range on the column (no per-row date cast).
        "signed_off_week": _count_where(
            Q(signed_off_at__gte=start_of_day(week_start), signed_off_at__lte=end_of_day(day))
        ),
        # 公示中: the public notice of a closure chain runs (same condition as the list's status filter).
        "in_notice": _count_where(Q(**{status_field(day if as_of else None): TaskStatus.IN_NOTICE})),
    }
    if as_of:
        tasks = tasks.annotate(
            is_complete=Case(When(complete_q(day), then=Value(True)), default=Value(False), output_field=BooleanField())
        )
    else:
        tasks = tasks.with_schedule(day)  # is_complete and warning
    keys = keys or [*SCOPE_KEYS, UNIT_KEY, *_complete_keys(as_of)]
    return tasks.values(*keys).annotate(**aggregates).order_by()


def _count_where(condition: Q) -> Count:
    """COUNT(1) FILTER (WHERE ...): not COUNT(id), since the id is not in the covering index the main
    query reads (task_dashboard_figures), and Django refuses COUNT(*) with a filter."""
    return Count(Value(1), filter=condition)


def _complete_keys(as_of: bool) -> list[str]:
    """Grouped on complete-or-not, not on the status: no figure needs the six statuses apart, and a
    boolean key is cheaper to hash than a string."""
    return ["is_complete"] if as_of else ["is_complete", "warning"]


def grouped_sql(queryset) -> tuple[str, list, list[str]]:
    """`grouped_counts` as PostgreSQL SQL grouped by GROUPING SETS ((all keys but the unit), (unit, complete?)).

    Django has no GROUPING SETS: the ORM compiles the query (access scope, filters, as-of subquery)
    and only its final GROUP BY of column ordinals is swapped. At most rounds x categories x
    colours plus units x 2 rows, however many tasks there are.
    """
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    columns = [alias for _expr, _sql, alias in compiler.select]
    keys = [c for c in columns if c in queryset.query.values_select or c in ("is_complete", "warning")]
    ordinal = {key: str(columns.index(key) + 1) for key in keys}
    head, found, group_by = sql.rpartition(" GROUP BY ")
    if not found or group_by.split(", ") != list(ordinal.values()):
        raise RuntimeError(f"unexpected GROUP BY in the dashboard query: {group_by!r}")
    by_scope = ", ".join(ordinal[k] for k in keys if k != UNIT_KEY)
    by_unit = ", ".join(ordinal[k] for k in keys if k not in (*SCOPE_KEYS, "warning"))
    return f"{head} GROUP BY GROUPING SETS (({by_scope}), ({by_unit}))", params, columns


def grouped_rows(
    tasks,
    *,
    day: date,
    as_of: bool,
    grouping_sets: bool | None = None,
    joined: bool = False,
    per_task: bool = False,
) -> tuple[list[dict], list[dict]]:
    """Rows per (round, category, complete?[, warning]) and rows per (lead unit, complete?): one scan with
    GROUPING SETS on PostgreSQL, two grouped queries elsewhere (SQLite quick start). `joined`: `tasks` are
    `asof.tasks_as_of_joined` (PostgreSQL), whose status relation is added to the SQL here (`per_task`: probed
    per task, see `asof.join_status_then`)."""
    if grouping_sets is None:
        grouping_sets = read_connection().vendor == "postgresql"
    if not grouping_sets:
        complete_keys = _complete_keys(as_of)
        return (
            list(grouped_counts(tasks, day=day, as_of=as_of, keys=[*SCOPE_KEYS, *complete_keys])),
            list(grouped_counts(tasks, day=day, as_of=as_of, keys=[UNIT_KEY, "is_complete"])),
        )
    queryset = grouped_counts(tasks, day=day, as_of=as_of)
    sql, params, columns = grouped_sql(queryset)
    if joined:
        sql, params = join_status_then(sql, params, day, per_task=per_task)
    # Raw SQL bypasses the router: read where the dashboard reads (the replica inside lag_tolerant()).
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    # Every task has a lead unit, round and category: the NULL key tells which grouping set a row is in.
    return [r for r in rows if r[UNIT_KEY] is None], [r for r in rows if r[UNIT_KEY] is not None]


def _summary_unit_ids(user, scope: Scope):
    """The lead units whose counters make up `scoped_tasks(user, scope)` (led part), None for all of them,
    or False when the counters cannot say (then the dashboard scans the tasks)."""
    if scope.unit:
        if not user.sees_everything and not (user.unit_id and scope.unit.path.startswith(user.unit.path)):
            return False
        return Unit.objects.subtree_of(scope.unit).values("pk")
    if user.sees_everything:
        return None
    if not user.unit_id:
        return False
    return Unit.objects.subtree_of(user.unit).values("pk")


def figure_rows(
    user, scope: Scope, tasks, *, day: date, as_of: bool, ready: tuple, base=None
) -> tuple[list[dict], list[dict]]:
    """`grouped_rows` of the scoped tasks, from the summary counters when they hold `day` (see
    inspections.summaries), else by scanning the tasks. A unit user also sees tasks led elsewhere that
    its units cooperate on: their figures are its unit's cooperation counters when those hold today (`ready[3]`),
    else those few tasks are scanned, and added to the lead units' counters.

    As of a day without a snapshot, the scan replays the events: over every task (`base`: the scoped tasks
    before `tasks_as_of`) with the status of each joined from one pass over the events, over a unit's tasks
    with a lookup per task (cheaper for a few thousand tasks than a pass over every task's events)."""
    live_ready, snapshot_ready = ready[:2]
    unit_ids = _summary_unit_ids(user, scope) if (snapshot_ready if as_of else live_ready) else False
    if unit_ids is False:
        if as_of and base is not None and user.sees_everything and not scope.unit:
            if read_connection().vendor == "postgresql":
                return grouped_rows(tasks_as_of_joined(base, day), day=day, as_of=True, joined=True)
        return grouped_rows(tasks, day=day, as_of=as_of)
    rows, unit_rows = summaries.summary_rows(
        day=day,
        as_of=as_of,
        round_id=scope.round.pk if scope.round else None,
        unit_ids=unit_ids,
        category=scope.category,
    )
    if not user.sees_everything and not scope.unit:
        if not as_of and ready[3]:
            more, more_units = summaries.summary_rows(
                day=day,
                as_of=False,
                round_id=scope.round.pk if scope.round else None,
                category=scope.category,
                viewer_unit_id=user.unit_id,
            )
        else:
            elsewhere = scoped_elsewhere(user, scope)
            if as_of and read_connection().vendor == "postgresql":
                # Their status that day: one probe of each task's last status event, not one per figure.
                more, more_units = grouped_rows(
                    tasks_as_of_joined(elsewhere, day), day=day, as_of=True, joined=True, per_task=True
                )
            else:
                if as_of:
                    elsewhere = tasks_as_of(elsewhere, day)
                more, more_units = grouped_rows(elsewhere, day=day, as_of=as_of)
        rows, unit_rows = rows + more, unit_rows + more_units
    return rows, unit_rows


def _add(group: Group, row: dict) -> None:
    group.total += row["total"]
    if row["is_complete"]:
        group.complete += row["total"]
    else:
        group.overdue += row["past_deadline"]


def _headline(rows, scope: Scope, day: date) -> list[Figure]:
    incomplete = [r for r in rows if not r["is_complete"]]
    total = sum(r["total"] for r in rows)
    complete = total - sum(r["total"] for r in incomplete)
    week_start = day - timedelta(days=day.weekday())
    rate = completion_rate(complete, total)
    due_soon = due_soon_days()
    return [
        Figure("total", _("整改任务"), total, scope.params()),
        Figure("complete", _("已完成整改"), complete, scope.params(complete="true")),
        Figure("rate", _("完成率"), rate, scope.params(complete="true"), suffix="%"),
        Figure("overdue", _("已逾期"), sum(r["past_deadline"] for r in incomplete), scope.params(overdue="true")),
        Figure(
            "due_soon",
            _("%(days)s天内到期") % {"days": due_soon},
            sum(r["due_soon"] for r in incomplete),
            scope.params(due_within=due_soon),
        ),
        Figure(
            "in_notice",
            _("公示中"),
            sum(r["in_notice"] for r in rows),
            scope.params(status=TaskStatus.IN_NOTICE.value),
        ),
        Figure(
            "closed_week",
            _("本周销号"),
            sum(r["signed_off_week"] for r in rows),
            scope.params(signed_off_after=week_start.isoformat(), signed_off_before=day.isoformat()),
        ),
    ]


def _rounds(rows, scope: Scope) -> list[Group]:
    groups: dict[int, Group] = {}
    for row in rows:
        round_id = row["round_id"]
        group = groups.setdefault(round_id, Group(str(round_id), "", params=scope.params(round=round_id)))
        _add(group, row)
    order = {}
    for position, (round_id, name) in enumerate(
        InspectionRound.objects.filter(pk__in=groups).order_by("feedback_date", "pk").values_list("pk", "name")
    ):
        groups[round_id].label, order[round_id] = name, position
    return sorted(groups.values(), key=lambda g: order.get(int(g.key), 0))


def _categories(rows, scope: Scope) -> list[Group]:
    groups = {c: Group(c, str(label), params=scope.params(category=c)) for c, label in Category.choices}
    for row in rows:
        _add(groups[row["category"]], row)
    return [g for g in groups.values() if g.total]


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _units(rows, scope: Scope, base_path: str) -> list[Group]:
    """Roll lead units up to one level: the children of the deepest unit all scoped tasks share.

    A unit's row links with lead_unit=<unit> (the FilterSet's subtree filter). Tasks led by that
    shared unit itself, or (for a unit user) by units outside its subtree, get a row without a link:
    no task-list filter selects exactly them.
    """
    units = {u["pk"]: u for u in Unit.objects.values("pk", "name", "path")}
    lead_paths = {
        # summaries.ELSEWHERE: the cooperation counters' tasks, led outside the unit user's subtree.
        unit_id: _segments(units[unit_id]["path"]) if unit_id != summaries.ELSEWHERE else None
        for unit_id in {row["lead_unit_id"] for row in rows}
    }
    inside = [p for p in lead_paths.values() if p is not None and ("/" + "/".join(p) + "/").startswith(base_path)]
    common = _segments(base_path)
    if inside:
        shortest = min(inside, key=len)
        depth = len(common)
        while depth < len(shortest) and all(p[depth] == shortest[depth] for p in inside):
            depth += 1
        common = shortest[:depth]
    level = len(common)
    groups: dict[str, Group] = {}
    for row in rows:
        path = lead_paths[row["lead_unit_id"]]
        if path is None or path[:level] != common:
            key, label, params = "other", _("其他单位牵头（本单位配合）"), None
        elif len(path) == level:
            key, label, params = "self", _("%(unit)s（本级）") % {"unit": units[int(path[-1])]["name"]}, None
        else:
            unit_id = int(path[level])
            key, label, params = str(unit_id), units[unit_id]["name"], scope.params(lead_unit=unit_id)
        _add(groups.setdefault(key, Group(key, label, params=params)), row)
    # Ranked by completion rate; the row of tasks led outside the subtree is not a unit: it goes last.
    return sorted(groups.values(), key=lambda g: (g.key == "other", -g.rate, -g.total, g.label))


def _weeks_from_events(events, tasks) -> dict:
    """{Monday: distinct tasks} of completion `events` (of `tasks` when given), by local week."""
    tz = ZoneInfo(settings.TIME_ZONE)
    if tasks is not None:
        events = events.filter(Exists(tasks.filter(pk=OuterRef("task_id"))))
    counts = (
        events.annotate(week=TruncWeek("at", tzinfo=tz)).values("week").annotate(tasks=Count("task_id", distinct=True))
    )
    return {timezone.localtime(row["week"], tz).date(): row["tasks"] for row in counts.order_by()}


def _trend_from_ledger(user, tasks, scope: Scope, day: date, first_monday: date) -> dict | None:
    """{Monday: tasks completed} from the trend ledger (summaries.TaskCompletionDay) for the days before
    today, plus today's first completions of the week from today's events; None when the ledger cannot
    say (then the events of all the weeks are read)."""
    unit_ids = _summary_unit_ids(user, scope)
    if unit_ids is False:
        return None
    today = timezone.localdate()
    today_firsts = None
    if day >= today:
        # Today's completions are not in the ledger yet: tasks completed today for the first time this week.
        monday = today - timedelta(days=today.weekday())
        earlier = completion_events(monday, today - timedelta(days=1)).filter(task_id=OuterRef("task_id"))
        firsts = completion_events(today, today).filter(~Exists(earlier))
        if tasks is not None:
            firsts = firsts.filter(Exists(tasks.filter(pk=OuterRef("task_id"))))
        today_firsts = (
            firsts.annotate(day=Value(today, output_field=DateField()))
            .values("day")
            .annotate(total=Count("task_id", distinct=True))
            .values_list("day", "total")
            .order_by()
        )
    by_week = summaries.completion_weeks(
        start=first_monday,
        end=min(day, today - timedelta(days=1)),
        round_id=scope.round.pk if scope.round else None,
        unit_ids=unit_ids,
        category=scope.category,
        more=today_firsts,
    )
    if not user.sees_everything and not scope.unit:
        # Tasks led elsewhere that the user's units cooperate on: not in the ledger's lead units. The week's
        # completions (read from event_completion_at alone) semi-joined with the cooperation rows, not each
        # cooperated task probed for its events: at 1M tasks, 6,000 probes of the events against a hash join.
        events = completion_events(first_monday, min(day, today - timedelta(days=1))).filter(
            cooperating_elsewhere_of(user, "task"), _scope_q(scope, "task__")
        )
        elsewhere = _weeks_from_events(events, None)
        for monday, n in elsewhere.items():
            by_week[monday] += n
    return by_week


def _trend(tasks, scope: Scope, day: date, *, user=None, ledger: bool = False) -> list[Figure]:
    """Tasks completed each week (completion transitions in the event history), last TREND_WEEKS weeks.

    With `ledger` (the counters hold today), the closed days come from the trend ledger and only today's
    events are read; otherwise every completion event of the weeks is read."""
    first_monday = day - timedelta(days=day.weekday(), weeks=TREND_WEEKS - 1)
    by_week = _trend_from_ledger(user, tasks, scope, day, first_monday) if ledger else None
    if by_week is None:
        by_week = _weeks_from_events(completion_events(first_monday, day), tasks)
    return _trend_figures(by_week, scope, day, first_monday)


def _trend_figures(by_week: dict, scope: Scope, day: date, first_monday: date) -> list[Figure]:
    figures = []
    for index in range(TREND_WEEKS):
        monday = first_monday + timedelta(weeks=index)
        end = min(monday + timedelta(days=6), day)
        figures.append(
            Figure(
                monday.isoformat(),
                f"{monday:%m-%d}",
                by_week.get(monday, 0),
                scope.params(completion_event_after=monday.isoformat(), completion_event_before=end.isoformat()),
            )
        )
    return figures


def _unrestricted(user, scope: Scope) -> bool:
    return user.sees_everything and not (scope.round or scope.unit or scope.category)


def _base_path(user, scope: Scope) -> str:
    if scope.unit:
        return scope.unit.path
    if not user.sees_everything and user.unit_id:
        return user.unit.path
    return "/"


def _tune_postgresql(day: date) -> tuple[bool, bool, bool, bool]:
    """For this transaction only: JIT would compile the as-of subquery's plan for over a second and save
    far less; enough work_mem lets the grouping sets aggregate in hash tables, not by sorting; and a
    random page costs about as much as a sequential one when the data is in memory or on SSD (the usual
    1.1), which lets the planner pick the index-only scan of task_dashboard_figures over a full table scan.

    Returns whether the summary counters (live, snapshot, trend ledger, cooperation) hold `day`, asked in the
    same round trip (on the connection the dashboard reads: the replica when there is one)."""
    connection = read_connection()
    if connection.vendor != "postgresql":
        return summaries.readiness(day)
    check, params = summaries.readiness_sql(day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SET LOCAL jit = off; SET LOCAL work_mem = '32MB'; SET LOCAL random_page_cost = 1.1; {check}", params
        )
        return tuple(bool(value) for value in cursor.fetchone())


# Figures that may lag the primary by seconds: read on the replica when there is one, in one transaction.
@lag_tolerant_atomic()
def dashboard(*, user, scope: Scope, today: date | None = None) -> Dashboard:
    """All figures of the dashboard for `user` within `scope`: a fixed number of queries."""
    day = scope.as_of or today or timezone.localdate()
    ready = _tune_postgresql(day)
    as_of = scope.as_of is not None
    base = scoped_tasks(user, scope)
    tasks = tasks_as_of(base, day) if as_of else base

    rows, unit_rows = figure_rows(user, scope, tasks, day=day, as_of=as_of, ready=ready, base=base)
    units = _units(unit_rows, scope, _base_path(user, scope))
    linked = [u for u in units if u.params is not None and u.total]
    # The first overdue rows in deadline order: PostgreSQL walks task_open_deadline (as of a day: task_deadline)
    # and tests the access rule on each row, so its cooperation half is a hashed subplan here (row_test), not a
    # linear search of an array of every cooperated task per row.
    listed = scoped_tasks(user, scope, row_test=True)
    overdue_tasks = list(
        (tasks_as_of(listed, day) if as_of else listed)
        .filter(overdue_q(day, scope.as_of))
        .select_related("finding__round", "finding__responsible_leader", "lead_unit")
        .order_by("deadline", "pk")[:OVERDUE_LIMIT]
    )
    for task in overdue_tasks:
        task.days_overdue = (day - task.deadline).days
    headline = _headline(rows, scope, day)
    warnings = None
    if not as_of:
        # The warning colours count open tasks only; complete ones are their own (green) slice, which
        # is exactly the headline's 已完成整改 (both from figures.complete_q).
        warnings = [
            Figure(w, str(label), sum(r["total"] for r in rows if r["warning"] == w), scope.params(warning=w))
            for w, label in Warning.choices
        ]
    return Dashboard(
        scope=scope,
        day=day,
        headline=headline,
        rounds=_rounds(rows, scope),
        categories=_categories(rows, scope),
        units=units,
        best_unit=linked[0] if linked else None,
        worst_unit=linked[-1] if len(linked) > 1 else None,
        overdue_tasks=overdue_tasks,
        overdue_all=Figure(
            "overdue", _("全部逾期任务"), headline[3].value, scope.params(overdue="true", ordering="deadline")
        ),
        # Every event belongs to some task: with nothing narrowed, skip the semi-join over all tasks.
        # The trend ledger: today's board when the live counters hold today, a past day's when it is before
        # their day (the ledger holds every day before it).
        # Live, the ledger's trend reads only today's completions of the tasks: the access rule tested per event
        # (row_test), as for the overdue list.
        trend=_trend(
            None if _unrestricted(user, scope) else (base if as_of else listed),
            scope,
            day,
            user=user,
            ledger=ready[2] if as_of else ready[0],
        ),
        warnings=warnings,
        reconstructed=as_of and not ready[1],
    )


@dataclass
class Summary:
    """The API's dashboard: the same headline figures and per-round groups as the page."""

    total: int
    complete: int
    overdue: int
    rate: float
    in_notice: int
    rounds: list[Group]


@lag_tolerant_atomic()
def dashboard_summary(*, user, today: date | None = None) -> Summary:
    """Headline and per-round figures of every task `user` may see (every visible round, empty ones too)."""
    day = today or timezone.localdate()
    ready = _tune_postgresql(day)
    scope = Scope()
    rows, _unit_rows = figure_rows(user, scope, scoped_tasks(user, scope), day=day, as_of=False, ready=ready)
    headline = {figure.key: figure.value for figure in _headline(rows, scope, day)}
    groups = {int(group.key): group for group in _rounds(rows, scope)}
    rounds = []
    for round_id, name in visible_rounds(user).order_by("feedback_date", "pk").values_list("pk", "name"):
        group = groups.get(round_id) or Group(str(round_id), name, params=scope.params(round=round_id))
        group.label = name
        rounds.append(group)
    return Summary(
        headline["total"], headline["complete"], headline["overdue"], headline["rate"], headline["in_notice"], rounds
    )
