"""A real Redis broker and a real Celery worker run the scheduled jobs (reminders, weekly report, storage
clean-up) end to end.

Needs TEST_REDIS_URL (scripts/test.sh starts a private Redis and exports it). The worker runs in
a thread of this process with the solo pool, so it uses the same test database; the test is
transactional so the worker sees the committed data.
"""

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.choices import Role
from accounts.services import unit_create, user_create
from inspections import services
from inspections.choices import EvidenceKind, JobStatus, NotificationKind, RoundKind
from inspections.demo.realistic import TINY_PDF
from inspections.ledger.services import export_job_create, job_file
from inspections.models import DispatchReport, Notification, ReminderDigest
from inspections.reports.services import report_file
from rectify.celery import app

REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not REDIS_URL, reason="TEST_REDIS_URL is not set: run through scripts/test.sh, which starts a private Redis"
    ),
]


@pytest.fixture
def worker():
    previous = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.update(previous)


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_reminders_and_produces_the_weekly_report(worker):
    today = timezone.localdate()
    unit = unit_create(name="集成测试水务局", code="IT-SW", kind="department")
    bureau = user_create(username="it_bureau", password=None, role=Role.BUREAU, email="it-bureau@example.gov.cn")
    leader = user_create(username="it_leader", password=None, role=Role.LEADER, email="it-leader@example.gov.cn")
    contact = user_create(
        username="it_contact", password=None, role=Role.UNIT, unit=unit, email="it-contact@example.gov.cn"
    )
    inspection_round = services.round_create(actor=bureau, kind=RoundKind.CENTRAL, batch=2, name="集成测试轮次")
    services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        summary="集成测试问题",
        responsible_leader=leader,
        tasks=[
            {"lead_unit": unit, "deadline_text": str(today + timedelta(days=3))},
            {"lead_unit": unit, "deadline_text": str(today + timedelta(days=1))},
        ],
    )
    mail.outbox.clear()

    # What beat would send: the stored schedule entry, by its task name and arguments.
    entry = PeriodicTask.objects.get(task="inspections.send_reminders")
    result = worker.send_task(entry.task, args=json.loads(entry.args), kwargs=json.loads(entry.kwargs))
    outcome = result.get(timeout=120)
    assert outcome["records"] == 2 and outcome["delivered"] == 1
    note = Notification.objects.get(recipient=contact, kind=NotificationKind.REMINDER)
    assert "2项任务即将到期" in note.title and note.body.count("集成测试问题") == 2
    assert [m.to for m in mail.outbox] == [["it-contact@example.gov.cn"]]
    assert ReminderDigest.objects.get(unit=unit).status == JobStatus.DONE

    # The same day again, through the broker: nothing new.
    again = worker.send_task(entry.task).get(timeout=120)
    assert again["records"] == 0 and len(mail.outbox) == 1

    weekly = PeriodicTask.objects.get(task="inspections.weekly_dispatch_report")
    # The Monday job reports on the week up to yesterday; run it "tomorrow" so today's tasks are in it.
    kwargs = {**json.loads(weekly.kwargs), "today": str(today + timedelta(days=1))}
    report_id = worker.send_task(weekly.task, kwargs=kwargs).get(timeout=180)
    report = DispatchReport.objects.get(pk=report_id)
    assert report.status == JobStatus.DONE and report.report_date == today
    assert report_file(report).is_file() and report_file(report).stat().st_size > 0
    assert "集成测试轮次整改任务共2项，已完成0项" in report.narrative
    assert Notification.objects.filter(recipient=leader, kind=NotificationKind.REPORT).exists()
    assert any(m.to == ["it-leader@example.gov.cn"] and m.attachments for m in mail.outbox)


class Rollback(Exception):
    pass


def _pdf():
    return SimpleUploadedFile("现场照片说明.pdf", TINY_PDF, content_type="application/pdf")


def _wait_for(job, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"export job still {job.status} after {timeout}s")


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_daily_storage_clean_up(worker, settings):
    unit = unit_create(name="集成测试环卫所", code="IT-HW", kind="department")
    bureau = user_create(username="it_bureau2", password=None, role=Role.BUREAU)
    contact = user_create(username="it_contact2", password=None, role=Role.UNIT, unit=unit)
    inspection_round = services.round_create(actor=bureau, kind=RoundKind.CENTRAL, batch=3, name="清理测试轮次")
    finding = services.finding_create(
        actor=bureau,
        inspection_round=inspection_round,
        summary="垃圾填埋场渗滤液问题",
        tasks=[{"lead_unit": unit, "deadline_text": "2030年12月31日前"}],
    )
    task = finding.tasks.get()

    # A background export, through the broker: the worker writes its file.
    job = _wait_for(export_job_create(user=bureau, params={}))
    assert job.status == JobStatus.DONE
    export = job_file(job)
    assert export is not None and export.stat().st_size > 0
    # One upload is committed; another one's outer transaction rolls back after its file was written.
    [kept] = services.task_evidence_add(actor=contact, task=task, files=[_pdf()], kind=EvidenceKind.PHOTO)
    with pytest.raises(Rollback), transaction.atomic():
        [lost] = services.task_evidence_add(actor=contact, task=task, files=[_pdf()], kind=EvidenceKind.PHOTO)
        orphan = Path(settings.MEDIA_ROOT) / lost.file.name
        raise Rollback
    assert orphan.is_file()

    # What beat sends, as if on the morning eight days later.
    entry = PeriodicTask.objects.get(task="inspections.clean_storage")
    later = (timezone.now() + timedelta(days=8)).isoformat()
    kwargs = {**json.loads(entry.kwargs), "now": later}
    outcome = worker.send_task(entry.task, args=json.loads(entry.args), kwargs=kwargs).get(timeout=120)
    assert (outcome["expired_jobs"], outcome["export_files"], outcome["evidence_files"]) == (1, 1, 1)
    assert not export.exists() and not orphan.exists()
    assert (Path(settings.MEDIA_ROOT) / kept.file.name).is_file()
    job.refresh_from_db()
    assert job.is_expired and job.file_path == "" and job.status == JobStatus.DONE

    again = worker.send_task(entry.task, kwargs=kwargs).get(timeout=120)
    assert (again["expired_jobs"], again["export_files"], again["evidence_files"]) == (0, 0, 0)
