"""Background work of the CSV import: the dry run and the import of files too large to wait for."""

from django.tasks import task

from fitnesscrm.clients.imports import runs
from fitnesscrm.clients.models import ClientImport, ImportStatus


def _raise_if_failed(import_id: int) -> None:
    # The import records its own failure for the page; raising marks the task failed too.
    job = ClientImport.objects.filter(pk=import_id, status=ImportStatus.FAILED).first()
    if job is not None:
        raise RuntimeError(f"Client import {import_id} failed: {job.message}")


@task()
def check_import(*, import_id: int) -> None:
    """Check every row of an uploaded file (nothing is written), updating the progress."""
    runs.import_check_run(import_id)
    _raise_if_failed(import_id)


@task()
def commit_import(*, import_id: int) -> None:
    """Look the emails up again, then write the rows in one transaction (all or nothing)."""
    runs.import_commit_run(import_id)
    _raise_if_failed(import_id)
