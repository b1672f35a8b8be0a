"""Pages of the ledger (整改台账) export and import, under the "inspections" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("ledger/export/<int:pk>/", views.ledger_export_job, name="ledger_export_job"),
    path("ledger/export/<int:pk>/download/", views.ledger_export_download, name="ledger_export_download"),
    path("ledger/import/", views.ledger_import, name="ledger_import"),
    path("ledger/import/confirm/", views.ledger_import_confirm, name="ledger_import_confirm"),
    path("ledger/import/template/", views.ledger_import_template, name="ledger_import_template"),
    path("ledger/import/preview/<str:token>/", views.ledger_import_preview, name="ledger_import_preview"),
    path("ledger/import/jobs/<int:pk>/", views.ledger_import_job, name="ledger_import_job"),
]
