"""The life of a client import: upload, map the columns, check (dry run), import; who sees which.

An import goes uploaded → checking → checked → importing → done (or failed or
cancelled). Each step that runs through the file is claimed with a conditional
UPDATE on the status, so a double click or a second worker never runs it twice.
Small files are checked and imported during the request; larger ones by the
worker, writing their progress as they go. Each check starts a new attempt, which
its import continues: a run writes only while the import is at its attempt.

Going through the file (the dry run, the import itself) is in runs.py; runs whose
worker died, and the files of old imports, in cleanup.py.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fitnesscrm.clients import services
from fitnesscrm.clients.imports import fields, files, runs
from fitnesscrm.clients.models import ClientImport, ClientImportError, ImportMode, ImportStatus
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES
from fitnesscrm.core.text import one_line

# Files with up to this many rows are checked and imported while the page waits.
INLINE_ROWS = 1000

MAPPABLE = (ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED)
CANCELLABLE = (*MAPPABLE, ImportStatus.CHECKING)


# --- Reads ---------------------------------------------------------------------------


def import_list(*, user) -> QuerySet[ClientImport]:
    """Imports `user` may see: owners and managers see all, the front desk their own."""
    if not services.can_import_clients(user):
        return ClientImport.objects.none()
    imports = ClientImport.objects.select_related("created_by")
    if role_of(user) in MANAGEMENT_ROLES:
        return imports
    return imports.filter(created_by=user)


def import_get(*, user, import_id: int) -> ClientImport:
    try:
        return import_list(user=user).get(pk=import_id)
    except (ClientImport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such import.") from exc


def import_errors(*, user, job: ClientImport) -> QuerySet[ClientImportError]:
    import_get(user=user, import_id=job.pk)
    return job.row_errors.order_by("row", "id")


# --- Upload and mapping ---------------------------------------------------------------


def import_upload(*, actor, upload, encoding: str = files.UTF8) -> ClientImport:
    """Keep an uploaded CSV file after checking its content; the columns are guessed."""
    if not services.can_import_clients(actor):
        raise Forbidden("Only owners, managers and the front desk import clients.")
    files.check_size(upload.size)
    data = upload.read(files.MAX_FILE_BYTES + 1)
    facts = files.inspect(data, encoding=encoding)
    allowed = {name for name, _label in fields.field_choices(actor)}
    job = ClientImport(
        created_by=actor,
        # A name like "clients\u202ecsv.exe" would show reversed: only what it visibly says.
        file_name=one_line(upload.name or "").strip()[:255] or "clients.csv",
        file_size=len(data),
        encoding=facts.encoding,
        delimiter=facts.delimiter,
        headers=facts.headers,
        preview=facts.preview,
        total_rows=facts.total_rows,
        mapping=fields.guess_mapping(facts.headers, allowed),
    )
    job.file.save("upload.csv", ContentFile(data), save=False)
    job.save()
    audit_record(
        actor=actor,
        action="client_import.upload",
        target=job,
        changes={"file": job.file_name, "rows": job.total_rows, "encoding": job.encoding},
    )
    return job


def _mapping_error(message: str, column: str | None = None) -> ApplicationError:
    return ApplicationError(
        message, code="invalid_mapping", errors=[{"field": column, "message": message}]
    )


def clean_mapping(*, actor, job: ClientImport, mapping: dict[int, str]) -> dict[str, str]:
    """The mapping as stored ({"index": field}), or an error at the column that is wrong."""
    allowed = dict(fields.field_choices(actor))
    cleaned: dict[str, str] = {}
    first_column: dict[str, int] = {}
    for index, name in sorted(mapping.items()):
        if not name:
            continue
        if not 0 <= index < len(job.headers):
            raise _mapping_error("The file has no such column.")
        if name not in allowed:
            raise _mapping_error(f"“{name}” cannot be imported.", f"col_{index}")
        if name in first_column:
            raise _mapping_error(
                f"{allowed[name]} is already taken by the column "
                f"“{job.headers[first_column[name]]}”: choose “ignore” for one of them.",
                f"col_{index}",
            )
        first_column[name] = index
        cleaned[str(index)] = name
    names = set(cleaned.values())
    if fields.FULL_NAME in names and names & {"first_name", "last_name"}:
        raise _mapping_error(
            "Map either a full name or first and last names, not both.",
            f"col_{first_column[fields.FULL_NAME]}",
        )
    if not names & {fields.REQUIRED_FIELD, fields.FULL_NAME}:
        raise _mapping_error(
            "Choose the column that holds the first name (or the full name): it is required."
        )
    return cleaned


def import_check_start(*, actor, job: ClientImport, mapping: dict[int, str]) -> ClientImport:
    """Save the column mapping and run the dry run (now for a small file, else by the worker)."""
    job = import_get(user=actor, import_id=job.pk)
    if job.status not in MAPPABLE:
        raise Conflict("This import is running or finished; its columns cannot change now.")
    if not job.file or job.purged_at:
        raise Conflict("The file of this import was deleted; upload it again.")
    cleaned = clean_mapping(actor=actor, job=job, mapping=mapping)
    attempt = job.attempt + 1
    now = timezone.now()
    with transaction.atomic():
        claimed = ClientImport.objects.filter(
            pk=job.pk, status=job.status, attempt=job.attempt, purged_at__isnull=True
        ).update(
            mapping=cleaned,
            status=ImportStatus.CHECKING,
            attempt=attempt,
            checked_rows=0,
            message="",
            mode="",
            finished_at=None,
            heartbeat_at=now,
            updated_at=now,
        )
        if not claimed:
            raise Conflict("This import was changed meanwhile; reload the page.")
        inline = job.total_rows <= INLINE_ROWS
        if not inline:
            from fitnesscrm.clients.import_tasks import check_import

            check_import.enqueue(import_id=job.pk, attempt=attempt)
    if inline:
        runs.import_check_run(job.pk, attempt=attempt)
    job.refresh_from_db()
    return job


def import_commit_start(*, actor, job: ClientImport, mode: str) -> ClientImport:
    """Import the checked file: every row (only when none has an error) or only the valid ones."""
    job = import_get(user=actor, import_id=job.pk)
    if mode not in ImportMode.values:
        raise ApplicationError("Choose whether to import all rows or only the valid ones.")
    if job.status != ImportStatus.CHECKED:
        raise Conflict("Only a checked file can be imported; check it first.")
    if mode == ImportMode.ALL and job.error_rows:
        raise ApplicationError(
            f"{job.error_rows:,} rows have errors. Fix them in the file and upload it again, "
            "or choose to import only the valid rows.",
            code="rows_invalid",
        )
    if job.valid_rows == 0:
        raise ApplicationError("No row is valid, so there is nothing to import.", code="no_rows")
    now = timezone.now()
    with transaction.atomic():
        claimed = ClientImport.objects.filter(
            pk=job.pk, status=ImportStatus.CHECKED, attempt=job.attempt
        ).update(
            status=ImportStatus.IMPORTING,
            mode=mode,
            checked_rows=0,
            message="",
            heartbeat_at=now,
            updated_at=now,
        )
        if not claimed:
            raise Conflict("This import was started already.")
        inline = job.total_rows <= INLINE_ROWS
        if not inline:
            from fitnesscrm.clients.import_tasks import commit_import

            commit_import.enqueue(import_id=job.pk, attempt=job.attempt)
    if inline:
        runs.import_commit_run(job.pk, attempt=job.attempt)
    job.refresh_from_db()
    return job


def import_cancel(*, actor, job: ClientImport) -> ClientImport:
    """Drop an import that has not been written: its file and errors are deleted."""
    job = import_get(user=actor, import_id=job.pk)
    if job.status not in CANCELLABLE:
        raise Conflict("An import that is running or finished cannot be cancelled.")
    with transaction.atomic():
        claimed = ClientImport.objects.filter(pk=job.pk, status__in=CANCELLABLE).update(
            status=ImportStatus.CANCELLED,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            preview=[],
        )
        if not claimed:
            raise Conflict("This import is already being written; it cannot be cancelled now.")
        job.row_errors.all().delete()
        audit_record(actor=actor, action="client_import.cancel", target=job)
    runs.delete_files(job)
    job.refresh_from_db()
    return job
