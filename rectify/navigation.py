"""The top bar's menu. Each feature adds its entry here; entries whose URL does not exist are skipped."""
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, bootstrap icon, roles that see it or None for everyone)
NAV_ITEMS = [
    ("inspections:dashboard", _("总览"), "speedometer2", None),
    ("inspections:task_list", _("整改任务"), "list-check", None),
    ("inspections:round_list", _("督察轮次"), "flag", None),
    ("inspections:report_list", _("调度通报"), "file-earmark-bar-graph", ("admin", "bureau", "leader")),
    ("inspections:ledger_import", _("台账导入"), "upload", ("admin", "bureau")),
    ("api_tokens", _("API 令牌"), "key", None),
]


def nav_items(user) -> list[dict]:
    role = "admin" if user.is_superuser else getattr(user, "role", None)
    items = []
    for name, label, icon, roles in NAV_ITEMS:
        if roles is not None and role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"name": name, "url": url, "label": label, "icon": icon})
    return items
