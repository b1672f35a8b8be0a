"""The closure feature in the API: every record and action of the pages, through the same services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..access import RECORD_CLOSURE, access_task, require
from ..choices import AcceptanceConclusion, LookbackVerdict
from ..models import (
    AcceptanceRecord,
    DeadlineExtension,
    LookbackCheck,
    LookbackRound,
    NoticeObjection,
    PublicNotice,
)
from ..models.closure import CLOSING_STANDARDS
from . import selectors, services


class AcceptorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    unit = serializers.CharField(max_length=100)


class AcceptanceCreateSerializer(serializers.Serializer):
    checked_on = serializers.DateField(help_text="现场验收日期")
    acceptors = AcceptorSerializer(many=True, help_text="验收人，至少两人")
    conclusion = serializers.ChoiceField(choices=AcceptanceConclusion.choices)
    opinion = serializers.CharField(required=False, allow_blank=True, help_text="验收意见；不合格时必填原因")
    expected_version = serializers.IntegerField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CLOSING_STANDARDS:
            self.fields[key] = serializers.BooleanField(default=False, help_text=str(label))
            self.fields[f"{key}_note"] = serializers.CharField(required=False, allow_blank=True, max_length=300)


class AcceptanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AcceptanceRecord
        fields = [
            "id",
            "task",
            "checked_on",
            "acceptors",
            "conclusion",
            "opinion",
            *(f for key, _l in CLOSING_STANDARDS for f in (key, f"{key}_note")),
            "report",
            "recorded_by",
            "recorded_at",
        ]


class NoticeCreateSerializer(serializers.Serializer):
    where = serializers.CharField(max_length=300, help_text="公示媒体或地点")
    link = serializers.URLField(required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="默认开始后 NOTICE_DAYS 天")
    expected_version = serializers.IntegerField(required=False)


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeObjection
        fields = ["id", "notice", "received_on", "raised_by", "content", "decision", "decision_note", "decided_at"]


class NoticeSerializer(serializers.ModelSerializer):
    objections = ObjectionSerializer(many=True, read_only=True)

    class Meta:
        model = PublicNotice
        fields = ["id", "task", "starts_on", "ends_on", "where", "link", "created_at", "objections"]


class ObjectionCreateSerializer(serializers.Serializer):
    content = serializers.CharField()
    raised_by = serializers.CharField(required=False, allow_blank=True, max_length=100)
    received_on = serializers.DateField(required=False, allow_null=True)


class ObjectionDecisionSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="异议成立：任务退回整改")
    note = serializers.CharField(help_text="处理意见")


class ExtensionCreateSerializer(serializers.Serializer):
    deadline_text = serializers.CharField(max_length=200, help_text="申请调整后期限，例如 2025年6月底前")
    reason = serializers.CharField()


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineExtension
        fields = [
            "id",
            "task",
            "previous_deadline_text",
            "previous_deadline",
            "requested_deadline_text",
            "requested_deadline",
            "reason",
            "status",
            "decision_note",
            "requested_at",
            "decided_at",
        ]


class ExtensionDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True)


class LookbackCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    percentage = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    seed = serializers.IntegerField(required=False, allow_null=True, help_text="留空则自动生成并记录")
    task_ids = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="点名抽查的任务")


class LookbackCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = LookbackCheck
        fields = ["id", "task", "checked_on", "inspector", "verdict", "note", "new_task", "recorded_at"]


class LookbackSerializer(serializers.ModelSerializer):
    checks = LookbackCheckSerializer(many=True, read_only=True)

    class Meta:
        model = LookbackRound
        fields = ["id", "name", "inspection_round", "percentage", "seed", "population", "created_at", "checks"]


class LookbackRecordSerializer(serializers.Serializer):
    checked_on = serializers.DateField()
    inspector = serializers.CharField(max_length=100)
    verdict = serializers.ChoiceField(choices=LookbackVerdict.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    deadline_text = serializers.CharField(
        required=False, default="立行立改", help_text="反弹或虚假整改时的重新整改时限"
    )


class BatchSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(services.BATCH_LABELS))
    tasks = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    comment = serializers.CharField(required=False, allow_blank=True)
    where = serializers.CharField(required=False, allow_blank=True)


class BatchResultSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class ClosureRecordSerializer(serializers.Serializer):
    chain = serializers.ListField(child=serializers.DictField())
    next_steps = serializers.ListField(child=serializers.CharField())
    steps = serializers.ListField(child=serializers.DictField())
    acceptances = AcceptanceSerializer(many=True)
    notices = NoticeSerializer(many=True)
    extensions = ExtensionSerializer(many=True)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


class TaskClosureView(APIView):
    @extend_schema(
        summary="任务的销号记录：流程、各步骤签字人与结论、验收、公示、延期", responses=ClosureRecordSerializer
    )
    def get(self, request, pk):
        return Response(ClosureRecordSerializer(selectors.closure_record(access_task(request.user, pk))).data)


class AcceptanceView(APIView):
    @extend_schema(
        summary="登记验收（督察办）：合格则验收通过，不合格则退回整改",
        request=AcceptanceCreateSerializer,
        responses={201: AcceptanceSerializer},
    )
    def post(self, request, pk):
        task = access_task(request.user, pk)
        d = dict(_valid(AcceptanceCreateSerializer, request))
        standards = {k: d.pop(k, "") for key, _l in CLOSING_STANDARDS for k in (key, f"{key}_note")}
        record = services.acceptance_record(actor=request.user, task=task, standards=standards, **d)
        return Response(AcceptanceSerializer(record).data, status=201)


class NoticeView(APIView):
    @extend_schema(summary="开始公示（督察办）", request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def post(self, request, pk):
        task = access_task(request.user, pk)
        notice = services.notice_start(actor=request.user, task=task, **_valid(NoticeCreateSerializer, request))
        return Response(NoticeSerializer(notice).data, status=201)


class ObjectionView(APIView):
    @extend_schema(
        summary="登记公示异议（督察办）", request=ObjectionCreateSerializer, responses={201: ObjectionSerializer}
    )
    def post(self, request, pk):
        task = access_task(request.user, pk)
        notice = get_object_or_404(PublicNotice.objects.filter(task=task).order_by("-created_at")[:1])
        objection = services.objection_record(
            actor=request.user, notice=notice, **_valid(ObjectionCreateSerializer, request)
        )
        return Response(ObjectionSerializer(objection).data, status=201)


class ObjectionDecisionView(APIView):
    @extend_schema(
        summary="处理公示异议（督察办）：成立则退回整改",
        request=ObjectionDecisionSerializer,
        responses={200: ObjectionSerializer},
    )
    def post(self, request, pk):
        objection = get_object_or_404(NoticeObjection.objects.select_related("notice"), pk=pk)
        access_task(request.user, objection.notice.task_id)
        objection = services.objection_decide(
            actor=request.user, objection=objection, **_valid(ObjectionDecisionSerializer, request)
        )
        return Response(ObjectionSerializer(objection).data)


class ExtensionView(APIView):
    @extend_schema(
        summary="申请延期（牵头单位）", request=ExtensionCreateSerializer, responses={201: ExtensionSerializer}
    )
    def post(self, request, pk):
        task = access_task(request.user, pk)
        extension = services.extension_request(
            actor=request.user, task=task, **_valid(ExtensionCreateSerializer, request)
        )
        return Response(ExtensionSerializer(extension).data, status=201)


class ExtensionDecisionView(APIView):
    @extend_schema(
        summary="审批延期申请（督察办）：批准后保留原定期限，逾期按调整后期限计算",
        request=ExtensionDecisionSerializer,
        responses={200: ExtensionSerializer},
    )
    def post(self, request, pk):
        extension = get_object_or_404(DeadlineExtension, pk=pk)
        access_task(request.user, extension.task_id)
        extension = services.extension_decide(
            actor=request.user, extension=extension, **_valid(ExtensionDecisionSerializer, request)
        )
        return Response(ExtensionSerializer(extension).data)


class LookbackView(APIView):
    @extend_schema(
        summary="回头看：按比例（记录随机种子）或点名抽取已销号任务（督察办）",
        request=LookbackCreateSerializer,
        responses={201: LookbackSerializer},
    )
    def post(self, request):
        lookback = services.lookback_draw(actor=request.user, **_valid(LookbackCreateSerializer, request))
        return Response(LookbackSerializer(lookback).data, status=201)


class LookbackRecordView(APIView):
    @extend_schema(
        summary="登记回头看复查结论（督察办）：反弹或虚假整改另行交办关联的新任务",
        request=LookbackRecordSerializer,
        responses={200: LookbackCheckSerializer},
    )
    def post(self, request, pk):
        require(request.user, RECORD_CLOSURE)
        check = get_object_or_404(LookbackCheck, pk=pk)
        check = services.lookback_record(actor=request.user, check=check, **_valid(LookbackRecordSerializer, request))
        return Response(LookbackCheckSerializer(check).data)


class BatchView(APIView):
    @extend_schema(
        summary="批量操作：验收通过、开始公示、审签、催办；逐项调用同一服务，返回每项结果及未办理原因",
        request=BatchSerializer,
        responses={200: BatchResultSerializer(many=True)},
    )
    def post(self, request):
        d = _valid(BatchSerializer, request)
        results = services.batch_apply(
            actor=request.user,
            task_ids=d["tasks"],
            action=d["action"],
            comment=d.get("comment", ""),
            where=d.get("where", ""),
        )
        return Response(BatchResultSerializer(results, many=True).data)
