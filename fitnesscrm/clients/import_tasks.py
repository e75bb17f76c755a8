"""Background work of the CSV import: the dry run, the import of large files, the cleanup."""

from django.tasks import task

from fitnesscrm.clients.imports import cleanup, runs
from fitnesscrm.clients.models import ClientImport, ImportStatus


def _raise_if_failed(import_id: int) -> None:
    # The import records its own failure for the page; raising marks the task failed too.
    job = ClientImport.objects.filter(pk=import_id, status=ImportStatus.FAILED).first()
    if job is not None:
        raise RuntimeError(f"Client import {import_id} failed: {job.message}")


@task()
def check_import(*, import_id: int, attempt: int) -> None:
    """Check every row of an uploaded file (nothing is written), updating the progress."""
    runs.import_check_run(import_id, attempt=attempt)
    _raise_if_failed(import_id)


@task()
def commit_import(*, import_id: int, attempt: int) -> None:
    """Look the emails up again, then write the rows in one transaction (all or nothing)."""
    runs.import_commit_run(import_id, attempt=attempt)
    _raise_if_failed(import_id)


@task()
def cleanup_imports() -> dict[str, int]:
    """Mark interrupted imports failed; delete the files and row details of old imports.

    Meant to run every hour or so: an interrupted import is also noticed when its page
    is opened, but its user may never come back to it.
    """
    report = cleanup.imports_cleanup()
    if report.failed:
        raise RuntimeError(
            f"The files of {report.failed} client import(s) could not be deleted; "
            "see the log. The next cleanup tries again."
        )
    return report.as_dict()
