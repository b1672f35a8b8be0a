"""The form that asks for a dispatch report as of a past date."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..limits import DAY_VALIDATORS
from ..widgets import DateInput


class DispatchReportForm(forms.Form):
    report_date = forms.DateField(
        label=_("截至日期"),
        widget=DateInput(attrs={"class": "form-control"}),
        error_messages={"required": _("请选择截至日期。"), "invalid": _("日期格式不正确，请按 年-月-日 填写。")},
        validators=DAY_VALIDATORS,
    )

    def clean_report_date(self):
        day = self.cleaned_data["report_date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("截至日期不能晚于今天。"))
        return day
