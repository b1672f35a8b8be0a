"""The ledger's services: background exports (create the job, run it, find its file) and where the
ledger keeps its files (housekeeping asks here)."""

import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from ..background import run_after_commit
from ..choices import JobStatus
from ..models import ExportJob
from ..selectors import task_filterset
from .columns import normalise_header
from .export import export_title, write_ledger
from .importer import round_kind_from_name
from .reader import MAX_BYTES, LedgerRefused, check_upload, open_sheet, read_table
from .staging import STAGING_DIR, discard, stage_upload, staged

logger = logging.getLogger(__name__)

__all__ = [
    "LEDGER_DIR",
    "MAX_BYTES",
    "STAGING_DIR",
    "LedgerRefused",
    "check_upload",
    "discard",
    "export_job_create",
    "export_job_run",
    "job_file",
    "normalise_header",
    "open_sheet",
    "read_table",
    "round_kind_from_name",
    "stage_upload",
    "staged",
]
# The file-reading half of the ledger import (upload checks, header matching, merged cells, title rows),
# the round-name reader and the preview staging are offered to other importers (complaint batches).

# Job files are written to EXPORT_ROOT/LEDGER_DIR/<job id>-<random>.xlsx.
LEDGER_DIR = "ledger"


def export_job_create(*, user, params: dict, total: int = 0) -> ExportJob:
    """Record the job and queue it once the row is committed (the worker must be able to read it)."""
    job = ExportJob.objects.create(user=user, params=params, total=total)
    run_after_commit("inspections.ledger.run_ledger_export", job.pk)
    return job


def _filters(params: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in (params or {}).items():
        query.setlist(name, values if isinstance(values, list) else [values])
    return query


def job_file(job: ExportJob) -> Path | None:
    if not job.file_path:
        return None
    path = (Path(settings.EXPORT_ROOT) / job.file_path).resolve()
    root = Path(settings.EXPORT_ROOT).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def export_job_run(job_id: int) -> ExportJob | None:
    """Write the job's ledger; safe to run twice (a finished job is left alone)."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status == JobStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0)
    relative = Path(LEDGER_DIR) / f"{job.pk}-{secrets.token_hex(8)}.xlsx"
    target = Path(settings.EXPORT_ROOT) / relative
    try:
        filterset = task_filterset(user=job.user, filters=_filters(job.params))
        if filterset.is_bound and not filterset.is_valid():
            raise ValueError("筛选条件无效")
        tasks = filterset.qs
        total = tasks.count()
        ExportJob.objects.filter(pk=job.pk).update(total=total)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = write_ledger(
            tasks,
            target,
            title=export_title(tasks),
            on_progress=lambda n: ExportJob.objects.filter(pk=job.pk).update(progress=n),
        )
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            progress=written,
            total=max(total, written),
            file_path=str(relative),
            finished_at=timezone.now(),
            error="",
        )
    except Exception as exc:
        logger.exception("ledger export job %s failed", job.pk)
        target.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=f"导出失败：{exc}"[:1000], finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job
