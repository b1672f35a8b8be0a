"""Forms of the browser workflow. They validate input only; views hand the cleaned data to services."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.selectors import leaders, units_visible_to

from .choices import EvidenceKind
from .deadlines import DeadlineParseError, parse_deadline
from .limits import DAY_VALIDATORS, MAX_TEXT, validate_day
from .models import Finding, InspectionRound
from .services.rounds import ROUND_FIELDS
from .unit_picker import UnitsPickerField, unit_depth
from .widgets import DateInput

DATE_INPUT = DateInput()  # the one date widget (inspections/widgets.py)


class BootstrapMixin:
    """Give every widget Bootstrap's classes, so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def apply_error_classes(self):
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"


class RoundForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = InspectionRound
        fields = list(ROUND_FIELDS)
        widgets = {f: DATE_INPUT for f in ("inspection_start", "inspection_end", "feedback_date", "plan_due_date")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators.append(validate_day)


class FindingForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["number", "summary", "description", "category", "region", "responsible_leader", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, inspection_round=None, **kwargs):
        super().__init__(*args, **kwargs)
        if inspection_round is not None:
            self.instance.round = inspection_round
        editing = self.instance.pk is not None
        self.fields["number"].required = editing
        if not editing:
            self.fields["number"].help_text = _("留空则自动编号")
        self.fields["responsible_leader"].queryset = leaders()
        self.fields["description"].validators.append(MaxLengthValidator(MAX_TEXT))
        self.fields["description"].widget.attrs["maxlength"] = MAX_TEXT

    def add_version(self):
        """Editing: the finding's version rides along hidden, so a form posted after someone else's edit is refused."""
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=self.instance.version)

    def validate_unique(self):
        # The service numbers the finding; a duplicate number is checked here so the error sits on the field.
        number = self.cleaned_data.get("number")
        others = self.instance.round.findings.exclude(pk=self.instance.pk) if self.instance.round else None
        if number and others is not None and others.filter(number=number).exists():
            self.add_error("number", _("本轮次已有编号为 %(n)s 的问题。") % {"n": number})


class TaskRowForm(BootstrapMixin, forms.Form):
    """One task of a finding being split (one row of the finding form's formset)."""

    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    cooperating_units = UnitsPickerField(label=_("配合单位"), queryset=Unit.objects.none(), required=False)
    responsible_person = forms.CharField(label=_("责任人"), max_length=100, required=False)
    goal = forms.CharField(
        label=_("整改目标"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=MAX_TEXT
    )
    measures = forms.CharField(
        label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=MAX_TEXT
    )
    deadline_text = forms.CharField(label=_("整改时限"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The units offered come through the access chokepoint (bureau staff see all of them).
        units = units_visible_to(user).filter(is_active=True)
        self.fields["lead_unit"].queryset = units
        self.fields["cooperating_units"].queryset = units

    def clean_deadline_text(self):
        text = self.cleaned_data["deadline_text"]
        try:
            parse_deadline(text, assigned_on=timezone.localdate())
        except DeadlineParseError as exc:
            raise ValidationError(str(exc)) from exc
        return text

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("lead_unit")
        cooperating = cleaned.get("cooperating_units")
        if lead and cooperating:
            cleaned["cooperating_units"] = [u for u in cooperating if u.pk != lead.pk]
        return cleaned


TaskRowFormSet = forms.formset_factory(
    TaskRowForm, extra=0, min_num=1, validate_min=True, max_num=50, validate_max=True
)


class VersionedForm(BootstrapMixin, forms.Form):
    """Carries the task's version, so a form posted after someone else's change is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(VersionedForm):
    text = forms.CharField(label=_("整改进展情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT)
    percent = forms.IntegerField(label=_("完成比例（%）"), min_value=0, max_value=100)
    investment = forms.DecimalField(
        label=_("累计投入资金（万元）"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    reason = forms.CharField(label=_("比例下调理由（比例降低时必填）"), max_length=500, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            if not data and self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else super().clean(data, initial) or []


class EvidenceForm(VersionedForm):
    """Several files at once. `kind`/`description` apply to every file; the page's script adds a type and a
    description per file (file_kind / file_description, in the files' order), which take precedence."""

    files = MultipleFileField(label=_("佐证材料"), error_messages={"required": _("请选择要上传的文件。")})
    kind = forms.ChoiceField(label=_("材料类型"), choices=EvidenceKind.choices, initial=EvidenceKind.DOCUMENT)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        getlist = getattr(self.data, "getlist", lambda name: [])
        kinds = [k.strip() for k in getlist("file_kind")]
        descriptions = [d.strip() for d in getlist("file_description")]
        if any(k and k not in EvidenceKind.values for k in kinds):
            self.add_error("kind", _("请选择正确的材料类型。"))
        if any(len(d) > 300 for d in descriptions):
            self.add_error("description", _("材料说明不能超过 300 个字。"))
        cleaned["file_kinds"] = kinds or None
        cleaned["file_descriptions"] = descriptions or None
        return cleaned


REASON_MAX = 2000  # as the API's


class EvidenceWithdrawForm(VersionedForm):
    reason = forms.CharField(
        label=_("撤回理由"),
        max_length=500,
        error_messages={"required": _("撤回佐证材料必须填写理由。")},
    )


class TransitionForm(VersionedForm):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=REASON_MAX
    )


class UnitChoiceField(forms.ModelChoiceField):
    """A unit select showing the tree: each level indented by one ideographic space."""

    def label_from_instance(self, unit):
        return "\u3000" * unit_depth(unit.path) + unit.name


def _same_text(submitted: str, current: str) -> bool:
    return submitted.replace("\r\n", "\n").strip() == (current or "").replace("\r\n", "\n").strip()


class TaskEditForm(VersionedForm):
    """Edit a task's assignment (bureau staff); the service re-parses the deadline and records the edit."""

    TEXT_FIELDS = ("responsible_person", "goal", "measures", "deadline_text")

    lead_unit = UnitChoiceField(label=_("牵头单位"), queryset=Unit.objects.none(), empty_label=None)
    cooperating_units = UnitsPickerField(label=_("配合单位"), queryset=Unit.objects.none(), required=False)
    responsible_person = forms.CharField(label=_("责任人"), max_length=100, required=False)
    goal = forms.CharField(
        label=_("整改目标"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_TEXT
    )
    measures = forms.CharField(
        label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=MAX_TEXT
    )
    deadline_text = forms.CharField(label=_("整改时限"), max_length=200)
    assigned_on = forms.DateField(
        label=_("交办日期"),
        widget=DATE_INPUT,
        help_text=_("“立行立改”的期限从交办日期起算。"),
        validators=DAY_VALIDATORS,
    )

    def __init__(self, *args, task, units, **kwargs):
        self.task = task
        kwargs.setdefault(
            "initial",
            {
                "version": task.version,
                "lead_unit": task.lead_unit_id,
                "cooperating_units": [u.pk for u in task.cooperating_units.all()],
                **{name: getattr(task, name) for name in (*self.TEXT_FIELDS, "assigned_on")},
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units
        self.fields["cooperating_units"].queryset = units

    def clean(self):
        cleaned = super().clean()
        # Browsers send a textarea's line breaks as CRLF and the form strips spaces the stored text may keep:
        # a field the user did not touch keeps its stored text, so it does not count as an edit.
        for name in self.TEXT_FIELDS:
            if name in cleaned:
                current = getattr(self.task, name)
                cleaned[name] = current if _same_text(cleaned[name], current) else cleaned[name].replace("\r\n", "\n")
        return cleaned
