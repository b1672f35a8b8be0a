"""A real PostgreSQL streaming replica: lag-tolerant reads (dashboard, export) go to it, writes to the primary.

scripts/test.sh starts no replica by default; the first test here starts one beside the run's throwaway
primary (pg_basebackup -R, hot standby on a second port: scripts/lib/start_replica.sh), once per run. The
proof: replay on the replica is paused (pg_wal_replay_pause()), a task is written, and the reads inside
`lag_tolerant()` still see the world before that write while every other read and the write itself are on
the primary; after pg_wal_replay_resume() the replica catches up.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from openpyxl import load_workbook

from factories import World, make_round, make_task
from inspections import services
from inspections.choices import JobStatus
from inspections.dashboard.selectors import Scope, dashboard, dashboard_summary
from inspections.ledger.columns import COLUMNS
from inspections.ledger.services import export_job_run, job_file
from inspections.models import ExportJob, RectificationTask
from rectify.replica import REPLICA_DB_ALIAS, lag_tolerant, read_alias

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("TEST_PG_DATA"), reason="run through scripts/test.sh (its PostgreSQL)"),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def replica_port() -> int:
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "lib" / "start_replica.sh")], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


@pytest.fixture
def replica(django_db_setup, django_db_blocker, replica_port):
    """The `replica` alias, as DATABASE_REPLICA_URL would configure it, on the running streaming replica.

    A replica only sees committed data, and Django's test cases refuse connections to an alias they were
    not told of when they started: so this test runs outside them, in autocommit on the test database,
    and flushes it at the end as a transactional test does."""
    with django_db_blocker.unblock():
        connections.settings[REPLICA_DB_ALIAS] = {
            **connections["default"].settings_dict,
            "PORT": str(replica_port),
            "TEST": {"MIRROR": "default"},
        }
        try:
            _wait_caught_up()
            yield connections[REPLICA_DB_ALIAS]
        finally:
            _sql(REPLICA_DB_ALIAS, "SELECT pg_wal_replay_resume()")
            connections[REPLICA_DB_ALIAS].close()
            del connections.settings[REPLICA_DB_ALIAS]
            if hasattr(connections._connections, REPLICA_DB_ALIAS):
                delattr(connections._connections, REPLICA_DB_ALIAS)
            call_command("flush", interactive=False, database="default", verbosity=0)


def _sql(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _wait_caught_up(timeout: float = 30) -> None:
    lsn = _sql("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while not _sql(REPLICA_DB_ALIAS, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _pause_replay() -> None:
    _sql(REPLICA_DB_ALIAS, "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 30
    while _sql(REPLICA_DB_ALIAS, "SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _total(figures) -> int:
    return next(f.value for f in figures.headline if f.key == "total")


def _exported_codes(job: ExportJob) -> list[str]:
    column = [c.key for c in COLUMNS].index("task_code")
    sheet = load_workbook(job_file(job), read_only=True)["整改台账"]
    return sorted(row[column] for row in sheet.iter_rows(min_row=4, values_only=True) if row[column])


def test_lag_tolerant_reads_go_to_the_replica_and_writes_to_the_primary(replica):
    world = World()
    inspection_round = make_round(actor=world.bureau, name="复制测试轮次")
    before = [make_task(actor=world.bureau, lead_unit=world.water, inspection_round=inspection_round) for _ in range(3)]
    _wait_caught_up()
    assert _sql(REPLICA_DB_ALIAS, "SELECT pg_is_in_recovery()") is True
    _pause_replay()

    # A write made while the replica is frozen: it lands on the primary (inside lag_tolerant() too: a write
    # on a hot standby would fail with "cannot execute INSERT in a read-only transaction").
    with lag_tolerant():
        finding = services.finding_create(
            actor=world.bureau,
            inspection_round=inspection_round,
            summary="复制延迟期间新增的问题",
            tasks=[{"lead_unit": world.town, "deadline_text": "2030年12月31日前"}],
        )
        # ... while a read in there, after the service's transaction, goes to the frozen replica.
        assert not RectificationTask.objects.filter(finding=finding).exists()
    late = RectificationTask.objects.get(finding=finding)
    assert RectificationTask.objects.count() == 4  # outside lag_tolerant(): the primary
    assert _sql("default", "SELECT count(*) FROM inspections_rectificationtask") == 4
    assert _sql(REPLICA_DB_ALIAS, "SELECT count(*) FROM inspections_rectificationtask") == 3

    with lag_tolerant():
        assert read_alias() == REPLICA_DB_ALIAS
        assert RectificationTask.objects.count() == 3
        # A read inside a transaction that writes stays with the primary (it must see its own writes).
        with transaction.atomic():
            assert read_alias() == "default"
            assert RectificationTask.objects.count() == 4

    # The dashboard (page selector and API summary) reads the replica: it does not know the late task yet.
    assert _total(dashboard(user=world.bureau, scope=Scope())) == 3
    assert dashboard_summary(user=world.bureau).total == 3
    assert RectificationTask.objects.filter(pk=late.pk).exists()  # and the primary has it all along

    # The export job: its row is read and updated on the primary (the replica has not even seen the job),
    # the ledger's rows come from the replica.
    job = ExportJob.objects.create(user=world.bureau, params={})
    assert _sql(REPLICA_DB_ALIAS, "SELECT count(*) FROM inspections_exportjob") == 0
    job = export_job_run(job.pk)
    assert job.status == JobStatus.DONE, job.error
    assert job.progress == 3
    assert _exported_codes(job) == sorted(t.code for t in before)

    # Replay resumes: the replica catches up and the same reads see the late task.
    _sql(REPLICA_DB_ALIAS, "SELECT pg_wal_replay_resume()")
    _wait_caught_up()
    assert _total(dashboard(user=world.bureau, scope=Scope())) == 4
    with lag_tolerant():
        assert RectificationTask.objects.filter(pk=late.pk).exists()


def test_without_a_replica_lag_tolerant_reads_the_primary(db):
    world = World()
    make_task(actor=world.bureau, lead_unit=world.water)
    assert REPLICA_DB_ALIAS not in connections.settings
    with lag_tolerant():
        assert read_alias() == "default"
        assert RectificationTask.objects.count() == 1
    assert _total(dashboard(user=world.bureau, scope=Scope())) == 1
