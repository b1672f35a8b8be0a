"""Storage housekeeping: expired exports go (and their page says so), orphaned files go after a grace
period, everything a row refers to stays, nothing outside MEDIA_ROOT / EXPORT_ROOT is ever touched."""

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.services import user_role_group_sync
from inspections import services
from inspections.choices import EvidenceKind, JobStatus
from inspections.housekeeping.services import INTERRUPTED_ERROR, storage_clean
from inspections.housekeeping.tasks import clean_storage
from inspections.ledger import services as ledger_jobs
from inspections.ledger.services import export_job_create, export_job_run, job_file
from inspections.ledger.staging import stage_upload
from inspections.models import Evidence, ExportJob
from inspections.reports.services import dispatch_report_build, dispatch_report_request, report_file

pytestmark = pytest.mark.django_db

DAY = 24 * 3600
GRACE = timedelta(hours=24)  # what the product promises: an upload or export in flight is never touched


class Rollback(Exception):
    """Raised inside an outer transaction after the upload service returned, to roll it back."""


def finished_export(user, params=None) -> ExportJob:
    """A background export, queued and run through the ledger job service (the worker's part called directly)."""
    job = export_job_create(user=user, params=params or {})
    job = export_job_run(job.pk)
    assert job.status == JobStatus.DONE and job_file(job) is not None
    return job


def age(path: Path, seconds: float) -> Path:
    """Pretend the file (or the symlink itself) was last written `seconds` ago (the grace period reads mtimes)."""
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp), follow_symlinks=False)
    return path


def old_file(path: Path, content: bytes = b"not ours", days: int = 30) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return age(path, days * DAY)


def rolled_back_upload(ledger, task, name="现场.pdf") -> Path:
    """The gap in task_evidence_add: an outer transaction that rolls back after the files were written."""
    with pytest.raises(Rollback), transaction.atomic():
        [evidence] = services.task_evidence_add(
            actor=ledger.water_user, task=task, files=[ledger.pdf(name)], kind=EvidenceKind.PHOTO
        )
        stored = evidence.file.name
        raise Rollback
    return Path(stored)


def files_under(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in Path(root).rglob("*") if p.is_file())


# --- Exports -------------------------------------------------------------------------------------


def test_export_file_is_kept_for_the_retention_and_deleted_just_after(ledger, settings):
    job = finished_export(ledger.bureau)
    path = job_file(job)
    deadline = job.finished_at + timedelta(days=7)  # EXPORT_RETENTION_DAYS defaults to 7

    with time_machine.travel(deadline, tick=False):
        result = storage_clean()
    assert result.expired_jobs == [] and path.is_file()

    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        result = storage_clean()
    assert result.expired_jobs == [job.pk]
    assert result.export_files == [job.file_path] and result.freed_bytes > 0
    assert not path.exists()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.is_expired and job.file_path == ""
    assert job.expired_at == deadline + timedelta(seconds=1)

    with time_machine.travel(deadline + timedelta(days=1), tick=False):
        again = storage_clean()
    assert (again.expired_jobs, again.files) == ([], 0)  # a rerun finds nothing more


def test_retention_follows_the_setting(ledger, settings):
    settings.EXPORT_RETENTION_DAYS = 2
    job = finished_export(ledger.bureau)
    with time_machine.travel(job.finished_at + timedelta(days=2, seconds=1), tick=False):
        assert storage_clean().expired_jobs == [job.pk]


def test_expired_export_page_tells_the_owner_to_export_again(client, ledger):
    params = {"status": ["in_progress", "submitted"], "q": ["污水"]}
    job = finished_export(ledger.bureau, params)
    with time_machine.travel(job.finished_at + timedelta(days=8)):
        storage_clean()
    page_url = reverse("inspections:ledger_export_job", args=[job.pk])
    download_url = reverse("inspections:ledger_export_download", args=[job.pk])

    client.force_login(ledger.bureau)
    page = client.get(page_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "导出文件只保留 7 天，这份文件已过期并被自动删除。如需下载，请重新导出。" in html
    assert 'data-status="expired"' in html and "hx-trigger" not in html
    assert download_url not in html  # no link to a file that is gone
    again = html.split('data-testid="export-again" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert urlsplit(again).path == reverse("inspections:ledger_export")
    assert parse_qs(urlsplit(again).query) == params
    partial = client.get(page_url, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and "已过期".encode() in partial.content
    client.post("/i18n/setlang/", {"language": "en", "next": page_url})
    assert "Export files are kept for 7 days; this file has expired" in client.get(page_url).content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": page_url})
    # An old download link (a bookmark, the browser history) leads to the explanation, not to an error.
    response = client.get(download_url)
    assert response.status_code == 302 and response["Location"] == page_url

    for other in (ledger.admin, ledger.leader, ledger.water_user):
        client.force_login(other)
        assert client.get(page_url).status_code == 404
        assert client.get(download_url).status_code == 404


def test_finished_export_whose_file_is_missing_is_explained_too(client, ledger):
    job = finished_export(ledger.bureau)
    job_file(job).unlink()
    client.force_login(ledger.bureau)
    html = client.get(reverse("inspections:ledger_export_job", args=[job.pk])).content.decode()
    assert "这份文件已过期并被自动删除" in html
    response = client.get(reverse("inspections:ledger_export_download", args=[job.pk]))
    assert response.status_code == 302


def test_interrupted_export_is_marked_failed_and_its_partial_file_removed(client, ledger, monkeypatch, settings):
    job = export_job_create(user=ledger.bureau, params={})

    def killed_while_saving(tasks, destination, **kwargs):
        Path(destination).write_bytes(b"PK\x03\x04 half a workbook")
        raise SystemExit  # the worker process dies: no except clause of the job runs

    monkeypatch.setattr(ledger_jobs, "write_ledger", killed_while_saving)
    with pytest.raises(SystemExit):
        export_job_run(job.pk)
    job.refresh_from_db()
    [partial] = (settings.EXPORT_ROOT / "ledger").iterdir()
    assert job.status == JobStatus.RUNNING and job.file_path == ""

    with time_machine.travel(job.created_at + GRACE - timedelta(minutes=1)):
        early = storage_clean()
    assert early.interrupted_jobs == [] and early.export_files == [] and partial.is_file()

    age(partial, 2 * DAY)
    with time_machine.travel(job.created_at + GRACE + timedelta(minutes=1)):
        result = storage_clean()
    assert result.interrupted_jobs == [job.pk]
    assert result.export_files == [f"ledger/{partial.name}"] and not partial.exists()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == INTERRUPTED_ERROR and job.finished_at is not None

    client.force_login(ledger.bureau)
    html = client.get(reverse("inspections:ledger_export_job", args=[job.pk])).content.decode()
    assert INTERRUPTED_ERROR in html and "hx-trigger" not in html and "按相同条件重新导出" in html


def test_dispatch_report_workbooks_are_kept(ledger):
    report, _queued = dispatch_report_request(actor=ledger.bureau, day=timezone.localdate() - timedelta(days=1))
    report = dispatch_report_build(report_id=report.pk)
    workbook = age(report_file(report), 400 * DAY)
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        result = storage_clean()
    assert workbook.is_file() and result.files == 0


# --- Orphaned files ------------------------------------------------------------------------------


def test_rolled_back_upload_is_removed_after_the_grace_period_and_kept_files_stay(ledger, settings):
    task = ledger.task()
    [kept] = services.task_evidence_add(
        actor=ledger.water_user, task=task, files=[ledger.pdf("验收.pdf")], kind=EvidenceKind.ACCEPTANCE
    )
    orphan = rolled_back_upload(ledger, task)
    assert (settings.MEDIA_ROOT / orphan).is_file()  # the gap this clean-up closes
    assert not Evidence.objects.filter(file=orphan.as_posix()).exists()

    with time_machine.travel(timezone.now() + GRACE - timedelta(minutes=5)):
        early = storage_clean()
    assert early.evidence_files == [] and (settings.MEDIA_ROOT / orphan).is_file()

    with time_machine.travel(timezone.now() + GRACE + timedelta(minutes=5)):
        result = storage_clean()
    assert result.evidence_files == [orphan.as_posix()]
    assert files_under(settings.MEDIA_ROOT) == [kept.file.name]
    assert kept.file.read() == ledger.pdf().read()


def test_evidence_is_never_deleted_in_the_admin_and_a_withdrawn_file_is_kept(client, ledger, settings):
    # Evidence is append-only (issue 14): a wrong upload is withdrawn with a reason, its row and file stay.
    task = ledger.task()
    withdrawn, stays = services.task_evidence_add(
        actor=ledger.water_user, task=task, files=[ledger.pdf(), ledger.pdf()], kind=EvidenceKind.PHOTO
    )
    user_role_group_sync(ledger.bureau)
    client.force_login(ledger.bureau)
    response = client.post(reverse("admin:inspections_evidence_delete", args=[withdrawn.pk]), {"post": "yes"})
    assert response.status_code == 403 and Evidence.objects.filter(pk=withdrawn.pk).exists()
    services.evidence_withdraw(actor=ledger.bureau, evidence=withdrawn, reason="传错了文件")
    for path in Path(settings.MEDIA_ROOT).rglob("*.pdf"):
        age(path, 2 * DAY)
    assert storage_clean().evidence_files == []
    assert files_under(settings.MEDIA_ROOT) == sorted([withdrawn.file.name, stays.file.name])


def test_no_evidence_row_at_all_leaves_the_folder_alone(ledger, settings):
    task = ledger.task()
    orphan = age(settings.MEDIA_ROOT / rolled_back_upload(ledger, task), 30 * DAY)
    result = storage_clean()
    assert result.evidence_skipped and result.evidence_files == [] and orphan.is_file()


def test_import_preview_never_confirmed_is_removed_after_the_grace_period(ledger, settings):
    upload = SimpleUploadedFile("台账.xlsx", b"PK\x03\x04 preview")
    _token, old = stage_upload(upload, user=ledger.bureau, round_id=None)
    for path in old.parent.iterdir():
        age(path, 2 * DAY)
    _token, fresh = stage_upload(
        SimpleUploadedFile("新台账.xlsx", b"PK\x03\x04 new"), user=ledger.bureau, round_id=None
    )
    result = storage_clean()
    assert sorted(result.import_files) == [f"imports/{old.stem}.json", f"imports/{old.name}"]
    assert files_under(settings.MEDIA_ROOT) == sorted([f"imports/{fresh.stem}.json", f"imports/{fresh.name}"])


def test_dry_run_lists_everything_and_changes_nothing(ledger, settings):
    job = finished_export(ledger.bureau)
    stuck = export_job_create(user=ledger.bureau, params={})
    orphan = settings.MEDIA_ROOT / rolled_back_upload(ledger, ledger.task())
    services.task_evidence_add(
        actor=ledger.water_user, task=ledger.task(), files=[ledger.pdf()], kind=EvidenceKind.PHOTO
    )
    for path in [*Path(settings.MEDIA_ROOT).rglob("*.pdf"), job_file(job)]:
        age(path, 30 * DAY)
    before_files = files_under(settings.MEDIA_ROOT) + files_under(settings.EXPORT_ROOT)
    before_jobs = list(ExportJob.objects.order_by("pk").values())
    later = timezone.now() + timedelta(days=30)

    with time_machine.travel(later, tick=False):
        dry = storage_clean(dry_run=True)
    assert dry.dry_run and dry.expired_jobs == [job.pk] and dry.interrupted_jobs == [stuck.pk]
    assert dry.export_files == [job.file_path] and dry.evidence_files == [
        orphan.relative_to(settings.MEDIA_ROOT).as_posix()
    ]
    assert files_under(settings.MEDIA_ROOT) + files_under(settings.EXPORT_ROOT) == before_files
    assert list(ExportJob.objects.order_by("pk").values()) == before_jobs

    with time_machine.travel(later, tick=False):
        real = storage_clean()
    assert real.as_dict() == {**dry.as_dict(), "dry_run": False}


def test_nothing_outside_the_roots_is_touched(ledger, settings, tmp_path):
    """Symlinks are never followed or deleted; a job's path cannot point outside the ledger folder."""
    secret = old_file(tmp_path / "outside" / "secret.pdf")
    task = ledger.task()
    services.task_evidence_add(actor=ledger.water_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    evidence_dir = settings.MEDIA_ROOT / "evidence"
    links = [evidence_dir / "link.pdf", evidence_dir / "linked-dir", settings.EXPORT_ROOT / "ledger" / "link.xlsx"]
    links[0].symlink_to(secret)
    links[1].symlink_to(secret.parent, target_is_directory=True)
    links[2].parent.mkdir()
    links[2].symlink_to(secret)
    for link in links:
        age(link, 30 * DAY)
    notes = old_file(settings.MEDIA_ROOT / "notes.txt", b"an operator's file outside the swept folders")
    handmade = old_file(settings.EXPORT_ROOT / "handmade.xlsx")
    official = old_file(settings.EXPORT_ROOT / "reports" / "dispatch-20260607-1.xlsx", b"an official report")
    # Jobs whose stored path was tampered with: above the root, and into the reports folder.
    for path in ("../../outside/secret.pdf", "reports/dispatch-20260607-1.xlsx", str(secret)):
        job = export_job_create(user=ledger.bureau, params={})
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, file_path=path, finished_at=timezone.now() - timedelta(days=30)
        )
    before = {p: p.read_bytes() for p in (secret, official)}

    result = storage_clean(now=timezone.now() + timedelta(days=30))

    assert len(result.expired_jobs) == 3 and result.export_files == [] and result.evidence_files == []
    assert {p: p.read_bytes() for p in (secret, official)} == before
    assert all(link.is_symlink() for link in links)
    assert notes.is_file() and handmade.is_file()


def test_a_symlinked_evidence_folder_is_not_swept(ledger, settings, tmp_path):
    stray = old_file(tmp_path / "elsewhere" / "stray.pdf")
    task = ledger.task()
    services.task_evidence_add(actor=ledger.water_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    (settings.MEDIA_ROOT / "evidence").rename(tmp_path / "real-evidence")
    (settings.MEDIA_ROOT / "evidence").symlink_to(stray.parent, target_is_directory=True)
    assert storage_clean(now=timezone.now() + timedelta(days=30)).evidence_files == []
    assert stray.is_file()


def test_queries_do_not_grow_with_the_number_of_files(ledger, settings):
    def queries_for_a_clean_up():
        for path in Path(settings.MEDIA_ROOT).rglob("*.pdf"):
            age(path, 2 * DAY)
        with CaptureQueriesContext(connection) as queries:
            result = storage_clean()
        return len(queries), result

    task = ledger.task()
    services.task_evidence_add(actor=ledger.water_user, task=task, files=[ledger.pdf()], kind=EvidenceKind.PHOTO)
    rolled_back_upload(ledger, task)
    few, first = queries_for_a_clean_up()
    services.task_evidence_add(
        actor=ledger.water_user, task=task, files=[ledger.pdf() for _ in range(15)], kind=EvidenceKind.PHOTO
    )
    for _ in range(10):
        rolled_back_upload(ledger, task)
    many, second = queries_for_a_clean_up()
    assert (len(first.evidence_files), len(second.evidence_files)) == (1, 10)
    assert many == few


# --- The callers: Celery task, beat entry, command -----------------------------------------------


def test_clean_storage_runs_daily_from_beat():
    entry = PeriodicTask.objects.get(task="inspections.clean_storage")
    assert entry.enabled and entry.name == "每日清理过期导出文件和孤立文件"
    assert (entry.crontab.minute, entry.crontab.hour, entry.crontab.day_of_week) == ("45", "3", "*")


def test_clean_storage_task_cleans_like_the_service(eager_celery, ledger, settings):
    job = finished_export(ledger.bureau)
    later = (job.finished_at + timedelta(days=8)).isoformat()
    outcome = clean_storage.delay(now=later).get()
    assert (outcome["expired_jobs"], outcome["export_files"], outcome["dry_run"]) == (1, 1, False)
    assert files_under(settings.EXPORT_ROOT) == []
    assert clean_storage.delay(now=later).get()["export_files"] == 0  # a rerun deletes nothing more


def test_command_prints_what_it_would_delete_then_deletes_it(ledger, settings):
    orphan = age(settings.MEDIA_ROOT / rolled_back_upload(ledger, ledger.task()), 2 * DAY)
    services.task_evidence_add(
        actor=ledger.water_user, task=ledger.task(), files=[ledger.pdf()], kind=EvidenceKind.PHOTO
    )
    out = StringIO()
    call_command("clean_storage", "--dry-run", stdout=out)
    assert f"将删除孤立的佐证材料：{orphan}" in out.getvalue()
    assert "试运行，未删除任何文件：共 1 个文件" in out.getvalue()
    assert orphan.is_file()

    out = StringIO()
    call_command("clean_storage", stdout=out)
    assert f"已删除孤立的佐证材料：{orphan}" in out.getvalue() and "完成：共 1 个文件" in out.getvalue()
    assert not orphan.exists()
