"""Backup round trip on PostgreSQL: scripts/backup.sh, wipe, scripts/restore.sh, every task and file back.

The data is committed (transaction=True) so pg_dump, another process, sees it. The restore goes into
a second database created on the same server; the app then reads it from a separate process.
"""

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from inspections import services
from inspections.choices import EvidenceKind

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(django_settings.BASE_DIR)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(2048) + b"\xff\xd9"

# Run by the app itself against a database: every task and evidence row, and the hash of each file.
SNAPSHOT = """
import hashlib, json
from inspections.models import Evidence, ProgressUpdate, RectificationTask, TaskEvent
tasks = [
    [t.pk, t.code, t.status, t.percent, str(t.investment), t.version, t.goal, t.deadline_text,
     str(t.deadline), t.lead_unit.name, sorted(u.name for u in t.cooperating_units.all())]
    for t in RectificationTask.objects.select_related("finding", "lead_unit").order_by("pk")
]
files = []
for e in Evidence.objects.order_by("pk"):
    with e.file.open("rb") as fh:
        files.append([e.pk, e.task_id, e.original_name, e.file.name, e.sha256, hashlib.sha256(fh.read()).hexdigest()])
print(json.dumps({"tasks": tasks, "files": files, "progress": ProgressUpdate.objects.count(),
                  "events": TaskEvent.objects.count(), "history": RectificationTask.history.count()}))
"""


def database_url(name: str) -> str:
    s = connection.settings_dict
    return f"postgres://{quote(s['USER'])}:{quote(s['PASSWORD'], safe='')}@{s['HOST']}:{s['PORT']}/{name}"


def server_connection():
    s = connection.settings_dict
    conn = psycopg2.connect(dbname="postgres", user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"])
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    return conn


@pytest.fixture
def second_database():
    name = f"rectify_restore_{secrets.token_hex(4)}"
    server = server_connection()
    with server.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.close()


def run(args, *, env, check=True):
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8", **env}
    result = subprocess.run(args, cwd=REPO, env=clean, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def snapshot(db_url, media_root, tmp_path):
    result = run(
        [sys.executable, "manage.py", "shell", "-c", SNAPSHOT],
        env={
            "DEBUG": "1",
            "SECRET_KEY": "test-only",
            "DATABASE_URL": db_url,
            "MEDIA_ROOT": str(media_root),
            "RECTIFY_VAR_DIR": str(tmp_path / "snapshot-var"),
        },
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def ledger(bureau, unit_user, units, make_task):
    """Three tasks with progress, a transition and four evidence files; returns {file name: sha256}."""
    uploads = {}

    def add(task, name, content, kind):
        uploads[name] = hashlib.sha256(content).hexdigest()
        services.task_evidence_add(actor=unit_user, task=task, kind=kind, files=[SimpleUploadedFile(name, content)])

    first = make_task(actor=bureau, lead_unit=units["water"], goal="消除黑臭", cooperating_units=[units["town"]])
    second = make_task(actor=bureau, lead_unit=units["water"], deadline_text="立行立改")
    make_task(actor=bureau, lead_unit=units["town"], deadline_text="长期坚持")
    services.task_progress_add(actor=unit_user, task=first, text="截污管网完成 60%", percent=60, investment="120.5")
    add(first, "整改报告.pdf", PDF, EvidenceKind.DOCUMENT)
    add(first, "现场照片.jpg", JPEG, EvidenceKind.PHOTO)
    add(second, "../../etc/passwd.pdf", PDF + b"%second", EvidenceKind.DOCUMENT)
    add(second, "验收照片.jpg", JPEG + b"second", EvidenceKind.PHOTO)
    services.task_submit(actor=unit_user, task=second, reason="主体工程完工，扫尾中")
    return uploads


def test_backup_and_restore_bring_back_every_task_and_file(settings, tmp_path, ledger, second_database):
    media = Path(settings.MEDIA_ROOT)
    source_url = database_url(connection.settings_dict["NAME"])
    before = snapshot(source_url, media, tmp_path)
    assert len(before["tasks"]) == 3 and len(before["files"]) == 4
    assert sorted(f[5] for f in before["files"]) == sorted(ledger.values())

    backup = run(
        ["bash", "scripts/backup.sh", str(tmp_path / "backups")],
        env={"DATABASE_URL": source_url, "MEDIA_ROOT": str(media)},
    )
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert folder.parent == tmp_path / "backups" and folder.name.startswith("rectify-backup-")
    assert sorted(p.name for p in folder.iterdir()) == ["MANIFEST", "SHA256SUMS", "database.dump", "media.tar.gz"]
    assert "media_files=4" in (folder / "MANIFEST").read_text()

    # Disaster: the evidence folder is gone and the database is a new, empty one.
    shutil.rmtree(media)
    restored_media = tmp_path / "restored-media"
    target_url = database_url(second_database)
    restore_env = {"DATABASE_URL": target_url, "MEDIA_ROOT": str(restored_media)}

    run(["bash", "scripts/restore.sh", str(folder), "--yes"], env=restore_env)
    after = snapshot(target_url, restored_media, tmp_path)
    assert after == before
    # Stored hashes, the bytes on disk and the bytes uploaded all agree.
    assert all(f[4] == f[5] for f in after["files"])
    run(
        [sys.executable, "manage.py", "migrate", "--check"],
        env={
            "DEBUG": "1",
            "SECRET_KEY": "test-only",
            "DATABASE_URL": target_url,
            "RECTIFY_VAR_DIR": str(tmp_path / "check-var"),
        },
    )

    # Restoring again over the restored database (--clean --if-exists) gives the same result.
    run(["bash", "scripts/restore.sh", str(folder), "--yes"], env=restore_env)
    assert snapshot(target_url, restored_media, tmp_path) == before


def test_restore_needs_confirmation_and_an_intact_backup(settings, tmp_path, ledger, second_database):
    media = Path(settings.MEDIA_ROOT)
    source_url = database_url(connection.settings_dict["NAME"])
    backup = run(
        ["bash", "scripts/backup.sh", str(tmp_path / "backups")],
        env={"DATABASE_URL": source_url, "MEDIA_ROOT": str(media)},
    )
    folder = Path(backup.stdout.strip().splitlines()[-1])
    target = {"DATABASE_URL": database_url(second_database), "MEDIA_ROOT": str(tmp_path / "restored")}

    unconfirmed = run(["bash", "scripts/restore.sh", str(folder)], env=target, check=False)
    assert unconfirmed.returncode == 2
    assert f"Would replace database '{second_database}'" in unconfirmed.stdout
    assert not (tmp_path / "restored").exists()

    archive = folder / "media.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    damaged = run(["bash", "scripts/restore.sh", str(folder), "--yes"], env=target, check=False)
    assert damaged.returncode != 0
    assert "checksums do not match" in damaged.stderr
    assert not (tmp_path / "restored").exists()


def test_restore_stops_before_leaving_newer_evidence_without_a_record(settings, tmp_path, ledger, second_database):
    """Evidence uploaded after the backup would be an orphan in the restored database (and the nightly
    clean-up deletes orphans): restore refuses before touching anything, unless told to keep the files."""
    media = Path(settings.MEDIA_ROOT)
    source_url = database_url(connection.settings_dict["NAME"])
    backup = run(
        ["bash", "scripts/backup.sh", str(tmp_path / "backups")],
        env={"DATABASE_URL": source_url, "MEDIA_ROOT": str(media)},
    )
    folder = Path(backup.stdout.strip().splitlines()[-1])
    newer = media / "evidence" / "999" / "uploaded-after-the-backup.pdf"
    newer.parent.mkdir(parents=True)
    newer.write_bytes(PDF)
    (media / "imports").mkdir(exist_ok=True)
    (media / "imports" / "preview.xlsx").write_bytes(b"not evidence: never blocks a restore")
    target_url = database_url(second_database)
    target = {"DATABASE_URL": target_url, "MEDIA_ROOT": str(media)}

    refused = run(["bash", "scripts/restore.sh", str(folder), "--yes"], env=target, check=False)

    assert refused.returncode != 0
    assert "1 evidence file(s)" in refused.stderr and "uploaded-after-the-backup.pdf" in refused.stderr
    with psycopg2.connect(target_url) as conn, conn.cursor() as cursor:  # the database was not touched
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone()[0] == 0
    assert newer.read_bytes() == PDF

    kept = run(["bash", "scripts/restore.sh", str(folder), "--yes", "--keep-extra-files"], env=target)
    assert "Restore complete" in kept.stderr
    assert newer.read_bytes() == PDF


def test_backup_refuses_without_a_postgres_url(tmp_path):
    dest = tmp_path / "backups"
    result = run(["bash", "scripts/backup.sh", str(dest)], env={}, check=False)
    assert result.returncode != 0 and "DATABASE_URL is not set" in result.stderr
    result = run(["bash", "scripts/backup.sh", str(dest)], env={"DATABASE_URL": "sqlite:///x.db"}, check=False)
    assert result.returncode != 0 and "must point at PostgreSQL" in result.stderr
    assert not dest.exists()
