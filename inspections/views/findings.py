"""The finding form: register a finding and split it into N tasks in one go; the deadline preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from .. import services
from ..access import access_round
from ..deadlines import MAX_YEAR, MIN_YEAR, DeadlineParseError, format_deadline, parse_deadline
from ..errors import ServiceError
from ..forms import FindingForm, TaskRowFormSet
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
