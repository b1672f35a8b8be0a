"""Pages of the ledger: export what a filtered task list shows, and import an inspectorate's list."""

from io import BytesIO
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import IMPORT_LEDGER, access_round, require, visible_rounds
from ..choices import JobStatus
from ..models import ExportJob, ImportJob
from ..selectors import task_filterset
from .export import export_filename, export_title, single_round_name, write_import_template, write_ledger
from .plan import preview_data
from .reader import LedgerRefused, check_upload
from .services import export_job_create, export_job_filename, import_job_create, job_file, ledger_import_plan
from .staging import discard, load_preview, save_preview, stage_upload, staged

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filename(tasks) -> str:
    return export_filename(single_round_name(tasks), timezone.localdate())


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
        return FileResponse(buffer, as_attachment=True, filename=_filename(tasks), content_type=XLSX)
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
    return FileResponse(path.open("rb"), as_attachment=True, filename=export_job_filename(job), content_type=XLSX)


def _require_manager(request) -> None:
    require(request.user, IMPORT_LEDGER)


def _chosen_round(request, value):
    if not value:
        return None
    return access_round(request.user, value)


PREVIEW_PAGE_ROWS = 50


def _as_of(value):
    """The page's 填报日期 field: a date, or None when empty; a bad value is refused."""
    from datetime import date

    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise LedgerRefused(_("填报日期格式应为 年-月-日，例如 2023-07-10。")) from None


def _preview_context(request, data: dict, token: str) -> dict:
    """One page of the rows the import would create and change (the same page number for both lists)."""
    number = request.GET.get("page") or 1
    creates = Paginator(data["creates"], PREVIEW_PAGE_ROWS).get_page(number)
    changes = Paginator(data["changes"], PREVIEW_PAGE_ROWS).get_page(number)
    pages = creates if creates.paginator.num_pages >= changes.paginator.num_pages else changes
    return {"preview": data, "creates": creates, "changes": changes, "pages": pages, "token": token}


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
    context.update({"round_id": round_id, "as_of_value": request.POST.get("as_of", "")})
    if upload is None:
        context["refusal"] = _("请选择要导入的台账文件（.xlsx）。")
        return render(request, "inspections/ledger/import.html", context, status=400)
    try:
        default_round = _chosen_round(request, round_id)
        as_of = _as_of(request.POST.get("as_of"))
        check_upload(upload.name, upload.size)
    except LedgerRefused as exc:
        context["refusal"] = exc.message
        return render(request, "inspections/ledger/import.html", context, status=400)
    token, path = stage_upload(
        upload,
        user=request.user,
        round_id=default_round.pk if default_round else None,
        as_of=as_of.isoformat() if as_of else "",
    )
    try:
        plan = ledger_import_plan(
            actor=request.user, path=path, file_name=upload.name, default_round=default_round, as_of=as_of
        )
    except LedgerRefused as exc:
        discard(token)
        context["refusal"] = exc.message
        return render(request, "inspections/ledger/import.html", context, status=400)
    data = preview_data(plan)
    if plan.ok:
        save_preview(token, data)
    else:
        discard(token)
    context.update(_preview_context(request, data, token if plan.ok else ""))
    context["file_name"] = upload.name
    return render(request, "inspections/ledger/import.html", context, status=200 if plan.ok else 400)


@login_required
@require_GET
def ledger_import_preview(request, token):
    """Another page of a preview (the rows to create and change), read from what the upload stored."""
    _require_manager(request)
    if staged(token, user=request.user) is None or (data := load_preview(token)) is None:
        raise Http404("no such upload")
    context = {"rounds": visible_rounds(request.user).order_by("name"), "file_name": data.get("file_name", "")}
    context.update(_preview_context(request, data, token))
    return render(request, "inspections/ledger/import.html", context)


@login_required
@require_POST
def ledger_import_confirm(request):
    """Write the previewed file (all rows or none), then redirect: a refresh never posts it again."""
    _require_manager(request)
    token = request.POST.get("token", "")
    found = staged(token, user=request.user)
    if found is None:
        raise Http404("no such upload")
    _path, meta = found
    data = load_preview(token) or {}
    params = {
        "round": meta.get("round"),
        "as_of": meta.get("as_of", ""),
        "accept": request.POST.getlist("accept"),
        "prefer_file": request.POST.get("prefer_file") == "on",
        "create_leaders": request.POST.get("create_leaders") == "on",
        "create_units": request.POST.getlist("create_unit"),
    }
    job = import_job_create(
        actor=request.user, token=token, file_name=meta.get("name", ""), rows=data.get("rows", 0), params=params
    )
    return redirect("inspections:ledger_import_job", pk=job.pk)


@login_required
@require_GET
def ledger_import_job(request, pk):
    """The result of a confirmed import, or its progress while Celery writes it (polled with htmx)."""
    _require_manager(request)
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    template = "inspections/ledger/_import_job_status.html" if request.htmx else "inspections/ledger/import_job.html"
    return render(request, template, {"job": job, "result": job.result or {}})


@login_required
@require_GET
def ledger_import_template(request):
    """导入模板: the export's header with one example row, for a bureau starting its ledger."""
    _require_manager(request)
    buffer = BytesIO()
    write_import_template(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="整改台账导入模板.xlsx", content_type=XLSX)
