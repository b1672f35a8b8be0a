"""Pages of supervision (督办、约谈、问责、督办建议、考核排名), under the "inspections" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("supervision/", views.action_list, name="supervision_list"),
    path("supervision/new/", views.action_issue, name="supervision_issue"),
    path("supervision/new/tasks/", views.action_issue_tasks, name="supervision_issue_tasks"),
    path("supervision/<int:pk>/", views.action_detail, name="supervision_detail"),
    path("supervision/<int:pk>/reply/", views.action_reply, name="supervision_reply"),
    path("supervision/<int:pk>/outcome/", views.action_outcome, name="supervision_outcome"),
    path("supervision/<int:pk>/document/", views.action_document, name="supervision_document"),
    path("supervision/<int:pk>/print/", views.action_print, name="supervision_print"),
    path("supervision/<int:pk>/files/<int:file_pk>/", views.reply_file_download, name="supervision_reply_file"),
    path("supervision/suggestions/", views.suggestion_list, name="supervision_suggestions"),
    path("supervision/suggestions/<int:pk>/dismiss/", views.suggestion_dismiss, name="supervision_dismiss"),
    path("supervision/units/<int:unit_pk>/timeline/", views.unit_timeline, name="supervision_unit_timeline"),
    path("supervision/ranking/", views.ranking, name="supervision_ranking"),
    path("supervision/ranking/compute/", views.ranking_compute, name="supervision_ranking_compute"),
    path("supervision/ranking/export/", views.ranking_export, name="supervision_ranking_export"),
]
