"""The 我的待办 page: a thin caller of todo.selectors."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import todo_sections


@login_required
def todo_view(request):
    sections = todo_sections(request.user)
    # The menu's badge on this page shows the same counts (todo_total reads them instead of counting again).
    request.user.todo_counts_seen = {s.key: s.count for s in sections}
    return render(
        request,
        "inspections/todo/todo.html",
        {"sections": sections, "total": sum(s.count for s in sections)},
    )
