"""Dispatch reports (周调度通报): list, page (printable), workbook download, and on-demand generation.

Bureau staff, leaders and admins only (access.can_view_reports); anyone else gets a 404, as for a
task that is not theirs. Generation runs in Celery; the page polls the status until it is done.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from ..access import REQUEST_REPORTS, access_report, can_request_reports, can_view_reports, require, visible_reports
from ..choices import JobStatus
from .forms import DispatchReportForm
from .services import dispatch_report_request, report_file


def _require_reports(user) -> None:
    if not can_view_reports(user):
        raise Http404("not found")


@login_required
@require_http_methods(["GET"])
def report_list(request):
    _require_reports(request.user)
    reports = visible_reports(request.user).select_related("requested_by")[:200]
    return render(
        request,
        "inspections/reports/list.html",
        {
            "reports": reports,
            "form": DispatchReportForm(),
            "can_generate": can_request_reports(request.user),
        },
    )


@login_required
@require_http_methods(["GET"])
def report_detail(request, pk):
    report = access_report(request.user, pk)
    if request.htmx and report.status == JobStatus.DONE:
        # The status poll saw the build finish: htmx reloads the page (HX-Refresh), which then shows the
        # report. A header, not an inline <script>, because the Content-Security-Policy blocks those.
        return HttpResponseClientRefresh()
    template = "inspections/reports/_status.html" if request.htmx else "inspections/reports/detail.html"
    return render(
        request,
        template,
        {
            "report": report,
            "data": report.data,
            "bureau_name": settings.BUREAU_NAME,
            "busy": report.status in (JobStatus.PENDING, JobStatus.RUNNING),
        },
    )


@login_required
@require_http_methods(["GET"])
def report_download(request, pk):
    report = access_report(request.user, pk)
    path = report_file(report) if report.file_path else None
    if report.status != JobStatus.DONE or path is None or not path.is_file():
        raise Http404("not found")
    return FileResponse(path.open("rb"), as_attachment=True, filename=report.file_name)


@login_required
@require_POST
def report_generate(request):
    _require_reports(request.user)
    require(request.user, REQUEST_REPORTS)
    form = DispatchReportForm(request.POST)
    if not form.is_valid():
        reports = visible_reports(request.user).select_related("requested_by")[:200]
        return render(
            request,
            "inspections/reports/list.html",
            {"reports": reports, "form": form, "can_generate": True},
            status=400,
        )
    report, queued = dispatch_report_request(actor=request.user, day=form.cleaned_data["report_date"])
    if queued:
        messages.success(
            request, _("已开始生成截至 %(day)s 的调度通报，完成后会通知您。") % {"day": report.report_date}
        )
    else:
        messages.info(request, _("截至 %(day)s 的调度通报已存在。") % {"day": report.report_date})
    return redirect(report)
