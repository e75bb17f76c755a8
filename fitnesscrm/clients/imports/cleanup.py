"""Housekeeping of client imports: runs whose worker died, and what old imports leave behind.

A run writes a sign of life (heartbeat_at) when it is started and after every chunk
of rows (runs.CHUNK_ROWS, a second or so of work). A running import silent for
STALE_AFTER has lost its worker, and is marked failed with a message saying that
nothing was written, which is true: a check writes no client, and an import writes
its clients in one transaction that a dead worker never committed. Should the run
wake up after all, it finds the import no longer its own and stops without writing
(runs._as_current_run).

An import that ended, or was left unfinished, CLIENT_IMPORT_RETENTION_DAYS ago keeps
its row (who, when, counts, status) as history but loses what holds personal data:
the uploaded file, its first rows and the row problems.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fitnesscrm.clients.imports import runs
from fitnesscrm.clients.models import ClientImport, ClientImportError, ImportStatus
from fitnesscrm.core.audit import audit_record

logger = logging.getLogger(__name__)

# A live run writes every second or so. Its longest silences are the wait in the queue
# behind other tasks and the final write (100,000 rows in about a minute and a half),
# during which its lock on the import's row keeps it from being taken for dead on
# PostgreSQL (on SQLite, its hold on the database does).
STALE_AFTER = timedelta(minutes=10)

RUNNING = (ImportStatus.CHECKING, ImportStatus.IMPORTING)
FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)
UNFINISHED = (ImportStatus.UPLOADED, ImportStatus.CHECKED)

INTERRUPTED = {
    ImportStatus.CHECKING: (
        "The check was interrupted (the background worker stopped). Nothing was written: "
        "no client was imported. Check the file again to start over."
    ),
    ImportStatus.IMPORTING: (
        "The import was interrupted (the background worker stopped). Nothing was written: "
        "the clients are saved all together or not at all, and none were. Check the file "
        "again to import it."
    ),
}


@dataclass
class CleanupReport:
    interrupted: int = 0  # running imports marked failed
    finished: int = 0  # imports ended long ago, cleaned
    abandoned: int = 0  # imports left unfinished, cancelled and cleaned
    files: int = 0  # uploaded files deleted
    row_errors: int = 0  # row problems deleted
    failed: int = 0  # imports whose files could not be deleted (logged; tried again next time)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def retention_days() -> int:
    days = settings.CLIENT_IMPORT_RETENTION_DAYS
    if days < 1:
        # 0 would delete the file of an import while its user is matching the columns.
        raise ImproperlyConfigured("CLIENT_IMPORT_RETENTION_DAYS must be 1 or more.")
    return days


# --- Interrupted runs -----------------------------------------------------------------


def _silent_since(cutoff: datetime) -> Q:
    # Imports started before heartbeat_at existed have only their last update.
    return Q(status__in=RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
    )


def imports_fail_interrupted(*, import_id: int | None = None, now: datetime | None = None) -> int:
    """Mark failed every running import (or only `import_id`) whose run has shown no sign
    of life for STALE_AFTER; returns how many.

    1. A plain read first: this runs on each view of a running import, and a lock is
       needed only for an import that looks interrupted.
    2. Rows locked by a run that is writing its clients are skipped: that run is alive,
       however long it has been silent.
    3. The conditional UPDATE repeats the condition, so a run that wrote a sign of life
       in between is left alone; the run, for its part, re-claims the import before
       each write and so never writes after it was marked failed.
    """
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    silent = ClientImport.objects.filter(_silent_since(cutoff))
    if import_id is not None:
        silent = silent.filter(pk=import_id)
    if not silent.exists():
        return 0
    marked = 0
    with transaction.atomic():
        for status, message in INTERRUPTED.items():
            ids = list(
                silent.filter(status=status)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            marked += ClientImport.objects.filter(
                _silent_since(cutoff), pk__in=ids, status=status
            ).update(status=ImportStatus.FAILED, message=message, finished_at=now, updated_at=now)
            if status == ImportStatus.CHECKING:
                # What a cut-off check found is partial; the next check starts over.
                ClientImportError.objects.filter(job_id__in=ids).delete()
    if marked:
        logger.warning("client imports: %s interrupted run(s) marked failed", marked)
    return marked


def import_fail_if_interrupted(*, job: ClientImport) -> ClientImport:
    """The import as its page should show it: failed if its run was interrupted."""
    if not job.is_running:
        return job
    last_sign = job.heartbeat_at or job.updated_at
    if last_sign < timezone.now() - STALE_AFTER and imports_fail_interrupted(import_id=job.pk):
        job.refresh_from_db()
    return job


# --- Old imports ----------------------------------------------------------------------


def _abandoned_message(days: int) -> str:
    return (
        f"Cancelled automatically: nothing was done with this import for {days} days, so its "
        "file was deleted. Nothing was imported."
    )


def _purge(job: ClientImport, *, now: datetime, days: int, report: CleanupReport) -> None:
    """Delete the file, first rows and row problems of one import; the row stays.

    The database changes come first, conditional on the import being unchanged since it
    was read (a user may start the check of an unfinished one at this very moment);
    then the files, which a failing storage may leave for the next cleanup.
    """
    if job.purged_at is None:
        abandoned = job.status in UNFINISHED
        changes = {"preview": [], "purged_at": now, "updated_at": now}
        if abandoned:
            changes |= {
                "status": ImportStatus.CANCELLED,
                "finished_at": now,
                "message": _abandoned_message(days),
            }
        with transaction.atomic():
            unchanged = ClientImport.objects.filter(
                pk=job.pk, status=job.status, attempt=job.attempt, updated_at=job.updated_at
            ).update(**changes)
            if not unchanged:
                return
            row_errors, _ = ClientImportError.objects.filter(job_id=job.pk).delete()
            if job.file or job.preview or row_errors:
                audit_record(
                    action="client_import.purge",
                    target=job,
                    changes={
                        "reason": "unfinished" if abandoned else "finished",
                        "file": bool(job.file),
                        "row_errors": row_errors,
                    },
                )
        report.row_errors += row_errors
        if abandoned:
            report.abandoned += 1
        else:
            report.finished += 1
    try:
        report.files += runs.delete_files(job)
    except Exception:
        logger.exception("client import %s: its files could not be deleted", job.pk)
        report.failed += 1


def imports_purge(*, now: datetime | None = None) -> CleanupReport:
    """Clean the imports that ended, or were left untouched, more than the retention ago.

    Unfinished ones (uploaded or checked, then left) are cancelled, so that their page
    offers nothing that would need the deleted file.
    """
    now = now or timezone.now()
    days = retention_days()
    cutoff = now - timedelta(days=days)
    ended = Q(status__in=FINISHED, purged_at__isnull=True) & (
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, updated_at__lt=cutoff)
    )
    left = Q(status__in=UNFINISHED, updated_at__lt=cutoff)
    file_left_behind = Q(purged_at__isnull=False) & ~Q(file="")
    report = CleanupReport()
    for job in ClientImport.objects.filter(ended | left | file_left_behind).order_by("pk"):
        _purge(job, now=now, days=days, report=report)
    return report


def imports_cleanup(*, now: datetime | None = None) -> CleanupReport:
    """The periodic housekeeping: interrupted runs marked failed, old imports cleaned."""
    now = now or timezone.now()
    interrupted = imports_fail_interrupted(now=now)
    report = imports_purge(now=now)
    report.interrupted = interrupted
    return report
