"""督办 past their reply date are overdue like tasks: the daily sweep tells the target unit (in its digest) and
the issuing bureau, once a day, and stops once the unit has replied."""

from datetime import date

from django.core import mail

from inspections.choices import DigestAudience, NotificationKind, SupervisionKind
from inspections.models import Notification, ReminderDigest
from inspections.reminders.services import reminders_send
from inspections.supervision import services

from .test_scores import at

MONDAY = date(2026, 6, 1)


def sweep(day):
    with at(day):
        return reminders_send(day=day)


def notes(user, **filters):
    return Notification.objects.filter(recipient=user, **filters)


def test_overdue_reply_reminds_unit_and_issuer_once_a_day(ledger):
    with at(MONDAY):
        task = ledger.task(deadline_text="2030年12月31日前")
        action = services.action_issue(
            actor=ledger.bureau,
            kind=SupervisionKind.NOTICE,
            target_unit=ledger.water,
            tasks=[task],
            reply_due=date(2026, 6, 5),
        )
    Notification.objects.all().delete()

    sweep(date(2026, 6, 5))  # the reply date itself: not yet overdue
    assert not notes(ledger.water_user).exists() and not notes(ledger.bureau).exists()

    sweep(date(2026, 6, 8))
    unit_notes = list(notes(ledger.water_user))
    assert len(unit_notes) == 1 and unit_notes[0].kind == NotificationKind.OVERDUE
    assert "1份督办逾期未回复" in unit_notes[0].title and action.doc_number in unit_notes[0].body
    assert "已逾期 3 天" in unit_notes[0].body
    assert ReminderDigest.objects.filter(day=date(2026, 6, 8), unit=ledger.water).count() == 1
    issuer = list(notes(ledger.bureau, kind=NotificationKind.ESCALATION))
    assert len(issuer) == 1 and action.doc_number in issuer[0].body and ledger.water.name in issuer[0].body
    assert ReminderDigest.objects.filter(
        day=date(2026, 6, 8), audience=DigestAudience.ESCALATION, recipient=ledger.bureau
    ).exists()
    assert not notes(ledger.town_user).exists() and not notes(ledger.plant_user).exists()
    emails = len(mail.outbox)

    sweep(date(2026, 6, 8))  # the same day again (a retry): nothing new
    assert notes(ledger.water_user).count() == 1 and notes(ledger.bureau).count() == 1
    assert len(mail.outbox) == emails

    sweep(date(2026, 6, 9))  # the next day: once more
    assert notes(ledger.water_user).count() == 2 and notes(ledger.bureau).count() == 2
    assert "已逾期 4 天" in notes(ledger.water_user).latest("id").body

    with at(date(2026, 6, 9)):
        services.action_reply(actor=ledger.water_user, action=action, text="已整改完毕")
    sweep(date(2026, 6, 10))
    assert notes(ledger.water_user, kind=NotificationKind.OVERDUE).count() == 2
    assert notes(ledger.bureau, kind=NotificationKind.ESCALATION).count() == 2


def test_sweep_queries_do_not_grow_with_overdue_replies(ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def issue(count, unit):
        with at(MONDAY):
            for _i in range(count):
                services.action_issue(
                    actor=ledger.bureau,
                    kind=SupervisionKind.LETTER,
                    target_unit=unit,
                    tasks=[ledger.task(lead_unit=unit, deadline_text="2030年12月31日前")],
                    reply_due=date(2026, 6, 3),
                )

    issue(1, ledger.water)
    issue(1, ledger.town)
    with CaptureQueriesContext(connection) as few:
        sweep(date(2026, 6, 8))
    issue(6, ledger.water)
    issue(6, ledger.town)
    with CaptureQueriesContext(connection) as many:
        sweep(date(2026, 6, 9))
    assert len(many.captured_queries) <= len(few.captured_queries)
    assert "7份督办逾期未回复" in notes(ledger.water_user).latest("id").title
