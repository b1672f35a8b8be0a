"""Fixtures for the ledger tests: a small jurisdiction and a round whose tasks are in every status, set up
through the services as users would."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from factories import World
from inspections import services
from inspections.choices import Category, EvidenceKind, RoundKind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def ledger_world(db):
    """The city, the housing department and two townships of the shared world (tests/factories.py), with the
    admin, bureau, leader and the townships' contacts."""
    return World(
        units=("city", "housing", "town", "hekou"), users=("admin", "bureau", "leader", "town_user", "hekou_user")
    )


@pytest.fixture
def units(ledger_world):
    w = ledger_world
    return {"bureau": w.city, "housing": w.housing, "nanshan": w.town, "hekou": w.hekou}


@pytest.fixture
def people(ledger_world):
    w = ledger_world
    return {"admin": w.admin, "bureau": w.bureau, "leader": w.leader, "nanshan": w.town_user, "hekou": w.hekou_user}


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
    services.task_submit(actor=admin, task=task, reason="主体工程完工，扫尾中")
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
