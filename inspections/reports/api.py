"""The dispatch report in the API: list, detail, request one for a date, download its workbook."""

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import decorators, mixins, renderers, serializers, status, viewsets
from rest_framework.response import Response

from ..access import access_report, visible_reports
from ..api.views import PassthroughRenderer
from ..choices import JobStatus
from ..limits import DAY_VALIDATORS
from ..models import DispatchReport
from .services import dispatch_report_request, report_file


class DispatchReportSerializer(serializers.ModelSerializer):
    """A weekly dispatch report (周调度通报): its status, narrative, figures and the workbook's link."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    figures = serializers.JSONField(source="data", read_only=True, help_text="通报数据：各轮次、各单位、逾期与临期清单")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DispatchReport
        fields = [
            "id",
            "report_date",
            "status",
            "status_display",
            "narrative",
            "figures",
            "error",
            "created_at",
            "finished_at",
            "emailed_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, report) -> str | None:
        if report.status != JobStatus.DONE:
            return None
        request = self.context.get("request")
        url = reverse("api:report-download", args=[report.pk])
        return request.build_absolute_uri(url) if request else url


class DispatchReportRequestSerializer(serializers.Serializer):
    report_date = serializers.DateField(
        help_text="截至日期（不晚于今天）；该日期的通报已存在时直接返回", validators=DAY_VALIDATORS
    )


@extend_schema_view(
    list=extend_schema(summary="调度通报列表（督察办、领导）"),
    retrieve=extend_schema(summary="调度通报详情：摘要与各项数据"),
)
class DispatchReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Weekly dispatch reports: bureau staff, leaders and admins read them; others see none (404)."""

    serializer_class = DispatchReportSerializer
    ordering_fields = ["report_date", "created_at"]
    ordering = ["-report_date"]

    def get_queryset(self):
        return visible_reports(self.request.user).order_by("-report_date")

    def get_object(self):
        return access_report(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="生成某日的调度通报（督察办，后台生成）",
        request=DispatchReportRequestSerializer,
        responses={202: DispatchReportSerializer, 200: DispatchReportSerializer},
    )
    def create(self, request):
        data = DispatchReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, queued = dispatch_report_request(actor=request.user, day=data.validated_data["report_date"])
        report.refresh_from_db()
        body = self.get_serializer(report).data
        return Response(body, status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK)

    @extend_schema(
        summary="下载调度通报工作簿（附件）",
        operation_id="report_download",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description=_("xlsx 文件"))},
    )
    @decorators.action(
        detail=True,
        methods=["get"],
        url_path="download",
        url_name="download",
        renderer_classes=[renderers.JSONRenderer, PassthroughRenderer],
    )
    def download(self, request, pk=None):
        report = self.get_object()
        path = report_file(report) if report.file_path else None
        if report.status != JobStatus.DONE or path is None or not path.is_file():
            raise Http404("report file not ready")
        return FileResponse(path.open("rb"), as_attachment=True, filename=report.file_name)
