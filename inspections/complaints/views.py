"""Pages of complaint cases: the list (filters, pagination), the case page with its forms, the import with a
preview, the daily report with the rates, and the disclosure list's download. Thin callers of the services."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..access import (
    IMPORT_COMPLAINTS,
    MANAGE_COMPLAINTS,
    VIEW_COMPLAINT_REPORTS,
    access_round,
    can_manage_complaints,
    can_report_case,
    can_see_complainant,
    can_view_complaint_reports,
    require,
    visible_rounds,
)
from ..errors import ServiceError
from ..ledger.services import LedgerRefused, check_upload, discard, stage_upload, staged
from ..views.tasks import PER_PAGE_CHOICES, apply_service_errors, per_page_from
from . import selectors, services, workflow
from .figures import handling_sentence
from .filtersets import batches_for
from .forms import (
    CaseAssignForm,
    CaseFollowUpForm,
    CaseForm,
    CaseInvestigationForm,
    CaseToTaskForm,
    CaseTransitionForm,
)
from .importer import run_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def complaint_list(request):
    filterset = selectors.case_filterset(user=request.user, filters=request.GET, request=request)
    cases = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
    for name in ("round", "pollution_type", "verdict", "lead_unit"):
        filterset.form.fields[name].widget.attrs["class"] = "form-select form-select-sm"
    per_page = per_page_from(request)
    page = Paginator(cases, per_page).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "per_page": per_page,
        "per_page_choices": PER_PAGE_CHOICES,
        "total": page.paginator.count,
        "today": timezone.localdate(),
        "can_manage": can_manage_complaints(request.user),
        "can_view_reports": can_view_complaint_reports(request.user),
        "batches": batches_for(request.user),
    }
    if request.htmx and request.htmx.target == "case-table":
        return render(request, "inspections/complaints/_table.html", context)
    return render(request, "inspections/complaints/list.html", context)


def _detail_context(request, case, **forms):
    user = request.user
    initial = {"version": case.version}
    investigation_initial = {
        name: getattr(case, name)
        for name in (
            "investigation",
            "verdict",
            "needs_rectification",
            "handling",
            "accountability",
            "disclosure_text",
            *CaseInvestigationForm.COUNT_FIELDS,
        )
    }
    may_report = can_report_case(user, case) and workflow.find(workflow.Action.REPORT, case.status) is not None
    may_make_task = True
    try:
        services.check_can_make_task(user, case)
    except ServiceError:
        may_make_task = False
    return {
        "case": case,
        "show_complainant": can_see_complainant(user),
        "can_manage": can_manage_complaints(user),
        "can_edit": can_manage_complaints(user) and case.status != workflow.S.SIGNED_OFF,
        "can_assign": can_manage_complaints(user) and case.status in (workflow.S.RECEIVED, workflow.S.INVESTIGATING),
        "can_report": may_report,
        "can_follow_up": can_manage_complaints(user)
        and case.status in (workflow.S.STAGE_DONE, workflow.S.DONE, workflow.S.SIGNED_OFF),
        "can_make_task": may_make_task,
        "actions": [
            {"action": t.action, "label": workflow.ACTION_LABELS[t.action], "needs_reason": t.needs_reason}
            for t in workflow.available_actions(user, case)
        ],
        "timeline": selectors.case_timeline(case),
        "cooperating_units": case.cooperating_units.all(),
        "repeats": case.repeats.select_related("batch"),
        "tasks": case.finding.tasks.all() if case.finding_id else [],
        "assign_form": forms.get("assign_form")
        or CaseAssignForm(
            initial={
                **initial,
                "lead_unit": case.lead_unit_id,
                "cooperating_units": [u.pk for u in case.cooperating_units.all()],
            }
        ),
        "investigation_form": forms.get("investigation_form")
        or CaseInvestigationForm(initial={**initial, **investigation_initial}),
        "transition_form": forms.get("transition_form") or CaseTransitionForm(initial=initial),
        "follow_up_form": forms.get("follow_up_form")
        or CaseFollowUpForm(initial={**initial, "on": timezone.localdate()}),
        "to_task_form": forms.get("to_task_form")
        or CaseToTaskForm(initial={**initial, "lead_unit": case.lead_unit_id, "measures": case.handling}),
        "handling_sentence": handling_sentence(
            {name: getattr(case, name) for name in CaseInvestigationForm.COUNT_FIELDS}
        ),
    }


def _case_form_page(request, form, case=None, status=200):
    return render(request, "inspections/complaints/form.html", {"form": form, "case": case}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_add(request):
    """Register one case by hand (bureau staff): into batch N of a round, through complaints.services.case_add."""
    require(request.user, MANAGE_COMPLAINTS)
    rounds = visible_rounds(request.user).order_by("-feedback_date", "-pk")
    form = CaseForm(request.POST or None, rounds=rounds)
    if request.method == "GET":
        return _case_form_page(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_add(
                actor=request.user,
                inspection_round=data["inspection_round"],
                batch_number=data["batch_number"],
                received_on=data["received_on"],
                **form.service_fields(),
            )
        except (ServiceError, ValidationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记交办件 %(code)s。") % {"code": case.code})
            return redirect(case.get_absolute_url())
    else:
        form.apply_error_classes()
    return _case_form_page(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_edit(request, pk):
    """Correct a case's intake data by hand (bureau staff), through complaints.services.case_update."""
    case = _case(request, pk)
    require(request.user, MANAGE_COMPLAINTS)
    if request.method == "GET":
        initial = {name: getattr(case, name) for name in services.INTAKE_FIELDS}
        form = CaseForm(initial={**initial, "version": case.version}, editing=True)
        return _case_form_page(request, form, case)
    form = CaseForm(request.POST, editing=True)
    if form.is_valid():
        try:
            services.case_update(
                actor=request.user, case=case, expected_version=form.cleaned_data["version"], **form.service_fields()
            )
        except (ServiceError, ValidationError) as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(case.get_absolute_url())
    else:
        form.apply_error_classes()
    return _case_form_page(request, form, case, status=getattr(form, "status", 400))


def _case(request, pk):
    return selectors.case_detail(user=request.user, case_id=pk)


@login_required
@require_GET
def complaint_detail(request, pk):
    case = _case(request, pk)
    return render(request, "inspections/complaints/detail.html", _detail_context(request, case))


def _post(request, pk, form_class, form_name, call):
    """Validate the form, call the service, redirect to the case; on an error show the page with the form."""
    case = _case(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
        except (ServiceError, ValidationError) as exc:
            apply_service_errors(form, exc)
        else:
            return redirect(case.get_absolute_url())
    else:
        form.apply_error_classes()
    case = _case(request, pk)
    return render(
        request, "inspections/complaints/detail.html", _detail_context(request, case, **{form_name: form}), status=400
    )


@login_required
@require_POST
def complaint_assign(request, pk):
    def call(case, data):
        services.case_assign(
            actor=request.user,
            case=case,
            lead_unit=data["lead_unit"],
            cooperating_units=list(data["cooperating_units"]),
            expected_version=data["version"],
        )
        messages.success(request, _("已转办至 %(unit)s。") % {"unit": data["lead_unit"].name})

    return _post(request, pk, CaseAssignForm, "assign_form", call)


@login_required
@require_POST
def complaint_investigation(request, pk):
    def call(case, data):
        counts = {name: data.get(name) for name in CaseInvestigationForm.COUNT_FIELDS}
        services.case_report_investigation(
            actor=request.user,
            case=case,
            investigation=data["investigation"],
            verdict=data["verdict"],
            needs_rectification=data["needs_rectification"],
            handling=data["handling"],
            accountability=data["accountability"],
            disclosure_text=data["disclosure_text"],
            expected_version=data["version"],
            **counts,
        )
        messages.success(request, _("调查结果已报送。"))

    return _post(request, pk, CaseInvestigationForm, "investigation_form", call)


@login_required
@require_POST
def complaint_transition(request, pk):
    def call(case, data):
        services.case_transition(
            actor=request.user,
            case=case,
            action=data["action"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        messages.success(request, workflow.ACTION_LABELS.get(data["action"], data["action"]))

    return _post(request, pk, CaseTransitionForm, "transition_form", call)


@login_required
@require_POST
def complaint_follow_up(request, pk):
    def call(case, data):
        services.case_follow_up(
            actor=request.user,
            case=case,
            result=data["result"],
            on=data["on"],
            note=data["note"],
            expected_version=data["version"],
        )
        messages.success(request, _("回访结果已登记。"))

    return _post(request, pk, CaseFollowUpForm, "follow_up_form", call)


@login_required
@require_POST
def complaint_to_task(request, pk):
    created = {}

    def call(case, data):
        created["finding"] = services.case_to_task(
            actor=request.user,
            case=case,
            lead_unit=data["lead_unit"],
            deadline_text=data["deadline_text"],
            measures=data["measures"],
            expected_version=data["version"],
        )
        messages.success(request, _("已转为整改任务。"))

    return _post(request, pk, CaseToTaskForm, "to_task_form", call)


def _import_context(request, **extra):
    return {"rounds": visible_rounds(request.user).order_by("name"), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def complaint_import(request):
    """Upload, then the preview (the import run and rolled back): rows, batches, repeats, every error."""
    require(request.user, IMPORT_COMPLAINTS)
    if request.method == "GET":
        return render(request, "inspections/complaints/import.html", _import_context(request))
    upload = request.FILES.get("file")
    round_id = request.POST.get("round") or None
    context = _import_context(request, round_id=round_id)
    if upload is None:
        context["refusal"] = _("请选择要导入的交办件清单（.xlsx）。")
        return render(request, "inspections/complaints/import.html", context, status=400)
    try:
        default_round = access_round(request.user, round_id) if round_id else None
        check_upload(upload.name, upload.size)
    except LedgerRefused as exc:
        context["refusal"] = exc.message
        return render(request, "inspections/complaints/import.html", context, status=400)
    token, path = stage_upload(upload, user=request.user, round_id=default_round.pk if default_round else None)
    try:
        plan = run_import(path, actor=request.user, default_round=default_round, dry_run=True)
    except LedgerRefused as exc:
        discard(token)
        context["refusal"] = exc.message
        return render(request, "inspections/complaints/import.html", context, status=400)
    if not plan.ok:
        discard(token)
    context.update({"plan": plan, "token": token if plan.ok else "", "file_name": upload.name})
    return render(request, "inspections/complaints/import.html", context, status=200 if plan.ok else 400)


@login_required
@require_POST
def complaint_import_confirm(request):
    require(request.user, IMPORT_COMPLAINTS)
    found = staged(request.POST.get("token", ""), user=request.user)
    if found is None:
        raise Http404("no such upload")
    path, meta = found
    default_round = access_round(request.user, meta["round"]) if meta.get("round") else None
    refusal = ""
    try:
        plan = run_import(path, actor=request.user, default_round=default_round)
    except LedgerRefused as exc:
        plan, refusal = None, exc.message
    finally:
        discard(request.POST.get("token", ""))
    context = _import_context(request, plan=plan, refusal=refusal, file_name=meta.get("name", ""), confirmed=True)
    ok = plan is not None and plan.written
    return render(request, "inspections/complaints/import.html", context, status=200 if ok else 400)


def _chosen_round(request):
    round_id = request.GET.get("round")
    if round_id:
        return access_round(request.user, round_id)
    latest = batches_for(request.user).order_by("-received_on", "-pk").first()
    return latest.round if latest else None


@login_required
@require_GET
def complaint_report(request):
    """The daily report to the inspection team, with the rates and the disclosure downloads."""
    require(request.user, VIEW_COMPLAINT_REPORTS)
    inspection_round = _chosen_round(request)
    day = parse_date(request.GET.get("day") or "") or timezone.localdate()
    context = {"inspection_round": inspection_round, "day": day, "rounds": visible_rounds(request.user)}
    if inspection_round is not None:
        report = selectors.daily_report(user=request.user, round_id=inspection_round.pk, day=day)
        context.update(
            report=report,
            handling_sentence=handling_sentence(report["handling"]),
            batches=batches_for(request.user).filter(round=inspection_round),
        )
    return render(request, "inspections/complaints/report.html", context)


@login_required
@require_GET
def complaint_disclosure(request):
    """The 公开一览表 of one batch (?batch=N) or of the whole stay, as xlsx."""
    require(request.user, VIEW_COMPLAINT_REPORTS)
    inspection_round = _chosen_round(request)
    if inspection_round is None:
        raise Http404("no complaints")
    try:
        batch_number = int(request.GET.get("batch") or 0) or None
    except ValueError:
        raise Http404("bad batch") from None
    buffer = BytesIO()
    services.disclosure_write(user=request.user, round_id=inspection_round.pk, batch_number=batch_number, target=buffer)
    buffer.seek(0)
    which = f"第{batch_number}批" if batch_number else "全部"
    name = f"交办件公开一览表-{which}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)
