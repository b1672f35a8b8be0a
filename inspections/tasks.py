"""Celery tasks: thin wrappers that take dates or ids and call the services; safe to retry.

acks_late: a task is acknowledged only when it finishes, so a worker that dies mid-run hands it
back to the broker; the services' unique records make the rerun send nothing twice.
"""

from datetime import date, datetime
from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from .history import history_prune
from .services.housekeeping import storage_clean
from .services.reminders import DeliveryIncomplete, reminders_send
from .services.reports import dispatch_report_build, dispatch_report_weekly

RETRY = {
    "acks_late": True,
    "retry_backoff": 60,  # 1, 2, 4 ... minutes
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 6,
}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@shared_task(
    name="inspections.send_reminders",
    autoretry_for=(DeliveryIncomplete, SMTPException, OSError, DatabaseError),
    **RETRY,
)
def send_reminders(day: str | None = None) -> dict:
    result = reminders_send(day=_day(day))
    return {
        "day": result.day.isoformat(),
        "records": result.records,
        "digests": result.digests,
        "delivered": result.delivered,
        "skipped": result.skipped,
    }


@shared_task(name="inspections.weekly_dispatch_report", autoretry_for=(SMTPException, OSError, DatabaseError), **RETRY)
def weekly_dispatch_report(today: str | None = None) -> int:
    return dispatch_report_weekly(today=_day(today)).pk


@shared_task(name="inspections.build_dispatch_report", autoretry_for=(OSError, DatabaseError), **RETRY)
def build_dispatch_report(report_id: int) -> int:
    return dispatch_report_build(report_id=report_id).pk


@shared_task(name="inspections.prune_history", autoretry_for=(OSError, DatabaseError), **RETRY)
def prune_history(days: int | None = None) -> int:
    """Daily: the same pruning as `manage.py prune_history`; rerunning deletes nothing more."""
    return history_prune(days=days).total


@shared_task(name="inspections.clean_storage", autoretry_for=(OSError, DatabaseError), **RETRY)
def clean_storage(now: str | None = None) -> dict:
    """Daily: the same clean-up as `manage.py clean_storage`; a rerun deletes nothing more."""
    return storage_clean(now=datetime.fromisoformat(now) if now else None).as_dict()
