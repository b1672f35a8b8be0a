"""What the task list's filter form shows: every filter in the URL is a visible, editable control and a
removable chip, so a list reached from a dashboard figure says what it lists and a change of another
filter keeps it (issue 18 item 2)."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..widgets import DateInput, QuickCheckboxSelectMultiple, QuickSelect

SELECT_FILTERS = ("round", "lead_unit", "leader", "lookback")
# The model column that is each select's option label (its model's __str__), read without building instances.
LABEL_FIELDS = {"round": "name", "lead_unit": "name"}
MULTI_FILTERS = ("status", "category", "schedule", "warning")
DUE_CHOICES = (7, 14, 30)
# Filters without a control of their own in the top row (the dashboard's and the to-do page's links use
# them). Shown as controls in a second row when the URL has them.
EXTRA_FILTERS = (
    "complete",
    "source",
    "deadline_after",
    "deadline_before",
    "completed_after",
    "completed_before",
    "signed_off_after",
    "signed_off_before",
    "completion_event",
    "as_of",
    "finding",
)
NOT_FILTERS = ("ordering",)
# Up to this many chosen values are named on a multi-choice button; more say "已选 N 项".
NAMED_CHOICES = 2
BOOLEAN_LABELS = {
    "overdue": {"true": gettext_lazy("已逾期"), "false": gettext_lazy("未逾期")},
    "complete": {"true": gettext_lazy("是"), "false": gettext_lazy("否")},
}


def _data(form) -> QueryDict:
    """The submitted filters (an unbound FilterSet's form has a plain empty dict)."""
    return form.data if hasattr(form.data, "getlist") else QueryDict()


def _param_names(form, name) -> list[str]:
    widget = form.fields[name].widget
    if isinstance(widget, forms.MultiWidget):
        suffixes = getattr(widget, "suffixes", None) or [part.lstrip("_") for part in widget.widgets_names]
        return [f"{name}_{suffix}" for suffix in suffixes]
    return [name]


def is_active(form, name) -> bool:
    return any(v for key in _param_names(form, name) for v in _data(form).getlist(key))


def style_filter_form(form) -> None:
    for name in SELECT_FILTERS:
        field = form.fields[name]
        field.empty_label = _("全部")
        # The unit filter has hundreds of options: written in one pass, not one template each (issue 19).
        field.widget = QuickSelect(
            attrs={"class": "form-select form-select-sm"}, choices=field.choices, label_field=LABEL_FIELDS.get(name)
        )
    for name in MULTI_FILTERS:
        field = form.fields[name]
        field.widget = QuickCheckboxSelectMultiple(choices=field.choices, attrs={"class": "form-check-input"})
    date_attrs = {"class": "form-control form-control-sm"}
    for name in EXTRA_FILTERS:
        field = form.fields[name]
        if isinstance(field.widget, forms.MultiWidget):
            field.widget.widgets = [DateInput(attrs=date_attrs) for _widget in field.widget.widgets]
        elif isinstance(field, forms.DateField):
            field.widget = DateInput(attrs=date_attrs)
        elif name == "finding":
            field.widget = forms.HiddenInput()
        else:
            field.widget.attrs["class"] = "form-select form-select-sm"


def extra_fields(form) -> list:
    """The bound fields of the second row: those the URL sets."""
    return [form[name] for name in EXTRA_FILTERS if is_active(form, name)]


def multi_button_label(field) -> str:
    chosen = [str(label) for value, label in field.field.choices if str(value) in {str(v) for v in field.value() or ()}]
    if not chosen:
        return _("全部")
    if len(chosen) <= NAMED_CHOICES:
        return "、".join(chosen)
    return _("已选 %(n)s 项") % {"n": len(chosen)}


def _display(form, name, values) -> str:
    field = form.fields[name]
    if name in BOOLEAN_LABELS:
        return "、".join(str(BOOLEAN_LABELS[name].get(v, v)) for v in values)
    if name == "due_within":
        return "、".join(_("%(d)s 天内到期") % {"d": v} for v in values)
    if hasattr(field, "queryset"):
        cleaned = getattr(form, "cleaned_data", {}).get(name)
        return str(cleaned) if cleaned is not None else "、".join(values)
    choices = dict((str(k), str(v)) for k, v in getattr(field, "choices", ()) or ())
    return "、".join(choices.get(v, v) for v in values)


def filter_chips(form, request) -> list[dict]:
    """One chip per active filter: its label, its value in words and the list without it."""
    chips = []
    for name, field in form.fields.items():
        if name in NOT_FILTERS or not is_active(form, name):
            continue
        keys = _param_names(form, name)
        if isinstance(field.widget, forms.MultiWidget):
            after, before = (_data(form).get(k, "") for k in keys)
            value = f"{after or '…'} ~ {before or '…'}"
        else:
            value = _display(form, name, [v for v in _data(form).getlist(name) if v])
        params = request.GET.copy()
        for key in (*keys, "page", "after", "before", "last"):
            params.pop(key, None)
        query = params.urlencode()
        chips.append(
            {"name": name, "label": str(field.label), "value": value, "remove_url": f"?{query}" if query else "?"}
        )
    return chips


def due_choices(form) -> list[int]:
    """7, 14, 30 days, plus the URL's own number (a link's due_within=5 stays selected, not silently dropped)."""
    choices = list(DUE_CHOICES)
    try:
        current = int(_data(form).get("due_within") or 0)
    except (TypeError, ValueError):
        current = 0
    if current and current not in choices:
        choices = sorted([*choices, current])
    return choices
