"""The ledger's services, the one door other code uses.

- Import as a service: plan (read and compare, nothing written), then apply (write, notify). Views, the
  import command, the Celery job and the benchmark call these; the permission check is here, not in the
  callers. `ledger_import_plan` returns an `ImportPlan` listing what would be created, every change field
  by field and every conflict; `ledger_import_apply` writes it in one transaction (only when it has no
  error), keeping the system's newer values except for the tasks the user accepted, and tells each unit
  once what the import assigned to it.
- Background exports: create the job, run it, find its file; where the ledger keeps its files
  (housekeeping asks here).
- The file-reading half of the import (upload checks, header matching, merged cells, title rows), the
  round-name reader and the preview staging, offered to other importers (complaint batches).
"""

import logging
import os
import secrets
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User
from rectify.replica import lag_tolerant

from ..access import IMPORT_LEDGER, require
from ..background import pause_for_tests, run_after_commit
from ..choices import JobStatus, NotificationKind
from ..errors import NotAllowed
from ..models import ExportJob, ImportJob, InspectionRound
from ..selectors import task_filterset
from ..services import notify
from .columns import normalise_header
from .export import export_filename, export_title, single_round_name, write_ledger
from .parse import parse_file, round_kind_from_name
from .plan import ImportPlan, build_plan
from .reader import MAX_BYTES, LedgerRefused, check_upload, open_sheet, read_table
from .staging import STAGING_DIR, discard, stage_upload, staged
from .write import write_plan

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


def export_job_filename(job: ExportJob) -> str:
    """The download's name: 整改台账-<round>-<date the file was written>.xlsx (the round when the filters name one)."""
    filterset = task_filterset(user=job.user, filters=_filters(job.params))
    round_name = single_round_name(filterset.qs) if not filterset.is_bound or filterset.is_valid() else None
    day = timezone.localdate(job.finished_at) if job.finished_at else timezone.localdate()
    return export_filename(round_name, day)


def export_job_run(job_id: int) -> ExportJob | None:
    """Write the job's ledger; safe to run twice (a finished job is left alone)."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status == JobStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0, error="")
    # A run that died half-way (worker killed) left its partial file behind: this run replaces it.
    for stale in (Path(settings.EXPORT_ROOT) / LEDGER_DIR).glob(f"{job.pk}-*.xlsx"):
        stale.unlink(missing_ok=True)
    relative = Path(LEDGER_DIR) / f"{job.pk}-{secrets.token_hex(8)}.xlsx"
    target = Path(settings.EXPORT_ROOT) / relative
    try:
        with lag_tolerant():  # the ledger's rows may lag by seconds: the replica's when there is one
            written, total = _export_rows(job, target)
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


def _export_rows(job: ExportJob, target: Path) -> tuple[int, int]:
    """Write the job's ledger to `target`; the job's own row is updated on the primary (writes always are)."""
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
        on_progress=lambda n: _export_progress(job.pk, n),
        # Tests that kill the worker mid-export watch the counter move row by row.
        progress_every=1 if settings.TEST_PAUSE_SECONDS else None,
    )
    return written, total


def _export_progress(job_id: int, rows: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(progress=rows)
    pause_for_tests()


DIGEST_LIST = 30  # tasks named in a unit's digest; the rest are counted


def _check_actor(actor) -> None:
    require(actor, IMPORT_LEDGER)


def ledger_import_plan(
    *, actor, path, file_name: str = "", default_round=None, as_of: date | None = None, on_progress=None
) -> ImportPlan:
    """Read the ledger at `path` and compare it with the database; nothing is written.

    Raises NotAllowed for someone who may not import, LedgerRefused for a file refused as a whole.
    `as_of` (a date the user gave) wins over the file's 填报日期 / 截至.
    """
    _check_actor(actor)
    check_upload(file_name or str(path), os.path.getsize(path))
    parsed = parse_file(path, default_round=default_round, on_progress=on_progress)
    return build_plan(parsed, as_of=as_of, file_name=file_name or os.path.basename(str(path)))


@transaction.atomic
def ledger_import_apply(
    *, actor, plan: ImportPlan, accept=(), prefer_file: bool = False, create_leaders: bool = False, create_units=()
) -> ImportPlan:
    """Write a plan without errors: all of it or nothing.

    `accept`: keys of tasks whose file values the user takes over the system's newer ones
    (`prefer_file`: all of them); a status behind the current one and a 已销号 task are never changed.
    `create_leaders`: make inactive leader accounts for names that match none (default: text only).
    `create_units`: names close to an existing unit to create as new units anyway.
    """
    _check_actor(actor)
    if not plan.ok:
        return plan
    write_plan(
        plan,
        actor=actor,
        accept=accept,
        prefer_file=prefer_file,
        create_leaders=create_leaders,
        create_units=create_units,
    )
    assigned = plan.assigned
    transaction.on_commit(lambda: _notify_units(assigned, plan.file_name))
    return plan


def ledger_import(
    *,
    actor,
    path,
    file_name: str = "",
    default_round=None,
    as_of: date | None = None,
    dry_run: bool = False,
    prefer_file: bool = False,
    accept=(),
    create_leaders: bool = False,
) -> ImportPlan:
    """Plan and, unless `dry_run` or the file has errors, write (the command line, the benchmark, tests)."""
    plan = ledger_import_plan(actor=actor, path=path, file_name=file_name, default_round=default_round, as_of=as_of)
    if dry_run or not plan.ok:
        return plan
    return ledger_import_apply(
        actor=actor, plan=plan, accept=accept, prefer_file=prefer_file, create_leaders=create_leaders
    )


def _notify_units(assigned: dict, file_name: str) -> None:
    """One digest per unit (in-app and email) for the tasks the import gave it, not one per task."""
    if not assigned:
        return
    users = User.objects.filter(unit_id__in=list(assigned), role=Role.UNIT, is_active=True)
    by_unit = {}
    for user in users:
        by_unit.setdefault(user.unit_id, []).append(user)
    url = reverse("inspections:task_list")
    for unit_id, tasks in assigned.items():
        people = by_unit.get(unit_id)
        if not people:
            continue
        codes = sorted({t.code for t in tasks})
        listed = "、".join(codes[:DIGEST_LIST]) + (f" 等 {len(codes)} 项" if len(codes) > DIGEST_LIST else "")
        title = f"台账导入：交办给本单位的整改任务 {len(codes)} 项"
        body = f"导入文件：{file_name}\n任务编号：{listed}"
        notify(recipients=people, kind=NotificationKind.WORKFLOW, title=title, body=body, url=url)
        emails = sorted({u.email for u in people if u.email})
        if emails:
            EmailMessage(
                subject=f"【{settings.BUREAU_NAME}】{title}",
                body=f"{body}\n\n请登录系统查看：{url}",
                to=emails,
            ).send(fail_silently=True)  # the import is committed; a mail server down must not hide that


def import_job_create(*, actor, token: str, file_name: str, rows: int, params: dict) -> ImportJob:
    """Record a confirmed import; past IMPORT_ASYNC_THRESHOLD rows Celery writes it, else it is written now."""
    _check_actor(actor)
    job = ImportJob.objects.create(user=actor, token=token, file_name=file_name[:255], params=params, total=rows)
    if rows > settings.IMPORT_ASYNC_THRESHOLD:
        run_after_commit("inspections.ledger.run_ledger_import", job.pk)
        return job
    return import_job_run(job.pk)


def import_job_run(job_id: int) -> ImportJob | None:
    """Plan the staged file again (the database may have changed since the preview) and write it.

    Safe to run twice: a finished job is left alone, and the staged file is removed at the end.
    """
    from .staging import discard, staged

    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0)
    params = job.params or {}
    found = staged(job.token, user=job.user)
    try:
        if found is None:
            raise LedgerRefused(_("暂存的台账文件已不存在（可能已导入或已过期），请重新上传。"))
        path, meta = found
        default_round = InspectionRound.objects.filter(pk=params.get("round")).first() if params.get("round") else None
        as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else None
        plan = ledger_import_plan(
            actor=job.user,
            path=path,
            file_name=job.file_name,
            default_round=default_round,
            as_of=as_of,
            on_progress=lambda n: ImportJob.objects.filter(pk=job.pk).update(progress=n),
        )
        ImportJob.objects.filter(pk=job.pk).update(progress=plan.rows)
        ledger_import_apply(
            actor=job.user,
            plan=plan,
            accept=params.get("accept", []),
            prefer_file=params.get("prefer_file", False),
            create_leaders=params.get("create_leaders", False),
            create_units=params.get("create_units", []),
        )
        status = JobStatus.DONE if plan.written else JobStatus.FAILED
        result = {
            **plan.summary(),
            "errors": [{"row": e.row, "column": e.column, "value": e.value, "message": e.message} for e in plan.errors],
        }
        error = "" if plan.written else _("文件有错误，未导入任何数据。")
    except (LedgerRefused, NotAllowed) as exc:
        status, result, error = JobStatus.FAILED, {}, exc.message
    except Exception as exc:
        logger.exception("ledger import job %s failed", job.pk)
        status, result, error = JobStatus.FAILED, {}, _("导入失败：%(error)s") % {"error": exc}
    finally:
        discard(job.token)
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, result=result, error=str(error)[:1000], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


__all__ = [
    "LedgerRefused",
    "import_job_create",
    "import_job_run",
    "ledger_import",
    "ledger_import_apply",
    "ledger_import_plan",
]
