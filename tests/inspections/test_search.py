"""Chinese search of the task list: substring match, and on PostgreSQL served by pg_trgm GIN indexes."""

import pytest
from django.db import connection
from workflow_setup import world

from inspections import services
from inspections.models import Finding, RectificationTask
from inspections.selectors import task_list

pytestmark = pytest.mark.django_db


def codes(user, q):
    return sorted(t.code for t in task_list(user=user, filters={"q": q}))


def test_chinese_substrings_of_summary_description_goal_and_measures(world):
    services.task_update(actor=world.staff, task=world.township_task, goal="镇区河道消除黑臭")
    assert codes(world.staff, "渗滤液") == ["1-1", "1-2"]  # finding summary: both of its tasks
    assert codes(world.staff, "直排") == ["1-1", "1-2"]  # finding description
    assert codes(world.staff, "处理站") == ["1-1"]  # task measures
    assert codes(world.staff, "黑臭") == ["1-2"]  # task goal, a two-character term
    assert codes(world.staff, "渗滤液 处理站") == ["1-1"]  # every term must match
    assert codes(world.staff, "1-2") == ["1-2"]  # a task code
    assert codes(world.township_user, "渗滤液") == ["1-2"]  # still within access


@pytest.mark.parametrize("q", ["-3", "3-", "99999999999-1", "%", "_", "\\", "'"])
def test_odd_search_input_is_not_an_error(world, q):
    assert codes(world.staff, q) == []


def _explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_trigram_indexes_serve_a_three_character_chinese_term(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('渗滤液'), current_setting('lc_ctype')")
        trigrams, lc_ctype = cursor.fetchone()
    # No ORDER BY: an index that serves the ordering would otherwise stand in for the filter.
    # Under a C (non-UTF-8) LC_CTYPE pg_trgm drops CJK characters and no trigram is made.
    assert trigrams, f"no trigrams for Chinese under LC_CTYPE={lc_ctype}"

    findings = Finding.objects.filter(summary__icontains="渗滤液").order_by().values("pk")
    sql, params = findings.query.sql_with_params()
    assert "finding_summary_trgm" in _explain(sql, params)
    tasks = RectificationTask.objects.filter(measures__icontains="处理站").order_by().values("pk")
    sql, params = tasks.query.sql_with_params()
    assert "task_measures_trgm" in _explain(sql, params)
