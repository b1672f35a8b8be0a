"""Ledger fixtures built through the services: a small unit tree, one user per role, task factories."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import Role, UnitKind
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import EvidenceKind, RoundKind
from inspections.choices import TaskStatus as S
from inspections.demo.realistic import TINY_PDF


def pdf(name="验收报告.pdf"):
    return SimpleUploadedFile(name, TINY_PDF, content_type="application/pdf")


class Ledger:
    """Units: city bureau > (water dept > enterprise, township, housing dept). Users: one per role and unit."""

    def __init__(self):
        self.city = unit_create(name="XX市生态环境局", code="CITY", kind=UnitKind.BUREAU)
        self.water = unit_create(name="市水务局", code="SW", kind=UnitKind.DEPARTMENT, parent=self.city)
        self.plant = unit_create(name="城东污水处理厂", code="SW-P", kind=UnitKind.ENTERPRISE, parent=self.water)
        self.town = unit_create(name="南山镇", code="NSZ", kind=UnitKind.TOWNSHIP, parent=self.city)
        self.housing = unit_create(name="市住房和城乡建设局", code="ZJ", kind=UnitKind.DEPARTMENT, parent=self.city)

        def user(username, role, unit=None):
            return user_create(username=username, password=None, role=role, unit=unit, full_name=username)

        self.admin = user("admin", Role.ADMIN)
        self.bureau = user("duchaban", Role.BUREAU, self.city)
        self.leader = user("leader", Role.LEADER)
        self.water_user = user("shuiwu", Role.UNIT, self.water)
        self.plant_user = user("plant", Role.UNIT, self.plant)
        self.town_user = user("nanshan", Role.UNIT, self.town)
        self.housing_user = user("zhujian", Role.UNIT, self.housing)
        self.round = services.round_create(
            actor=self.bureau,
            kind=RoundKind.PROVINCIAL,
            batch=1,
            name="省级生态环境保护督察",
            feedback_date=date(2024, 1, 10),
        )
        self._findings = 0

    pdf = staticmethod(pdf)

    def by_role(self, role):
        """The user of a role who may act on a task led by the water department."""
        return {Role.ADMIN: self.admin, Role.BUREAU: self.bureau, Role.LEADER: self.leader, Role.UNIT: self.water_user}[
            role
        ]

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
        if status == S.NOT_STARTED:
            return task.__class__.objects.get(pk=task.pk)
        if status == S.IN_PROGRESS:
            return services.task_start(actor=self.water_user, task=task)
        services.task_submit(actor=self.water_user, task=task)
        if status == S.SUBMITTED:
            return task.__class__.objects.get(pk=task.pk)
        services.task_verify(actor=self.bureau, task=task)
        if status == S.VERIFIED:
            return task.__class__.objects.get(pk=task.pk)
        if status == S.CLOSED:
            return services.task_close(actor=self.leader, task=task)
        if status == S.LONG_TERM:
            return services.task_keep_long_term(actor=self.leader, task=task)
        raise AssertionError(status)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # MD5 for speed; PBKDF2 still checks passwords hashed before this fixture ran (module fixtures).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


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
