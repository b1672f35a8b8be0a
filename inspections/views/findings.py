"""The finding form: register a finding and split it into N tasks in one go, edit it, add a task to it;
the deadline preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from .. import services
from ..access import ASSIGN_TASKS, access_finding, access_round, can_view_history, require
from ..deadlines import MAX_YEAR, MIN_YEAR, DeadlineParseError, format_deadline, parse_deadline
from ..errors import ServiceError
from ..forms import FindingForm, TaskRowForm, TaskRowFormSet
from ..history import field_changes
from .rounds import require_manager

TASK_FIELDS = ("lead_unit", "cooperating_units", "responsible_person", "goal", "measures", "deadline_text")


def _create(request, inspection_round, form, formset):
    data = {k: v for k, v in form.cleaned_data.items() if k != "number"}
    tasks = [{k: row.cleaned_data[k] for k in TASK_FIELDS} for row in formset.forms if row.cleaned_data]
    try:
        with transaction.atomic():
            return services.finding_create(
                actor=request.user,
                inspection_round=inspection_round,
                number=form.cleaned_data.get("number"),
                tasks=tasks,
                **data,
            )
    except ValidationError as exc:
        for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
            target = form if field in form.fields else None
            if target is None and formset.forms and field in formset.forms[0].fields:
                target = formset.forms[0]
            (target or form).add_error(field if target is not None else None, errors)
    except ServiceError as exc:
        form.add_error(None, exc.message)
    return None


@login_required
def finding_create(request, round_pk):
    require_manager(request.user)
    inspection_round = access_round(request.user, round_pk)
    form = FindingForm(request.POST or None, inspection_round=inspection_round)
    formset = TaskRowFormSet(request.POST or None, prefix="tasks", form_kwargs={"user": request.user})
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        finding = _create(request, inspection_round, form, formset)
        if finding:
            messages.success(
                request,
                _("已登记反馈问题 %(n)s，并交办 %(t)d 项整改任务。")
                % {"n": finding.number, "t": finding.tasks.count()},
            )
            return redirect("inspections:round_detail", pk=inspection_round.pk)
    form.apply_error_classes()
    for row in formset.forms:
        row.apply_error_classes()
    failed = bool(form.errors or formset.total_error_count())
    return render(
        request,
        "inspections/findings/form.html",
        {
            "round": inspection_round,
            "form": form,
            "formset": formset,
        },
        status=400 if failed else 200,
    )


def _assigned_on(request):
    """The assignment date the task edit form sends along (立行立改 counts from it); today otherwise."""
    try:
        day = parse_date(request.GET.get("assigned_on", ""))
    except ValueError:  # well-formed but no such day, e.g. 2025-02-30
        day = None
    return day if day and MIN_YEAR <= day.year <= MAX_YEAR else timezone.localdate()


@login_required
def deadline_preview(request):
    """The parsed date of a deadline text, as a snippet for htmx (shown beside the field as one types)."""
    text = next((v for k, v in request.GET.items() if k.endswith("deadline_text")), "").strip()
    context = {"text": text}
    if text:
        try:
            parsed = parse_deadline(text, assigned_on=_assigned_on(request))
        except DeadlineParseError as exc:
            context["error"] = str(exc)
        else:
            context["parsed"] = parsed
            context["deadline"] = format_deadline(parsed.deadline) if parsed.deadline else ""
            context["milestones"] = [format_deadline(d) for d in parsed.milestones]
    return render(request, "inspections/findings/_deadline_preview.html", context)


def _apply_validation_error(form, exc: ValidationError) -> None:
    for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def finding_edit(request, pk):
    """Edit a finding (bureau staff): its fields through finding_update, its tasks listed with a link to add one."""
    require_manager(request.user)
    finding = access_finding(request.user, pk)
    form = FindingForm(request.POST or None, instance=finding, inspection_round=finding.round)
    form.add_version()
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.finding_update(
                actor=request.user, finding=finding, expected_version=form.cleaned_data["version"], **fields
            )
        except ValidationError as exc:
            _apply_validation_error(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存反馈问题 %(n)s 的修改。") % {"n": fields["number"]})
            return redirect("inspections:finding_edit", pk=finding.pk)
    form.apply_error_classes()
    finding.refresh_from_db()  # the page shows the stored finding beside the posted form
    show_history = can_view_history(request.user)
    return render(
        request,
        "inspections/findings/edit.html",
        {
            "finding": finding,
            "round": finding.round,
            "form": form,
            "tasks": finding.tasks.select_related("lead_unit").order_by("number"),
            "show_history": show_history,
            "history": field_changes(finding) if show_history else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
def finding_task_add(request, pk):
    """Add one task to an existing finding (整改任务交办), through task_assign: numbered after the last one."""
    require(request.user, ASSIGN_TASKS)
    finding = access_finding(request.user, pk)
    form = TaskRowForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_assign(
                actor=request.user, finding=finding, **{k: form.cleaned_data[k] for k in TASK_FIELDS}
            )
        except ValidationError as exc:
            _apply_validation_error(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("已为反馈问题 %(n)s 增加整改任务 %(code)s。") % {"n": finding.number, "code": task.code}
            )
            return redirect(task.get_absolute_url())
    form.apply_error_classes()
    return render(
        request,
        "inspections/findings/task_add.html",
        {"finding": finding, "round": finding.round, "form": form, "row": form},
        status=400 if form.errors else 200,
    )
