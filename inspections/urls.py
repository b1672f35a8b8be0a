from django.urls import path
from django.views.generic import RedirectView

from . import ledger_views

app_name = "inspections"

# Interim routes until the browser workflow lands (issue 3 replaces both with real pages).
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
    path("tasks/<int:pk>/", RedirectView.as_view(pattern_name="admin:inspections_rectificationtask_change"),
         name="task_detail"),
    # Ledger (整改台账) export and import
    path("ledger/export/", ledger_views.ledger_export, name="ledger_export"),
    path("ledger/export/<int:pk>/", ledger_views.ledger_export_job, name="ledger_export_job"),
    path("ledger/export/<int:pk>/download/", ledger_views.ledger_export_download, name="ledger_export_download"),
    path("ledger/import/", ledger_views.ledger_import, name="ledger_import"),
    path("ledger/import/confirm/", ledger_views.ledger_import_confirm, name="ledger_import_confirm"),
]
