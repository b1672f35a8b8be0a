"""API views: thin callers of inspections.access (what a user sees), selectors (how to read it fast),
the shared FilterSets and the services (every write, with its rules and errors)."""

import json

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import decorators, mixins, renderers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..access import (
    MANAGE_ROUNDS,
    access_evidence,
    access_finding,
    access_round,
    access_task,
    require,
    visible_findings,
    visible_rounds,
)
from ..filtersets import FindingFilterSet, RoundFilterSet, TaskFilterSet
from ..services.tasks import check_task_editable
from ..workflow import Action
from . import serializers as s
from .pagination import CappedKeysetPagination
from .permissions import CanManageForCreate


class ReadCreateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """List, detail and create; create validates with `create_serializer_class`, answers with `serializer_class`."""

    permission_classes = [CanManageForCreate]
    create_serializer_class = None

    def get_serializer_class(self):
        return self.create_serializer_class if self.action == "create" else self.serializer_class

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = self.perform_service_create(data.validated_data)
        body = self.serializer_class(self.reload(created), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def reload(self, obj):
        return obj


def read_create_schema(*, list_summary, retrieve_summary, create_summary, request, response):
    return extend_schema_view(
        list=extend_schema(summary=list_summary),
        retrieve=extend_schema(summary=retrieve_summary),
        create=extend_schema(summary=create_summary, request=request, responses={201: response}),
    )


@read_create_schema(
    list_summary="督察轮次列表",
    retrieve_summary="督察轮次详情",
    create_summary="登记督察轮次（督察办）",
    request=s.RoundSerializer,
    response=s.RoundSerializer,
)
class RoundViewSet(ReadCreateViewSet):
    serializer_class = create_serializer_class = s.RoundSerializer
    filterset_class = RoundFilterSet
    ordering_fields = ["feedback_date", "name", "id"]

    def get_queryset(self):
        return visible_rounds(self.request.user).order_by("feedback_date", "id")

    def get_object(self):
        return access_round(self.request.user, self.kwargs["pk"])

    def perform_service_create(self, data):
        return services.round_create(actor=self.request.user, **data)


@read_create_schema(
    list_summary="反馈问题列表",
    retrieve_summary="反馈问题详情",
    create_summary="登记反馈问题并交办整改任务（督察办）",
    request=s.FindingCreateSerializer,
    response=s.FindingSerializer,
)
class FindingViewSet(ReadCreateViewSet):
    serializer_class = s.FindingSerializer
    create_serializer_class = s.FindingCreateSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["number", "created_at", "id"]

    def get_queryset(self):
        return (
            visible_findings(self.request.user)
            .select_related("round", "responsible_leader")
            .order_by("round_id", "number")
        )

    def get_object(self):
        return access_finding(self.request.user, self.kwargs["pk"])

    def perform_service_create(self, data):
        data = dict(data)
        return services.finding_create(actor=self.request.user, inspection_round=data.pop("round"), **data)

    @extend_schema(
        summary="修改反馈问题（督察办；只修改提交的字段）",
        request=s.FindingUpdateSerializer,
        responses={200: s.FindingSerializer},
        description=_(
            "调用与编辑页面相同的服务：修改记入修改历史，并在该问题每项整改任务的动态中记录。非督察办返回 403，"
            "版本过期返回 409。"
            "为已有问题增加整改任务：POST /api/tasks/（finding 填该问题的 id）。"
        ),
    )
    def partial_update(self, request, pk=None):
        require(request.user, MANAGE_ROUNDS)  # role first (403), then the finding (404)
        finding = self.get_object()
        data = s.FindingUpdateSerializer(data=request.data, finding=finding, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected_version = fields.pop("expected_version")
        updated = services.finding_update(
            actor=request.user, finding=finding, expected_version=expected_version, **fields
        )
        return Response(s.FindingSerializer(updated, context=self.get_serializer_context()).data)


def _transition_view(action: str, summary: str, request_serializer=s.TransitionSerializer):
    """A workflow action: POST /api/tasks/{id}/<action>/ → services.task_transition."""

    def view(self, request, pk=None):
        task = access_task(request.user, pk)
        data = request_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.task_transition(
            actor=request.user,
            task=task,
            action=action,
            reason=data.validated_data.get("reason", ""),
            expected_version=data.validated_data.get("expected_version"),
        )
        return Response(s.TaskSerializer(self.reload(task), context=self.get_serializer_context()).data)

    view.__name__ = action
    # Order matters: DRF's @action replaces the function's kwargs, where @extend_schema keeps its data.
    view = decorators.action(detail=True, methods=["post"], url_path=action.replace("_", "-"))(view)
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: s.TaskSerializer},
        description=_("调用与页面相同的工作流服务；状态或角色不允许时返回 403，版本过期返回 409。"),
    )(view)


@read_create_schema(
    list_summary="整改任务列表（与页面相同的筛选条件）",
    retrieve_summary="整改任务详情",
    create_summary="交办整改任务（督察办）",
    request=s.TaskCreateSerializer,
    response=s.TaskSerializer,
)
class TaskViewSet(ReadCreateViewSet):
    serializer_class = s.TaskSerializer
    create_serializer_class = s.TaskCreateSerializer
    filter_backends = [DjangoFilterBackend]  # TaskFilterSet brings its own `ordering`
    filterset_class = TaskFilterSet
    pagination_class = CappedKeysetPagination  # a capped count and keyset pages (issue 19)

    def get_queryset(self):
        # TaskSerializer gives the leader's id only: no user row joined per task (issue 19).
        return selectors.task_queryset(user=self.request.user, with_leader=False).prefetch_related("cooperating_units")

    def get_object(self):
        return access_task(self.request.user, self.kwargs["pk"], queryset=self.get_queryset())

    def reload(self, task):
        return self.get_queryset().get(pk=task.pk)

    def perform_service_create(self, data):
        data = dict(data)
        return services.task_assign(actor=self.request.user, finding=data.pop("finding"), **data)

    @extend_schema(
        summary="修改整改任务（督察办；只修改提交的字段）",
        request=s.TaskUpdateSerializer,
        responses={200: s.TaskSerializer},
        description=_(
            "调用与编辑页面相同的服务：重新解析整改时限并记入任务动态。非督察办返回 403，"
            "已销号的任务或版本过期返回 409。"
        ),
    )
    def partial_update(self, request, pk=None):
        task = self.get_object()  # another unit's task: 404
        check_task_editable(request.user, task)  # role (403) and closed task (409) before the body is read
        data = s.TaskUpdateSerializer(data=request.data, task=task, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        services.task_update(actor=request.user, task=task, expected_version=fields.pop("expected_version"), **fields)
        return Response(s.TaskSerializer(self.reload(task), context=self.get_serializer_context()).data)

    start = _transition_view(Action.START, "启动整改")
    submit = _transition_view(Action.SUBMIT, "申请销号（牵头单位，需已上传佐证材料）")
    verify = _transition_view(Action.VERIFY, "验收通过（督察办）")
    reject = _transition_view(Action.REJECT, "退回整改（须填写理由）", s.ReasonTransitionSerializer)
    start_notice = _transition_view(
        Action.START_NOTICE, "开始公示（督察办；默认公示期，登记公示媒体请用 /closure/notice/）"
    )
    close = _transition_view(Action.CLOSE, "审签销号（责任领导或其委托的领导；可附意见）")
    recheck = _transition_view(Action.RECHECK, "复核通过（上级督察办；可附意见）")
    file = _transition_view(Action.FILE, "销号报备（督察办）")
    keep_long_term = _transition_view(Action.KEEP_LONG_TERM, "转为长期坚持（领导）")
    reopen = _transition_view(Action.REOPEN, "重新打开（管理员，须填写理由）", s.ReasonTransitionSerializer)


TASK_PK = OpenApiParameter("task_pk", int, OpenApiParameter.PATH, description=_("整改任务 id"))


@extend_schema(parameters=[TASK_PK])
class TaskRecordsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Records of one task (/api/tasks/{task_pk}/...): the task is checked first, so another unit's is a 404."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no task in the URL
            return self.serializer_class.Meta.model.objects.none()
        return self.get_records(self.get_task())

    def get_task(self):
        if not hasattr(self, "_task"):
            self._task = access_task(self.request.user, self.kwargs["task_pk"])
        return self._task


class TaskChildViewSet(mixins.CreateModelMixin, TaskRecordsViewSet):
    """Task records that can also be added, through a service."""

    create_serializer_class = None

    def get_serializer_class(self):
        return self.create_serializer_class if self.action == "create" else self.serializer_class

    def create(self, request, *args, **kwargs):
        task = self.get_task()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = self.perform_service_create(task, dict(data.validated_data))
        many = isinstance(created, list)
        body = self.serializer_class(created, many=many, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="任务的整改进展"),
    create=extend_schema(
        summary="报送整改进展", request=s.ProgressCreateSerializer, responses={201: s.ProgressUpdateSerializer}
    ),
)
class ProgressUpdateViewSet(TaskChildViewSet):
    serializer_class = s.ProgressUpdateSerializer
    create_serializer_class = s.ProgressCreateSerializer
    ordering_fields = ["reported_on", "created_at", "id"]

    def get_records(self, task):
        return task.progress_updates.select_related("author").order_by("-reported_on", "-id")

    def perform_service_create(self, task, data):
        return services.task_progress_add(actor=self.request.user, task=task, **data)


@extend_schema_view(
    list=extend_schema(summary="任务的佐证材料"),
    create=extend_schema(
        summary="上传佐证材料（multipart，可多个文件，全部通过检查才保存）",
        request={"multipart/form-data": s.EvidenceUploadSerializer},
        responses={201: s.EvidenceSerializer(many=True)},
    ),
)
class EvidenceViewSet(TaskChildViewSet):
    serializer_class = s.EvidenceSerializer
    create_serializer_class = s.EvidenceUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["uploaded_at", "size", "id"]

    def get_records(self, task):
        return task.evidence.select_related("uploaded_by").order_by("-uploaded_at", "-id")

    def perform_service_create(self, task, data):
        return services.task_evidence_add(actor=self.request.user, task=task, **data)

    @extend_schema(
        summary="撤回佐证材料（须填写理由；材料保留并标记为已撤回）",
        request=s.EvidenceWithdrawSerializer,
        responses={200: s.EvidenceSerializer},
        description=_("上传材料的单位在申请销号前、督察办在销号前可撤回；状态不允许时返回 409。"),
    )
    @decorators.action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def withdraw(self, request, task_pk=None, pk=None):
        task = self.get_task()  # another unit's task: 404
        evidence = _get_evidence_or_404(task, pk)
        data = s.EvidenceWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawn = services.evidence_withdraw(
            actor=request.user,
            evidence=evidence,
            reason=data.validated_data["reason"],
            expected_version=data.validated_data.get("expected_version"),
        )
        return Response(s.EvidenceSerializer(withdrawn, context=self.get_serializer_context()).data)


def _get_evidence_or_404(task, pk):
    try:
        return task.evidence.select_related("task").get(pk=pk)
    except (ValueError, TypeError, task.evidence.model.DoesNotExist):
        raise Http404("not found") from None


@extend_schema_view(list=extend_schema(summary="任务动态（时间线）"))
class TaskEventViewSet(TaskRecordsViewSet):
    serializer_class = s.TaskEventSerializer
    ordering_fields = ["at", "id"]

    def get_records(self, task):
        return task.events.select_related("actor").order_by("at", "id")


class PassthroughRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file's own type; errors are still JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


class EvidenceDownloadView(APIView):
    renderer_classes = [renderers.JSONRenderer, PassthroughRenderer]

    @extend_schema(
        summary="下载佐证材料（附件）",
        operation_id="evidence_download",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description=_("文件内容"))},
    )
    def get(self, request, pk):
        evidence = access_evidence(request.user, pk)
        try:
            stored = evidence.file.open("rb")
        except OSError:
            raise Http404("evidence file missing from storage") from None
        response = FileResponse(
            stored, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
