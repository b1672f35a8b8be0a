"""Chinese search of the task list over one folded document per task (inspections/search.py)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from workflow_setup import world

from accounts import services as account_services
from inspections import services
from inspections.models import RectificationTask
from inspections.search import fold, search_terms, search_texts_refresh, search_texts_stale, task_document
from inspections.selectors import task_list

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")


@pytest.fixture
def eager_celery():
    from rectify.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def codes(user, q):
    return sorted(t.code for t in task_list(user=user, filters={"q": q}))


def pks(user, q):
    return {t.pk for t in task_list(user=user, filters={"q": q})}


def test_folding_turns_full_width_into_half_width_and_lower_case():
    assert fold("ＶＯＣｓ治理") == "vocs治理"
    assert fold("３－２") == "3-2"
    assert fold("ＡＢＣ　ｄｅｆ") == "abc def"  # the ideographic space too
    assert search_terms("  ＶＯＣｓ　渗滤液 ") == ["vocs", "渗滤液"]
    assert len(search_terms(" ".join(f"词{n}" for n in range(20)))) == 8


def test_chinese_substrings_of_summary_description_goal_and_measures(world):
    services.task_update(actor=world.staff, task=world.township_task, goal="镇区河道消除黑臭")
    assert codes(world.staff, "渗滤液") == ["1-1", "1-2"]  # finding summary: both of its tasks
    assert codes(world.staff, "直排") == ["1-1", "1-2"]  # finding description
    assert codes(world.staff, "处理站") == ["1-1"]  # task measures
    assert codes(world.staff, "黑臭") == ["1-2"]  # task goal, a two-character term
    assert codes(world.staff, "渗滤液 处理站") == ["1-1"]  # every term must match
    assert codes(world.staff, "1-2") == ["1-2"]  # a task code
    assert codes(world.township_user, "渗滤液") == ["1-2"]  # still within access


@pytest.mark.parametrize("q", ["-3", "3-", "99999999999-1", "%", "_", "\\", "'", "1-99999999", "3-2-1"])
def test_odd_search_input_is_not_an_error(world, q):
    assert codes(world.staff, q) == []


def test_every_source_of_text_is_searchable(ledger):
    task = ledger.task(
        responsible_person="王建国",
        cooperating_units=[ledger.housing],
        measures="开展ＶＯＣｓ综合治理",
    )
    services.task_update(actor=ledger.bureau, task=task, leader_text="分管副市长", remark="列入重点督办")
    other = ledger.task(lead_unit=ledger.town)
    assert pks(ledger.bureau, "污水直排问题1") == {task.pk}  # the finding's summary
    assert pks(ledger.bureau, "王建国") == {task.pk}  # 责任人
    assert pks(ledger.bureau, ledger.housing.name) == {task.pk}  # a co-operating unit
    assert pks(ledger.bureau, ledger.town.name) == {other.pk}  # the lead unit
    assert pks(ledger.bureau, "vocs") == pks(ledger.bureau, "ＶＯＣｓ") == {task.pk}  # folded both ways
    assert pks(ledger.bureau, "分管副市长") == {task.pk}  # 责任领导 as typed
    assert pks(ledger.bureau, "重点督办") == {task.pk}  # 备注


def test_a_task_code_finds_that_code_not_its_neighbours(ledger):
    tasks = [ledger.task() for _ in range(12)]  # findings 1 … 12, one task each: 1-1 … 12-1
    assert pks(ledger.bureau, "2-1") == {tasks[1].pk}  # not 12-1
    assert pks(ledger.bureau, "２-１") == {tasks[1].pk}  # typed full-width
    assert pks(ledger.bureau, "02-1") == {tasks[1].pk}  # the numbers, not the digits
    # The code line cannot be hit by text terms: "12" is finding 12's summary (污水直排问题12), not 12-1's code
    # and 1-12's; "1-" and "-" are in no text.
    assert pks(ledger.bureau, "12") == {tasks[11].pk}
    assert pks(ledger.bureau, "1-") == pks(ledger.bureau, "-") == set()
    services.task_update(actor=ledger.bureau, task=tasks[5], measures="按2-1号文件整改")
    assert pks(ledger.bureau, "2-1") == {tasks[1].pk}  # a code-shaped term is the code only (see search.term_q)
    assert pks(ledger.bureau, "2-1号") == {tasks[5].pk}  # any other term is text


def test_edits_reassignment_and_finding_edits_update_the_document(ledger):
    task = ledger.task(measures="建设污水管网")
    services.task_update(actor=ledger.bureau, task=task, measures="清理河道淤泥")
    assert pks(ledger.bureau, "管网") == set() and pks(ledger.bureau, "淤泥") == {task.pk}
    services.task_update(actor=ledger.bureau, task=task, lead_unit=ledger.town, cooperating_units=[ledger.housing])
    assert pks(ledger.bureau, ledger.town.name) == {task.pk}
    assert pks(ledger.bureau, ledger.housing.name) == {task.pk}
    assert pks(ledger.bureau, ledger.water.name) == set()
    services.task_update(actor=ledger.bureau, task=task, cooperating_units=[])
    assert pks(ledger.bureau, ledger.housing.name) == set()
    services.finding_update(actor=ledger.bureau, finding=task.finding, summary="工业园区ＶＯＣｓ排放超标")
    assert pks(ledger.bureau, "园区vocs") == {task.pk}
    assert pks(ledger.bureau, "污水直排") == set()
    assert search_texts_stale() == (0, [])


def test_a_unit_rename_refreshes_its_tasks_in_the_background(ledger, eager_celery, django_capture_on_commit_callbacks):
    led = ledger.task(lead_unit=ledger.housing)
    helped = ledger.task(cooperating_units=[ledger.housing])
    untouched = ledger.task(lead_unit=ledger.town)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_services.unit_rename(actor=ledger.admin, unit=ledger.housing, name="市住房和城乡建设局（新）")
    # Nothing is refreshed inside the rename's transaction: the work is queued to run after it commits.
    assert pks(ledger.bureau, "城乡建设局（新）") == set()
    assert len(callbacks) == 1
    stale_before = search_texts_stale()[0]
    callbacks[0]()  # the queued Celery task, run eagerly (no broker in tests)
    assert stale_before == 2
    assert pks(ledger.bureau, "城乡建设局(新)") == {led.pk, helped.pk}  # full-width brackets folded too
    assert untouched.pk not in pks(ledger.bureau, "住房")
    assert search_texts_stale() == (0, [])


def test_a_rename_in_the_admin_reaches_the_search(client, ledger, eager_celery, django_capture_on_commit_callbacks):
    task = ledger.task(lead_unit=ledger.housing)
    client.force_login(ledger.admin)
    ledger.admin.is_staff = True
    ledger.admin.is_superuser = True
    ledger.admin.save()
    unit = ledger.housing
    url = f"/admin/accounts/unit/{unit.pk}/change/"
    data = {"name": "住建局改名后", "code": unit.code, "kind": unit.kind, "parent": unit.parent_id or ""}
    if hasattr(unit, "is_active"):
        data["is_active"] = "on" if unit.is_active else ""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert pks(ledger.bureau, "住建局改名后") == {task.pk}


def test_the_drift_check_finds_and_repairs_stale_documents(ledger):
    first, second = ledger.task(), ledger.task(responsible_person="李四")
    call_command("search_text")  # all current: no error
    # Writes past the services (a raw UPDATE, a restore of an old dump) leave documents stale.
    RectificationTask.objects.filter(pk=first.pk).update(search_text="")
    RectificationTask.objects.filter(pk=second.pk).update(responsible_person="赵六")
    with pytest.raises(CommandError, match="2 项任务的检索文本已过期"):
        call_command("search_text", "--check")
    assert pks(ledger.bureau, "赵六") == set()
    call_command("search_text", "--repair")
    call_command("search_text")
    assert pks(ledger.bureau, "赵六") == {second.pk}
    assert first.pk in pks(ledger.bureau, "污水直排")
    assert search_texts_refresh() == 0  # nothing left to rewrite


@postgres_only
def test_the_sql_document_is_the_python_one(ledger):
    task = ledger.task(
        measures="Ｗａｔｅｒ　治理\n第二段",
        responsible_person="ＡＢＣ",
        cooperating_units=[ledger.town, ledger.housing, ledger.plant],
    )
    RectificationTask.objects.filter(pk=task.pk).update(search_text="")
    assert search_texts_refresh(task_ids=[task.pk]) == 1
    task = RectificationTask.objects.get(pk=task.pk)
    assert task.search_text == task_document(task)
    assert "water 治理" in task.search_text and "abc" in task.search_text


def _explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize("q", ["渗滤液", "ＶＯＣｓ", "渗滤液 处理站", "1-2"])
def test_the_trigram_index_serves_the_search(world, q):
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('渗滤液'), current_setting('lc_ctype')")
        trigrams, lc_ctype = cursor.fetchone()
    # Under a C (non-UTF-8) LC_CTYPE pg_trgm drops CJK characters and no trigram is made.
    assert trigrams, f"no trigrams for Chinese under LC_CTYPE={lc_ctype}"
    # No ORDER BY: an index that serves the ordering would otherwise stand in for the filter.
    tasks = task_list(user=world.staff, filters={"q": q}).order_by().values("pk")
    sql, params = tasks.query.sql_with_params()
    plan = _explain(sql, params)
    assert "task_search_text_trgm" in plan, plan
    # One column, no subquery over findings or units, no OR across tables.
    where = sql.split(" WHERE ", 1)[1]
    assert "inspections_finding" not in where and "accounts_unit" not in where
    assert where.count("search_text") == len(q.split())


@postgres_only
def test_the_finding_list_keeps_its_own_trigram_index(world):
    from inspections.models import Finding

    findings = Finding.objects.filter(summary__icontains="渗滤液").order_by().values("pk")
    sql, params = findings.query.sql_with_params()
    assert "finding_summary_trgm" in _explain(sql, params)


def test_the_bulk_seeder_fills_the_documents():
    from inspections.demo.bulk import seed_bulk

    seed_bulk(tasks=60, seed=5)
    assert RectificationTask.objects.count() >= 60
    assert not RectificationTask.objects.filter(search_text="").exists()
    assert search_texts_stale() == (0, [])


@postgres_only
def test_the_migration_backfill_builds_the_same_documents(ledger):
    import importlib

    backfill = importlib.import_module("inspections.migrations.0018_task_search_text").BACKFILL
    ledger.task(cooperating_units=[ledger.town, ledger.housing], responsible_person="ＸＹＺ")
    ledger.task(lead_unit=ledger.town)
    RectificationTask.objects.update(search_text="")
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert search_texts_stale() == (0, [])
