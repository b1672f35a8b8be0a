"""Celery tasks of complaint cases: thin callers of complaints.services."""

from celery import shared_task

from .services import cases_sync_with_tasks


@shared_task(name="inspections.complaints.sync_cases_with_tasks")
def sync_cases_with_tasks(finding_id: int, actor_id: int | None = None) -> None:
    cases_sync_with_tasks(finding_id=finding_id, actor_id=actor_id)
