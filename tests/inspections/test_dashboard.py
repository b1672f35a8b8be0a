"""The leader dashboard: figures from grouped queries, each linking to a task list with the same count."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from inspections import selectors, services
from inspections.access import visible_tasks
from inspections.choices import Category, EvidenceKind, RoundKind, TaskStatus
from inspections.dashboard.selectors import Scope, dashboard
from inspections.demo.bulk import seed_bulk
from inspections.demo.realistic import TINY_PDF
from inspections.demo.units import ensure_units, ensure_users
from inspections.models import InspectionRound, RectificationTask

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2025, 6, 18)  # a Wednesday


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _complete(task, *, unit_user, bureau, leader=None):
    services.task_evidence_add(
        actor=unit_user,
        task=task,
        kind=EvidenceKind.ACCEPTANCE,
        files=[SimpleUploadedFile("验收报告.pdf", TINY_PDF, content_type="application/pdf")],
    )
    task = services.task_submit(actor=unit_user, task=task, reason="主体工程完工，扫尾中")
    task = services.task_verify(actor=bureau, task=task)
    if leader:
        task = services.task_close(actor=leader, task=task)
    return task


@pytest.fixture
def world():
    """Two rounds, five tasks in four units, with completions in different weeks (all through services)."""
    with time_machine.travel(at(date(2025, 3, 3)), tick=False):
        units = ensure_units()
        users = ensure_users(units)
        bureau, leader = users["duchaban"], users["leader"]
        round_a = services.round_create(
            actor=bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央督察", feedback_date=date(2025, 2, 1)
        )
        round_b = services.round_create(
            actor=bureau, kind=RoundKind.PROVINCIAL, batch=1, name="省级督察", feedback_date=date(2025, 2, 20)
        )
        water = services.finding_create(
            actor=bureau,
            inspection_round=round_a,
            summary="城区污水直排",
            category=Category.WATER,
            responsible_leader=leader,
            tasks=[
                {"lead_unit": units["ZJ"], "deadline_text": "2025年5月31日"},  # overdue, never started
                {"lead_unit": units["ZJ"], "deadline_text": "2026年底前", "cooperating_units": [units["NSZ"]]},
            ],
        )
        air = services.finding_create(
            actor=bureau,
            inspection_round=round_a,
            summary="南山镇扬尘污染",
            category=Category.AIR,
            responsible_leader=leader,
            tasks=[{"lead_unit": units["NSZ"], "deadline_text": "2025年6月30日"}],
        )
        soil = services.finding_create(
            actor=bureau,
            inspection_round=round_b,
            summary="化工企业土壤污染",
            category=Category.SOIL,
            responsible_leader=leader,
            tasks=[
                {"lead_unit": units["NSSN"], "deadline_text": "2025年6月25日"},  # due within 14 days
                {"lead_unit": units["SW"], "deadline_text": "2025年12月31日"},
            ],
        )
    zj_task, coop_task = water.tasks.order_by("number")
    air_task = air.tasks.get()
    nssn_task, sw_task = soil.tasks.order_by("number")
    nanshan, zhujian = users["nanshan"], users["zhujian"]
    sw_contact = User.objects.get(unit=units["SW"], role="unit")
    nssn_contact = User.objects.get(unit=units["NSSN"], role="unit")
    with time_machine.travel(at(date(2025, 4, 1)), tick=False):
        services.task_start(actor=nanshan, task=air_task)
        services.task_start(actor=nssn_contact, task=nssn_task)
    with time_machine.travel(at(date(2025, 6, 4)), tick=False):  # two weeks before TODAY
        _complete(RectificationTask.objects.get(pk=air_task.pk), unit_user=nanshan, bureau=bureau)
    with time_machine.travel(at(date(2025, 6, 16)), tick=False):  # this week: verified and signed off
        _complete(sw_task, unit_user=sw_contact, bureau=bureau, leader=leader)
    with time_machine.travel(at(date(2025, 6, 17)), tick=False):  # created after as-of days used below
        late = services.finding_create(
            actor=bureau,
            inspection_round=round_b,
            summary="噪声扰民",
            category=Category.NOISE,
            responsible_leader=leader,
            tasks=[{"lead_unit": units["DCJD"], "deadline_text": "2025年9月30日"}],
        )
    return {
        "units": units,
        "users": users,
        "rounds": (round_a, round_b),
        "late": late.tasks.get(),
        "tasks": {"zj": zj_task, "coop": coop_task, "air": air_task, "nssn": nssn_task, "sw": sw_task},
        "zhujian": zhujian,
    }


def filterset_count(user, query: str) -> int:
    filterset = selectors.task_filterset(user=user, filters=QueryDict(query))
    if filterset.is_bound:  # an empty query is the unfiltered list
        assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def all_linked_figures(board):
    """Every figure on the page that links to the task list, with a name for failure messages."""
    for figure in board.headline:
        yield f"headline {figure.key}", figure
    yield "overdue list", board.overdue_all
    for kind, groups in (("round", board.rounds), ("category", board.categories), ("unit", board.units)):
        for group in groups:
            if group.params is None:
                continue
            for name, figure in group.figures().items():
                yield f"{kind} {group.label} {name}", figure
    for figure in board.trend:
        yield f"week {figure.key}", figure
    for figure in board.warnings or []:
        yield f"warning {figure.key}", figure


def headline(board) -> dict:
    return {f.key: f.value for f in board.headline}


@time_machine.travel(at(TODAY), tick=False)
def test_headline_figures_for_the_whole_jurisdiction(world):
    board = dashboard(user=world["users"]["leader"], scope=Scope())

    assert headline(board) == {
        "total": 6,
        "complete": 2,
        "rate": 33.3,
        "overdue": 1,
        "due_soon": 1,
        "in_notice": 0,
        "closed_week": 1,
    }
    assert [t.pk for t in board.overdue_tasks] == [world["tasks"]["zj"].pk]
    assert board.overdue_tasks[0].days_overdue == 18
    warnings = {w.key: w.value for w in board.warnings}
    assert warnings["red"] >= 1
    assert sum(warnings.values()) == 6
    # Finished tasks are their own slice (the headline's 已完成整改), not 蓝色 正常推进 (issue 18 item 4).
    assert warnings["done"] == 2
    assert warnings["blue"] + warnings["yellow"] + warnings["red"] == 6 - 2


@time_machine.travel(at(TODAY), tick=False)
def test_every_figure_links_to_a_list_with_the_same_count(world):
    leader = world["users"]["leader"]
    board = dashboard(user=leader, scope=Scope())

    checked = 0
    for name, figure in all_linked_figures(board):
        expected = figure.value if figure.key != "rate" else headline(board)["complete"]
        assert filterset_count(leader, figure.query) == expected, name
        checked += 1
    assert checked > 30


@time_machine.travel(at(TODAY), tick=False)
def test_filtered_dashboard_links_carry_the_filters(world):
    leader = world["users"]["leader"]
    round_a, _round_b = world["rounds"]
    scope = Scope(round=round_a, unit=world["units"]["ZJ"], category=Category.WATER)
    board = dashboard(user=leader, scope=scope)

    assert headline(board)["total"] == 2
    assert headline(board)["overdue"] == 1
    for name, figure in all_linked_figures(board):
        expected = figure.value if figure.key != "rate" else headline(board)["complete"]
        assert filterset_count(leader, figure.query) == expected, name


@time_machine.travel(at(TODAY), tick=False)
def test_weekly_trend_counts_completion_transitions_from_the_history(world):
    board = dashboard(user=world["users"]["leader"], scope=Scope())

    by_week = {f.key: f.value for f in board.trend}
    assert len(board.trend) == 12
    assert board.trend[-1].key == "2025-06-16"
    assert by_week["2025-06-02"] == 1  # the air task, verified on 4 June
    assert by_week["2025-06-16"] == 1  # the SW task: verified and closed the same week counts once
    assert sum(by_week.values()) == 2


@time_machine.travel(at(TODAY), tick=False)
def test_unit_ranking_names_best_and_worst(world):
    board = dashboard(user=world["users"]["leader"], scope=Scope())

    # All demo units sit under the city bureau, so the ranking is of its children.
    labels = [g.label for g in board.units]
    assert "市水务局" in labels and "南山镇" in labels and "市住房和城乡建设局" in labels
    assert board.best_unit.label == "市水务局"  # 1 of 1 complete
    assert board.worst_unit.rate == 0.0
    nanshan = next(g for g in board.units if g.label == "南山镇")
    assert (nanshan.total, nanshan.complete) == (2, 1)  # its own task and its enterprise's


@time_machine.travel(at(TODAY), tick=False)
def test_as_of_a_past_day_rebuilds_status_and_links_honour_it(world):
    leader = world["users"]["leader"]
    board = dashboard(user=leader, scope=Scope(as_of=date(2025, 6, 10)))

    # On 10 June: the SW task was not yet complete, the noise task did not exist yet.
    assert headline(board) == {
        "total": 5,
        "complete": 1,
        "rate": 20.0,
        "overdue": 1,
        "due_soon": 0,
        "in_notice": 0,
        "closed_week": 0,
    }
    assert board.warnings is None
    for name, figure in all_linked_figures(board):
        assert "as_of=2025-06-10" in figure.query, name
        expected = figure.value if figure.key != "rate" else headline(board)["complete"]
        assert filterset_count(leader, figure.query) == expected, name


@time_machine.travel(at(TODAY), tick=False)
def test_as_of_before_the_deadline_is_not_overdue(world):
    board = dashboard(user=world["users"]["leader"], scope=Scope(as_of=date(2025, 5, 1)))

    assert headline(board)["overdue"] == 0
    assert headline(board)["complete"] == 0
    assert board.overdue_tasks == []


@time_machine.travel(at(TODAY), tick=False)
def test_unit_user_dashboard_covers_only_its_subtree(world):
    nanshan = world["users"]["nanshan"]
    board = dashboard(user=nanshan, scope=Scope())

    expected = {world["tasks"]["air"].pk, world["tasks"]["nssn"].pk, world["tasks"]["coop"].pk}
    assert set(visible_tasks(nanshan).values_list("pk", flat=True)) == expected
    assert headline(board)["total"] == 3
    assert headline(board)["overdue"] == 0  # the ZJ task is overdue, but it is not Nanshan's
    assert board.overdue_tasks == []
    assert "市住房和城乡建设局" not in [g.label for g in board.units if g.params is not None]
    for name, figure in all_linked_figures(board):
        expected_count = figure.value if figure.key != "rate" else headline(board)["complete"]
        assert filterset_count(nanshan, figure.query) == expected_count, name


@time_machine.travel(at(TODAY), tick=False)
def test_view_for_leader_shows_headline_and_charts(world, client):
    client.force_login(world["users"]["leader"])

    response = client.get(reverse("inspections:dashboard"))

    assert response.status_code == 200
    board = response.context["dashboard"]
    assert headline(board)["total"] == 6
    content = response.content.decode()
    for chart in ("chart-category", "chart-units", "chart-trend", "chart-warning"):
        assert f'id="{chart}"' in content
    assert 'id="dashboard-data"' in content
    assert "echarts.min.js" in content
    assert "城区污水直排" in content  # the overdue task's finding


@time_machine.travel(at(TODAY), tick=False)
def test_view_for_unit_user_does_not_show_other_units_tasks(world, client):
    client.force_login(world["users"]["nanshan"])

    response = client.get(reverse("inspections:dashboard"))

    assert response.status_code == 200
    assert headline(response.context["dashboard"])["total"] == 3
    content = response.content.decode()
    assert "城区污水直排" not in content  # the other unit's overdue task is not listed
    assert "市住房和城乡建设局" not in content  # nor is that unit offered, ranked or named


@time_machine.travel(at(TODAY), tick=False)
def test_unit_user_cannot_scope_to_another_unit(world, client):
    client.force_login(world["users"]["nanshan"])

    response = client.get(reverse("inspections:dashboard"), {"unit": world["units"]["ZJ"].pk})

    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert response.context["dashboard"].scope.unit is None
    assert headline(response.context["dashboard"])["total"] == 3


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("inspections:dashboard"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@time_machine.travel(at(TODAY), tick=False)
@pytest.mark.parametrize(
    "query",
    [
        {"round": "abc"},
        {"unit": "999999"},
        {"category": "nonsense"},
        {"as_of": "2025-13-45"},
        {"as_of": "2099-01-01"},
        {"round": "-1", "as_of": "yesterday"},
    ],
)
def test_bad_filters_are_reported_not_a_500(world, client, query):
    client.force_login(world["users"]["leader"])

    response = client.get(reverse("inspections:dashboard"), query)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert headline(response.context["dashboard"])["total"] == 6


@time_machine.travel(at(TODAY), tick=False)
def test_view_applies_valid_filters(world, client):
    client.force_login(world["users"]["leader"])
    round_a, round_b = world["rounds"]

    response = client.get(reverse("inspections:dashboard"), {"round": round_b.pk, "as_of": "2025-06-10"})

    board = response.context["dashboard"]
    assert board.scope.round == round_b and board.scope.as_of == date(2025, 6, 10)
    assert headline(board)["total"] == 2  # the noise task of round B came later


def _view_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("inspections:dashboard"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"as_of": "2025-06-01"}])
def test_query_count_does_not_grow_with_the_data(client, params):
    with time_machine.travel(at(TODAY), tick=False):
        users = ensure_users(ensure_units())
        client.force_login(users["leader"])
        seed_bulk(tasks=10, seed=1, today=TODAY)
        add_complaint_cases(users["duchaban"], 2)
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("inspections:dashboard"), params).status_code == 200
        seed_bulk(tasks=990, seed=2, today=TODAY)
        add_complaint_cases(users["duchaban"], 40)
        with CaptureQueriesContext(connection) as large:
            response = client.get(reverse("inspections:dashboard"), params)
            board = response.context["dashboard"]

    assert headline(board)["total"] == 1000
    assert len(board.rounds) == 2
    assert response.context["complaints"].rates.cases == 42  # the 群众投诉 panel: one aggregate however many
    assert 'data-testid="complaints-panel"' in response.content.decode()
    assert len(large) == len(small), [q["sql"][:120] for q in large]
    # session, user, the figures in one transaction, bell, form choices, the supervision and complaints panels
    assert len(large) <= 19


def add_complaint_cases(bureau, count: int) -> None:
    """`count` more complaint cases, in a complaint round of their own (through the services)."""
    from inspections.complaints import services as complaint_services

    inspection_round = InspectionRound.objects.filter(name="中央督察交办件").first() or services.round_create(
        actor=bureau, kind=RoundKind.CENTRAL, batch=3, name="中央督察交办件"
    )
    batch, _ = complaint_services.batch_get_or_create(actor=bureau, inspection_round=inspection_round, number=1)
    start = batch.cases.count()
    for n in range(start, start + count):
        complaint_services.case_create(actor=bureau, batch=batch, code=f"X{n:05d}", summary=f"投诉{n}", seq=n + 1)


@time_machine.travel(at(TODAY), tick=False)
def test_filterset_as_of_uses_status_then(world):
    leader = world["users"]["leader"]
    sw_task = world["tasks"]["sw"]

    assert sw_task.pk in selectors.task_filterset(user=leader, filters=QueryDict("status=closed")).qs.values_list(
        "pk", flat=True
    )
    as_of = selectors.task_filterset(user=leader, filters=QueryDict("status=not_started&as_of=2025-06-10")).qs
    assert sw_task.pk in as_of.values_list("pk", flat=True)
    assert world["late"].pk not in as_of.values_list("pk", flat=True)
    assert not selectors.task_filterset(user=leader, filters=QueryDict("as_of=not-a-date")).is_valid()


@time_machine.travel(at(TODAY), tick=False)
def test_filterset_completion_event_range(world):
    leader = world["users"]["leader"]

    count = filterset_count(leader, "completion_event_after=2025-06-02&completion_event_before=2025-06-08")

    assert count == 1
    assert filterset_count(leader, "completion_event_after=2025-06-09&completion_event_before=2025-06-15") == 0


@time_machine.travel(at(TODAY), tick=False)
def test_figures_follow_a_write_at_once(world):
    """No cache: a completion shows on the next request."""
    leader, bureau = world["users"]["leader"], world["users"]["duchaban"]
    before = headline(dashboard(user=leader, scope=Scope()))["complete"]

    nssn_task = RectificationTask.objects.get(pk=world["tasks"]["nssn"].pk)
    contact = User.objects.get(unit=world["units"]["NSSN"], role="unit")
    _complete(nssn_task, unit_user=contact, bureau=bureau)

    after = headline(dashboard(user=leader, scope=Scope()))
    assert after["complete"] == before + 1
    assert RectificationTask.objects.get(pk=nssn_task.pk).status == TaskStatus.VERIFIED


@time_machine.travel(at(TODAY), tick=False)
@pytest.mark.parametrize("as_of", [None, date(2025, 6, 10)])
def test_grouping_sets_sql_gives_the_same_rows_as_two_grouped_queries(world, as_of):
    from inspections.asof import tasks_as_of
    from inspections.dashboard.selectors import grouped_rows, scoped_tasks

    day = as_of or TODAY
    base = scoped_tasks(world["users"]["leader"], Scope())
    tasks = tasks_as_of(base, day) if as_of else base

    def normalised(rows):
        return sorted(tuple(sorted((k, v) for k, v in row.items() if v is not None)) for row in rows)

    one_scan = grouped_rows(tasks, day=day, as_of=as_of is not None, grouping_sets=True)
    two_queries = grouped_rows(tasks, day=day, as_of=as_of is not None, grouping_sets=False)
    assert [normalised(rows) for rows in one_scan] == [normalised(rows) for rows in two_queries]
    assert sum(row["total"] for row in one_scan[0]) == tasks.count()
    assert sum(row["total"] for row in one_scan[1]) == tasks.count()
