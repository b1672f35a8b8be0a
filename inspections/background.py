"""Queue Celery work after the current transaction commits, by the task's registered name.

Services name the work they start instead of importing the feature's Celery module (which imports the
services): no import cycle, and the worker only ever sees ids. In the web process the task modules are
registered at start-up (apps.py), so with REDIS_URL unset `delay` still runs the task eagerly.
"""

from celery import current_app
from django.db import transaction


def run_after_commit(task_name: str, *args) -> None:
    transaction.on_commit(lambda: current_app.tasks[task_name].delay(*args))
