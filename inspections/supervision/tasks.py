"""Celery tasks of supervision: thin callers of the services; idempotent, safe to retry."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError

from ..retry import RETRY
from .documents import document_generate
from .scoring import scores_compute_period
from .suggestions import suggestions_compute


@shared_task(name="inspections.supervision.compute_suggestions", autoretry_for=(DatabaseError,), **RETRY)
def compute_suggestions(today: str | None = None) -> dict:
    return suggestions_compute(today=date.fromisoformat(today) if today else None).as_dict()


@shared_task(name="inspections.supervision.generate_document", autoretry_for=(OSError, DatabaseError), **RETRY)
def generate_document(action_id: int) -> str:
    return document_generate(action_id=action_id)


@shared_task(name="inspections.supervision.compute_scores", autoretry_for=(DatabaseError,), **RETRY)
def compute_scores(period_kind: str = "month", day: str | None = None) -> int:
    """Store the scores of the period that ended before `day` (default: the last complete month)."""
    return scores_compute_period(period_kind=period_kind, day=date.fromisoformat(day) if day else None)
