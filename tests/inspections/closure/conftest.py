"""The closure tests' world: the inspections ledger (tests/inspections/conftest.py) plus a five-step chain for
its round, and a walker that moves a task along a chain's route (past the public notice with time-machine)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

import factories
import oracle
from accounts.choices import Role
from factories import World
from inspections import services
from inspections.choices import EvidenceKind
from inspections.models import ClosureChain, ClosureChainStep


def five_step_chain(inspection_round):
    chain = ClosureChain.objects.create(name="五步销号", inspection_round=inspection_round)
    for order, (step, role, required) in enumerate(oracle.FIVE_STEP_CHAIN, 1):
        ClosureChainStep.objects.create(chain=chain, order=order, step=step, role=role, required=required)
    return chain


class ClosureLedger(World):
    """The inspections ledger's part of the world (water dept, plant, town, housing; one user per role)."""

    def __init__(self):
        super().__init__(
            units=("city", "water", "plant", "town", "housing"),
            users=("admin", "bureau", "leader", "other_leader", "superior", "water_user", "town_user", "housing_user"),
        )
        self.round = services.round_create(actor=self.bureau, kind="provincial", batch=1, name="省级生态环境保护督察")
        self._findings = 0
        five_step_chain(self.round)
        self.plain_round = services.round_create(actor=self.bureau, kind="municipal", batch=1, name="市级督察")

    @staticmethod
    def pdf(name="验收报告.pdf"):
        return factories.pdf(name)

    def task(self, *, lead_unit=None, deadline_text="2024年12月31日前", assigned_on=dt.date(2024, 1, 1), **fields):
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
                    "measures": "实施雨污分流改造",
                    **fields,
                }
            ],
        )
        return finding.tasks.get()

    def bring_to(self, task, status):
        services.task_evidence_add(actor=self.water_user, task=task, files=[self.pdf()], kind=EvidenceKind.ACCEPTANCE)
        return self.walk(task, status)

    def plain_task(self, **fields):
        """A task of a round with the default chain (验收 → 审签)."""
        five, self.round = self.round, self.plain_round
        try:
            return self.task(**fields)
        finally:
            self.round = five

    def acceptance_record(self, task, *, conclusion="pass", acceptors=(), opinion="", files=()):
        from inspections.closure import services as closure

        return closure.acceptance_record(
            actor=self.bureau,
            task=task,
            checked_on=timezone.localdate(),
            acceptors=list(acceptors),
            conclusion=conclusion,
            opinion=opinion,
            standards={
                "measures_done": True,
                "violations_punished": True,
                "lessons_applied": True,
                "results_public": True,
            },
            report_files=list(files),
        )

    def objection(self, notice, content):
        from inspections.closure import services as closure

        return closure.objection_record(actor=self.bureau, notice=notice, content=content, raised_by="群众")

    def decide(self, objection, *, upheld, note):
        from inspections.closure import services as closure

        return closure.objection_decide(actor=self.bureau, objection=objection, upheld=upheld, note=note)

    def confirm(self, task, action, *, actor, comment=""):
        from inspections.closure import services as closure

        return closure.step_confirm(actor=actor, task=task, action=action, comment=comment)

    def extension(self, task, deadline_text, *, reason):
        from inspections.closure import services as closure

        return closure.extension_request(actor=self.water_user, task=task, deadline_text=deadline_text, reason=reason)

    def decide_extension(self, extension, *, approve, note=""):
        from inspections.closure import services as closure

        return closure.extension_decide(actor=self.bureau, extension=extension, approve=approve, note=note)

    def walk_five(self, task, status):
        """Along the five-step route; after 开始公示 the clock moves past the notice's end."""
        services.task_evidence_add(actor=self.water_user, task=task, files=[self.pdf()], kind=EvidenceKind.ACCEPTANCE)
        actors = {r: self.by_role(r) for r in (Role.UNIT, Role.BUREAU, Role.LEADER, Role.SUPERIOR)}
        for action, role in oracle.FIVE_STEP_ROUTE[status]:
            reason = "主体完工" if action == "submit" else ""
            if task.status == "in_notice":
                with after_notice(task):
                    task = services.task_transition(actor=actors[role], task=task, action=action, reason=reason)
            else:
                task = services.task_transition(actor=actors[role], task=task, action=action, reason=reason)
        task.refresh_from_db()
        assert task.status == status
        return task


@pytest.fixture
def closure(db):
    return ClosureLedger()


def after_notice(task):
    """time-machine: the day after the task's public notice ends."""
    day = task.notice_ends_on + dt.timedelta(days=1)
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(10))), tick=False)
