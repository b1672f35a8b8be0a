"""我的待办: each role's lists (tasks, 督办建议, 督办 replies), the landing page, the menu's count, the API,
constant query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.choices import SuggestionStatus, SupervisionKind, TaskStatus
from inspections.models import SupervisionSuggestion
from inspections.supervision import services as supervision
from inspections.supervision.suggestions import suggestions_compute
from inspections.todo.selectors import todo_counts, todo_sections

pytestmark = pytest.mark.django_db


def soon(days=5):
    day = timezone.localdate() + timedelta(days=days)
    return f"{day.year}年{day.month}月{day.day}日前"


def keys(user):
    """Per list: the ids it shows (tasks; the task of each 督办建议; the 督办 actions)."""
    return {
        s.key: {t.pk for t in s.tasks} | {x.task_id for x in s.suggestions} | {a.pk for a in s.actions}
        for s in todo_sections(user)
    }


def supervise(ledger, t):
    """督办 to the water department: one past its reply date, one still within it, one answered, one without a
    reply date; one to the housing department past its date; today's 督办建议 (one dismissed)."""
    today = timezone.localdate()

    def issue(unit, task, reply_in, issued_ago=20):
        return supervision.action_issue(
            actor=ledger.bureau,
            kind=SupervisionKind.NOTICE,
            target_unit=unit,
            tasks=[task],
            issued_on=today - timedelta(days=issued_ago),
            reply_due=None if reply_in is None else today + timedelta(days=reply_in),
        )

    late = issue(ledger.water, t["overdue"], -3)
    waiting = issue(ledger.water, t["due"], 7)
    answered = issue(ledger.water, t["far"], -1)
    supervision.action_reply(actor=ledger.water_user, action=answered, text="已按要求整改并报送材料")
    no_reply_asked = issue(ledger.water, t["far"], None)
    housing_late = issue(ledger.housing, ledger.task(lead_unit=ledger.housing), -2)
    dismissed_task = ledger.task()  # overdue too: suggested, then dismissed
    suggestions_compute(today=today)
    supervision.suggestion_dismiss(
        actor=ledger.bureau, suggestion=SupervisionSuggestion.objects.get(task=dismissed_task), reason="已电话督导"
    )
    return dict(
        late=late,
        waiting=waiting,
        answered=answered,
        no_reply_asked=no_reply_asked,
        housing_late=housing_late,
        dismissed_task=dismissed_task,
    )


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
    assert lists == {
        "returned": {t["returned"].pk},
        "overdue": {t["overdue"].pk},
        "due": {t["due"].pk},
        "awaiting_reply": set(),
    }
    # A unit that leads nothing has empty lists; another unit's tasks never appear.
    assert keys(ledger.housing_user) == {"returned": set(), "overdue": set(), "due": set(), "awaiting_reply": set()}


def test_returned_leaves_the_list_when_asked_again(ledger):
    t = build(ledger)
    services.task_submit(actor=ledger.water_user, task=t["returned"], reason="已补充材料，扫尾中")
    assert keys(ledger.water_user)["returned"] == set()


def test_bureau_sees_requests_to_verify_and_overdue(ledger):
    t = build(ledger)
    assert keys(ledger.bureau) == {
        "to_verify": {t["submitted"].pk},
        "overdue": {t["overdue"].pk},
        "suggestions": set(),
        "reply_overdue": set(),
    }


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


def test_bureau_sees_open_suggestions_and_overdue_replies(ledger):
    t = build(ledger)
    a = supervise(ledger, t)
    open_tasks = set(
        SupervisionSuggestion.objects.filter(status=SuggestionStatus.OPEN).values_list("task_id", flat=True)
    )
    assert t["overdue"].pk in open_tasks and a["dismissed_task"].pk not in open_tasks
    for user in (ledger.bureau, ledger.admin):
        lists = keys(user)
        assert lists["suggestions"] == open_tasks
        # Past the reply date without a reply, whichever unit; not the answered one, nor those still in time.
        assert lists["reply_overdue"] == {a["late"].pk, a["housing_late"].pk}
        assert "awaiting_reply" not in lists
    assert {"suggestions", "reply_overdue", "awaiting_reply"}.isdisjoint(keys(ledger.leader))


def test_unit_sees_supervision_awaiting_its_reply(ledger, client):
    t = build(ledger)
    a = supervise(ledger, t)
    lists = keys(ledger.water_user)
    assert lists["awaiting_reply"] == {a["late"].pk, a["waiting"].pk}
    assert "suggestions" not in lists and "reply_overdue" not in lists
    # A sub-unit sees nothing addressed to its parent; the housing department sees its own.
    assert keys(ledger.plant_user)["awaiting_reply"] == set()
    assert keys(ledger.housing_user)["awaiting_reply"] == {a["housing_late"].pk}
    # Once the unit replies the action leaves its list.
    supervision.action_reply(actor=ledger.water_user, action=a["waiting"], text="已制定整改方案")
    assert keys(ledger.water_user)["awaiting_reply"] == {a["late"].pk}


def test_todo_page_marks_overdue_replies_and_counts_them_in_the_menu(ledger, client):
    t = build(ledger)
    a = supervise(ledger, t)
    client.force_login(ledger.water_user)
    page = client.get(reverse("inspections:todo")).content.decode()
    assert a["late"].doc_number in page and a["waiting"].doc_number in page
    assert a["answered"].doc_number not in page and a["housing_late"].doc_number not in page
    assert page.count('data-testid="reply-overdue"') == 1
    # 4 tasks (2 overdue, due, returned) + 2 actions awaiting the reply
    assert todo_counts(ledger.water_user) == {"overdue": 2, "due": 1, "returned": 1, "awaiting_reply": 2}
    assert 'data-testid="nav-count-todo">6<' in page
    client.force_login(ledger.bureau)
    page = client.get(reverse("inspections:todo")).content.decode()
    open_count = SupervisionSuggestion.objects.filter(status=SuggestionStatus.OPEN).count()
    assert open_count >= 1
    # to_verify 1 + overdue tasks + open suggestions + 2 overdue replies
    expected = sum(todo_counts(ledger.bureau).values())
    assert expected == 1 + todo_counts(ledger.bureau)["overdue"] + open_count + 2
    assert f'data-testid="nav-count-todo">{expected}<' in page
    assert a["housing_late"].doc_number in page and "?suggestion=" in page
    assert "reply_overdue=true" in page


def test_counts_match_the_lists(ledger):
    supervise(ledger, build(ledger))
    for user in (ledger.water_user, ledger.bureau, ledger.leader, ledger.admin):
        assert todo_counts(user) == {
            s.key: len(s.tasks) + len(s.suggestions) + len(s.actions) for s in todo_sections(user)
        }


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
    a = supervise(ledger, t)
    by_key = {s["key"]: s for s in client.get(reverse("api:todo")).json()}
    assert {x["id"] for x in by_key["reply_overdue"]["actions"]} == {a["late"].pk, a["housing_late"].pk}
    assert by_key["suggestions"]["count"] == len(by_key["suggestions"]["suggestions"]) >= 1
    client.force_login(ledger.water_user)
    by_key = {s["key"]: s for s in client.get(reverse("api:todo")).json()}
    overdue_flags = {x["id"]: x["reply_overdue"] for x in by_key["awaiting_reply"]["actions"]}
    assert overdue_flags == {a["late"].pk: True, a["waiting"].pk: False}


@pytest.mark.parametrize("who", ["water_user", "bureau", "leader", "admin"])
def test_todo_query_count_is_constant(client, ledger, who, django_assert_max_num_queries):
    user = getattr(ledger, who)
    client.force_login(user)
    supervise(ledger, build(ledger))
    client.get(reverse("inspections:todo"))  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("inspections:todo")).status_code == 200
    for _ in range(3):
        supervise(ledger, build(ledger))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("inspections:todo"))
    assert sum(s.count for s in response.context["sections"]) > 0
    assert len(small.captured_queries) <= 14


@pytest.mark.parametrize("who", ["water_user", "bureau", "leader", "admin"])
def test_the_menu_badge_is_one_query_with_its_supervision_lists(ledger, who, django_assert_num_queries):
    """The badge is on every page: the task lists and the 督办 lists are counted in the same statement."""
    user = getattr(ledger, who)
    supervise(ledger, build(ledger))
    with django_assert_num_queries(1):
        counts = todo_counts(user)
    assert counts == {s.key: len(s.tasks) + len(s.suggestions) + len(s.actions) for s in todo_sections(user)}
    if who in ("water_user", "bureau"):
        assert set(counts) & {"awaiting_reply", "suggestions", "reply_overdue"}


def test_the_reject_transition_of_the_index_is_the_workflows_reject(ledger):
    """被退回 starts from the tasks with a reject event (index event_task_rejected, spelled out in the models):
    it must be the workflow's reject, and a task sent back appears while one merely started does not."""
    from inspections.models.events import REJECT_TRANSITION
    from inspections.workflow import Action

    assert dict(REJECT_TRANSITION.children) == {"kind": "transition", "action": Action.REJECT}
    t = build(ledger)
    assert t["returned"].pk in keys(ledger.water_user)["returned"]
    assert todo_counts(ledger.water_user)["returned"] == 1
