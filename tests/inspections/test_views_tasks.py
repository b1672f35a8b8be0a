"""Task list and task page: who sees what, filters, query counts, and the workflow forms' bad input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from workflow_setup import build_world, pdf, world

from inspections import services
from inspections.choices import TaskStatus
from inspections.models import Evidence, ProgressUpdate

pytestmark = pytest.mark.django_db


def list_codes(response):
    return [t.code for t in response.context["page"].object_list]


def test_task_list_needs_login(client):
    response = client.get(reverse("inspections:task_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unit_user_lists_only_its_own_tasks(client, world):
    client.force_login(world.housing_user)
    response = client.get(reverse("inspections:task_list"))
    assert response.status_code == 200
    assert list_codes(response) == [world.housing_task.code]
    assert "排查非正规垃圾堆放点" not in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "leader", "admin"])
def test_jurisdiction_roles_list_every_task(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("inspections:task_list"))
    assert sorted(list_codes(response)) == ["1-1", "1-2"]


def test_lead_unit_filter_includes_subtree_and_chinese_search(client, world):
    team_task = services.task_assign(
        actor=world.staff,
        finding=world.finding,
        lead_unit=world.housing_team,
        deadline_text="2099年12月31日",
        measures="清理城中村垃圾死角",
    )
    client.force_login(world.staff)
    response = client.get(reverse("inspections:task_list"), {"lead_unit": world.housing.pk})
    assert sorted(list_codes(response)) == sorted([world.housing_task.code, team_task.code])
    response = client.get(reverse("inspections:task_list"), {"q": "城中村垃圾"})
    assert list_codes(response) == [team_task.code]
    response = client.get(reverse("inspections:task_list"), {"q": "渗滤液", "status": TaskStatus.NOT_STARTED})
    assert len(list_codes(response)) == 3  # the finding's summary matches every one of its tasks


def test_bad_filter_values_give_a_message_not_a_500(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("inspections:task_list"), {"round": "abc", "due_within": "-5", "per_page": "7"})
    assert response.status_code == 200
    assert list_codes(response) == []
    assert response.context["per_page"] == 20
    assert "筛选条件有误" in response.content.decode()


def test_sorting_and_per_page_live_in_the_url(client, world):
    client.force_login(world.staff)
    response = client.get(reverse("inspections:task_list"), {"ordering": "-deadline", "per_page": "10"})
    assert list_codes(response) == ["1-2", "1-1"]
    assert response.context["per_page"] == 10
    response = client.get(reverse("inspections:task_list"), {"ordering": "deadline"})
    assert list_codes(response) == ["1-1", "1-2"]
    assert "ordering=-deadline" in response.content.decode()  # the header toggles the direction


def test_htmx_request_gets_only_the_table(client, world):
    client.force_login(world.staff)
    response = client.get(
        reverse("inspections:task_list"), {"q": "渗滤液"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-table"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="task-filters"' not in body
    assert 'data-testid="task-row"' in body
    assert 'hx-swap-oob="true"' in body


def test_htmx_table_does_not_count_the_top_bar(client, world):
    """The fragment has no top bar: neither the to-do badge nor the unread count is counted (issue 19)."""
    client.force_login(world.staff)
    url = reverse("inspections:task_list")
    with CaptureQueriesContext(connection) as fragment:
        client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-table")
    with CaptureQueriesContext(connection) as page:
        response = client.get(url)
    assert 'id="mainNav"' in response.content.decode()
    assert len(fragment.captured_queries) == 4  # session, user with unit, counts, rows (6 before: badge, unread)
    assert not any("inspections_notification" in q["sql"] for q in fragment.captured_queries)
    assert any("inspections_notification" in q["sql"] for q in page.captured_queries)


def _list_queries(client, django_assert_max_num_queries, per_page, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(
            reverse("inspections:task_list"), {"per_page": per_page, "status": TaskStatus.NOT_STARTED}
        )
    return response, len(captured.captured_queries)


def test_task_list_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    for n in range(110):
        services.task_assign(
            actor=world.staff,
            finding=world.finding,
            lead_unit=world.housing if n % 2 else world.township,
            deadline_text="2099年6月30日",
        )
    client.force_login(world.staff)
    # 9 today: session, user with unit, counts, page rows, to-do badge, unread count, filter choices (round, unit,
    # leader); no session write (its expiry is written when it moves by a minute or more).
    small, small_count = _list_queries(client, django_assert_max_num_queries, 10, 9)
    large, large_count = _list_queries(client, django_assert_max_num_queries, 100, 9)
    assert len(small.context["page"].object_list) == 10
    assert len(large.context["page"].object_list) == 100
    assert small_count == large_count


def test_other_unit_gets_404_on_the_task_page(client, world):
    client.force_login(world.township_user)
    assert client.get(world.housing_task.get_absolute_url()).status_code == 404
    assert client.get(reverse("inspections:task_detail", args=[999999])).status_code == 404
    assert (
        client.post(
            reverse("inspections:task_progress", args=[world.housing_task.pk]),
            {"version": 1, "text": "x", "percent": 10},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("inspections:task_transition", args=[world.housing_task.pk]), {"version": 1, "action": "submit"}
        ).status_code
        == 404
    )
    assert client.get(world.township_task.get_absolute_url()).status_code == 200


def test_task_page_offers_only_what_the_role_may_do(client, world):
    client.force_login(world.housing_user)
    body = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert 'data-testid="progress-submit"' in body and 'data-testid="action-submit"' in body
    assert 'data-testid="action-verify"' not in body
    client.force_login(world.leader)
    body = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert 'data-testid="progress-submit"' not in body and '<form method="post" action="/tasks/' not in body


def test_progress_post_saves_and_bumps_the_version(client, world):
    client.force_login(world.housing_user)
    url = reverse("inspections:task_progress", args=[world.housing_task.pk])
    response = client.post(
        url, {"version": world.housing_task.version, "text": "已完成50%", "percent": 50, "investment": "12.5"}
    )
    assert response.status_code == 302
    world.housing_task.refresh_from_db()
    assert world.housing_task.percent == 50
    assert world.housing_task.status == TaskStatus.IN_PROGRESS


def test_stale_version_is_refused_and_nothing_saved(client, world):
    client.force_login(world.housing_user)
    old_version = world.housing_task.version
    services.task_progress_add(actor=world.staff, task=world.housing_task, text="督察办代报", percent=10)
    url = reverse("inspections:task_progress", args=[world.housing_task.pk])
    response = client.post(url, {"version": old_version, "text": "我的进展", "percent": 60})
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    assert not ProgressUpdate.objects.filter(text="我的进展").exists()
    world.housing_task.refresh_from_db()
    assert world.housing_task.percent == 10


def test_invalid_progress_shows_field_errors(client, world):
    client.force_login(world.housing_user)
    url = reverse("inspections:task_progress", args=[world.housing_task.pk])
    response = client.post(url, {"version": world.housing_task.version, "text": "", "percent": 150})
    assert response.status_code == 400
    assert response.context["progress_form"].errors.keys() >= {"text", "percent"}
    assert not ProgressUpdate.objects.exists()


def test_submit_without_evidence_is_refused(client, world):
    client.force_login(world.housing_user)
    url = reverse("inspections:task_transition", args=[world.housing_task.pk])
    response = client.post(url, {"version": world.housing_task.version, "action": "submit"})
    assert response.status_code == 400
    assert "至少上传一份佐证材料" in response.content.decode()
    world.housing_task.refresh_from_db()
    assert world.housing_task.status == TaskStatus.NOT_STARTED


def submitted(world):
    """The housing task with evidence, submitted for closure by its unit; returns its transition URL."""
    services.task_evidence_add(actor=world.housing_user, task=world.housing_task, files=[pdf()], kind="document")
    services.task_submit(actor=world.housing_user, task=world.housing_task, reason="主体工程完工，扫尾中")
    world.housing_task.refresh_from_db()
    return reverse("inspections:task_transition", args=[world.housing_task.pk])


def test_transition_the_role_may_not_make_is_refused(client, world):
    url = submitted(world)
    client.force_login(world.housing_user)
    response = client.post(url, {"version": world.housing_task.version, "action": "verify"})
    assert response.status_code == 403
    assert "不能对该任务执行" in response.content.decode()
    response = client.post(url, {"version": world.housing_task.version, "action": "no-such-action"})
    assert response.status_code == 403
    world.housing_task.refresh_from_db()
    assert world.housing_task.status == TaskStatus.SUBMITTED


def test_reject_needs_a_reason(client, world):
    url = submitted(world)
    client.force_login(world.staff)
    response = client.post(url, {"version": world.housing_task.version, "action": "reject", "reason": " "})
    assert response.status_code == 400
    assert "必须填写理由" in response.content.decode()
    response = client.post(url, {"version": world.housing_task.version, "action": "reject", "reason": "材料不全"})
    assert response.status_code == 302
    world.housing_task.refresh_from_db()
    assert world.housing_task.status == TaskStatus.IN_PROGRESS


def test_closed_task_page_has_no_edit_controls(client, world):
    submitted(world)
    task = world.housing_task
    services.task_verify(actor=world.staff, task=task)
    services.task_close(actor=world.leader, task=task)
    for user in (world.housing_user, world.staff, world.leader):
        client.force_login(user)
        body = client.get(task.get_absolute_url()).content.decode()
        assert "已销号" in body
        assert '<form method="post" action="/tasks/' not in body
    client.force_login(world.admin)
    assert 'data-testid="action-reopen"' in client.get(task.get_absolute_url()).content.decode()
    assert Evidence.objects.filter(task=task).count() == 1
