"""The ledger import as a service: plan (read and compare, nothing written), then apply (write, notify).

Views, the import command, the Celery job and the benchmark call these; the permission check is
here, not in the callers. `ledger_import_plan` returns an `ImportPlan` listing what would be
created, every change field by field and every conflict; `ledger_import_apply` writes it in one
transaction (only when it has no error), keeping the system's newer values except for the tasks
the user accepted, and tells each unit once what the import assigned to it.
"""

import logging
import os
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import User

from ..access import can_import_ledger
from ..choices import JobStatus, NotificationKind
from ..errors import NotAllowed
from ..models import ImportJob, InspectionRound
from ..services import notify
from .parse import parse_file
from .plan import ImportPlan, build_plan
from .reader import LedgerRefused, check_upload
from .write import write_plan

logger = logging.getLogger(__name__)
DIGEST_LIST = 30  # tasks named in a unit's digest; the rest are counted


def _check_actor(actor) -> None:
    if not can_import_ledger(actor):
        raise NotAllowed(_("只有督察办工作人员可以导入台账。"))


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
        from .tasks import run_ledger_import

        transaction.on_commit(lambda: run_ledger_import.delay(job.pk))
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
