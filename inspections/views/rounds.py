"""Inspection rounds: the list with per-round figures, a round's page, create and edit (bureau staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..access import MANAGE_ROUNDS, access_round, can_manage, can_view_history, require
from ..errors import ServiceError
from ..forms import RoundForm
from ..history import field_changes
from ..selectors import round_findings_page, round_summary

FINDINGS_PER_PAGE = 50


def require_manager(user) -> None:
    require(user, MANAGE_ROUNDS)


@login_required
def round_list(request):
    return render(
        request,
        "inspections/rounds/list.html",
        {
            "rows": round_summary(user=request.user),
            "can_manage": can_manage(request.user),
        },
    )


@login_required
def round_detail(request, pk):
    inspection_round = access_round(request.user, pk)
    figures = round_summary(user=request.user, rounds=[inspection_round])[0]
    # One page of findings with their tasks (a round may hold 100,000 findings): constant queries.
    page = round_findings_page(
        user=request.user, inspection_round=inspection_round, params=request.GET, per_page=FINDINGS_PER_PAGE
    )
    show_history = can_view_history(request.user)
    return render(
        request,
        "inspections/rounds/detail.html",
        {
            "round": inspection_round,
            "figures": figures,
            "page": page,
            "findings": page.object_list,
            "can_manage": can_manage(request.user),
            "show_history": show_history,
            "history": field_changes(inspection_round) if show_history else None,
        },
    )


def _save_round(request, form, inspection_round=None):
    try:
        if inspection_round is None:
            return services.round_create(actor=request.user, **form.cleaned_data)
        return services.round_update(actor=request.user, inspection_round=inspection_round, **form.cleaned_data)
    except ValidationError as exc:
        for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
            form.add_error(field if field in form.fields else None, errors)
    except ServiceError as exc:
        form.add_error(None, exc.message)
    return None


@login_required
def round_create(request):
    require_manager(request.user)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = _save_round(request, form)
        if saved:
            messages.success(request, _("已登记督察轮次“%(name)s”。") % {"name": saved.name})
            return redirect("inspections:round_detail", pk=saved.pk)
    form.apply_error_classes()
    return render(request, "inspections/rounds/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def round_edit(request, pk):
    require_manager(request.user)
    inspection_round = access_round(request.user, pk)
    # The form edits a copy: a failed save must not leave the page showing half-applied values.
    form = RoundForm(request.POST or None, instance=access_round(request.user, pk))
    if request.method == "POST" and form.is_valid():
        saved = _save_round(request, form, inspection_round)
        if saved:
            messages.success(request, _("已保存督察轮次“%(name)s”。") % {"name": saved.name})
            return redirect("inspections:round_detail", pk=saved.pk)
    form.apply_error_classes()
    return render(
        request,
        "inspections/rounds/form.html",
        {"form": form, "round": inspection_round},
        status=400 if form.errors else 200,
    )
