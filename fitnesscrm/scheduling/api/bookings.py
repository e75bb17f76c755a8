"""/api/v1/bookings: book (with an Idempotency-Key), list, read, cancel and check in."""

from typing import Literal

from django.db.models import QuerySet
from ninja import Field, Header, Query, Router, Schema

from fitnesscrm.clients.selectors import client_get, client_of_user
from fitnesscrm.core.api_helpers import PageParams, fields_renamed, invalid, missing, page
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.core.ratelimit import limit_booking_api
from fitnesscrm.scheduling import selectors, services
from fitnesscrm.scheduling.api.common import (
    BookingCreatedOut,
    BookingOut,
    BookingPage,
    booking_detail,
    booking_out,
)
from fitnesscrm.scheduling.models import BookingSource, BookingStatus

router = Router(tags=["bookings"])


class BookingIn(Schema):
    session_id: int
    client_id: int | None = Field(
        None, description="Required for staff; a client books themselves and may leave it out."
    )
    waitlist: bool = Field(True, description="Join the waitlist when the session is full.")


def _session(user, session_id: int):
    try:
        return selectors.session_get(user=user, session_id=session_id)
    except NotFound as exc:
        raise missing("session_id", "No such session.") from exc


def _client(user, client_id: int | None):
    """The client to book: a client's own record when left out; staff must name one."""
    own = client_of_user(user)
    if client_id is None:
        if own is None:
            raise invalid("client_id", "Choose the client to book.")
        return own
    try:
        return client_get(user=user, client_id=client_id)
    except NotFound as exc:
        if own is not None:
            message = "You can only book sessions for yourself."
            raise Forbidden(
                message, code="not_yourself", errors=[{"field": "client_id", "message": message}]
            ) from exc
        raise missing("client_id", "No such client.") from exc


@router.post(
    "/bookings",
    response={201: BookingCreatedOut},
    summary="Book a client into a session (or onto its waitlist)",
)
@limit_booking_api
def booking_create(
    request,
    payload: BookingIn,
    idempotency_key: str | None = Header(
        None,
        alias=HEADER,
        description=(
            "Up to 255 characters. The same key and body within 24 hours answer the first "
            "status and body again and never book twice; the same key with another body "
            "answers 422 idempotency_key_reused."
        ),
    ),
):
    """201 with the booking: `booked`, or `waitlisted` with its place when the session is full.

    A full session with `waitlist: false` answers 409 session_full; a client already
    booked answers 409 already_booked. An overlapping booking of the same client
    elsewhere does not stop it; it comes back in `warnings`.
    """
    user = request.auth

    def run() -> tuple[int, dict]:
        session = _session(user, payload.session_id)
        client = _client(user, payload.client_id)
        with fields_renamed({"client": "client_id", "session": "session_id"}):
            result = services.booking_create(
                actor=user,
                session=session,
                client=client,
                source=BookingSource.API,
                waitlist=payload.waitlist,
            )
        body = booking_detail(user, result.booking.pk)
        body["warnings"] = result.warnings
        return 201, BookingCreatedOut(**body).model_dump()

    return idempotent(
        request,
        scope="bookings.create",
        key=idempotency_key,
        payload=payload.model_dump(),
        run=run,
    )


class BookingFilters(PageParams):
    client: int | None = None
    session: int | None = None
    status: Literal[tuple(BookingStatus.values)] | None = None  # type: ignore[valid-type]


def _booking_list(user, filters: BookingFilters) -> QuerySet:
    bookings = selectors.visible_bookings(user)
    if filters.client is not None:
        bookings = bookings.filter(client_id=filters.client)
    if filters.session is not None:
        bookings = bookings.filter(session_id=filters.session)
    if filters.status:
        bookings = bookings.filter(status=filters.status)
    return selectors.with_waitlist_position(
        bookings.select_related("session", "client").order_by("-session__starts_at", "-id")
    )


@router.get("/bookings", response=BookingPage, summary="Bookings the caller may see")
def booking_list(request, filters: Query[BookingFilters]):
    """Latest session first. A client sees their own; a trainer those of their sessions
    and of their clients; the desk and managers every booking."""
    return page(
        _booking_list(request.auth, filters),
        filters,
        lambda rows: [booking_out(b) for b in rows],
    )


@router.get("/bookings/{booking_id}", response=BookingOut, summary="One booking")
def booking_get(request, booking_id: int):
    return booking_detail(request.auth, booking_id)


class BookingCancelIn(Schema):
    waive_late: bool = Field(
        False, description="Staff only: record a cancel inside the late window as on time."
    )


@router.post("/bookings/{booking_id}/cancel", response=BookingOut, summary="Cancel a booking")
def booking_cancel(request, booking_id: int, payload: BookingCancelIn | None = None):
    """Inside the late-cancel window it is recorded as late_cancelled; a freed seat goes to
    the first client on the waitlist."""
    user = request.auth
    booking = selectors.booking_get(user=user, booking_id=booking_id)
    waive_late = payload.waive_late if payload else False
    services.booking_cancel(actor=user, booking=booking, waive_late=waive_late)
    return booking_detail(user, booking_id)


class CheckInIn(Schema):
    status: Literal["attended", "no_show", "booked"] = Field(
        "attended", description="attended (check in), no_show, or booked (undo either)."
    )


@router.post(
    "/bookings/{booking_id}/check-in", response=BookingOut, summary="Check in, or mark a no-show"
)
def booking_check_in(request, booking_id: int, payload: CheckInIn | None = None):
    """Check-in opens an hour before the start; a no-show is recorded once it has started."""
    user = request.auth
    booking = selectors.booking_get(user=user, booking_id=booking_id)
    status = payload.status if payload else "attended"
    services.booking_set_attendance(actor=user, booking=booking, status=status)
    return booking_detail(user, booking_id)
