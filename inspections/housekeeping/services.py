"""Storage housekeeping: delete the files nobody can use any more, so MEDIA_ROOT and EXPORT_ROOT do not grow forever.

Run daily by Celery beat (`inspections.clean_storage`) and by `manage.py clean_storage [--dry-run]`.
Deleted: background ledger exports past EXPORT_RETENTION_DAYS (their job is marked expired), export
files no job refers to (a crashed export's partial file), evidence files no Evidence row refers to
(an upload whose transaction rolled back) and import previews never confirmed. Kept: every file a row
refers to, and the dispatch report workbooks in EXPORT_ROOT/reports (the record of an official report,
emailed to the leaders and downloaded from its page: there is no other copy on the server).
A symlink is never followed and nothing outside the two roots is ever deleted.
"""

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..choices import JobStatus
from ..ledger.services import LEDGER_DIR, STAGING_DIR
from ..models import Evidence, ExportJob
from ..models.evidence import EVIDENCE_DIR

logger = logging.getLogger(__name__)

# A file younger than this may belong to an upload or an export still in flight: never touched.
GRACE = timedelta(hours=24)
INTERRUPTED_ERROR = "导出未能完成（后台任务中断），请重新导出。"


@dataclass
class StorageCleanResult:
    now: datetime
    dry_run: bool
    expired_jobs: list[int] = field(default_factory=list)  # finished exports past the retention
    interrupted_jobs: list[int] = field(default_factory=list)  # never finished: marked failed
    # Files deleted (or, on a dry run, to be deleted), relative to their root.
    export_files: list[str] = field(default_factory=list)  # EXPORT_ROOT: expired and orphaned job files
    evidence_files: list[str] = field(default_factory=list)  # MEDIA_ROOT: evidence without a row
    import_files: list[str] = field(default_factory=list)  # MEDIA_ROOT: import previews never confirmed
    freed_bytes: int = 0
    evidence_skipped: bool = False  # files in the evidence folder but no Evidence row at all: not swept
    errors: list[str] = field(default_factory=list)  # files that could not be deleted (left for the next run)

    @property
    def files(self) -> int:
        return len(self.export_files) + len(self.evidence_files) + len(self.import_files)

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "expired_jobs": len(self.expired_jobs),
            "interrupted_jobs": len(self.interrupted_jobs),
            "export_files": len(self.export_files),
            "evidence_files": len(self.evidence_files),
            "import_files": len(self.import_files),
            "freed_bytes": self.freed_bytes,
            "errors": len(self.errors),
            "evidence_skipped": self.evidence_skipped,
        }


def storage_clean(*, now: datetime | None = None, dry_run: bool = False) -> StorageCleanResult:
    """One clean-up pass; safe to rerun (a second pass finds nothing more) and to run beside the app."""
    result = StorageCleanResult(now=now or timezone.now(), dry_run=dry_run)
    export_root, media_root = Path(settings.EXPORT_ROOT), Path(settings.MEDIA_ROOT)
    before = (result.now - GRACE).timestamp()

    _expire_exports(result, export_root)
    _fail_interrupted_exports(result)
    job_files = set(ExportJob.objects.exclude(file_path="").values_list("file_path", flat=True))
    _sweep(result, export_root, LEDGER_DIR, job_files, before, result.export_files)

    evidence_files = set(Evidence.objects.values_list("file", flat=True))
    if evidence_files:
        _sweep(result, media_root, EVIDENCE_DIR, evidence_files, before, result.evidence_files)
    elif (media_root / EVIDENCE_DIR).is_dir() and any(True for _file in _files(media_root / EVIDENCE_DIR)):
        # Files but no row at all: far likelier a wrong DATABASE_URL than a tracker whose evidence all went.
        result.evidence_skipped = True
        logger.warning("no Evidence rows in the database: %s is left alone", media_root / EVIDENCE_DIR)
    _sweep(result, media_root, STAGING_DIR, set(), before, result.import_files)

    logger.info("storage clean-up%s: %s", " (dry run)" if dry_run else "", result.as_dict())
    return result


def _expire_exports(result: StorageCleanResult, root: Path) -> None:
    """Finished exports older than the retention: the job is marked first, then its file goes.

    In that order a crash in between leaves a file no job refers to, which the sweep removes later.
    """
    cutoff = result.now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expiring = list(
        ExportJob.objects.filter(status=JobStatus.DONE, expired_at__isnull=True, finished_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "file_path")
    )
    result.expired_jobs = [pk for pk, _path in expiring]
    if not result.dry_run and expiring:
        ExportJob.objects.filter(pk__in=result.expired_jobs).update(expired_at=result.now, file_path="")
    for _pk, relative in expiring:
        if relative:
            _delete(result, root, Path(relative).as_posix(), result.export_files, within=root / LEDGER_DIR)


def _fail_interrupted_exports(result: StorageCleanResult) -> None:
    """A job still queued or running a day after it was asked for lost its worker: say so on its page."""
    stuck = ExportJob.objects.filter(
        status__in=[JobStatus.PENDING, JobStatus.RUNNING], created_at__lt=result.now - GRACE
    )
    result.interrupted_jobs = list(stuck.order_by("pk").values_list("pk", flat=True))
    if not result.dry_run and result.interrupted_jobs:
        ExportJob.objects.filter(pk__in=result.interrupted_jobs).update(
            status=JobStatus.FAILED, error=INTERRUPTED_ERROR, finished_at=result.now
        )


def _sweep(
    result: StorageCleanResult, root: Path, folder: str, referenced: set[str], before: float, into: list[str]
) -> None:
    """Delete the files under root/folder that no row refers to and that were last written before `before`."""
    top = root / folder
    if top.is_symlink() or not top.is_dir():
        if top.is_symlink():
            logger.warning("%s is a symlink: not cleaned", top)
        return
    for entry in _files(top):
        relative = Path(os.path.relpath(entry.path, root)).as_posix()
        if relative in referenced:
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= before:
                continue
        except FileNotFoundError:
            continue
        _delete(result, root, relative, into, within=top)


def _files(folder: str | Path):
    """Regular files under `folder`, depth first; symlinks (to files or folders) are skipped, never followed."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except OSError as exc:
        logger.warning("cannot list %s: %s", folder, exc)
        return
    for entry in found:
        if entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _files(entry.path)
        elif entry.is_file(follow_symlinks=False):
            yield entry


def _delete(result: StorageCleanResult, root: Path, relative: str, into: list[str], *, within: Path) -> None:
    """Delete root/relative, a regular file that must really be inside `within` (itself inside root)."""
    path = root / relative
    try:
        if path.is_symlink() or not path.is_file():
            return
        inside = within.resolve()
        if not inside.is_relative_to(root.resolve()) or not path.resolve().is_relative_to(inside):
            logger.warning("not deleting %s: outside %s", path, within)
            return
        size = path.stat().st_size
        if not result.dry_run:
            path.unlink()
            logger.info("deleted %s (%d bytes)", path, size)
    except OSError as exc:
        logger.warning("could not delete %s: %s", path, exc)
        result.errors.append(relative)
        return
    into.append(relative)
    result.freed_bytes += size
