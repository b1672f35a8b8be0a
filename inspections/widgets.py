"""The one date input of every form and filter: yyyy-mm-dd in both languages.

A native <input type="date"> shows the browser's locale (mm/dd/yyyy in an English Chromium, whatever the
page's language), so dates are a text input that only accepts yyyy-mm-dd (pattern, server-side parsing
as before); static/app/date-input.js adds the vendored flatpickr calendar in the page's language (zh or
en) with the same format. Without JavaScript it is still a plain, typed, validated yyyy-mm-dd field.
"""

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

DATE_FORMAT = "%Y-%m-%d"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs=None, format=None):
        base = {
            "inputmode": "numeric",
            "pattern": DATE_PATTERN,
            "placeholder": "yyyy-mm-dd",
            "maxlength": "10",
            "autocomplete": "off",
            "data-date-input": "",
        }
        super().__init__(attrs={**base, **(attrs or {})}, format=format or DATE_FORMAT)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The browser's message for a value that does not match the pattern ends with this title.
        context["widget"]["attrs"].setdefault("title", str(_("日期，格式为 年-月-日，例如 2026-12-03")))
        return context


class DateTimeInput(forms.DateTimeInput):
    """yyyy-mm-dd hh:mm (24 h) in both languages, with flatpickr's time picker; instead of datetime-local."""

    input_type = "text"

    def __init__(self, attrs=None, format=None):
        base = {
            "pattern": DATE_PATTERN + r" \d{2}:\d{2}",
            "placeholder": "yyyy-mm-dd hh:mm",
            "maxlength": "16",
            "autocomplete": "off",
            "data-datetime-input": "",
        }
        super().__init__(attrs={**base, **(attrs or {})}, format=format or "%Y-%m-%d %H:%M")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault(
            "title", str(_("日期和时间，格式为 年-月-日 时:分，例如 2026-12-03 09:30"))
        )
        return context


def render_date_input(name: str, value, **attrs) -> str:
    """For templates that write their own inputs (filters): the same widget, rendered."""
    attrs = {key.replace("_", "-"): val for key, val in attrs.items()}
    return DateInput(attrs=attrs).render(name, value or None, attrs={})


class QuickSelect(forms.Select):
    """A <select> whose options are written in one pass (no template per option).

    Django renders each option through its own template: for a filter with 220 units that is tens of
    milliseconds on every full page of the task list (issue 19). Same HTML, same name/id/attributes.
    """

    def __init__(self, attrs=None, choices=(), *, label_field: str | None = None):
        super().__init__(attrs, choices)
        # For model choices whose label is one column (str(unit) is unit.name): the options are read as
        # (pk, label) tuples, not built as model instances (220 units: 1.8 ms of CPU against 0.3 ms).
        self.label_field = label_field

    def _options(self):
        choices = self.choices
        if self.label_field and isinstance(choices, ModelChoiceIterator):
            field = choices.field
            if field.empty_label is not None:
                yield "", field.empty_label
            yield from choices.queryset.values_list("pk", self.label_field)
            return
        yield from choices

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        attrs["name"] = name
        picked = {str(v) for v in self.format_value(value)}
        # html.escape(str(...)) is what django.utils.html.escape does, without its lazy-string wrapper per call.
        options = "".join(
            f'<option value="{html.escape(str(v))}"{" selected" if str(v) in picked else ""}>'
            f"{html.escape(str(label))}</option>"
            for v, label in self._options()
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe(options))


class QuickCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes whose <input> tags are written in Python, not through three templates each (issue 19: the task
    list's 30 status, category, schedule and warning boxes took 5 ms of every full page). Same HTML as Django's
    checkbox_option.html / input.html / attrs.html; the label is the page's own markup (`choice.tag`)."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name != self.option_template_name or widget.get("wrap_label"):
            return super()._render(template_name, context, renderer)
        parts = [f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"']
        if widget["value"] is not None:
            parts.append(f' value="{escape(str(widget["value"]))}"')
        for key, val in widget["attrs"].items():
            if val is False:
                continue
            parts.append(f" {escape(key)}" if val is True else f' {escape(key)}="{escape(str(val))}"')
        parts.append(">")
        return mark_safe("".join(parts))
