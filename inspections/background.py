"""Queue Celery work after the current transaction commits, by the task's registered name.

Services name the work they start instead of importing the feature's Celery module (which imports the
services): no import cycle, and the worker only ever sees ids. In the web process the task modules are
registered at start-up (apps.py), so with REDIS_URL unset `delay` still runs the task eagerly.

The one place that copes with the broker being down: when publishing fails, the job is kept as a
PendingJob ("not yet queued") and the request goes on; `pending_jobs_send` queues it once Redis answers
again (beat every minute, and every worker at start-up). The service's own record (an export job, a
report) already says what was asked for, so the page shows it as queued meanwhile.
"""

import logging
import time

from celery import current_app
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from .models import PendingJob

logger = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached (kombu wraps redis' errors in its own).
BROKER_ERRORS = (BrokerError, ConnectionError, TimeoutError)


def run_after_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: _send_or_keep(task_name, list(args)))


def _publish(task_name: str, args: list) -> None:
    # Nobody reads these tasks' results (their services record the outcome), so no result subscription.
    current_app.tasks[task_name].apply_async(args=args, ignore_result=True)


def _send_or_keep(task_name: str, args: list) -> None:
    if current_app.conf.task_always_eager:
        _publish(task_name, args)  # runs here and now; its errors are the task's, not the broker's
        return
    try:
        _publish(task_name, args)
    except BROKER_ERRORS as exc:
        logger.warning("broker unavailable, %s%s kept to be queued later: %s", task_name, tuple(args), exc)
        PendingJob.objects.create(task_name=task_name, args=args, last_error=_error(exc))


def pending_jobs_send(*, limit: int = 500) -> int:
    """Queue the kept jobs, oldest first; stops at the first broker error. Returns how many were queued."""
    sent = 0
    for pk in PendingJob.objects.order_by("pk").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            job = PendingJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:  # another worker is sending it, or sent it
                continue
            try:
                _publish(job.task_name, list(job.args))
            except BROKER_ERRORS as exc:
                PendingJob.objects.filter(pk=pk).update(attempts=job.attempts + 1, last_error=_error(exc))
                return sent
            job.delete()
        sent += 1
    return sent


def _error(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def pause_for_tests() -> None:
    """Tests only (RECTIFY_TEST_PAUSE_SECONDS): wait after a unit of background work so a fault test can
    kill the worker between two units. Does nothing in production."""
    if settings.TEST_PAUSE_SECONDS:
        time.sleep(settings.TEST_PAUSE_SECONDS)
