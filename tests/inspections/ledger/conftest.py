"""Fixtures for the ledger tests: a small jurisdiction and a round whose tasks are in every status, set up
through the services as users would."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.choices import Role, UnitKind
from accounts.models import Unit, User
from inspections import services
from inspections.choices import Category, EvidenceKind, RoundKind

PASSWORD = "Rectify@2026"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def make_user(username, role, unit=None, full_name=""):
    user = User(username=username, role=role, unit=unit, full_name=full_name or username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def units(db):
    bureau = Unit.objects.create(name="XX市生态环境局", code="B", kind=UnitKind.BUREAU)
    housing = Unit.objects.create(name="市住房和城乡建设局", code="D1", kind=UnitKind.DEPARTMENT, parent=bureau)
    nanshan = Unit.objects.create(name="南山镇", code="T1", kind=UnitKind.TOWNSHIP, parent=bureau)
    hekou = Unit.objects.create(name="河口镇", code="T2", kind=UnitKind.TOWNSHIP, parent=bureau)
    return {"bureau": bureau, "housing": housing, "nanshan": nanshan, "hekou": hekou}


@pytest.fixture
def people(units):
    return {
        "admin": make_user("admin", Role.ADMIN, units["bureau"], "管理员"),
        "bureau": make_user("duchaban", Role.BUREAU, units["bureau"], "督察办王科长"),
        "leader": make_user("leader", Role.LEADER, None, "张副市长"),
        "nanshan": make_user("nanshan", Role.UNIT, units["nanshan"], "赵联络员"),
        "hekou": make_user("hekou", Role.UNIT, units["hekou"], "钱联络员"),
    }


def walk_to(task, status, people):
    """Move a task through the workflow with the services, as the users would."""
    admin, leader = people["admin"], people["leader"]
    if status == "not_started":
        return task
    services.task_progress_add(
        actor=admin, task=task, text=f"{task.code} 已完成清淤 40%", percent=40, investment="12.5"
    )
    if status == "in_progress":
        return task
    services.task_evidence_add(
        actor=admin, task=task, files=[SimpleUploadedFile("现场.png", PNG)], kind=EvidenceKind.PHOTO
    )
    services.task_submit(actor=admin, task=task)
    if status == "submitted":
        return task
    services.task_verify(actor=people["bureau"], task=task)
    if status == "verified":
        return task
    if status == "closed":
        return services.task_close(actor=leader, task=task)
    return services.task_keep_long_term(actor=leader, task=task)


@pytest.fixture
def ledger_round(people, units):
    """One round, finding 1 split into 3 tasks (merged in the ledger), finding 2 with 3 more: six statuses."""
    bureau = people["bureau"]
    inspection_round = services.round_create(
        actor=bureau,
        kind=RoundKind.CENTRAL,
        batch=2,
        name="第二轮中央生态环境保护督察",
        feedback_date=date(2024, 1, 10),
    )
    first = services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        number=1,
        summary="城区黑臭水体整治不到位",
        category=Category.BLACK_ODOROUS,
        region="东城片区",
        responsible_leader=people["leader"],
        tasks=[
            {
                "lead_unit": units["nanshan"],
                "deadline_text": "2024年6月底前",
                "goal": "消除黑臭",
                "measures": "控源截污",
                "cooperating_units": [units["housing"], units["hekou"]],
                "responsible_person": "王建国",
                "assigned_on": date(2024, 2, 1),
            },
            {
                "lead_unit": units["housing"],
                "deadline_text": "2023年底前完成阶段性整改，2025年底前全面完成",
                "measures": "清淤疏浚",
                "assigned_on": date(2024, 2, 1),
            },
            {
                "lead_unit": units["hekou"],
                "deadline_text": "立行立改",
                "measures": "=SUM(A1:A2) 不是公式",
                "assigned_on": date(2024, 2, 1),
            },
        ],
    )
    second = services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        number=2,
        summary="工业园区 VOCs 治理不力",
        category=Category.INDUSTRIAL_PARK,
        region="北岭片区",
        tasks=[
            {"lead_unit": units["nanshan"], "deadline_text": "2024.9.30", "assigned_on": date(2024, 2, 1)},
            {"lead_unit": units["housing"], "deadline_text": "长期坚持", "assigned_on": date(2024, 2, 1)},
            {"lead_unit": units["hekou"], "deadline_text": "2024-12-31", "assigned_on": date(2024, 2, 1)},
        ],
    )
    tasks = list(first.tasks.order_by("number")) + list(second.tasks.order_by("number"))
    for task, status in zip(
        tasks, ["in_progress", "submitted", "verified", "closed", "long_term", "not_started"], strict=True
    ):
        walk_to(task, status, people)
    return inspection_round


def workbook_file(path, rows, merges=(), sheet_title="Sheet1"):
    """Write a plain (not write-only) workbook with `rows` and merged `merges`, as a messy real file."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path
