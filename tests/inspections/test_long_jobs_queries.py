"""The long jobs at scale (issue 19): the reminder sweep and the whole dispatch report (figures, closure,
supervision and complaint sections, workbook, notification) run the same number of queries for N tasks
and for 3N tasks spread over several units; nothing is asked per task or per unit per task."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from helpers_ledger import at

from factories import TEST_NAMES, World
from inspections import services
from inspections.choices import JobStatus, NotificationKind, RoundKind
from inspections.models import DispatchReport, Notification, RectificationTask, ReminderDigest, ReminderRecord
from inspections.reminders.services import reminders_send
from inspections.reports.services import dispatch_report_build

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)
UNITS = ("water", "town", "housing", "hekou")
N = 2  # tasks of each kind per unit in the small ledger


class ScaleLedger(World):
    """Four units with a contact each, the bureau and two leaders; tasks due soon, overdue (some long enough to
    escalate) and open, in two rounds, for every unit."""

    def __init__(self):
        super().__init__(
            units=("city", *UNITS),
            users=("bureau", "leader", "other_leader", "water_user", "town_user", "housing_user", "hekou_user"),
            names=TEST_NAMES,
        )
        self.rounds = [
            services.round_create(
                actor=self.bureau, kind=RoundKind.CENTRAL, batch=2, name="第二轮中央生态环境保护督察"
            ),
            services.round_create(actor=self.bureau, kind=RoundKind.PROVINCIAL, batch=1, name="省级生态环境保护督察"),
        ]
        self.serial = 0

    def add(self, per_unit: int) -> None:
        """`per_unit` tasks of each kind for every unit: due in 3 days, 2 and 20 days overdue, due next year."""
        for unit_key in UNITS:
            for i in range(per_unit):
                for deadline in (MONDAY + timedelta(days=3), MONDAY - timedelta(days=2), MONDAY - timedelta(days=20)):
                    self.serial += 1
                    services.finding_create(
                        actor=self.bureau,
                        inspection_round=self.rounds[i % 2],
                        summary=f"规模测试问题{self.serial}",
                        responsible_leader=self.leader if self.serial % 2 else self.other_leader,
                        tasks=[{"lead_unit": self.units[unit_key], "deadline_text": str(deadline)}],
                    )


@pytest.fixture
def ledger(settings):
    settings.ESCALATE_AFTER_DAYS = 7
    with at(MONDAY - timedelta(days=40)):
        ledger = ScaleLedger()
        ledger.add(N)
    return ledger


def _sweep_afresh() -> tuple[int, object]:
    """The sweep of MONDAY from a clean morning (no records, digests or reminder notes of the day yet)."""
    ReminderRecord.objects.filter(day=MONDAY).delete()
    ReminderDigest.objects.filter(day=MONDAY).delete()
    Notification.objects.filter(
        kind__in=[NotificationKind.REMINDER, NotificationKind.OVERDUE, NotificationKind.ESCALATION]
    ).delete()
    mail.outbox.clear()
    with at(MONDAY, 8), CaptureQueriesContext(connection) as queries:
        result = reminders_send(day=MONDAY)
    return len(queries.captured_queries), result


def test_the_sweep_runs_the_same_queries_for_n_and_3n_tasks_over_four_units(ledger):
    few, small = _sweep_afresh()
    with at(MONDAY - timedelta(days=40)):
        ledger.add(2 * N)
    many, large = _sweep_afresh()
    assert RectificationTask.objects.count() == 3 * len(UNITS) * 3 * N
    # Every task is reminded (due or overdue) and the 20-days-late ones escalate: 3x the records ...
    assert large.records == 3 * small.records > 0
    # ... in the same digests (one per unit, one per leader and the bureau), with the same number of queries.
    assert large.digests == small.digests == len(UNITS) + 3
    assert large.delivered == small.delivered
    assert many == few


def _report_afresh(day: date) -> tuple[int, DispatchReport]:
    DispatchReport.objects.filter(report_date=day).delete()
    report = DispatchReport.objects.create(report_date=day)
    with at(day, 20), CaptureQueriesContext(connection) as queries:
        report = dispatch_report_build(report_id=report.pk)
    assert report.status == JobStatus.DONE, report.error
    return len(queries.captured_queries), report


def test_the_whole_dispatch_report_runs_the_same_queries_for_n_and_3n_tasks_over_four_units(ledger):
    sunday = MONDAY + timedelta(days=6)
    few, small = _report_afresh(sunday)
    with at(MONDAY - timedelta(days=40)):
        ledger.add(2 * N)
    many, large = _report_afresh(sunday)
    assert large.data["overdue"]["total"] == 3 * small.data["overdue"]["total"] > 0
    assert many == few
