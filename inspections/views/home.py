"""The landing page: leaders go to the dashboard once it exists, everyone else to the task list."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from accounts.choices import Role

from ..access import user_role


@login_required
def home(request):
    if user_role(request.user) == Role.LEADER:
        try:
            return redirect(reverse("inspections:dashboard"))
        except NoReverseMatch:
            pass
    return redirect("inspections:task_list")
