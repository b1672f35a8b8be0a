"""The dashboard's two heaviest reads are served from an index alone (covering indexes of migration 0007).

With sequential scans priced out, the plan must be an index-only scan of the named index: if a figure
starts to need a column the index lacks (or the completion-event filter stops matching the partial
index's condition), this fails instead of the 100,000-task benchmark quietly slowing down.
"""

import re
from datetime import date

import pytest
from django.db import connection, transaction

from accounts.models import User
from inspections.asof import completion_events
from inspections.dashboard.selectors import Scope, _tune_postgresql, grouped_counts, grouped_sql, scoped_tasks
from inspections.demo.bulk import seed_bulk
from inspections.demo.units import ensure_units, ensure_users
from inspections.models import RectificationTask

pytestmark = [
    pytest.mark.django_db(transaction=True),  # VACUUM cannot run inside the test's transaction
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL"),
]
TODAY = date(2025, 6, 18)


def _plan(sql: str, params) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        _tune_postgresql(TODAY)
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def leader():
    users = ensure_users(ensure_units())
    seed_bulk(tasks=200, seed=1, today=TODAY)
    with connection.cursor() as cursor:  # as autovacuum would: statistics and the visibility map
        cursor.execute("VACUUM ANALYZE inspections_rectificationtask, inspections_taskevent")
    return users["leader"]


def _columns_read_from(model, sql: str, params) -> set[str]:
    """The model's columns that the plan's scans of its table use (EXPLAIN VERBOSE's Output and Filter)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]["Plan"]
    used, nodes = [], [plan]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node.get("Relation Name") == model._meta.db_table:
            used += [*node["Output"], node.get("Filter", "")]
    text = " ".join(used)
    return {f.column for f in model._meta.concrete_fields if re.search(rf"\b{f.column}\b", text)}


def test_grouped_counts_need_no_column_beyond_the_covering_index(leader):
    """Every column the main query reads is in task_dashboard_figures, so PostgreSQL can answer it
    with an index-only scan (the benchmark's plan at 100,000 tasks); 200 tasks are too few for the
    planner to prefer it, so the columns are checked instead."""
    index = next(i for i in RectificationTask._meta.indexes if i.name == "task_dashboard_figures")
    indexed = {RectificationTask._meta.get_field(name).column for name in index.fields}
    queryset = grouped_counts(scoped_tasks(leader, Scope()), day=TODAY, as_of=False)
    sql, params, _columns = grouped_sql(queryset)

    read = _columns_read_from(RectificationTask, sql, params)

    assert read and read <= indexed, read - indexed


def test_weekly_trend_reads_only_the_partial_completion_index(leader):
    events = completion_events(date(2025, 3, 31), TODAY).order_by().values("task_id", "at")
    sql, params = events.query.sql_with_params()

    plan = _plan(sql, params)

    assert "Index Only Scan using event_completion_at" in plan, plan


def test_unit_users_scope_is_read_through_indexes(leader):
    """A unit user's tasks are found through the lead unit and primary key indexes, not a full scan."""
    zhujian = User.objects.get(username="zhujian")
    sql, params = scoped_tasks(zhujian, Scope()).values("pk").query.sql_with_params()

    plan = _plan(sql, params)

    assert "Seq Scan on inspections_rectificationtask" not in plan, plan
    assert "= ANY" in plan, plan


def test_a_units_todo_counts_are_index_ranges_of_its_lead_units(leader):
    """The menu's to-do counts of a unit user (on every page, the dashboard's slowest query at 1M tasks) never read
    the cooperation half of the visibility rule: overdue reads task_lead_status_deadline, 被退回 the tasks with a
    reject through event_task_rejected (due soon may take any of the deadline indexes on this little data)."""
    from inspections.todo.selectors import _base, _conditions

    zhujian = User.objects.get(username="zhujian")
    conditions = _conditions(zhujian, TODAY)
    for key in ("overdue", "due", "returned"):
        queryset = _base(zhujian, TODAY).filter(conditions[key][0]).order_by().values("pk")[:1000]
        sql, params = queryset.query.sql_with_params()
        plan = _plan(sql, params)
        assert "cooperating_units" not in plan, plan
        indexes = {
            "overdue": ("task_lead_status_deadline",),
            "due": ("task_lead_status_deadline", "task_status_deadline", "task_open_deadline"),
            "returned": ("event_task_rejected",),
        }[key]
        assert any(index in plan for index in indexes), (key, plan)


def test_a_units_cooperation_rows_are_read_from_an_index_alone(leader):
    """Every part of a unit user's view that covers cooperated tasks starts from its subtree's cooperation rows:
    an index-only scan of task_coop_unit_task (migration 0022), not a heap visit per row."""
    from inspections.access import cooperated_elsewhere_tasks

    zhujian = User.objects.get(username="zhujian")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE inspections_rectificationtask_cooperating_units")
    sql, params = cooperated_elsewhere_tasks(zhujian).values("pk").query.sql_with_params()

    plan = _plan(sql, params)

    assert "Index Only Scan using task_coop_unit_task" in plan, plan
