"""Writes for findings: register a finding and split it into its N tasks in one go."""

from django.db import transaction
from django.db.models import Max

from ..choices import Category, FindingSource
from ..models import Finding, InspectionRound
from .common import edit_fields, require_manager, save_validated
from .tasks import task_assign

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
def finding_update(*, actor, finding: Finding, **fields) -> Finding:
    require_manager(actor)
    return edit_fields(finding, actor=actor, fields=fields, allowed=FINDING_FIELDS)
