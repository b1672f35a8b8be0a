"""Issue 18 item 5: a finding is edited and a task added to it, from the pages and the API, through the
services; each change is in the change history and in the tasks' timelines; bureau staff and admins only."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from workflow_setup import world

from inspections import services
from inspections.choices import Category, EventKind
from inspections.errors import NotAllowed
from inspections.history import field_changes

pytestmark = pytest.mark.django_db


def edit_data(finding, **changes):
    data = {
        "number": finding.number,
        "summary": finding.summary,
        "description": finding.description,
        "category": finding.category,
        "region": finding.region,
        "responsible_leader": finding.responsible_leader_id or "",
        "source": finding.source,
        "version": finding.version,
    }
    return {**data, **changes}


def test_finding_update_records_history_and_a_timeline_entry_per_task(world):
    services.finding_update(
        actor=world.staff, finding=world.finding, summary="渗滤液处理站未建成", category=Category.WATER
    )
    world.finding.refresh_from_db()
    assert world.finding.summary == "渗滤液处理站未建成"
    change = field_changes(world.finding)[0]
    assert change.user == world.staff and {c.field for c in change.changes} == {"summary", "category"}
    for task in (world.housing_task, world.township_task):
        event = task.events.filter(kind=EventKind.EDITED).get()
        assert event.actor == world.staff and "问题简述" in event.reason and "问题类别" in event.reason
        task.refresh_from_db()
        assert task.category == Category.WATER  # the denormalised column follows


def test_finding_update_without_a_change_writes_nothing(world):
    services.finding_update(actor=world.staff, finding=world.finding, summary=world.finding.summary)
    assert not world.housing_task.events.filter(kind=EventKind.EDITED).exists()


@pytest.mark.parametrize("who", ["leader", "housing_user"])
def test_only_the_bureau_may_update_a_finding(world, who):
    with pytest.raises(NotAllowed):
        services.finding_update(actor=getattr(world, who), finding=world.finding, summary="x")


def test_staff_edit_a_finding_on_its_page(client, world):
    client.force_login(world.staff)
    url = reverse("inspections:finding_edit", args=[world.finding.pk])
    page = client.get(url)
    assert page.status_code == 200 and "城区垃圾填埋场渗滤液处理不达标" in page.content.decode()
    response = client.post(url, edit_data(world.finding, summary="渗滤液处理能力不足", region="东城区"))
    assert response.status_code == 302
    world.finding.refresh_from_db()
    assert (world.finding.summary, world.finding.region) == ("渗滤液处理能力不足", "东城区")
    page = client.get(url).content.decode()
    assert "反馈问题修改历史" in page and "渗滤液处理能力不足" in page
    detail = client.get(world.housing_task.get_absolute_url()).content.decode()
    assert "反馈问题 1 修改了：问题简述、所属区域" in detail


def test_a_duplicate_number_is_shown_on_the_field(client, world):
    other = services.finding_create(actor=world.staff, inspection_round=world.round, summary="另一问题")
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:finding_edit", args=[world.finding.pk]), edit_data(world.finding, number=other.number)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["number"] == [f"本轮次已有编号为 {other.number} 的问题。"]


def test_staff_add_a_task_to_an_existing_finding(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:finding_task_add", args=[world.finding.pk]),
        {
            "lead_unit": world.housing_team.pk,
            "cooperating_units": [world.township.pk, world.housing_team.pk],
            "deadline_text": "2099年底前",
            "measures": "补建调节池",
        },
    )
    task = world.finding.tasks.get(number=3)
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert list(task.cooperating_units.all()) == [world.township]
    assert task.events.get().kind == EventKind.CREATED


def test_task_add_form_errors_stay_on_the_page(client, world):
    client.force_login(world.staff)
    response = client.post(reverse("inspections:finding_task_add", args=[world.finding.pk]), {"deadline_text": ""})
    assert response.status_code == 400 and world.finding.tasks.count() == 2


@pytest.mark.parametrize("name", ["finding_edit", "finding_task_add"])
@pytest.mark.parametrize("who", ["leader", "housing_user"])
def test_finding_pages_are_the_bureaus(client, world, name, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse(f"inspections:{name}", args=[world.finding.pk])).status_code == 403
    assert client.post(reverse(f"inspections:{name}", args=[world.finding.pk]), {}).status_code == 403


def test_round_page_links_to_the_finding_edit_for_staff_only(client, world):
    url = reverse("inspections:round_detail", args=[world.round.pk])
    edit = reverse("inspections:finding_edit", args=[world.finding.pk])
    client.force_login(world.staff)
    assert edit in client.get(url).content.decode()
    client.force_login(world.housing_user)
    assert edit not in client.get(url).content.decode()


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_patch_a_finding(world):
    url = reverse("api:finding-detail", args=[world.finding.pk])
    response = api_client(world.staff).patch(
        url, {"summary": "渗滤液处理站未建成", "region": "西城区", "expected_version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["summary"] == "渗滤液处理站未建成" and response.json()["version"] == 2
    assert world.housing_task.events.filter(kind=EventKind.EDITED, actor=world.staff).exists()


def test_api_patch_refuses_a_duplicate_number(world):
    other = services.finding_create(actor=world.staff, inspection_round=world.round, summary="另一问题")
    url = reverse("api:finding-detail", args=[world.finding.pk])
    response = api_client(world.staff).patch(url, {"number": other.number, "expected_version": 1}, format="json")
    assert response.status_code == 400 and "本轮次已有编号为" in response.content.decode()


@pytest.mark.parametrize("who", ["leader", "housing_user", "township_user"])
def test_api_patch_is_the_bureaus(world, who):
    url = reverse("api:finding-detail", args=[world.finding.pk])
    response = api_client(getattr(world, who)).patch(url, {"summary": "x", "expected_version": 1}, format="json")
    assert response.status_code == 403


def test_api_adds_a_task_to_an_existing_finding(world):
    response = api_client(world.staff).post(
        reverse("api:task-list"),
        {"finding": world.finding.pk, "lead_unit": world.housing_team.pk, "deadline_text": "2099年底前"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["number"] == 3


def test_an_edit_on_an_old_version_is_refused(client, world):
    services.finding_update(actor=world.admin, finding=world.finding, region="北城区")  # someone else, first
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:finding_edit", args=[world.finding.pk]), edit_data(world.finding, summary="我的修改")
    )
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    world.finding.refresh_from_db()
    assert world.finding.summary != "我的修改" and world.finding.version == 2
    api = api_client(world.staff).patch(
        reverse("api:finding-detail", args=[world.finding.pk]), {"summary": "x", "expected_version": 1}, format="json"
    )
    assert api.status_code == 409
