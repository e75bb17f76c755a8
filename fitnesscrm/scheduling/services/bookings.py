"""Bookings: book, waitlist, cancel under the late-cancel policy, promote, and check in.

Capacity holds under concurrency because every booking change first locks its
session's row (SELECT … FOR UPDATE on PostgreSQL; SQLite writes one transaction at
a time): of two clients after the last seat, the second waits for the first to
commit, then finds the session full and joins the waitlist. The seat count on the
session is kept under that lock, and a check constraint forbids it to pass the
capacity, should anything ever get round the lock.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fitnesscrm.clients.models import Client
from fitnesscrm.clients.selectors import client_get, client_of_user
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from fitnesscrm.core.permissions import CLIENT_DESK_ROLES, is_staff_member, role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling import notify, reminders, selectors
from fitnesscrm.scheduling.models import (
    Booking,
    BookingSource,
    BookingStatus,
    Kind,
    SchedulingSettings,
    Session,
    SessionStatus,
)

# Check-in opens this long before the start.
CHECK_IN_OPENS = timedelta(hours=1)

# Other apps take part in booking through these hooks (billing: classes for members or
# with a credit), so scheduling does not import them. Each hook is called with the
# booking and an event, in the booking's transaction under the session's lock. Raising
# ApplicationError on BOOK or WAITLIST refuses the booking; on PROMOTE it passes the
# client over (their place on the waitlist is kept) and the hooks hear PASSED_OVER.
BOOK = "book"  # the booking was made and holds a seat
WAITLIST = "waitlist"  # the booking was made on the waitlist
PROMOTE = "promote"  # a waitlisted booking is about to get a seat
PASSED_OVER = "passed_over"  # ... and did not: a hook refused it
CANCEL = "cancel"  # the booking was cancelled (its status says whether late)
BOOKING_HOOKS: list[Callable[[Booking, str], None]] = []


def run_booking_hooks(booking: Booking, event: str) -> None:
    for hook in BOOKING_HOOKS:
        hook(booking, event)


def _promotion_allowed(booking: Booking) -> bool:
    """Whether the hooks let this waitlisted booking take a seat; a refusal leaves no trace."""
    if not BOOKING_HOOKS:
        return True
    try:
        with transaction.atomic():
            run_booking_hooks(booking, PROMOTE)
    except ApplicationError:
        run_booking_hooks(booking, PASSED_OVER)
        return False
    return True


@dataclass
class BookingResult:
    booking: Booking
    # Things the person booking should know but that do not stop the booking.
    warnings: list[str] = field(default_factory=list)

    @property
    def waitlisted(self) -> bool:
        return self.booking.status == BookingStatus.WAITLISTED


def _lock_session(session_id: int) -> Session:
    try:
        return (
            Session.objects.select_for_update(of=("self",))
            .select_related("trainer__user", "room")
            .get(pk=session_id)
        )
    except Session.DoesNotExist as exc:
        raise NotFound("No such session.") from exc


def _require_bookable_by(actor, session: Session, client: Client, *, self_booked: bool) -> None:
    """Who may put `client` into `session`; refuses with the reason."""
    role = role_of(actor)
    if role == Role.CLIENT:
        own = client_of_user(actor)
        if own is None or own.pk != client.pk:
            raise Forbidden("You can only book sessions for yourself.", code="not_yourself")
        if session.kind != Kind.CLASS and not self_booked:
            raise NotFound("No such session.")
        horizon = SchedulingSettings.load().client_booking_days
        if session.starts_at > timezone.now() + timedelta(days=horizon):
            raise ApplicationError(
                f"Sessions open for booking {horizon} days ahead.", code="not_open_yet"
            )
        return
    if role in CLIENT_DESK_ROLES:
        client_get(user=actor, client_id=client.pk, include_archived=False)
        return
    if role == Role.TRAINER:
        if not selectors.can_manage_session(actor, session):
            raise Forbidden("Trainers book clients into their own sessions only.")
        client_get(user=actor, client_id=client.pk, include_archived=False)
        return
    raise Forbidden("You cannot book sessions.")


def _require_open(session: Session) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise ApplicationError("This session is cancelled.", code="session_cancelled")
    if session.status == SessionStatus.COMPLETED or session.starts_at <= timezone.now():
        raise ApplicationError("This session has already started.", code="session_started")


def _overlap_warnings(client: Client, session: Session) -> list[str]:
    warnings = []
    for other in selectors.client_overlapping_bookings(client_id=client.pk, session=session)[:3]:
        when = timezone.localtime(other.session.starts_at).strftime("%a %d %b %H:%M")
        warnings.append(
            f"{client.full_name} is also booked into “{other.session.title}” at {when}."
        )
    return warnings


@transaction.atomic
def booking_create(
    *,
    actor,
    session: Session,
    client: Client,
    source: str = BookingSource.STAFF,
    waitlist: bool = True,
    self_booked: bool = False,
) -> BookingResult:
    """Book `client` into `session`, or put them on its waitlist when it is full.

    `waitlist=False` refuses a full session instead (409). A client already holding
    a seat or a waitlist place gets 409 too. An overlapping booking of the same client
    elsewhere does not stop the booking; it comes back as a warning.
    """
    session = _lock_session(session.pk)
    _require_bookable_by(actor, session, client, self_booked=self_booked)
    _require_open(session)
    if client.archived_at is not None:
        raise ApplicationError("This client is archived.", code="client_archived")
    existing = (
        Booking.objects.filter(session=session, client=client, status__in=[
            BookingStatus.BOOKED, BookingStatus.WAITLISTED, BookingStatus.ATTENDED,
            BookingStatus.NO_SHOW,
        ]).first()
    )  # fmt: skip
    if existing is not None:
        where = "on the waitlist" if existing.status == BookingStatus.WAITLISTED else "booked"
        raise Conflict(
            f"{client.full_name} is already {where} for this session.",
            code="already_booked",
            errors=[{"field": "client", "message": "Already booked.", "booking_id": existing.pk}],
        )
    warnings = _overlap_warnings(client, session)
    now = timezone.now()
    booking = Booking(session=session, client=client, source=source, created_by=actor)
    if session.booked_count < session.capacity:
        booking.status = BookingStatus.BOOKED
        session.booked_count += 1
    elif waitlist:
        booking.status = BookingStatus.WAITLISTED
        booking.waitlisted_at = now
        session.waitlist_count += 1
    else:
        raise Conflict(
            "This session is full.",
            code="session_full",
            errors=[{"field": "session", "message": f"All {session.capacity} places are taken."}],
        )
    booking.save()
    run_booking_hooks(booking, BOOK if booking.status == BookingStatus.BOOKED else WAITLIST)
    session.save(update_fields=["booked_count", "waitlist_count", "updated_at"])
    if booking.status == BookingStatus.BOOKED:
        reminders.reminders_schedule(booking)
        notify.booking_event(booking, notify.BOOKED)
    else:
        notify.booking_event(booking, notify.WAITLISTED)
    audit_record(
        actor=actor,
        action="booking.create",
        target=booking,
        changes={"status": booking.status, "session": session.pk, "client": client.pk},
    )
    return BookingResult(booking=booking, warnings=warnings)


def promote_waitlist(session: Session) -> list[Booking]:
    """Give free seats to the waitlist, first come first served; the caller holds the lock."""
    promoted = []
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= timezone.now():
        return promoted
    free = session.capacity - session.booked_count
    if free <= 0:
        return promoted
    waiting = (
        Booking.objects.filter(session=session, status=BookingStatus.WAITLISTED)
        .select_related("client")
        .order_by("waitlisted_at", "id")
    )
    # Without hooks nobody is passed over, so the first `free` are all it needs.
    waiting = list(waiting if BOOKING_HOOKS else waiting[:free])
    now = timezone.now()
    for booking in waiting:
        if len(promoted) >= free:
            break
        booking.session = session
        if not _promotion_allowed(booking):
            continue
        booking.status = BookingStatus.BOOKED
        booking.promoted_at = now
        booking.sequence += 1
        booking.save(update_fields=["status", "promoted_at", "sequence", "updated_at"])
        reminders.reminders_schedule(booking)
        notify.booking_event(booking, notify.PROMOTED)
        audit_record(
            actor=None,
            actor_label="waitlist",
            action="booking.promote",
            target=booking,
            changes={"status": [BookingStatus.WAITLISTED, BookingStatus.BOOKED]},
        )
        promoted.append(booking)
    if promoted:
        Session.objects.filter(pk=session.pk).update(
            booked_count=F("booked_count") + len(promoted),
            waitlist_count=F("waitlist_count") - len(promoted),
        )
        session.booked_count += len(promoted)
        session.waitlist_count -= len(promoted)
    return promoted


def _lock_booking(actor, booking: Booking) -> tuple[Booking, Session]:
    """The booking and its session, locked (session first, as booking_create locks)."""
    session = _lock_session(booking.session_id)
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("client").get(pk=booking.pk)
    )
    booking.session = session
    return booking, session


def is_late(session: Session, *, now=None) -> bool:
    window = timedelta(hours=SchedulingSettings.load().late_cancel_hours)
    return (now or timezone.now()) > session.starts_at - window


@transaction.atomic
def booking_cancel(*, actor, booking: Booking, waive_late: bool = False) -> Booking:
    """Cancel a booking under the late-cancel policy; a freed seat goes to the waitlist.

    Inside the owner's late-cancel window the booking is recorded as a late cancel
    (a waitlist place never is). Staff may waive that (`waive_late`), clients not.
    """
    booking, session = _lock_booking(actor, booking)
    role = role_of(actor)
    if role == Role.CLIENT:
        own = client_of_user(actor)
        if own is None or own.pk != booking.client_id:
            raise NotFound("No such booking.")
        waive_late = False
    elif not (role in CLIENT_DESK_ROLES or selectors.can_manage_session(actor, session)):
        raise Forbidden("Only this session's trainer or the front desk can cancel this booking.")
    if booking.status not in (BookingStatus.BOOKED, BookingStatus.WAITLISTED):
        raise ApplicationError(
            f"This booking is already {booking.get_status_display().lower()}.",
            code="not_cancellable",
        )
    if session.starts_at <= timezone.now():
        raise ApplicationError(
            "This session has started: mark the client as a no-show instead.",
            code="session_started",
        )
    held_seat = booking.status == BookingStatus.BOOKED
    late = held_seat and not waive_late and is_late(session)
    before = booking.status
    booking.status = BookingStatus.LATE_CANCELLED if late else BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.sequence += 1
    booking.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    run_booking_hooks(booking, CANCEL)
    if held_seat:
        session.booked_count -= 1
    else:
        session.waitlist_count -= 1
    session.save(update_fields=["booked_count", "waitlist_count", "updated_at"])
    reminders.reminders_drop(booking)
    notify.booking_event(booking, notify.CANCELLED)
    audit_record(
        actor=actor,
        action="booking.cancel",
        target=booking,
        changes={"status": [before, booking.status], "late": late},
    )
    if held_seat:
        promote_waitlist(session)
    return booking


ATTENDANCE = (BookingStatus.ATTENDED, BookingStatus.NO_SHOW, BookingStatus.BOOKED)


def _require_attendance_taker(actor, session: Session) -> None:
    if not is_staff_member(actor) or not (
        role_of(actor) in CLIENT_DESK_ROLES or selectors.can_manage_session(actor, session)
    ):
        raise Forbidden("Only this session's trainer or the front desk take attendance.")


@transaction.atomic
def booking_set_attendance(*, actor, booking: Booking, status: str) -> Booking:
    """Check a client in (attended), mark a no-show, or undo either (back to booked).

    Check-in opens an hour before the start; a no-show can be recorded once the
    session has started.
    """
    booking, session = _lock_booking(actor, booking)
    _require_attendance_taker(actor, session)
    if status not in ATTENDANCE:
        raise ApplicationError("Choose attended, no-show or booked.", code="invalid")
    if session.status == SessionStatus.CANCELLED:
        raise ApplicationError("This session is cancelled.", code="session_cancelled")
    if booking.status not in ATTENDANCE:
        raise ApplicationError(
            f"This booking is {booking.get_status_display().lower()}: there is no seat to check.",
            code="not_booked",
        )
    now = timezone.now()
    if status == BookingStatus.ATTENDED and now < session.starts_at - CHECK_IN_OPENS:
        raise ApplicationError("Check-in opens an hour before the start.", code="too_early")
    if status == BookingStatus.NO_SHOW and now < session.starts_at:
        raise ApplicationError(
            "A no-show can be recorded once the session has started.", code="too_early"
        )
    if booking.status == status:
        return booking
    before = booking.status
    booking.status = status
    booking.checked_in_at = now if status == BookingStatus.ATTENDED else None
    booking.checked_in_by = actor if status == BookingStatus.ATTENDED else None
    booking.save(update_fields=["status", "checked_in_at", "checked_in_by", "updated_at"])
    audit_record(
        actor=actor,
        action="booking.attendance",
        target=booking,
        changes={"status": [before, status]},
    )
    return booking


@transaction.atomic
def session_check_in_all(*, actor, session: Session) -> int:
    """Check in everyone still marked booked; returns how many."""
    session = _lock_session(session.pk)
    _require_attendance_taker(actor, session)
    if session.status == SessionStatus.CANCELLED:
        raise ApplicationError("This session is cancelled.", code="session_cancelled")
    now = timezone.now()
    if now < session.starts_at - CHECK_IN_OPENS:
        raise ApplicationError("Check-in opens an hour before the start.", code="too_early")
    booked = list(Booking.objects.filter(session=session, status=BookingStatus.BOOKED))
    Booking.objects.filter(pk__in=[b.pk for b in booked]).update(
        status=BookingStatus.ATTENDED, checked_in_at=now, checked_in_by=actor, updated_at=now
    )
    audit_record(
        actor=actor,
        action="session.check_in_all",
        target=session,
        changes={"checked_in": len(booked)},
    )
    return len(booked)
