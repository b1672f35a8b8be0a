"""Bureau staff edit a task's assignment (lead unit, deadline after an approved extension ...)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import services
from ..errors import NotAllowed, ServiceError, StaleVersion, TaskReadOnly
from ..forms import TaskEditForm
from ..selectors import task_assignable_units
from ..services.tasks import check_task_editable
from .conflicts import OUTCOME_LABELS, rebase_edit
from .tasks import apply_service_errors, task_for


@login_required
def task_edit(request, pk):
    task = task_for(request, pk)  # another unit's task: 404, before anything else is said
    try:
        check_task_editable(request.user, task)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except TaskReadOnly as exc:
        # Say why instead of showing a form that can only fail.
        return render(
            request,
            "inspections/tasks/edit.html",
            {"task": task, "read_only": exc.message},
            status=409 if request.method == "POST" else 200,
        )
    form = TaskEditForm(request.POST or None, task=task, units=task_assignable_units(user=request.user, task=task))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                saved = services.task_update(actor=request.user, task=task, expected_version=version, **data)
            except StaleVersion as exc:
                # Someone saved first: my changes, re-applied on their version, ready to save again.
                current = task_for(request, pk)
                form, conflicts = rebase_edit(
                    form_class=TaskEditForm,
                    data=request.POST,
                    posted_version=version,
                    current=current,
                    units=task_assignable_units(user=request.user, task=current),
                )
                form.is_valid()
                form.apply_error_classes()
                context = {
                    "task": current,
                    "form": form,
                    "conflict": exc.message,
                    "conflicts": conflicts,
                    "outcome_labels": OUTCOME_LABELS,
                }
                return render(request, "inspections/tasks/edit.html", context, status=exc.status)
            except (ServiceError, ValidationError) as exc:
                apply_service_errors(form, exc)
                status = getattr(exc, "status", 400)
            else:
                if saved.version == version:
                    messages.info(request, _("没有修改任何内容。"))
                else:
                    messages.success(request, _("已保存整改任务 %(code)s 的修改。") % {"code": saved.code})
                return redirect(saved)
    form.apply_error_classes()
    return render(request, "inspections/tasks/edit.html", {"task": task, "form": form}, status=status)
