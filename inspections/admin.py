"""Admin for the ledger, usable by bureau staff: search, filters, list columns, inlines.

Status changes go through the workflow services (the status field is read-only here).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .choices import EventKind
from .models import Evidence, Finding, InspectionRound, Notification, ProgressUpdate, RectificationTask, TaskEvent
from .services.tasks import apply_deadline, record_event


class RectificationTaskAdminForm(forms.ModelForm):
    """Parses 整改时限 as the services do: an unreadable text is a form error, never a failed save."""

    class Meta:
        model = RectificationTask
        fields = "__all__"

    def _post_clean(self):
        super()._post_clean()  # builds self.instance from the cleaned data
        if "deadline_text" in self.cleaned_data and (
            not self.instance.pk or {"deadline_text", "assigned_on"} & set(self.changed_data)
        ):
            try:
                apply_deadline(self.instance, self.instance.deadline_text)
            except ValidationError as exc:
                self._update_errors(exc)


def _record_created(request, task: RectificationTask) -> None:
    """Status as of a date is rebuilt from events: a task made in the admin needs its creation event too."""
    record_event(task=task, actor=request.user, kind=EventKind.CREATED, to_status=task.status, at=task.created_at)


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


class TaskInline(admin.StackedInline):
    model = RectificationTask
    form = RectificationTaskAdminForm
    fields = (
        ("number", "lead_unit", "status"),
        "cooperating_units",
        "goal",
        "measures",
        ("deadline_text", "deadline", "deadline_kind"),
        ("percent", "investment"),
    )
    readonly_fields = ("status", "deadline", "deadline_kind")
    autocomplete_fields = ("lead_unit", "cooperating_units")
    extra = 0
    show_change_link = True


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "round", "category", "region", "responsible_leader", "source")
    list_filter = ("round", "category", "source")
    search_fields = ("summary", "description", "region")
    list_select_related = ("round", "responsible_leader")
    autocomplete_fields = ("round", "responsible_leader")
    inlines = [TaskInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in getattr(formset, "new_objects", []):
            if isinstance(obj, RectificationTask):
                _record_created(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """A task's records written by the services (progress, evidence, timeline): shown, never edited here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False  # only the services write these (with their timeline and checks)


class ProgressInline(ReadOnlyInline):
    model = ProgressUpdate
    fields = ("reported_on", "percent", "investment", "text", "author")


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("original_name", "kind", "size", "uploaded_by", "uploaded_at")


class EventInline(ReadOnlyInline):
    model = TaskEvent
    fields = ("at", "actor", "kind", "from_status", "to_status", "reason")


@admin.register(RectificationTask)
class RectificationTaskAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "finding_summary",
        "round_name",
        "lead_unit",
        "deadline_text",
        "deadline",
        "status",
        "percent",
    )
    list_filter = ("status", "deadline_kind", "finding__round", "finding__category", "lead_unit")
    search_fields = ("finding__summary", "measures", "goal", "deadline_text", "lead_unit__name")
    list_select_related = ("finding__round", "lead_unit")
    autocomplete_fields = ("finding", "lead_unit", "cooperating_units")
    readonly_fields = (
        "status",
        "deadline",
        "deadline_kind",
        "milestones",
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

    @admin.display(description=_("问题简述"), ordering="finding__summary")
    def finding_summary(self, obj):
        return obj.finding.summary[:40]

    @admin.display(description=_("督察轮次"), ordering="finding__round__name")
    def round_name(self, obj):
        return obj.finding.round.name

    def save_model(self, request, obj, form, change):
        # The form has parsed the deadline (RectificationTaskAdminForm); an edit bumps the version.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        if not change:
            _record_created(request, obj)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ("task", "reported_on", "percent", "investment", "author")
    list_select_related = ("task__finding", "author")
    search_fields = ("text",)
    date_hierarchy = "reported_on"
    raw_id_fields = ("task",)


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("original_name", "task", "kind", "size", "uploaded_by", "uploaded_at")
    list_filter = ("kind", "content_type")
    list_select_related = ("task__finding", "uploaded_by")
    search_fields = ("original_name", "description")
    raw_id_fields = ("task",)
    readonly_fields = ("sha256", "size", "content_type")


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):
    list_display = ("task", "at", "actor", "kind", "from_status", "to_status")
    list_filter = ("kind", "to_status")
    list_select_related = ("task__finding", "actor")
    date_hierarchy = "at"
    raw_id_fields = ("task",)

    def has_change_permission(self, request, obj=None):
        return False  # the timeline is an audit record

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    search_fields = ("title", "recipient__username")


# --- Reminders, holidays and dispatch reports (issue 4) ---------------------------------------
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
