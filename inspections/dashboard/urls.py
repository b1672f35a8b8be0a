"""The leader dashboard page (总览), under the "inspections" namespace."""

from django.urls import path

from .views import dashboard_view

urlpatterns = [
    path("dashboard/", dashboard_view, name="dashboard"),
]
