"""Writes for inspection rounds."""

from django.db import transaction

from ..models import InspectionRound
from .common import edit_fields, require_manager

ROUND_FIELDS = ("kind", "batch", "name", "inspection_start", "inspection_end", "feedback_date", "plan_due_date")


@transaction.atomic
def round_create(*, actor, **fields) -> InspectionRound:
    require_manager(actor)
    return edit_fields(InspectionRound(), actor=actor, fields=fields, allowed=ROUND_FIELDS)


@transaction.atomic
def round_update(*, actor, inspection_round: InspectionRound, **fields) -> InspectionRound:
    require_manager(actor)
    return edit_fields(inspection_round, actor=actor, fields=fields, allowed=ROUND_FIELDS)
