"""List endpoints run a fixed number of queries, whatever the page size (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections import services

from .conftest import pdf_file

pytestmark = pytest.mark.django_db


def _add_tasks(world, n):
    services.finding_create(
        actor=world.bureau,
        inspection_round=world.round,
        summary=f"批量问题 {n}",
        responsible_leader=world.users["leader"],
        tasks=[
            {"lead_unit": world.lead_unit, "deadline_text": "2026年12月底前", "cooperating_units": [world.other_unit]}
            for _ in range(n)
        ],
    )


def _add_findings(world, n):
    for i in range(n):
        world.add_finding(summary=f"问题 {i}")


def _add_progress(world, n):
    for i in range(n):
        services.task_progress_add(
            actor=world.users["unit"], task=world.task, text=f"第 {i} 次报送", percent=i, reason="重新核算"
        )


def _add_evidence(world, n):
    for start in range(0, n, 10):  # at most EVIDENCE_MAX_FILES per upload
        services.task_evidence_add(
            actor=world.users["unit"],
            task=world.task,
            kind="document",
            files=[pdf_file(f"材料{i}.pdf") for i in range(start, min(n, start + 10))],
        )


# endpoint, how to add n rows, roles to measure
LISTS = [
    ("/api/tasks/", _add_tasks),
    ("/api/findings/", _add_findings),
    ("/api/tasks/{task}/progress/", _add_progress),
    ("/api/tasks/{task}/events/", _add_progress),
    ("/api/tasks/{task}/evidence/", _add_evidence),
]


@pytest.mark.parametrize("role", ["bureau", "unit"])
@pytest.mark.parametrize("url,add_rows", LISTS, ids=[u for u, _ in LISTS])
def test_list_queries_do_not_grow_with_page_size(world, client_for, django_assert_num_queries, role, url, add_rows):
    client = client_for(role)
    url = url.format(task=world.task.pk)
    add_rows(world, 10)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200 and response.json()["count"] >= 10
    add_rows(world, 40)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, {"page_size": 100})
    assert response.json()["count"] >= 50
    assert len(response.json()["results"]) == response.json()["count"]


def test_dashboard_queries_are_fixed(world, client_for, django_assert_num_queries):
    client = client_for("unit")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/dashboard/")
    _add_tasks(world, 30)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/api/dashboard/").json()["total"] == 31
