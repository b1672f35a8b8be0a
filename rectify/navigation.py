"""The top bar's menu: one entry per feature, shown to the roles named."""

from django.urls import reverse
from django.utils.translation import pgettext_lazy

# (url name, label, bootstrap icon, roles that see it or None for everyone)
NAV_ITEMS = [
    ("inspections:dashboard", pgettext_lazy("menu", "总览"), "speedometer2", None),
    ("inspections:task_list", pgettext_lazy("menu", "整改任务"), "list-check", None),
    ("inspections:round_list", pgettext_lazy("menu", "督察轮次"), "flag", None),
    (
        "inspections:report_list",
        pgettext_lazy("menu", "调度通报"),
        "file-earmark-bar-graph",
        ("admin", "bureau", "leader"),
    ),
    ("inspections:ledger_import", pgettext_lazy("menu", "台账导入"), "upload", ("admin", "bureau")),
    ("api_tokens", pgettext_lazy("menu", "API 令牌"), "key", None),
]


def nav_items(user) -> list[dict]:
    role = "admin" if user.is_superuser else getattr(user, "role", None)
    items = []
    for name, label, icon, roles in NAV_ITEMS:
        if roles is not None and role not in roles:
            continue
        items.append({"name": name, "url": reverse(name), "label": label, "icon": icon})
    return items
