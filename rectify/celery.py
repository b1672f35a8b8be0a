"""Celery application. With REDIS_URL unset, tasks run eagerly in-process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")

app = Celery("rectify")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each feature package of the app keeps its Celery tasks in its own tasks.py.
TASK_PACKAGES = [
    "inspections.ledger",
    "inspections.reports",
    "inspections.reminders",
    "inspections.housekeeping",
    "inspections.complaints",
    "inspections.supervision",
    "inspections.dashboard",
]
app.autodiscover_tasks(TASK_PACKAGES)
