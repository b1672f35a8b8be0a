"""Supervision in the API: actions (list, detail, create, reply), suggestions (list, detail, dismiss) and
scores (list, detail), with the same access rules as the pages (access.visible_actions ...)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import decorators, mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Unit

from ..access import ISSUE_SUPERVISION, access_action, access_suggestion, require, visible_scores, visible_tasks
from ..choices import AccountabilityMeasure, SupervisionKind
from ..models import AssessmentScore, RectificationTask, SupervisionAction, SupervisionSuggestion
from . import selectors, services


class SupervisionActionSerializer(serializers.ModelSerializer):
    """督办记录: kind, 文号, target, tasks, dates, the unit's reply and the outcome."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    target_unit_name = serializers.CharField(source="target_unit.name", read_only=True)
    task_ids = serializers.PrimaryKeyRelatedField(source="tasks", many=True, read_only=True)
    reply_overdue = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionAction
        fields = [
            "id",
            "kind",
            "kind_display",
            "doc_number",
            "title",
            "body",
            "target_unit",
            "target_unit_name",
            "target_person",
            "target_position",
            "task_ids",
            "finding",
            "issued_on",
            "issued_by",
            "reply_due",
            "reply_text",
            "replied_at",
            "reply_overdue",
            "outcome",
            "outcome_at",
            "interview_at",
            "interview_place",
            "attendees",
            "minutes",
            "measure",
            "deciding_body",
            "created_at",
        ]
        read_only_fields = fields

    def get_reply_overdue(self, action) -> bool:
        return action.is_reply_overdue()


class SupervisionActionCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SupervisionKind.choices)
    target_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    tasks = serializers.PrimaryKeyRelatedField(queryset=RectificationTask.objects.all(), many=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField(required=False, allow_blank=True)
    issued_on = serializers.DateField(required=False)
    reply_due = serializers.DateField(required=False, allow_null=True)
    target_person = serializers.CharField(required=False, allow_blank=True, max_length=100)
    target_position = serializers.CharField(required=False, allow_blank=True, max_length=100)
    interview_at = serializers.DateTimeField(required=False, allow_null=True)
    interview_place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    attendees = serializers.CharField(required=False, allow_blank=True)
    measure = serializers.ChoiceField(choices=AccountabilityMeasure.choices, required=False, allow_blank=True)
    deciding_body = serializers.CharField(required=False, allow_blank=True, max_length=200)
    suggestion = serializers.IntegerField(required=False, help_text="由督办建议下发时，建议的 id")


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField()
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True)
    minutes = serializers.CharField(required=False, allow_blank=True, help_text="约谈纪要（仅约谈）")


def _as_drf(exc: ValidationError):
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


@extend_schema_view(
    list=extend_schema(summary="督办记录列表（单位只看到发给本单位及下级的，问责仅督察办、领导）"),
    retrieve=extend_schema(summary="督办记录详情"),
    create=extend_schema(
        summary="下发督办、约谈、问责（督察办）",
        request=SupervisionActionCreateSerializer,
        responses={201: SupervisionActionSerializer},
    ),
)
class SupervisionActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = SupervisionActionSerializer
    ordering = ["-issued_on", "-id"]

    def get_queryset(self):
        return (
            selectors.action_list(user=self.request.user, filters=self.request.query_params)
            .prefetch_related("tasks")
            .order_by("-issued_on", "-id")
        )

    def get_object(self):
        return access_action(self.request.user, self.kwargs["pk"])

    def get_serializer_class(self):
        if self.action == "create":
            return SupervisionActionCreateSerializer
        if self.action == "reply":
            return ReplySerializer
        if self.action == "outcome":
            return OutcomeSerializer
        return SupervisionActionSerializer

    def create(self, request, *args, **kwargs):
        data = SupervisionActionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tasks = values.pop("tasks")
        allowed = set(visible_tasks(request.user).filter(pk__in=[t.pk for t in tasks]).values_list("pk", flat=True))
        if len(allowed) != len(tasks):
            raise serializers.ValidationError({"tasks": ["unknown task"]})
        suggestion_id = values.pop("suggestion", None)
        suggestion = access_suggestion(request.user, suggestion_id) if suggestion_id else None
        try:
            action = services.action_issue(actor=request.user, tasks=tasks, suggestion=suggestion, **values)
        except ValidationError as exc:
            raise _as_drf(exc) from None
        return Response(SupervisionActionSerializer(action).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="被督办单位回复（文字及附件）", request=ReplySerializer, responses={200: SupervisionActionSerializer}
    )
    @decorators.action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def reply(self, request, pk=None):
        action = self.get_object()
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            action = services.action_reply(
                actor=request.user,
                action=action,
                text=data.validated_data["text"],
                files=request.FILES.getlist("files"),
            )
        except ValidationError as exc:
            raise _as_drf(exc) from None
        return Response(SupervisionActionSerializer(action).data)

    @extend_schema(
        summary="登记办理结果（及约谈纪要；督察办）",
        request=OutcomeSerializer,
        responses={200: SupervisionActionSerializer},
    )
    @decorators.action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        action = self.get_object()
        require(request.user, ISSUE_SUPERVISION)
        data = OutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        minutes = data.validated_data.get("minutes")
        try:
            action = services.action_record_outcome(
                actor=request.user,
                action=action,
                outcome=data.validated_data.get("outcome", ""),
                minutes=minutes if action.kind == SupervisionKind.INTERVIEW else None,
            )
        except ValidationError as exc:
            raise _as_drf(exc) from None
        return Response(SupervisionActionSerializer(action).data)


class SuggestionSerializer(serializers.ModelSerializer):
    task_code = serializers.CharField(source="task.code", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    suggested_kind_display = serializers.CharField(source="get_suggested_kind_display", read_only=True)

    class Meta:
        model = SupervisionSuggestion
        fields = [
            "id",
            "task",
            "task_code",
            "lead_unit",
            "lead_unit_name",
            "suggested_kind",
            "suggested_kind_display",
            "warning",
            "reason",
            "month",
            "created_on",
            "status",
            "action",
            "dismissed_reason",
        ]
        read_only_fields = fields


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


@extend_schema_view(
    list=extend_schema(summary="待处理的督办建议（督察办）"),
    retrieve=extend_schema(summary="督办建议详情"),
)
class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SuggestionSerializer
    ordering = ["-created_on", "id"]

    def get_queryset(self):
        return selectors.open_suggestions(user=self.request.user)

    def get_object(self):
        return access_suggestion(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="驳回督办建议（须说明理由）", request=DismissSerializer, responses={200: SuggestionSerializer}
    )
    @decorators.action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        suggestion = self.get_object()
        data = DismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            suggestion = services.suggestion_dismiss(
                actor=request.user, suggestion=suggestion, reason=data.validated_data["reason"]
            )
        except ValidationError as exc:
            raise _as_drf(exc) from None
        return Response(SuggestionSerializer(suggestion).data)


class AssessmentScoreSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = AssessmentScore
        fields = ["id", "unit", "unit_name", "period_kind", "period_start", "period_end", "total", "rank", "breakdown"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="单位考核得分（督察办、领导）；可按 period_kind、period_start 筛选"),
    retrieve=extend_schema(summary="单位考核得分详情（各项规则的数值与得分）"),
)
class AssessmentScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssessmentScoreSerializer
    ordering = ["period_start", "rank"]

    def get_queryset(self):
        scores = visible_scores(self.request.user).select_related("unit").order_by("-period_start", "rank", "id")
        params = self.request.query_params
        if params.get("period_kind"):
            scores = scores.filter(period_kind=params["period_kind"])
        if params.get("period_start"):
            try:
                scores = scores.filter(period_start=params["period_start"])
            except ValidationError:
                return scores.none()
        return scores
