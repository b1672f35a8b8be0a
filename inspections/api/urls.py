"""Routes of the REST API under /api/ (namespace "api"), the schema and the local Swagger UI."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, TokenObtainView, UnitViewSet

from ..closure import api as closure_api
from ..complaints.api import ComplaintBatchViewSet, ComplaintCaseViewSet
from ..dashboard.api import DashboardView
from ..reports.api import DispatchReportViewSet
from ..supervision.api import AssessmentScoreViewSet, SuggestionViewSet, SupervisionActionViewSet
from ..todo.api import TodoView
from . import views

app_name = "api"

router = SimpleRouter()
router.register("rounds", views.RoundViewSet, basename="round")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("tasks", views.TaskViewSet, basename="task")
router.register(r"tasks/(?P<task_pk>[^/.]+)/progress", views.ProgressUpdateViewSet, basename="task-progress")
router.register(r"tasks/(?P<task_pk>[^/.]+)/evidence", views.EvidenceViewSet, basename="task-evidence")
router.register(r"tasks/(?P<task_pk>[^/.]+)/events", views.TaskEventViewSet, basename="task-events")
router.register("units", UnitViewSet, basename="unit")
router.register("reports", DispatchReportViewSet, basename="report")
router.register("supervision/actions", SupervisionActionViewSet, basename="supervision-action")
router.register("supervision/suggestions", SuggestionViewSet, basename="supervision-suggestion")
router.register("supervision/scores", AssessmentScoreViewSet, basename="supervision-score")
router.register("complaint-batches", ComplaintBatchViewSet, basename="complaint-batch")
router.register("complaints", ComplaintCaseViewSet, basename="complaint")

urlpatterns = [
    path("", include(router.urls)),
    path("evidence/<int:pk>/download/", views.EvidenceDownloadView.as_view(), name="evidence-download"),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    # Closure (销号): records and actions of the closure feature.
    path("tasks/<int:pk>/closure/", closure_api.TaskClosureView.as_view(), name="task-closure"),
    path("tasks/<int:pk>/closure/acceptance/", closure_api.AcceptanceView.as_view(), name="task-acceptance"),
    path("tasks/<int:pk>/closure/notice/", closure_api.NoticeView.as_view(), name="task-notice"),
    path("tasks/<int:pk>/closure/objections/", closure_api.ObjectionView.as_view(), name="task-objections"),
    path("objections/<int:pk>/decide/", closure_api.ObjectionDecisionView.as_view(), name="objection-decide"),
    path("tasks/<int:pk>/extensions/", closure_api.ExtensionView.as_view(), name="task-extensions"),
    path("extensions/<int:pk>/decide/", closure_api.ExtensionDecisionView.as_view(), name="extension-decide"),
    path("lookbacks/", closure_api.LookbackView.as_view(), name="lookbacks"),
    path("lookback-checks/<int:pk>/record/", closure_api.LookbackRecordView.as_view(), name="lookback-record"),
    path("batch/", closure_api.BatchView.as_view(), name="batch"),
    path("todo/", TodoView.as_view(), name="todo"),
    path("me/", MeView.as_view(), name="me"),
    path("token/", TokenObtainView.as_view(), name="token"),
    # The API's description is for signed-in users and token holders only (SERVE_PERMISSIONS): on an
    # intranet the list of endpoints is not for anonymous visitors. The docs page sends them to log in.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as its own file (docs/?script=) instead of an
    # inline <script>, and our template links its page styles: both as the Content-Security-Policy needs.
    path(
        "docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="inspections/api/swagger_ui.html")
        ),
        name="docs",
    ),
]
