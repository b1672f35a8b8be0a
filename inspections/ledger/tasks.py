"""Celery tasks of the ledger: thin callers of ledger.services."""

from celery import shared_task

from .services import export_job_run


@shared_task(name="inspections.ledger.run_ledger_export")
def run_ledger_export(job_id: int) -> None:
    export_job_run(job_id)


@shared_task(name="inspections.ledger.run_ledger_import")
def run_ledger_import(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id)
