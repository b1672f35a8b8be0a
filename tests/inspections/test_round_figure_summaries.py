"""The round list's and the round page's figures from the summary counters (issue 19): the same numbers as
the scan of the tasks, for the leader, the bureau and unit users (whose tasks led elsewhere that their units
cooperate on are added), kept by the writes, and scanned when the counters do not hold the day."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from inspections import services, summaries
from inspections.access import cooperating_elsewhere, led_within, visible_tasks
from inspections.choices import Category, TaskStatus
from inspections.models import RectificationTask, TaskFigure
from inspections.selectors import round_summary
from tests.inspections.test_dashboard import TODAY, at, world
from tests.inspections.test_figure_summaries import counters_off

pytestmark = pytest.mark.django_db


def figures(user, rounds=None, today=TODAY) -> list[tuple]:
    return [
        (f.round.pk, f.total, f.complete, f.overdue, f.rate)
        for f in round_summary(user=user, rounds=rounds, today=today)
    ]


def readers(world):
    users = world["users"]
    # nanshan's units lead one task and cooperate on one led by 住建局 (the "coop" task).
    return [users["leader"], users["duchaban"], users["nanshan"], world["zhujian"]]


PROBE = 1000


@contextmanager
def probe(inspection_round, user):
    """A counter delta of PROBE open tasks in `inspection_round`, led by the user's unit (or the first lead unit),
    rolled back after: a figure that moves by PROBE was read from the counters, one that does not was scanned."""
    unit_id = (
        user.unit_id if not user.sees_everything else RectificationTask.objects.values_list("lead_unit", flat=True)[0]
    )
    with transaction.atomic():
        TaskFigure.objects.create(
            round_id=inspection_round.pk,
            lead_unit_id=unit_id,
            category=Category.WATER,
            status=TaskStatus.NOT_STARTED,
            warning="",
            deadline_class="",
            closed_week=False,
            n=PROBE,
        )
        yield
        transaction.set_rollback(True)


def total_of(user, inspection_round, today=TODAY) -> int:
    return round_summary(user=user, rounds=[inspection_round], today=today)[0].total


def reads_counters(user, inspection_round, today=TODAY) -> bool:
    plain = total_of(user, inspection_round, today)
    with probe(inspection_round, user):
        probed = total_of(user, inspection_round, today)
    assert probed in (plain, plain + PROBE)
    return probed == plain + PROBE


def assert_round_figures_same_as_scan(world, today=TODAY) -> None:
    round_a, round_b = world["rounds"]
    for user in readers(world):
        assert reads_counters(user, round_a, today), f"the counters were not read for {user}"
        for rounds in (None, [round_a], [round_b]):
            from_counters = figures(user, rounds, today)
            with counters_off():
                assert not reads_counters(user, round_a, today)
                scanned = figures(user, rounds, today)
            assert from_counters == scanned, user
            if rounds is None:
                assert any(row[1] for row in from_counters), "a comparison of empty figures proves nothing"


def test_round_figures_from_the_counters_equal_the_scan(world):
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        assert_round_figures_same_as_scan(world)


def test_a_unit_users_round_figures_count_the_cooperated_task_once(world):
    nanshan = world["users"]["nanshan"]
    round_a, _round_b = world["rounds"]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        # Round A for 南山镇: its own air task (complete) and the water task it cooperates on (led by 住建局).
        assert figures(nanshan, [round_a]) == [(round_a.pk, 2, 1, 0, 50.0)]


def test_writes_after_the_roll_keep_the_round_figures_equal_to_the_scan(world):
    users, units, tasks = world["users"], world["units"], world["tasks"]
    bureau, nanshan = users["duchaban"], users["nanshan"]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        services.task_start(actor=world["zhujian"], task=tasks["coop"])
        # The cooperated task moves into 南山镇's own subtree, and another task moves out of it.
        services.task_update(actor=bureau, task=tasks["coop"], lead_unit=units["NSZ"])
        services.task_update(
            actor=bureau, task=RectificationTask.objects.get(pk=tasks["nssn"].pk), lead_unit=units["ZJ"]
        )
        assert_round_figures_same_as_scan(world)
        assert summaries.figures_reconcile() == []
    assert RectificationTask.objects.filter(lead_unit=units["NSZ"]).count() == 2
    assert nanshan.unit_id == units["NSZ"].pk


def test_round_figures_scan_when_the_counters_do_not_hold_the_day(world):
    leader = world["users"]["leader"]
    round_a, _round_b = world["rounds"]
    with time_machine.travel(at(TODAY), tick=False):
        with counters_off():
            scanned = figures(leader)
        summaries.figures_roll(today=TODAY - timedelta(days=1))  # yesterday's counters: stale today
        assert not reads_counters(leader, round_a)
        assert figures(leader) == scanned
        summaries.figures_roll(today=TODAY)
        assert reads_counters(leader, round_a)
        assert figures(leader) == scanned


def test_round_page_reads_the_counters_and_shows_the_scans_figures(client, world):
    round_a, _round_b = world["rounds"]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        url = reverse("inspections:round_detail", args=[round_a.pk])
        for user in readers(world):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200
            shown = response.context["figures"]
            with counters_off():
                scanned = round_summary(user=user, rounds=[round_a])[0]
            assert (shown.total, shown.complete, shown.overdue) == (scanned.total, scanned.complete, scanned.overdue)
            assert shown.total > 0
            with probe(round_a, user):
                assert client.get(url).context["figures"].total == scanned.total + PROBE


def test_round_figures_are_two_queries_on_either_path(world, django_assert_num_queries):
    nanshan = world["users"]["nanshan"]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        for user in (world["users"]["leader"], nanshan):
            with django_assert_num_queries(2):  # the visible rounds, then their figures
                round_summary(user=user)
            with counters_off(), django_assert_num_queries(2):
                round_summary(user=user)


def test_cooperating_elsewhere_is_the_visible_tasks_not_led_within(world):
    for user in readers(world):
        if user.sees_everything:
            continue
        expected = set(visible_tasks(user).exclude(led_within(user.unit)).values_list("pk", flat=True))
        assert set(RectificationTask.objects.filter(cooperating_elsewhere(user)).values_list("pk", flat=True)) == (
            expected
        )
    assert (
        RectificationTask.objects.filter(cooperating_elsewhere(world["users"]["nanshan"])).get()
        == world["tasks"]["coop"]
    )


def _scan_runs(user, round_ids) -> tuple[list[int], list[int]]:
    """The round figures' statement under EXPLAIN ANALYZE, with parallel plans made cheap (as they are for a big
    table): how often its scan of the tasks ran, and how many parallel workers each Gather launched."""
    import json

    from django.db import connection

    from inspections.selectors import _scanned

    held = [summaries.round_counts(round_ids=round_ids).filter(summaries.holds_day(TODAY))]
    sql, params = summaries.held_or_scanned(held, _scanned(visible_tasks(user), round_ids, TODAY), day=TODAY)
    with connection.cursor() as cursor:
        for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
            cursor.execute(f"SET LOCAL {setting} = 0")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    loops, workers = [], []

    def scans_tasks(node) -> bool:
        return node.get("Relation Name") == "inspections_rectificationtask" or any(
            scans_tasks(child) for child in node.get("Plans", [])
        )

    nodes = [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if node.get("Relation Name") == "inspections_rectificationtask":
            loops.append(node["Actual Loops"])
        if node["Node Type"] == "Gather" and scans_tasks(node):
            workers.append(node.get("Workers Launched", 0))
        nodes.extend(node.get("Plans", []))
    return loops, workers


def test_the_scan_fallback_does_not_start_while_the_counters_hold(world):
    """The fallback's gate sits above it (behind OFFSET 0): a parallel scan's workers are not even launched."""
    leader = world["users"]["leader"]
    round_ids = [f.round.pk for f in round_summary(user=leader)]
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        loops, workers = _scan_runs(leader, round_ids)
        assert set(loops) == {0} and set(workers) <= {0}
        with counters_off():
            loops, _workers = _scan_runs(leader, round_ids)
            assert loops and all(n >= 1 for n in loops)
