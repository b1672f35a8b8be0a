"""Pages of supervision: the 督办 list and detail (reply, outcome, document, print), issuing, the 督办建议
list, and the units' ranking (考核) with its xlsx. Thin callers of access, selectors and services."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..access import (
    COMPUTE_SCORES,
    HANDLE_SUGGESTIONS,
    ISSUE_SUPERVISION,
    access_action,
    access_suggestion,
    access_timeline_unit,
    can_issue_supervision,
    can_reply_supervision,
    can_view_scores,
    can_view_supervision,
    led_within,
    require,
    visible_tasks,
)
from ..choices import DOCUMENT_KINDS, AssessmentMetric, LookbackVerdict, PeriodKind, SupervisionKind
from ..errors import ServiceError
from ..models import RectificationTask
from . import selectors, services
from .documents import document_context, document_filename
from .forms import ActionIssueForm, DismissForm, OutcomeForm, PeriodForm, ReplyForm
from .scoring import period_bounds, period_label, scores_store
from .xlsx import ranking_workbook

PAGE_SIZE = 50


def _require_list(user):
    if not can_view_supervision(user):
        raise Http404("not found")


def _apply_errors(form, exc: ValidationError | ServiceError):
    if isinstance(exc, ServiceError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@login_required
@require_http_methods(["GET"])
def action_list(request):
    _require_list(request.user)
    filterset = selectors.action_filterset(user=request.user, filters=request.GET)
    actions = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else filterset.queryset.none()
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/supervision/list.html",
        {
            "filterset": filterset,
            "page": page,
            "today": timezone.localdate(),
            "can_issue": can_issue_supervision(request.user),
            "kinds": SupervisionKind.choices,
        },
    )


@login_required
@require_http_methods(["GET"])
def action_detail(request, pk):
    action = access_action(request.user, pk)
    return render(
        request,
        "inspections/supervision/detail.html",
        {
            "action": action,
            "tasks": selectors.action_tasks(action),
            "files": action.reply_files.all(),
            "today": timezone.localdate(),
            "can_reply": can_reply_supervision(request.user, action),
            "can_record": can_issue_supervision(request.user),
            "reply_form": ReplyForm(),
            "outcome_form": OutcomeForm(initial={"outcome": action.outcome, "minutes": action.minutes}),
            "has_document": action.kind in DOCUMENT_KINDS,
        },
    )


def _issue_task_queryset(user, unit_id=None, task_ids=()):
    tasks = visible_tasks(user).select_related("finding", "lead_unit")
    shown = RectificationTask.objects.none()
    unit_id = str(unit_id) if unit_id is not None and str(unit_id).isdigit() else None
    if unit_id:
        from accounts.models import Unit

        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is not None:
            shown = tasks.incomplete().filter(led_within(unit)).order_by("finding__number", "number")[:300]
    ids = {*task_ids, *shown.values_list("pk", flat=True)} if unit_id else set(task_ids)
    return tasks.filter(pk__in=ids).order_by("finding__number", "number")


@login_required
@require_http_methods(["GET", "POST"])
def action_issue(request):
    require(request.user, ISSUE_SUPERVISION)
    suggestion = None
    suggestion_id = request.POST.get("suggestion") or request.GET.get("suggestion")
    if suggestion_id:
        suggestion = access_suggestion(request.user, suggestion_id)
    if request.method == "POST":
        form = ActionIssueForm(request.POST, task_queryset=visible_tasks(request.user).select_related("finding"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                action = services.action_issue(
                    actor=request.user,
                    kind=data["kind"],
                    target_unit=data["target_unit"],
                    tasks=data["tasks"],
                    title=data["title"],
                    body=data["body"],
                    issued_on=data["issued_on"],
                    reply_due=data["reply_due"],
                    target_person=data["target_person"],
                    target_position=data["target_position"],
                    interview_at=data["interview_at"],
                    interview_place=data["interview_place"],
                    attendees=data["attendees"],
                    measure=data["measure"],
                    deciding_body=data["deciding_body"],
                    suggestion=suggestion,
                )
            except (ValidationError, ServiceError) as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已下发 %(doc)s。") % {"doc": action.doc_number})
                return redirect(action.get_absolute_url())
        form.apply_error_classes()
        task_ids = [int(t) for t in request.POST.getlist("tasks") if t.isdigit()]
        form.fields["tasks"].queryset = _issue_task_queryset(request.user, request.POST.get("target_unit"), task_ids)
    else:
        initial = {"issued_on": timezone.localdate(), "kind": request.GET.get("kind") or SupervisionKind.NOTICE}
        if suggestion is not None:
            initial.update(services.suggestion_prefill(suggestion))
        elif request.GET.get("task"):
            task = visible_tasks(request.user).filter(pk=request.GET["task"]).first()
            if task is not None:
                initial.update({"tasks": [task.pk], "target_unit": task.lead_unit_id})
        if request.GET.get("target_unit"):
            initial["target_unit"] = request.GET["target_unit"]
        form = ActionIssueForm(
            initial=initial,
            task_queryset=_issue_task_queryset(request.user, initial.get("target_unit"), initial.get("tasks", ())),
        )
    return render(request, "inspections/supervision/issue.html", {"form": form, "suggestion": suggestion})


@login_required
@require_http_methods(["GET"])
def action_issue_tasks(request):
    """The issue form's task choices for the target unit chosen (htmx swaps them in when the unit changes)."""
    require(request.user, ISSUE_SUPERVISION)
    unit_id = request.GET.get("target_unit")
    form = ActionIssueForm(initial={"target_unit": unit_id}, task_queryset=_issue_task_queryset(request.user, unit_id))
    return render(request, "inspections/supervision/_issue_tasks.html", {"form": form})


@login_required
@require_POST
def action_reply(request, pk):
    action = access_action(request.user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.action_reply(
                actor=request.user, action=action, text=form.cleaned_data["text"], files=form.cleaned_data["files"]
            )
        except (ValidationError, ServiceError) as exc:
            if getattr(exc, "status", 400) == 403:
                raise
            messages.error(request, "；".join(exc.messages if isinstance(exc, ValidationError) else [exc.message]))
        else:
            messages.success(request, _("回复已报送。"))
    else:
        messages.error(request, _("请填写回复内容。"))
    return redirect(action.get_absolute_url())


@login_required
@require_POST
def action_outcome(request, pk):
    action = access_action(request.user, pk)
    require(request.user, ISSUE_SUPERVISION)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        services.action_record_outcome(
            actor=request.user,
            action=action,
            outcome=form.cleaned_data["outcome"],
            minutes=form.cleaned_data["minutes"] if action.kind == SupervisionKind.INTERVIEW else None,
        )
        messages.success(request, _("办理结果已登记。"))
    else:
        messages.error(request, _("请填写办理结果。"))
    return redirect(action.get_absolute_url())


@login_required
@require_http_methods(["GET"])
def action_document(request, pk):
    action = access_action(request.user, pk)
    if action.kind not in DOCUMENT_KINDS:
        raise Http404("no document for this kind")
    if not action.document:
        from .documents import document_generate

        document_generate(action_id=action.pk)
        action.refresh_from_db()
    try:
        stored = action.document.open("rb")
    except OSError:
        raise Http404("document missing") from None
    return FileResponse(stored, as_attachment=True, filename=document_filename(action))


@login_required
@require_http_methods(["GET"])
def action_print(request, pk):
    action = access_action(request.user, pk)
    if action.kind not in DOCUMENT_KINDS:
        raise Http404("no document for this kind")
    return render(request, "inspections/supervision/print.html", {"action": action, "doc": document_context(action)})


@login_required
@require_http_methods(["GET"])
def reply_file_download(request, pk, file_pk):
    action = access_action(request.user, pk)
    reply_file = action.reply_files.filter(pk=file_pk).first()
    if reply_file is None:
        raise Http404("not found")
    try:
        stored = reply_file.file.open("rb")
    except OSError:
        raise Http404("file missing") from None
    response = FileResponse(stored, as_attachment=True, filename=reply_file.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET"])
def unit_timeline(request, unit_pk):
    """A unit's 督办 timeline: the actions addressed to it (issued, replied, outcome) and its tasks' events."""
    unit = access_timeline_unit(request.user, unit_pk)
    page = Paginator(selectors.unit_timeline(user=request.user, unit=unit), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/supervision/unit_timeline.html",
        {"unit": unit, "page": page, "entries": selectors.timeline_entries(page.object_list)},
    )


@login_required
@require_http_methods(["GET"])
def suggestion_list(request):
    require(request.user, HANDLE_SUGGESTIONS)
    page = Paginator(selectors.open_suggestions(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/supervision/suggestions.html", {"page": page, "dismiss_form": DismissForm()})


@login_required
@require_POST
def suggestion_dismiss(request, pk):
    suggestion = access_suggestion(request.user, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("驳回建议须说明理由。"))
        return redirect("inspections:supervision_suggestions")
    try:
        services.suggestion_dismiss(actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已驳回该建议。"))
    return redirect("inspections:supervision_suggestions")


def _period(request) -> tuple[str, date, date]:
    kind = request.GET.get("period_kind") or PeriodKind.QUARTER
    if kind not in PeriodKind.values:
        kind = PeriodKind.QUARTER
    try:
        day = date.fromisoformat(request.GET.get("period_start", ""))
    except ValueError:
        day = timezone.localdate()
    start, end = period_bounds(kind, day)
    return kind, start, end


@login_required
@require_http_methods(["GET"])
def ranking(request):
    if not can_view_scores(request.user):
        raise Http404("not found")
    kind, start, end = _period(request)
    scores = list(selectors.ranking(user=request.user, period_kind=kind, period_start=start))
    metrics = [m for m in AssessmentMetric.choices]
    rows = []
    for score in scores:
        items = score.breakdown.get("items", {})
        rows.append(
            {
                "score": score,
                "items": [
                    {
                        "metric": metric,
                        "label": label,
                        "value": items.get(metric, {}).get("value", ""),
                        "points": items.get(metric, {}).get("points", ""),
                        "url": _metric_url(metric, score.unit_id, start, end),
                    }
                    for metric, label in metrics
                ],
            }
        )
    return render(
        request,
        "inspections/supervision/ranking.html",
        {
            "rows": rows,
            "metrics": metrics,
            "form": PeriodForm(initial={"period_kind": kind, "period_start": start}),
            "period_kind": kind,
            "start": start,
            "end": end,
            "label": period_label(kind, start),
            "periods": [(s, period_label(kind, s)) for s in selectors.period_choices(kind)],
            "can_compute": can_issue_supervision(request.user),
        },
    )


def _metric_url(metric: str, unit_id: int, start: date, end: date) -> str:
    """Where a figure of the ranking comes from: the tasks or the actions behind it."""
    iso_start, iso_end = start.isoformat(), end.isoformat()
    if metric == AssessmentMetric.COMPLETION_RATE:
        return selectors.task_list_url(lead_unit=unit_id, as_of=iso_end)
    if metric == AssessmentMetric.ON_TIME_RATE:
        return selectors.task_list_url(lead_unit=unit_id, deadline_after=iso_start, deadline_before=iso_end)
    if metric == AssessmentMetric.OVERDUE_TASKS:
        return selectors.task_list_url(lead_unit=unit_id, as_of=iso_end, overdue="true")
    if metric in (AssessmentMetric.YELLOW_WARNINGS, AssessmentMetric.RED_WARNINGS):
        colour = "yellow" if metric == AssessmentMetric.YELLOW_WARNINGS else "red"
        return selectors.task_list_url(lead_unit=unit_id, warning=colour)
    if metric == AssessmentMetric.RELAPSES:
        return selectors.task_list_url(lead_unit=unit_id, lookback=LookbackVerdict.RELAPSE)
    kinds = {
        AssessmentMetric.SUPERVISION_RECEIVED: ["notice", "letter", "listed"],
        AssessmentMetric.INTERVIEWS: ["interview"],
        AssessmentMetric.ACCOUNTABILITY: ["accountability"],
    }
    if metric == AssessmentMetric.LATE_REPLIES:
        return selectors.action_list_url(target_unit=unit_id, reply_due_after=iso_start, reply_due_before=iso_end)
    return selectors.action_list_url(
        target_unit=unit_id, kind=kinds.get(metric, []), issued_after=iso_start, issued_before=iso_end
    )


@login_required
@require_POST
def ranking_compute(request):
    require(request.user, COMPUTE_SCORES)
    kind, start, end = _period(request)
    if end >= timezone.localdate():
        messages.warning(request, _("考核周期尚未结束，得分为截至今天的数据，周期结束后请重新计算。"))
    count = scores_store(kind=kind, start=start, end=end)
    messages.success(request, _("已计算 %(n)s 家单位的得分。") % {"n": count})
    return redirect(f"{request.path.rsplit('compute/', 1)[0]}?period_kind={kind}&period_start={start.isoformat()}")


@login_required
@require_http_methods(["GET"])
def ranking_export(request):
    if not can_view_scores(request.user):
        raise Http404("not found")
    kind, start, end = _period(request)
    scores = list(selectors.ranking(user=request.user, period_kind=kind, period_start=start))
    content = ranking_workbook(scores, title=period_label(kind, start), start=start, end=end)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"考核通报-{start.isoformat()}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
