"""The top bar's menu: one entry per feature, shown to whom inspections.access says may open it."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from inspections import access

# (url name, label, bootstrap icon, the access rule that shows it)
NAV_ITEMS = [
    ("inspections:dashboard", pgettext_lazy("menu", "总览"), "speedometer2", access.can_view_tasks),
    ("inspections:task_list", pgettext_lazy("menu", "整改任务"), "list-check", access.can_view_tasks),
    ("inspections:round_list", pgettext_lazy("menu", "督察轮次"), "flag", access.can_view_tasks),
    ("inspections:complaint_list", pgettext_lazy("menu", "交办件"), "megaphone", access.can_view_complaints),
    ("inspections:report_list", pgettext_lazy("menu", "调度通报"), "file-earmark-bar-graph", access.can_view_reports),
    ("inspections:supervision_list", pgettext_lazy("menu", "督办"), "megaphone", access.can_view_supervision),
    (
        "inspections:supervision_suggestions",
        pgettext_lazy("menu", "督办建议"),
        "lightbulb",
        access.can_view_suggestions,
    ),
    ("inspections:supervision_ranking", pgettext_lazy("menu", "考核排名"), "trophy", access.can_view_scores),
    ("inspections:ledger_import", pgettext_lazy("menu", "台账导入"), "upload", access.can_import_ledger),
    ("inspections:closure_lookbacks", pgettext_lazy("menu", "回头看"), "arrow-repeat", access.can_record_closure),
    ("api_tokens", pgettext_lazy("menu", "API 令牌"), "key", access.can_use_api_tokens),
]


def nav_items(user) -> list[dict]:
    return [
        {"name": name, "url": reverse(name), "label": label, "icon": icon}
        for name, label, icon, may_open in NAV_ITEMS
        if may_open(user)
    ]
