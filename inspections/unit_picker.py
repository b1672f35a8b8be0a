"""The one unit picker: a searchable tree of units (checkboxes, or radios for a single unit).

Used by the finding form's 配合单位, the task edit page and the dashboard's unit filter, always with
static/app/unit-picker.js. The options are read in one query (pk, name, path) without Django's
per-option widget templates: a county has hundreds of units.
"""

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

MAX_UNIT_INDENT = 6


def unit_depth(path: str) -> int:
    """How far below the top of the tree a unit is, from its materialised path ("/1/" is 0, "/1/5/" is 1)."""
    return max(path.count("/") - 2, 0)


class UnitPicker(forms.Widget):
    """`multiple`: checkboxes (配合单位); otherwise radios with an empty choice (a filter's 全部单位).
    `compact`: folded into a <details> whose summary names the pick (for a filter bar).
    `lead_field`: the name ending of a lead-unit select in the same row or form, kept out of the picks."""

    template_name = "inspections/widgets/unit_picker.html"

    def __init__(self, attrs=None, *, multiple=True, compact=False, lead_field="", empty_label=None):
        super().__init__(attrs)
        self.multiple = multiple
        self.compact = compact
        self.lead_field = lead_field
        self.empty_label = empty_label
        self.choices = ()

    @property
    def allow_multiple_selected(self):
        return self.multiple

    def id_for_label(self, id_):
        # The field's <label> names the filter box: clicking it starts a search.
        return f"{id_}_filter" if id_ else id_

    def value_from_datadict(self, data, files, name):
        if self.multiple:
            getter = getattr(data, "getlist", None)
            return getter(name) if getter else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False if self.multiple else name not in data

    def format_value(self, value):
        if value is None:
            return set()
        if not isinstance(value, list | tuple | set):
            value = [value]
        return {str(getattr(v, "pk", v)) for v in value if v not in (None, "")}

    def options(self, picked: set[str]) -> list[tuple[str, str, int, bool]]:
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:  # plain choices (tests, or a field built without a queryset)
            return [(str(v), str(label), 0, str(v) in picked) for v, label in self.choices if v != ""]
        return [
            (str(pk), name, min(unit_depth(path), MAX_UNIT_INDENT), str(pk) in picked)
            for pk, name, path in queryset.values_list("pk", "name", "path")
        ]

    def get_context(self, name, value, attrs):
        attrs = self.build_attrs(self.attrs, attrs)
        picked = self.format_value(value)
        options = self.options(picked)
        picked_names = [label for _pk, label, _depth, checked in options if checked]
        empty = str(self.empty_label or _("全部单位"))
        return {
            "name": name,
            "id": attrs.get("id") or f"id_{name}",
            "multiple": self.multiple,
            "compact": self.compact,
            "lead_field": self.lead_field,
            "label": attrs.get("aria-label", ""),
            "invalid": "is-invalid" in attrs.get("class", ""),
            "options": options,
            "empty_label": empty,
            "empty_checked": not picked,
            "picked_count": len(picked_names),
            "summary": "、".join(picked_names) if picked_names else ("" if self.multiple else empty),
            "testid": attrs.get("data-testid", f"unit-picker-{name}"),
        }

    def render(self, name, value, attrs=None, renderer=None):
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))


class UnitPickerMixin:
    """Puts the field's label on the picker's group (the widget renders its own fieldset-like group)."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.label:
            attrs["aria-label"] = str(self.label)
        return attrs


class UnitsPickerField(UnitPickerMixin, forms.ModelMultipleChoiceField):
    def __init__(self, *args, lead_field="lead_unit", **kwargs):
        kwargs.setdefault("widget", UnitPicker(multiple=True, lead_field=lead_field))
        super().__init__(*args, **kwargs)


class UnitPickerField(UnitPickerMixin, forms.ModelChoiceField):
    def __init__(self, *args, compact=True, **kwargs):
        kwargs.setdefault("widget", UnitPicker(multiple=False, compact=compact, empty_label=kwargs.get("empty_label")))
        super().__init__(*args, **kwargs)
