"""Rounds: list figures for everyone within access; create and edit for bureau staff only."""

import pytest
from django.urls import reverse
from workflow_setup import pdf, world

from inspections import services
from inspections.models import InspectionRound

pytestmark = pytest.mark.django_db


def test_round_list_shows_figures_within_access(client, world):
    services.task_evidence_add(actor=world.housing_user, task=world.housing_task, files=[pdf()], kind="document")
    services.task_submit(actor=world.housing_user, task=world.housing_task, reason="主体工程完工，扫尾中")
    services.task_verify(actor=world.staff, task=world.housing_task)
    client.force_login(world.staff)
    row = client.get(reverse("inspections:round_list")).context["rows"][0]
    assert (row.total, row.complete, row.rate) == (2, 1, 50.0)
    client.force_login(world.township_user)
    row = client.get(reverse("inspections:round_list")).context["rows"][0]
    assert (row.total, row.complete) == (1, 0)


def test_unit_without_tasks_in_a_round_gets_404_on_it(client, world):
    other = services.round_create(actor=world.staff, kind="provincial", batch=1, name="省级督察")
    client.force_login(world.township_user)
    assert client.get(reverse("inspections:round_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("inspections:round_detail", args=[world.round.pk])).status_code == 200


def test_staff_create_a_round(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:round_create"),
        {
            "kind": "provincial_lookback",
            "batch": 1,
            "name": "省级督察“回头看”",
            "feedback_date": "2026-05-01",
        },
    )
    created = InspectionRound.objects.get(name="省级督察“回头看”")
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:round_detail", args=[created.pk])


def test_round_form_errors_save_nothing(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:round_create"),
        {
            "kind": "central",
            "batch": 1,
            "name": "新一轮",
            "inspection_start": "2026-05-10",
            "inspection_end": "2026-05-01",
        },
    )
    assert response.status_code == 400
    assert not InspectionRound.objects.filter(name="新一轮").exists()
    response = client.post(
        reverse("inspections:round_create"), {"kind": "central", "batch": 1, "name": world.round.name}
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors


def test_staff_edit_a_round(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("inspections:round_edit", args=[world.round.pk]),
        {
            "kind": "central",
            "batch": 2,
            "name": "第二轮中央督察（改）",
        },
    )
    assert response.status_code == 302
    world.round.refresh_from_db()
    assert world.round.name == "第二轮中央督察（改）"


@pytest.mark.parametrize("who", ["leader", "housing_user"])
def test_other_roles_may_not_create_or_edit(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("inspections:round_create")).status_code == 403
    assert (
        client.post(reverse("inspections:round_create"), {"kind": "central", "batch": 1, "name": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("inspections:round_edit", args=[world.round.pk]), {"kind": "central", "batch": 1, "name": "y"}
        ).status_code
        == 403
    )
    assert not InspectionRound.objects.filter(name__in=["x", "y"]).exists()
