"""Celery tasks of the ledger: thin callers of ledger.jobs (discovered via rectify/celery.py)."""

from celery import shared_task


@shared_task(name="inspections.ledger.run_ledger_export")
def run_ledger_export(job_id: int) -> None:
    from .jobs import export_job_run

    export_job_run(job_id)


@shared_task(name="inspections.ledger.run_ledger_import")
def run_ledger_import(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id)
