"""The task edit page: bureau staff change a task's assignment through task_update; everyone else is refused."""

from datetime import date
from functools import partial

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from workflow_setup import pdf, world

from accounts.choices import UnitKind
from accounts.services import unit_create
from inspections import services
from inspections.choices import EventKind, EvidenceKind, TaskStatus, Warning
from inspections.models import RectificationTask, TaskEvent

pytestmark = pytest.mark.django_db


def edit_url(task):
    return reverse("inspections:task_edit", args=[task.pk])


def form_data(task, **changes):
    """What the page posts when the user changes `changes` and leaves the rest as loaded."""
    task = RectificationTask.objects.get(pk=task.pk)
    data = {
        "version": task.version,
        "lead_unit": task.lead_unit_id,
        "cooperating_units": [u.pk for u in task.cooperating_units.all()],
        "responsible_person": task.responsible_person,
        "goal": task.goal,
        "measures": task.measures,
        "deadline_text": task.deadline_text,
        "assigned_on": task.assigned_on.isoformat(),
    }
    data.update(changes)
    return data


def edits(task):
    return TaskEvent.objects.filter(task=task, kind=EventKind.EDITED)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_staff_open_the_form_filled_with_the_task(client, world):
    client.force_login(world.staff)
    response = client.get(edit_url(world.housing_task))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["deadline_text"].value() == "2099年6月底前"
    assert form["lead_unit"].value() == world.housing.pk
    assert form["version"].value() == world.housing_task.version
    html = response.content.decode()
    assert 'name="version"' in html and 'hx-include="#id_assigned_on"' in html
    # The unit select shows the tree: a sub-unit is indented below its parent.
    assert "\u3000\u3000县住建局城建股" in html


def test_extension_moves_the_deadline_and_the_schedule_follows(client, world):
    task = world.housing_task
    client.force_login(world.staff)
    response = client.post(edit_url(task), form_data(task, deadline_text="2020年6月底前"))
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    task = RectificationTask.objects.with_schedule(date(2026, 1, 1)).get(pk=task.pk)
    assert (task.deadline, task.deadline_text, task.version) == (date(2020, 6, 30), "2020年6月底前", 2)
    assert task.is_overdue and task.warning == Warning.RED
    event = edits(task).get()
    assert event.actor == world.staff and event.reason == "修改了：整改时限"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已保存整改任务 1-1 的修改。" in html
    assert "2020年6月底前" in html and "修改了：整改时限" in html and "已逾期" in html
    # ... and back to a far deadline: no longer overdue.
    client.post(edit_url(task), form_data(task, deadline_text="2099年底前"))
    task = RectificationTask.objects.with_schedule(date(2026, 1, 1)).get(pk=task.pk)
    assert task.deadline == date(2099, 12, 31) and not task.is_overdue and task.warning != Warning.RED


def test_immediate_fix_counts_from_the_edited_assignment_date(client, world, settings):
    settings.IMMEDIATE_DEADLINE_DAYS = 30
    client.force_login(world.staff)
    client.post(
        edit_url(world.housing_task), form_data(world.housing_task, deadline_text="立行立改", assigned_on="2025-03-01")
    )
    task = RectificationTask.objects.get(pk=world.housing_task.pk)
    assert (task.assigned_on, task.deadline, task.deadline_kind) == (date(2025, 3, 1), date(2025, 3, 31), "immediate")
    assert "交办日期" in edits(task).get().reason


def test_new_lead_unit_takes_the_task_over(client, world):
    task = world.housing_task
    client.force_login(world.staff)
    response = client.post(edit_url(task), form_data(task, lead_unit=world.township.pk, responsible_person="赵镇长"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.lead_unit == world.township and task.responsible_person == "赵镇长"
    assert edits(task).get().reason == "修改了：牵头单位、责任人"
    # Access follows the lead unit: the township sees the task now, the housing department no longer does.
    client.force_login(world.township_user)
    assert client.get(task.get_absolute_url()).status_code == 200
    client.force_login(world.housing_user)
    assert client.get(task.get_absolute_url()).status_code == 404


def test_cooperating_units_are_set_and_cleared(client, world):
    task = world.housing_task
    client.force_login(world.staff)
    # The lead unit ticked as a helper too is dropped: it leads.
    client.post(edit_url(task), form_data(task, cooperating_units=[world.township.pk, world.housing.pk]))
    assert list(task.cooperating_units.all()) == [world.township]
    assert edits(task).get().reason == "修改了：配合单位"
    client.force_login(world.township_user)
    assert client.get(task.get_absolute_url()).status_code == 200  # a cooperating unit sees the task
    client.force_login(world.staff)
    client.post(edit_url(task), form_data(task, cooperating_units=[]))
    assert not task.cooperating_units.exists()
    assert edits(task).count() == 2


def test_nothing_changed_is_said_and_not_recorded(client, world):
    task = world.housing_task
    services.task_update(actor=world.staff, task=task, goal="渗滤液全部达标处理\n出水稳定达标")
    task.refresh_from_db()
    client.force_login(world.staff)
    # Browsers post a textarea's line breaks as CRLF: the same text, not an edit.
    response = client.post(edit_url(task), form_data(task, goal="渗滤液全部达标处理\r\n出水稳定达标"))
    assert response.status_code == 302
    assert texts(response) == ["没有修改任何内容。"]
    assert RectificationTask.objects.get(pk=task.pk).version == task.version
    assert edits(task).count() == 1  # only the service call above


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("housing_user", 403), ("township_user", 404)])
def test_other_roles_and_units_are_refused(client, world, who, status):
    task = world.housing_task
    client.force_login(getattr(world, who))
    assert client.get(edit_url(task)).status_code == status
    assert client.post(edit_url(task), form_data(task, deadline_text="2020年底前")).status_code == status
    assert RectificationTask.objects.get(pk=task.pk).deadline_text == "2099年6月底前"
    assert not edits(task).exists()
    if status == 403:
        assert 'data-testid="task-edit"' not in client.get(task.get_absolute_url()).content.decode()


def test_anonymous_is_sent_to_log_in(client, world):
    response = client.get(edit_url(world.housing_task))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_managers_see_the_edit_button(client, world, who):
    client.force_login(getattr(world, who))
    html = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert f'href="{edit_url(world.housing_task)}"' in html and "编辑任务" in html


def test_stale_version_is_refused_with_the_services_message(client, world):
    task = world.housing_task
    loaded = form_data(task, deadline_text="2027年底前")
    services.task_progress_add(actor=world.housing_user, task=task, text="已开工建设", percent=20)
    client.force_login(world.staff)
    response = client.post(edit_url(task), loaded)
    assert response.status_code == 409
    html = response.content.decode()
    assert "该任务已被他人修改" in html and 'data-testid="form-error"' in html
    assert 'value="2027年底前"' in html  # what the user typed is still there
    assert RectificationTask.objects.get(pk=task.pk).deadline_text == "2099年6月底前"
    assert not edits(task).exists()


def test_closed_task_cannot_be_edited_and_the_page_says_why(client, world):
    task = world.housing_task
    services.task_evidence_add(actor=world.housing_user, task=task, files=[pdf()], kind=EvidenceKind.ACCEPTANCE)
    for service, actor in (
        (services.task_start, world.housing_user),
        (partial(services.task_submit, reason="主体工程完工，扫尾中"), world.housing_user),
        (services.task_verify, world.staff),
        (services.task_close, world.leader),
    ):
        service(actor=actor, task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    client.force_login(world.staff)
    assert 'data-testid="task-edit"' not in client.get(task.get_absolute_url()).content.decode()
    response = client.get(edit_url(task))
    html = response.content.decode()
    assert response.status_code == 200 and "form" not in response.context
    assert "该任务已销号，不能修改" in html and 'data-testid="task-edit-form"' not in html
    response = client.post(edit_url(task), form_data(task, deadline_text="2020年底前"))
    assert response.status_code == 409 and "该任务已销号，不能修改" in response.content.decode()
    assert RectificationTask.objects.get(pk=task.pk).deadline_text == "2099年6月底前"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"deadline_text": "尽快"}, "deadline_text", "无法识别的整改时限：“尽快”"),
        ({"deadline_text": "2024年2月30日"}, "deadline_text", "整改时限中的日期不存在"),
        ({"deadline_text": "  "}, "deadline_text", "该字段是必填项。"),
        (
            {"deadline_text": "立行立改", "assigned_on": "9999-12-31"},
            "assigned_on",
            "日期应在 2000-01-01 至 2100-12-31 之间",
        ),
        ({"assigned_on": "2025-02-30"}, "assigned_on", "输入一个有效的日期。"),
        ({"lead_unit": "abc"}, "lead_unit", "选择一个有效的选项"),
        ({"cooperating_units": ["999999"]}, "cooperating_units", "选择一个有效的选项"),
        ({"responsible_person": "张" * 101}, "responsible_person", "不超过 100 字符"),
    ],
)
def test_bad_input_is_a_message_on_the_field(client, world, changes, field, message):
    task = world.housing_task
    client.force_login(world.staff)
    response = client.post(edit_url(task), form_data(task, **changes))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert message in response.content.decode()
    assert RectificationTask.objects.get(pk=task.pk).version == task.version
    assert not edits(task).exists()


def test_missing_version_says_the_page_expired(client, world):
    client.force_login(world.staff)
    data = form_data(world.housing_task, deadline_text="2027年底前")
    del data["version"]
    response = client.post(edit_url(world.housing_task), data)
    assert response.status_code == 400 and "页面已过期，请刷新后重试。" in response.content.decode()


def test_the_unit_lists_cost_the_same_queries_however_many_units(client, world):
    client.force_login(world.staff)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(edit_url(world.housing_task)).status_code == 200
        return len(captured)

    before = queries()
    for i in range(30):
        unit_create(name=f"测试村{i}", code=f"V{i:02d}", kind=UnitKind.TOWNSHIP, parent=world.township)
    assert queries() == before
