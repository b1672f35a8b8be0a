"""Forms of the complaint pages. They validate input only; views hand the cleaned data to complaints.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit

from ..choices import CaseChannel, CaseVerdict, FollowUpResult, PollutionType
from ..forms import DATE_INPUT, BootstrapMixin, UnitChoiceField, VersionedForm


def _units():
    return Unit.objects.filter(is_active=True).order_by("path")


class CaseAssignForm(VersionedForm):
    lead_unit = UnitChoiceField(label=_("承办单位"), queryset=Unit.objects.none())
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = _units()
        self.fields["cooperating_units"].queryset = _units()


class CaseInvestigationForm(VersionedForm):
    investigation = forms.CharField(label=_("调查核实情况"), widget=forms.Textarea(attrs={"rows": 4}))
    verdict = forms.ChoiceField(label=_("是否属实"), choices=[("", "---------"), *CaseVerdict.choices])
    needs_rectification = forms.BooleanField(label=_("需要整改（属实问题转入整改并验收销号）"), required=False)
    handling = forms.CharField(label=_("处理和整改情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    accountability = forms.CharField(
        label=_("责任人被处理情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    ordered_fix = forms.IntegerField(label=_("责令整改（家）"), min_value=0, initial=0, required=False)
    penalty_cases = forms.IntegerField(label=_("立案处罚（起）"), min_value=0, initial=0, required=False)
    fine_amount = forms.DecimalField(
        label=_("罚款（万元）"), min_value=0, max_digits=12, decimal_places=2, initial=0, required=False
    )
    criminal_cases = forms.IntegerField(label=_("立案侦查（件）"), min_value=0, initial=0, required=False)
    detained = forms.IntegerField(label=_("行政拘留（人）"), min_value=0, initial=0, required=False)
    interviewed = forms.IntegerField(label=_("约谈（人）"), min_value=0, initial=0, required=False)
    held_accountable = forms.IntegerField(label=_("问责（人）"), min_value=0, initial=0, required=False)
    disclosure_text = forms.CharField(
        label=_("公开内容（可选）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("公开一览表“处理和整改情况”一栏；留空时使用上面的处理和整改情况"),
    )

    COUNT_FIELDS = (
        "ordered_fix",
        "penalty_cases",
        "fine_amount",
        "criminal_cases",
        "detained",
        "interviewed",
        "held_accountable",
    )


class CaseTransitionForm(VersionedForm):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("理由 / 说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CaseFollowUpForm(VersionedForm):
    result = forms.ChoiceField(label=_("回访结果"), choices=FollowUpResult.choices)
    on = forms.DateField(label=_("回访日期"), widget=DATE_INPUT, required=False)
    note = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CaseToTaskForm(VersionedForm):
    lead_unit = UnitChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    deadline_text = forms.CharField(label=_("整改时限"), max_length=200, initial="立行立改")
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = _units()


class ComplaintImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("交办件清单（.xlsx）"))


class CaseForm(BootstrapMixin, forms.Form):
    """A case typed in by hand: what the inspectorate sends (the workflow's fields have their own forms).
    Adding asks for the round and batch too; editing carries the version instead."""

    inspection_round = forms.ModelChoiceField(label=_("督察轮次"), queryset=None)
    batch_number = forms.IntegerField(label=_("批次（第N批）"), min_value=1, max_value=32767)
    received_on = forms.DateField(
        label=_("交办日期"), widget=DATE_INPUT, required=False, help_text=_("新批次的交办日期，留空为今天")
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(label=_("受理编号"), max_length=64)
    seq = forms.IntegerField(label=_("序号"), min_value=1, required=False, help_text=_("留空时排在本批最后"))
    channel = forms.ChoiceField(label=_("来源"), choices=CaseChannel.choices, initial=CaseChannel.PHONE)
    summary = forms.CharField(label=_("交办问题基本情况"), widget=forms.Textarea(attrs={"rows": 4}))
    region = forms.CharField(label=_("行政区域"), max_length=100, required=False)
    pollution_type = forms.ChoiceField(label=_("污染类型"), choices=PollutionType.choices)
    is_key = forms.BooleanField(label=_("重点件"), required=False)
    complainant = forms.CharField(label=_("投诉人"), max_length=100, required=False)
    complainant_contact = forms.CharField(label=_("投诉人联系方式"), max_length=100, required=False)

    ADD_ONLY = ("inspection_round", "batch_number", "received_on")

    def __init__(self, *args, rounds=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in self.ADD_ONLY:
                del self.fields[name]
        else:
            del self.fields["version"]
            self.fields["inspection_round"].queryset = rounds

    def service_fields(self) -> dict:
        """The cleaned intake fields, as case_add / case_update take them."""
        data = self.cleaned_data
        names = ("code", "seq", "channel", "summary", "region", "pollution_type", "is_key")
        fields = {name: data[name] for name in names if not (name == "seq" and data[name] is None)}
        fields.update(complainant=data["complainant"], complainant_contact=data["complainant_contact"])
        return fields
