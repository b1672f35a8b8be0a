"""The task page runs the same number of queries whatever the task's status and history (issue 19)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections.choices import TaskStatus

pytestmark = pytest.mark.django_db


def _page_queries(client, task) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(task.get_absolute_url())
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_task_page_query_count_does_not_depend_on_status(client, ledger):
    quiet = ledger.task()
    busy = ledger.bring_to(ledger.task(), TaskStatus.CLOSED)  # with evidence, events, a verifier and a signer
    busy.refresh_from_db()
    assert busy.status == TaskStatus.CLOSED and busy.verified_by_id and busy.signed_off_by_id
    client.force_login(ledger.bureau)
    quiet_count = _page_queries(client, quiet)
    busy_count = _page_queries(client, busy)
    body = client.get(busy.get_absolute_url()).content.decode()
    assert busy.verified_by.display_name in body and busy.signed_off_by.display_name in body
    assert quiet_count == busy_count
    # session, user with unit, task, evidence, two field histories, events, progress, to-do badge, unread count,
    # cooperating units: no session write (issue 19), no second query for the user's unit.
    assert busy_count <= 11
