"""The landing page: leaders go to the dashboard, everyone else to the task list."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from ..access import is_leader


@login_required
def home(request):
    if is_leader(request.user):
        return redirect("inspections:dashboard")
    return redirect("inspections:task_list")
