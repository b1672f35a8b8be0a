"""A small jurisdiction for API tests: a lead unit, another unit, one user per role, one task.

Data is set up through the services, as users would; `client_for(role)` gives an API client logged
in as that role ("anonymous" gives an unauthenticated one).
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import Category, EvidenceKind, RoundKind

PASSWORD = "Rectify@2026"
ROLES = ("admin", "bureau", "leader", "unit", "other_unit", "anonymous")

# Minimal valid PDF: the upload check looks at the bytes, not the name.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name="整改报告.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class World:
    """Units, users and one task of the lead unit; `task_in(status)` makes tasks in a given state."""

    def __init__(self):
        self.root = unit_create(name="XX市生态环境局", code="BUREAU", kind=UnitKind.BUREAU)
        self.lead_unit = unit_create(name="市住房和城乡建设局", code="ZJ", kind=UnitKind.DEPARTMENT, parent=self.root)
        self.other_unit = unit_create(name="南山镇", code="NSZ", kind=UnitKind.TOWNSHIP, parent=self.root)
        self.users = {
            "admin": user_create(username="admin", password=PASSWORD, role=Role.ADMIN, full_name="管理员"),
            "bureau": user_create(
                username="duchaban", password=PASSWORD, role=Role.BUREAU, unit=self.root, full_name="王督察"
            ),
            "leader": user_create(username="leader", password=PASSWORD, role=Role.LEADER, full_name="张副市长"),
            "unit": user_create(
                username="zhujian", password=PASSWORD, role=Role.UNIT, unit=self.lead_unit, full_name="李联络员"
            ),
            "other_unit": user_create(
                username="nanshan", password=PASSWORD, role=Role.UNIT, unit=self.other_unit, full_name="赵联络员"
            ),
        }
        self.bureau = self.users["bureau"]
        self.round = services.round_create(
            actor=self.bureau,
            kind=RoundKind.CENTRAL,
            name="第二轮中央生态环境保护督察",
            feedback_date=date(2025, 1, 10),
        )
        self.finding = self.add_finding(summary="城区污水管网雨污混接问题突出")
        self.task = self.finding.tasks.get()

    def add_finding(self, summary, tasks=1, lead_unit=None, deadline_text="2026年12月底前"):
        return services.finding_create(
            actor=self.bureau,
            inspection_round=self.round,
            summary=summary,
            category=Category.WATER,
            responsible_leader=self.users["leader"],
            tasks=[
                {
                    "lead_unit": lead_unit or self.lead_unit,
                    "deadline_text": deadline_text,
                    "measures": "排查整治雨污混接点",
                }
                for _ in range(tasks)
            ],
        )

    def add_evidence(self, task=None):
        return services.task_evidence_add(
            actor=self.users["unit"], task=task or self.task, files=[pdf_file()], kind=EvidenceKind.DOCUMENT
        )[0]

    def task_in(self, status, *, evidence=True):
        """A fresh task of the lead unit moved through the workflow into `status` (with evidence once started)."""
        task = self.add_finding(summary=f"问题（{status}）").tasks.get()
        unit, _admin, leader = self.users["unit"], self.users["admin"], self.users["leader"]
        path = {
            "not_started": [],
            "in_progress": [("start", unit)],
            "submitted": [("start", unit), ("submit", unit)],
            "verified": [("start", unit), ("submit", unit), ("verify", self.bureau)],
            "closed": [("start", unit), ("submit", unit), ("verify", self.bureau), ("close", leader)],
            "long_term": [("start", unit), ("submit", unit), ("verify", self.bureau), ("keep_long_term", leader)],
        }[status]
        if evidence and path:
            self.add_evidence(task)
        for action, actor in path:
            task = services.task_transition(actor=actor, task=task, action=action)
        task.refresh_from_db()
        assert task.status == status
        return task


@pytest.fixture
def world(db, settings):
    # Five users per test: the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return World()


@pytest.fixture
def client_for(world):
    def make(role):
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world.users[role])
        return client

    return make
