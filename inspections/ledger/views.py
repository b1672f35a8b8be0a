"""Pages of the ledger: export what a filtered task list shows, and import an inspectorate's list."""

from io import BytesIO
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import IMPORT_LEDGER, access_round, require, visible_rounds
from ..choices import JobStatus
from ..models import ExportJob
from ..selectors import task_filterset
from .export import export_title, write_ledger
from .importer import plan_import, run_import
from .reader import LedgerRefused, check_upload
from .services import export_job_create, job_file
from .staging import discard, stage_upload, staged

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename() -> str:
    return f"整改台账-{timezone.localdate():%Y%m%d}.xlsx"


@login_required
@require_GET
def ledger_export(request):
    """The task list's query string in, its rows out: at once when small, through Celery when large."""
    filterset = task_filterset(user=request.user, filters=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        return render(request, "inspections/ledger/export_invalid.html", {"filterset": filterset}, status=400)
    tasks = filterset.qs
    total = tasks.count()
    if total <= settings.EXPORT_ASYNC_THRESHOLD:
        buffer = BytesIO()
        write_ledger(tasks, buffer, title=export_title(tasks))
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename=_filename(), content_type=XLSX)
    job = export_job_create(user=request.user, params=dict(request.GET.lists()), total=total)
    return redirect("inspections:ledger_export_job", pk=job.pk)


def _own_job(request, pk) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, user=request.user)


def _file_gone(job: ExportJob) -> bool:
    """A finished job whose file the daily clean-up deleted (or that is missing for any other reason)."""
    return job.status == JobStatus.DONE and (job.is_expired or job_file(job) is None)


@login_required
@require_GET
def ledger_export_job(request, pk):
    job = _own_job(request, pk)
    template = "inspections/ledger/_export_job_status.html" if request.htmx else "inspections/ledger/export_job.html"
    context = {
        "job": job,
        "done": job.status == JobStatus.DONE,
        "expired": _file_gone(job),
        "retention_days": settings.EXPORT_RETENTION_DAYS,
        # The same filters again: the owner gets what the expired file held, as of today.
        "export_again_url": f"{reverse('inspections:ledger_export')}?{urlencode(job.params or {}, doseq=True)}",
    }
    return render(request, template, context)


@login_required
@require_GET
def ledger_export_download(request, pk):
    job = _own_job(request, pk)
    if job.status != JobStatus.DONE:
        raise Http404("no file yet")
    path = None if job.is_expired else job_file(job)
    if path is None:
        return redirect("inspections:ledger_export_job", pk=job.pk)  # the page says the file expired
    return FileResponse(path.open("rb"), as_attachment=True, filename=_filename(), content_type=XLSX)


def _require_manager(request) -> None:
    require(request.user, IMPORT_LEDGER)


def _chosen_round(request, value):
    if not value:
        return None
    return access_round(request.user, value)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    """Upload, then a preview of what would be written; nothing is written here."""
    _require_manager(request)
    context = {"rounds": visible_rounds(request.user).order_by("name")}
    if request.method == "GET":
        return render(request, "inspections/ledger/import.html", context)
    upload = request.FILES.get("file")
    round_id = request.POST.get("round") or None
    context["round_id"] = round_id
    if upload is None:
        context["refusal"] = _("请选择要导入的台账文件（.xlsx）。")
        return render(request, "inspections/ledger/import.html", context, status=400)
    try:
        default_round = _chosen_round(request, round_id)
        check_upload(upload.name, upload.size)
    except LedgerRefused as exc:
        context["refusal"] = exc.message
        return render(request, "inspections/ledger/import.html", context, status=400)
    token, path = stage_upload(upload, user=request.user, round_id=default_round.pk if default_round else None)
    try:
        plan, _ctx = plan_import(path, default_round=default_round)
    except LedgerRefused as exc:
        discard(token)
        context["refusal"] = exc.message
        return render(request, "inspections/ledger/import.html", context, status=400)
    if not plan.ok:
        discard(token)
    context.update({"plan": plan, "token": token if plan.ok else "", "file_name": upload.name})
    return render(request, "inspections/ledger/import.html", context, status=200 if plan.ok else 400)


@login_required
@require_POST
def ledger_import_confirm(request):
    """Write the previewed file: all rows or none."""
    _require_manager(request)
    token = request.POST.get("token", "")
    found = staged(token, user=request.user)
    if found is None:
        raise Http404("no such upload")
    path, meta = found
    default_round = _chosen_round(request, meta.get("round"))
    try:
        plan = run_import(path, actor=request.user, default_round=default_round)
    except LedgerRefused as exc:
        plan = None
        refusal = exc.message
    else:
        refusal = ""
    finally:
        discard(token)
    context = {
        "plan": plan,
        "refusal": refusal,
        "file_name": meta.get("name", ""),
        "confirmed": True,
        "rounds": visible_rounds(request.user).order_by("name"),
    }
    ok = plan is not None and plan.written
    return render(request, "inspections/ledger/import.html", context, status=200 if ok else 400)
