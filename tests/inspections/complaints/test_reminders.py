"""The batch's reply deadline in the daily digest: complaint cases due soon or overdue go to the responsible unit
in its one digest of the day, beside its tasks (never one message per case)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from helpers_ledger import at, make_ledger

from inspections.choices import NotificationKind
from inspections.complaints import services
from inspections.models import Notification, ReminderDigest
from inspections.reminders.services import reminders_send

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)


@pytest.fixture
def ledger():
    with at(MONDAY - timedelta(days=30)):
        return make_ledger()


def batch(ledger, inspection_round, number, received_on, reply_days):
    with at(received_on):
        made, _ = services.batch_get_or_create(
            actor=ledger.bureau,
            inspection_round=inspection_round,
            number=number,
            received_on=received_on,
            reply_days=reply_days,
        )
    return made


def case(ledger, in_batch, code, unit, summary="化工厂夜间偷排污水"):
    with at(in_batch.received_on):
        made = services.case_create(actor=ledger.bureau, batch=in_batch, code=code, summary=f"{summary}{code}")
        return services.case_assign(actor=ledger.bureau, case=made, lead_unit=unit)


def digest_note(user):
    """The digest's bell note (the assignment notes of the cases are of another kind)."""
    return Notification.objects.get(recipient=user, kind__in=[NotificationKind.REMINDER, NotificationKind.OVERDUE])


def sweep(day):
    with at(day, 8):
        return reminders_send(day=day)


def test_due_and_overdue_cases_join_the_units_one_digest(ledger):
    inspection_round = ledger.round()
    old = batch(ledger, inspection_round, 1, MONDAY - timedelta(days=12), 10)  # deadline two days ago
    new = batch(ledger, inspection_round, 2, MONDAY - timedelta(days=3), 7)  # deadline in four days
    late = case(ledger, old, "D0001", ledger.water)
    soon = [case(ledger, new, f"D01{n}", ledger.water) for n in range(3)]
    town_case = case(ledger, new, "X0001", ledger.town)
    with at(MONDAY - timedelta(days=20)):
        ledger.task(inspection_round, MONDAY + timedelta(days=3), summary="水务问题3")
    mail.outbox.clear()
    sweep(MONDAY)
    water_mail = [m for m in mail.outbox if m.to == ["water@example.gov.cn"]]
    town_mail = [m for m in mail.outbox if m.to == ["town@example.gov.cn"]]
    assert len(water_mail) == 1 and len(town_mail) == 1  # one digest per unit, however many cases
    body = water_mail[0].body
    # The subject names only the non-zero parts (no "0项已逾期").
    assert "水务问题3" in body and "1项任务即将到期" in water_mail[0].subject
    assert "0项" not in water_mail[0].subject
    assert "交办件3件即将到期，1件交办件逾期未反馈" in water_mail[0].subject
    assert f"{late.code} " in body and "已逾期 2 天" in body
    assert all(f"{c.code} " in body for c in soon) and "剩余 4 天" in body
    assert town_case.code not in body and town_case.code in town_mail[0].body
    assert ReminderDigest.objects.filter(day=MONDAY).count() == 2
    digest = ReminderDigest.objects.get(day=MONDAY, unit=ledger.water)
    assert digest.items == 1 + 4
    note = digest_note(ledger.water_contact)
    assert note.kind == NotificationKind.OVERDUE


def test_a_unit_with_only_cases_gets_a_digest_pointing_to_its_cases(ledger):
    inspection_round = ledger.round()
    new = batch(ledger, inspection_round, 1, MONDAY - timedelta(days=3), 7)
    case(ledger, new, "D0001", ledger.town)
    sweep(MONDAY)
    digest = ReminderDigest.objects.get(day=MONDAY)
    assert digest.unit == ledger.town and digest.items == 1
    note = digest_note(ledger.town_contact)
    assert note.kind == NotificationKind.REMINDER and note.url.startswith("/complaints/")


def test_reported_unassigned_and_far_cases_are_not_reminded(ledger):
    inspection_round = ledger.round()
    old = batch(ledger, inspection_round, 1, MONDAY - timedelta(days=12), 10)
    far = batch(ledger, inspection_round, 2, MONDAY, 30)
    reported = case(ledger, old, "D0001", ledger.water)
    with at(MONDAY - timedelta(days=5)):
        services.case_report_investigation(
            actor=ledger.water_contact, case=reported, investigation="已核实并整改", verdict="true"
        )
        services.case_create(actor=ledger.bureau, batch=old, code="D0002", summary="尚未转办的交办件")
    case(ledger, far, "D0003", ledger.water)
    mail.outbox.clear()
    result = sweep(MONDAY)
    assert result.digests == 0 and not mail.outbox


def test_running_twice_sends_once_and_the_next_day_again(ledger):
    inspection_round = ledger.round()
    old = batch(ledger, inspection_round, 1, MONDAY - timedelta(days=12), 10)
    case(ledger, old, "D0001", ledger.water)
    mail.outbox.clear()
    sweep(MONDAY)
    sweep(MONDAY)
    assert len(mail.outbox) == 1
    sweep(MONDAY + timedelta(days=1))
    assert len(mail.outbox) == 2 and "已逾期 3 天" in mail.outbox[1].body
    assert ReminderDigest.objects.filter(unit=ledger.water).count() == 2


def test_sweep_query_count_does_not_grow_with_the_cases(ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    inspection_round = ledger.round()
    old = batch(ledger, inspection_round, 1, MONDAY - timedelta(days=12), 10)
    case(ledger, old, "D0001", ledger.water)
    case(ledger, old, "X0001", ledger.town)
    with CaptureQueriesContext(connection) as few:
        sweep(MONDAY)
    for n in range(10):
        case(ledger, old, f"D1{n:02d}", ledger.water if n % 2 else ledger.town)
    with CaptureQueriesContext(connection) as many:
        sweep(MONDAY + timedelta(days=1))
    assert len(many.captured_queries) == len(few.captured_queries)
