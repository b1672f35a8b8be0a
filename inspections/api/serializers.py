"""API representations. Read serializers expose the ledger; write serializers only validate shapes,
the services (called by the views) apply the rules."""

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Unit
from accounts.selectors import leaders, units_visible_to

from .. import workflow
from ..access import visible_findings, visible_rounds
from ..choices import Category, EvidenceKind, FindingSource, Schedule, TaskStatus, Warning
from ..limits import DAY_VALIDATORS, MAX_TEXT
from ..models import (
    Evidence,
    Finding,
    InspectionRound,
    ProgressUpdate,
    RectificationTask,
    TaskEvent,
)
from ..selectors import task_assignable_units


def _request_user(serializer):
    """The acting user, or None while the schema is generated (no request then)."""
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- rounds and findings -------------------------------------------------------------------------


class RoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "kind",
            "batch",
            "name",
            "inspection_start",
            "inspection_end",
            "feedback_date",
            "plan_due_date",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "batch": {"min_value": 1, "max_value": 32767},
            **{
                name: {"validators": DAY_VALIDATORS}
                for name in ("inspection_start", "inspection_end", "feedback_date", "plan_due_date")
            },
        }


class FindingSerializer(serializers.ModelSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    responsible_leader_name = serializers.CharField(
        source="responsible_leader.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "round",
            "round_name",
            "number",
            "summary",
            "description",
            "category",
            "region",
            "responsible_leader",
            "responsible_leader_name",
            "source",
            "created_at",
            "version",
        ]
        read_only_fields = fields


class TaskAssignSerializer(serializers.Serializer):
    """One task of a finding (整改任务交办); the deadline text is parsed by the service."""

    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    deadline_text = serializers.CharField(max_length=200, help_text="例如“2026年12月底前”“立行立改”“长期坚持”")
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, queryset=Unit.objects.none(), required=False)
    goal = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    measures = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    responsible_person = serializers.CharField(max_length=100, required=False, allow_blank=True)
    assigned_on = serializers.DateField(required=False, help_text="交办日期，默认今天", validators=DAY_VALIDATORS)

    def scope_units(self, user) -> None:
        """Units to choose from come through the access chokepoint (the user's subtree, or all)."""
        units = units_visible_to(user).filter(is_active=True)
        self.fields["lead_unit"].queryset = units
        self.fields["cooperating_units"].child_relation.queryset = units


class FindingCreateSerializer(serializers.Serializer):
    round = serializers.PrimaryKeyRelatedField(queryset=InspectionRound.objects.none())
    number = serializers.IntegerField(
        min_value=1, max_value=2147483647, required=False, help_text="问题编号，默认为本轮次下一个编号"
    )
    summary = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    responsible_leader = serializers.PrimaryKeyRelatedField(queryset=leaders(), required=False, allow_null=True)
    source = serializers.ChoiceField(choices=FindingSource.choices, required=False)
    tasks = TaskAssignSerializer(many=True, required=False, help_text="“1+N”：同时交办的整改任务")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields["round"].queryset = visible_rounds(user)
            self.fields["tasks"].child.scope_units(user)


class FindingUpdateSerializer(serializers.Serializer):
    """PATCH of a finding: only the fields sent change (through finding_update, in the change history)."""

    number = serializers.IntegerField(min_value=1, max_value=2147483647, required=False, help_text="问题编号")
    summary = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    responsible_leader = serializers.PrimaryKeyRelatedField(queryset=leaders(), required=False, allow_null=True)
    source = serializers.ChoiceField(choices=FindingSource.choices, required=False)
    expected_version = serializers.IntegerField(
        min_value=1, max_value=2147483647, help_text="读取问题时的 version；问题已被他人修改则返回 409，不会覆盖"
    )

    def __init__(self, *args, finding=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.finding = finding

    def validate_number(self, value):
        finding = self.finding
        if finding is not None and finding.round.findings.exclude(pk=finding.pk).filter(number=value).exists():
            raise serializers.ValidationError(gettext("本轮次已有编号为 %(n)s 的问题。") % {"n": value})
        return value


# --- tasks ----------------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer):
    """A task with its schedule figures (computed in SQL by TaskQuerySet.with_schedule)."""

    code = serializers.CharField(read_only=True, help_text="问题编号-任务序号，例如 3-2")
    round = serializers.IntegerField(source="finding.round_id", read_only=True)
    round_name = serializers.CharField(source="finding.round.name", read_only=True)
    finding_number = serializers.IntegerField(source="finding.number", read_only=True)
    finding_summary = serializers.CharField(source="finding.summary", read_only=True)
    category = serializers.ChoiceField(source="finding.category", choices=Category.choices, read_only=True)
    responsible_leader = serializers.IntegerField(
        source="finding.responsible_leader_id", read_only=True, allow_null=True
    )
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    milestones = serializers.ListField(child=serializers.DateField(), read_only=True, help_text="阶段性节点")
    is_complete = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    days_left = serializers.IntegerField(read_only=True, allow_null=True, help_text="距整改期限天数，逾期为负")
    expected_percent = serializers.FloatField(read_only=True, help_text="序时进度（%）")
    schedule = serializers.ChoiceField(choices=Schedule.choices, read_only=True)
    warning = serializers.ChoiceField(choices=Warning.choices, read_only=True)
    available_actions = serializers.SerializerMethodField(
        help_text="当前用户现在可执行的操作（workflow.available_actions）：submit、verify、reject、close ……"
    )

    class Meta:
        model = RectificationTask
        fields = [
            "id",
            "code",
            "round",
            "round_name",
            "finding",
            "finding_number",
            "finding_summary",
            "category",
            "responsible_leader",
            "number",
            "lead_unit",
            "lead_unit_name",
            "cooperating_units",
            "responsible_person",
            "goal",
            "measures",
            "deadline_text",
            "deadline",
            "deadline_kind",
            "milestones",
            "status",
            "percent",
            "investment",
            "assigned_on",
            "completed_at",
            "verified_at",
            "signed_off_at",
            "version",
            "created_at",
            "updated_at",
            "is_complete",
            "is_overdue",
            "days_left",
            "expected_percent",
            "schedule",
            "warning",
            "available_actions",
        ]
        read_only_fields = fields

    def get_available_actions(self, task) -> list[str]:
        user = _request_user(self)
        return [t.action for t in workflow.available_actions(user, task)] if user is not None else []


class TaskCreateSerializer(TaskAssignSerializer):
    finding = serializers.PrimaryKeyRelatedField(queryset=Finding.objects.none())
    number = serializers.IntegerField(
        min_value=1, max_value=32767, required=False, help_text="任务序号，默认为该问题下一个序号"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields["finding"].queryset = visible_findings(user)
            self.scope_units(user)


class VersionedSerializer(serializers.Serializer):
    expected_version = serializers.IntegerField(
        min_value=1,
        max_value=2147483647,
        help_text="读取任务时的 version（必填）；若任务已被他人修改则返回 409，避免覆盖",
    )


class TaskUpdateSerializer(TaskAssignSerializer):
    """PATCH of a task: only the fields sent change; `expected_version` is always required."""

    assigned_on = serializers.DateField(required=False, help_text="交办日期（“立行立改”的期限从它起算）")
    expected_version = serializers.IntegerField(
        min_value=1,
        max_value=2147483647,
        help_text="读取任务时的 version；任务已被他人修改则返回 409，不会覆盖",
    )

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name == "expected_version"
        user = _request_user(self)
        if user is not None and task is not None:
            units = task_assignable_units(user=user, task=task)
            self.fields["lead_unit"].queryset = units
            self.fields["cooperating_units"].child_relation.queryset = units

    # drf-spectacular documents a PATCH body as "partial" (nothing required); this one is never partial,
    # so the schema keeps `expected_version` required, as the view enforces.
    @property
    def partial(self):
        return False

    @partial.setter
    def partial(self, value):
        pass


class TransitionSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="理由或说明")


class ReasonTransitionSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000, help_text="理由（必填）")


# --- progress, evidence, events -------------------------------------------------------------------


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "task", "author", "author_name", "reported_on", "created_at", "text", "percent", "investment"]
        read_only_fields = fields


class ProgressCreateSerializer(VersionedSerializer):
    text = serializers.CharField(max_length=MAX_TEXT, help_text="整改进展情况")
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text="完成比例（%）")
    investment = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="累计投入资金（万元），不填则沿用上次",
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="完成比例低于上次时必填：下调理由"
    )
    reported_on = serializers.DateField(
        required=False, help_text="填报日期，默认今天；不能晚于今天，也不能早于任务交办", validators=DAY_VALIDATORS
    )


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(
        source="uploaded_by.display_name", read_only=True, allow_null=True, default=None
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "task",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "kind",
            "description",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj) -> str:
        url = reverse("api:evidence-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class EvidenceUploadSerializer(VersionedSerializer):
    files = serializers.ListField(
        child=serializers.FileField(), allow_empty=False, help_text="一个或多个文件：PDF、JPG、PNG、DOCX、XLSX、ZIP"
    )
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, default=EvidenceKind.DOCUMENT)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[("", "—"), *EvidenceKind.choices]),
        required=False,
        help_text="每个文件的材料类型，按 files 的顺序逐一对应；空值沿用 kind",
    )
    descriptions = serializers.ListField(
        child=serializers.CharField(max_length=300, allow_blank=True),
        required=False,
        help_text="每个文件的说明，按 files 的顺序逐一对应；空值沿用 description",
    )

    def validate(self, attrs):
        count = len(attrs.get("files", []))
        for name in ("kinds", "descriptions"):
            if name in attrs and len(attrs[name]) != count:
                raise serializers.ValidationError(
                    {name: gettext("应为每个文件各填一项（共 %(n)d 项）。") % {"n": count}}
                )
        return attrs


class EvidenceWithdrawSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=500, help_text="撤回理由（必填）")


class TaskEventSerializer(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(choices=TaskStatus.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=TaskStatus.choices, allow_blank=True, read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = TaskEvent
        fields = ["id", "task", "at", "kind", "action", "from_status", "to_status", "reason", "actor", "actor_name"]
        read_only_fields = fields
