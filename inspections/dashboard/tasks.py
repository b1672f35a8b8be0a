"""Celery tasks of the dashboard's summary counters (beat): thin callers of inspections.summaries."""

from celery import shared_task
from django.db import DatabaseError

from ..retry import RETRY
from ..summaries import figures_compact, figures_roll, figures_vacuum


@shared_task(name="inspections.figures_roll", autoretry_for=(DatabaseError,), **RETRY)
def roll_figures() -> dict:
    """Just after midnight: snapshot the closing day and rebuild the counters for the new day."""
    result = figures_roll()
    figures_vacuum()
    return result


@shared_task(name="inspections.figures_compact", autoretry_for=(DatabaseError,), ignore_result=True, **RETRY)
def compact_figures() -> int:
    """Every ten minutes: fold the writers' delta rows into one row per key."""
    folded = figures_compact()
    figures_vacuum()
    return folded
