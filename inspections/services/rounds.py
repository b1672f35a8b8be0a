"""Writes for inspection rounds."""
from django.db import transaction
from django.utils.translation import gettext as _

from ..access import can_manage
from ..errors import NotAllowed
from ..models import InspectionRound

ROUND_FIELDS = ("kind", "batch", "name", "inspection_start", "inspection_end", "feedback_date", "plan_due_date")


def _require_manager(actor):
    if not can_manage(actor):
        raise NotAllowed(_("只有督察办工作人员可以登记和修改督察轮次、反馈问题和整改任务。"))


@transaction.atomic
def round_create(*, actor, **fields) -> InspectionRound:
    _require_manager(actor)
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"unknown round fields: {sorted(unknown)}")
    inspection_round = InspectionRound(**fields)
    inspection_round.full_clean()
    inspection_round._history_user = actor
    inspection_round.save()
    return inspection_round


@transaction.atomic
def round_update(*, actor, inspection_round: InspectionRound, **fields) -> InspectionRound:
    _require_manager(actor)
    for name, value in fields.items():
        if name not in ROUND_FIELDS:
            raise TypeError(f"unknown round field: {name}")
        setattr(inspection_round, name, value)
    inspection_round.full_clean()
    inspection_round._history_user = actor
    inspection_round.save()
    return inspection_round
