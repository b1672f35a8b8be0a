"""Admin for the ledger, usable by bureau staff: search, filters, list columns, inlines.

The admin goes through the same rules as the pages: a task is added with `task_assign` and edited with
`task_update` (so each edit is checked and lands in the timeline), a closed (已销号) task is read-only,
and progress, evidence and timeline events are append-only records shown here but never added,
changed or deleted (a mistaken evidence file is withdrawn on the task page, with a reason).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.choices import Role
from accounts.models import User

from .errors import ServiceError
from .models import (
    ClosureChain,
    ClosureChainStep,
    Evidence,
    Finding,
    InspectionRound,
    Notification,
    ProgressUpdate,
    RectificationTask,
    SignOffDelegation,
    TaskEvent,
)
from .search import DOCUMENT_FINDING_FIELDS, search_q, search_texts_refresh
from .services.tasks import EDITABLE_FIELDS, apply_deadline, check_task_editable, task_assign, task_update

# What a task admin form may set: the assignment (task_update's fields) and, when adding, where it belongs.
TASK_FORM_FIELDS = ("finding", "number", *EDITABLE_FIELDS, "cooperating_units")


class RectificationTaskAdminForm(forms.ModelForm):
    """Checks an admin edit as task_assign / task_update will, so a refusal is a form error, never a failed save.

    The form writes nothing itself: RectificationTaskAdmin.save_model hands the cleaned data to the service.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    actor = None  # set per request by RectificationTaskAdmin.get_form

    class Meta:
        model = RectificationTask
        fields = TASK_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if "number" in self.fields:
            self.fields["number"].required = False  # task_assign numbers the task after the finding's last
            self.fields["number"].help_text = _("留空则自动编号。")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                check_task_editable(self.actor, self.instance)
            except ServiceError as exc:
                raise ValidationError(exc.message) from exc
            expected = cleaned.get("expected_version")
            current = RectificationTask.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if expected is not None and expected != current:
                raise ValidationError(_("该任务已被他人修改（可能刚刚有人报送进展或变更了状态），请刷新页面后再操作。"))
        return cleaned

    def _post_clean(self):
        # Parse the deadline before the model's clean(), which asks for one (整改时限 required unless 长期坚持).
        text = self.cleaned_data.get("deadline_text")
        if text and (not self.instance.pk or {"deadline_text", "assigned_on"} & set(self.changed_data)):
            self.instance.deadline_text = text
            if self.cleaned_data.get("assigned_on"):
                self.instance.assigned_on = self.cleaned_data["assigned_on"]
            try:
                apply_deadline(self.instance, text)  # parses; the service writes
            except ValidationError as exc:
                self._update_errors(exc)
                return
        super()._post_clean()  # builds self.instance from the cleaned data (in memory only)


class FindingInline(admin.TabularInline):
    model = Finding
    fields = ("number", "summary", "category", "region", "responsible_leader", "source")
    autocomplete_fields = ("responsible_leader",)
    extra = 0
    show_change_link = True


@admin.register(InspectionRound)
class InspectionRoundAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "batch", "feedback_date", "finding_count", "task_count")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "feedback_date"
    inlines = [FindingInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super()
            .get_queryset(request)
            .annotate(_findings=Count("findings", distinct=True), _tasks=Count("findings__tasks", distinct=True))
        )

    @admin.display(description=_("问题数"), ordering="_findings")
    def finding_count(self, obj):
        return obj._findings

    @admin.display(description=_("任务数"), ordering="_tasks")
    def task_count(self, obj):
        return obj._tasks


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, never added, changed or deleted there."""

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


class TaskInline(ReadOnlyInline):
    """A finding's tasks; each is added and edited on its own page (through task_assign / task_update)."""

    model = RectificationTask
    fields = ("number", "lead_unit", "deadline_text", "status", "percent")
    show_change_link = True


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "round", "category", "region", "responsible_leader", "source")
    list_filter = ("round", "category", "source")
    search_fields = ("summary", "description", "region")
    list_select_related = ("round", "responsible_leader")
    autocomplete_fields = ("round", "responsible_leader")
    inlines = [TaskInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and DOCUMENT_FINDING_FIELDS & set(form.changed_data):
            search_texts_refresh(finding_ids=[obj.pk])  # a summary edited here reaches its tasks' search documents


class ProgressInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = ("reported_on", "percent", "investment", "text", "author")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("original_name", "kind", "size", "uploaded_by", "uploaded_at", "withdrawn_at", "withdrawal_reason")


class EventInline(ReadOnlyInline):
    model = TaskEvent
    fields = ("at", "actor", "kind", "from_status", "to_status", "reason")


class AppendOnlyAdmin(admin.ModelAdmin):
    """Progress, evidence and the timeline: records of what happened, written by the services only.

    Nobody adds, changes or deletes them here, a superuser included (has_*_permission is asked before
    the user's permissions), so the admin cannot write a record that skips the workflow's checks.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RectificationTask)
class RectificationTaskAdmin(SimpleHistoryAdmin):
    list_display = (
        "task_code",
        "finding_summary",
        "round_name",
        "lead_unit",
        "deadline_text",
        "deadline",
        "status",
        "percent",
    )
    list_filter = ("status", "deadline_kind", "finding__round", "finding__category", "lead_unit")
    # The one search document (inspections/search.py), as the task list searches: see get_search_results.
    search_fields = ("search_text",)
    list_select_related = ("finding__round", "lead_unit")
    autocomplete_fields = ("finding", "lead_unit", "cooperating_units")
    fields = (
        *TASK_FORM_FIELDS,
        "expected_version",
        "status",
        ("deadline", "deadline_kind"),
        "milestones",
        ("percent", "investment"),
        ("verified_at", "verified_by"),
        ("signed_off_at", "signed_off_by"),
        "completed_at",
        ("version", "created_at", "updated_at"),
    )
    readonly_fields = (
        "status",
        "deadline",
        "deadline_kind",
        "milestones",
        "percent",
        "investment",
        "version",
        "completed_at",
        "verified_at",
        "verified_by",
        "signed_off_at",
        "signed_off_by",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "deadline"
    inlines = [ProgressInline, EvidenceInline, EventInline]
    form = RectificationTaskAdminForm

    @admin.display(description=_("任务编号"), ordering="finding__number")
    def task_code(self, task):
        return task.code

    @admin.display(description=_("问题简述"), ordering="finding__summary")
    def finding_summary(self, obj):
        return obj.finding.summary[:40]

    @admin.display(description=_("督察轮次"), ordering="finding__round__name")
    def round_name(self, obj):
        return obj.finding.round.name

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            fields = [f for f in fields if f != "expected_version"]
        return fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # a new task has no records yet

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # Where a task belongs is fixed once it exists: task_update edits the assignment only.
        return (*readonly, "finding", "number") if obj is not None else readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # a fresh class per call (modelform_factory)
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_read_only:
            return False  # 已销号: read-only for everyone; an administrator reopens it on the task page
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a task's record (timeline, evidence) is kept; there is no way to un-assign it

    def revert_disabled(self, request, obj=None):
        return True  # restoring an old version would write past task_update and the timeline

    def save_model(self, request, obj, form, change):
        """The service writes the task (checks, version, timeline event); the form only validated."""
        data = form.cleaned_data
        try:
            if change:
                fields = {
                    name: data[name] for name in (*EDITABLE_FIELDS, "cooperating_units") if name in form.changed_data
                }
                saved = task_update(
                    actor=request.user, task=obj, expected_version=data.get("expected_version"), **fields
                )
            else:
                saved = task_assign(
                    actor=request.user,
                    finding=data["finding"],
                    number=data.get("number"),
                    lead_unit=data["lead_unit"],
                    cooperating_units=data.get("cooperating_units") or (),
                    responsible_person=data.get("responsible_person", ""),
                    goal=data.get("goal", ""),
                    measures=data.get("measures", ""),
                    deadline_text=data["deadline_text"],
                    assigned_on=data.get("assigned_on"),
                )
        except (ServiceError, ValidationError) as exc:
            # Only a race gets here (the form ran the same checks): nothing is kept, the user is told why.
            transaction.set_rollback(True)
            message = exc.message if isinstance(exc, ServiceError) else "; ".join(exc.messages)
            self.message_user(request, message, messages.ERROR)
            return
        # The admin's log entry and redirect name the task the service saved.
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(search_q(search_term)), False

    def save_related(self, request, form, formsets, change):
        # The service set the cooperating units; the inlines are read-only and save nothing.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AppendOnlyAdmin):
    list_display = ("task", "reported_on", "percent", "investment", "author")
    list_select_related = ("task__finding", "author")
    search_fields = ("text",)
    date_hierarchy = "reported_on"
    raw_id_fields = ("task",)


@admin.register(Evidence)
class EvidenceAdmin(AppendOnlyAdmin):
    list_display = ("original_name", "task", "kind", "size", "uploaded_by", "uploaded_at", "withdrawn_at")
    list_filter = ("kind", "content_type", ("withdrawn_at", admin.EmptyFieldListFilter))
    list_select_related = ("task__finding", "uploaded_by")
    search_fields = ("original_name", "description", "withdrawal_reason")
    raw_id_fields = ("task",)


@admin.register(TaskEvent)
class TaskEventAdmin(AppendOnlyAdmin):
    list_display = ("task", "at", "actor", "kind", "from_status", "to_status")
    list_filter = ("kind", "to_status")
    list_select_related = ("task__finding", "actor")
    date_hierarchy = "at"
    raw_id_fields = ("task",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__username")


# --- Reminders, holidays and dispatch reports -------------------------------------------------------------------------
from .models import DispatchReport, Holiday, ReminderDigest, ReminderRecord  # noqa: E402


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("day", "name", "is_workday")
    list_filter = ("is_workday",)
    date_hierarchy = "day"
    search_fields = ("name",)


@admin.register(ReminderRecord)
class ReminderRecordAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "task", "deadline", "threshold", "days")
    list_filter = ("kind", "day")
    list_select_related = ("task__finding",)
    raw_id_fields = ("task",)
    date_hierarchy = "day"

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderDigest)
class ReminderDigestAdmin(admin.ModelAdmin):
    list_display = ("day", "audience", "unit", "recipient", "status", "items", "notified_at", "emailed_at", "attempts")
    list_filter = ("status", "audience", "day")
    list_select_related = ("unit", "recipient")
    readonly_fields = (
        "day",
        "audience",
        "unit",
        "recipient",
        "items",
        "notified_at",
        "emailed_at",
        "attempts",
        "last_error",
    )
    date_hierarchy = "day"


@admin.register(DispatchReport)
class DispatchReportAdmin(admin.ModelAdmin):
    list_display = ("report_date", "status", "requested_by", "finished_at", "emailed_at")
    list_filter = ("status",)
    readonly_fields = ("narrative", "data", "file_path", "error", "started_at", "finished_at", "emailed_at")


# --- Supervision and assessment: the rule tables and the Word templates are edited here -----------------
from .models import (  # noqa: E402  (grouped with the admin classes they serve)
    AssessmentRule,
    SuggestionRule,
    SupervisionAction,
    SupervisionTemplate,
)


@admin.register(SuggestionRule)
class SuggestionRuleAdmin(admin.ModelAdmin):
    list_display = ("warning", "times", "suggested_kind", "reply_days", "is_active", "description")
    list_editable = ("is_active",)


@admin.register(AssessmentRule)
class AssessmentRuleAdmin(admin.ModelAdmin):
    list_display = ("metric", "points", "cap", "is_active")
    list_editable = ("points", "cap", "is_active")


class SupervisionTemplateForm(forms.ModelForm):
    class Meta:
        model = SupervisionTemplate
        fields = "__all__"

    def clean_file(self):
        import zipfile

        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise ValidationError(_("请上传 Word 文档（.docx）。"))
        try:
            with zipfile.ZipFile(upload) as archive:
                if "word/document.xml" not in archive.namelist():
                    raise ValidationError(_("该文件不是有效的 Word 文档（.docx）。"))
        except zipfile.BadZipFile:
            raise ValidationError(_("该文件不是有效的 Word 文档（.docx）。")) from None
        upload.seek(0)
        return upload


@admin.register(SupervisionTemplate)
class SupervisionTemplateAdmin(admin.ModelAdmin):
    """Upload a template edited in Word (keep the {{ }} tags of the shipped default) for one kind."""

    form = SupervisionTemplateForm
    list_display = ("kind", "file", "uploaded_at")


@admin.register(SupervisionAction)
class SupervisionActionAdmin(admin.ModelAdmin):
    """Read-only here: actions are issued, replied to and numbered through the supervision pages."""

    list_display = ("doc_number", "kind", "target_unit", "issued_on", "reply_due", "replied_at")
    list_filter = ("kind",)
    search_fields = ("doc_number", "title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ClosureChainStepFormSet(BaseInlineFormSet):
    """The steps are checked together, in order, by the one rule of workflow.chain_errors."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("step")
        ]
        errors = ClosureChain.steps_errors(sorted(kept, key=lambda step: step.order))
        if errors:
            raise ValidationError(errors)


class ClosureChainStepInline(admin.TabularInline):
    model = ClosureChainStep
    formset = ClosureChainStepFormSet
    extra = 0
    min_num = 1
    ordering = ("order",)


@admin.register(ClosureChain)
class ClosureChainAdmin(admin.ModelAdmin):
    """销号流程 per round or round kind. A task keeps the chain it asked closure under: edits apply to
    closure requests made afterwards."""

    list_display = ("name", "inspection_round", "round_kind", "step_list")
    list_filter = ("round_kind",)
    inlines = [ClosureChainStepInline]

    @admin.display(description=_("步骤"))
    def step_list(self, obj):
        return " → ".join(str(s.get_step_display()) for s in obj.steps.all())

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("inspection_round").prefetch_related("steps")


@admin.register(SignOffDelegation)
class SignOffDelegationAdmin(admin.ModelAdmin):
    """A responsible leader lets another leader sign off (审签) in their place; revoke by setting 撤销时间."""

    list_display = ("leader", "delegate", "note", "created_at", "revoked_at")
    list_filter = ("revoked_at",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("leader", "delegate"):
            kwargs["queryset"] = User.objects.filter(role=Role.LEADER, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: a signature made under it must stay explained


from . import beat_admin  # noqa: E402, F401  (the schedules' admin pages in Chinese, with explanations)
