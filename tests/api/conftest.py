"""A small jurisdiction for API tests: a lead unit, another unit, one user per role, one task.

Data is set up through the services, as users would; `client_for(role)` gives an API client logged
in as that role ("anonymous" gives an unauthenticated one).
"""

from datetime import date

import pytest
from rest_framework.test import APIClient

import factories
from factories import PASSWORD, PDF_BYTES, World
from inspections import services
from inspections.choices import Category, EvidenceKind, RoundKind

ROLES = ("admin", "bureau", "leader", "unit", "other_unit", "anonymous")


def pdf_file(name="整改报告.pdf", content=PDF_BYTES):
    return factories.pdf(name, content)


class ApiWorld(World):
    """The city, the housing department (the lead unit) and a township (another unit) of the shared world, one
    user per role keyed by the API's role names, and one task of the lead unit; `task_in(status)` makes tasks
    in a given state."""

    def __init__(self):
        super().__init__(
            units=("city", "housing", "town"), users=("admin", "bureau", "leader", "housing_user", "town_user")
        )
        self.root, self.lead_unit, self.other_unit = self.city, self.housing, self.town
        self.users = {
            "admin": self.admin,
            "bureau": self.bureau,
            "leader": self.leader,
            "unit": self.housing_user,
            "other_unit": self.town_user,
        }
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
        if evidence and status != "not_started":
            self.add_evidence(task)
        return self.walk(task, status, unit_user=self.users["unit"])


@pytest.fixture
def world(db):
    return ApiWorld()


@pytest.fixture
def client_for(world):
    def make(role):
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(world.users[role])
        return client

    return make
