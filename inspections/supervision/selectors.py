"""Reads of supervision: the action list, open suggestions, the ranking, and the figures other features show
(the dispatch report's 督办约谈 section and its sentence, the dashboard's panel) — they call these."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import BigIntegerField, CharField, Count, F, Q, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit

from ..access import (
    can_view_accountability,
    led_within,
    visible_actions,
    visible_scores,
    visible_suggestions,
    visible_tasks,
)
from ..choices import EventKind, PeriodKind, SuggestionStatus, SupervisionKind
from ..filtersets import SupervisionActionFilterSet
from ..models import AssessmentRule, SupervisionAction, TaskEvent


def action_filterset(*, user, filters=None) -> SupervisionActionFilterSet:
    queryset = (
        visible_actions(user)
        .select_related("target_unit", "issued_by")
        .annotate(task_count=Count("tasks"))
        .order_by("-issued_on", "-id")
    )
    return SupervisionActionFilterSet(filters or None, queryset=queryset, user=user)


def action_list(*, user, filters=None):
    filterset = action_filterset(user=user, filters=filters)
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


def action_tasks(action):
    from ..choices import Warning
    from ..models import RectificationTask

    tasks = list(
        RectificationTask.objects.filter(supervision_actions=action)
        .with_schedule()
        .select_related("finding", "lead_unit")
        .order_by("finding__number", "number")
    )
    for task in tasks:
        task.warning_label = Warning(task.warning).label
    return tasks


# The task events a unit's timeline takes from the supervision actions themselves (one row per action, not
# one per task it names).
ACTION_EVENT_KINDS = (EventKind.SUPERVISION, EventKind.SUPERVISION_REPLY, EventKind.SUPERVISION_OUTCOME)


@dataclass
class TimelineEntry:
    at: object
    entry: str  # "issued", "reply", "outcome" or a task event's kind
    action: object = None
    event: object = None


def unit_timeline(*, user, unit):
    """A unit's timeline, newest first: the 督办 addressed to its subtree (issued, replied, outcome) and the
    events of the tasks led within it. One UNION query, so it pages in the database; `timeline_entries`
    loads a page's rows in two more queries, whatever their number."""
    actions = visible_actions(user).filter(target_unit__in=Unit.objects.subtree_of(unit).values("pk"))
    no_event = Cast(Value(None), BigIntegerField())
    no_action = Cast(Value(None), BigIntegerField())

    def action_rows(entry: str, stamp: str):
        return (
            actions.filter(**{f"{stamp}__isnull": False})
            .annotate(ts=F(stamp), entry=Value(entry, output_field=CharField()), act_id=F("pk"), ev_id=no_event)
            .values("ts", "entry", "act_id", "ev_id")
            .order_by()
        )

    events = (
        TaskEvent.objects.filter(task__in=visible_tasks(user).filter(led_within(unit)).values("pk"))
        .exclude(kind__in=ACTION_EVENT_KINDS)
        .annotate(ts=F("at"), entry=F("kind"), act_id=no_action, ev_id=F("pk"))
        .values("ts", "entry", "act_id", "ev_id")
        .order_by()
    )
    return (
        action_rows("issued", "created_at")
        .union(action_rows("reply", "replied_at"), action_rows("outcome", "outcome_at"), events, all=True)
        .order_by("-ts", "-act_id", "-ev_id")
    )


def timeline_entries(rows) -> list[TimelineEntry]:
    rows = list(rows)
    actions = SupervisionAction.objects.select_related("issued_by", "replied_by").in_bulk(
        {r["act_id"] for r in rows if r["act_id"]}
    )
    events = TaskEvent.objects.select_related("task__finding", "actor").in_bulk(
        {r["ev_id"] for r in rows if r["ev_id"]}
    )
    return [
        TimelineEntry(at=r["ts"], entry=r["entry"], action=actions.get(r["act_id"]), event=events.get(r["ev_id"]))
        for r in rows
    ]


def open_suggestions(*, user):
    return (
        visible_suggestions(user)
        .filter(status=SuggestionStatus.OPEN)
        .select_related("task__finding", "lead_unit", "rule")
        .order_by("-created_on", "lead_unit__path", "id")
    )


def ranking(*, user, period_kind: str, period_start: date):
    return (
        visible_scores(user)
        .filter(period_kind=period_kind, period_start=period_start)
        .select_related("unit")
        .order_by("rank", "unit__path")
    )


def stored_periods(*, user, period_kind: str) -> list[date]:
    return list(
        visible_scores(user)
        .filter(period_kind=period_kind)
        .values_list("period_start", flat=True)
        .distinct()
        .order_by("-period_start")[:24]
    )


def assessment_rules():
    return {r.metric: r for r in AssessmentRule.objects.all()}


def action_list_url(**params) -> str:
    return f"{reverse('inspections:supervision_list')}?{urlencode(params, doseq=True)}"


def task_list_url(**params) -> str:
    return f"{reverse('inspections:task_list')}?{urlencode(params, doseq=True)}"


@dataclass
class SupervisionFigures:
    """Actions issued in [start, end] and to date by kind, and replies overdue on `end`."""

    start: date
    end: date
    period: dict = field(default_factory=dict)  # kind -> count
    to_date: dict = field(default_factory=dict)
    units_interviewed: int = 0
    reply_overdue: int = 0
    rows: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period": self.period,
            "to_date": self.to_date,
            "units_interviewed": self.units_interviewed,
            "reply_overdue": self.reply_overdue,
            "rows": self.rows,
        }


def supervision_figures(*, start: date, end: date, include_accountability: bool = True) -> SupervisionFigures:
    """Three queries; the report (whole jurisdiction) and the dashboard (per user, see below) use it."""
    actions = SupervisionAction.objects.filter(issued_on__lte=end)
    if not include_accountability:
        actions = actions.exclude(kind=SupervisionKind.ACCOUNTABILITY)
    counts = actions.aggregate(
        **{f"p_{k}": Count("id", filter=Q(kind=k, issued_on__gte=start)) for k in SupervisionKind.values},
        **{f"t_{k}": Count("id", filter=Q(kind=k)) for k in SupervisionKind.values},
        units_interviewed=Count(
            "target_unit", filter=Q(kind=SupervisionKind.INTERVIEW, issued_on__gte=start), distinct=True
        ),
        reply_overdue=Count("id", filter=Q(reply_due__lt=end, replied_at__isnull=True)),
    )
    figures = SupervisionFigures(start=start, end=end)
    for kind, label in SupervisionKind.choices:
        if not include_accountability and kind == SupervisionKind.ACCOUNTABILITY:
            continue
        figures.period[kind] = counts[f"p_{kind}"]
        figures.to_date[kind] = counts[f"t_{kind}"]
        figures.rows.append(
            {"kind": kind, "label": str(label), "period": counts[f"p_{kind}"], "to_date": counts[f"t_{kind}"]}
        )
    figures.units_interviewed = counts["units_interviewed"]
    figures.reply_overdue = counts["reply_overdue"]
    return figures


def overdue_replies(*, end: date, limit: int = 50) -> list[dict]:
    """Actions whose reply date passed by `end` without a reply (the report's list)."""
    return [
        {
            "doc_number": a.doc_number,
            "kind": a.get_kind_display(),
            "unit": a.target_unit.name,
            "reply_due": a.reply_due.isoformat(),
            "days": (end - a.reply_due).days,
        }
        for a in SupervisionAction.objects.filter(reply_due__lt=end, replied_at__isnull=True)
        .exclude(kind=SupervisionKind.ACCOUNTABILITY)
        .select_related("target_unit")
        .order_by("reply_due", "id")[:limit]
    ]


REPLY_REMINDER_FIELDS = (
    "id",
    "doc_number",
    "kind",
    "title",
    "target_unit_id",
    "target_unit__name",
    "issued_by_id",
    "reply_due",
)


def replies_to_remind(day: date) -> list[dict]:
    """The reminder sweep's 督办 of `day` (every unit's): a reply was asked for by a date before `day` and none
    came (逾期未回复, the model's reply_overdue), 问责 aside (units never reply to it). One query."""
    return list(
        SupervisionAction.objects.reply_overdue(day)
        .exclude(kind=SupervisionKind.ACCOUNTABILITY)
        .order_by("reply_due", "id")
        .values(*REPLY_REMINDER_FIELDS)
    )


def supervision_sentence(figures: SupervisionFigures, *, period_word: str | None = None) -> str:
    """The sentence a bureau writes: 本周下发督办通知3份，约谈单位1家…… (empty when nothing happened)."""
    period_word = period_word or _("本周")
    parts = []
    units = {
        SupervisionKind.NOTICE: _("份"),
        SupervisionKind.LETTER: _("份"),
        SupervisionKind.LISTED: _("件"),
        SupervisionKind.CRITICISM: _("次"),
        SupervisionKind.ACCOUNTABILITY: _("人次"),
        SupervisionKind.DISQUALIFY: _("家"),
    }
    verbs = {
        SupervisionKind.NOTICE: _("下发督办通知"),
        SupervisionKind.LETTER: _("专函督办"),
        SupervisionKind.LISTED: _("挂牌督办"),
        SupervisionKind.CRITICISM: _("通报批评"),
        SupervisionKind.ACCOUNTABILITY: _("问责"),
        SupervisionKind.DISQUALIFY: _("取消评先评优资格"),
    }
    for kind in (SupervisionKind.NOTICE, SupervisionKind.LETTER, SupervisionKind.LISTED):
        if figures.period.get(kind):
            parts.append(f"{verbs[kind]}{figures.period[kind]}{units[kind]}")
    if figures.units_interviewed:
        parts.append(_("约谈单位%(n)s家") % {"n": figures.units_interviewed})
    for kind in (SupervisionKind.CRITICISM, SupervisionKind.ACCOUNTABILITY, SupervisionKind.DISQUALIFY):
        if figures.period.get(kind):
            parts.append(f"{verbs[kind]}{figures.period[kind]}{units[kind]}")
    if not parts:
        return ""
    sentence = period_word + "，".join(parts)
    if figures.reply_overdue:
        sentence += _("；%(n)s份督办逾期未回复") % {"n": figures.reply_overdue}
    return sentence + "。"


@dataclass
class SupervisionPanel:
    figures: SupervisionFigures
    open_suggestions: int
    links: dict


def dashboard_panel(*, user, today: date | None = None) -> SupervisionPanel | None:
    """The dashboard's supervision panel: this month by kind, replies overdue, open suggestions (with links).

    A unit user's panel counts the actions addressed to its subtree only (visible_actions).
    """
    today = today or timezone.localdate()
    start = today.replace(day=1)
    visible = visible_actions(user)
    counts = visible.aggregate(
        **{
            f"p_{k}": Count("id", filter=Q(kind=k, issued_on__gte=start, issued_on__lte=today))
            for k in SupervisionKind.values
        },
        **{f"t_{k}": Count("id", filter=Q(kind=k, issued_on__lte=today)) for k in SupervisionKind.values},
        reply_overdue=Count("id", filter=Q(reply_due__lt=today, replied_at__isnull=True)),
    )
    figures = SupervisionFigures(start=start, end=today, reply_overdue=counts["reply_overdue"])
    for kind, label in SupervisionKind.choices:
        if kind == SupervisionKind.ACCOUNTABILITY and not can_view_accountability(user):
            continue
        figures.rows.append(
            {
                "kind": kind,
                "label": str(label),
                "period": counts[f"p_{kind}"],
                "to_date": counts[f"t_{kind}"],
                "period_url": action_list_url(
                    kind=kind, issued_after=start.isoformat(), issued_before=today.isoformat()
                ),
                "to_date_url": action_list_url(kind=kind),
            }
        )
    suggestions = visible_suggestions(user).filter(status=SuggestionStatus.OPEN).count()
    return SupervisionPanel(
        figures=figures,
        open_suggestions=suggestions,
        links={
            "reply_overdue": action_list_url(reply_overdue="true"),
            "suggestions": reverse("inspections:supervision_suggestions"),
        },
    )


def period_choices(kind: str, today: date | None = None, count: int = 8) -> list[date]:
    from .scoring import period_bounds

    today = today or timezone.localdate()
    starts, day = [], today
    for _i in range(count):
        start, _end = period_bounds(kind, day)
        starts.append(start)
        day = start - timedelta(days=1)
    return starts


__all__ = ["PeriodKind"]


# 我的待办 (inspections.todo) reads supervision through these: the bureau's open suggestions and the replies
# that are overdue, a unit's actions awaiting its reply. Counts in one query each, lists in one query each.


def todo_suggestions(*, user):
    """Open 督办建议 the user handles (the bureau's working list; nothing for other roles)."""
    return open_suggestions(user=user).select_related("task__finding__round").order_by("created_on", "id")


def todo_actions_reply_overdue(*, user, today: date):
    """Actions whose required reply date has passed without a reply (逾期未回复), oldest due first."""
    return visible_actions(user).reply_overdue(today).select_related("target_unit").order_by("reply_due", "id")


def todo_actions_awaiting_reply(*, user):
    """Actions addressed to the unit's subtree that ask for a reply it has not given (问责 is never replied to)."""
    return (
        visible_actions(user)
        .filter(reply_due__isnull=False, replied_at__isnull=True)
        .exclude(kind=SupervisionKind.ACCOUNTABILITY)
        .select_related("target_unit")
        .order_by("reply_due", "id")
    )


def todo_lists(*, user, today: date, keys) -> dict:
    """The to-do lists named in `keys` ("suggestions", "reply_overdue", "awaiting_reply") as querysets, with the
    lists' own definitions: the to-do counts them in the same statement as its task lists."""
    lists = {
        "suggestions": lambda: visible_suggestions(user).filter(status=SuggestionStatus.OPEN),
        "reply_overdue": lambda: visible_actions(user).reply_overdue(today),
        "awaiting_reply": lambda: todo_actions_awaiting_reply(user=user),
    }
    return {key: lists[key]() for key in keys if key in lists}
