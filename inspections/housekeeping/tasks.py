"""Celery tasks of housekeeping (daily, from beat): thin callers of the services; a rerun deletes nothing more."""

from datetime import datetime

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError

from ..background import pending_jobs_send
from ..retry import RETRY
from ..search import search_texts_refresh
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


@shared_task(name="inspections.refresh_unit_search_texts", autoretry_for=(DatabaseError,), **RETRY)
def refresh_unit_search_texts(unit_id: int) -> int:
    """After a unit's rename: rebuild the search documents of the tasks it leads or helps with (idempotent)."""
    return search_texts_refresh(unit_id=unit_id)


@shared_task(name="inspections.send_pending_jobs", ignore_result=True)
def send_pending_jobs() -> int:
    """Every minute: queue the jobs the web kept while the broker was down (inspections.background)."""
    return pending_jobs_send()


@worker_ready.connect(dispatch_uid="inspections_send_pending_jobs")
def _send_pending_jobs_on_start(**kwargs) -> None:
    # A worker starting means the broker answers: do not wait for the next beat minute.
    try:
        pending_jobs_send()
    except DatabaseError:  # the database is down too: beat tries again in a minute
        pass
