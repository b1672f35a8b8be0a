"""Celery tasks of the dispatch report: thin callers of reports.services; safe to retry."""

from datetime import date
from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from ..retry import RETRY
from .services import dispatch_report_build, dispatch_report_weekly


@shared_task(name="inspections.weekly_dispatch_report", autoretry_for=(SMTPException, OSError, DatabaseError), **RETRY)
def weekly_dispatch_report(today: str | None = None) -> int:
    return dispatch_report_weekly(today=date.fromisoformat(today) if today else None).pk


@shared_task(name="inspections.build_dispatch_report", autoretry_for=(OSError, DatabaseError), **RETRY)
def build_dispatch_report(report_id: int) -> int:
    return dispatch_report_build(report_id=report_id).pk
