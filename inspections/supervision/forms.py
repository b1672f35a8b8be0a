"""Forms of supervision: validate input only; views hand the cleaned data to the services."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit

from ..choices import AccountabilityMeasure, PeriodKind, SupervisionKind
from ..forms import DATE_INPUT, BootstrapMixin
from ..models import RectificationTask
from ..widgets import DateTimeInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class TaskChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.finding.summary[:40]}（{obj.lead_unit.name}）"


class ActionIssueForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("督办种类"), choices=SupervisionKind.choices)
    target_unit = forms.ModelChoiceField(label=_("督办对象单位"), queryset=Unit.objects.filter(is_active=True))
    tasks = TaskChoiceField(
        label=_("涉及整改任务"),
        queryset=RectificationTask.objects.select_related("finding", "lead_unit"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    title = forms.CharField(label=_("标题"), max_length=200, required=False, help_text=_("留空则自动生成"))
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    issued_on = forms.DateField(label=_("下发日期"), widget=DATE_INPUT)
    reply_due = forms.DateField(label=_("要求回复日期"), widget=DATE_INPUT, required=False)
    target_person = forms.CharField(label=_("约谈/问责对象"), max_length=100, required=False)
    target_position = forms.CharField(label=_("职务"), max_length=100, required=False)
    interview_at = forms.DateTimeField(
        label=_("约谈时间"),
        required=False,
        widget=DateTimeInput(),
    )
    interview_place = forms.CharField(label=_("约谈地点"), max_length=200, required=False)
    attendees = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    measure = forms.ChoiceField(
        label=_("问责方式"), choices=[("", "---------"), *AccountabilityMeasure.choices], required=False
    )
    deciding_body = forms.CharField(label=_("决定机关"), max_length=200, required=False)

    def __init__(self, *args, task_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task_queryset is not None:
            self.fields["tasks"].queryset = task_queryset
        # Choosing another unit reloads the task choices with that unit's tasks (htmx).
        self.fields["target_unit"].widget.attrs.update(
            {
                "hx-get": reverse("inspections:supervision_issue_tasks"),
                "hx-trigger": "change",
                "hx-target": "#issue-tasks",
                "hx-swap": "outerHTML",
            }
        )


class ReplyForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("附件"), required=False)


class OutcomeForm(BootstrapMixin, forms.Form):
    outcome = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(label=_("约谈纪要"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DismissForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("驳回理由"), max_length=300)


class PeriodForm(BootstrapMixin, forms.Form):
    period_kind = forms.ChoiceField(label=_("考核周期"), choices=PeriodKind.choices, initial=PeriodKind.QUARTER)
    period_start = forms.DateField(label=_("起始日期"), widget=DATE_INPUT, required=False)
