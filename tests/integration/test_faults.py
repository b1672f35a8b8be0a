"""Real faults, on the real stack: a Celery worker SIGKILLed in the middle of its work, Redis stopped while
pages queue work, PostgreSQL restarted during a burst of writes.

The worker is a separate `celery worker` process (a thread cannot be killed) on the test database; it is
made slow between units of work by RECTIFY_TEST_PAUSE_SECONDS (never by raising), and killed once the
database shows the work half done. Each test has its own Redis server, so stopping it touches no other test.
Needs scripts/test.sh (TEST_REDIS_URL says Redis is installed; TEST_PG_* name the server to restart).
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from accounts.services import api_token_issue, unit_create, user_create
from inspections import services
from inspections.background import pending_jobs_send
from inspections.choices import EventKind, JobStatus, NotificationKind, RoundKind
from inspections.ledger.services import export_job_create, job_file
from inspections.models import (
    DispatchReport,
    ExportJob,
    Notification,
    PendingJob,
    ProgressUpdate,
    ReminderDigest,
    TaskEvent,
)
from inspections.reports.services import report_file
from rectify.celery import app

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("TEST_REDIS_URL"), reason="run through scripts/test.sh (real Redis and PostgreSQL)"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 2  # seconds before Redis hands a dead worker's task to the next worker


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server that a test may stop and start again on the same port."""

    def __init__(self, folder: Path):
        self.port, self.folder, self.process = _free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        _until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout)

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Worker:
    """`celery worker` in its own process group, on the test database and the private Redis."""

    def __init__(self, redis: RedisServer, folder: Path):
        self.redis, self.folder, self.process = redis, folder, None
        self.mail_dir = folder / "mail"
        self.mail_dir.mkdir(exist_ok=True)

    def start(self, pause: float = 0.0):
        db = django_settings.DATABASES["default"]
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": self.redis.url,
            "RECTIFY_TEST_PAUSE_SECONDS": str(pause),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "EXPORT_ROOT": str(django_settings.EXPORT_ROOT),
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        }
        command = [sys.executable, "-m", "celery", "-A", "rectify", "worker", "-P", "solo", "-c", "1"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
        log = open(self.folder / "worker.log", "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.kill()

    def mails_to(self, address: str) -> int:
        return sum(f.read_text().count(f"To: {address}\n") for f in self.mail_dir.glob("*.log"))


def _until(check, timeout=60, every=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    previous = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=server.url, result_backend=server.url, task_always_eager=False)
    _reset_connections()
    yield server
    app.conf.update(previous)
    _reset_connections()
    if server.process.poll() is None:
        server.stop()


def _reset_connections():
    # The app caches its broker connection pools; the broker URL changed.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(redis_server, tmp_path):
    started = Worker(redis_server, tmp_path)
    yield started
    started.stop()
    connections.close_all()


def _ledger(prefix: str, units: int, tasks_per_unit: int = 1, days: int = 3):
    """Units with one contact each (with an email), a bureau user, a leader, tasks due in `days` days."""
    today = timezone.localdate()
    bureau = user_create(username=f"{prefix}_bureau", password=None, role=Role.BUREAU, email="")
    leader = user_create(username=f"{prefix}_leader", password=None, role=Role.LEADER, email=f"{prefix}-leader@x.cn")
    rows, contacts = [], []
    for n in range(units):
        unit = unit_create(name=f"{prefix}单位{n}", code=f"{prefix}-{n}", kind="department")
        contacts.append(
            user_create(
                username=f"{prefix}_c{n}", password=None, role=Role.UNIT, unit=unit, email=f"{prefix}-c{n}@x.cn"
            )
        )
        rows += [{"lead_unit": unit, "deadline_text": str(today + timedelta(days=days))}] * tasks_per_unit
    inspection_round = services.round_create(actor=bureau, kind=RoundKind.CENTRAL, batch=7, name=f"{prefix}轮次")
    services.finding_create(
        actor=bureau, inspection_round=inspection_round, summary=f"{prefix}问题", responsible_leader=leader, tasks=rows
    )
    return bureau, leader, contacts


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_sweep_every_unit_still_gets_exactly_one_digest(worker):
    bureau, leader, contacts = _ledger("sweep", units=5)
    worker.start(pause=1.0)
    app.send_task("inspections.send_reminders", args=[str(timezone.localdate())], ignore_result=True)

    done = lambda: ReminderDigest.objects.filter(status=JobStatus.DONE).count()  # noqa: E731
    _until(lambda: done() >= 1, what="the first digest")
    worker.kill()
    assert 1 <= done() < 5, "the worker was killed in the middle of the sweep"

    time.sleep(VISIBILITY_TIMEOUT)
    worker.start()
    _until(lambda: done() == 5, timeout=60, what="the sweep to finish after the restart")
    for contact in contacts:
        assert worker.mails_to(contact.email) == 1, contact.email
        assert Notification.objects.filter(recipient=contact, kind=NotificationKind.REMINDER).count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_export_the_export_finishes_after_restart(worker):
    bureau, leader, contacts = _ledger("exp", units=2, tasks_per_unit=6)
    worker.start(pause=0.4)
    job = export_job_create(user=bureau, params={}, total=12)

    _until(lambda: ExportJob.objects.get(pk=job.pk).progress >= 3, what="the export to be half written")
    worker.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and 3 <= job.progress < 12

    time.sleep(VISIBILITY_TIMEOUT)
    worker.start()
    _until(lambda: ExportJob.objects.get(pk=job.pk).is_finished, timeout=60, what="the export to finish")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == job.total == 12
    assert load_workbook(job_file(job), read_only=True).sheetnames[0] == "整改台账"  # a whole file, not a torso
    # The killed run's half-written file is gone: only the finished one is left.
    assert [p.name for p in job_file(job).parent.glob(f"{job.pk}-*.xlsx")] == [job_file(job).name]


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_report_build_gives_exactly_one_report_and_one_email(worker):
    bureau, leader, contacts = _ledger("rep", units=2)
    worker.start(pause=1.5)
    tomorrow = timezone.localdate() + timedelta(days=1)
    app.send_task("inspections.weekly_dispatch_report", kwargs={"today": str(tomorrow)}, ignore_result=True)

    _until(lambda: DispatchReport.objects.filter(status=JobStatus.RUNNING).exists(), what="the build to start")
    worker.kill()
    assert DispatchReport.objects.get().status == JobStatus.RUNNING

    time.sleep(VISIBILITY_TIMEOUT)
    worker.start()
    _until(lambda: DispatchReport.objects.filter(emailed_at__isnull=False).exists(), timeout=60, what="the report")
    report = DispatchReport.objects.get()
    assert report.status == JobStatus.DONE and report_file(report).is_file()
    assert worker.mails_to(leader.email) == 1
    assert Notification.objects.filter(recipient=leader, kind=NotificationKind.REPORT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_pages_that_queue_work_answer_with_redis_down_and_the_jobs_run_when_it_is_back(worker, redis_server, settings):
    settings.EXPORT_ASYNC_THRESHOLD = 0
    bureau, leader, contacts = _ledger("down", units=1, tasks_per_unit=2)
    client = Client(raise_request_exception=False)
    client.force_login(bureau)
    redis_server.stop()

    report_page = client.post(reverse("inspections:report_generate"), {"report_date": str(timezone.localdate())})
    export_page = client.get(reverse("inspections:ledger_export"))
    assert (report_page.status_code, export_page.status_code) == (302, 302)
    report, job = DispatchReport.objects.get(), ExportJob.objects.get()
    assert report.status == JobStatus.PENDING and job.status == JobStatus.PENDING
    assert client.get(export_page.url).status_code == 200  # the job's page shows it waiting
    assert sorted(PendingJob.objects.values_list("task_name", flat=True)) == [
        "inspections.build_dispatch_report",
        "inspections.ledger.run_ledger_export",
    ]
    assert pending_jobs_send() == 0  # still down: kept, nothing lost
    assert PendingJob.objects.count() == 2

    redis_server.start()
    worker.start()  # a starting worker queues what was kept (beat does it every minute too)
    _until(lambda: ExportJob.objects.get().status == JobStatus.DONE, timeout=60, what="the kept export")
    _until(lambda: DispatchReport.objects.get().status == JobStatus.DONE, timeout=60, what="the kept report")
    assert not PendingJob.objects.exists()


def _pg_ctl(*args):
    user = os.environ.get("TEST_PG_OS_USER")
    data = os.environ["TEST_PG_DATA"]
    command = [os.path.join(os.environ["TEST_PG_BIN"], "pg_ctl"), "-D", data, *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    subprocess.run(command, cwd=Path(data).parent, check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(not os.environ.get("TEST_PG_DATA"), reason="needs the PostgreSQL server of scripts/test.sh")
@pytest.mark.django_db(transaction=True)
def test_postgres_restart_during_progress_reports_loses_no_acknowledged_report(live_server):
    bureau, leader, contacts = _ledger("pg", units=1, tasks_per_unit=3)
    contact = contacts[0]
    _, token = api_token_issue(user=contact, name="fault test")
    task_ids = list(contact.unit.led_tasks.values_list("pk", flat=True))
    outcomes = []  # (text, status, started, ended)
    stop = threading.Event()

    def post_reports(thread: int):
        # A real HTTP client against the real server (its request signals recycle broken connections).
        http = requests.Session()
        http.headers["Authorization"] = f"Token {token}"
        url = f"{live_server.url}/api/tasks/{task_ids[thread]}/"
        n = 0
        while not stop.is_set():
            n += 1
            text = f"进展-{thread}-{n}"
            started = time.monotonic()
            # As an API client does: read the task's version, then post the report against it.
            read = http.get(url, timeout=30)
            status = read.status_code
            if status == 200:
                payload = {"text": text, "percent": n % 100, "expected_version": read.json()["version"]}
                status = http.post(url + "progress/", json=payload, timeout=30).status_code
            outcomes.append((text, status, started, time.monotonic()))

    threads = [threading.Thread(target=post_reports, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    down_from = time.monotonic()
    _pg_ctl("-m", "fast", "-w", "restart", "-l", str(Path(os.environ["TEST_PG_DATA"]).parent / "postgres.log"))
    down_until = time.monotonic()
    time.sleep(2.0)
    stop.set()
    for thread in threads:
        thread.join(30)
    connections.close_all()

    failed = [o for o in outcomes if o[1] >= 500]
    acknowledged = [o[0] for o in outcomes if 200 <= o[1] < 300 and o[0]]
    assert failed, "the restart happened during the burst"
    outside = [(o[1], round(o[2] - down_from, 2)) for o in failed if o[3] < down_from or o[2] > down_until + 0.5]
    assert not outside, f"failures outside the restart ({down_until - down_from:.1f}s): {outside}"
    assert {o[1] for o in outcomes} <= {200, 201, 500, 503}
    assert any(o[2] > down_until + 0.5 and o[1] == 201 for o in outcomes), "writes work again"
    saved = list(ProgressUpdate.objects.values_list("text", flat=True))
    assert sorted(set(acknowledged) - set(saved)) == [], "an acknowledged progress report was lost"
    assert len(saved) == len(set(saved))
    # No half-written report: each saved report has its timeline event, and the task shows the last one.
    assert TaskEvent.objects.filter(kind=EventKind.PROGRESS).count() == len(saved)
    for task_id in task_ids:
        last = ProgressUpdate.objects.filter(task_id=task_id).order_by("-pk").select_related("task").first()
        assert last is None or last.task.percent == last.percent
