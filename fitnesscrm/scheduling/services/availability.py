"""Availability: a trainer's working hours and time off, and a client booking a free slot.

A trainer sets their own; owners and managers anyone's. Time off that overlaps a
session still on the calendar is refused with the sessions it collides with: those
clients expect the trainer, so the sessions are moved or cancelled first (their
clients are told by those services), and only then the time off is taken.

A client books one of the free slots of a trainer assigned to them. Under the
trainer's row lock the slot is checked again (working hours, time off, sessions,
notice, horizon), so of two clients after the same slot the second waits for the
first to commit and is then refused; on PostgreSQL the exclusion constraint on
sessions is the last guard should anything get round the lock.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.selectors import client_of_user
from fitnesscrm.core.audit import audit_record
from fitnesscrm.core.errors import ApplicationError, Conflict, Forbidden
from fitnesscrm.core.permissions import role_of
from fitnesscrm.core.roles import Role
from fitnesscrm.scheduling import availability
from fitnesscrm.scheduling.availability import can_edit_availability, self_booking_trainer_get
from fitnesscrm.scheduling.models import (
    BookingSource,
    Kind,
    Session,
    SessionStatus,
    TimeOff,
    WorkingHours,
)
from fitnesscrm.scheduling.services.bookings import BookingResult, booking_create
from fitnesscrm.scheduling.services.sessions import _write as write_session
from fitnesscrm.trainers.models import Trainer

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The longest single stretch of time off (a sabbatical is entered in parts).
MAX_TIME_OFF = timedelta(days=366)
SELF_BOOKED_TITLE = "Personal training"


@dataclass(frozen=True)
class Hours:
    """One stretch of a weekday's working hours, in local wall-clock time."""

    weekday: int
    starts: time
    ends: time


def _require_editor(actor, trainer: Trainer) -> None:
    if not can_edit_availability(actor, trainer):
        raise Forbidden("Trainers set their own availability; owners and managers anyone's.")


def _lock_trainer(trainer: Trainer) -> Trainer:
    return Trainer.objects.select_for_update(of=("self",)).select_related("user").get(pk=trainer.pk)


def _hours_errors(hours: list[Hours]) -> list[dict]:
    errors = []
    by_day: dict[int, list[Hours]] = {}
    for stretch in hours:
        if not 0 <= stretch.weekday <= 6:
            errors.append({"field": "hours", "weekday": stretch.weekday, "message": "No such day."})
            continue
        if stretch.ends <= stretch.starts:
            errors.append(
                {
                    "field": "hours",
                    "weekday": stretch.weekday,
                    "message": f"{WEEKDAYS[stretch.weekday]}: the end must be after the start.",
                }
            )
            continue
        by_day.setdefault(stretch.weekday, []).append(stretch)
    for weekday, stretches in sorted(by_day.items()):
        stretches.sort(key=lambda s: s.starts)
        for before, after in pairwise(stretches):
            if after.starts < before.ends:
                errors.append(
                    {
                        "field": "hours",
                        "weekday": weekday,
                        "message": f"{WEEKDAYS[weekday]}: the hours overlap.",
                    }
                )
                break
    return errors


@transaction.atomic
def working_hours_set(*, actor, trainer: Trainer, hours: list[Hours]) -> list[WorkingHours]:
    """Replace the trainer's weekly working hours with `hours` (an empty list clears them).

    Sessions already booked are kept: working hours only decide what clients are offered.
    """
    _require_editor(actor, trainer)
    errors = _hours_errors(hours)
    if errors:
        raise ApplicationError(
            errors[0]["message"] if len(errors) == 1 else "Some days are not valid.",
            code="invalid",
            errors=errors,
        )
    trainer = _lock_trainer(trainer)
    before = [str(row) for row in WorkingHours.objects.filter(trainer=trainer)]
    WorkingHours.objects.filter(trainer=trainer).delete()
    rows = WorkingHours.objects.bulk_create(
        [
            WorkingHours(trainer=trainer, weekday=h.weekday, starts=h.starts, ends=h.ends)
            for h in sorted(hours, key=lambda h: (h.weekday, h.starts))
        ]
    )
    after = [str(row) for row in rows]
    if before != after:
        audit_record(
            actor=actor,
            action="trainer.working_hours",
            target=trainer,
            changes={"working_hours": [before, after]},
        )
    return rows


def _session_collisions(trainer: Trainer, starts_at: datetime, ends_at: datetime) -> list[dict]:
    found = []
    overlapping = (
        Session.objects.filter(trainer=trainer)
        .overlapping(starts_at, ends_at)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")[:10]
    )
    for session in overlapping:
        when = timezone.localtime(session.starts_at).strftime("%a %d %b %Y %H:%M")
        found.append(
            {
                "field": "starts_at",
                "message": f"“{session.title}” on {when} is still on the calendar.",
                "session_id": session.pk,
                "starts_at": session.starts_at.isoformat(),
                "ends_at": session.ends_at.isoformat(),
            }
        )
    return found


@transaction.atomic
def time_off_add(
    *, actor, trainer: Trainer, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> TimeOff:
    """Block `starts_at`..`ends_at` in the trainer's calendar.

    Refused (409, with each session) while a session that is not cancelled overlaps it.
    """
    _require_editor(actor, trainer)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("starts_at and ends_at must be aware datetimes")
    reason = reason.strip()
    errors = []
    if ends_at <= starts_at:
        errors.append({"field": "ends_at", "message": "The end must be after the start."})
    elif ends_at - starts_at > MAX_TIME_OFF:
        errors.append({"field": "ends_at", "message": "Enter time off of a year or less at once."})
    if ends_at <= timezone.now():
        errors.append({"field": "ends_at", "message": "This time is already over."})
    if len(reason) > 200:
        errors.append({"field": "reason", "message": "Keep the reason under 200 characters."})
    if errors:
        raise ApplicationError(errors[0]["message"], code="invalid", errors=errors)
    trainer = _lock_trainer(trainer)
    found = _session_collisions(trainer, starts_at, ends_at)
    if found:
        message = (
            f"{len(found)} session{'s' if len(found) > 1 else ''} in this time "
            "must be moved or cancelled first."
        )
        raise Conflict(message, code="schedule_conflict", errors=found)
    off = TimeOff.objects.create(
        trainer=trainer, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    audit_record(
        actor=actor,
        action="trainer.time_off_add",
        target=trainer,
        changes={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    return off


@transaction.atomic
def time_off_remove(*, actor, time_off: TimeOff) -> None:
    trainer = time_off.trainer
    _require_editor(actor, trainer)
    audit_record(
        actor=actor,
        action="trainer.time_off_remove",
        target=trainer,
        changes={
            "starts_at": time_off.starts_at.isoformat(),
            "ends_at": time_off.ends_at.isoformat(),
        },
    )
    time_off.delete()


TAKEN = "This time is no longer free. Choose another."


@transaction.atomic
def self_booking_create(*, actor, trainer: Trainer, starts_at: datetime) -> BookingResult:
    """A client books one of their trainer's free slots: a one-to-one session and its seat.

    The refusal of a slot never says what took it: another client's session is not
    the asker's business.
    """
    if role_of(actor) != Role.CLIENT:
        raise Forbidden("Clients book their trainer's free times in the portal.")
    client = client_of_user(actor)
    if client is None:
        raise Forbidden("Your login is not linked to a client record.", code="no_client")
    trainer = self_booking_trainer_get(user=actor, trainer_id=trainer.pk)
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    trainer = _lock_trainer(trainer)
    slot = availability.slot_is_free(trainer=trainer, starts_at=starts_at)
    if slot is None:
        raise Conflict(TAKEN, code="slot_taken", errors=[{"field": "starts_at", "message": TAKEN}])
    session = Session(
        kind=Kind.PERSONAL,
        title=SELF_BOOKED_TITLE,
        trainer=trainer,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        capacity=1,
        created_by=actor,
    )
    try:
        write_session(session)
    except Conflict as exc:
        raise Conflict(
            TAKEN, code="slot_taken", errors=[{"field": "starts_at", "message": TAKEN}]
        ) from exc
    audit_record(
        actor=actor,
        action="session.create",
        target=session,
        changes={
            "starts_at": session.starts_at.isoformat(),
            "trainer": trainer.pk,
            "self_booked": True,
        },
    )
    return booking_create(
        actor=actor,
        session=session,
        client=client,
        source=BookingSource.PORTAL,
        waitlist=False,
        self_booked=True,
    )


__all__ = [
    "WEEKDAYS",
    "Hours",
    "self_booking_create",
    "time_off_add",
    "time_off_remove",
    "working_hours_set",
]
