"""Template helpers of the browser workflow."""

import html
from functools import lru_cache

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes one); page resets."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        # A new sort or filter starts from the top: drop the page number and any keyset cursor.
        for key in ("page", "after", "before", "last"):
            params.pop(key, None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> dict:
    """The next ordering for a column header: ascending, then descending, then back."""
    current = context["request"].GET.get("ordering", "")
    if current == key:
        new, arrow = f"-{key}", "bi-sort-up"
    elif current == f"-{key}":
        new, arrow = "", "bi-sort-down"
    else:
        new, arrow = key, ""
    return {"query": query_with(context, ordering=new), "arrow": arrow}


# The colour alone, for badges where the full label ("红色（严重滞后或逾期）") does not fit.
WARNING_SHORT_LABELS = {"blue": _("蓝色"), "yellow": _("黄色"), "red": _("红色"), "done": _("已完成")}
WARNING_CLASSES = {
    "blue": "text-bg-primary",
    "yellow": "text-bg-warning",
    "red": "text-bg-danger",
    "done": "text-bg-success",
}
SCHEDULE_CLASSES = {
    "ahead": "text-bg-success",
    "on_schedule": "text-bg-primary",
    "behind": "text-bg-warning",
    "overdue": "text-bg-danger",
    "complete": "text-bg-success",
}
STATUS_CLASSES = {
    "not_started": "text-bg-secondary",
    "in_progress": "text-bg-info",
    "submitted": "text-bg-warning",
    "verified": "text-bg-primary",
    "in_notice": "text-bg-primary",
    "signed": "text-bg-primary",
    "rechecked": "text-bg-primary",
    "closed": "text-bg-success",
    "long_term": "text-bg-success",
}


@register.filter
def warning_class(value) -> str:
    return WARNING_CLASSES.get(str(value), "text-bg-light")


@register.filter
def schedule_class(value) -> str:
    return SCHEDULE_CLASSES.get(str(value), "text-bg-light")


@register.filter
def status_class(value) -> str:
    return STATUS_CLASSES.get(str(value), "text-bg-light")


@lru_cache(maxsize=32)
def _labels(kind: str, language: str | None) -> dict[str, str]:
    """A choice set's labels, translated once per language (a list of 20 rows asked for each label 20 times,
    each a lazy string translated anew: issue 19)."""
    from ..choices import Schedule, TaskStatus, Warning

    choices = {
        "schedule": Schedule.choices,
        "warning": Warning.choices,
        "status": TaskStatus.choices,
        "warning_short": WARNING_SHORT_LABELS.items(),
    }[kind]
    return {str(value): str(label) for value, label in choices}


@register.filter
def schedule_label(value) -> str:
    return _labels("schedule", get_language()).get(str(value), "") if value is not None else ""


@register.filter
def warning_label(value) -> str:
    return _labels("warning", get_language()).get(str(value), "") if value is not None else ""


@register.filter
def warning_short_label(value) -> str:
    return _labels("warning_short", get_language()).get(str(value), "")


@register.filter
def status_label(value) -> str:
    """A task status in words: task.get_status_display without building the choices dict on every call."""
    return _labels("status", get_language()).get(str(value), value)


# The Content-Security-Policy forbids style= attributes, so sizes that depend on data are classes
# defined in static/app/app.css: bar-w-0 … bar-w-100 and unit-depth-0 … unit-depth-6.
MAX_UNIT_INDENT = 6


@register.filter
def bar_width_class(value) -> str:
    """A progress bar's width as a class: the percentage rounded to a whole number, kept within 0–100."""
    try:
        percent = round(float(value))
    except (TypeError, ValueError):
        percent = 0
    return f"bar-w-{min(max(percent, 0), 100)}"


@register.filter
def unit_depth_class(depth) -> str:
    """The indent of a unit in a tree picker; levels deeper than MAX_UNIT_INDENT share the last step."""
    try:
        level = int(depth)
    except (TypeError, ValueError):
        level = 0
    return f"unit-depth-{min(max(level, 0), MAX_UNIT_INDENT)}"


@register.filter
def rate_or_dash(figures) -> str:
    """完成率 as "12.5%", or "—" for an empty set (0 of 0 is no rate at all, not 0.0 %)."""
    total = getattr(figures, "total", None)
    if not total:
        return "—"
    return f"{figures.rate}%"


@register.simple_tag
def date_input(name, value=None, **attrs):
    """{% date_input "issued_after" value id="f-a" class="form-control" aria_label="…" %}: the one date widget
    (inspections/widgets.py) for templates that write their own filter inputs."""
    from ..widgets import render_date_input

    return render_date_input(name, value, **attrs)


@register.filter
def admin_explanation(model_entry):
    """The admin index's one-sentence explanation of a model (django-celery-beat's schedules), or "".

    Takes the app list's entry (a dict): its "model" is a class, which the template language would call."""
    from ..beat_admin import EXPLANATIONS

    return EXPLANATIONS.get(model_entry.get("model"), "")


def _text(value) -> str:
    """What {{ value }} writes for the row's strings and integers: str(), HTML-escaped (no number grouping)."""
    return html.escape(str(value))


def _day(value, fallback) -> str:
    """{{ value|date:"Y-m-d"|default:fallback }} for a DateField's value."""
    return value.isoformat() if value else _text(fallback)


def _task_row(task, *, can_batch: bool, texts: dict) -> str:
    url = _text(task.get_absolute_url())
    code = _text(task.code)
    deadline_shown = _day(task.deadline, task.deadline_text)
    lead_unit = _text(task.lead_unit.name)
    parts = ['\n  <tr data-testid="task-row">\n    ']
    if can_batch:
        parts.append(
            f'<td><input type="checkbox" class="form-check-input" name="tasks" value="{task.pk}" form="batch-form"'
            f' aria-label="{texts["check"]} {code}" data-testid="batch-check"></td>'
        )
    parts.append(
        f'\n    <td class="text-nowrap"><span class="warning-dot warning-{_text(task.warning)}"'
        f' title="{_text(warning_label(task.warning))}"></span>\n'
        f'      <a href="{url}" class="fw-semibold">{code}</a></td>\n'
        f'    <td class="task-summary"><a href="{url}" class="link-body-emphasis text-decoration-none">'
        f"{_text(Truncator(task.finding.summary).chars(60))}</a>\n      "
    )
    if task.measures:
        parts.append(
            f'<div class="small text-body-secondary text-truncate-2">{_text(Truncator(task.measures).chars(80))}</div>'
        )
    parts.append(
        f'\n      <div class="small text-body-secondary d-md-none">{lead_unit}<span class="d-sm-none"> · '
        f"{deadline_shown}</span></div></td>\n"
        f'    <td class="d-none d-lg-table-cell small">{_text(task.finding.round.name)}</td>\n'
        f'    <td class="d-none d-md-table-cell small">{lead_unit}</td>\n'
        f'    <td class="d-none d-sm-table-cell small text-nowrap">{deadline_shown}\n      '
    )
    if task.original_deadline_text:
        parts.append(
            f'<div class="text-body-secondary" data-testid="original-deadline">{texts["originally"]} '
            f"{_day(task.original_deadline, task.original_deadline_text)}</div>"
        )
    parts.append("\n      ")
    days_left = task.days_left
    if task.is_overdue:
        n = _text(f"{days_left:d}".replace("-", ""))  # stringformat:"d"|cut:"-"
        parts.append(f'<div class="text-danger">{texts["overdue"] % {"n": n}}</div>\n      ')
    elif not task.is_complete and days_left is not None and days_left <= 14:
        parts.append(f'<div class="text-warning-emphasis">{texts["left"] % {"n": _text(days_left)}}</div>')
    percent = _text(task.percent)
    parts.append(
        f'</td>\n    <td><span class="badge {status_class(task.status)}">{_text(status_label(task.status))}</span></td>\n'
        f'    <td class="d-none d-sm-table-cell progress-cell"><div class="progress progress-sm" role="progressbar"'
        f' aria-label="{texts["progress"]}" aria-valuenow="{percent}" aria-valuemin="0" aria-valuemax="100">\n'
        f'      <div class="progress-bar bg-success {bar_width_class(task.percent)}">{percent}%</div></div></td>\n'
        f'    <td class="d-none d-md-table-cell"><span class="badge {schedule_class(task.schedule)}">'
        f"{_text(schedule_label(task.schedule))}</span>\n"
        f'      <span class="badge {warning_class(task.warning)}" data-testid="warning">'
        f"{_text(warning_short_label(task.warning))}</span></td>\n  </tr>\n  "
    )
    return "".join(parts)


@register.simple_tag
def task_rows(tasks, can_batch=False):
    """The task list's rows, written in one pass (issue 19: the row template's thirty-odd tags and filters cost
    about 0.2 ms a row, 4 ms of every list page). The same HTML the row markup of _table.html used to write:
    escaped like {{ }} does, dates as date:"Y-m-d", texts cut like truncatechars, labels from the filters above."""
    texts = {
        "check": _text(gettext("勾选")),
        "progress": _text(gettext("完成进度")),
        "originally": _text(gettext("原定")),
        "overdue": gettext("逾期 %(n)s 天"),
        "left": gettext("剩 %(n)s 天"),
    }
    return mark_safe("".join(_task_row(task, can_batch=can_batch, texts=texts) for task in tasks))
