"""Complaint cases (交办件) in the API: batches and cases (list, detail) and the case's moves (assign, report the
investigation, close, sign off, return, decline, reopen, follow-up call, to-task), through the same access rules
(inspections.access) and the same services as the pages. Another unit's case or batch is a 404."""

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import decorators, mixins, serializers, viewsets
from rest_framework.response import Response

from accounts.models import Unit
from accounts.selectors import units_visible_to

from ..access import access_batch, access_case, can_see_complainant, visible_batches
from ..api.serializers import VersionedSerializer
from ..choices import CaseVerdict, FollowUpResult
from ..limits import DAY_VALIDATORS, MAX_TEXT
from ..models import ComplaintBatch, ComplaintCase
from . import selectors, services, workflow
from .filtersets import ComplaintCaseFilterSet


def _request_user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ComplaintBatchSerializer(serializers.ModelSerializer):
    """A batch (第N批交办) of a round with its reply deadline."""

    round_name = serializers.CharField(source="round.name", read_only=True)

    class Meta:
        model = ComplaintBatch
        fields = [
            "id",
            "round",
            "round_name",
            "number",
            "received_on",
            "reply_days",
            "working_days",
            "reply_deadline",
            "created_at",
        ]
        read_only_fields = fields


class ComplaintCaseSerializer(serializers.ModelSerializer):
    """A case with its handling figures; the complainant only for bureau staff (null for everyone else)."""

    batch_number = serializers.IntegerField(source="batch.number", read_only=True)
    reply_deadline = serializers.DateField(source="batch.reply_deadline", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True, allow_null=True, default=None)
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    # Empty ("") until reported / called back: plain strings in the schema, the values in the help text.
    verdict = serializers.CharField(
        read_only=True, help_text="是否属实：" + "、".join(CaseVerdict.values) + "；未报送时为空"
    )
    follow_up_result = serializers.CharField(
        read_only=True, help_text="回访结果：" + "、".join(FollowUpResult.values) + "；未回访时为空"
    )
    complainant = serializers.SerializerMethodField(help_text="投诉人（仅督察办可见，其他角色为 null）")
    complainant_contact = serializers.SerializerMethodField(help_text="投诉人联系方式（仅督察办可见）")
    available_actions = serializers.SerializerMethodField(
        help_text="当前用户现在可执行的按钮操作（complaints.workflow）：close、sign_off、return、decline、reopen"
    )

    class Meta:
        model = ComplaintCase
        fields = [
            "id",
            "round",
            "batch",
            "batch_number",
            "reply_deadline",
            "seq",
            "code",
            "channel",
            "summary",
            "region",
            "pollution_type",
            "is_key",
            "complainant",
            "complainant_contact",
            "status",
            "status_display",
            "lead_unit",
            "lead_unit_name",
            "cooperating_units",
            "assigned_on",
            "investigation",
            "verdict",
            "needs_rectification",
            "handling",
            "accountability",
            "disclosure_text",
            *services.HANDLING_COUNTS,
            "fine_amount",
            "reported_at",
            "closed_on",
            "signed_off_at",
            "follow_up_result",
            "follow_up_on",
            "follow_up_note",
            "repeat_of",
            "repeat_score",
            "finding",
            "version",
            "created_at",
            "updated_at",
            "available_actions",
        ]
        read_only_fields = fields

    def _sees_complainant(self) -> bool:
        user = _request_user(self)
        return user is not None and can_see_complainant(user)

    def get_complainant(self, case) -> str | None:
        return case.complainant if self._sees_complainant() else None

    def get_complainant_contact(self, case) -> str | None:
        return case.complainant_contact if self._sees_complainant() else None

    def get_available_actions(self, case) -> list[str]:
        user = _request_user(self)
        return [t.action for t in workflow.available_actions(user, case)] if user is not None else []


class CaseAssignSerializer(VersionedSerializer):
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), help_text="承办（牵头）单位")
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, queryset=Unit.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            units = units_visible_to(user).filter(is_active=True)
            self.fields["lead_unit"].queryset = units
            self.fields["cooperating_units"].child_relation.queryset = units


COUNT_HELP = {
    "ordered_fix": "责令整改（家）",
    "penalty_cases": "立案处罚（起）",
    "criminal_cases": "立案侦查（件）",
    "detained": "行政拘留（人）",
    "interviewed": "约谈（人）",
    "held_accountable": "问责（人）",
}


class CaseReportSerializer(VersionedSerializer):
    investigation = serializers.CharField(max_length=MAX_TEXT, help_text="调查核实情况")
    verdict = serializers.ChoiceField(choices=CaseVerdict.choices, help_text="是否属实")
    handling = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, help_text="处理和整改情况")
    needs_rectification = serializers.BooleanField(required=False, default=False, help_text="需要整改（可转入台账）")
    accountability = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    disclosure_text = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    fine_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="罚款（万元）"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in COUNT_HELP.items():
            self.fields[name] = serializers.IntegerField(
                min_value=0, max_value=1_000_000, required=False, help_text=label
            )


class CaseCloseSerializer(VersionedSerializer):
    closed_on = serializers.DateField(required=False, validators=DAY_VALIDATORS, help_text="办结日期，默认今天")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="说明")


class CaseTransitionSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text="说明")


class CaseReasonSerializer(VersionedSerializer):
    reason = serializers.CharField(max_length=2000, help_text="理由（必填）")


class CaseFollowUpSerializer(VersionedSerializer):
    result = serializers.ChoiceField(choices=FollowUpResult.choices, help_text="回访结果")
    on = serializers.DateField(required=False, validators=DAY_VALIDATORS, help_text="回访日期，默认今天")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CaseToTaskSerializer(VersionedSerializer):
    deadline_text = serializers.CharField(max_length=200, help_text="整改时限，例如“2026年12月底前”")
    lead_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(), required=False, allow_null=True, help_text="牵头单位，默认为承办单位"
    )
    measures = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    goal = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _request_user(self)
        if user is not None:
            self.fields["lead_unit"].queryset = units_visible_to(user).filter(is_active=True)


@extend_schema_view(
    list=extend_schema(summary="交办批次列表（单位只看到含本单位交办件的批次）"),
    retrieve=extend_schema(summary="交办批次详情：交办日期与反馈期限"),
)
class ComplaintBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ComplaintBatchSerializer
    ordering_fields = ["received_on", "number", "id"]

    def get_queryset(self):
        return visible_batches(self.request.user).select_related("round").order_by("round_id", "number")

    def get_object(self):
        return access_batch(self.request.user, self.kwargs["pk"])


CASE_ERRORS = _(
    "调用与页面相同的服务：角色或状态不允许时返回 403，版本过期或状态冲突返回 409，另一单位的交办件返回 404。"
)


def _case_action(attr: str, summary: str, request_serializer, call, *, url: str | None = None):
    """POST /api/complaints/{id}/<url>/: the case is looked up through access (404), the body validated (400),
    then the service applies the rules (403/409); answers with the case."""

    def view(self, request, pk=None):
        case = access_case(request.user, pk)
        data = request_serializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        call(actor=request.user, case=case, expected_version=fields.pop("expected_version"), **fields)
        return Response(self.get_serializer(self.reload(case)).data)

    url = url or attr.replace("_", "-")
    view.__name__ = attr  # the router finds the method by this name
    view = decorators.action(detail=True, methods=["post"], url_path=url, url_name=url)(view)
    return extend_schema(
        summary=summary, request=request_serializer, responses={200: ComplaintCaseSerializer}, description=CASE_ERRORS
    )(view)


def _assign(*, actor, case, expected_version, lead_unit, cooperating_units=()):
    return services.case_assign(
        actor=actor,
        case=case,
        lead_unit=lead_unit,
        cooperating_units=list(cooperating_units),
        expected_version=expected_version,
    )


def _close(*, actor, case, expected_version, closed_on=None, reason=""):
    return services.case_close(
        actor=actor, case=case, closed_on=closed_on, note=reason, expected_version=expected_version
    )


def _transition(action):
    def call(*, actor, case, expected_version, reason=""):
        return services.case_transition(
            actor=actor, case=case, action=action, reason=reason, expected_version=expected_version
        )

    return call


def _to_task(*, actor, case, expected_version, deadline_text, lead_unit=None, measures="", goal=""):
    return services.case_to_task(
        actor=actor,
        case=case,
        deadline_text=deadline_text,
        lead_unit=lead_unit,
        measures=measures,
        goal=goal,
        expected_version=expected_version,
    )


@extend_schema_view(
    list=extend_schema(summary="交办件列表（与页面相同的筛选条件；单位只看到交办给本单位及下级的件）"),
    retrieve=extend_schema(summary="交办件详情"),
)
class ComplaintCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ComplaintCaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ComplaintCaseFilterSet

    def get_queryset(self):
        return selectors.case_queryset(user=self.request.user).prefetch_related("cooperating_units")

    def get_object(self):
        return access_case(self.request.user, self.kwargs["pk"], queryset=self.get_queryset())

    def reload(self, case):
        return self.get_queryset().get(pk=case.pk)

    assign = _case_action("assign", "转办或改派交办件（督察办）", CaseAssignSerializer, _assign)
    report = _case_action(
        "report",
        "报送调查核实结果（承办单位或督察办；阶段性办结）",
        CaseReportSerializer,
        services.case_report_investigation,
    )
    close = _case_action("close", "办结（承办单位或督察办）", CaseCloseSerializer, _close)
    sign_off = _case_action(
        "sign_off", "验收销号（督察办或领导；仅需整改的交办件）", CaseTransitionSerializer, _transition("sign_off")
    )
    send_back = _case_action(
        "send_back", "退回重办（督察办，须填写理由）", CaseReasonSerializer, _transition("return"), url="return"
    )
    decline = _case_action("decline", "不予受理（督察办，须填写理由）", CaseReasonSerializer, _transition("decline"))
    reopen = _case_action("reopen", "重新打开（须填写理由）", CaseReasonSerializer, _transition("reopen"))
    follow_up = _case_action("follow_up", "登记回访结果（督察办）", CaseFollowUpSerializer, services.case_follow_up)
    to_task = _case_action("to_task", "转为整改任务：生成反馈问题和整改任务（督察办）", CaseToTaskSerializer, _to_task)
