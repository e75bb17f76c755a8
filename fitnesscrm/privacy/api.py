"""/api/v1: a client's data export and erasure, and the log of data-subject requests.

- `POST /clients/{id}/export` builds an export now (owners, managers, the client);
  `GET /clients/{id}/export` says how the newest one stands; with `?download=true`
  it is the zip itself.
- `POST /clients/{id}/erase` erases the client's personal data (owners only; the body
  repeats the client's full name, or "ERASE").
- `/privacy/requests` lists (open ones by default) and logs requests;
  `/privacy/requests/{id}` reads one and (management) changes its status or notes.
"""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from fitnesscrm.core.api_helpers import PageParams, page, text, utc
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.privacy import selectors, services
from fitnesscrm.privacy.download import export_response
from fitnesscrm.privacy.models import RequestKind, RequestStatus

router = Router(tags=["Privacy"])

KindName = Literal[tuple(RequestKind.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(RequestStatus.values)]  # type: ignore[valid-type]


class ExportOut(Schema):
    id: int
    client_id: int
    status: str
    downloadable: bool
    size_bytes: int
    rows: dict[str, int]
    created_at: datetime
    expires_at: datetime
    download_url: str | None


def _export_out(record) -> dict:
    downloadable = selectors.export_is_downloadable(record)
    return {
        "id": record.pk,
        "client_id": record.client_id,
        "status": record.status,
        "downloadable": downloadable,
        "size_bytes": record.size_bytes,
        "rows": record.counts,
        "created_at": utc(record.created_at),
        "expires_at": utc(record.expires_at),
        "download_url": (
            f"/api/v1/clients/{record.client_id}/export?download=true" if downloadable else None
        ),
    }


@router.post(
    "/clients/{client_id}/export",
    response={201: ExportOut},
    summary="Export everything held about a client (a zip, kept for a few days)",
)
def export_start(request, client_id: int):
    client = selectors.privacy_client_get(user=request.auth, client_id=client_id)
    return Status(201, _export_out(services.export_create(actor=request.auth, client=client)))


@router.get(
    "/clients/{client_id}/export",
    response=ExportOut,
    summary="The newest export of a client's data; ?download=true for the zip",
)
def export_status(request, client_id: int, download: bool = False):
    client = selectors.privacy_client_get(user=request.auth, client_id=client_id)
    record = selectors.exports_of(user=request.auth, client=client).first()
    if record is None:
        raise NotFound("No export of this client's data yet: POST to make one.")
    if not download:
        return _export_out(record)
    services.export_downloaded(actor=request.auth, export_record=record)
    return export_response(record)


class EraseIn(Schema):
    confirmation: text(200) = Field(description='The client\'s full name, or "ERASE".')


class ErasureOut(Schema):
    id: int
    client_id: int
    pseudonym: str
    erased_at: datetime
    counts: dict[str, int]


@router.post(
    "/clients/{client_id}/erase",
    response=ErasureOut,
    summary="Erase a client's personal data (owners; invoices kept under a pseudonym)",
)
def erase(request, client_id: int, payload: EraseIn):
    client = selectors.privacy_client_get(user=request.auth, client_id=client_id)
    record = services.client_erase(
        actor=request.auth, client=client, confirmation=payload.confirmation
    )
    return {
        "id": record.pk,
        "client_id": record.client_id,
        "pseudonym": record.pseudonym,
        "erased_at": utc(record.erased_at),
        "counts": record.counts,
    }


class RequestOut(Schema):
    id: int
    client_id: int
    kind: str
    status: str
    channel: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    closed_at: datetime | None
    handled_by_id: int | None
    notes: str


class RequestPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RequestOut]


def _request_out(item) -> dict:
    from django.utils import timezone

    return {
        "id": item.pk,
        "client_id": item.client_id,
        "kind": item.kind,
        "status": item.status,
        "channel": item.channel,
        "received_at": utc(item.received_at),
        "due_at": utc(item.due_at),
        "overdue": item.status == RequestStatus.OPEN and item.due_at < timezone.now(),
        "closed_at": utc(item.closed_at),
        "handled_by_id": item.handled_by_id,
        "notes": item.notes,
    }


class RequestFilter(PageParams):
    status: StatusName | Literal["all"] = Field("open", description='"all" for every status.')


@router.get("/privacy/requests", response=RequestPage, summary="Data-subject requests")
def request_list(request, params: Query[RequestFilter]):
    status = None if params.status == "all" else params.status
    items = selectors.requests_list(user=request.auth, status=status)
    return page(items, params, lambda rows: [_request_out(r) for r in rows])


class RequestIn(Schema):
    client_id: int
    kind: KindName
    notes: text(2000) = ""
    received_at: datetime | None = Field(
        None, description="When it came in (staff; default now). Due one month later."
    )


@router.post("/privacy/requests", response={201: RequestOut}, summary="Log a data-subject request")
def request_create(request, payload: RequestIn):
    try:
        client = selectors.privacy_client_get(user=request.auth, client_id=payload.client_id)
    except NotFound as exc:
        message = "No such client."
        exc.errors = [{"field": "client_id", "location": "body", "message": message}]
        raise
    channel = "api" if role_of(request.auth) == Role.CLIENT else "staff"
    item = services.request_create(
        actor=request.auth,
        client=client,
        kind=payload.kind,
        notes=payload.notes,
        received_at=payload.received_at,
        channel=channel,
    )
    return Status(201, _request_out(item))


@router.get("/privacy/requests/{request_id}", response=RequestOut, summary="One request")
def request_detail(request, request_id: int):
    return _request_out(selectors.request_get(user=request.auth, request_id=request_id))


class RequestPatch(Schema):
    status: StatusName | None = None
    notes: text(2000) | None = None


@router.patch(
    "/privacy/requests/{request_id}",
    response=RequestOut,
    summary="Close a request (done or refused), open it again, or change its notes",
)
def request_change(request, request_id: int, payload: RequestPatch):
    item = selectors.request_get(user=request.auth, request_id=request_id, for_update=True)
    item = services.request_update(
        actor=request.auth, request=item, status=payload.status, notes=payload.notes
    )
    return _request_out(item)
