"""/api/v1/sessions: the timetable by date range, one-off and weekly sessions, edits, cancels.

A time sent with an offset is that instant; a time without one is a wall-clock time
in the business's time zone, refused when the clocks skip it or pass it twice.

`POST /sessions` answers 201 with the session; with `repeat` it creates a weekly
series and answers 201 with `{"series", "count", "sessions"}` (every session, in
order). `PATCH` and `cancel` answer with the session addressed; with `scope`
`following` or `all` they reach the later sessions of its series as well, never
past ones.
"""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from django.db import transaction
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from fitnesscrm.core.api_helpers import PageParams, fields_renamed, invalid, missing, page, text
from fitnesscrm.core.errors import NotFound
from fitnesscrm.scheduling import recurrence, selectors, services
from fitnesscrm.scheduling.api.common import (
    BookingPage,
    SessionOut,
    SessionPage,
    booking_out,
    session_detail,
    sessions_out,
)
from fitnesscrm.scheduling.models import MAX_CAPACITY, ClassType, Location, Room, Series
from fitnesscrm.trainers import selectors as trainer_selectors

router = Router(tags=["sessions"])

Kind = Literal["personal", "class"]
Scope = Literal["this", "following", "all"]
# An http(s) link, or empty.
VideoUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^(https?://\S+)?$")
]
SCOPE_HELP = "this session, this and the following, or all future sessions of its series."


# --- Looking things up -----------------------------------------------------------------------


def _trainer(user, trainer_id: int | None):
    if trainer_id is None:
        own = trainer_selectors.trainer_of_user(user)
        if own is None:
            raise invalid("trainer", "Choose the trainer.")
        return own
    try:
        return trainer_selectors.trainer_get(user=user, trainer_id=trainer_id)
    except NotFound as exc:
        raise missing("trainer", "No such trainer.") from exc


def _room(room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = Room.objects.select_related("location").filter(pk=room_id).first()
    if room is None:
        raise missing("room", "No such room.")
    return room


def _location(location_id: int | None) -> Location | None:
    if location_id is None:
        return None
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise missing("location", "No such location.")
    return location


def _class_type(class_type_id: int | None) -> ClassType | None:
    if class_type_id is None:
        return None
    class_type = ClassType.objects.filter(pk=class_type_id).first()
    if class_type is None:
        raise missing("class_type", "No such class type.")
    return class_type


def _instant(moment: datetime, field: str) -> datetime:
    """An aware instant; a naive time is local, and refused in a DST gap or overlap."""
    if timezone.is_aware(moment):
        return moment
    with fields_renamed({"starts_at": field}):
        return recurrence.local_to_utc(moment, services.business_zone())


def _wall_clock(moment: datetime) -> datetime:
    """The naive local wall-clock time of `moment` in the business's time zone."""
    if timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment, services.business_zone()).replace(tzinfo=None)


# --- List ---------------------------------------------------------------------------------------


class SessionFilters(PageParams):
    start: datetime = Field(description="Sessions that end after this time.")
    end: datetime = Field(
        description=f"…and start before this one; at most {selectors.MAX_RANGE_DAYS} days later."
    )
    trainer: int | None = Field(None, description="A trainer id.")
    client: int | None = Field(None, description="Sessions this client holds a booking in.")
    room: int | None = None
    location: int | None = None
    kind: Kind | None = None
    include_cancelled: bool = True


def _aware(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, services.business_zone())
    return moment


@router.get("/sessions", response=SessionPage, summary="Sessions in a date range")
def session_list(request, filters: Query[SessionFilters]):
    """Sessions that overlap [start, end), in start order, as far as the caller may see them.

    Staff see the whole timetable; a client sees the classes and their own sessions.
    """
    start, end = _aware(filters.start), _aware(filters.end)
    if end <= start:
        raise invalid("end", "The end of the range must be after its start.", location="query")
    if end - start > timedelta(days=selectors.MAX_RANGE_DAYS):
        raise invalid(
            "end",
            f"A range covers at most {selectors.MAX_RANGE_DAYS} days: ask for a shorter one.",
            location="query",
        )
    sessions = selectors.session_list(
        user=request.auth,
        start=start,
        end=end,
        trainer_id=filters.trainer,
        room_id=filters.room,
        location_id=filters.location,
        client_id=filters.client,
        kind=filters.kind,
        include_cancelled=filters.include_cancelled,
    )
    return page(sessions, filters, lambda rows: sessions_out(request.auth, rows))


# --- Create -------------------------------------------------------------------------------------


class RepeatIn(Schema):
    weekdays: list[int] = Field(min_length=1, max_length=7, description="0 = Monday … 6 = Sunday.")
    until: date | None = Field(None, description="The last local day (inclusive).")
    count: int | None = Field(None, description="How many sessions (instead of `until`).")


class SessionIn(Schema):
    kind: Kind = "personal"
    trainer: int | None = Field(None, description="Defaults to the caller's trainer profile.")
    class_type: int | None = Field(None, description="Required for a class.")
    title: text(120) = Field("", description="Defaults to the class type's name.")
    description: text(2000) = ""
    room: int | None = None
    location: int | None = Field(None, description="Taken from the room when there is one.")
    capacity: int | None = Field(
        None, ge=1, le=MAX_CAPACITY, description="Defaults to the class type's (else 1)."
    )
    video_url: VideoUrl = ""
    starts_at: datetime = Field(
        description="With an offset, or a local wall-clock time in the business's time zone."
    )
    ends_at: datetime | None = Field(
        None, description="Defaults to the class type's duration, else one hour."
    )
    repeat: RepeatIn | None = Field(
        None,
        description=(
            "A weekly series from the local date and time of `starts_at`: on `weekdays`, "
            "until a local date or for `count` sessions (at most 1000)."
        ),
    )


class SeriesOut(Schema):
    id: int
    kind: str
    title: str
    rrule: str = Field(description="RFC 5545 RRULE, expanded in `time_zone`.")
    first_day: date
    start_time: time = Field(description="Local wall-clock time of every session.")
    time_zone: str
    duration_minutes: int


class SeriesCreatedOut(Schema):
    series: SeriesOut
    count: int
    sessions: list[SessionOut]


def _series_out(series: Series) -> dict:
    return {
        "id": series.pk,
        "kind": series.kind,
        "title": series.title,
        "rrule": series.rrule,
        "first_day": series.first_day,
        "start_time": series.start_time,
        "time_zone": series.time_zone,
        "duration_minutes": series.duration_minutes,
    }


def _minutes(starts_at: datetime, ends_at: datetime) -> int:
    if timezone.is_naive(starts_at) != timezone.is_naive(ends_at):
        starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if minutes <= 0:
        raise invalid("ends_at", "The end must be after the start.")
    return minutes


def _create_series(user, payload: SessionIn, common: dict) -> dict:
    repeat = payload.repeat
    local = _wall_clock(payload.starts_at)
    if payload.ends_at is not None:
        duration = _minutes(payload.starts_at, payload.ends_at)
    else:
        class_type = common["class_type"]
        duration = class_type.duration_minutes if class_type else 60
    plan = services.SeriesPlan(
        first_day=local.date(),
        start_time=local.time(),
        duration_minutes=duration,
        weekdays=tuple(repeat.weekdays),
        until=repeat.until,
        count=repeat.count,
    )
    renamed = {
        "weekdays": "repeat.weekdays",
        "until": "repeat.until",
        "count": "repeat.count",
        "first_day": "starts_at",
        "duration_minutes": "ends_at",
    }
    with fields_renamed(renamed):
        series = services.series_create(actor=user, plan=plan, **common)
    sessions = (
        selectors.visible_sessions(user)
        .filter(series=series)
        .select_related("trainer__user", "room__location", "location", "class_type")
        .order_by("starts_at", "id")
    )
    items = sessions_out(user, sessions)
    return {"series": _series_out(series), "count": len(items), "sessions": items}


@router.post(
    "/sessions",
    response={201: SessionOut | SeriesCreatedOut},
    summary="Schedule a session, or a weekly series of them",
)
def session_create(request, payload: SessionIn):
    """A clash with the trainer's or the room's other sessions answers 409 listing each one.

    With `repeat`, the whole series is created or nothing is; the answer is
    `{"series", "count", "sessions"}` instead of one session.
    """
    user = request.auth
    with transaction.atomic():
        common = {
            "trainer": _trainer(user, payload.trainer),
            "kind": payload.kind,
            "title": payload.title,
            "class_type": _class_type(payload.class_type),
            "room": _room(payload.room),
            "location": _location(payload.location),
            "capacity": payload.capacity,
            "video_url": payload.video_url,
            "description": payload.description,
        }
        if payload.repeat is not None:
            return Status(201, _create_series(user, payload, common))
        session = services.session_create(
            actor=user,
            starts_at=_instant(payload.starts_at, "starts_at"),
            ends_at=_instant(payload.ends_at, "ends_at") if payload.ends_at else None,
            **common,
        )
    return Status(201, session_detail(user, session.pk))


# --- One session --------------------------------------------------------------------------------


@router.get("/sessions/{session_id}", response=SessionOut, summary="One session")
def session_get(request, session_id: int):
    return session_detail(request.auth, session_id)


class SessionPatch(Schema):
    """Only the fields sent change; `null` clears the room, location, class type or link."""

    title: text(120) | None = None
    description: text(2000) | None = None
    trainer: int | None = None
    class_type: int | None = None
    room: int | None = None
    location: int | None = None
    capacity: int | None = Field(None, ge=1, le=MAX_CAPACITY)
    video_url: VideoUrl | None = None
    starts_at: datetime | None = Field(
        None, description="A move keeps the length unless `ends_at` is sent too."
    )
    ends_at: datetime | None = None
    start_time: time | None = Field(
        None, description="A new local start time, each session keeping its own day."
    )
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)
    scope: Scope = Field("this", description=f"For a session of a series: {SCOPE_HELP}")


_REQUIRED = {
    "trainer": "Choose the trainer.",
    "capacity": "Give the capacity.",
    "starts_at": "Give the start.",
    "ends_at": "Give the end.",
}
_LOOKUPS = {"room": _room, "location": _location, "class_type": _class_type}


def _changes(user, sent: dict) -> dict:
    changes = {}
    for name, value in sent.items():
        if value is None and name in _REQUIRED:
            raise invalid(name, _REQUIRED[name])
        if name == "trainer":
            changes[name] = _trainer(user, value)
        elif name in _LOOKUPS:
            changes[name] = _LOOKUPS[name](value)
        elif name in ("title", "description", "video_url"):
            changes[name] = value or ""
        else:
            changes[name] = value
    return changes


def _update_one(user, session, changes: dict, start_time, duration_minutes) -> None:
    zone = services.business_zone()
    if start_time is not None and "starts_at" not in changes:
        day = timezone.localtime(session.starts_at, zone).date()
        with fields_renamed({"starts_at": "start_time"}):
            changes["starts_at"] = recurrence.local_to_utc(datetime.combine(day, start_time), zone)
    if duration_minutes is not None and "ends_at" not in changes:
        start = changes.get("starts_at", session.starts_at)
        changes["ends_at"] = start + timedelta(minutes=duration_minutes)
    services.session_update(actor=user, session=session, **changes)


def _update_series(user, session, scope: str, changes: dict, start_time, duration_minutes):
    zone = services.business_zone()
    starts_at = changes.pop("starts_at", None)
    ends_at = changes.pop("ends_at", None)
    if starts_at is not None:
        local = timezone.localtime(starts_at, zone)
        if local.date() != timezone.localtime(session.starts_at, zone).date():
            raise invalid(
                "starts_at",
                "A series edit keeps each session on its own day: change the time only, "
                "or edit this session alone.",
            )
        start_time = start_time or local.time().replace(tzinfo=None)
    if ends_at is not None and duration_minutes is None:
        duration_minutes = _minutes(starts_at or session.starts_at, ends_at)
    services.series_update(
        actor=user,
        session=session,
        scope=scope,
        start_time=start_time,
        duration_minutes=duration_minutes,
        **changes,
    )


@router.patch("/sessions/{session_id}", response=SessionOut, summary="Reschedule or edit")
def session_patch(request, session_id: int, payload: SessionPatch):
    """The same rules as scheduling it: a clash answers 409 with what it collides with.

    With `scope` following or all, `start_time` and `duration_minutes` (or a
    `starts_at` on the same day) are applied to each later session on its own date.
    """
    user = request.auth
    session = selectors.session_get(user=user, session_id=session_id)
    sent = payload.model_dump(exclude_unset=True)
    scope = sent.pop("scope", "this")
    start_time = sent.pop("start_time", None)
    duration_minutes = sent.pop("duration_minutes", None)
    with transaction.atomic():
        changes = _changes(user, sent)
        for name in ("starts_at", "ends_at"):
            if name in changes:
                changes[name] = _instant(changes[name], name)
        if scope == "this" or session.series_id is None:
            _update_one(user, session, changes, start_time, duration_minutes)
        else:
            _update_series(user, session, scope, changes, start_time, duration_minutes)
    return session_detail(user, session.pk)


class SessionCancelIn(Schema):
    reason: text(200) = Field("", description="Shown to the booked clients.")
    scope: Scope = Field("this", description=f"For a session of a series: {SCOPE_HELP}")


@router.post("/sessions/{session_id}/cancel", response=SessionOut, summary="Cancel a session")
def session_cancel(request, session_id: int, payload: SessionCancelIn | None = None):
    """Every booking is cancelled (never as late) and the booked clients are told."""
    user = request.auth
    payload = payload or SessionCancelIn()
    session = selectors.session_get(user=user, session_id=session_id)
    if payload.scope == "this" or session.series_id is None:
        services.session_cancel(actor=user, session=session, reason=payload.reason)
    else:
        services.series_cancel(
            actor=user, session=session, scope=payload.scope, reason=payload.reason
        )
    return session_detail(user, session.pk)


# --- Who is booked ------------------------------------------------------------------------------


@router.get(
    "/sessions/{session_id}/bookings",
    response=BookingPage,
    summary="The attendees and the waitlist of a session",
)
def session_booking_list(request, session_id: int, params: Query[PageParams]):
    """Seats first, then the waitlist in its order, then cancellations.

    Staff who may see the session's bookings see them all; a client sees only their own.
    """
    user = request.auth
    session = selectors.session_get(user=user, session_id=session_id)
    bookings = selectors.with_waitlist_position(
        selectors.session_bookings(user=user, session=session)
    )

    def build(rows):
        for booking in rows:
            booking.session = session
        return [booking_out(booking) for booking in rows]

    return page(bookings, params, build)
