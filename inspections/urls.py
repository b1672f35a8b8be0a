"""The app's pages: the core's own routes, then each feature package's (this module is the wiring)."""

from django.urls import path

from .closure import urls as closure_urls
from .complaints import urls as complaints_urls
from .dashboard import urls as dashboard_urls
from .ledger import urls as ledger_urls
from .reports import urls as reports_urls
from .supervision import urls as supervision_urls
from .todo import urls as todo_urls
from .views import evidence, findings, home, notifications, rounds, task_edit, tasks

app_name = "inspections"

# Browser workflow (issue 3).
urlpatterns = [
    path("", home.home, name="home"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/progress/", tasks.task_progress, name="task_progress"),
    path("tasks/<int:pk>/evidence/", tasks.task_evidence, name="task_evidence"),
    path("tasks/<int:pk>/transition/", tasks.task_transition, name="task_transition"),
    path("tasks/<int:pk>/edit/", task_edit.task_edit, name="task_edit"),
    path("evidence/<int:pk>/download/", evidence.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/preview/", evidence.evidence_preview, name="evidence_preview"),
    path("evidence/<int:pk>/withdraw/", tasks.evidence_withdraw, name="evidence_withdraw"),
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:round_pk>/findings/new/", findings.finding_create, name="finding_create"),
    path("findings/<int:pk>/edit/", findings.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/tasks/new/", findings.finding_task_add, name="finding_task_add"),
    path("deadline-preview/", findings.deadline_preview, name="deadline_preview"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read, name="notification_read"),
    # Feature packages bring their own pages (same namespace, so every URL name is unchanged).
    *reports_urls.urlpatterns,
    *ledger_urls.urlpatterns,
    *dashboard_urls.urlpatterns,
    *complaints_urls.urlpatterns,
    *supervision_urls.urlpatterns,
    *closure_urls.urlpatterns,
    *todo_urls.urlpatterns,
]
