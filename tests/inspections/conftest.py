"""The inspections tests' part of the shared world (tests/factories.py): the city with its water department
(and its plant), a township and the housing department, one user per role and unit, and a provincial round."""

from datetime import date

import pytest

import factories
from factories import World
from inspections import services
from inspections.choices import EvidenceKind, RoundKind


def pdf(name="验收报告.pdf"):
    return factories.pdf(name)


class Ledger(World):
    """Units: city bureau > (water dept > enterprise, township, housing dept). Users: one per role and unit."""

    def __init__(self):
        super().__init__(
            units=("city", "water", "plant", "town", "housing"),
            users=("admin", "bureau", "leader", "superior", "water_user", "plant_user", "town_user", "housing_user"),
        )
        self.round = services.round_create(
            actor=self.bureau,
            kind=RoundKind.PROVINCIAL,
            batch=1,
            name="省级生态环境保护督察",
            feedback_date=date(2024, 1, 10),
        )
        self._findings = 0

    pdf = staticmethod(pdf)

    def task(
        self,
        *,
        lead_unit=None,
        deadline_text="2024年12月31日前",
        assigned_on=date(2024, 1, 1),
        cooperating_units=(),
        **fields,
    ):
        self._findings += 1
        finding = services.finding_create(
            actor=self.bureau,
            inspection_round=self.round,
            summary=f"污水直排问题{self._findings}",
            responsible_leader=self.leader,
            tasks=[
                {
                    "lead_unit": lead_unit or self.water,
                    "deadline_text": deadline_text,
                    "assigned_on": assigned_on,
                    "cooperating_units": list(cooperating_units),
                    "goal": "生活污水全部收集处理",
                    "measures": "实施雨污分流改造",
                    **fields,
                }
            ],
        )
        return finding.tasks.get()

    def bring_to(self, task, status):
        """Move a task to `status` the way its people would (evidence first, so submit may happen)."""
        services.task_evidence_add(actor=self.water_user, task=task, files=[self.pdf()], kind=EvidenceKind.ACCEPTANCE)
        return self.walk(task, status)


@pytest.fixture
def ledger(db):
    return Ledger()


@pytest.fixture(scope="module")
def demo_ledger(django_db_setup, django_db_blocker):
    """`manage.py seed_demo` once per module (it takes seconds), rolled back when the module ends.

    Like Django's setUpTestData: each test still runs in its own savepoint inside this transaction.
    """
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            output = StringIO()
            call_command("seed_demo", stdout=output)
            yield output.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
