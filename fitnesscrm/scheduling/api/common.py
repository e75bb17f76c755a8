"""Pieces every scheduling endpoint shares: pages, references, and a session or booking as JSON.

Times go out in UTC with their offset. Ids in a path that the caller may not see
answer 404; so do ids in a body, with the field named in `errors`.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from fitnesscrm.core.api_helpers import (
    utc,
)
from fitnesscrm.core.permissions import is_staff_member
from fitnesscrm.scheduling import selectors
from fitnesscrm.scheduling.models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingStatus,
    Session,
)

# --- References ------------------------------------------------------------------------------


class NamedRef(Schema):
    id: int
    name: str


class ClassTypeRef(NamedRef):
    colour: str


class BookedClientRef(Schema):
    id: int
    full_name: str


class SessionRef(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str


# --- Sessions ----------------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    uid: UUID = Field(description="Stable calendar UID.")
    kind: str = Field(description="personal or class.")
    title: str
    description: str
    class_type: ClassTypeRef | None
    trainer: NamedRef
    room: NamedRef | None
    location: NamedRef | None
    video_url: str = Field(
        description="The online session's link: staff, and clients booked into it, see it."
    )
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked_count: int
    waitlist_count: int
    seats_left: int
    status: str = Field(description="scheduled, completed or cancelled.")
    cancelled_at: datetime | None
    cancel_reason: str
    series_id: int | None
    sequence: int = Field(description="Raised on every change a calendar should pick up.")
    created_at: datetime
    updated_at: datetime


class SessionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[SessionOut]


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def sessions_out(user, sessions: Iterable[Session]) -> list[dict]:
    """Sessions as JSON; a video link only for staff and the clients booked in (one query)."""
    sessions = list(sessions)
    if is_staff_member(user) or not sessions:
        with_link = {s.pk for s in sessions}
    else:
        with_link = set(
            selectors.visible_bookings(user)
            .filter(session__in=[s.pk for s in sessions], status__in=[*LIVE_BOOKING_STATUSES])
            .values_list("session_id", flat=True)
        )
    return [_session_out(s, show_link=s.pk in with_link) for s in sessions]


def _session_out(session: Session, *, show_link: bool) -> dict:
    class_type = session.class_type
    return {
        "id": session.pk,
        "uid": session.uid,
        "kind": session.kind,
        "title": session.title,
        "description": session.description,
        "class_type": (
            {"id": class_type.pk, "name": class_type.name, "colour": class_type.colour}
            if class_type is not None
            else None
        ),
        "trainer": _ref(session.trainer),
        "room": _ref(session.room),
        "location": _ref(session.location),
        "video_url": session.video_url if show_link else "",
        "starts_at": utc(session.starts_at),
        "ends_at": utc(session.ends_at),
        "capacity": session.capacity,
        "booked_count": session.booked_count,
        "waitlist_count": session.waitlist_count,
        "seats_left": session.seats_left,
        "status": session.status,
        "cancelled_at": utc(session.cancelled_at),
        "cancel_reason": session.cancel_reason,
        "series_id": session.series_id,
        "sequence": session.sequence,
        "created_at": utc(session.created_at),
        "updated_at": utc(session.updated_at),
    }


def session_detail(user, session_id: int) -> dict:
    """The session as the caller sees it, read again (so times come back from the database)."""
    return sessions_out(user, [selectors.session_get(user=user, session_id=session_id)])[0]


# --- Bookings ----------------------------------------------------------------------------------


class BookingOut(Schema):
    id: int
    session: SessionRef
    client: BookedClientRef
    status: str = Field(
        description="booked, waitlisted, cancelled, late_cancelled, no_show or attended."
    )
    source: str
    waitlist_position: int | None = Field(
        description="1 for the next client to get a seat; null unless waitlisted."
    )
    waitlisted_at: datetime | None
    promoted_at: datetime | None
    cancelled_at: datetime | None
    checked_in_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BookingCreatedOut(BookingOut):
    warnings: list[str] = Field(
        description="What the person booking should know (an overlapping booking, …)."
    )


class BookingPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[BookingOut]


def booking_out(booking: Booking) -> dict:
    session = booking.session
    if booking.status != BookingStatus.WAITLISTED:
        position = None
    elif hasattr(booking, "ahead"):
        position = booking.ahead + 1
    else:
        position = selectors.waitlist_position(booking)
    return {
        "id": booking.pk,
        "session": {
            "id": session.pk,
            "kind": session.kind,
            "title": session.title,
            "starts_at": utc(session.starts_at),
            "ends_at": utc(session.ends_at),
            "status": session.status,
        },
        "client": {"id": booking.client_id, "full_name": booking.client.full_name},
        "status": booking.status,
        "source": booking.source,
        "waitlist_position": position,
        "waitlisted_at": utc(booking.waitlisted_at),
        "promoted_at": utc(booking.promoted_at),
        "cancelled_at": utc(booking.cancelled_at),
        "checked_in_at": utc(booking.checked_in_at),
        "created_at": utc(booking.created_at),
        "updated_at": utc(booking.updated_at),
    }


def booking_detail(user, booking_id: int) -> dict:
    return booking_out(selectors.booking_get(user=user, booking_id=booking_id))
