"""The access chokepoint: a unit sees its subtree's and its cooperating tasks, nobody learns of the rest."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.choices import Role
from accounts.services import user_create
from inspections import services
from inspections.access import (
    access_evidence,
    access_finding,
    access_round,
    access_task,
    can_manage,
    can_report_on,
    restrict_tasks,
    user_role,
    visible_evidence,
    visible_findings,
    visible_rounds,
    visible_tasks,
)
from inspections.choices import EvidenceKind, RoundKind
from inspections.models import RectificationTask


@pytest.fixture
def world(ledger):
    """Tasks led by the water dept, its plant (sub-unit), the township, and housing with the town cooperating."""
    other_round = services.round_create(
        actor=ledger.bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
    )
    ledger.water_task = ledger.task(lead_unit=ledger.water)
    ledger.plant_task = ledger.task(lead_unit=ledger.plant)
    ledger.town_task = ledger.task(lead_unit=ledger.town)
    finding = services.finding_create(
        actor=ledger.bureau,
        inspection_round=other_round,
        summary="建筑工地扬尘管控不力",
        tasks=[{"lead_unit": ledger.housing, "deadline_text": "2025年底前", "cooperating_units": [ledger.town]}],
    )
    ledger.other_round = other_round
    ledger.housing_task = finding.tasks.get()
    ledger.evidence = {
        task.pk: services.task_evidence_add(
            actor=ledger.bureau, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO
        )[0]
        for task in (ledger.water_task, ledger.plant_task, ledger.town_task, ledger.housing_task)
    }
    return ledger


def test_unit_user_sees_own_and_sub_units_tasks(world):
    assert set(visible_tasks(world.water_user)) == {world.water_task, world.plant_task}
    assert set(visible_tasks(world.plant_user)) == {world.plant_task}


def test_cooperating_unit_sees_the_task_it_helps_with(world):
    assert set(visible_tasks(world.town_user)) == {world.town_task, world.housing_task}
    assert set(visible_tasks(world.housing_user)) == {world.housing_task}
    assert set(visible_rounds(world.water_user)) == {world.round}
    assert set(visible_rounds(world.town_user)) == {world.round, world.other_round}
    assert set(visible_findings(world.town_user)) == {world.town_task.finding, world.housing_task.finding}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.BUREAU, Role.LEADER])
def test_jurisdiction_roles_see_everything(world, role):
    user = world.by_role(role)
    assert visible_tasks(user).count() == RectificationTask.objects.count() == 4
    assert visible_rounds(user).count() == 2
    assert visible_findings(user).count() == 4
    assert visible_evidence(user).count() == 4


def test_superuser_of_any_role_sees_everything(world):
    boss = user_create(username="boss", password=None, role=Role.UNIT, unit=world.plant, is_superuser=True)
    assert user_role(boss) == Role.ADMIN
    assert visible_tasks(boss).count() == 4


def test_access_task_raises_404_for_other_units_and_missing_ids(world):
    assert access_task(world.water_user, world.plant_task.pk) == world.plant_task
    for task_id in (world.town_task.pk, world.housing_task.pk, 999999, "abc", None):
        with pytest.raises(Http404):
            access_task(world.water_user, task_id)
    assert access_task(world.leader, world.town_task.pk) == world.town_task


def test_access_finding_round_and_evidence(world):
    water_evidence = world.evidence[world.water_task.pk]
    town_evidence = world.evidence[world.town_task.pk]
    assert access_finding(world.water_user, world.water_task.finding_id) == world.water_task.finding
    assert access_round(world.water_user, world.round.pk) == world.round
    assert access_evidence(world.water_user, water_evidence.pk) == water_evidence
    assert set(visible_evidence(world.water_user)) == {water_evidence, world.evidence[world.plant_task.pk]}
    with pytest.raises(Http404):
        access_finding(world.water_user, world.town_task.finding_id)
    with pytest.raises(Http404):
        access_round(world.water_user, world.other_round.pk)
    with pytest.raises(Http404):
        access_evidence(world.water_user, town_evidence.pk)
    with pytest.raises(Http404):
        access_evidence(world.water_user, 10**9)


def test_inactive_and_anonymous_users_see_nothing(world):
    world.water_user.is_active = False
    world.leader.is_active = False
    for user in (world.water_user, world.leader, AnonymousUser()):
        assert not visible_tasks(user).exists()
        assert not visible_findings(user).exists()
        assert not visible_rounds(user).exists()
        assert not visible_evidence(user).exists()
        with pytest.raises(Http404):
            access_task(user, world.water_task.pk)
    assert not can_manage(AnonymousUser())
    assert not can_report_on(AnonymousUser(), world.water_task)


def test_restrict_tasks_narrows_any_queryset(world):
    qs = RectificationTask.objects.filter(finding__round=world.round)
    assert set(restrict_tasks(qs, world.town_user)) == {world.town_task}
    annotated = RectificationTask.objects.with_schedule().order_by("pk")
    assert [t.pk for t in restrict_tasks(annotated, world.water_user)] == sorted(
        [world.water_task.pk, world.plant_task.pk]
    )


def test_who_may_report_and_manage(world):
    assert can_report_on(world.water_user, world.plant_task)  # parent unit
    assert not can_report_on(world.plant_user, world.water_task)
    assert can_report_on(world.town_user, world.housing_task)  # cooperating
    assert not can_report_on(world.leader, world.water_task)
    assert can_report_on(world.bureau, world.housing_task) and can_report_on(world.admin, world.housing_task)
    assert [can_manage(world.by_role(r)) for r in (Role.ADMIN, Role.BUREAU, Role.LEADER, Role.UNIT)] == [
        True,
        True,
        False,
        False,
    ]
