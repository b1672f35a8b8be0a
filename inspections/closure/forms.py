"""Forms of the closure pages: what a person types; the services decide what is allowed."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import AcceptanceConclusion, LookbackVerdict
from ..forms import BootstrapMixin, MultipleFileField
from ..models.closure import CLOSING_STANDARDS
from ..widgets import DateInput
from .services import BATCH_LABELS

DATE = DateInput()  # the one yyyy-mm-dd widget (inspections/widgets.py)
ACCEPTOR_ROWS = 3


class AcceptanceForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    checked_on = forms.DateField(label=_("现场验收日期"), widget=DATE, initial=timezone.localdate)
    conclusion = forms.ChoiceField(label=_("验收结论"), choices=AcceptanceConclusion.choices)
    opinion = forms.CharField(
        label=_("验收意见（不合格时写明原因）"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    report = MultipleFileField(label=_("验收报告"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(ACCEPTOR_ROWS):
            self.fields[f"acceptor_{i}_name"] = forms.CharField(label=_("验收人姓名"), max_length=50, required=False)
            self.fields[f"acceptor_{i}_unit"] = forms.CharField(label=_("所在单位"), max_length=100, required=False)
        for key, label in CLOSING_STANDARDS:
            self.fields[key] = forms.BooleanField(label=label, required=False, initial=True)
            self.fields[f"{key}_note"] = forms.CharField(label=_("说明"), max_length=300, required=False)
        for field in self.fields.values():
            widget = field.widget
            if not isinstance(widget, forms.HiddenInput) and "class" not in widget.attrs:
                widget.attrs["class"] = (
                    "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control"
                )

    def acceptor_rows(self):
        return [(self[f"acceptor_{i}_name"], self[f"acceptor_{i}_unit"]) for i in range(ACCEPTOR_ROWS)]

    def standard_rows(self):
        return [(self[key], self[f"{key}_note"]) for key, _label in CLOSING_STANDARDS]

    def acceptors(self):
        d = self.cleaned_data
        return [
            {"name": d.get(f"acceptor_{i}_name", ""), "unit": d.get(f"acceptor_{i}_unit", "")}
            for i in range(ACCEPTOR_ROWS)
        ]

    def standards(self):
        d = self.cleaned_data
        return {k: d.get(k) for key, _l in CLOSING_STANDARDS for k in (key, f"{key}_note")}


class NoticeForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    where = forms.CharField(label=_("公示媒体或地点"), max_length=300)
    link = forms.URLField(label=_("公示链接"), required=False, max_length=500, assume_scheme="https")
    starts_on = forms.DateField(label=_("公示开始日期"), widget=DATE, required=False)
    ends_on = forms.DateField(label=_("公示结束日期（默认公示期满）"), widget=DATE, required=False)


class ObjectionForm(BootstrapMixin, forms.Form):
    received_on = forms.DateField(label=_("收到日期"), widget=DATE, initial=timezone.localdate)
    raised_by = forms.CharField(label=_("异议人"), max_length=100, required=False)
    content = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionDecisionForm(BootstrapMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=(("0", _("异议不成立")), ("1", _("异议成立，退回整改"))),
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("处理意见"), max_length=2000)


class ConfirmForm(BootstrapMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("意见（可选）"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ExtensionForm(BootstrapMixin, forms.Form):
    deadline_text = forms.CharField(label=_("申请调整后期限"), max_length=200, help_text=_("例如 2025年6月底前"))
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(BootstrapMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"), choices=(("1", _("批准")), ("0", _("不批准"))), coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("审批意见（不批准时必填）"), max_length=2000, required=False)


class LookbackForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("回头看名称"), max_length=200)
    percentage = forms.IntegerField(label=_("抽查比例（%）"), min_value=1, max_value=100, required=False)
    seed = forms.IntegerField(label=_("随机种子（留空自动生成并记录）"), required=False)
    task_ids = forms.CharField(label=_("或点名抽查的任务编号（ID，逗号分隔）"), required=False)

    def clean_task_ids(self):
        raw = self.cleaned_data["task_ids"].replace("，", ",")
        try:
            return [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError(_("请填写任务 ID，用逗号分隔。")) from None


class LookbackRecordForm(BootstrapMixin, forms.Form):
    checked_on = forms.DateField(label=_("复查日期"), widget=DATE, initial=timezone.localdate)
    inspector = forms.CharField(label=_("复查人"), max_length=100)
    verdict = forms.ChoiceField(label=_("复查结论"), choices=LookbackVerdict.choices)
    note = forms.CharField(label=_("复查情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    deadline_text = forms.CharField(label=_("重新整改时限（反弹或虚假整改时）"), max_length=200, initial="立行立改")
    photos = MultipleFileField(label=_("现场照片"), required=False)


class BatchForm(forms.Form):
    action = forms.ChoiceField(choices=list(BATCH_LABELS.items()))
    tasks = forms.TypedMultipleChoiceField(coerce=int, choices=())
    comment = forms.CharField(max_length=2000, required=False)
    where = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(v, v) for v in self.data.getlist("tasks")] if self.data else []
