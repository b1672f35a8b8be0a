from django.urls import path
from django.views.generic import RedirectView

from .dashboard_views import dashboard_view

app_name = "inspections"

# Interim routes until the browser workflow lands (issue 3 replaces both with real pages).
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
    path("tasks/<int:pk>/", RedirectView.as_view(pattern_name="admin:inspections_rectificationtask_change"),
         name="task_detail"),
    # Leader dashboard (issue 5)
    path("dashboard/", dashboard_view, name="dashboard"),
]
