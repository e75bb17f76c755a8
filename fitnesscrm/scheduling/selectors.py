"""Reads of the schedule, already scoped to what the acting user may see.

- Owners, managers and the front desk see every session and every booking.
- A trainer sees the whole timetable (to know which rooms and colleagues are free),
  the bookings of their own sessions and the bookings of the clients assigned to them.
- A client sees the class timetable and the sessions they are booked into, and
  only their own bookings; never who else is in a class.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from fitnesscrm.clients.models import Assignment, Client
from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.errors import NotFound
from fitnesscrm.core.permissions import CLIENT_DESK_ROLES, role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling.models import (
    LIVE_BOOKING_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingStatus,
    ClassType,
    Kind,
    Location,
    Room,
    Session,
    SessionStatus,
)

# The longest range one calendar or API request may ask for (a month view shows six weeks).
MAX_RANGE_DAYS = 62


def _own_client_id(user) -> int | None:
    if not hasattr(user, "_own_client_id"):
        own = client_of_user(user)
        user._own_client_id = own.pk if own else None
    return user._own_client_id


def visible_sessions(user) -> QuerySet[Session]:
    role = role_of(user)
    sessions = Session.objects.all()
    if role in CLIENT_DESK_ROLES or role == Role.TRAINER:
        return sessions
    if role == Role.CLIENT:
        client_id = _own_client_id(user)
        booked = Booking.objects.filter(
            session=OuterRef("pk"), client_id=client_id, status__in=[*LIVE_BOOKING_STATUSES]
        )
        if client_id is None:
            return sessions.filter(kind=Kind.CLASS)
        return sessions.filter(Q(kind=Kind.CLASS) | Q(Exists(booked)))
    return sessions.none()


def can_manage_session(user, session: Session) -> bool:
    """Create, edit, cancel, book into and check in: the desk and managers any, a trainer theirs."""
    role = role_of(user)
    if role in CLIENT_DESK_ROLES:
        return True
    return role == Role.TRAINER and session.trainer.user_id == user.pk


def can_schedule_for(user, trainer) -> bool:
    """Whether `user` may put sessions in `trainer`'s calendar."""
    role = role_of(user)
    return role in CLIENT_DESK_ROLES or (role == Role.TRAINER and trainer.user_id == user.pk)


def session_get(*, user, session_id) -> Session:
    try:
        return (
            visible_sessions(user)
            .select_related("trainer__user", "room__location", "location", "class_type", "series")
            .get(pk=session_id)
        )
    except (Session.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such session.") from exc


def session_list(
    *,
    user,
    start: datetime,
    end: datetime,
    trainer_id: int | None = None,
    room_id: int | None = None,
    location_id: int | None = None,
    client_id: int | None = None,
    kind: str | None = None,
    include_cancelled: bool = True,
) -> QuerySet[Session]:
    """Sessions that overlap [start, end), in start order.

    The range is bounded by the caller (MAX_RANGE_DAYS); `client_id` keeps the
    sessions that client holds a live booking in, among those the caller may see.
    """
    sessions = visible_sessions(user).overlapping(start, end)
    if trainer_id is not None:
        sessions = sessions.filter(trainer_id=trainer_id)
    if room_id is not None:
        sessions = sessions.filter(room_id=room_id)
    if location_id is not None:
        sessions = sessions.filter(location_id=location_id)
    if kind:
        sessions = sessions.filter(kind=kind)
    if client_id is not None:
        bookings = visible_bookings(user).filter(
            session=OuterRef("pk"), client_id=client_id, status__in=[*LIVE_BOOKING_STATUSES]
        )
        sessions = sessions.filter(Exists(bookings))
    if not include_cancelled:
        sessions = sessions.exclude(status=SessionStatus.CANCELLED)
    return sessions.select_related(
        "trainer__user", "room__location", "location", "class_type"
    ).order_by("starts_at", "id")


def visible_bookings(user) -> QuerySet[Booking]:
    role = role_of(user)
    bookings = Booking.objects.all()
    if role in CLIENT_DESK_ROLES:
        return bookings
    if role == Role.TRAINER:
        assigned = Assignment.objects.filter(
            client=OuterRef("client_id"), trainer__user=user, end_date__isnull=True
        )
        return bookings.filter(Q(session__trainer__user=user) | Q(Exists(assigned)))
    if role == Role.CLIENT:
        client_id = _own_client_id(user)
        return bookings.filter(client_id=client_id) if client_id else bookings.none()
    return bookings.none()


def booking_get(*, user, booking_id) -> Booking:
    try:
        return (
            visible_bookings(user)
            .select_related("session__trainer__user", "session__room__location", "client")
            .get(pk=booking_id)
        )
    except (Booking.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such booking.") from exc


def session_bookings(*, user, session: Session) -> QuerySet[Booking]:
    """The attendees and the waitlist of a session, as far as `user` may see them.

    Seats first (in booking order), then the waitlist in its order, then cancellations.
    """
    order = {
        BookingStatus.ATTENDED: 0,
        BookingStatus.BOOKED: 0,
        BookingStatus.NO_SHOW: 0,
        BookingStatus.WAITLISTED: 1,
    }
    from django.db.models import Case, IntegerField, Value, When

    rank = Case(
        *[When(status=s, then=Value(v)) for s, v in order.items()],
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        visible_bookings(user)
        .filter(session=session)
        .select_related("client")
        .annotate(rank=rank)
        .order_by("rank", "waitlisted_at", "created_at", "id")
    )


def waitlist_position(booking: Booking) -> int | None:
    """1 for the next client to get a seat; None when the booking is not waitlisted."""
    if booking.status != BookingStatus.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        session_id=booking.session_id, status=BookingStatus.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=booking.waitlisted_at)
        | Q(waitlisted_at=booking.waitlisted_at, id__lt=booking.pk)
    )
    return ahead.count() + 1


def with_waitlist_position(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate `ahead`: the waitlisted bookings of the same session before each one.

    A subquery rather than a count per row, so a list costs one query however long
    the waitlist; it counts the whole waitlist, not only the part the caller sees.
    The position of a waitlisted booking is `ahead + 1`.
    """
    from django.db.models import Count, IntegerField, Subquery, Value
    from django.db.models.functions import Coalesce

    ahead = (
        Booking.objects.filter(session=OuterRef("session_id"), status=BookingStatus.WAITLISTED)
        .filter(
            Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
            | Q(waitlisted_at=OuterRef("waitlisted_at"), id__lt=OuterRef("id"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("id"))
        .values("n")
    )
    return bookings.annotate(ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)))


def client_bookings(*, user, client: Client) -> QuerySet[Booking]:
    """Every booking of `client` that `user` may see, newest session first."""
    return (
        visible_bookings(user)
        .filter(client=client)
        .select_related("session__trainer__user", "session__room__location", "session__location")
        .order_by("-session__starts_at", "-id")
    )


def attendance_summary(*, user, client: Client) -> dict:
    """Attended, no-shows, late cancels and the attendance rate of the client's past sessions.

    The rate counts attended over attended plus no-shows plus late cancels: the
    sessions the client was expected at.
    """
    from django.db.models import Count

    counts = dict(
        visible_bookings(user)
        .filter(client=client)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    attended = counts.get(BookingStatus.ATTENDED, 0)
    no_shows = counts.get(BookingStatus.NO_SHOW, 0)
    late = counts.get(BookingStatus.LATE_CANCELLED, 0)
    expected = attended + no_shows + late
    return {
        "attended": attended,
        "no_shows": no_shows,
        "late_cancels": late,
        "cancelled": counts.get(BookingStatus.CANCELLED, 0),
        "upcoming": counts.get(BookingStatus.BOOKED, 0),
        "waitlisted": counts.get(BookingStatus.WAITLISTED, 0),
        "rate": round(100 * attended / expected) if expected else None,
    }


def client_overlapping_bookings(*, client_id: int, session: Session) -> QuerySet[Booking]:
    """The client's other seats or waitlist places that overlap `session` in time."""
    return (
        Booking.objects.filter(
            client_id=client_id,
            status__in=[BookingStatus.BOOKED, BookingStatus.WAITLISTED],
            session__starts_at__lt=session.ends_at,
            session__ends_at__gt=session.starts_at,
        )
        .exclude(session_id=session.pk)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
    )


def seat_count(session: Session) -> int:
    """Seats taken, counted from the bookings (the denormalised count is checked against it)."""
    return Booking.objects.filter(session=session, status__in=[*SEAT_STATUSES]).count()


def location_list() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True)


def room_list(*, location_id: int | None = None) -> QuerySet[Room]:
    rooms = Room.objects.filter(is_active=True, location__is_active=True).select_related("location")
    if location_id is not None:
        rooms = rooms.filter(location_id=location_id)
    return rooms


def class_type_list(*, include_inactive: bool = False) -> QuerySet[ClassType]:
    types = ClassType.objects.all()
    return types if include_inactive else types.filter(is_active=True)


def day_sessions(*, user, day, trainer_id: int | None = None, limit: int = 12) -> list[Session]:
    """The sessions of one local day (not cancelled), in start order: the homes' "Today"."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return list(
        session_list(
            user=user, start=start, end=end, trainer_id=trainer_id, include_cancelled=False
        )[:limit]
    )
