"""The task list's fast filter widgets write the same HTML as Django's own (issue 19)."""

import pytest
from django import forms

from accounts.models import Unit
from inspections.widgets import QuickCheckboxSelectMultiple, QuickSelect

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    status = forms.MultipleChoiceField(choices=[("a", "甲 <b>"), ("b", "乙"), ("c", "丙")], required=False)
    unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("path"), required=False, empty_label="全部")


def _form(data, *, quick: bool):
    form = _Form(data)
    attrs = {"class": "form-check-input"}
    cls = QuickCheckboxSelectMultiple if quick else forms.CheckboxSelectMultiple
    form.fields["status"].widget = cls(choices=form.fields["status"].choices, attrs=attrs)
    select_attrs = {"class": "form-select"}
    choices = form.fields["unit"].choices
    form.fields["unit"].widget = (
        QuickSelect(attrs=select_attrs, choices=choices, label_field="name")
        if quick
        else QuickSelect(attrs=select_attrs, choices=choices)
    )
    return form


def test_quick_widgets_write_django_html(ledger):
    data = {"status": ["a", "c"], "unit": str(ledger.water.pk)}
    quick, django = _form(data, quick=True), _form(data, quick=False)
    quick_tags = [choice.tag() for choice in quick["status"]]
    assert quick_tags == [choice.tag() for choice in django["status"]]
    assert quick_tags[0].count(" checked") == 1 and " checked" not in quick_tags[1]
    assert str(quick["status"]) == str(django["status"])
    assert str(quick["unit"]) == str(django["unit"])
    assert f'<option value="{ledger.water.pk}" selected>{ledger.water.name}</option>' in str(quick["unit"])
