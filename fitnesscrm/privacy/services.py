"""Every write of the privacy app: exports, erasure, data-subject requests, marketing consent."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.consent import MARKETING_KINDS, MARKETING_WORDING
from fitnesscrm.clients.models import Client, ConsentMethod, ConsentRecord
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import MANAGEMENT_ROLES, Role
from fitnesscrm.privacy import erasure, export, selectors
from fitnesscrm.privacy.models import (
    DataExport,
    DataSubjectRequest,
    ExportStatus,
    RequestKind,
    RequestStatus,
    one_month_after,
)

# One export per client at a time: building one reads every table.
EXPORT_PAUSE = timedelta(minutes=2)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid", errors=[{"field": field, "message": message}])


# --- Exports -----------------------------------------------------------------------------------


def export_create(*, actor, client: Client) -> DataExport:
    """Build the zip of everything held about `client` now; downloadable for a few days.

    Built in the request: one client's data is small (the photos are the bulk, and
    they are re-encoded on upload to a bounded size).
    """
    client = selectors.privacy_client_get(user=actor, client_id=client.pk)
    recent = DataExport.objects.filter(
        client=client, created_at__gt=timezone.now() - EXPORT_PAUSE
    ).exists()
    if recent:
        raise Conflict(
            "An export of this client's data was made a moment ago: download that one.",
            code="export_recent",
        )
    from fitnesscrm.billing.models import BillingSettings

    billing = BillingSettings.objects.first()
    business = getattr(billing, "business_name", "") or settings.SITE_NAME
    data, counts = export.build_zip(client, business=business)
    with transaction.atomic():
        record = DataExport(
            client=client,
            requested_by=actor,
            counts=counts,
            size_bytes=len(data),
            expires_at=timezone.now() + timedelta(days=settings.PRIVACY_EXPORT_DAYS),
        )
        record.file.save(f"{uuid.uuid4().hex}.zip", ContentFile(data), save=False)
        record.save()
        if role_of(actor) == Role.CLIENT:
            # The client's own request (art. 15), answered at once: logged, already done.
            now = timezone.now()
            DataSubjectRequest.objects.create(
                client=client,
                kind=RequestKind.ACCESS,
                received_at=now,
                due_at=one_month_after(timezone.localtime(now)),
                status=RequestStatus.DONE,
                channel="portal",
                created_by=actor,
                handled_by=actor,
                closed_at=now,
                notes=f"Answered at once with data export #{record.pk}.",
            )
        audit_record(
            actor=actor,
            action="privacy.export",
            target=client,
            changes={"export": record.pk, "rows": counts, "bytes": len(data)},
        )
    return record


def export_downloaded(*, actor, export_record: DataExport) -> DataExport:
    """Record a download (the view serves the file); refuse an expired export."""
    if not selectors.export_is_downloadable(export_record):
        raise NotFound("This export has expired: make a new one.", code="export_expired")
    DataExport.objects.filter(pk=export_record.pk).update(downloaded_at=timezone.now())
    audit_record(
        actor=actor,
        action="privacy.export_download",
        target=export_record.client,
        changes={"export": export_record.pk},
    )
    return export_record


def exports_purge(*, now: datetime | None = None) -> int:
    """Delete the files of expired exports (each kept as a row, marked expired); how many."""
    now = now or timezone.now()
    expired = list(
        DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now).only("pk", "file")
    )
    for record in expired:
        if record.file:
            record.file.storage.delete(record.file.name)
        DataExport.objects.filter(pk=record.pk).update(status=ExportStatus.EXPIRED, file="")
    return len(expired)


# --- Erasure -----------------------------------------------------------------------------------


def erase_confirmation_matches(client: Client, typed: str) -> bool:
    typed = " ".join((typed or "").split())
    return typed == "ERASE" or (bool(typed) and typed.casefold() == client.full_name.casefold())


def client_erase(*, actor, client: Client, confirmation: str):
    """Erase a client's personal data (owners only), after the owner typed the name or ERASE."""
    if role_of(actor) != Role.OWNER:
        if role_of(actor) in MANAGEMENT_ROLES:
            selectors.privacy_client_get(user=actor, client_id=client.pk)
        raise Forbidden("Only the owner may erase a client's personal data.")
    client = selectors.privacy_client_get(user=actor, client_id=client.pk)
    if client.first_name == "Erased client" and erasure.pseudonym_of(client.pk).endswith(
        client.last_name
    ):
        raise Conflict("This client's personal data was already erased.", code="already_erased")
    if not erase_confirmation_matches(client, confirmation):
        raise _invalid(
            "confirmation", "Type the client's full name, or ERASE, to confirm the erasure."
        )
    with transaction.atomic():
        record = erasure.erase_client(client=client, actor=actor)
        now = timezone.now()
        DataSubjectRequest.objects.filter(
            client_id=client.pk, kind=RequestKind.ERASURE, status=RequestStatus.OPEN
        ).update(status=RequestStatus.DONE, handled_by=actor, closed_at=now)
    return record


# --- Data-subject requests ---------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor,
    client: Client,
    kind: str,
    notes: str = "",
    received_at: datetime | None = None,
    channel: str = "staff",
) -> DataSubjectRequest:
    """Log a request; due one calendar month after it was received (business time zone)."""
    client = selectors.privacy_client_get(user=actor, client_id=client.pk)
    if kind not in RequestKind.values:
        raise _invalid("kind", f"Choose the kind of request: {', '.join(RequestKind.values)}.")
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise _invalid("notes", "The notes are at most 2000 characters.")
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise _invalid("received_at", "A request cannot be received in the future.")
    if role_of(actor) == Role.CLIENT:
        received_at, notes = now, ""
        channel = "portal" if channel == "portal" else "api"
    open_same = DataSubjectRequest.objects.filter(
        client=client, kind=kind, status=RequestStatus.OPEN
    ).first()
    if open_same is not None:
        raise Conflict(
            f"There is already an open {open_same.kind} request "
            f"(due {timezone.localtime(open_same.due_at):%-d %B %Y}).",
            code="request_open",
        )
    request = DataSubjectRequest.objects.create(
        client=client,
        kind=kind,
        received_at=received_at,
        due_at=one_month_after(timezone.localtime(received_at)),
        channel=channel,
        created_by=actor,
        notes=notes,
    )
    audit_record(
        actor=actor,
        action="privacy.request_create",
        target=request,
        changes={"client": client.pk, "kind": kind, "channel": channel},
    )
    return request


@transaction.atomic
def request_update(
    *, actor, request: DataSubjectRequest, status: str | None = None, notes: str | None = None
) -> DataSubjectRequest:
    """Change a request's notes, or close it (done or refused) or open it again."""
    request = selectors.request_get(user=actor, request_id=request.pk, for_update=True)
    changes = {}
    if notes is not None:
        notes = notes.strip()
        if len(notes) > 2000:
            raise _invalid("notes", "The notes are at most 2000 characters.")
        if notes != request.notes:
            changes["notes"] = "changed"
            request.notes = notes
    if status is not None:
        if status not in RequestStatus.values:
            raise _invalid("status", f"Choose a status: {', '.join(RequestStatus.values)}.")
        if status != request.status:
            changes["status"] = [request.status, status]
            request.status = status
            if status == RequestStatus.OPEN:
                request.closed_at = None
                request.handled_by = None
            else:
                request.closed_at = timezone.now()
                request.handled_by = actor
    if changes:
        request.save()
        audit_record(actor=actor, action="privacy.request_update", target=request, changes=changes)
    return request


# --- Marketing consent -------------------------------------------------------------------------


@transaction.atomic
def marketing_consent_record(
    *, actor, client: Client, kind: str, granted: bool, method: str
) -> ConsentRecord:
    """Record a grant or withdrawal of email or SMS marketing consent, with its history."""
    client = selectors.privacy_client_get(user=actor, client_id=client.pk)
    if kind not in MARKETING_KINDS:
        raise _invalid("kind", "Choose email or SMS marketing.")
    allowed = (
        (ConsentMethod.PORTAL, ConsentMethod.API)
        if role_of(actor) == Role.CLIENT
        else (ConsentMethod.IN_PERSON, ConsentMethod.WRITTEN)
    )
    if method not in allowed:
        raise _invalid("method", f"Choose how the consent was given: {', '.join(allowed)}.")
    client = Client.objects.select_for_update().get(pk=client.pk)
    flag = MARKETING_KINDS[kind]
    record = ConsentRecord.objects.create(
        client=client,
        kind=kind,
        granted=bool(granted),
        method=method,
        wording=MARKETING_WORDING[kind] if granted else "",
        recorded_by=actor,
    )
    if getattr(client, flag) != bool(granted):
        setattr(client, flag, bool(granted))
        setattr(client, f"{flag}_at", record.recorded_at)
        client.save(update_fields=[flag, f"{flag}_at", "updated_at"])
    audit_record(
        actor=actor,
        action="consent.grant" if granted else "consent.withdraw",
        target=client,
        changes={"kind": kind, "method": method, "consent_record": record.pk},
    )
    return record
