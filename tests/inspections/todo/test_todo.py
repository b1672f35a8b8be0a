"""我的待办: each role's lists, the landing page, the menu's count, the API, constant query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.choices import TaskStatus
from inspections.todo.selectors import todo_counts, todo_sections

pytestmark = pytest.mark.django_db


def soon(days=5):
    day = timezone.localdate() + timedelta(days=days)
    return f"{day.year}年{day.month}月{day.day}日前"


def keys(user):
    return {s.key: {t.pk for t in s.tasks} for s in todo_sections(user)}


def build(ledger):
    """One task in each list: overdue, due soon, returned, submitted, verified; and a finished and a far one."""
    overdue = ledger.task()  # 2024年12月31日前: overdue today
    due = ledger.task(deadline_text=soon())
    far = ledger.task(deadline_text="2099年12月31日前")
    returned = ledger.bring_to(ledger.task(deadline_text="2099年12月31日前"), TaskStatus.SUBMITTED)
    services.task_reject(actor=ledger.bureau, task=returned, reason="材料不全")
    submitted = ledger.bring_to(ledger.task(deadline_text="2099年12月31日前"), TaskStatus.SUBMITTED)
    verified = ledger.bring_to(ledger.task(deadline_text="2099年12月31日前"), TaskStatus.VERIFIED)
    closed = ledger.bring_to(ledger.task(), TaskStatus.CLOSED)
    return dict(
        overdue=overdue, due=due, far=far, returned=returned, submitted=submitted, verified=verified, closed=closed
    )


def test_unit_sees_due_overdue_and_returned(ledger):
    t = build(ledger)
    lists = keys(ledger.water_user)
    assert lists == {"returned": {t["returned"].pk}, "overdue": {t["overdue"].pk}, "due": {t["due"].pk}}
    # A unit that leads nothing has empty lists; another unit's tasks never appear.
    assert keys(ledger.housing_user) == {"returned": set(), "overdue": set(), "due": set()}


def test_returned_leaves_the_list_when_asked_again(ledger):
    t = build(ledger)
    services.task_submit(actor=ledger.water_user, task=t["returned"], reason="已补充材料，扫尾中")
    assert keys(ledger.water_user)["returned"] == set()


def test_bureau_sees_requests_to_verify_and_overdue(ledger):
    t = build(ledger)
    assert keys(ledger.bureau) == {"to_verify": {t["submitted"].pk}, "overdue": {t["overdue"].pk}}


def test_leader_sees_tasks_to_sign(ledger):
    t = build(ledger)
    assert keys(ledger.leader) == {"to_sign": {t["verified"].pk}}


def test_admin_does_not_sign_what_it_accepted(ledger):
    t = build(ledger)
    accepted = ledger.bring_to(ledger.task(deadline_text="2099年12月31日前"), TaskStatus.SUBMITTED)
    services.task_verify(actor=ledger.admin, task=accepted)
    lists = keys(ledger.admin)
    assert lists["to_sign"] == {t["verified"].pk}
    assert lists["to_verify"] == {t["submitted"].pk}


def test_counts_match_the_lists(ledger):
    build(ledger)
    for user in (ledger.water_user, ledger.bureau, ledger.leader, ledger.admin):
        assert todo_counts(user) == {s.key: len(s.tasks) for s in todo_sections(user)}


@pytest.mark.parametrize("who", ["water_user", "bureau", "leader", "admin"])
def test_every_role_lands_on_the_todo_page(client, ledger, who):
    client.force_login(getattr(ledger, who))
    assert client.get(reverse("inspections:home"))["Location"] == reverse("inspections:todo")


def test_todo_page_and_menu_count(client, ledger):
    t = build(ledger)
    client.force_login(ledger.water_user)
    page = client.get(reverse("inspections:todo")).content.decode()
    assert t["returned"].finding.summary in page and t["due"].finding.summary in page
    assert t["far"].finding.summary not in page
    assert 'data-testid="nav-count-todo">3<' in page
    # The "see in the list" links use the list's own (visible, editable) filters.
    assert "overdue=true&amp;status=not_started&amp;status=in_progress" in page


def test_todo_page_needs_login(client, db):
    assert "/accounts/login/" in client.get(reverse("inspections:todo"))["Location"]


def test_todo_api(client, ledger):
    t = build(ledger)
    client.force_login(ledger.bureau)
    data = client.get(reverse("api:todo")).json()
    by_key = {s["key"]: s for s in data}
    assert by_key["to_verify"]["count"] == 1
    assert by_key["to_verify"]["tasks"][0]["id"] == t["submitted"].pk


@pytest.mark.parametrize("who", ["water_user", "bureau", "leader", "admin"])
def test_todo_query_count_is_constant(client, ledger, who, django_assert_max_num_queries):
    user = getattr(ledger, who)
    client.force_login(user)
    build(ledger)
    client.get(reverse("inspections:todo"))  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("inspections:todo")).status_code == 200
    for _ in range(3):
        build(ledger)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("inspections:todo"))
    assert sum(s.count for s in response.context["sections"]) > 0
    assert len(small.captured_queries) <= 14
