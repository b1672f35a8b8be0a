"""The closure pages, under the "inspections" namespace (names start with closure_)."""

from django.urls import path

from . import views

urlpatterns = [
    path("tasks/<int:pk>/closure/", views.closure_panel, name="closure_panel"),
    path("tasks/<int:pk>/closure/acceptance/", views.acceptance, name="closure_acceptance"),
    path("tasks/<int:pk>/closure/notice/", views.notice, name="closure_notice"),
    path("tasks/<int:pk>/closure/objection/", views.objection, name="closure_objection"),
    path("closure/objections/<int:pk>/decide/", views.objection_decide, name="closure_objection_decide"),
    path("tasks/<int:pk>/closure/confirm/<str:action>/", views.confirm, name="closure_confirm"),
    path("tasks/<int:pk>/closure/extension/", views.extension_request, name="closure_extension"),
    path("closure/extensions/<int:pk>/decide/", views.extension_decide, name="closure_extension_decide"),
    path("tasks/<int:pk>/closure/sheet/", views.filing_sheet, name="closure_filing_sheet"),
    path("rounds/<int:round_pk>/closure/filing-list/", views.filing_list, name="closure_filing_list"),
    path("closure/lookbacks/", views.lookback_list, name="closure_lookbacks"),
    path("closure/lookbacks/<int:pk>/", views.lookback_detail, name="closure_lookback"),
    path("closure/lookback-checks/<int:pk>/record/", views.lookback_record, name="closure_lookback_record"),
    path("closure/batch/", views.batch, name="closure_batch"),
]
