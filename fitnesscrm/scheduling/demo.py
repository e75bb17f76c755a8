"""The demo gym's timetable: a studio with three rooms, weekly classes, personal sessions, bookings.

Four weeks of history (attendance, no-shows, late cancels) and six weeks ahead
(bookings, a full class with a waitlist). Rows are written directly, as they would
stand after weeks of use; the timetable is laid out so that no trainer and no room
is ever in two places, and the seat counts match the bookings.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from fitnesscrm.clients.models import Assignment, Client, Status
from fitnesscrm.scheduling import recurrence
from fitnesscrm.scheduling.models import (
    Booking,
    BookingSource,
    BookingStatus,
    ClassType,
    Kind,
    Location,
    Room,
    SchedulingSettings,
    Series,
    Session,
    SessionStatus,
    WorkingHours,
)
from fitnesscrm.trainers.models import Trainer

DEMO_LOCATION = "Riverside studio"
WEEKS_BACK = 4
WEEKS_AHEAD = 6

CLASS_TYPES = [
    # name, minutes, capacity, colour, description
    ("Spin", 45, 16, "#c0392b", "Indoor cycling to music, intervals and hills."),
    ("Yoga flow", 60, 18, "#6f42c1", "Vinyasa flow for all levels; mats provided."),
    ("HIIT circuits", 45, 14, "#dc3545", "Short, hard intervals; modifications for every move."),
    ("Mat Pilates", 50, 12, "#20c997", "Core strength and posture on the mat."),
    ("Boxing fitness", 60, 14, "#fd7e14", "Pad work and conditioning; gloves to borrow."),
    ("Morning crew", 45, 12, "#1f8a70", "Strength circuit before work."),
]
ROOMS = [("Studio A", 20), ("Spin room", 16), ("Boxing corner", 14)]


@dataclass(frozen=True)
class Slot:
    class_type: str
    room: str
    trainer_email: str
    weekdays: tuple[int, ...]
    start: time


# Each room and trainer is used at most once at any time (the exclusion constraints hold).
TIMETABLE = [
    Slot("Morning crew", "Studio A", "trainer@demo.fitnesscrm.test", (0, 2, 4), time(6, 30)),
    Slot("Spin", "Spin room", "kwame.mensah@demo.fitnesscrm.test", (1, 3), time(7, 0)),
    Slot("Yoga flow", "Studio A", "sofia.martinez@demo.fitnesscrm.test", (1, 3), time(9, 30)),
    Slot("Mat Pilates", "Studio A", "sofia.martinez@demo.fitnesscrm.test", (0, 4), time(12, 15)),
    Slot(
        "HIIT circuits", "Boxing corner", "kwame.mensah@demo.fitnesscrm.test", (0, 2), time(12, 30)
    ),
    Slot("Spin", "Spin room", "trainer@demo.fitnesscrm.test", (1, 3), time(18, 0)),
    Slot("Yoga flow", "Studio A", "sofia.martinez@demo.fitnesscrm.test", (0, 2), time(19, 0)),
    Slot("Boxing fitness", "Boxing corner", "kwame.mensah@demo.fitnesscrm.test", (5,), time(10, 0)),
    Slot("Yoga flow", "Studio A", "lea.dubois@demo.fitnesscrm.test", (6,), time(9, 0)),
]
# Personal sessions: (weekday, hour) pairs a trainer coaches their clients at.
PT_HOURS = [(d, h) for d in range(5) for h in (8, 10, 11, 14, 15, 16, 17)]


def demo_schedule_exists() -> bool:
    return Location.objects.filter(name=DEMO_LOCATION).exists()


def _aware(day: date, at: time) -> datetime:
    return recurrence.local_to_utc(datetime.combine(day, at), timezone.get_current_timezone())


@transaction.atomic
def load_demo_schedule(*, owner, demo_client: Client | None) -> dict[str, int] | None:
    """Load the timetable once; None if it is there already."""
    if demo_schedule_exists():
        return None
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets  # nosec B311
    now = timezone.now()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    first_day = monday - timedelta(weeks=WEEKS_BACK)
    last_day = monday + timedelta(weeks=WEEKS_AHEAD) - timedelta(days=1)
    SchedulingSettings.load()

    location = Location.objects.create(name=DEMO_LOCATION, address="4 Wharf Lane, Bristol")
    rooms = {
        name: Room.objects.create(location=location, name=name, capacity=capacity)
        for name, capacity in ROOMS
    }
    types = {
        name: ClassType.objects.create(
            name=name, duration_minutes=minutes, capacity=capacity, colour=colour, description=text
        )
        for name, minutes, capacity, colour, text in CLASS_TYPES
    }
    trainers = {
        t.user.email: t for t in Trainer.objects.filter(is_active=True).select_related("user")
    }
    for trainer in trainers.values():
        WorkingHours.objects.bulk_create(
            [
                WorkingHours(trainer=trainer, weekday=d, starts=time(7), ends=time(19))
                for d in range(5)
            ]
        )

    members = list(Client.objects.filter(status=Status.ACTIVE, archived_at__isnull=True))
    sessions: list[Session] = []
    for slot in TIMETABLE:
        trainer = trainers.get(slot.trainer_email)
        if trainer is None:
            continue
        class_type = types[slot.class_type]
        room = rooms[slot.room]
        weeks = WEEKS_BACK + WEEKS_AHEAD
        rule = recurrence.Weekly(weekdays=slot.weekdays, until=last_day).to_rrule()
        series = Series.objects.create(
            kind=Kind.CLASS,
            title=class_type.name,
            rrule=rule,
            first_day=first_day,
            start_time=slot.start,
            time_zone=timezone.get_current_timezone_name(),
            duration_minutes=class_type.duration_minutes,
            created_by=owner,
        )
        for week in range(weeks):
            for weekday in slot.weekdays:
                day = first_day + timedelta(weeks=week, days=weekday)
                starts = _aware(day, slot.start)
                sessions.append(
                    Session(
                        kind=Kind.CLASS,
                        class_type=class_type,
                        title=class_type.name,
                        description=class_type.description,
                        trainer=trainer,
                        room=room,
                        location=location,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=class_type.duration_minutes),
                        capacity=min(class_type.capacity, room.capacity),
                        status=SessionStatus.COMPLETED if starts < now else SessionStatus.SCHEDULED,
                        series=series,
                        created_by=owner,
                    )
                )
    # Personal sessions with each trainer's own clients, where the trainer is free.
    taken: dict[int, list[tuple[datetime, datetime]]] = {}
    for s in sessions:
        taken.setdefault(s.trainer_id, []).append((s.starts_at, s.ends_at))
    coached: dict[int, list[int]] = {}
    for assignment in Assignment.objects.filter(end_date__isnull=True, client__in=members):
        coached.setdefault(assignment.trainer_id, []).append(assignment.client_id)
    personal: list[tuple[Session, int]] = []
    for trainer in trainers.values():
        clients = coached.get(trainer.pk, [])
        if not clients:
            continue
        for week in range(WEEKS_BACK + WEEKS_AHEAD):
            for weekday, hour in rng.sample(PT_HOURS, 6):
                day = first_day + timedelta(weeks=week, days=weekday)
                starts = _aware(day, time(hour))
                ends = starts + timedelta(hours=1)
                busy = taken.setdefault(trainer.pk, [])
                if any(a < ends and starts < b for a, b in busy):
                    continue
                busy.append((starts, ends))
                session = Session(
                    kind=Kind.PERSONAL,
                    title="Personal training",
                    trainer=trainer,
                    location=location,
                    starts_at=starts,
                    ends_at=ends,
                    capacity=1,
                    status=SessionStatus.COMPLETED if starts < now else SessionStatus.SCHEDULED,
                    created_by=owner,
                )
                personal.append((session, rng.choice(clients)))
    sessions += [s for s, _ in personal]
    # One class next week is cancelled (the instructor is away), as happens.
    upcoming = [
        s for s in sessions if s.kind == Kind.CLASS and s.starts_at > now + timedelta(days=7)
    ]
    if upcoming:
        cancelled = upcoming[len(upcoming) // 3]
        cancelled.status = SessionStatus.CANCELLED
        cancelled.cancelled_at = now
        cancelled.cancel_reason = "Instructor away at a course"
    Session.objects.bulk_create(sessions, batch_size=500)

    bookings: list[Booking] = []
    client_of = {id(s): c for s, c in personal}
    chloe_id = demo_client.pk if demo_client else None
    for session in sessions:
        if session.status == SessionStatus.CANCELLED:
            continue
        if session.kind == Kind.PERSONAL:
            picks = [client_of[id(session)]]
        else:
            popularity = rng.uniform(0.4, 1.3)
            wanted = int(session.capacity * popularity)
            picks = [c.pk for c in rng.sample(members, min(wanted, len(members)))]
            if chloe_id and session.title in ("Yoga flow", "Spin") and chloe_id not in picks:
                picks.insert(0, chloe_id)
        seats = 0
        waiting = 0
        for client_id in picks:
            booking = Booking(
                session=session,
                client_id=client_id,
                source=rng.choice(
                    [BookingSource.STAFF, BookingSource.PORTAL, BookingSource.PORTAL]
                ),
                created_by=owner,
            )
            if seats < session.capacity:
                seats += 1
                if session.starts_at < now:
                    booking.status = rng.choices(
                        [BookingStatus.ATTENDED, BookingStatus.NO_SHOW], weights=[12, 1]
                    )[0]
                    if booking.status == BookingStatus.ATTENDED:
                        booking.checked_in_at = session.starts_at - timedelta(minutes=5)
                else:
                    booking.status = BookingStatus.BOOKED
            elif session.starts_at > now:
                waiting += 1
                booking.status = BookingStatus.WAITLISTED
                booking.waitlisted_at = now - timedelta(minutes=waiting)
            else:
                booking.status = BookingStatus.LATE_CANCELLED
                booking.cancelled_at = session.starts_at - timedelta(hours=2)
            bookings.append(booking)
        session.booked_count = seats
        session.waitlist_count = waiting
    Booking.objects.bulk_create(bookings, batch_size=1000)
    for session in sessions:
        if session.booked_count or session.waitlist_count:
            Session.objects.filter(pk=session.pk).update(
                booked_count=session.booked_count, waitlist_count=session.waitlist_count
            )
    # Reminders for what is booked ahead (the sender sends those that fall due).
    from fitnesscrm.scheduling.reminders import offsets, reminders_schedule

    minutes = offsets()
    for booking in bookings:
        if booking.status == BookingStatus.BOOKED:
            reminders_schedule(booking, minutes=minutes)
    return {
        "sessions": len(sessions),
        "classes": sum(1 for s in sessions if s.kind == Kind.CLASS),
        "bookings": len(bookings),
        "waitlisted": sum(1 for b in bookings if b.status == BookingStatus.WAITLISTED),
    }
