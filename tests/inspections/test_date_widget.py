"""Dates are yyyy-mm-dd in both languages (issue 18 item 12): every form's date field and every template's own
date input is the one DateInput of inspections/widgets.py (a pattern-checked text input that
static/app/date-input.js turns into the vendored flatpickr calendar), never a native type="date"."""

import re
from datetime import date
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from inspections.forms import RoundForm, TaskEditForm
from inspections.reports.forms import DispatchReportForm
from inspections.supervision.forms import ActionIssueForm, PeriodForm
from inspections.widgets import DateInput, DateTimeInput

ROOT = Path(__file__).resolve().parents[2]


def test_no_native_date_inputs_in_templates_or_code():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"""type=["']?(date|datetime-local)\b""", text):
            offenders.append(str(path.relative_to(ROOT)))
    for package in ("inspections", "accounts", "rectify"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "widgets.py" or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"forms\.Date(Time)?Input\(|\"type\": \"date", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_a_plain_date_field_gets_the_widget_by_default():
    class AnyForm(forms.Form):
        day = forms.DateField()
        at = forms.DateTimeField()

    form = AnyForm(initial={"day": date(2026, 12, 3)})
    assert isinstance(form.fields["day"].widget, DateInput)
    assert isinstance(form.fields["at"].widget, DateTimeInput)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_widget_renders_yyyy_mm_dd_in_both_languages(language):
    with translation.override(language):
        html = DateInput(attrs={"class": "form-control"}).render("day", date(2026, 3, 5))
    assert 'type="text"' in html
    assert 'value="2026-03-05"' in html
    assert 'placeholder="yyyy-mm-dd"' in html
    assert r'pattern="\d{4}-\d{2}-\d{2}"' in html
    assert "data-date-input" in html


@pytest.mark.django_db
def test_every_form_date_field_uses_the_widget():
    checked = 0
    for form in (RoundForm(), DispatchReportForm(), ActionIssueForm(), PeriodForm()):
        for name, field in form.fields.items():
            if isinstance(field, forms.DateTimeField):
                assert isinstance(field.widget, DateTimeInput), (type(form).__name__, name)
                checked += 1
            elif isinstance(field, forms.DateField):
                assert isinstance(field.widget, DateInput), (type(form).__name__, name)
                checked += 1
    assert checked >= 5
    assert isinstance(TaskEditForm.base_fields["assigned_on"].widget, DateInput)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_template_tag_renders_the_same_widget(language):
    template = Template(
        '{% load inspections_tags %}{% date_input "day" day id="d" class="form-control" aria_label="x" %}'
    )
    with translation.override(language):
        html = template.render(Context({"day": date(2026, 12, 3)}))
    assert 'id="d"' in html and 'aria-label="x"' in html and 'value="2026-12-03"' in html
    assert "data-date-input" in html and 'type="text"' in html
