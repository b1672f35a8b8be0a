"""The trust tests' part of the shared world (tests/factories.py): the city, its water department and a
township, under the "测试…" names their assertions use; users are made when a test asks for them."""

import pytest

from factories import PASSWORD, TEST_NAMES, World, make_task, make_user


@pytest.fixture(name="make_task")
def make_task_fixture(db):
    return make_task


@pytest.fixture(name="make_user")
def make_user_fixture(db):
    return make_user


@pytest.fixture
def trust_world(db):
    return World(units=("city", "water", "town"), users=(), names=TEST_NAMES)


@pytest.fixture
def units(trust_world):
    return {"root": trust_world.city, "water": trust_world.water, "town": trust_world.town}


@pytest.fixture
def bureau(trust_world):
    return trust_world.add_user("bureau")


@pytest.fixture
def unit_user(trust_world):
    return trust_world.add_user("water_user")


@pytest.fixture
def other_unit_user(trust_world):
    return trust_world.add_user("town_user")


@pytest.fixture
def task(bureau, units):
    return make_task(actor=bureau, lead_unit=units["water"], goal="消除黑臭", measures="截污纳管")


@pytest.fixture
def password():
    """The password every user made by `make_user` has."""
    return PASSWORD
