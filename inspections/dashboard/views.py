"""The leader dashboard page (总览): a thin caller of inspections.dashboard."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import units_visible_to
from rectify.replica import lag_tolerant

from ..access import visible_rounds
from ..choices import Category
from ..complaints import selectors as complaint_selectors
from ..limits import DAY_VALIDATORS
from ..supervision.selectors import dashboard_panel
from ..unit_picker import UnitPickerField
from ..widgets import DateInput
from .selectors import Scope, dashboard


class DashboardFilterForm(forms.Form):
    """The dashboard's filters; only what the user may see is offered (and accepted)."""

    round = forms.ModelChoiceField(label=_("督察轮次"), queryset=None, required=False, empty_label=_("全部轮次"))
    unit = UnitPickerField(label=_("责任单位（含下级）"), queryset=None, required=False, empty_label=_("全部单位"))
    category = forms.ChoiceField(label=_("问题类别"), required=False, choices=[("", _("全部类别")), *Category.choices])
    as_of = forms.DateField(
        label=_("截至日期"),
        required=False,
        widget=DateInput(),
        validators=DAY_VALIDATORS,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = visible_rounds(user).order_by("feedback_date", "pk")
        self.fields["unit"].queryset = units_visible_to(user).order_by("path")
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["as_of"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["as_of"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("截至日期不能晚于今天。"))
        return day

    def options(self, name: str) -> list[tuple[str, str, bool]]:
        """(value, label, selected) for a select, without Django's per-option widget templates (the unit
        filter is the unit picker, which reads its units in one query too)."""
        field = self.fields[name]
        selected = str(self.data.get(name, "")) if self.is_bound else ""
        if name == "round":
            rows = [(str(pk), label) for pk, label in field.queryset.values_list("pk", "name")]
        else:
            rows = [(str(value), str(label)) for value, label in field.choices if value != ""]
        empty = [("", str(field.empty_label if hasattr(field, "empty_label") else field.choices[0][1]))]
        return [(value, label, value == selected) for value, label in empty + rows]

    def scope(self) -> Scope:
        """The valid part of the filters: a bad value is reported on the form and otherwise ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Scope(
            round=data.get("round"),
            unit=data.get("unit"),
            category=data.get("category") or "",
            # Today's figures are the live ones (with warning colours); as_of only for a past day.
            as_of=data.get("as_of") if data.get("as_of") and data["as_of"] < timezone.localdate() else None,
        )


@login_required
@lag_tolerant()  # a read-only page of figures: every read may go to the replica (rectify/replica.py)
def dashboard_view(request):
    form = DashboardFilterForm(request.GET or None, user=request.user)
    scope = form.scope() if request.GET else Scope()
    figures = dashboard(user=request.user, scope=scope)
    return render(
        request,
        "inspections/dashboard.html",
        {
            "form": form,
            "dashboard": figures,
            "chart_data": figures.chart_data(),
            "supervision": dashboard_panel(user=request.user),
            "complaints": complaint_selectors.dashboard_panel(
                user=request.user, inspection_round=scope.round, unit=scope.unit
            ),
            **{f"{name}_options": form.options(name) for name in ("round", "category")},
        },
    )
