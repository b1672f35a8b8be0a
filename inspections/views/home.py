"""The landing page: leaders go to the dashboard, everyone else to the task list."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts.choices import Role

from ..access import user_role


@login_required
def home(request):
    if user_role(request.user) == Role.LEADER:
        return redirect("inspections:dashboard")
    return redirect("inspections:task_list")
