"""Data for the page-workflow view tests: the shared world (tests/factories.py) with a finding split into a
task for the housing department and one for the township, set up through the services as users would."""

from types import SimpleNamespace

import pytest

from factories import PDF_BYTES, World, pdf
from inspections import services
from inspections.choices import Category, RoundKind


def build_world():
    world = World(
        units=("city", "housing", "housing_team", "town"),
        users=("bureau", "leader", "admin", "housing_user", "town_user"),
    )
    inspection_round = services.round_create(
        actor=world.bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
    )
    finding = services.finding_create(
        actor=world.bureau,
        inspection_round=inspection_round,
        summary="城区垃圾填埋场渗滤液处理不达标",
        description="渗滤液直排",
        category=Category.SOLID_WASTE,
        responsible_leader=world.leader,
        tasks=[
            {"lead_unit": world.housing, "deadline_text": "2099年6月底前", "measures": "新建渗滤液处理站"},
            {"lead_unit": world.town, "deadline_text": "2099年底前", "measures": "排查非正规垃圾堆放点"},
        ],
    )
    housing_task, township_task = finding.tasks.order_by("number")
    return SimpleNamespace(
        county=world.city,
        housing=world.housing,
        housing_team=world.housing_team,
        township=world.town,
        staff=world.bureau,
        leader=world.leader,
        admin=world.admin,
        housing_user=world.housing_user,
        township_user=world.town_user,
        round=inspection_round,
        finding=finding,
        housing_task=housing_task,
        township_task=township_task,
    )


@pytest.fixture
def world(db):
    return build_world()
