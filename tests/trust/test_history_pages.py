"""History on the object pages (task with its finding, round): bureau staff and admins only, fixed queries;
the daily beat entry that prunes it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.choices import Role
from inspections import services
from inspections.housekeeping.tasks import prune_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(make_user, units):
    return make_user("lingdao", Role.LEADER, units["root"], full_name="陈领导")


@pytest.fixture
def admin_user(make_user, units):
    return make_user("boss", Role.ADMIN, units["root"], full_name="系统管理员", is_staff=True)


def _edit(bureau, task, goal):
    services.task_update(actor=bureau, task=task, goal=goal, expected_version=task.version)
    task.refresh_from_db()


def test_bureau_sees_who_changed_the_task_and_its_finding(client, bureau, task):
    _edit(bureau, task, "水质稳定达到IV类")
    services.finding_update(actor=bureau, finding=task.finding, summary="河道黑臭（已核实）")
    client.force_login(bureau)

    page = client.get(reverse("inspections:task_detail", args=[task.pk])).content.decode()

    assert 'id="task-history"' in page and 'id="finding-history"' in page
    task_part = page.split('id="task-history"')[1].split('id="finding-history"')[0]
    assert "王督察" in task_part and "整改目标" in task_part
    assert "消除黑臭" in task_part and "水质稳定达到IV类" in task_part
    finding_part = page.split('id="finding-history"')[1]
    assert "河道黑臭（已核实）" in finding_part


def test_admin_sees_round_history(client, admin_user, bureau, task):
    inspection_round = task.finding.round
    services.round_update(actor=bureau, inspection_round=inspection_round, name="测试督察（更名）")
    client.force_login(admin_user)

    page = client.get(reverse("inspections:round_detail", args=[inspection_round.pk])).content.decode()

    section = page.split('id="round-history"')[1]
    assert "王督察" in section and "测试督察（更名）" in section and "修改" in section


@pytest.mark.parametrize("who", ["unit_user", "leader"])
def test_unit_users_and_leaders_see_no_history(request, client, bureau, task, who):
    _edit(bureau, task, "水质稳定达到IV类")
    client.force_login(request.getfixturevalue(who))

    task_page = client.get(reverse("inspections:task_detail", args=[task.pk]))
    round_page = client.get(reverse("inspections:round_detail", args=[task.finding.round_id]))

    assert task_page.status_code == 200 and round_page.status_code == 200
    for page in (task_page.content.decode(), round_page.content.decode()):
        assert 'data-testid="field-history"' not in page
        assert "修改历史" not in page


def test_task_page_query_count_does_not_grow_with_history(client, bureau, units, task):
    client.force_login(bureau)
    url = reverse("inspections:task_detail", args=[task.pk])
    # One change of each kind first (a unit reference costs one query for all units named in the history).
    services.task_update(
        actor=bureau, task=task, goal="第一次修改", lead_unit=units["town"], expected_version=task.version
    )
    task.refresh_from_db()
    services.finding_update(actor=bureau, finding=task.finding, summary="问题摘要")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(6):
        services.task_update(
            actor=bureau,
            task=task,
            goal=f"第{n}次修改",
            expected_version=task.version,
            lead_unit=units["town"] if n % 2 else units["water"],
        )
        task.refresh_from_db()
        services.finding_update(actor=bureau, finding=task.finding, summary=f"问题摘要{n}")
    assert count() == before


def test_prune_history_runs_daily_from_beat():
    entry = PeriodicTask.objects.get(task="inspections.prune_history")
    assert entry.enabled
    assert (entry.crontab.minute, entry.crontab.hour, entry.crontab.day_of_week) == ("15", "3", "*")


def test_prune_history_task_prunes_like_the_command(eager_celery, bureau, units, make_task):
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        task = make_task(actor=bureau, lead_unit=units["water"], goal="旧目标")
        _edit(bureau, task, "旧目标一")
        _edit(bureau, task, "旧目标二")
    _edit(bureau, task, "新目标")
    assert task.history.count() == 4

    # The creation and the first old change go; the newest old record stays as the baseline of the new one.
    assert prune_history.delay(days=365).get() == 2
    assert [r.goal for r in task.history.order_by("history_date")] == ["旧目标二", "新目标"]
    assert prune_history.delay(days=365).get() == 0  # a rerun deletes nothing more
