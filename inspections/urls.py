from django.urls import path
from django.views.generic import RedirectView

from . import report_views

app_name = "inspections"

# Interim routes until the browser workflow lands (issue 3 replaces both with real pages).
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
    path("tasks/<int:pk>/", RedirectView.as_view(pattern_name="admin:inspections_rectificationtask_change"),
         name="task_detail"),
    # Dispatch reports (issue 4)
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/generate/", report_views.report_generate, name="report_generate"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/download/", report_views.report_download, name="report_download"),
]
