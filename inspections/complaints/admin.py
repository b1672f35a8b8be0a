"""The complaint models in the admin (registered by InspectionsConfig.ready): searchable lists for bureau staff.

As for tasks, the admin writes through the services: a case is added with case_create and corrected with
case_update (each in the case's event log); the workflow's fields (status, unit, investigation, closure,
follow-up, repeat link) are read-only here and change only on the case page. Batches are made by the import or
case_add and corrected through batch_update; the event log is append-only. Nothing is deleted here (a case's record is kept).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..choices import CaseStatus
from ..errors import ServiceError
from ..models import ComplaintBatch, ComplaintCase, ComplaintEvent
from . import services

WORKFLOW_FIELDS = (
    "status",
    "lead_unit",
    "cooperating_units",
    "assigned_on",
    "investigation",
    "verdict",
    "needs_rectification",
    "handling",
    "accountability",
    "disclosure_text",
    "ordered_fix",
    "penalty_cases",
    "fine_amount",
    "criminal_cases",
    "detained",
    "interviewed",
    "held_accountable",
    "reported_at",
    "closed_on",
    "closed_by",
    "signed_off_at",
    "signed_off_by",
    "follow_up_result",
    "follow_up_on",
    "follow_up_by",
    "follow_up_note",
    "repeat_of",
    "repeat_score",
    "finding",
    "version",
    "created_at",
    "updated_at",
)


class ComplaintCaseAdminForm(forms.ModelForm):
    """Validates an admin edit (the model's checks, the version); ComplaintCaseAdmin.save_model hands it to the service."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ComplaintCase
        fields = ("batch", *services.INTAKE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        """Refuse a stale page as case_update would, so a refusal is a form error, never a failed save."""
        cleaned = super().clean()
        if self.instance.pk:
            expected = cleaned.get("expected_version")
            current = ComplaintCase.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if expected is not None and expected != current:
                raise ValidationError(_("该交办件已被他人修改，请刷新页面后再操作。"))
        return cleaned


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ComplaintEventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "note")


class CaseInline(ReadOnlyInline):
    model = ComplaintCase
    fields = ("seq", "code", "region", "pollution_type", "status", "lead_unit")
    show_change_link = True


class ComplaintBatchAdminForm(forms.ModelForm):
    reply_days = forms.IntegerField(label=_("办理时限（天）"), min_value=1, max_value=365)

    class Meta:
        model = ComplaintBatch
        fields = ("received_on", "reply_days", "working_days")


@admin.register(ComplaintBatch)
class ComplaintBatchAdmin(admin.ModelAdmin):
    """Batches come from the import or the by-hand page; here only the date received and the reply period are
    corrected, through batch_update (which computes the reply deadline from the calendar again)."""

    list_display = ("__str__", "round", "number", "received_on", "reply_days", "working_days", "reply_deadline")
    list_filter = ("round",)
    list_select_related = ("round",)
    search_fields = ("round__name",)
    form = ComplaintBatchAdminForm
    fields = ("round", "number", "received_on", "reply_days", "working_days", "reply_deadline", "created_at")
    readonly_fields = ("round", "number", "reply_deadline", "created_at")
    inlines = [CaseInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            services.batch_update(
                actor=request.user,
                batch=obj,
                received_on=data["received_on"],
                reply_days=data["reply_days"],
                working_days=data["working_days"],
            )
        except (ServiceError, ValidationError) as exc:
            transaction.set_rollback(True)
            message = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
            self.message_user(request, message, messages.ERROR)
            return
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(ComplaintCase)
class ComplaintCaseAdmin(SimpleHistoryAdmin):
    form = ComplaintCaseAdminForm
    list_display = ("code", "batch", "region", "pollution_type", "is_key", "status", "lead_unit", "verdict")
    list_filter = ("status", "pollution_type", "verdict", "is_key", "round")
    search_fields = ("code", "summary", "region")
    list_select_related = ("batch__round", "lead_unit")
    autocomplete_fields = ("batch",)
    readonly_fields = WORKFLOW_FIELDS
    inlines = [ComplaintEventInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["batch", *services.INTAKE_FIELDS]
        version = ["expected_version"] if self.has_change_permission(request, obj) else []
        return ["batch", *version, *services.INTAKE_FIELDS, *WORKFLOW_FIELDS]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not self.has_change_permission(request, obj):
            return ["batch", *services.INTAKE_FIELDS, *WORKFLOW_FIELDS]
        return ["batch", *WORKFLOW_FIELDS]  # where a case belongs is fixed once it exists

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == CaseStatus.SIGNED_OFF:
            return False  # 已销号: closed for edits (as case_update says)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def revert_disabled(self, request, obj=None):
        return True  # restoring an old version would write past case_update and the event log

    def save_model(self, request, obj, form, change):
        """The service writes the case (checks, version, event log); the form only validated the input."""
        data = form.cleaned_data
        fields = {name: data[name] for name in services.INTAKE_FIELDS if name in data}
        try:
            if change:
                changed = {name: value for name, value in fields.items() if name in form.changed_data}
                saved = services.case_update(
                    actor=request.user, case=obj, expected_version=data.get("expected_version"), **changed
                )
            else:
                code, summary = fields.pop("code"), fields.pop("summary")
                saved = services.case_create(
                    actor=request.user, batch=data["batch"], code=code, summary=summary, **fields
                )
        except (ServiceError, ValidationError) as exc:
            transaction.set_rollback(True)
            message = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
            self.message_user(request, message, messages.ERROR)
            return
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(admin.ModelAdmin):
    """The case's event log: written by the services only, never added, changed or deleted."""

    list_display = ("at", "case", "action", "from_status", "to_status", "actor")
    list_filter = ("action",)
    search_fields = ("case__code", "note")
    list_select_related = ("case", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
