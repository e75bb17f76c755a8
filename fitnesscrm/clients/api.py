"""API of clients: /api/v1/clients, /api/v1/clients/{id}, notes and /api/v1/assignments."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.db import transaction
from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from fitnesscrm.clients import counting, selectors, services
from fitnesscrm.clients.models import HEALTH_FIELDS, Client, LeadStage, Source
from fitnesscrm.clients.models import Status as ClientStatus
from fitnesscrm.core.api_helpers import MAX_OFFSET
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.permissions import is_staff_member
from fitnesscrm.trainers import selectors as trainer_selectors

router = Router(tags=["clients"])

DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def _text(max_length: int, min_length: int = 0):
    """A string with the model's length limit; surrounding spaces do not count."""
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)
    ]


# Phone numbers arrive formatted ("+44 7700 900 123", "(020) 7946 0000") and are stored in
# E.164 (at most 16 characters, the model allows 20); the room here is for the formatting.
PhoneText = _text(30)
TagName = _text(40, 1)
NoteKind = Literal["note", "call", "email"]


# --- Shared pieces -----------------------------------------------------------------------


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (1 to 100).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")


def _page(queryset, params: PageParams, item, *, count=QuerySet.count) -> dict:
    """One page of `queryset`: a COUNT and one SELECT (plus the queryset's prefetches)."""
    rows = list(queryset[params.offset : params.offset + params.limit])
    return {
        "count": count(queryset),
        "limit": params.limit,
        "offset": params.offset,
        "items": [item(row) for row in rows],
    }


class TagOut(Schema):
    id: int
    name: str
    colour: str


class TrainerRef(Schema):
    id: int
    name: str


class ClientRef(Schema):
    id: int
    full_name: str


class ClientTrainerOut(Schema):
    assignment_id: int
    trainer: TrainerRef
    is_primary: bool
    start_date: date


def _trainers_of(client: Client) -> list[dict]:
    assignments = getattr(client, "active_assignments", None)
    if assignments is None:
        assignments = client.assignments.filter(end_date__isnull=True).select_related(
            "trainer__user"
        )
    return [
        {
            "assignment_id": a.pk,
            "trainer": {"id": a.trainer_id, "name": a.trainer.name},
            "is_primary": a.is_primary,
            "start_date": a.start_date,
        }
        for a in assignments
    ]


def _tags_of(client: Client) -> list[dict]:
    return [{"id": t.pk, "name": t.name, "colour": t.colour} for t in client.tag_list]


# --- Clients: output -------------------------------------------------------------------


class ClientListItem(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    status: str
    lead_stage: str
    source: str
    tags: list[TagOut]
    trainers: list[ClientTrainerOut]
    created_at: datetime
    archived_at: datetime | None


class ClientPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ClientListItem]


class ClientOut(Schema):
    """A client as every role that may see the record sees it: no health data."""

    id: int
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    date_of_birth: date | None
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    emergency_contact_name: str
    emergency_contact_phone: str
    goals: str
    source: str
    tags: list[TagOut]
    email_consent: bool
    email_consent_at: datetime | None
    sms_consent: bool
    sms_consent_at: datetime | None
    status: str
    status_changed_at: datetime
    lead_stage: str
    lost_reason: str
    has_login: bool
    has_photo: bool
    trainers: list[ClientTrainerOut]
    archived_at: datetime | None
    merged_into: int | None
    created_at: datetime
    updated_at: datetime


class ClientWithHealthOut(ClientOut):
    """The same, with the health fields: for owners, managers and the assigned trainers."""

    health_notes: str
    injuries: str


ClientDetail = ClientWithHealthOut | ClientOut

_LIST_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "status",
    "lead_stage",
    "source",
    "created_at",
    "archived_at",
)
_DETAIL_FIELDS = (
    *_LIST_FIELDS,
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "emergency_contact_name",
    "emergency_contact_phone",
    "goals",
    "email_consent",
    "email_consent_at",
    "sms_consent",
    "sms_consent_at",
    "status_changed_at",
    "lost_reason",
    "updated_at",
)


def _list_item(client: Client) -> dict:
    out = {name: getattr(client, name) for name in _LIST_FIELDS}
    out["tags"] = _tags_of(client)
    out["trainers"] = _trainers_of(client)
    return out


def _client_out(user, client: Client) -> ClientOut:
    """The record with health fields only when `user` may read them (keys absent otherwise)."""
    data = {name: getattr(client, name) for name in _DETAIL_FIELDS}
    data.update(
        tags=_tags_of(client),
        trainers=_trainers_of(client),
        has_login=client.user_id is not None,
        has_photo=bool(client.photo),
        merged_into=client.merged_into_id,
    )
    if selectors.can_see_health(user, client):
        data.update({name: getattr(client, name) for name in HEALTH_FIELDS})
        return ClientWithHealthOut(**data)
    return ClientOut(**data)


def _reload(user, client_id: int) -> ClientOut:
    return _client_out(user, selectors.client_get(user=user, client_id=client_id))


# --- Clients: input ------------------------------------------------------------------------


class ClientFilters(PageParams):
    q: str = Field("", max_length=200, description="Name, email or phone; any case or accents.")
    status: ClientStatus | None = None
    trainer: int | None = Field(None, description="Clients actively assigned to this trainer id.")
    tag: str | None = Field(None, max_length=40, description="A tag id or name.")
    source: Source | None = None
    sort: Literal[tuple(selectors.SORTS)] = selectors.DEFAULT_SORT  # type: ignore[valid-type]


class ClientIn(Schema):
    first_name: _text(80, 1)
    last_name: _text(80) = ""
    email: _text(254) = ""
    phone: PhoneText = ""
    date_of_birth: date | None = None
    address_line1: _text(200) = ""
    address_line2: _text(200) = ""
    city: _text(100) = ""
    postal_code: _text(20) = ""
    country: _text(2) = Field("", description="Two-letter country code, e.g. GB.")
    emergency_contact_name: _text(150) = ""
    emergency_contact_phone: PhoneText = ""
    goals: _text(4000) = ""
    health_notes: _text(4000) = Field("", description="Owners, managers and trainers only.")
    injuries: _text(4000) = Field("", description="Owners, managers and trainers only.")
    source: Source = Source.OTHER
    email_consent: bool = False
    sms_consent: bool = False
    status: ClientStatus = ClientStatus.LEAD
    tags: list[TagName] = Field(default_factory=list, max_length=50)
    trainer: int | None = Field(None, description="Trainer id to assign as primary trainer.")


class ClientPatch(Schema):
    """Only the fields sent change; `null` clears a text or date field."""

    first_name: _text(80, 1) | None = None
    last_name: _text(80) | None = None
    email: _text(254) | None = None
    phone: PhoneText | None = None
    date_of_birth: date | None = None
    address_line1: _text(200) | None = None
    address_line2: _text(200) | None = None
    city: _text(100) | None = None
    postal_code: _text(20) | None = None
    country: _text(2) | None = None
    emergency_contact_name: _text(150) | None = None
    emergency_contact_phone: PhoneText | None = None
    goals: _text(4000) | None = None
    health_notes: _text(4000) | None = None
    injuries: _text(4000) | None = None
    source: Source | None = None
    email_consent: bool | None = None
    sms_consent: bool | None = None
    tags: list[TagName] | None = Field(None, max_length=50)
    status: ClientStatus | None = None
    lead_stage: LeadStage | None = None
    lost_reason: _text(200) = Field("", description="Required when lead_stage is lost.")


# Fields that are never blanked by null: a null there means "not valid", said by the service.
_NOT_NULLABLE = {"source", "email_consent", "sms_consent"}


def _plain(value):
    return value.value if hasattr(value, "value") else value


def _tag_id(tag: str | None) -> int | None:
    """A tag filter given as an id or a name; -1 (matches nothing) for an unknown name."""
    if not tag:
        return None
    if tag.isdigit():
        return int(tag)
    found = selectors.tag_list().filter(name__iexact=tag.strip()).values_list("id", flat=True)
    return next(iter(found), -1)


def _trainer_for(user, trainer_id: int | None, field: str = "trainer"):
    if trainer_id is None:
        return None
    try:
        return trainer_selectors.trainer_get(user=user, trainer_id=trainer_id)
    except NotFound as exc:
        message = "No such trainer."
        raise ApplicationError(
            message, code="invalid", errors=[{"field": field, "message": message}]
        ) from exc


# --- Clients: endpoints ---------------------------------------------------------------------


@router.get("/clients", response=ClientPage, summary="Clients the caller may see")
def client_list(request, filters: Query[ClientFilters]):
    """Search (name, email, phone; any case or accents), filter, sort and page the clients."""
    tag_id = _tag_id(filters.tag)
    clients = selectors.client_list(
        user=request.auth,
        q=filters.q.strip(),
        status=_plain(filters.status) or "",
        trainer_id=filters.trainer,
        tag_id=tag_id,
        source=_plain(filters.source) or "",
        sort=filters.sort,
    )
    if tag_id == -1:
        clients = clients.none()
    return _page(clients, filters, _list_item, count=counting.count)


@router.post("/clients", response={201: ClientDetail}, summary="Create a client or lead")
def client_create(request, payload: ClientIn):
    """An existing email answers 409; fields that are not valid answer 422 naming them."""
    user = request.auth
    fields = payload.model_dump(exclude={"status", "tags", "trainer"})
    fields = {name: _plain(value) for name, value in fields.items()}
    with transaction.atomic():
        trainer = _trainer_for(user, payload.trainer)
        client = services.client_create(
            actor=user,
            tags=payload.tags,
            status=_plain(payload.status),
            trainer=trainer,
            **fields,
        )
    return Status(201, _reload(user, client.pk))


@router.get("/clients/{client_id}", response=ClientDetail, summary="One client")
def client_detail(request, client_id: int):
    return _reload(request.auth, client_id)


@router.patch("/clients/{client_id}", response=ClientDetail, summary="Change some fields")
def client_patch(request, client_id: int, payload: ClientPatch):
    """Only the fields sent change. Status and lead stage changes are kept in the history."""
    user = request.auth
    client = selectors.client_get(user=user, client_id=client_id)
    sent = payload.model_dump(exclude_unset=True)
    tags = sent.pop("tags", None)  # null or absent: the tags stay as they are
    status = sent.pop("status", None)
    stage = sent.pop("lead_stage", None)
    lost_reason = sent.pop("lost_reason", "")
    fields = {}
    for name, value in sent.items():
        if value is None and name not in _NOT_NULLABLE and name != "date_of_birth":
            value = ""
        fields[name] = _plain(value)
    with transaction.atomic():
        if fields or tags is not None:
            client = services.client_update(actor=user, client=client, tags=tags, **fields)
        if status is not None:
            client = services.client_set_status(actor=user, client=client, status=_plain(status))
        if stage is not None:
            client = services.lead_set_stage(
                actor=user, client=client, stage=_plain(stage), lost_reason=lost_reason
            )
    return _reload(user, client.pk)


@router.delete(
    "/clients/{client_id}", response={204: None}, summary="Archive a client (it keeps its history)"
)
def client_archive(request, client_id: int):
    client = selectors.client_get(user=request.auth, client_id=client_id)
    services.client_archive(actor=request.auth, client=client)
    return Status(204, None)


# --- Timeline ---------------------------------------------------------------------------------


class AuthorOut(Schema):
    id: int
    full_name: str


class NoteOut(Schema):
    id: int
    kind: str
    body: str
    data: dict
    pinned: bool
    author: AuthorOut | None
    created_at: datetime


class NotePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[NoteOut]


class NoteIn(Schema):
    body: _text(10000, 1)
    kind: NoteKind = "note"
    pinned: bool = False


def _note_out(entry) -> dict:
    author = entry.author
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "body": entry.body,
        "data": entry.data,
        "pinned": entry.pinned,
        "author": {"id": author.pk, "full_name": author.full_name} if author else None,
        "created_at": entry.created_at,
    }


@router.get(
    "/clients/{client_id}/notes", response=NotePage, summary="A client's timeline (staff only)"
)
def note_list(request, client_id: int, page: Query[PageParams]):
    """Notes, logged calls and emails, and changes: pinned first, then newest first."""
    client = selectors.client_get(user=request.auth, client_id=client_id)
    return _page(selectors.client_timeline(user=request.auth, client=client), page, _note_out)


@router.post(
    "/clients/{client_id}/notes", response={201: NoteOut}, summary="Add a note, call or email"
)
def note_add(request, client_id: int, payload: NoteIn):
    client = selectors.client_get(user=request.auth, client_id=client_id)
    entry = services.note_add(
        actor=request.auth,
        client=client,
        body=payload.body,
        kind=payload.kind,
        pinned=payload.pinned,
    )
    return Status(201, _note_out(entry))


# --- Assignments ------------------------------------------------------------------------------


class AssignmentOut(Schema):
    """An assignment as a client sees their own: without the staff's notes."""

    id: int
    client: ClientRef
    trainer: TrainerRef
    is_primary: bool
    start_date: date
    end_date: date | None
    is_active: bool
    created_at: datetime


class AssignmentStaffOut(AssignmentOut):
    notes: str


AssignmentItem = AssignmentStaffOut | AssignmentOut


class AssignmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AssignmentItem]


class AssignmentFilters(PageParams):
    client: int | None = None
    trainer: int | None = None
    active: bool | None = Field(None, description="true: current only; false: ended only.")


class AssignmentIn(Schema):
    client: int
    trainer: int
    is_primary: bool = False
    start_date: date | None = Field(None, description="Defaults to today.")
    notes: _text(2000) = ""


class AssignmentEndIn(Schema):
    end_date: date | None = Field(None, description="Defaults to today.")


def _assignment_out(user):
    staff = is_staff_member(user)

    def build(assignment) -> dict:
        out = {
            "id": assignment.pk,
            "client": {"id": assignment.client_id, "full_name": assignment.client.full_name},
            "trainer": {"id": assignment.trainer_id, "name": assignment.trainer.name},
            "is_primary": assignment.is_primary,
            "start_date": assignment.start_date,
            "end_date": assignment.end_date,
            "is_active": assignment.is_active,
            "created_at": assignment.created_at,
        }
        if staff:
            out["notes"] = assignment.notes
        return out

    return build


@router.get("/assignments", response=AssignmentPage, summary="Trainer assignments")
def assignment_list(request, filters: Query[AssignmentFilters]):
    """Assignments of the clients the caller may see, current ones first."""
    assignments = selectors.assignment_list(
        user=request.auth,
        client_id=filters.client,
        trainer_id=filters.trainer,
        active=filters.active,
    )
    return _page(assignments, filters, _assignment_out(request.auth))


@router.post("/assignments", response={201: AssignmentItem}, summary="Assign a trainer")
def assignment_create(request, payload: AssignmentIn):
    """A new primary trainer replaces the previous primary; an active pair again answers 409."""
    user = request.auth
    client = selectors.client_get(user=user, client_id=payload.client)
    trainer = trainer_selectors.trainer_get(user=user, trainer_id=payload.trainer)
    assignment = services.assignment_create(
        actor=user,
        client=client,
        trainer=trainer,
        is_primary=payload.is_primary,
        start_date=payload.start_date,
        notes=payload.notes,
    )
    assignment = selectors.assignment_get(user=user, assignment_id=assignment.pk)
    return Status(201, _assignment_out(user)(assignment))


@router.post(
    "/assignments/{assignment_id}/end",
    response=AssignmentItem,
    summary="End an assignment (it stays in the history)",
)
def assignment_end(request, assignment_id: int, payload: AssignmentEndIn | None = None):
    user = request.auth
    assignment = selectors.assignment_get(user=user, assignment_id=assignment_id)
    services.assignment_end(
        actor=user, assignment=assignment, end_date=payload.end_date if payload else None
    )
    assignment = selectors.assignment_get(user=user, assignment_id=assignment_id)
    return _assignment_out(user)(assignment)
