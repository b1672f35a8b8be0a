"""Writes for findings: register a finding and split it into its N tasks in one go; edit it later."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..choices import Category, EventKind, FindingSource
from ..errors import StaleVersion
from ..models import Finding, InspectionRound
from ..search import DOCUMENT_FINDING_FIELDS, search_texts_refresh
from .common import edit_fields, require_manager, save_validated
from .tasks import record_event, task_assign

FINDING_FIELDS = ("number", "summary", "description", "category", "region", "responsible_leader", "source")


def next_finding_number(inspection_round: InspectionRound) -> int:
    return (inspection_round.findings.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def finding_create(
    *,
    actor,
    inspection_round: InspectionRound,
    summary: str,
    number: int | None = None,
    description: str = "",
    category: str = Category.OTHER,
    region: str = "",
    responsible_leader=None,
    source: str = FindingSource.FEEDBACK,
    tasks: list[dict] = (),
) -> Finding:
    """Create a finding and its tasks; each dict in `tasks` holds task_assign's keyword arguments."""
    require_manager(actor)
    finding = Finding(
        round=inspection_round,
        number=number or next_finding_number(inspection_round),
        summary=summary,
        description=description,
        category=category,
        region=region,
        responsible_leader=responsible_leader,
        source=source,
    )
    save_validated(finding, actor=actor)
    for index, task_fields in enumerate(tasks, start=1):
        task_assign(actor=actor, finding=finding, **{"number": index, **task_fields})
    return finding


@transaction.atomic
def finding_update(*, actor, finding: Finding, expected_version: int | None = None, **fields) -> Finding:
    """Edit a finding (bureau staff). Only the fields whose value changes are written; the change history
    records them with the actor, and every task of the finding gets a timeline entry naming them."""
    require_manager(actor)
    unknown = set(fields) - set(FINDING_FIELDS)
    if unknown:
        raise TypeError(f"unknown finding field: {', '.join(sorted(unknown))}")
    # A fresh copy under a row lock: the caller's instance may already hold the new values (a ModelForm).
    current = Finding.objects.select_for_update(of=("self",)).select_related("round").get(pk=finding.pk)
    if expected_version is not None and int(expected_version) != current.version:
        raise StaleVersion(_("该反馈问题已被他人修改，请刷新页面后再操作。"))
    changed = {name: value for name, value in fields.items() if getattr(current, name) != value}
    if not changed:
        return current
    current.version += 1
    edit_fields(current, actor=actor, fields=changed, allowed=FINDING_FIELDS)
    if DOCUMENT_FINDING_FIELDS & set(changed):
        search_texts_refresh(finding_ids=[current.pk])
    labels = "、".join(str(Finding._meta.get_field(name).verbose_name) for name in FINDING_FIELDS if name in changed)
    for task in current.tasks.all():
        record_event(
            task=task, actor=actor, kind=EventKind.EDITED, reason=f"反馈问题 {current.number} 修改了：{labels}"
        )
    return current
