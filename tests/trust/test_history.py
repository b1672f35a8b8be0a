"""Field-level history: who changed what, readable diffs in a fixed number of queries, retention."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import UnitKind
from accounts.models import Unit
from accounts.services import unit_create
from inspections import services
from inspections.choices import TaskStatus
from inspections.history import EMPTY, field_changes
from inspections.models import Finding, InspectionRound, RectificationTask

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_service_change_is_recorded_with_its_actor(bureau, task):
    services.task_update(actor=bureau, task=task, goal="水质稳定达到IV类", expected_version=task.version)

    record = task.history.order_by("-history_date", "-history_id").first()
    assert record.history_type == "~"
    assert record.history_user == bureau
    assert record.goal == "水质稳定达到IV类"


def test_field_changes_reports_task_update_with_labels_and_names(bureau, unit_user, units, task):
    services.task_update(
        actor=bureau, task=task, goal="水质稳定达到IV类", lead_unit=units["town"], expected_version=task.version
    )
    task.refresh_from_db()

    newest = field_changes(task)[0]
    assert newest.kind == "~" and newest.kind_label == "修改"
    assert newest.user == bureau
    by_field = {c.field: c for c in newest.changes}
    assert set(by_field) == {"lead_unit", "goal"}  # the version bump is bookkeeping, not shown
    assert (by_field["goal"].label, by_field["goal"].old, by_field["goal"].new) == (
        "整改目标",
        "消除黑臭",
        "水质稳定达到IV类",
    )
    assert (by_field["lead_unit"].label, by_field["lead_unit"].old, by_field["lead_unit"].new) == (
        "牵头单位",
        "测试市水务局",
        "测试南山镇",
    )
    # Declared order of the model: lead_unit comes before goal.
    assert [c.field for c in newest.changes] == ["lead_unit", "goal"]


def test_field_changes_shows_choice_labels_and_creation(bureau, unit_user, task):
    services.task_progress_add(actor=unit_user, task=task, text="已完成截污管网铺设", percent=40, investment="12.5")
    task.refresh_from_db()

    entries = field_changes(task)
    progress = entries[0]
    assert progress.user == unit_user
    changes = {c.field: (c.old, c.new) for c in progress.changes}
    assert changes["status"] == (TaskStatus.NOT_STARTED.label, TaskStatus.IN_PROGRESS.label)
    assert changes["percent"] == ("0", "40")
    assert changes["investment"] == ("0.00", "12.50")
    created = entries[-1]
    assert created.kind == "+" and created.changes == [] and created.user == bureau


def test_version_only_changes_are_left_out(bureau, unit_user, task):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("照片.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    services.task_evidence_add(actor=unit_user, task=task, files=[pdf], kind="document")

    assert task.history.count() == 2  # created + the version bump of the upload
    assert [e.kind for e in field_changes(task)] == ["+"]


def test_field_changes_runs_a_fixed_number_of_queries(bureau, unit_user, units, task):
    def count_queries():
        task.refresh_from_db()
        with CaptureQueriesContext(connection) as ctx:
            entries = field_changes(task, limit=100)
        return len(ctx.captured_queries), len(entries)

    services.task_update(actor=bureau, task=task, lead_unit=units["town"])
    few_queries, few_entries = count_queries()
    for i in range(10):
        task.refresh_from_db()
        services.task_update(
            actor=bureau, task=task, goal=f"目标第{i}版", lead_unit=units["water"] if i % 2 else units["town"]
        )
    many_queries, many_entries = count_queries()

    assert many_entries == few_entries + 10
    # records+users in one query, the units of all lead_unit changes in one more.
    assert few_queries == many_queries == 2


def test_field_changes_respects_limit(bureau, task):
    for i in range(5):
        task.refresh_from_db()
        services.task_update(actor=bureau, task=task, measures=f"措施{i}")
    task.refresh_from_db()

    entries = field_changes(task, limit=3)
    assert [e.changes[0].new for e in entries] == ["措施4", "措施3", "措施2"]
    assert entries[-1].changes[0].old == "措施1"  # the record just past the limit is the baseline


def test_admin_edit_records_the_logged_in_user(client, bureau, units):
    water = units["water"]
    client.force_login(bureau)
    response = client.post(
        reverse("admin:accounts_unit_change", args=[water.pk]),
        {
            "name": "测试市水务局（更名）",
            "code": water.code,
            "kind": UnitKind.DEPARTMENT,
            "parent": units["root"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    record = water.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == bureau
    change = field_changes(water)[0]
    assert change.user == bureau
    assert [(c.label, c.old, c.new) for c in change.changes] == [("单位名称", "测试市水务局", "测试市水务局（更名）")]


def test_empty_values_are_shown_as_a_dash(bureau, units):
    unit = unit_create(name="测试企业", code="T-QY", kind=UnitKind.ENTERPRISE, parent=units["town"])
    unit.parent = None
    unit._history_user = bureau
    unit.save()

    change = field_changes(unit)[0]
    assert [(c.old, c.new) for c in change.changes] == [("测试南山镇", EMPTY)]


# --- retention ---------------------------------------------------------------------------------


def _prune(*args):
    out = StringIO()
    call_command("prune_history", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_and_new_history(bureau, units, make_task):
    """A task changed twice in 2020 and once now, plus a unit created and deleted in 2020."""
    with time_machine.travel(datetime(2020, 3, 1, 9, tzinfo=SHANGHAI), tick=False):
        task = make_task(actor=bureau, lead_unit=units["water"], goal="旧目标")
        services.task_update(actor=bureau, task=task, goal="二〇二〇年三月目标")
    with time_machine.travel(datetime(2020, 6, 1, 9, tzinfo=SHANGHAI), tick=False):
        task.refresh_from_db()
        services.task_update(actor=bureau, task=task, goal="二〇二〇年六月目标")
        gone = unit_create(name="已撤销单位", code="T-GONE", kind=UnitKind.DEPARTMENT, parent=units["root"])
        gone_pk = gone.pk
        gone.delete()
    task.refresh_from_db()
    services.task_update(actor=bureau, task=task, goal="今年的目标")
    return task, gone_pk


def test_prune_deletes_only_records_older_than_the_retention(bureau, old_and_new_history):
    task, gone_pk = old_and_new_history
    before_round = InspectionRound.history.count()
    before_finding = Finding.history.count()

    output = _prune("--days", "365")

    # Of the task's three 2020 records, only the newest stays as the baseline of this year's change.
    assert [r.goal for r in task.history.order_by("history_date")] == ["二〇二〇年六月目标", "今年的目标"]
    assert "inspections.RectificationTask（整改任务）：已删除 2 条历史记录" in output
    # The deleted unit needs no baseline: both of its records go.
    assert not Unit.history.filter(id=gone_pk).exists()
    assert "accounts.Unit（责任单位）：已删除 2 条历史记录" in output
    # One old record each (their creation) is the baseline: nothing to delete.
    assert InspectionRound.history.count() == before_round
    assert Finding.history.count() == before_finding
    # This year's change still shows what it replaced.
    newest = field_changes(task)[0]
    assert [(c.old, c.new) for c in newest.changes] == [("二〇二〇年六月目标", "今年的目标")]


def test_prune_uses_the_retention_setting_by_default(settings, old_and_new_history):
    task, _gone = old_and_new_history
    settings.HISTORY_RETENTION_DAYS = 365 * 100  # everything is within a century
    assert "共 0 条" in _prune()
    assert task.history.count() == 4

    settings.HISTORY_RETENTION_DAYS = 30
    _prune()
    assert task.history.count() == 2


def test_prune_dry_run_counts_without_deleting(old_and_new_history):
    task, _gone = old_and_new_history
    total = sum(m.history.count() for m in (RectificationTask, Unit, InspectionRound, Finding))

    output = _prune("--days", "365", "--dry-run")

    assert "inspections.RectificationTask（整改任务）：将删除 2 条历史记录" in output
    assert "试运行" in output
    assert sum(m.history.count() for m in (RectificationTask, Unit, InspectionRound, Finding)) == total


def test_prune_refuses_a_non_positive_period():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _prune("--days", "0")


def test_recent_history_is_untouched(bureau, task):
    services.task_update(actor=bureau, task=task, goal="新目标")
    with time_machine.travel(datetime.now(SHANGHAI) + timedelta(days=10)):
        output = _prune("--days", "30")
    assert "共 0 条" in output
    assert task.history.count() == 2


# --- display -----------------------------------------------------------------------------------


def test_only_bureau_staff_and_admins_see_history(bureau, unit_user, make_user, units):
    from django.contrib.auth.models import AnonymousUser

    from accounts.choices import Role
    from inspections.access import can_view_history

    admin = make_user("admin", Role.ADMIN)
    leader = make_user("leader", Role.LEADER)
    assert [can_view_history(u) for u in (bureau, admin, leader, unit_user, AnonymousUser())] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_history_include_escapes_user_text(bureau, task):
    from django.template.loader import render_to_string

    services.task_update(actor=bureau, task=task, goal="<script>alert('x')</script>")
    task.refresh_from_db()
    html = render_to_string("inspections/includes/field_history.html", {"history": field_changes(task)})

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "整改目标" in html and "王督察" in html and "修改" in html and "创建" in html
