"""Celery tasks of housekeeping (daily, from beat): thin callers of the services; a rerun deletes nothing more."""

from datetime import datetime

from celery import shared_task
from django.db import DatabaseError

from ..retry import RETRY
from .history import history_prune
from .services import storage_clean


@shared_task(name="inspections.prune_history", autoretry_for=(OSError, DatabaseError), **RETRY)
def prune_history(days: int | None = None) -> int:
    """Daily: the same pruning as `manage.py prune_history`."""
    return history_prune(days=days).total


@shared_task(name="inspections.clean_storage", autoretry_for=(OSError, DatabaseError), **RETRY)
def clean_storage(now: str | None = None) -> dict:
    """Daily: the same clean-up as `manage.py clean_storage`."""
    return storage_clean(now=datetime.fromisoformat(now) if now else None).as_dict()
