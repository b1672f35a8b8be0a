"""Pages of complaint cases (交办件), under the "inspections" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_add, name="complaint_add"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/edit/", views.complaint_edit, name="complaint_edit"),
    path("complaints/<int:pk>/assign/", views.complaint_assign, name="complaint_assign"),
    path("complaints/<int:pk>/investigation/", views.complaint_investigation, name="complaint_investigation"),
    path("complaints/<int:pk>/transition/", views.complaint_transition, name="complaint_transition"),
    path("complaints/<int:pk>/follow-up/", views.complaint_follow_up, name="complaint_follow_up"),
    path("complaints/<int:pk>/to-task/", views.complaint_to_task, name="complaint_to_task"),
    path("complaints/import/", views.complaint_import, name="complaint_import"),
    path("complaints/import/confirm/", views.complaint_import_confirm, name="complaint_import_confirm"),
    path("complaints/report/", views.complaint_report, name="complaint_report"),
    path("complaints/disclosure/", views.complaint_disclosure, name="complaint_disclosure"),
]
