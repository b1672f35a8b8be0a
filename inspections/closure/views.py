"""The closure pages: acceptance, public notice and objections, confirmation before a signature, extensions,
the 销号审批表 (print page and PDF), the 销号报备 list, 回头看 and batch actions. Thin callers of the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import workflow
from ..access import (
    RECORD_CLOSURE,
    VIEW_FILING,
    access_round,
    access_task,
    can_record_closure,
    can_request_extension,
    require,
    visible_tasks,
)
from ..choices import ObjectionDecision
from ..errors import ServiceError
from ..models import DeadlineExtension, LookbackCheck, LookbackRound, NoticeObjection
from . import filing, selectors, services
from .forms import (
    AcceptanceForm,
    BatchForm,
    ConfirmForm,
    ExtensionDecisionForm,
    ExtensionForm,
    LookbackForm,
    LookbackRecordForm,
    NoticeForm,
    ObjectionDecisionForm,
    ObjectionForm,
)


def _errors(form, exc) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _task(request, pk):
    return access_task(request.user, pk)


@login_required
def closure_panel(request, pk):
    """The task page's 销号流程 card (loaded by htmx): the chain, each step's record, extensions and objections."""
    task = _task(request, pk)
    context = {
        "task": task,
        "record": selectors.closure_record(task),
        "can_record": can_record_closure(request.user),
        "can_extend": can_request_extension(request.user, task) and task.status in ("not_started", "in_progress"),
        "extension_form": ExtensionForm(),
        "objection_form": ObjectionForm(),
        "decision_form": ObjectionDecisionForm(),
        "extension_decision_form": ExtensionDecisionForm(),
        "pending": ObjectionDecision.PENDING,
    }
    return render(request, "inspections/closure/_panel.html", context)


@login_required
def acceptance(request, pk):
    task = _task(request, pk)
    require(request.user, RECORD_CLOSURE)
    form = AcceptanceForm(request.POST or None, request.FILES or None, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.acceptance_record(
                actor=request.user,
                task=task,
                checked_on=d["checked_on"],
                acceptors=form.acceptors(),
                conclusion=d["conclusion"],
                opinion=d["opinion"],
                standards=form.standards(),
                report_files=d["report"],
                expected_version=d["version"],
            )
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已登记验收记录。"))
            return redirect(task)
    return render(
        request, "inspections/closure/acceptance.html", {"task": task, "form": form}, status=400 if form.errors else 200
    )


@login_required
def notice(request, pk):
    task = _task(request, pk)
    require(request.user, RECORD_CLOSURE)
    form = NoticeForm(request.POST or None, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.notice_start(
                actor=request.user,
                task=task,
                where=d["where"],
                link=d["link"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                expected_version=d["version"],
            )
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已开始公示。"))
            return redirect(task)
    return render(
        request, "inspections/closure/notice.html", {"task": task, "form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def objection(request, pk):
    task = _task(request, pk)
    notice = task.notices.order_by("-created_at").first()
    form = ObjectionForm(request.POST)
    if notice is None:
        raise Http404
    if form.is_valid():
        try:
            services.objection_record(actor=request.user, notice=notice, **form.cleaned_data)
            messages.success(request, _("已登记公示异议。"))
        except (ServiceError, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    else:
        messages.error(request, _("请填写异议内容。"))
    return redirect(task)


@login_required
@require_POST
def objection_decide(request, pk):
    objection_row = get_object_or_404(NoticeObjection.objects.select_related("notice__task"), pk=pk)
    task = _task(request, objection_row.notice.task_id)
    form = ObjectionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_decide(actor=request.user, objection=objection_row, **form.cleaned_data)
            messages.success(request, _("已处理公示异议。"))
        except (ServiceError, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    else:
        messages.error(request, _("请填写处理意见。"))
    return redirect(task)


@login_required
def confirm(request, pk, action):
    """审签 / 复核 / 销号报备 / 长期坚持: a page that shows what is signed, asks for an optional comment, then acts."""
    task = _task(request, pk)
    if action not in services.CONFIRMED_ACTIONS:
        raise Http404
    form = ConfirmForm(request.POST or None, initial={"version": task.version})
    refusal = None
    try:
        workflow.check(request.user, task, action)
    except ServiceError as exc:
        refusal = exc.message
    if request.method == "POST" and form.is_valid():
        try:
            services.step_confirm(
                actor=request.user,
                task=task,
                action=action,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已%(action)s。") % {"action": workflow.ACTION_LABELS[action]})
            return redirect(task)
    context = {
        "task": task,
        "form": form,
        "action": action,
        "label": workflow.ACTION_LABELS[action],
        "refusal": refusal,
        "record": selectors.closure_record(task),
    }
    return render(request, "inspections/closure/confirm.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def extension_request(request, pk):
    task = _task(request, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(actor=request.user, task=task, **form.cleaned_data)
            messages.success(request, _("已提交延期申请，等待督察办审批。"))
        except (ServiceError, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    else:
        messages.error(request, _("请填写调整后期限和延期理由。"))
    return redirect(task)


@login_required
@require_POST
def extension_decide(request, pk):
    extension = get_object_or_404(DeadlineExtension, pk=pk)
    task = _task(request, extension.task_id)
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_decide(actor=request.user, extension=extension, **form.cleaned_data)
            messages.success(request, _("已审批延期申请。"))
        except (ServiceError, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    return redirect(task)


@login_required
def filing_sheet(request, pk):
    """销号审批表: the print page (the browser prints it), ?format=pdf (LibreOffice's PDF of the same page) or
    ?format=docx (a Word form built with python-docx)."""
    require(request.user, VIEW_FILING)
    task = _task(request, pk)
    context = {"task": task, "record": selectors.closure_record(task)}
    if request.GET.get("format") == "docx":
        return FileResponse(
            filing.sheet_docx(task, context["record"]),
            as_attachment=True,
            filename=f"销号审批表-{task.code}.docx",
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    if request.GET.get("format") == "pdf":
        pdf = filing.sheet_pdf(request, context)
        return FileResponse(
            pdf, as_attachment=True, filename=f"销号审批表-{task.code}.pdf", content_type="application/pdf"
        )
    return render(request, "inspections/closure/filing_sheet.html", context)


@login_required
def filing_list(request, round_pk):
    """销号报备清单 of a round (xlsx in the ledger's style)."""
    require(request.user, VIEW_FILING)
    inspection_round = access_round(request.user, round_pk)
    tasks = selectors.filing_list(user=request.user, inspection_round=inspection_round)
    data = filing.filing_list_xlsx(inspection_round, tasks)
    return FileResponse(
        data,
        as_attachment=True,
        filename=f"销号报备清单-{inspection_round.name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def lookback_list(request):
    require(request.user, RECORD_CLOSURE)
    form = LookbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            lookback = services.lookback_draw(
                actor=request.user,
                name=d["name"],
                percentage=d["percentage"] if not d["task_ids"] else None,
                seed=d["seed"],
                task_ids=d["task_ids"],
            )
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            return redirect("inspections:closure_lookback", lookback.pk)
    context = {"form": form, "lookbacks": selectors.lookback_rounds()}
    return render(request, "inspections/closure/lookback_list.html", context, status=400 if form.errors else 200)


@login_required
def lookback_detail(request, pk):
    require(request.user, RECORD_CLOSURE)
    lookback = get_object_or_404(LookbackRound, pk=pk)
    context = {"lookback": lookback, "checks": selectors.lookback_checks(lookback), "form": LookbackRecordForm()}
    return render(request, "inspections/closure/lookback_detail.html", context)


@login_required
@require_POST
def lookback_record(request, pk):
    require(request.user, RECORD_CLOSURE)
    check = get_object_or_404(LookbackCheck, pk=pk)
    form = LookbackRecordForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.lookback_record(actor=request.user, check=check, **form.cleaned_data)
            messages.success(request, _("已登记回头看复查结论。"))
        except (ServiceError, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [getattr(exc, "message", str(exc))])))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("inspections:closure_lookback", check.lookback_id)


@login_required
@require_POST
def batch(request):
    """Batch actions from the task list: each task through the same service, one by one; the result page lists
    which succeeded and why each other one was refused."""
    form = BatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请勾选任务并选择批量操作。"))
        return redirect("inspections:task_list")
    d = form.cleaned_data
    results = services.batch_apply(
        actor=request.user, task_ids=d["tasks"], action=d["action"], comment=d["comment"], where=d["where"]
    )
    context = {
        "results": results,
        "label": services.BATCH_LABELS[d["action"]],
        "succeeded": sum(r.ok for r in results),
        "refused": sum(not r.ok for r in results),
    }
    return render(request, "inspections/closure/batch_result.html", context)


def visible(request):
    return visible_tasks(request.user)
