"""The unit tree: materialised paths kept in step on create and move; a unit sees its subtree."""

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User
from accounts.selectors import bureau_staff, leaders, units_visible_to
from accounts.services import unit_move, user_create
from factories import World
from inspections.access import can_manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    world = World(units=("city", "water", "plant", "workshop", "town"), users=())
    return {"root": world.city, **{key: world.units[key] for key in ("water", "plant", "workshop", "town")}}


def paths():
    return dict(Unit.objects.values_list("code", "path"))


def test_paths_follow_the_parents(tree):
    root, water, plant, workshop, town = (tree[k] for k in ("root", "water", "plant", "workshop", "town"))
    assert paths() == {
        "CITY": f"/{root.pk}/",
        "SW": f"/{root.pk}/{water.pk}/",
        "SW-P": f"/{root.pk}/{water.pk}/{plant.pk}/",
        "SW-P-1": f"/{root.pk}/{water.pk}/{plant.pk}/{workshop.pk}/",
        "NSZ": f"/{root.pk}/{town.pk}/",
    }
    assert set(Unit.objects.subtree_of(water)) == {water, plant, workshop}
    assert plant.is_within(water) and plant.is_within(plant) and not water.is_within(plant)
    assert not town.is_within(water)


def test_subtree_is_a_prefix_of_whole_ids_only(tree):
    # Unit 900001 must not see unit 9000011: paths end with "/" so "/900001/" is no prefix of "/9000011/".
    # (Explicit ids: the point is the id digits, which a sequence would not give reliably.)
    short = Unit(pk=900001, name="短编号单位", code="SHORT", kind=UnitKind.DEPARTMENT)
    short.save()
    long = Unit(pk=9000011, name="长编号单位", code="LONG", kind=UnitKind.DEPARTMENT)
    long.save()
    assert (short.path, long.path) == ("/900001/", "/9000011/")
    assert not long.is_within(short)
    assert list(Unit.objects.subtree_of(short)) == [short]


def test_moving_a_unit_rewrites_its_descendants(tree):
    root, plant, workshop, town = tree["root"], tree["plant"], tree["workshop"], tree["town"]
    unit_move(unit=plant, parent=town)
    assert paths()["SW-P"] == f"/{root.pk}/{town.pk}/{plant.pk}/"
    assert paths()["SW-P-1"] == f"/{root.pk}/{town.pk}/{plant.pk}/{workshop.pk}/"
    assert set(Unit.objects.subtree_of(town)) == {town, plant, workshop}
    assert set(Unit.objects.subtree_of(tree["water"])) == {tree["water"]}
    unit_move(unit=plant, parent=None)
    assert paths()["SW-P"] == f"/{plant.pk}/"
    assert paths()["SW-P-1"] == f"/{plant.pk}/{workshop.pk}/"


@pytest.mark.parametrize("new_parent", ["water", "plant", "workshop"])
def test_cannot_move_under_itself_or_a_descendant(tree, new_parent):
    before = paths()
    water = Unit.objects.get(pk=tree["water"].pk)
    with pytest.raises(ValidationError) as excinfo:
        unit_move(unit=water, parent=tree[new_parent])
    assert "parent" in excinfo.value.message_dict
    assert paths() == before


def test_unit_staff_needs_a_unit(tree):
    with pytest.raises(ValidationError):
        user_create(username="nobody", password=None, role=Role.UNIT)
    assert not User.objects.filter(username="nobody").exists()


def test_units_visible_to_each_role(tree):
    unit_user = user_create(username="shuiwu", password=None, role=Role.UNIT, unit=tree["water"])
    bureau = user_create(username="duchaban", password=None, role=Role.BUREAU, unit=tree["root"])
    leader = user_create(username="leader", password=None, role=Role.LEADER, full_name="张副市长")
    assert set(units_visible_to(unit_user)) == {tree["water"], tree["plant"], tree["workshop"]}
    assert set(units_visible_to(bureau)) == set(Unit.objects.all())
    assert set(units_visible_to(leader)) == set(Unit.objects.all())
    from django.contrib.auth.models import AnonymousUser

    assert not units_visible_to(AnonymousUser()).exists()
    assert list(leaders()) == [leader]
    assert list(bureau_staff()) == [bureau]
    leader.is_active = False
    leader.save()
    assert not leaders().exists()


def test_roles_and_display_names(tree):
    admin = user_create(username="root", password=None, role=Role.UNIT, unit=tree["town"])
    admin.is_superuser = True
    assert admin.sees_everything and can_manage(admin)
    unit_user = user_create(username="nanshan", password=None, role=Role.UNIT, unit=tree["town"], full_name="赵联络员")
    assert not unit_user.sees_everything and not can_manage(unit_user)
    assert unit_user.display_name == "赵联络员" and str(unit_user) == "赵联络员"
    assert user_create(username="plain", password=None, role=Role.LEADER).display_name == "plain"


def test_moving_a_unit_loaded_before_its_parent_moved(tree):
    root, town, workshop = tree["root"], tree["town"], tree["workshop"]
    stale_plant = Unit.objects.get(code="SW-P")  # loaded now, before its parent moves
    unit_move(unit=Unit.objects.get(code="SW"), parent=town)
    assert paths()["SW-P-1"] == f"/{root.pk}/{town.pk}/{tree['water'].pk}/{stale_plant.pk}/{workshop.pk}/"
    unit_move(unit=stale_plant, parent=None)
    assert paths()["SW-P"] == f"/{stale_plant.pk}/"
    assert paths()["SW-P-1"] == f"/{stale_plant.pk}/{workshop.pk}/"
    assert set(Unit.objects.subtree_of(town)) == {town, tree["water"]}


def test_cycle_check_uses_stored_paths(tree):
    stale_town = Unit.objects.get(code="NSZ")  # loaded before it moves below the water department
    unit_move(unit=Unit.objects.get(code="NSZ"), parent=tree["workshop"])
    before = paths()
    with pytest.raises(ValidationError):
        unit_move(unit=Unit.objects.get(code="SW"), parent=stale_town)
    assert paths() == before
