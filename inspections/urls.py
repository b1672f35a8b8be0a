from django.urls import path

from . import ledger_views, report_views
from .dashboard_views import dashboard_view
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
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:round_pk>/findings/new/", findings.finding_create, name="finding_create"),
    path("deadline-preview/", findings.deadline_preview, name="deadline_preview"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/read/", notifications.notification_read, name="notification_read"),
    # Dispatch reports (issue 4)
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/generate/", report_views.report_generate, name="report_generate"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
    # Ledger (整改台账) export and import
    path("ledger/export/", ledger_views.ledger_export, name="ledger_export"),
    path("ledger/export/<int:pk>/", ledger_views.ledger_export_job, name="ledger_export_job"),
    path("ledger/export/<int:pk>/download/", ledger_views.ledger_export_download, name="ledger_export_download"),
    path("ledger/import/", ledger_views.ledger_import, name="ledger_import"),
    path("ledger/import/confirm/", ledger_views.ledger_import_confirm, name="ledger_import_confirm"),
    path("ledger/import/template/", ledger_views.ledger_import_template, name="ledger_import_template"),
    path("ledger/import/preview/<str:token>/", ledger_views.ledger_import_preview, name="ledger_import_preview"),
    path("ledger/import/jobs/<int:pk>/", ledger_views.ledger_import_job, name="ledger_import_job"),
    # Leader dashboard (issue 5)
    path("dashboard/", dashboard_view, name="dashboard"),
]
