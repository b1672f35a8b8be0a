"""The top bar's menu: one entry per feature, shown to whom inspections.access says may open it.

The daily entries stay on the bar; the rarely used ones (weekly, monthly or set-up work) go under 「更多」, so that
every role's menu fits one line on a 1366 px screen (issue 18)."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from inspections import access
from inspections.todo.selectors import todo_total

# (url name, label, bootstrap icon, the access rule that shows it, the count shown beside it or None)
# The entries of MORE are listed under 「更多」.
MORE = {
    "inspections:report_list",
    "inspections:supervision_suggestions",
    "inspections:supervision_ranking",
    "inspections:ledger_import",
    "inspections:closure_lookbacks",
    "api_tokens",
}
NAV_ITEMS = [
    ("inspections:todo", pgettext_lazy("menu", "我的待办"), "inbox", access.can_view_tasks, todo_total),
    ("inspections:dashboard", pgettext_lazy("menu", "总览"), "speedometer2", access.can_view_tasks, None),
    ("inspections:task_list", pgettext_lazy("menu", "整改任务"), "list-check", access.can_view_tasks, None),
    ("inspections:round_list", pgettext_lazy("menu", "督察轮次"), "flag", access.can_view_tasks, None),
    ("inspections:complaint_list", pgettext_lazy("menu", "交办件"), "megaphone", access.can_view_complaints, None),
    (
        "inspections:report_list",
        pgettext_lazy("menu", "调度通报"),
        "file-earmark-bar-graph",
        access.can_view_reports,
        None,
    ),
    (
        "inspections:supervision_list",
        pgettext_lazy("menu", "督办"),
        "envelope-exclamation",
        access.can_view_supervision,
        None,
    ),
    (
        "inspections:supervision_suggestions",
        pgettext_lazy("menu", "督办建议"),
        "lightbulb",
        access.can_view_suggestions,
        None,
    ),
    ("inspections:supervision_ranking", pgettext_lazy("menu", "考核排名"), "trophy", access.can_view_scores, None),
    ("inspections:ledger_import", pgettext_lazy("menu", "台账导入"), "upload", access.can_import_ledger, None),
    ("inspections:closure_lookbacks", pgettext_lazy("menu", "回头看"), "arrow-repeat", access.can_record_closure, None),
    ("api_tokens", pgettext_lazy("menu", "API 令牌"), "code-square", access.can_use_api_tokens, None),
]


def nav_items(user) -> list[dict]:
    return [
        {
            "name": name,
            "url": reverse(name),
            "label": label,
            "icon": icon,
            "count": count(user) if count else None,
            "more": name in MORE,
        }
        for name, label, icon, may_open, count in NAV_ITEMS
        if may_open(user)
    ]
