"""Lists that do not count the world (issue 19): capped counts, keyset pages with ties, and query counts that
stay the same when the data triples (task list in each filter, API list, to-do, round page, task page)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import paging, services
from inspections.models import RectificationTask
from inspections.todo import selectors as todo_selectors
from inspections.views import rounds as round_views

pytestmark = pytest.mark.django_db

DEADLINES = ("2024年12月31日前", "2025年6月30日前", "长期坚持")  # ties on the deadline, and NULL deadlines


def add_tasks(ledger, n):
    units = (ledger.water, ledger.town, ledger.housing)
    for i in range(n):
        ledger.task(lead_unit=units[i % 3], deadline_text=DEADLINES[i % 3])


def list_url(query=""):
    return reverse("inspections:task_list") + query


def walk(client, first_url, direction="next"):
    """The pks of every row reached by following the page's `direction` links from `first_url`."""
    seen, url, hops = [], first_url, 0
    while url and hops < 50:
        response = client.get(url)
        assert response.status_code == 200
        page = response.context["page"]
        rows = [t.pk for t in page.object_list]
        seen.extend(rows if direction == "next" else rows[::-1])
        link = page.queries[direction]
        url = list_url(link) if link else None
        hops += 1
    return seen


ORDERINGS = ["", "deadline", "-deadline", "lead_unit", "-lead_unit", "percent", "-percent", "round", "-finding"]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_keyset_pages_skip_and_repeat_nothing_with_ties(client, ledger, monkeypatch, ordering):
    add_tasks(ledger, 26)
    client.force_login(ledger.bureau)
    base = f"?per_page=10&ordering={ordering}" if ordering else "?per_page=10"
    numbered = walk(client, list_url(base))  # page numbers (26 rows, under the cap)
    assert len(numbered) == len(set(numbered)) == 26
    first = client.get(list_url(base)).context["page"]
    assert first.queries["next"].endswith("page=2") and first.paginator.num_pages == 3
    # 末页 with an exact count: the remainder, lined up with the numbered pages.
    last = client.get(list_url(base + "&last=1")).context["page"]
    assert [t.pk for t in last.object_list] == numbered[20:] and last.number == 3
    assert walk(client, list_url(base + "&last=1"), direction="previous")[::-1] == numbered

    monkeypatch.setattr(paging, "COUNT_CAP", 5)  # now capped: every link past page 1 is a keyset cursor
    response = client.get(list_url(base))
    page = response.context["page"]
    assert page.paginator.capped and "after=" in page.queries["next"]
    assert "共 5+ 项" in response.content.decode()
    forward = walk(client, list_url(base))
    assert forward == numbered  # the same rows in the same order: none skipped, none repeated
    backward = walk(client, list_url(base + "&last=1"), direction="previous")
    assert backward[::-1] == numbered


def test_previous_from_a_keyset_page_returns_the_page_before(client, ledger, monkeypatch):
    add_tasks(ledger, 25)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    client.force_login(ledger.bureau)
    pages = []
    url = list_url("?per_page=10&ordering=deadline")
    while url:
        page = client.get(url).context["page"]
        pages.append([t.pk for t in page.object_list])
        url = list_url(page.queries["next"]) if page.queries["next"] else None
    assert [len(p) for p in pages] == [10, 10, 5]
    third = client.get(list_url("?per_page=10&ordering=deadline")).context["page"]
    second = client.get(list_url(third.queries["next"])).context["page"]
    last = client.get(list_url(second.queries["next"])).context["page"]
    assert not last.has_next and last.queries["last"] == ""
    back = client.get(list_url(last.queries["previous"])).context["page"]
    assert [t.pk for t in back.object_list] == pages[1]
    assert [t.pk for t in client.get(list_url(back.queries["previous"])).context["page"].object_list] == pages[0]


@pytest.mark.parametrize(
    "position",
    [
        "after=garbage",
        "before=%%%",
        "after=WyJ4IiwieSJd",  # ["x","y"]: not as many values as the order has keys
        "after=WyJ4IiwieSIsInoiLCJ3Il0",  # ["x","y","z","w"]: text for numbers
        "after=W3RydWUsIDEsIDEsIDFd",  # [true,1,1,1]
        "after=WzEuNSwgMSwgMSwgMV0",  # [1.5,1,1,1]
        "before=WzEsIDExODA1OTE2MjA3MTc0MTEzMDM0MjQsIDEsIDFd",  # a number beyond bigint
        "ordering=deadline&after=WyJhYmMiLCAxXQ",  # ["abc",1]: not a date
        "page=abc",
        "page=-3",
    ],
)
def test_malformed_positions_give_the_first_page_not_a_500(client, ledger, position):
    add_tasks(ledger, 3)
    client.force_login(ledger.bureau)
    response = client.get(list_url(f"?{position}"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


def test_counts_are_exact_under_the_cap_and_said_as_capped_above(client, ledger, monkeypatch):
    add_tasks(ledger, 6)
    client.force_login(ledger.bureau)
    counts = client.get(list_url()).context["counts"]
    assert (counts["total"], counts["capped"]) == (6, False)
    html = client.get(list_url()).content.decode()
    assert "共 6 项" in html and "已完成 0 项" in html
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    response = client.get(list_url())
    assert response.context["counts"]["capped"] and response.context["page"].paginator.count == 4
    html = response.content.decode()
    assert "共 4+ 项" in html and "已完成 " not in html and 'data-testid="count-capped"' in html


# Every filter combination of the list, and positions past page 1.
LIST_QUERIES = [
    "",
    "?round={round}",
    "?lead_unit={water}",
    "?status=not_started",
    "?overdue=true",
    "?q=污水",
    "?leader={leader}",
    "?ordering=deadline",
    "?ordering=-lead_unit",
    "?status=not_started&overdue=true&lead_unit={water}&round={round}",
    "?complete=false&due_within=30&category=water",
    "?as_of=2025-01-01",
    "?schedule=behind&warning=red",
    "?per_page=10&page=2",
    "?per_page=10&last=1",
    "?per_page=10&after={cursor}",
]


def _list_query_counts(client, ledger):
    first = client.get(list_url("?per_page=10&ordering=deadline")).context["page"]
    cursor = parse_qs(urlsplit(first.queries["next"]).query)["after"][0]
    counts = {}
    for query in LIST_QUERIES:
        url = list_url(query.format(round=ledger.round.pk, water=ledger.water.pk, leader=ledger.leader.pk, cursor=""))
        if "{cursor}" in query:
            url = list_url("?per_page=10&ordering=deadline&after=" + cursor)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[query] = len(captured.captured_queries)
    return counts


def test_task_list_query_counts_stay_the_same_when_the_data_triples(client, ledger, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 8)  # the smaller set is under the cap, the larger above it
    add_tasks(ledger, 12)
    client.force_login(ledger.bureau)
    small = _list_query_counts(client, ledger)
    add_tasks(ledger, 24)
    assert _list_query_counts(client, ledger) == small
    # A unit user's scope too.
    client.force_login(ledger.water_user)
    unit_small = client.get(list_url("?per_page=10"))
    assert unit_small.status_code == 200


def test_leader_choices_are_the_leaders_of_visible_findings(client, ledger):
    add_tasks(ledger, 2)
    client.force_login(ledger.bureau)
    form = client.get(list_url()).context["filterset"].form
    assert [u.pk for u in form.fields["leader"].queryset] == [ledger.leader.pk]
    client.force_login(ledger.plant_user)  # sees no task: no leader is offered
    form = client.get(list_url()).context["filterset"].form
    assert list(form.fields["leader"].queryset) == []


def test_unit_filter_options_are_written_in_one_pass(client, ledger):
    add_tasks(ledger, 1)
    client.force_login(ledger.bureau)
    html = client.get(list_url(f"?lead_unit={ledger.water.pk}")).content.decode()
    assert f'<option value="{ledger.water.pk}" selected>{ledger.water.name}</option>' in html
    assert '<select class="form-select form-select-sm" id="id_lead_unit" name="lead_unit">' in html


def _api_counts(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.json(), len(captured.captured_queries)


def test_api_task_list_capped_count_keyset_and_constant_queries(client, ledger, monkeypatch):
    add_tasks(ledger, 12)
    client.force_login(ledger.bureau)
    body, small = _api_counts(client, "/api/tasks/?page_size=5")
    assert (body["count"], body["count_capped"]) == (12, False) and body["next"].endswith("page=2")
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    body, _queries = _api_counts(client, "/api/tasks/?page_size=5")
    assert (body["count"], body["count_capped"]) == (4, True) and "after=" in body["next"]
    ids, url = [], "/api/tasks/?page_size=5"
    while url:
        body, queries = _api_counts(client, url)
        assert queries == small
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(ids) == sorted(RectificationTask.objects.values_list("pk", flat=True)) and len(ids) == 12
    add_tasks(ledger, 24)
    assert _api_counts(client, "/api/tasks/?page_size=200")[1] == small


def test_todo_counts_are_capped_and_said_so(client, ledger, monkeypatch):
    add_tasks(ledger, 6)  # every 2024/2025 deadline is past: overdue for the bureau
    monkeypatch.setattr(todo_selectors, "COUNT_CAP", 2)
    client.force_login(ledger.bureau)
    response = client.get(reverse("inspections:todo"))
    overdue = next(s for s in response.context["sections"] if s.key == "overdue")
    assert overdue.count == 3 and overdue.capped and overdue.count_label == "2+"
    html = response.content.decode()
    assert 'data-testid="todo-count">2+<' in html
    assert todo_selectors.todo_total(ledger.bureau) == "2+"


def _round_page(client, ledger, query=""):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("inspections:round_detail", args=[ledger.round.pk]) + query)
    assert response.status_code == 200
    return response, len(captured.captured_queries)


def test_round_page_is_paginated_with_constant_queries(client, ledger, monkeypatch):
    monkeypatch.setattr(round_views, "FINDINGS_PER_PAGE", 5)
    add_tasks(ledger, 7)
    client.force_login(ledger.bureau)
    small, small_count = _round_page(client, ledger)
    assert len(small.context["findings"]) == 5 and small.context["page"].paginator.count == 7
    finding = small.context["findings"][0]
    services.task_assign(actor=ledger.bureau, finding=finding, lead_unit=ledger.town, deadline_text="2030年1月1日前")
    add_tasks(ledger, 14)
    large, large_count = _round_page(client, ledger)
    assert large_count == small_count
    html = large.content.decode()
    assert html.count('data-testid="finding-row"') == 5 and "反馈问题 21 个" in html
    assert [t.code for t in large.context["findings"][0].shown_tasks] == [f"{finding.number}-1", f"{finding.number}-2"]
    second, second_count = _round_page(client, ledger, "?page=2")
    assert second_count == small_count
    assert [f.number for f in second.context["findings"]] == [6, 7, 8, 9, 10]
    # A unit user sees only the findings of its own tasks.
    client.force_login(ledger.town_user)
    town = _round_page(client, ledger)[0]
    assert town.context["page"].paginator.count == 7 + 1  # every third task is the town's, plus the added one


def test_round_page_reads_only_the_task_columns_it_shows(client, ledger, monkeypatch):
    """A finding's row shows its tasks' code, lead unit and status: their texts, JSON columns and search document
    are not read (some hundred tasks a page), and nothing is read again per task."""
    monkeypatch.setattr(round_views, "FINDINGS_PER_PAGE", 5)
    add_tasks(ledger, 4)
    client.force_login(ledger.bureau)
    _round_page(client, ledger)  # the session and content types warmed
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("inspections:round_detail", args=[ledger.round.pk]))
    task_reads = [q["sql"] for q in captured.captured_queries if 'FROM "inspections_rectificationtask"' in q["sql"]]
    columns = [sql.split(" FROM ")[0] for sql in task_reads if '"inspections_rectificationtask"."number"' in sql]
    assert len(columns) == 1
    for heavy in ("search_text", "milestones", "closure_chain", "measures", "goal"):
        assert f'"inspections_rectificationtask"."{heavy}"' not in columns[0]
    task = response.context["findings"][0].shown_tasks[0]
    html = response.content.decode()
    assert f"{task.code} {task.lead_unit.name}" in html and task.get_status_display() in html


def _detail(client, task):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("inspections:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def _grow(ledger, task, n):
    for i in range(n):
        services.task_progress_add(
            actor=ledger.water_user, task=task, text=f"第{i}次进展", percent=min(90, task.percent + 1), investment=None
        )
        task.refresh_from_db()
    services.task_evidence_add(
        actor=ledger.water_user, task=task, files=[ledger.pdf() for _ in range(n)], kind="document"
    )


@pytest.mark.parametrize("who", ["bureau", "water_user", "leader"])
def test_task_page_query_count_is_constant(client, ledger, who):
    task = ledger.task(cooperating_units=[ledger.town])
    _grow(ledger, task, 2)
    client.force_login(getattr(ledger, who))
    small = _detail(client, task)
    task.refresh_from_db()
    _grow(ledger, task, 6)
    services.finding_update(actor=ledger.bureau, finding=task.finding, summary="污水直排问题（改）")
    assert _detail(client, task) == small
