"""The task list (filter, search, sort, paginate; htmx swaps the table) and the task page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from .. import services, workflow
from ..access import (
    access_evidence,
    access_task,
    can_manage,
    can_report_on,
    can_view_history,
    can_withdraw_evidence,
    is_leader,
    user_role,
)
from ..errors import ServiceError, StaleVersion
from ..forms import EvidenceForm, EvidenceWithdrawForm, ProgressForm, TransitionForm
from ..history import field_changes
from ..paging import list_page
from ..selectors import task_filterset, task_list_counts, task_queryset, task_timeline
from ..uploads import PREVIEW_TYPES
from .task_filters import (
    MULTI_FILTERS,
    SELECT_FILTERS,
    due_choices,
    extra_fields,
    filter_chips,
    multi_button_label,
    style_filter_form,
)

PER_PAGE_CHOICES = (10, 20, 50, 100)
BATCH_ACTIONS = (
    ("verify", _lazy("验收通过")),
    ("start_notice", _lazy("开始公示")),
    ("close", _lazy("审签")),
    ("remind", _lazy("催办")),
)
DEFAULT_PER_PAGE = 20


def per_page_from(request) -> int:
    try:
        value = int(request.GET.get("per_page", DEFAULT_PER_PAGE))
    except (TypeError, ValueError):
        return DEFAULT_PER_PAGE
    return value if value in PER_PAGE_CHOICES else DEFAULT_PER_PAGE


@login_required
def task_list(request):
    # The list does not show the responsible leader: no user row per task (issue 19).
    filterset = task_filterset(user=request.user, filters=request.GET, request=request, with_leader=False)
    # An unbound FilterSet (no filters in the URL) is "not valid" yet means "everything".
    tasks = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
    form = filterset.form
    style_filter_form(form)
    per_page = per_page_from(request)
    # One capped grouped count (total, complete, overdue), then the shown rows: never COUNT(*) over the world.
    counts = task_list_counts(tasks)
    page = list_page(tasks, request.GET, per_page=per_page, total=counts["total"], capped=counts["capped"])
    context = {
        "filterset": filterset,
        "page": page,
        "per_page": per_page,
        "per_page_choices": PER_PAGE_CHOICES,
        "counts": counts,
        "can_manage": can_manage(request.user),
        # Batch actions (closure feature): whoever verifies, signs or reminds; each task is checked one by one.
        "can_batch": can_manage(request.user) or is_leader(request.user),
        "batch_actions": BATCH_ACTIONS,
        "select_filters": SELECT_FILTERS,
        "multi_filters": [(form[name], multi_button_label(form[name])) for name in MULTI_FILTERS],
        "label_many": _("已选 %(n)s 项"),  # formatted by task-list.js as boxes are ticked
        "extra_fields": extra_fields(form),
        "chips": filter_chips(form, request),
        "due_choices": due_choices(form),
    }
    if request.htmx and request.htmx.target == "task-table":
        return render(request, "inspections/tasks/_table.html", context)
    return render(request, "inspections/tasks/list.html", context)


def task_for(request, pk):
    # Who verified and who signed off are shown on the page: joined here, so that the page's query count is the
    # same whatever the task's status (issue 19: 15 queries for a closed task, 13 for a not-started one).
    queryset = task_queryset(user=request.user).select_related("verified_by", "signed_off_by")
    return access_task(request.user, pk, queryset=queryset)


def _detail_context(request, task, **forms):
    user = request.user
    read_only = task.is_read_only
    role = user_role(user)
    may_report = not read_only and can_report_on(user, task)
    reportable = may_report and task.status in services.tasks.REPORTABLE_STATUSES
    # Evidence in the states the workflow allows for the role (not after a unit's closure request).
    evidence_open = not read_only and workflow.evidence_allowed(task.status, role)
    evidence = list(task.evidence.select_related("uploaded_by__unit", "withdrawn_by"))
    for e in evidence:
        e.can_withdraw = evidence_open and not e.is_withdrawn and can_withdraw_evidence(user, e, task)
        e.preview = (
            "" if e.content_type not in PREVIEW_TYPES else ("pdf" if e.content_type == "application/pdf" else "image")
        )
    actions = [
        {
            "action": t.action,
            "label": workflow.ACTION_LABELS[t.action],
            # A closure request below 100 % says why (the service refuses it without a reason).
            "needs_reason": t.needs_reason or (t.action == workflow.Action.SUBMIT and task.percent < 100),
            # The closure steps have their own page (closure feature): the acceptance record, the notice,
            # and a confirmation with an optional comment before a signature.
            "url": _closure_step_url(task, t.action),
        }
        for t in workflow.available_actions(user, task)
    ]
    initial = {"version": task.version}
    show_history = can_view_history(user)
    return {
        "task": task,
        # Who changed what and when, for bureau staff and admins: the task's and its finding's fields.
        "show_history": show_history,
        "history": field_changes(task, known=(task.lead_unit, task.verified_by, task.signed_off_by))
        if show_history
        else None,
        "finding_history": field_changes(task.finding) if show_history else None,
        "timeline": task_timeline(task),
        "evidence": evidence,
        "cooperating_units": task.cooperating_units.all(),
        "can_report": reportable,
        "can_add_evidence": may_report and evidence_open,
        "can_edit": can_manage(user) and not read_only,
        "actions": actions,
        "progress_form": forms.get("progress_form")
        or ProgressForm(initial={**initial, "percent": task.percent, "investment": task.investment}),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(initial=initial),
        "transition_form": forms.get("transition_form") or TransitionForm(initial=initial),
        "withdraw_form": forms.get("withdraw_form"),
        "failed_evidence": forms.get("failed_evidence"),
        "failed_action": forms.get("failed_action", ""),
        "max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
    }


# The page of each closure step (inspections/closure/urls.py, the same namespace): reversed by name, not imported.
CLOSURE_STEP_PAGES = {
    workflow.Action.VERIFY: "closure_acceptance",
    workflow.Action.START_NOTICE: "closure_notice",
    workflow.Action.CLOSE: "closure_confirm",
    workflow.Action.KEEP_LONG_TERM: "closure_confirm",
    workflow.Action.RECHECK: "closure_confirm",
    workflow.Action.FILE: "closure_confirm",
}


def _closure_step_url(task, action: str) -> str:
    name = CLOSURE_STEP_PAGES.get(action)
    if name is None:
        return ""
    if name == "closure_confirm":
        return reverse(f"inspections:{name}", args=[task.pk, action])
    return reverse(f"inspections:{name}", args=[task.pk])


@login_required
def task_detail(request, pk):
    task = task_for(request, pk)
    return render(request, "inspections/tasks/detail.html", _detail_context(request, task))


def apply_service_errors(form, exc) -> None:
    """Put a service's error on the form: a ValidationError's fields, or a ServiceError's message."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    form.apply_error_classes()


def _failed(request, task, form_name, form, exc=None, **extra):
    if exc is not None:
        apply_service_errors(form, exc)
    else:
        form.apply_error_classes()
    status = getattr(exc, "status", 400)
    task = task_for(request, task.pk)
    if isinstance(exc, StaleVersion):
        # Keep what the user typed, on the version now saved: the next submit applies it (not refused again).
        form.data = form.data.copy()
        form.data["version"] = str(task.version)
        form.add_error(None, _("页面已更新到最新版本，您填写的内容仍保留，请核对任务当前情况后再次提交。"))
    context = _detail_context(request, task, **{form_name: form}, **extra)
    shown = {
        "progress_form": context["can_report"],
        "evidence_form": context["can_add_evidence"],
        "withdraw_form": any(e.can_withdraw for e in context["evidence"] if e.pk == extra.get("failed_evidence")),
    }.get(form_name, bool(context["actions"]))
    if not shown:
        # The form's card is not on the page for this user: say why at the top instead.
        context["page_errors"] = [str(e) for errors in form.errors.values() for e in errors]
    return render(request, "inspections/tasks/detail.html", context, status=status)


@login_required
@require_POST
def task_progress(request, pk):
    task = task_for(request, pk)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return _failed(request, task, "progress_form", form)
    data = form.cleaned_data
    try:
        services.task_progress_add(
            actor=request.user,
            task=task,
            text=data["text"],
            percent=data["percent"],
            investment=data["investment"],
            expected_version=data["version"],
            reason=data.get("reason", ""),
        )
    except (ServiceError, ValidationError) as exc:
        return _failed(request, task, "progress_form", form, exc)
    messages.success(request, _("已报送整改进展。"))
    return redirect(task)


@login_required
@require_POST
def task_evidence(request, pk):
    task = task_for(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _failed(request, task, "evidence_form", form)
    data = form.cleaned_data
    try:
        saved = services.task_evidence_add(
            actor=request.user,
            task=task,
            files=data["files"],
            kind=data["kind"],
            description=data["description"],
            kinds=data["file_kinds"],
            descriptions=data["file_descriptions"],
            expected_version=data["version"],
        )
    except (ServiceError, ValidationError) as exc:
        return _failed(request, task, "evidence_form", form, exc)
    messages.success(request, _("已上传 %(n)d 份佐证材料。") % {"n": len(saved)})
    return redirect(task)


@login_required
@require_POST
def evidence_withdraw(request, pk):
    """Withdraw a mistaken evidence file with a reason; it stays listed, marked withdrawn, and in the timeline."""
    evidence = access_evidence(request.user, pk)  # another unit's file: 404
    task = task_for(request, evidence.task_id)
    form = EvidenceWithdrawForm(request.POST)
    if not form.is_valid():
        return _failed(request, task, "withdraw_form", form, failed_evidence=evidence.pk)
    try:
        services.evidence_withdraw(
            actor=request.user,
            evidence=evidence,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except (ServiceError, ValidationError) as exc:
        return _failed(request, task, "withdraw_form", form, exc, failed_evidence=evidence.pk)
    messages.success(request, _("已撤回佐证材料“%(name)s”。") % {"name": evidence.original_name})
    return redirect(task)


@login_required
@require_POST
def task_transition(request, pk):
    task = task_for(request, pk)
    form = TransitionForm(request.POST)
    action = request.POST.get("action", "")
    if not form.is_valid():
        return _failed(request, task, "transition_form", form, failed_action=action)
    data = form.cleaned_data
    try:
        services.task_transition(
            actor=request.user,
            task=task,
            action=data["action"],
            reason=data["reason"],
            expected_version=data["version"],
        )
    except (ServiceError, ValidationError) as exc:
        return _failed(request, task, "transition_form", form, exc, failed_action=action)
    label = workflow.ACTION_LABELS.get(data["action"], data["action"])
    messages.success(request, _("已%(action)s。") % {"action": label})
    return redirect(task)
