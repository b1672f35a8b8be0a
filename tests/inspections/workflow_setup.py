"""Data for the browser-workflow view tests, set up through the services as users would."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import Category, RoundKind

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="整改报告.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def build_world():
    county = unit_create(name="某某县", code="C01", kind=UnitKind.BUREAU)
    housing = unit_create(name="县住房和城乡建设局", code="D01", kind=UnitKind.DEPARTMENT, parent=county)
    housing_team = unit_create(name="县住建局城建股", code="D0101", kind=UnitKind.DEPARTMENT, parent=housing)
    township = unit_create(name="南山镇", code="T01", kind=UnitKind.TOWNSHIP, parent=county)
    staff = user_create(username="staff", password=None, role=Role.BUREAU, unit=county, full_name="王督察")
    leader = user_create(username="boss", password=None, role=Role.LEADER, full_name="张副县长")
    admin = user_create(username="root", password=None, role=Role.ADMIN, full_name="管理员")
    housing_user = user_create(username="housing", password=None, role=Role.UNIT, unit=housing, full_name="李联络员")
    township_user = user_create(username="township", password=None, role=Role.UNIT, unit=township, full_name="赵联络员")
    inspection_round = services.round_create(
        actor=staff, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
    )
    finding = services.finding_create(
        actor=staff,
        inspection_round=inspection_round,
        summary="城区垃圾填埋场渗滤液处理不达标",
        description="渗滤液直排",
        category=Category.SOLID_WASTE,
        responsible_leader=leader,
        tasks=[
            {"lead_unit": housing, "deadline_text": "2099年6月底前", "measures": "新建渗滤液处理站"},
            {"lead_unit": township, "deadline_text": "2099年底前", "measures": "排查非正规垃圾堆放点"},
        ],
    )
    housing_task, township_task = finding.tasks.order_by("number")
    return SimpleNamespace(
        county=county,
        housing=housing,
        housing_team=housing_team,
        township=township,
        staff=staff,
        leader=leader,
        admin=admin,
        housing_user=housing_user,
        township_user=township_user,
        round=inspection_round,
        finding=finding,
        housing_task=housing_task,
        township_task=township_task,
    )


@pytest.fixture
def world(db):
    return build_world()
