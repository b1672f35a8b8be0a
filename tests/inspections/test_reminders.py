"""The daily reminder sweep: 7/3/1-day steps, overdue, one digest per unit, escalation, idempotency."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from helpers_ledger import at, make_ledger

from inspections import services
from inspections.choices import DigestAudience, EvidenceKind, JobStatus, NotificationKind, ReminderKind
from inspections.models import Holiday, Notification, ReminderDigest, ReminderRecord
from inspections.reminders.services import DeliveryIncomplete, reminders_send
from inspections.reminders.tasks import send_reminders

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)


@pytest.fixture
def ledger():
    with at(MONDAY - timedelta(days=30)):
        return make_ledger()


def sweep(day):
    with at(day, 8):
        return reminders_send(day=day)


def notes(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(kind=kind) if kind else qs


def test_due_reminders_go_out_at_seven_three_and_one_days(ledger):
    deadline = MONDAY + timedelta(days=10)
    with at(MONDAY):
        task = ledger.task(ledger.round(), deadline)
    sent_on = []
    for offset in range(11):
        day = MONDAY + timedelta(days=offset)
        sweep(day)
        if ReminderRecord.objects.filter(task=task, kind=ReminderKind.DUE, day=day).exists():
            sent_on.append((deadline - day).days)
    assert sent_on == [7, 3, 1]
    assert list(
        ReminderRecord.objects.filter(task=task, kind=ReminderKind.DUE)
        .order_by("day")
        .values_list("threshold", flat=True)
    ) == [7, 3, 1]
    assert notes(ledger.water_contact, NotificationKind.REMINDER).count() == 3


def test_a_missed_sweep_day_still_sends_the_closest_step_once(ledger):
    with at(MONDAY):
        task = ledger.task(ledger.round(), MONDAY + timedelta(days=5))  # never was 7 days away at a sweep
    sweep(MONDAY)
    sweep(MONDAY + timedelta(days=1))
    records = ReminderRecord.objects.filter(task=task, kind=ReminderKind.DUE)
    assert [(r.day, r.threshold, r.days) for r in records.order_by("day")] == [(MONDAY, 7, 5)]


def test_a_moved_deadline_starts_the_steps_again(ledger):
    with at(MONDAY):
        task = ledger.task(ledger.round(), MONDAY + timedelta(days=3))
    sweep(MONDAY)
    with at(MONDAY + timedelta(days=1)):
        services.task_update(actor=ledger.bureau, task=task, deadline_text=str(MONDAY + timedelta(days=9)))
    sweep(MONDAY + timedelta(days=1))
    assert not ReminderRecord.objects.filter(day=MONDAY + timedelta(days=1), kind=ReminderKind.DUE).exists()
    sweep(MONDAY + timedelta(days=2))
    assert ReminderRecord.objects.get(day=MONDAY + timedelta(days=2), kind=ReminderKind.DUE).threshold == 7


def test_overdue_tasks_are_reminded_every_day_and_complete_ones_never(ledger):
    with at(MONDAY - timedelta(days=20)):
        inspection_round = ledger.round()
        late = ledger.task(inspection_round, MONDAY - timedelta(days=2))
        done = ledger.task(inspection_round, MONDAY - timedelta(days=2))
        services.task_start(actor=ledger.water_contact, task=done)
        services.task_evidence_add(
            actor=ledger.water_contact,
            task=done,
            kind=EvidenceKind.ACCEPTANCE,
            description="验收",
            files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")],
        )
        services.task_submit(actor=ledger.water_contact, task=done, reason="主体工程完工，扫尾中")
        services.task_verify(actor=ledger.bureau, task=done)
    sweep(MONDAY)
    sweep(MONDAY + timedelta(days=1))
    overdue = ReminderRecord.objects.filter(kind=ReminderKind.OVERDUE)
    assert sorted(overdue.values_list("task_id", "days")) == [(late.pk, 2), (late.pk, 3)]
    assert not ReminderRecord.objects.filter(task=done).exists()
    note = notes(ledger.water_contact, NotificationKind.OVERDUE).order_by("created_at").first()
    assert "已逾期 2 天" in note.body


def test_one_digest_per_unit_lists_all_its_tasks(ledger):
    with at(MONDAY - timedelta(days=20)):
        inspection_round = ledger.round()
        water_tasks = [
            ledger.task(inspection_round, MONDAY + timedelta(days=d), summary=f"水务问题{d}") for d in (1, 3, 7)
        ]
        water_tasks.append(ledger.task(inspection_round, MONDAY - timedelta(days=1), summary="水务逾期问题"))
        ledger.task(inspection_round, MONDAY + timedelta(days=3), unit=ledger.town, summary="南山问题")
        ledger.task(inspection_round, MONDAY + timedelta(days=30), unit=ledger.town, summary="远期问题")
    mail.outbox.clear()
    result = sweep(MONDAY)
    assert result.records == 5
    water_mail = [m for m in mail.outbox if m.to == ["water@example.gov.cn"]]
    town_mail = [m for m in mail.outbox if m.to == ["town@example.gov.cn"]]
    assert len(water_mail) == 1 and len(town_mail) == 1
    for summary in ("水务问题1", "水务问题3", "水务问题7", "水务逾期问题"):
        assert summary in water_mail[0].body
    assert "南山问题" not in water_mail[0].body and "远期问题" not in town_mail[0].body
    assert "3项任务即将到期，1项已逾期" in water_mail[0].subject
    assert (
        notes(ledger.water_contact).filter(kind__in=[NotificationKind.REMINDER, NotificationKind.OVERDUE]).count() == 1
    )
    digest = ReminderDigest.objects.get(unit=ledger.water)
    assert (digest.items, digest.status) == (4, JobStatus.DONE)


def test_overdue_longer_than_the_setting_escalates_to_the_leader_and_bureau_once(ledger, settings):
    settings.ESCALATE_AFTER_DAYS = 7
    with at(MONDAY - timedelta(days=30)):
        inspection_round = ledger.round()
        eight = ledger.task(inspection_round, MONDAY - timedelta(days=8), summary="逾期八天问题")
        seven = ledger.task(inspection_round, MONDAY - timedelta(days=7), summary="逾期七天问题")
        other = ledger.task(
            inspection_round, MONDAY - timedelta(days=20), leader=ledger.other_leader, summary="另一位领导的问题"
        )
    mail.outbox.clear()
    sweep(MONDAY)
    escalated = set(ReminderRecord.objects.filter(kind=ReminderKind.ESCALATION).values_list("task_id", flat=True))
    assert escalated == {eight.pk, other.pk}
    leader_mail = [m for m in mail.outbox if m.to == ["leader@example.gov.cn"]]
    assert len(leader_mail) == 1 and "逾期八天问题" in leader_mail[0].body
    assert "另一位领导的问题" not in leader_mail[0].body and "逾期七天问题" not in leader_mail[0].body
    bureau_mail = [m for m in mail.outbox if m.to == ["bureau@example.gov.cn"]]
    assert len(bureau_mail) == 1
    assert "逾期八天问题" in bureau_mail[0].body and "另一位领导的问题" in bureau_mail[0].body
    assert notes(ledger.other_leader, NotificationKind.ESCALATION).count() == 1
    # Next day: all three are reminded to the unit again; only the one now eight days late escalates.
    sweep(MONDAY + timedelta(days=1))
    assert list(
        ReminderRecord.objects.filter(kind=ReminderKind.ESCALATION, day=MONDAY + timedelta(days=1)).values_list(
            "task_id", flat=True
        )
    ) == [seven.pk]
    assert notes(ledger.other_leader, NotificationKind.ESCALATION).count() == 1
    assert ReminderRecord.objects.filter(kind=ReminderKind.OVERDUE, day=MONDAY + timedelta(days=1)).count() == 3


def test_running_twice_sends_once(ledger):
    with at(MONDAY - timedelta(days=30)):
        inspection_round = ledger.round()
        ledger.task(inspection_round, MONDAY + timedelta(days=3))
        ledger.task(inspection_round, MONDAY - timedelta(days=10), unit=ledger.town)
    mail.outbox.clear()
    first = sweep(MONDAY)
    counts = (len(mail.outbox), Notification.objects.count(), ReminderRecord.objects.count())
    second = sweep(MONDAY)
    assert (len(mail.outbox), Notification.objects.count(), ReminderRecord.objects.count()) == counts
    assert first.records == 3 and second.records == 0 and second.digests == 0
    # unit water, unit town, leader, bureau: four mails.
    assert counts[0] == 4


def test_a_failed_email_is_retried_for_that_unit_only(ledger, monkeypatch):
    with at(MONDAY - timedelta(days=30)):
        inspection_round = ledger.round()
        ledger.task(inspection_round, MONDAY + timedelta(days=3))
        ledger.task(inspection_round, MONDAY + timedelta(days=1), unit=ledger.town)
    original = EmailBackend.send_messages

    def town_mail_server_down(self, messages):
        if any("town@example.gov.cn" in m.to for m in messages):
            raise ConnectionRefusedError("SMTP down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", town_mail_server_down)
    mail.outbox.clear()
    with pytest.raises(DeliveryIncomplete):
        sweep(MONDAY)
    assert [m.to for m in mail.outbox] == [["water@example.gov.cn"]]
    failed = ReminderDigest.objects.get(unit=ledger.town)
    assert failed.status == JobStatus.FAILED and "SMTP down" in failed.last_error
    monkeypatch.setattr(EmailBackend, "send_messages", original)
    result = sweep(MONDAY)
    assert result.digests == 1 and result.delivered == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["town@example.gov.cn", "water@example.gov.cn"]
    # The in-app note of the failed unit was written once, on the first attempt.
    assert notes(ledger.town_contact, NotificationKind.REMINDER).count() == 1
    assert notes(ledger.water_contact, NotificationKind.REMINDER).count() == 1
    assert ReminderDigest.objects.get(unit=ledger.town).attempts == 2


def test_a_crash_mid_run_then_retry_sends_nothing_twice_and_misses_nothing(ledger, monkeypatch):
    from inspections.reminders import services as module

    with at(MONDAY - timedelta(days=30)):
        inspection_round = ledger.round()
        ledger.task(inspection_round, MONDAY + timedelta(days=3))
        ledger.task(inspection_round, MONDAY + timedelta(days=7), unit=ledger.town)
        ledger.task(inspection_round, MONDAY - timedelta(days=9))  # escalates: leader and bureau digests too
    original, calls = module._deliver, []

    def dies_after_first_digest(*args, **kwargs):
        if calls:
            raise SystemExit("worker killed")
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "_deliver", dies_after_first_digest)
    mail.outbox.clear()
    with pytest.raises(SystemExit):
        sweep(MONDAY)
    assert len(mail.outbox) == 1
    monkeypatch.setattr(module, "_deliver", original)
    sweep(MONDAY)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [
        "bureau@example.gov.cn",
        "leader@example.gov.cn",
        "town@example.gov.cn",
        "water@example.gov.cn",
    ]
    for user in (ledger.water_contact, ledger.town_contact, ledger.leader, ledger.bureau):
        assert notes(user).exclude(kind=NotificationKind.WORKFLOW).count() == 1
    assert not ReminderDigest.objects.exclude(status=JobStatus.DONE).exists()


def test_the_celery_task_is_late_acknowledged_and_retries_with_back_off(ledger):
    assert send_reminders.acks_late is True
    assert DeliveryIncomplete in send_reminders.autoretry_for
    assert send_reminders.retry_backoff
    with at(MONDAY - timedelta(days=30)):
        ledger.task(ledger.round(), MONDAY + timedelta(days=1))
    with at(MONDAY, 8):
        result = send_reminders.run(day=MONDAY.isoformat())
    assert result["records"] == 1 and result["delivered"] == 1


def test_the_command_reports_failures_and_reruns_cleanly(ledger, monkeypatch):
    with at(MONDAY - timedelta(days=30)):
        ledger.task(ledger.round(), MONDAY + timedelta(days=1))
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: (_ for _ in ()).throw(OSError("x")))
    with at(MONDAY, 8), pytest.raises(CommandError, match="未送达"):
        call_command("send_reminders", "--date", MONDAY.isoformat())
    monkeypatch.undo()
    with at(MONDAY, 8):
        call_command("send_reminders", "--date", MONDAY.isoformat())
    assert ReminderDigest.objects.get(audience=DigestAudience.UNIT).status == JobStatus.DONE


def test_working_days_skip_weekends_and_honour_the_holiday_table(ledger, settings):
    settings.USE_WORKING_DAYS = True
    # 2027 is beyond chinesecalendar 1.11.0: the bureau enters the notice in the Holiday table.
    for d in range(1, 8):
        Holiday.objects.create(day=date(2027, 10, d), name="国庆节")
    Holiday.objects.create(day=date(2027, 10, 9), is_workday=True, name="国庆节调休")
    with at(date(2027, 9, 1)):
        task = ledger.task(ledger.round(), date(2027, 10, 11))  # the Monday after the holiday

    def step_on(day):
        sweep(day)
        record = ReminderRecord.objects.filter(task=task, day=day).first()
        return record and (record.days, record.threshold)

    # Wed 09-29: working days left are Thu 09-30, Fri 10-08, Sat 10-09 (调休) and Mon 10-11.
    assert step_on(date(2027, 9, 29)) == (4, 7)
    assert sweep(date(2027, 10, 4)).skipped  # a holiday from the table: no sweep at all
    assert sweep(date(2027, 10, 10)).skipped  # an ordinary Sunday
    assert step_on(date(2027, 10, 8)) == (2, 3)
    assert step_on(date(2027, 10, 9)) == (1, 1)  # the make-up working day sends the last step


def test_calendar_days_by_default_ignore_holidays(ledger):
    Holiday.objects.create(day=date(2027, 10, 1), name="国庆节")
    with at(date(2027, 9, 1)):
        task = ledger.task(ledger.round(), date(2027, 10, 4))
    result = sweep(date(2027, 10, 1))
    assert not result.skipped
    assert ReminderRecord.objects.get(task=task).days == 3


def test_the_sweep_query_count_does_not_grow_with_the_tasks(ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with at(MONDAY - timedelta(days=30)):
        inspection_round = ledger.round()
        for unit in (ledger.water, ledger.town):
            ledger.task(inspection_round, MONDAY + timedelta(days=3), unit=unit)
            ledger.task(inspection_round, MONDAY - timedelta(days=9), unit=unit)
    with CaptureQueriesContext(connection) as few:
        sweep(MONDAY)
    with at(MONDAY - timedelta(days=30)):
        for unit in (ledger.water, ledger.town):
            for offset in range(8):
                ledger.task(inspection_round, MONDAY + timedelta(days=1 + offset % 7), unit=unit)
                ledger.task(inspection_round, MONDAY - timedelta(days=10 + offset), unit=unit)
    with CaptureQueriesContext(connection) as many:
        result = sweep(MONDAY + timedelta(days=1))
    assert result.records > 3 * 8  # the second day records every task of both units
    assert len(many.captured_queries) == len(few.captured_queries)
