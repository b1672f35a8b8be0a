"""The rectification tracker project: settings, URLs, Celery app. No business logic here."""

from .celery import app as celery_app

__all__ = ("celery_app",)
