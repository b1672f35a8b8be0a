"""Template helpers of the browser workflow."""

from functools import lru_cache

from django import template
from django.utils.translation import get_language
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
