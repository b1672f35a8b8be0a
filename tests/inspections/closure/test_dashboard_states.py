"""公示中 on the dashboard and in the dispatch report; the dashboard's query count does not grow with tasks in
the closure chain's new states (验收, 公示中, 已审签, 已复核, 已销号)."""

import datetime as dt

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import selectors
from inspections.choices import TaskStatus
from inspections.dashboard.selectors import Scope, dashboard
from inspections.reports.figures import dispatch_figures

pytestmark = pytest.mark.django_db

NEW_STATES = (TaskStatus.VERIFIED, TaskStatus.IN_NOTICE, TaskStatus.SIGNED, TaskStatus.RECHECKED, TaskStatus.CLOSED)


def one_task_per_state(closure):
    for status in NEW_STATES:
        closure.walk_five(closure.task(), status)


def dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("inspections:dashboard"))
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_is_the_same_with_more_tasks_in_every_new_state(client, closure):
    client.force_login(closure.leader)
    one_task_per_state(closure)
    small = dashboard_queries(client)
    for _ in range(2):
        one_task_per_state(closure)
    large = dashboard_queries(client)
    assert large == small
    assert large <= 19  # the same budget as tests/inspections/test_dashboard.py (the panels included)


def test_dashboard_shows_in_notice_and_its_link_lists_those_tasks(client, closure):
    one_task_per_state(closure)
    closure.walk_five(closure.task(), TaskStatus.IN_NOTICE)
    board = dashboard(user=closure.leader, scope=Scope())
    figures = {f.key: f for f in board.headline}
    assert figures["in_notice"].value == 2
    listed = selectors.task_filterset(user=closure.leader, filters=QueryDict(figures["in_notice"].query)).qs
    assert listed.count() == 2 and {t.status for t in listed} == {TaskStatus.IN_NOTICE}
    client.force_login(closure.leader)
    page = client.get(reverse("inspections:dashboard")).content.decode()
    assert 'data-testid="figure-in_notice"' in page and "公示中" in page


def test_dispatch_figures_count_in_notice_within_complete(closure):
    from django.utils import timezone

    one_task_per_state(closure)
    # The walk passed the notices with time-machine: their later steps are dated after the notice ends.
    figures = dispatch_figures(timezone.localdate() + dt.timedelta(days=30))
    assert figures.totals.in_notice == 1
    assert figures.totals.complete == len(NEW_STATES)


def test_api_dashboard_has_in_notice(client, closure):
    one_task_per_state(closure)
    client.force_login(closure.leader)
    data = client.get(reverse("api:dashboard")).json()
    assert data["in_notice"] == 1
