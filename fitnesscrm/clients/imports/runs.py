"""Going through an import's file: the dry run, then the all-or-nothing import.

The dry run checks every row as client_create would (same rules, through
services.client_import_clean), stores the errors, and keeps the valid rows,
cleaned, in a file beside the upload. The import reads that file: it looks the
emails up again (other clients may have been added since), then writes every row
in one transaction, with one audit entry. Progress is written after each chunk
of rows, in a short transaction of its own, so the page can show it; the final
write is one transaction and shows no count (its changes are invisible until it
commits).

A run is tied to the import's status and attempt (see _as_current_run): each of its
writes first re-claims the import with a conditional UPDATE, which is also its sign
of life. Once the import was cancelled, marked interrupted (cleanup.py) or checked
again, that UPDATE matches no row and the run stops without writing anything.
"""

import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fitnesscrm.clients import services
from fitnesscrm.clients.imports import fields, files
from fitnesscrm.clients.models import (
    ClientImport,
    ClientImportError,
    ImportMode,
    ImportStatus,
)
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Forbidden

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000  # rows checked between two progress updates, and written per INSERT
MAX_STORED_ERRORS = 20_000  # every error is counted; the first ones are kept to be listed

INVALID = "invalid"
DUPLICATE_IN_FILE = "duplicate_in_file"
DUPLICATE_EXISTING = "duplicate_existing"


class _Stopped(Exception):
    """The import is no longer this run's: cancelled, marked interrupted or checked again."""


@dataclass
class Report:
    checked: int = 0
    valid: int = 0
    error_rows: int = 0
    error_count: int = 0
    duplicates_in_file: int = 0
    duplicates_existing: int = 0

    def counters(self) -> dict:
        return {
            "checked_rows": self.checked,
            "valid_rows": self.valid,
            "error_rows": self.error_rows,
            "error_count": self.error_count,
            "duplicates_in_file": self.duplicates_in_file,
            "duplicates_existing": self.duplicates_existing,
        }


@dataclass
class _Row:
    number: int
    errors: list[tuple[str, str, str]]  # (field, code, message)
    cleaned: dict | None
    email: str


def column_names(job: ClientImport) -> dict[str, str]:
    """{field: the header of the column it comes from}, for the error list."""
    names = {}
    for index, name in job.mapping.items():
        header = job.headers[int(index)]
        if name == fields.FULL_NAME:
            names["first_name"] = names["last_name"] = header
        names[name] = header
    return names


def checked_rows_name(job: ClientImport, attempt: int | None = None) -> str:
    """Where the dry run keeps the valid rows: beside the upload (whose name is random),
    one file per attempt, so that a check cut off and started again never mixes in rows
    of the one before."""
    attempt = job.attempt if attempt is None else attempt
    if attempt == 0:  # checked before attempts were counted
        return f"{job.file.name}.valid.jsonl"
    return f"{job.file.name}.{attempt}.valid.jsonl"


def delete_files(job: ClientImport) -> bool:
    """Delete the upload and the checked rows (once the import is done, cancelled or old);
    False when they were deleted already.

    The rows of earlier attempts are normally gone, but a run cut off between saving
    them and finding that the import was no longer its own may have left them behind.
    """
    if not job.file:
        return False
    for attempt in range(job.attempt + 1):
        default_storage.delete(checked_rows_name(job, attempt))
    job.file.delete(save=False)
    ClientImport.objects.filter(pk=job.pk).update(file="", preview=[])
    return True


def _existing_emails(emails: list[str]) -> dict[str, int]:
    if not emails:
        return {}
    return dict(services.clients_holding_emails(emails).values_list("email", "pk"))


def _taken(email: str, pk: int) -> tuple[str, str, str]:
    return ("email", DUPLICATE_EXISTING, f"A client with the email {email} already exists (#{pk}).")


def _check_row(number, record, mapping, width, actor, seen: dict[str, int]) -> _Row:
    errors: list[tuple[str, str, str]] = []
    if len(record) > width and any(cell.strip() for cell in record[width:]):
        errors.append(
            (
                "",
                INVALID,
                f"This row has {len(record)} cells but the header has {width} columns: "
                "a comma inside a cell needs quotes around the cell.",
            )
        )
    values, unreadable = fields.read_row(record, mapping)
    for name in unreadable:
        values.pop(name, None)
    cleaned = None
    try:
        cleaned = services.client_import_clean(actor=actor, values=values)
    except ApplicationError as exc:
        found = {error["field"]: error["message"] for error in exc.errors} or {"": exc.message}
        errors += [(name, INVALID, message) for name, message in found.items()]
    errors += [(name, INVALID, message) for name, message in unreadable.items()]
    bad_email = any(name == "email" for name, _code, _message in errors)
    email = "" if bad_email else (cleaned or values).get("email", "").strip().lower()
    if email:
        if email in seen:
            errors.append(
                (
                    "email",
                    DUPLICATE_IN_FILE,
                    f"The email {email} is already on row {seen[email]} of this file.",
                )
            )
        else:
            seen[email] = number
    return _Row(number=number, errors=errors, cleaned=cleaned, email=email)


class _ErrorStore:
    """Counts the problems and keeps the first MAX_STORED_ERRORS of them, chunk by chunk."""

    def __init__(self, job: ClientImport, report: Report):
        self.job = job
        self.report = report
        self.columns = column_names(job)
        self.pending: list[ClientImportError] = []

    def add(self, row: int, errors: list[tuple[str, str, str]]) -> None:
        report = self.report
        report.error_rows += 1
        for name, code, message in errors:
            report.error_count += 1
            report.duplicates_in_file += code == DUPLICATE_IN_FILE
            report.duplicates_existing += code == DUPLICATE_EXISTING
            if report.error_count <= MAX_STORED_ERRORS:
                self.pending.append(
                    ClientImportError(
                        job=self.job,
                        row=row,
                        column=self.columns.get(name, "")[:200],
                        field=name[:40],
                        code=code,
                        message=message[:500],
                    )
                )

    def flush(self) -> None:
        ClientImportError.objects.bulk_create(self.pending)
        self.pending = []


@contextmanager
def _as_current_run(job: ClientImport, expected: str, **changes) -> Iterator[None]:
    """A transaction for what the run writes, entered only while the import is its own.

    It starts with a conditional UPDATE on the import's status (`expected`) and
    attempt, which writes the sign of life and `changes`. On PostgreSQL it also locks the
    import's row until the commit, and the cleanup skips locked rows: a run is never
    marked interrupted while it writes, however long its transaction. When the import
    was cancelled, marked interrupted or checked again, the UPDATE matches no row:
    the run stops (_Stopped) and nothing of the block is written.
    """
    with transaction.atomic():
        now = timezone.now()
        mine = ClientImport.objects.filter(pk=job.pk, status=expected, attempt=job.attempt).update(
            heartbeat_at=now, updated_at=now, **changes
        )
        if not mine:
            raise _Stopped
        yield


def _progress(job: ClientImport, status: str, checked: int) -> None:
    with _as_current_run(job, status, checked_rows=checked):
        pass


def _chunks(items, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_rows(job: ClientImport, *, actor, keep: Callable[[int, dict], None]) -> Report:
    """Check every row of the file, store the errors found, hand each valid row to `keep`."""
    with _as_current_run(job, ImportStatus.CHECKING, checked_rows=0):
        ClientImportError.objects.filter(job=job).delete()
    with job.file.open("rb") as handle:
        text = files.decode(handle.read(), job.encoding)
    mapping = {int(index): name for index, name in job.mapping.items()}
    width = len(job.headers)
    report = Report()
    store = _ErrorStore(job, report)
    seen: dict[str, int] = {}
    for chunk in _chunks(files.records(text, job.delimiter), CHUNK_ROWS):
        rows = [_check_row(number, record, mapping, width, actor, seen) for number, record in chunk]
        existing = _existing_emails([row.email for row in rows if row.email])
        for row in rows:
            if row.email in existing:
                row.errors.append(_taken(row.email, existing[row.email]))
            report.checked += 1
            if row.errors:
                store.add(row.number, row.errors)
            else:
                report.valid += 1
                keep(row.number, row.cleaned)
        with _as_current_run(job, ImportStatus.CHECKING, checked_rows=report.checked):
            store.flush()
    return report


def _fail(job: ClientImport, status: str, message: str) -> None:
    """Record why the run failed, unless the import is no longer this run's."""
    ClientImport.objects.filter(pk=job.pk, status=status, attempt=job.attempt).update(
        status=ImportStatus.FAILED,
        message=message[:500],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _claimed(job_id: int, status: str, attempt: int) -> ClientImport | None:
    jobs = ClientImport.objects.select_related("created_by")
    return jobs.filter(pk=job_id, status=status, attempt=attempt).first()


def _importer(job: ClientImport):
    actor = job.created_by
    if actor is None or not services.can_import_clients(actor):
        raise Forbidden("The person who uploaded this file can no longer import clients.")
    return actor


def import_check_run(job_id: int, *, attempt: int) -> None:
    """The dry run: check every row and count what would be imported; no client is written."""
    job = _claimed(job_id, ImportStatus.CHECKING, attempt)
    if job is None:
        return  # cancelled, checked already, marked interrupted or checked again since
    try:
        with tempfile.TemporaryFile("w+b") as kept:

            def keep(row: int, cleaned: dict) -> None:
                line = json.dumps([row, cleaned], default=date.isoformat, ensure_ascii=False)
                kept.write(line.encode() + b"\n")

            report = check_rows(job, actor=_importer(job), keep=keep)
            _save_checked_rows(job, kept)
        _finish_check(job, report)
    except _Stopped:
        return
    except ApplicationError as exc:
        _fail(job, ImportStatus.CHECKING, exc.message)
        return
    except Exception:
        logger.exception("client import %s: the check failed", job_id)
        _fail(
            job,
            ImportStatus.CHECKING,
            "The check stopped because of an unexpected error, which has been logged.",
        )


def _finish_check(job: ClientImport, report: Report) -> None:
    try:
        with _as_current_run(
            job, ImportStatus.CHECKING, status=ImportStatus.CHECKED, **report.counters()
        ):
            pass
    except _Stopped:
        default_storage.delete(checked_rows_name(job))  # rows nobody will import
        raise


def _checked_rows(job: ClientImport) -> Iterator[tuple[int, dict]]:
    with default_storage.open(checked_rows_name(job), "rb") as handle:
        for line in handle:
            row, values = json.loads(line)
            if values.get("date_of_birth"):
                values["date_of_birth"] = date.fromisoformat(values["date_of_birth"])
            yield row, values


def _save_checked_rows(job: ClientImport, kept) -> None:
    kept.seek(0)
    name = checked_rows_name(job)
    default_storage.delete(name)
    saved = default_storage.save(name, File(kept))
    if saved != name:  # a storage that renamed it: better to fail than to import stale rows
        raise RuntimeError(f"The checked rows were saved as {saved}, not {name}.")


def _drop_checked_rows(job: ClientImport, rows: set[int]) -> None:
    """Take rows that became invalid out of the checked rows."""
    with tempfile.TemporaryFile("w+b") as kept:
        with default_storage.open(checked_rows_name(job), "rb") as handle:
            for line in handle:
                if json.loads(line)[0] not in rows:
                    kept.write(line)
        _save_checked_rows(job, kept)


def _recheck_emails(job: ClientImport) -> dict[int, tuple[str, int]]:
    """{row: (email, id of the client who has it now)} for the rows whose email was taken
    since the dry run; the progress counts the rows looked at."""
    taken = {}
    checked = 0
    for chunk in _chunks(_checked_rows(job), CHUNK_ROWS):
        emails = {values["email"]: row for row, values in chunk if values.get("email")}
        for email, pk in _existing_emails(list(emails)).items():
            taken[emails[email]] = (email, pk)
        checked += len(chunk)
        _progress(job, ImportStatus.IMPORTING, checked)
    return taken


def _set_aside_taken(job: ClientImport, taken: dict[int, tuple[str, int]]) -> None:
    """List the rows whose email was taken since the check as errors, and drop them."""
    report = Report()
    store = _ErrorStore(job, report)
    for row, (email, pk) in sorted(taken.items()):
        store.add(row, [_taken(email, pk)])
    _drop_checked_rows(job, set(taken))
    with _as_current_run(
        job,
        ImportStatus.IMPORTING,
        valid_rows=F("valid_rows") - len(taken),
        error_rows=F("error_rows") + report.error_rows,
        error_count=F("error_count") + report.error_count,
        duplicates_existing=F("duplicates_existing") + report.duplicates_existing,
    ):
        store.flush()


def import_commit_run(job_id: int, *, attempt: int) -> None:
    """Write the checked rows in one transaction (all or nothing), after a last email check."""
    job = _claimed(job_id, ImportStatus.IMPORTING, attempt)
    if job is None:
        return
    try:
        actor = _importer(job)
        taken = _recheck_emails(job)
        if taken:
            _set_aside_taken(job, taken)
            job.refresh_from_db()
        if taken and job.mode == ImportMode.ALL:
            rows = f"{len(taken):,} row{'s' if len(taken) != 1 else ''}"
            message = (
                "Nothing was imported: since the check, other clients were added with the "
                f"emails of {rows} (listed below)."
            )
            with _as_current_run(
                job, ImportStatus.IMPORTING, status=ImportStatus.CHECKED, message=message
            ):
                pass
            return
        if job.valid_rows == 0:
            with _as_current_run(
                job,
                ImportStatus.IMPORTING,
                status=ImportStatus.CHECKED,
                message="Nothing was imported: no row is valid any more.",
            ):
                pass
            return
        created = _write(job, actor)
    except _Stopped:
        return
    except ApplicationError as exc:
        message = f"Nothing was imported: {exc.message} Check the file again."
        _fail(job, ImportStatus.IMPORTING, message)
        return
    except Exception:
        logger.exception("client import %s: the import failed and was rolled back", job_id)
        _fail(
            job,
            ImportStatus.IMPORTING,
            "Nothing was imported: an unexpected error stopped the import and every "
            "change was undone. The error has been logged.",
        )
        return
    logger.info("client import %s: %s clients imported", job_id, created)
    delete_files(job)


def _write(job: ClientImport, actor) -> int:
    """Every valid row as a client, the import marked done and audited: one transaction,
    which holds the import's row from its first statement (see _as_current_run)."""
    note = f"Imported from “{job.file_name}” (import #{job.pk})."
    created = 0
    with _as_current_run(job, ImportStatus.IMPORTING):
        for chunk in _chunks(_checked_rows(job), CHUNK_ROWS):
            clients = services.clients_import_create(
                actor=actor, rows=chunk, note=note, data={"import_id": job.pk}
            )
            created += len(clients)
        done = ClientImport.objects.filter(
            pk=job.pk, status=ImportStatus.IMPORTING, attempt=job.attempt
        ).update(
            status=ImportStatus.DONE,
            imported_rows=created,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            message="",
        )
        if not done:  # the row is held since the first UPDATE; checked all the same
            raise _Stopped
        _audit_import(job, actor, created)
    return created


def _audit_import(job: ClientImport, actor, created: int) -> None:
    audit_record(
        actor=actor,
        action="client.import",
        target=job,
        changes={
            "file": job.file_name,
            "mode": job.mode,
            "rows": job.total_rows,
            "imported": created,
            "skipped": job.total_rows - created,
            "rows_with_errors": job.error_rows,
        },
    )
