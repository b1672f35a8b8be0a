"""A small jurisdiction for the trust tests, set up through the services as users would."""

import itertools

import pytest

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create, user_role_group_sync
from inspections import services
from inspections.choices import RoundKind

PASSWORD = "Correct-Horse-Battery-9"
_serial = itertools.count(1)


def make_user(username, role, unit=None, **extra):
    user = user_create(
        username=username, password=PASSWORD, role=role, unit=unit, full_name=extra.pop("full_name", username), **extra
    )
    user_role_group_sync(user)
    return user


def make_task(*, actor, lead_unit, deadline_text="2030年12月31日前", **fields):
    """A new round + finding with one task for `lead_unit`; each call makes a fresh round."""
    n = next(_serial)
    inspection_round = services.round_create(actor=actor, kind=RoundKind.PROVINCIAL, name=f"测试督察第{n}轮")
    finding = services.finding_create(
        actor=actor,
        inspection_round=inspection_round,
        summary=f"测试问题{n}：河道黑臭",
        tasks=[{"lead_unit": lead_unit, "deadline_text": deadline_text, **fields}],
    )
    return finding.tasks.get()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with production strength costs ~0.3 s per login on this machine; the rules tested here don't
    depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(name="make_task")
def make_task_fixture(db):
    return make_task


@pytest.fixture(name="make_user")
def make_user_fixture(db):
    return make_user


@pytest.fixture
def units(db):
    root = unit_create(name="测试市生态环境局", code="T-ROOT", kind=UnitKind.BUREAU)
    return {
        "root": root,
        "water": unit_create(name="测试市水务局", code="T-SW", kind=UnitKind.DEPARTMENT, parent=root),
        "town": unit_create(name="测试南山镇", code="T-NSZ", kind=UnitKind.TOWNSHIP, parent=root),
    }


@pytest.fixture
def bureau(units):
    return make_user("duchaban", Role.BUREAU, units["root"], full_name="王督察")


@pytest.fixture
def unit_user(units):
    return make_user("shuiwu", Role.UNIT, units["water"], full_name="李联络员")


@pytest.fixture
def other_unit_user(units):
    return make_user("nanshan", Role.UNIT, units["town"], full_name="赵联络员")


@pytest.fixture
def task(bureau, units):
    return make_task(actor=bureau, lead_unit=units["water"], goal="消除黑臭", measures="截污纳管")


@pytest.fixture
def password():
    """The password every user made by `make_user` has."""
    return PASSWORD
