"""iCalendar (RFC 5545) for calendar apps: a trainer's or a client's feed, and booking invitations.

One session is one VEVENT everywhere it appears, under the same UID: the trainer's
feed, the client's feed and the `.ics` attached to a booking email. Calendar apps
match updates by UID and keep the one with the highest SEQUENCE, so SEQUENCE must
only grow. For a trainer it is the session's revision; for a client it also counts
every change of their own bookings of that session (see `client_sequence`).

Times are written in UTC (no VTIMEZONE needed); calendar apps show them in the
reader's zone. In a published feed (no METHOD), DTSTAMP is the time the event last
changed, as RFC 5545 allows, so the feed's bytes, and its ETag, stay the same until
something in it changes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vDuration

from fitnesscrm.scheduling.models import (
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    Kind,
    Session,
)

# The right-hand side of every UID: fixed, so a UID never depends on the address the
# site is reached by (a new domain must not duplicate every event in every calendar).
UID_DOMAIN = "fitnesscrm"
PRODID = "-//FitnessCRM//Scheduling//EN"
# What a feed covers: recent history and the year ahead.
FEED_PAST = timedelta(days=60)
FEED_AHEAD = timedelta(days=365)
# How often calendar apps are asked to fetch the feed again (a hint; Google decides itself).
REFRESH_INTERVAL = timedelta(hours=1)

CANCELLED_BOOKINGS = (BookingStatus.CANCELLED, BookingStatus.LATE_CANCELLED)
# iTIP methods of an invitation: a booking added or changed, and a booking withdrawn.
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def event_uid(session: Session) -> str:
    return f"{session.uid}@{UID_DOMAIN}"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def feed_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - FEED_PAST, now + FEED_AHEAD


def location_text(session: Session) -> str:
    """Where the session is, as one line: room, location and address, or the video link."""
    place = session.room.location if session.room_id else session.location
    parts = []
    if session.room_id:
        parts.append(session.room.name)
    if place is not None:
        parts.extend(part for part in (place.name, place.address) if part)
    if parts:
        return ", ".join(parts)
    return session.video_url


def _calendar(name: str, *, method: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    else:
        # Hints for subscribed calendars (RFC 7986, and the older Apple and Microsoft names).
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add(
            "refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"}
        )
        calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    return calendar


@dataclass
class _Entry:
    session: Session
    sequence: int
    status: str  # CONFIRMED, TENTATIVE or CANCELLED
    summary: str
    description: list[str]
    last_modified: datetime


def _event(entry: _Entry, *, stamp: datetime | None = None) -> Event:
    session = entry.session
    event = Event()
    event.add("uid", event_uid(session))
    event.add("dtstamp", _utc(stamp or entry.last_modified))
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    event.add("sequence", entry.sequence)
    event.add("status", entry.status)
    # A cancelled event stays visible in some apps; it should not block the time.
    event.add("transp", "TRANSPARENT" if entry.status == "CANCELLED" else "OPAQUE")
    event.add("summary", entry.summary)
    location = location_text(session)
    if location:
        event.add("location", location)
    if session.video_url:
        event.add("url", session.video_url)
    description = [line for line in entry.description if line]
    if session.video_url:
        description.append(f"Join online: {session.video_url}")
    if description:
        event.add("description", "\n".join(description))
    event.add("created", _utc(session.created_at))
    event.add("last-modified", _utc(entry.last_modified))
    return event


def _cancel_note(session: Session) -> str:
    if not session.is_cancelled:
        return ""
    reason = f" ({session.cancel_reason})" if session.cancel_reason else ""
    return f"This session is cancelled{reason}."


# --- A trainer's feed -------------------------------------------------------------------


def trainer_sessions(trainer, *, now: datetime | None = None) -> list[Session]:
    """The trainer's sessions in the feed window, with the clients of their personal sessions.

    Two queries, whatever the number of sessions.
    """
    start, end = feed_window(now)
    personal_seats = (
        Booking.objects.filter(status__in=SEAT_STATUSES, session__kind=Kind.PERSONAL)
        .select_related("client")
        .only("session_id", "status", "client__first_name", "client__last_name")
        .order_by("created_at", "id")
    )
    return list(
        Session.objects.filter(trainer=trainer, starts_at__gte=start, starts_at__lte=end)
        .select_related("room__location", "location", "class_type")
        .prefetch_related(Prefetch("bookings", queryset=personal_seats, to_attr="feed_seats"))
        .order_by("starts_at", "id")
    )


def _trainer_entry(session: Session) -> _Entry:
    if session.kind == Kind.PERSONAL:
        names = ", ".join(b.client.full_name for b in session.feed_seats)
        summary = f"{session.title} with {names}" if names else session.title
        seats = ""
    else:
        summary = session.title
        seats = f"{session.booked_count} of {session.capacity} places booked"
        if session.waitlist_count:
            seats += f", {session.waitlist_count} on the waitlist"
        seats += "."
    return _Entry(
        session=session,
        sequence=session.sequence,
        status="CANCELLED" if session.is_cancelled else "CONFIRMED",
        summary=summary,
        description=[_cancel_note(session), seats, session.description],
        last_modified=session.updated_at,
    )


def trainer_calendar(trainer, sessions: Iterable[Session]) -> Calendar:
    calendar = _calendar(f"{settings.SITE_NAME} · {trainer.name}")
    for session in sessions:
        calendar.add_component(_event(_trainer_entry(session)))
    return calendar


# --- A client's feed --------------------------------------------------------------------


def client_sequence(session: Session, bookings: list[Booking]) -> int:
    """SEQUENCE of a session in a client's calendar, given all their bookings of it.

    The session's revision plus each booking's, plus one for every booking after
    the first: cancelling and booking again makes a new booking row (revision 0),
    and the number must still go up.
    """
    return session.sequence + sum(b.sequence for b in bookings) + max(len(bookings) - 1, 0)


def _representative(bookings: list[Booking]) -> Booking:
    """The booking the client's calendar shows: the live one, else the latest cancelled."""
    live = [b for b in bookings if b.status not in CANCELLED_BOOKINGS]
    return live[-1] if live else max(bookings, key=lambda b: (b.created_at, b.pk))


def _client_entry(session: Session, bookings: list[Booking]) -> _Entry:
    booking = _representative(bookings)
    note = _cancel_note(session)
    status = "CONFIRMED"
    summary = session.title
    if session.is_cancelled:
        status = "CANCELLED"
    elif booking.status in CANCELLED_BOOKINGS:
        status = "CANCELLED"
        note = "Your booking is cancelled."
    elif booking.status == BookingStatus.WAITLISTED:
        status = "TENTATIVE"
        summary = f"Waitlist: {session.title}"
        note = "You are on the waitlist: you will hear from us if a place frees up."
    return _Entry(
        session=session,
        sequence=client_sequence(session, bookings),
        status=status,
        summary=summary,
        description=[note, f"With {session.trainer.name}.", session.description],
        last_modified=max([session.updated_at, *(b.updated_at for b in bookings)]),
    )


def client_bookings_by_session(client, *, now: datetime | None = None) -> list[list[Booking]]:
    """The client's bookings of sessions in the feed window, grouped by session (one query)."""
    start, end = feed_window(now)
    rows = (
        Booking.objects.filter(
            client=client, session__starts_at__gte=start, session__starts_at__lte=end
        )
        .select_related("session__trainer__user", "session__room__location", "session__location")
        .order_by("session__starts_at", "session_id", "created_at", "id")
    )
    groups: dict[int, list[Booking]] = {}
    for booking in rows:
        groups.setdefault(booking.session_id, []).append(booking)
    return list(groups.values())


def client_calendar(client, groups: Iterable[list[Booking]]) -> Calendar:
    calendar = _calendar(f"{settings.SITE_NAME} · {client.full_name}")
    for bookings in groups:
        calendar.add_component(_event(_client_entry(bookings[0].session, bookings)))
    return calendar


def last_modified(calendar: Calendar) -> datetime | None:
    stamps = [event.decoded("last-modified") for event in calendar.walk("VEVENT")]
    return max(stamps, default=None)


# --- Invitations attached to booking emails ----------------------------------------------


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'no-reply@localhost'}")
    organizer.params["cn"] = name or settings.SITE_NAME
    return organizer


def booking_invitation(booking: Booking, *, method: str, now: datetime | None = None) -> bytes:
    """A one-event calendar for an email: REQUEST adds or updates, CANCEL withdraws it.

    Same UID and SEQUENCE as the client's feed, so the app that has the event from
    the feed, or from an earlier email, updates it instead of adding a second one.
    """
    if method not in (REQUEST, CANCEL):  # a programming error: checked even under python -O
        raise ValueError(f"Unknown calendar method: {method!r}")
    session = booking.session
    bookings = list(
        Booking.objects.filter(session_id=session.pk, client_id=booking.client_id).order_by(
            "created_at", "id"
        )
    )
    entry = _client_entry(session, bookings or [booking])
    if method == CANCEL:
        entry.status = "CANCELLED"
    calendar = _calendar("", method=method)
    event = _event(entry, stamp=now or timezone.now())
    event.add("organizer", _organizer())
    attendee = vCalAddress(f"mailto:{booking.client.email}")
    attendee.params["cn"] = booking.client.full_name
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "DECLINED" if method == CANCEL else "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
