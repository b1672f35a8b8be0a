"""The landing page: every role starts on 我的待办 (what it has to do today)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    return redirect("inspections:todo")
