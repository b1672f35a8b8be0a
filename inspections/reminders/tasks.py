"""Celery task of the reminders: the daily sweep, a thin caller of reminders.services; safe to retry."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from ..retry import RETRY
from .services import DeliveryIncomplete, reminders_send


@shared_task(
    name="inspections.send_reminders",
    autoretry_for=(DeliveryIncomplete, SMTPException, OSError, DatabaseError),
    **RETRY,
)
def send_reminders(day: str | None = None) -> dict:
    result = reminders_send(day=date.fromisoformat(day) if day else None)
    return {
        "day": result.day.isoformat(),
        "records": result.records,
        "digests": result.digests,
        "delivered": result.delivered,
        "skipped": result.skipped,
    }
