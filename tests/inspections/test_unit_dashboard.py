"""A unit's dashboard (issue 19): the figures of a unit with sub-units and cooperated tasks (its subtree's lead-unit
counters, plus the tasks led elsewhere that its units cooperate on) and its to-do counts (the menu's badge), equal to
a direct recomputation from the tasks the access rule lets it see; the same number of queries whatever the data."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Unit
from accounts.services import unit_move, user_create
from inspections import services, summaries
from inspections.access import cooperated_elsewhere_tasks, led_tasks, led_within, visible_tasks
from inspections.choices import COMPLETE_STATUSES, EvidenceKind, TaskStatus, Warning
from inspections.dashboard.selectors import OVERDUE_LIMIT
from inspections.demo.bulk import seed_bulk
from inspections.demo.realistic import TINY_PDF
from inspections.figures import completion_rate, due_soon_days
from inspections.models import RectificationTask, TaskEvent
from inspections.models.tasks import end_of_day
from inspections.todo.selectors import todo_counts
from inspections.workflow import Action
from tests.inspections.test_dashboard import TODAY, _complete, at, world
from tests.inspections.test_figure_summaries import summary_used

pytestmark = pytest.mark.django_db


def township_contact():
    """A contact of the bulk township whose subtree (the township and its enterprises) sees the most tasks led
    outside it: a unit with sub-units whose view mixes led and cooperated tasks."""
    townships = Unit.objects.filter(code__startswith="BULK-T")

    def elsewhere(unit):
        return visible_tasks_of(unit).exclude(led_within(unit)).count()

    unit = max(townships, key=lambda u: (elsewhere(u), -u.pk))
    assert Unit.objects.filter(parent=unit).exists()
    return user_create(username="township_contact", password=None, role=Role.UNIT, unit=unit, full_name="乡镇联络员")


def visible_tasks_of(unit):
    cooperating = RectificationTask.cooperating_units.through.objects.filter(unit__path__startswith=unit.path).values(
        "rectificationtask_id"
    )
    return RectificationTask.objects.filter(led_within(unit)) | RectificationTask.objects.filter(pk__in=cooperating)


def counted(tasks: list[dict], day) -> dict:
    """The headline, per-round and per-category figures of `tasks` (dicts with round_id, category, status,
    deadline, signed_off_at) on `day`, counted task by task in Python."""
    monday = day - timedelta(days=day.weekday())
    soon = day + timedelta(days=due_soon_days())
    groups = {"rounds": {}, "categories": {}}
    for t in tasks:
        for name, key in (("rounds", str(t["round_id"])), ("categories", t["category"])):
            total, done, late = groups[name].get(key, (0, 0, 0))
            groups[name][key] = (total + 1, done + complete(t), late + overdue(t, day))
    n_complete = sum(map(complete, tasks))
    return {
        "headline": {
            "total": len(tasks),
            "complete": n_complete,
            "rate": completion_rate(n_complete, len(tasks)),
            "overdue": sum(overdue(t, day) for t in tasks),
            "due_soon": sum(
                1 for t in tasks if not complete(t) and t["deadline"] is not None and day <= t["deadline"] <= soon
            ),
            "in_notice": sum(1 for t in tasks if t["status"] == TaskStatus.IN_NOTICE),
            "closed_week": sum(
                1
                for t in tasks
                if t["signed_off_at"] and monday <= timezone.localtime(t["signed_off_at"]).date() <= day
            ),
        },
        **groups,
    }


def complete(t) -> bool:
    return t["status"] in COMPLETE_STATUSES


def overdue(t, day) -> bool:
    return not complete(t) and t["deadline"] is not None and t["deadline"] < day


def recomputed(user, today) -> dict:
    """The dashboard's headline, per-round, per-category and warning figures, counted task by task in Python."""
    tasks = list(
        visible_tasks(user)
        .with_schedule(today)
        .values("round_id", "category", "status", "deadline", "signed_off_at", "warning")
    )
    return {
        **counted(tasks, today),
        "warnings": dict(Counter(t["warning"] for t in tasks)),
        "trend": trend_recomputed(user, today),
    }


def trend_recomputed(user, today) -> dict:
    """{Monday: tasks whose status became complete (from an open one) that week}, over the last 12 weeks."""
    first_monday = today - timedelta(days=today.weekday(), weeks=11)
    visible = set(visible_tasks(user).values_list("pk", flat=True))
    weeks = {first_monday + timedelta(weeks=i): set() for i in range(12)}
    for task_id, moment, source, target in TaskEvent.objects.filter(kind="transition").values_list(
        "task_id", "at", "from_status", "to_status"
    ):
        local = timezone.localtime(moment).date()
        monday = local - timedelta(days=local.weekday())
        if task_id in visible and target in COMPLETE_STATUSES and source not in COMPLETE_STATUSES and monday in weeks:
            if local <= today:
                weeks[monday].add(task_id)
    return {monday.isoformat(): len(tasks) for monday, tasks in weeks.items()}


def shown(board) -> dict:
    return {
        "headline": {f.key: f.value for f in board.headline},
        "rounds": {g.key: (g.total, g.complete, g.overdue) for g in board.rounds},
        "categories": {g.key: (g.total, g.complete, g.overdue) for g in board.categories},
        "warnings": {f.key: f.value for f in board.warnings if f.value},
        "trend": {f.key: f.value for f in board.trend},
    }


def todo_recomputed(user, today) -> dict:
    """The unit's to-do lists counted directly: open tasks its subtree leads, overdue / due soon / sent back (the
    last status change a reject)."""
    mine = [
        t
        for t in visible_tasks(user).filter(led_within(user.unit)).values("pk", "status", "deadline")
        if t["status"] in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)
    ]
    last_action = {}
    for task_id, action in (
        TaskEvent.objects.filter(task_id__in=[t["pk"] for t in mine], kind="transition")
        .order_by("at", "id")
        .values_list("task_id", "action")
    ):
        last_action[task_id] = action
    soon = today + timedelta(days=due_soon_days())
    return {
        "overdue": sum(1 for t in mine if t["deadline"] and t["deadline"] < today),
        "due": sum(1 for t in mine if t["deadline"] and today <= t["deadline"] <= soon),
        "returned": sum(
            1 for t in mine if t["status"] == TaskStatus.IN_PROGRESS and last_action.get(t["pk"]) == Action.REJECT
        ),
    }


def cooperation_counters_used(queries) -> bool:
    """The dashboard read the unit's cooperation counters, and did not scan the tasks led elsewhere."""
    sqls = [q["sql"] for q in queries.captured_queries]
    return any("inspections_taskcooperationfigure" in sql for sql in sqls) and not any(
        "GROUPING SETS" in sql and "inspections_rectificationtask_cooperating_units" in sql for sql in sqls
    )


def round_choices(response) -> list[str]:
    return [value for value, _label, _selected in response.context["round_options"] if value]


def rounds_recomputed(user) -> list[str]:
    """The rounds of the tasks the user sees, in the form's order."""
    rounds = {task.round for task in visible_tasks(user).select_related("round")}
    return [str(r.pk) for r in sorted(rounds, key=lambda r: (r.feedback_date, r.pk))]


def send_back(world, user, n: int) -> None:
    """Submit and reject `n` of the tasks the user's subtree leads (through the services), so 被退回 is not empty."""
    bureau = world["users"]["duchaban"]
    tasks = RectificationTask.objects.filter(led_within(user.unit), status=TaskStatus.IN_PROGRESS).order_by("pk")
    for task in tasks[:n]:
        services.task_evidence_add(
            actor=user,
            task=task,
            kind=EvidenceKind.ACCEPTANCE,
            files=[SimpleUploadedFile("验收报告.pdf", TINY_PDF, content_type="application/pdf")],
        )
        task = services.task_submit(actor=user, task=task, reason="已完成整改，申请销号")
        services.task_reject(actor=bureau, task=task, reason="材料不全")


def test_a_units_dashboard_and_todo_counts_equal_a_direct_recomputation(world, client):
    bureau = world["users"]["duchaban"]
    with time_machine.travel(at(TODAY - timedelta(days=30)), tick=False):
        summaries.figures_seeded(today=TODAY - timedelta(days=30))
        seed_bulk(tasks=600, seed=5, today=TODAY - timedelta(days=30))
        user = township_contact()
        # A task led elsewhere comes into the subtree's view (the bureau adds a cooperating unit of it) and is
        # completed ten days before today: a week of the trend that only the cooperated part holds.
        outside = (
            RectificationTask.objects.exclude(pk__in=visible_tasks(user).values("pk"))
            .filter(status=TaskStatus.IN_PROGRESS)
            .order_by("pk")
            .first()
        )
        services.task_update(
            actor=bureau, task=outside, cooperating_units=[Unit.objects.filter(parent=user.unit).first()]
        )
    with time_machine.travel(at(TODAY - timedelta(days=10)), tick=False):
        lead_contact = user_create(
            username="lead_contact", password=None, role=Role.UNIT, unit=outside.lead_unit, full_name="牵头单位联络员"
        )
        _complete(RectificationTask.objects.get(pk=outside.pk), unit_user=lead_contact, bureau=bureau)
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_roll(today=TODAY)
        send_back(world, user, 2)
        assert summaries.figures_reconcile() == []

        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspections:dashboard"))
        assert response.status_code == 200
        assert summary_used(queries), "the unit's figures were not read from the counters"
        assert cooperation_counters_used(queries), "the tasks led elsewhere were scanned, not read from the counters"
        assert round_choices(response) == rounds_recomputed(user)
        expected = recomputed(user, TODAY)
        expected["warnings"] = {k: v for k, v in expected["warnings"].items() if v}
        assert shown(response.context["dashboard"]) == expected
        assert expected["headline"]["total"] > visible_tasks(user).filter(led_within(user.unit)).count() > 0
        assert set(expected["warnings"]) - {Warning.DONE}, "a comparison without open tasks proves little"
        completed = (TODAY - timedelta(days=10)) - timedelta(days=(TODAY - timedelta(days=10)).weekday())
        assert expected["trend"][completed.isoformat()] > 0

        counts = todo_counts(user, today=TODAY)
        assert {key: counts[key] for key in ("overdue", "due", "returned")} == todo_recomputed(user, TODAY)
        assert counts["returned"] == 2 and counts["overdue"] > 0


def test_a_units_dashboard_query_count_does_not_grow_with_its_tasks(world, client):
    with time_machine.travel(at(TODAY), tick=False):
        summaries.figures_seeded(today=TODAY)
        seed_bulk(tasks=100, seed=5, today=TODAY)
        user = township_contact()
        client.force_login(user)
        client.get(reverse("inspections:dashboard"))  # the session and content types
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("inspections:dashboard")).status_code == 200
        seed_bulk(tasks=800, seed=6, today=TODAY)
        send_back(world, user, 2)
        with CaptureQueriesContext(connection) as large:
            response = client.get(reverse("inspections:dashboard"))
        assert response.context["dashboard"].headline[0].value > 0
        assert len(large.captured_queries) == len(small.captured_queries)


def test_led_and_cooperated_elsewhere_tasks_split_the_visible_tasks(world):
    """access.led_tasks and access.cooperated_elsewhere_tasks, written without the visibility OR, are exactly the
    two parts of what the access rule lets a unit user see; for those who see everything, all and nothing."""
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=300, seed=5, today=TODAY)
    users = [township_contact(), world["users"]["nanshan"], world["zhujian"], world["users"]["leader"]]
    for user in users:
        visible = set(visible_tasks(user).values_list("pk", flat=True))
        led = set(led_tasks(user).values_list("pk", flat=True))
        elsewhere = set(cooperated_elsewhere_tasks(user).values_list("pk", flat=True))
        if user.sees_everything:
            assert (led, elsewhere) == (visible, set())
            continue
        assert led == set(visible_tasks(user).filter(led_within(user.unit)).values_list("pk", flat=True))
        assert led | elsewhere == visible and not led & elsewhere, user
    assert cooperated_elsewhere_tasks(users[0]).exists()


def test_the_cooperation_counters_follow_the_writes_and_the_unit_tree(world, client):
    """After the roll, writes that move a task into or out of a unit's cooperated view (cooperating units added
    and removed, a lead unit moved into the subtree, a new task with a cooperating unit, a status change) keep
    the cooperation counters equal to a recomputation, and the page equal to a direct count; a moved unit
    makes the page scan the tasks led elsewhere (still exact) until reconcile --repair (or the roll) rebuilds."""
    bureau = world["users"]["duchaban"]
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=400, seed=5, today=TODAY)
        summaries.figures_roll(today=TODAY)
        user = township_contact()
        child = Unit.objects.filter(parent=user.unit).order_by("pk").first()
        outside = RectificationTask.objects.exclude(pk__in=visible_tasks(user).values("pk")).order_by("pk")
        first, second, third = outside[0], outside[1], outside[2]
        services.task_update(actor=bureau, task=first, cooperating_units=[child, user.unit])
        services.task_update(actor=bureau, task=second, cooperating_units=[child])
        services.task_update(actor=bureau, task=second, cooperating_units=[])
        services.task_update(actor=bureau, task=third, cooperating_units=[child])
        services.task_update(actor=bureau, task=RectificationTask.objects.get(pk=third.pk), lead_unit=user.unit)
        elsewhere = cooperated_elsewhere_tasks(user).filter(status=TaskStatus.NOT_STARTED).first()
        services.task_update(actor=bureau, task=elsewhere, deadline_text=str(TODAY - timedelta(days=3)))
        services.task_assign(
            actor=bureau,
            finding=first.finding,
            lead_unit=first.lead_unit,
            deadline_text=str(TODAY + timedelta(days=2)),
            cooperating_units=[child],
        )
        assert summaries.figures_reconcile() == []
        summaries.figures_compact()
        assert summaries.figures_reconcile() == []

        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspections:dashboard"))
        assert cooperation_counters_used(queries)
        expected = recomputed(user, TODAY)
        expected["warnings"] = {k: v for k, v in expected["warnings"].items() if v}
        assert shown(response.context["dashboard"]) == expected
        assert round_choices(response) == rounds_recomputed(user)

        # A unit of the tree moves: the counters' viewers are no longer the ancestors, so they are not read.
        other = Unit.objects.exclude(path__startswith=user.unit.path).filter(parent__isnull=False).order_by("pk")
        unit_move(unit=other.last(), parent=user.unit)
        user.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspections:dashboard"))
        assert not cooperation_counters_used(queries)
        assert any("GROUPING SETS" in q["sql"] and "cooperating_units" in q["sql"] for q in queries.captured_queries)
        expected = recomputed(user, TODAY)
        expected["warnings"] = {k: v for k, v in expected["warnings"].items() if v}
        assert shown(response.context["dashboard"]) == expected
        assert round_choices(response) == rounds_recomputed(user)
        assert [d.key[0] for d in summaries.figures_reconcile(repair=True) if d.table == "cooperation"][-1] == (
            "unit tree"
        )
        assert summaries.figures_reconcile() == []
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspections:dashboard"))
        assert cooperation_counters_used(queries)
        assert shown(response.context["dashboard"]) == expected

        # Moved away and back, with a write between: the write's deltas follow the tree the counters were built
        # on, so once the tree is that again they are read and still exact.
        moved, home = child, child.parent
        unit_move(unit=moved, parent=Unit.objects.exclude(path__startswith=user.unit.path).order_by("pk").first())
        services.task_update(actor=bureau, task=RectificationTask.objects.get(pk=first.pk), cooperating_units=[moved])
        unit_move(unit=Unit.objects.get(pk=moved.pk), parent=home)
        assert summaries.figures_reconcile() == []
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspections:dashboard"))
        assert cooperation_counters_used(queries)
        expected = recomputed(user, TODAY)
        expected["warnings"] = {k: v for k, v in expected["warnings"].items() if v}
        assert shown(response.context["dashboard"]) == expected


def replayed_as_of(user, day) -> tuple[dict, list[int], dict]:
    """A unit's dashboard figures as of the end of `day`, task by task: each visible task that existed then with
    the status of its last status event by then (the later id on a tie), else its current status; and the
    ids of the first overdue tasks of that day in (deadline, id) order."""
    end = end_of_day(day)
    tasks = list(
        visible_tasks(user)
        .filter(created_at__lte=end)
        .values("pk", "round_id", "category", "status", "deadline", "signed_off_at")
    )
    then = {}
    for task_id, to_status in (
        TaskEvent.objects.filter(task_id__in=[t["pk"] for t in tasks], at__lte=end)
        .exclude(to_status="")
        .order_by("at", "id")
        .values_list("task_id", "to_status")
    ):
        then[task_id] = to_status
    for t in tasks:
        t["status"] = then.get(t["pk"], t["status"])
    figures = {**counted(tasks, day), "trend": trend_recomputed(user, day)}
    late = sorted((t for t in tasks if overdue(t, day)), key=lambda t: (t["deadline"], t["pk"]))
    return figures, [t["pk"] for t in late[:OVERDUE_LIMIT]], then


def test_a_units_as_of_dashboard_equals_a_task_by_task_replay(world, client):
    day = TODAY - timedelta(days=40)
    with time_machine.travel(at(TODAY), tick=False):
        seed_bulk(tasks=600, seed=5, today=TODAY)
        user = township_contact()
        elsewhere = set(cooperated_elsewhere_tasks(user).values_list("pk", flat=True))
        changed_since = set(
            TaskEvent.objects.filter(task_id__in=elsewhere, at__gt=end_of_day(day))
            .exclude(to_status="")
            .values_list("task_id", flat=True)
        )
        assert changed_since, "no task led elsewhere changed status after the day: the replay would prove little"

        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("inspections:dashboard"), {"as_of": day.isoformat()})
        assert response.status_code == 200
        board = response.context["dashboard"]
        assert not board.reconstructed, "the led tasks were replayed, not read from the snapshots"
        # The tasks led elsewhere: their status then probed once per task (a LATERAL join), not once per figure.
        assert any("LATERAL" in q["sql"] and "GROUPING SETS" in q["sql"] for q in queries.captured_queries)
        expected, overdue_ids, _then = replayed_as_of(user, day)
        state = {
            "headline": {f.key: f.value for f in board.headline},
            "rounds": {g.key: (g.total, g.complete, g.overdue) for g in board.rounds},
            "categories": {g.key: (g.total, g.complete, g.overdue) for g in board.categories},
            "trend": {f.key: f.value for f in board.trend},
        }
        assert state == expected
        assert [t.pk for t in board.overdue_tasks] == overdue_ids
        assert expected["headline"]["total"] > expected["headline"]["complete"] > 0
        assert expected["headline"]["overdue"] > 0
        led_then = visible_tasks(user).filter(led_within(user.unit), created_at__lte=end_of_day(day)).count()
        assert expected["headline"]["total"] > led_then > 0, "the tasks led elsewhere are part of the comparison"

        # The query count does not grow with the tasks (led or cooperated).
        seed_bulk(tasks=400, seed=6, today=TODAY)
        with CaptureQueriesContext(connection) as more:
            assert client.get(reverse("inspections:dashboard"), {"as_of": day.isoformat()}).status_code == 200
        assert len(more.captured_queries) == len(queries.captured_queries)
